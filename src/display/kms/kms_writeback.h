// Test only: QV_TEST_KMS_WRITEBACK=DIR makes the kms display capture what
// the CRTC composes through the driver's writeback connector (vkms has one)
// with every frame it shows, and write it as DIR/wb-N.ppm (N counts from 0)
// with a line "kms: writeback N: frame ORDINAL" on the log. Only the DRM
// master can queue writeback jobs, so the VM test cannot capture from
// outside while qv drives the screen. Atomic modesetting only.
#pragma once

#include "drm.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv::kms {

class WritebackTap {
public:
    // Finds a writeback connector that can use CRTC index crtcIndex and
    // makes its XRGB8888 buffer (w x h). Needs DRM_CLIENT_CAP_WRITEBACK_CONNECTORS.
    bool setUp(const drm::Device &dev, int crtcIndex, int w, int h, const std::string &dir);
    bool active() const { return conn_ != 0; }
    // begin() before a frame's first commit: the other of two buffers,
    // marked. addTo() adds the job to a commit (and the connector to the
    // CRTC on a modeset); committed() after the commit went through.
    void begin();
    void addTo(drm::AtomicRequest &req, uint32_t crtcId, bool modeset);
    void committed();
    // Waits for the picture and writes it; false when none came (the caller
    // commits again). vkms 7.2 is not exact about jobs: it composes into the
    // newest job's buffer but signals the oldest job's fence, and can lose a
    // job (the asynchronous cleanup of the job before switches its composer
    // off). So a picture counts when the marked buffer of this frame has been
    // written over (its last row no longer holds the mark), whichever fence
    // said so.
    bool collect(int64_t ordinal);
    ~WritebackTap();
    std::string error() const { return error_; }

private:
    int fd_ = -1;
    uint32_t conn_ = 0, pCrtc_ = 0, pFb_ = 0, pFence_ = 0;
    int w_ = 0, h_ = 0, seq_ = 0;
    int32_t fence_ = -1;        // written by the kernel during the commit
    std::vector<int> fences_;   // jobs not done yet
    drm::DumbBuffer mem_[2];
    drm::Framebuffer fb_[2];
    int cur_ = 0;
    bool marked() const;
    std::string dir_, error_;
};

} // namespace qv::kms
