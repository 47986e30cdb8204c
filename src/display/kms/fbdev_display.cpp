// fbdev: /dev/fb0 for boards with only a framebuffer (or where KMS is held
// by something else). mmap of the framebuffer in its own pixel format (32-bit
// XRGB/XBGR, 16-bit RGB565), double buffered by panning where the virtual
// screen is twice as tall, fsync after each frame (the DRM fbdev emulation
// is deferred I/O: without it the last frame can stay half drawn), and
// KD_GRAPHICS on a VT so the console's cursor stays off the picture.
#include "kms_display.h"

#include "kms_choose.h"
#include "display/status_tty.h"
#include "vt_guard.h"
#include "qv/core/log.h"
#include "qv/core/unique_fd.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/fb.h>
#include <linux/kd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace qv {
namespace {

std::string fbDevice(const DisplayOptions &o) { return o.fbDevice.empty() ? "/dev/fb0" : o.fbDevice; }

class FbdevDisplay final : public Display {
public:
    explicit FbdevDisplay(const DisplayOptions &o) : opt_(o) {}
    ~FbdevDisplay() override { release(); }

    Result<void> open() {
        dev_ = fbDevice(opt_);
        fd_.reset(::open(dev_.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd_.valid()) return Error::make(ErrorKind::Display, dev_ + ": " + std::strerror(errno));
        if (ioctl(fd_.get(), FBIOGET_VSCREENINFO, &var_) != 0 || ioctl(fd_.get(), FBIOGET_FSCREENINFO, &fix_) != 0)
            return Error::make(ErrorKind::Display, dev_ + ": not a framebuffer (" + std::strerror(errno) + ")");
        saved_ = var_;
        if (var_.bits_per_pixel == 32) {
            pixFmt_ = var_.red.offset == 16 ? AV_PIX_FMT_BGR0 : AV_PIX_FMT_RGB0;
        } else if (var_.bits_per_pixel == 16) {
            pixFmt_ = AV_PIX_FMT_RGB565LE;
        } else {
            return Error::make(ErrorKind::Display,
                               dev_ + ": " + std::to_string(var_.bits_per_pixel) + "-bit framebuffers are not supported");
        }
        bpp_ = static_cast<int>(var_.bits_per_pixel / 8);
        size_ = fix_.smem_len;
        void *p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
        if (p == MAP_FAILED) return Error::make(ErrorKind::Display, dev_ + ": cannot map: " + std::strerror(errno));
        map_ = static_cast<uint8_t *>(p);
        // Two pages when the virtual screen has room and panning works.
        pages_ = 1;
        if (var_.yres_virtual >= 2 * var_.yres && static_cast<uint64_t>(fix_.line_length) * var_.yres * 2 <= size_)
            pages_ = 2;
        std::memset(map_, 0, size_);
        if (isVirtualConsole(0)) vt_.enter(0, false, 0, 0);   // KD_TEXT again on every exit, a crash too
        log::info("fbdev: %s %ux%u, %d bpp, %d page(s)", dev_.c_str(), var_.xres, var_.yres, var_.bits_per_pixel, pages_);
        return {};
    }

    const char *name() const override { return "fbdev"; }
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.terminalKeys = true;
        return c;
    }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        rect_ = kms::letterbox(spec, static_cast<int>(var_.xres), static_cast<int>(var_.yres));
        std::memset(map_, 0, size_);
        ScaleTarget t;
        t.width = rect_.w;
        t.height = rect_.h;
        t.pixFmt = pixFmt_;
        t.orientation = spec.orientation;
        t.quality = ScaleQuality::Good;
        return t;
    }

    Result<Shown> present(const FrameRef &fr) override {
        const AVFrame *f = fr.frame.get();
        if (!f || !f->data[0]) return Shown::NotShown;
        const int page = pages_ == 2 ? 1 - shown_ : 0;
        uint8_t *base = map_ + static_cast<size_t>(page) * var_.yres * fix_.line_length;
        kms::copyIntoLetterbox(base, fix_.line_length, rect_, bpp_, f->data[0], f->linesize[0], f->width, f->height);
        if (pages_ == 2) {
            var_.yoffset = static_cast<uint32_t>(page) * var_.yres;
            if (ioctl(fd_.get(), FBIOPAN_DISPLAY, &var_) != 0) {
                pages_ = 1;   // no panning after all: draw in place from now on
                var_.yoffset = 0;
                ioctl(fd_.get(), FBIOPAN_DISPLAY, &var_);
            }
            shown_ = page;
        }
        fsync(fd_.get());   // deferred I/O: push the frame out now
        return Shown::Yes;
    }

    void release() override {
        if (!fd_.valid()) return;
        if (map_) {
            std::memset(map_, 0, size_);
            fsync(fd_.get());
            munmap(map_, size_);
        }
        map_ = nullptr;
        if (saved_.yoffset != var_.yoffset) ioctl(fd_.get(), FBIOPAN_DISPLAY, &saved_);
        fd_.reset();
        vt_.restore();   // KD_TEXT: the console redraws itself
    }

private:
    DisplayOptions opt_;
    std::string dev_;
    UniqueFd fd_;
    fb_var_screeninfo var_{}, saved_{};
    fb_fix_screeninfo fix_{};
    uint8_t *map_ = nullptr;
    size_t size_ = 0;
    int bpp_ = 4, pages_ = 1, shown_ = 0;
    int pixFmt_ = AV_PIX_FMT_BGR0;
    kms::Rect rect_;
    kms::VtGuard vt_;
};

ProbeResult probeFbdev(const DisplayOptions &o) { return probeScreenDevice(fbDevice(o), o); }

} // namespace

DisplayEntry fbdevDisplayEntry() {
    return {"fbdev", "the Linux framebuffer (/dev/fb0): mmap, panning, fsync", 45, probeFbdev,
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                auto d = std::make_unique<FbdevDisplay>(o);
                if (auto r = d->open(); !r) return r.takeError();
                return std::unique_ptr<Display>(std::move(d));
            }};
}

} // namespace qv
