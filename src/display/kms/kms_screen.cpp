#include "kms_screen.h"

#include <algorithm>
#include <cstring>
#include <linux/kd.h>
#include <sys/ioctl.h>

namespace qv::kms {

Error notShown(const std::string &why) {
    Error e = Error::make(ErrorKind::Display, "frame not shown: " + why);
    e.native = EAGAIN;
    return e;
}

Result<void> makeBuffer(int fd, ScreenBuffer &b, const FormatInfo &f, int w, int h) {
    int rows = 0, rowBytes = 0;
    const int planes = f.yuv ? f.planes : 1;
    for (int p = 0; p < planes; ++p) {
        rows += planeRows(f, p, h);
        rowBytes = std::max(rowBytes, planeRowBytes(f, p, w));
    }
    auto mem = f.yuv ? drm::DumbBuffer::create(fd, static_cast<uint32_t>(rowBytes), static_cast<uint32_t>(rows), 8)
                     : drm::DumbBuffer::create(fd, static_cast<uint32_t>(w), static_cast<uint32_t>(h), 32);
    if (!mem) return mem.takeError();
    b.mem = std::move(*mem);
    uint32_t handles[4] = {}, pitches[4] = {}, offsets[4] = {};
    uint32_t at = 0;
    for (int p = 0; p < planes; ++p) {
        handles[p] = b.mem.handle();
        pitches[p] = b.mem.pitch();
        offsets[p] = at;
        b.surf.offset[p] = at;
        at += b.mem.pitch() * static_cast<uint32_t>(planeRows(f, p, h));
    }
    auto fb = drm::Framebuffer::add(fd, static_cast<uint32_t>(w), static_cast<uint32_t>(h), f.fourcc, handles, pitches, offsets);
    if (!fb) return fb.takeError();
    b.fb = std::move(*fb);
    b.surf.fmt = &f;
    b.surf.base = b.mem.map();
    b.surf.pitch = b.mem.pitch();
    b.surf.w = w;
    b.surf.h = h;
    if (f.yuv) fillBlack(b.surf, {0, 0, w, h}, false);
    return {};
}

bool PlaneProps::read(const drm::Device &dev, uint32_t plane) {
    set = dev.properties(plane, DRM_MODE_OBJECT_PLANE);
    uint32_t *ids[] = {&fb, &crtc, &srcX, &srcY, &srcW, &srcH, &crtcX, &crtcY, &crtcW, &crtcH};
    const char *names[] = {"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};
    bool all = true;
    for (int i = 0; i < 10; ++i) all &= (*ids[i] = set.id(names[i])) != 0;
    encoding = set.find("COLOR_ENCODING");
    range = set.find("COLOR_RANGE");
    return all;
}

bool loadConsoleFont(int vtFd, std::vector<uint8_t> &storage, Font &font) {
    storage.assign(512 * 32 * 4, 0);
    struct console_font_op op {};
    op.op = KD_FONT_OP_GET;
    op.width = 32;
    op.height = 32;
    op.charcount = 512;
    op.data = storage.data();
    if (ioctl(vtFd, KDFONTOP, &op) != 0 || op.width == 0 || op.width > 32 || op.height == 0 || op.height > 32) {
        storage.clear();
        return false;
    }
    font = {storage.data(), static_cast<int>(op.width), static_cast<int>(op.height), static_cast<int>(op.charcount)};
    return true;
}

void drawStatusBand(const BufferSet &s, ScreenBuffer &b, ScreenBuffer *black, std::string &blackText, int fd, int bandY,
                    int bandH, const Font &font, const std::string &text, bool full) {
    if (text.empty()) return;
    const int y = bandY - s.originY;
    darken(b.surf, {0, y, b.surf.w, bandH}, s.pic, full);
    drawText(b.surf, 4 - s.originX, y + 2, text, font, full);
    if (s.overlay && black && text != blackText) {
        fillBlack(black->surf, {0, bandY, black->surf.w, bandH}, false);
        drawText(black->surf, 4, bandY + 2, text, font, false);
        blackText = text;
        drmModeDirtyFB(fd, black->fb.id(), nullptr, 0);
    }
}

void FlipGaps::arrived(int64_t now) {
    if (lastNs_ > 0 && now > lastNs_)
        gaps_[count_++ % kGaps] = static_cast<int32_t>(std::min<int64_t>((now - lastNs_) / 1000, INT32_MAX));
    lastNs_ = now;
}

double FlipGaps::medianMs(int &n) const {
    n = static_cast<int>(std::min<int64_t>(count_, kGaps));
    if (n == 0) return 0;
    int32_t sorted[kGaps];
    std::copy(gaps_, gaps_ + n, sorted);
    std::nth_element(sorted, sorted + n / 2, sorted + n);
    return sorted[n / 2] / 1000.0;
}

} // namespace qv::kms
