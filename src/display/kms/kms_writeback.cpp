#include "kms_writeback.h"

#include "kms_plane.h"
#include "qv/core/log.h"

#include <cstdio>
#include <poll.h>
#include <unistd.h>
#include <vector>

namespace qv::kms {

bool WritebackTap::setUp(const drm::Device &dev, int crtcIndex, int w, int h, const std::string &dir) {
    drm::Resources res = dev.resources();
    if (!res || crtcIndex < 0) return false;
    for (int i = 0; i < res->count_connectors && !conn_; ++i) {
        drm::Connector c = dev.connector(res->connectors[i]);
        if (!c || c->connector_type != DRM_MODE_CONNECTOR_WRITEBACK) continue;
        bool fits = false;
        for (int k = 0; k < c->count_encoders; ++k)
            if (drm::Encoder e = dev.encoder(c->encoders[k])) fits |= (e->possible_crtcs & (1u << crtcIndex)) != 0;
        if (!fits) continue;
        const drm::PropertySet ps = dev.properties(c->connector_id, DRM_MODE_OBJECT_CONNECTOR);
        pCrtc_ = ps.id("CRTC_ID");
        pFb_ = ps.id("WRITEBACK_FB_ID");
        pFence_ = ps.id("WRITEBACK_OUT_FENCE_PTR");
        if (pCrtc_ && pFb_ && pFence_) conn_ = c->connector_id;
    }
    if (!conn_) {
        error_ = "no writeback connector for this CRTC";
        return false;
    }
    for (int i = 0; i < 2; ++i) {
        auto mem = drm::DumbBuffer::create(dev.fd(), static_cast<uint32_t>(w), static_cast<uint32_t>(h), 32);
        if (!mem) {
            error_ = mem.error().message;
            conn_ = 0;
            return false;
        }
        mem_[i] = std::move(*mem);
        const uint32_t handles[4] = {mem_[i].handle()}, pitches[4] = {mem_[i].pitch()}, offsets[4] = {0};
        auto fb = drm::Framebuffer::add(dev.fd(), static_cast<uint32_t>(w), static_cast<uint32_t>(h), kXRGB8888, handles,
                                        pitches, offsets);
        if (!fb) {
            error_ = fb.error().message;
            conn_ = 0;
            return false;
        }
        fb_[i] = std::move(*fb);
    }
    fd_ = dev.fd();
    w_ = w;
    h_ = h;
    dir_ = dir;
    return true;
}

WritebackTap::~WritebackTap() {
    for (int f : fences_) ::close(f);
}

namespace {
constexpr uint32_t kMark = 0x00a5c3e1u;   // X = 0: a composed pixel has X = 0xff
}

void WritebackTap::begin() {
    if (!conn_) return;
    cur_ = 1 - cur_;
    auto *row = reinterpret_cast<uint32_t *>(mem_[cur_].map() + static_cast<size_t>(h_ - 1) * mem_[cur_].pitch());
    for (int x = 0; x < w_; ++x) row[x] = kMark;
}

bool WritebackTap::marked() const {
    const auto *row = reinterpret_cast<const uint32_t *>(mem_[cur_].map() + static_cast<size_t>(h_ - 1) * mem_[cur_].pitch());
    for (int x = 0; x < w_; x += 7)
        if (row[x] != kMark) return false;
    return true;
}

void WritebackTap::addTo(drm::AtomicRequest &req, uint32_t crtcId, bool modeset) {
    if (!conn_) return;
    // Jobs whose fences signalled since the last picture was taken were done
    // before this commit: drop them, so that only a picture composed after
    // it counts.
    std::vector<int> left;
    for (int f : fences_) {
        struct pollfd p {f, POLLIN, 0};
        if (poll(&p, 1, 0) > 0) ::close(f);
        else left.push_back(f);
    }
    fences_.swap(left);
    if (modeset) req.add(conn_, pCrtc_, crtcId);
    fence_ = -1;
    req.add(conn_, pFb_, fb_[cur_].id());
    req.add(conn_, pFence_, reinterpret_cast<uintptr_t>(&fence_));
}

void WritebackTap::committed() {
    if (conn_ && fence_ >= 0) fences_.push_back(fence_);
    fence_ = -1;
}

bool WritebackTap::collect(int64_t ordinal) {
    if (!conn_) return false;
    bool composed = false;
    for (int waited = 0; waited < 2000 && !composed; waited += 20) {   // (an emulated VM on a loaded machine: flips 0.9 s apart seen)
        std::vector<struct pollfd> p;
        for (int f : fences_) p.push_back({f, POLLIN, 0});
        poll(p.data(), p.size(), 20);   // a fence: some composition is done; else 20 ms
        std::vector<int> left;
        for (const auto &x : p) {
            if (x.revents & POLLIN) ::close(x.fd);
            else left.push_back(x.fd);
        }
        fences_.swap(left);
        composed = !marked();
    }
    if (!composed) return false;
    usleep(20000);   // the last row is written last: the rest is there; let the job finish
    const std::string path = dir_ + "/wb-" + std::to_string(seq_) + ".ppm";
    FILE *f = std::fopen(path.c_str(), "wb");
    if (!f) {
        log::warn("kms: writeback: cannot write %s", path.c_str());
        return true;
    }
    std::fprintf(f, "P6\n%d %d\n255\n", w_, h_);
    std::vector<uint8_t> row(static_cast<size_t>(w_) * 3);
    for (int y = 0; y < h_; ++y) {
        const uint8_t *s = mem_[cur_].map() + static_cast<size_t>(y) * mem_[cur_].pitch();
        for (int x = 0; x < w_; ++x) {   // XRGB8888 little-endian: B G R X
            row[static_cast<size_t>(x) * 3] = s[x * 4 + 2];
            row[static_cast<size_t>(x) * 3 + 1] = s[x * 4 + 1];
            row[static_cast<size_t>(x) * 3 + 2] = s[x * 4];
        }
        std::fwrite(row.data(), 1, row.size(), f);
    }
    std::fclose(f);
    log::info("kms: writeback %d: frame %lld", seq_, static_cast<long long>(ordinal));
    ++seq_;
    return true;
}

} // namespace qv::kms
