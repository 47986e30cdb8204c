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
    // Adds the job to a commit (and the connector to the CRTC on a modeset);
    // committed() after the commit went through.
    void addTo(drm::AtomicRequest &req, uint32_t crtcId, bool modeset);
    void committed();
    // Waits for the picture and writes it; false when none came (vkms 7.2
    // can lose a job: its composer is switched off by the asynchronous
    // cleanup of the job before; the caller commits again, which switches it
    // on). Any job's fence will do: vkms signals queued jobs oldest first,
    // each time it composes the current state into the one buffer all jobs
    // share.
    bool collect(int64_t ordinal);
    ~WritebackTap();
    std::string error() const { return error_; }

private:
    int fd_ = -1;
    uint32_t conn_ = 0, pCrtc_ = 0, pFb_ = 0, pFence_ = 0;
    int w_ = 0, h_ = 0, seq_ = 0;
    int32_t fence_ = -1;        // written by the kernel during the commit
    std::vector<int> fences_;   // jobs not done yet
    drm::DumbBuffer mem_;
    drm::Framebuffer fb_;
    std::string dir_, error_;
};

} // namespace qv::kms
