// DRM PRIME frames as framebuffers: a hardware decoder's dma-bufs imported
// into the kms display's device (drmPrimeFDToHandle) and wrapped in a
// framebuffer (AddFB2, with modifiers when the buffer has one), so the
// picture goes on a plane with no copy and no CPU conversion.
//
// Contract: display thread only (the kms display's). A decoder cycles
// through a small pool of surfaces, so each buffer is imported once and
// found again by its dma-buf's identity (device and inode of each object);
// at most kMaxBuffers are kept, the least recently shown evicted first (a
// kept framebuffer holds its buffer: that many surfaces' memory at most).
// The framebuffers go before the Device they were made on.
#pragma once

#include "drm.h"
#include "qv/media/prime.h"

#include <map>
#include <memory>
#include <sys/types.h>
#include <vector>

namespace qv::kms {

class PrimeImporter {
public:
    static constexpr size_t kMaxBuffers = 32;
    // modifiers: the device takes framebuffers with modifiers
    // (DRM_CAP_ADDFB2_MODIFIERS).
    PrimeImporter(int fd, bool modifiers) : fd_(fd), modifiers_(modifiers) {}
    ~PrimeImporter();
    PrimeImporter(const PrimeImporter &) = delete;
    PrimeImporter &operator=(const PrimeImporter &) = delete;

    // The framebuffer showing this picture (imported the first time).
    Result<uint32_t> framebuffer(const PrimeFrame &f);
    int64_t imports() const { return imports_; }
    int64_t reuses() const { return reuses_; }

private:
    struct Key {
        dev_t dev[4] = {};
        ino_t ino[4] = {};
        uint32_t fourcc = 0;
        int w = 0, h = 0;
        int64_t offset[4] = {};
        bool operator==(const Key &o) const;
    };
    struct Entry {
        Key key;
        uint32_t handles[4] = {};
        int handleCount = 0;
        drm::Framebuffer fb;
        uint64_t lastUse = 0;
    };
    bool keyOf(const PrimeFrame &f, Key &k) const;
    void drop(Entry &e);

    int fd_;
    bool modifiers_;
    std::vector<std::unique_ptr<Entry>> cache_;
    std::map<uint32_t, int> handleRefs_;   // GEM handles shared by several framebuffers
    uint64_t tick_ = 0;
    int64_t imports_ = 0, reuses_ = 0;
};

} // namespace qv::kms
