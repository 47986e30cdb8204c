// kms: the board's screen through the kernel's DRM/KMS (libdrm through
// drm.h), no X or Wayland. Atomic modesetting where the driver has it, else
// the legacy calls (SetCrtc, then PageFlip with events; SetCrtc per frame
// where the driver has no flips).
//
// Where the picture goes (configure()): with atomic modesetting, a plane
// that takes a YUV format close to the video's (kms_plane.h chooses, atomic
// TEST_ONLY commits decide: an overlay over a black primary, or the primary
// itself), so the scale stage writes YUV and never converts to RGB; the
// plane gets COLOR_ENCODING and COLOR_RANGE from each frame. Otherwise (or
// --kms-plane=rgb, or every test commit refused) XRGB8888 on the primary
// plane. Either way the scale stage draws the picture straight into a free
// dumb buffer (the frame sink) at its place in the letterbox; the display
// copies only frames that came from elsewhere. DirtyFB after each frame
// (virtio-gpu needs it). At most one flip in flight: present() waits for
// the previous flip's event first.
//
// A good citizen: takes DRM master and says who holds it when it cannot;
// keeps the CRTC's mode unless --kms-mode asks; the CRTC (and any overlay
// it lit), DRM master, KD_GRAPHICS and the VT mode are held by guards
// (kms_guard.h) that put them back on every exit, also on a fatal signal.
// On a VT it takes VT switches (VT_PROCESS).
//
// The class, shared by kms_display.cpp (set-up, flips, the entry),
// kms_display_path.cpp (the plane and format, the commits) and
// kms_display_prime.cpp (DRM PRIME frames).
#pragma once

#include "kms_display.h"

#include "drm.h"
#include "kms_choose.h"
#include "kms_device.h"
#include "kms_guard.h"
#include "vt_guard.h"
#include "kms_paint.h"
#include "kms_plane.h"
#include "kms_prime.h"
#include "kms_screen.h"
#include "kms_writeback.h"
#include "display/status_tty.h"
#include "qv/core/log.h"
#include "qv/core/unique_fd.h"
#include "qv/media/prime.h"
#include "qv/sync/clock.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <linux/kd.h>
#include <memory>
#include <poll.h>
#include <map>
#include <set>
#include <sys/signalfd.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <vector>

namespace qv::kmsdisplay {

class KmsDisplay final : public Display, public FrameSink {
public:
    explicit KmsDisplay(const DisplayOptions &o) : opt_(o) {}
    ~KmsDisplay() override {
        release();
        logSummary();
    }   // then the buffers (every frame came home before: Player::releaseFrames), then the device

    FrameSink *frameSink() override { return this; }

    // qv-scale: a free buffer of the current set, set up so the picture
    // lands at its place (the borders stay black).
    bool acquire(const ScaleTarget &t, AVFrame *dst) override {
        kms::BufferSet *s = sink_.load(std::memory_order_acquire);
        if (!s || t.width != s->pic.w || t.height != s->pic.h || t.pixFmt != s->fmt->avFmt) return false;
        for (kms::ScreenBuffer &b : s->bufs) {
            int expect = 0;
            if (!b.mem.map() || !b.state.compare_exchange_strong(expect, 1)) continue;
            if (&b == front_.load() || &b == pending_.load()) {   // on screen, or about to be
                b.state.store(0);
                continue;
            }
            if (!wrapExternalBuffer(dst, b.mem.map(), b.mem.size(), &KmsDisplay::slotFree, &b)) {
                b.state.store(0);
                return false;
            }
            const kms::FormatInfo &f = *s->fmt;
            const int planes = f.yuv ? f.planes : 1;
            for (int p = 0; p < planes; ++p) {
                const int ap = f.swapUV && p > 0 ? 3 - p : p;   // YV12: FFmpeg's U is DRM plane 2
                dst->data[ap] = b.surf.row(p, p ? s->pic.y >> f.log2ChromaH : s->pic.y) +
                                (f.yuv ? kms::planeRowBytes(f, p, s->pic.x) : s->pic.x * 4);
                dst->linesize[ap] = static_cast<int>(b.surf.pitch);
            }
            dst->width = s->pic.w;
            dst->height = s->pic.h;
            dst->format = f.avFmt;
            b.bandSaved = false;
            return true;
        }
        return false;
    }

    Result<void> open() {
        auto dev = drm::Device::open(kms::devicePath(opt_));
        if (!dev) return dev.takeError();
        dev_ = std::move(*dev);
        const std::string &path = dev_.path();
        if (!master_.take(dev_.fd())) {
            const std::string who = kms::masterHolder(path);
            return Error::make(ErrorKind::Display, path + ": DRM master is held by " +
                                                       (who.empty() ? std::string("another process (a compositor or another player)") : who));
        }
        drm::Resources res = dev_.resources();
        if (!res) return Error::make(ErrorKind::Display, path + ": not a KMS device (" + std::strerror(errno) + ")");
        std::vector<drm::Connector> conns;
        const auto infos = kms::connectorInfos(dev_, *res, &conns);
        const int ci = kms::chooseConnector(infos, opt_.kmsConnector);
        if (ci < 0)
            return Error::make(ErrorKind::Display, opt_.kmsConnector.empty() ? path + ": no connected screen"
                                                                              : path + ": no connector " + opt_.kmsConnector);
        if (auto r = setUp(*res, *conns[static_cast<size_t>(ci)]); !r) return r;
        const char *wb = std::getenv("QV_TEST_KMS_WRITEBACK");
        if (wb && *wb && atomic_) {   // the cap needs the atomic one first
            if (!dev_.setClientCap(DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1) || !wbTap_.setUp(dev_, crtcIndex_, mode_.hdisplay, mode_.vdisplay, wb))
                log::warn("kms: QV_TEST_KMS_WRITEBACK: %s", wbTap_.error().c_str());
        }
        return {};
    }

    const char *name() const override { return "kms"; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        spec_ = spec;
        const kms::Rect screenPic = kms::letterbox(spec, mode_.hdisplay, mode_.vdisplay);
        if (!set_ || set_->pic.w != screenPic.w || set_->pic.h != screenPic.h || configuredFmt_ != spec.pixFmt) {
            auto r = choosePath(spec, screenPic);
            if (!r) return r.takeError();
            configuredFmt_ = spec.pixFmt;
        }
        ScaleTarget t;
        t.width = set_->pic.w;
        t.height = set_->pic.h;
        t.pixFmt = set_->fmt->avFmt;
        t.orientation = spec.orientation;   // YUV planes only for upright pictures (kms_plane.h)
        t.quality = ScaleQuality::Good;
        return t;
    }

    // The VT switch signals (VT_PROCESS): their own signalfd, readable when
    // another VT wants the screen or gives it back.
    int eventFd() const override { return vtSignals_.get(); }

    int64_t dispatch(const DisplayEvents &out) override {
        if (!vtSignals_.valid()) return -1;
        signalfd_siginfo si;
        while (::read(vtSignals_.get(), &si, sizeof si) == sizeof si) {
            if (!vtSwitch(static_cast<int>(si.ssi_signo))) continue;
            out(DisplayEvent{away_ ? DisplayEvent::Type::ScreenAway : DisplayEvent::Type::ScreenBack, {}});
        }
        return -1;
    }

    bool vtSwitch(int sig) {
        if (!vt_.processMode() || (sig != SIGUSR1 && sig != SIGUSR2)) return false;
        if (sig == SIGUSR1) {   // another VT wants the screen
            waitFlip(200);
            crtc_.disarm();     // the screen is the other VT's now
            master_.drop();
            ioctl(vt_.fd(), VT_RELDISP, 1);
            away_ = true;
            log::info("kms: VT switched away, screen released");
        } else {   // back to our VT
            ioctl(vt_.fd(), VT_RELDISP, VT_ACKACQ);
            if (!master_.retake()) log::warn("kms: cannot take DRM master back: %s", std::strerror(errno));
            modeSet_ = false;   // set the CRTC again with the next frame
            flipPending_ = false;
            away_ = false;
            log::info("kms: VT back, screen taken again");
        }
        return true;
    }
    int64_t presentLatencyNs() const override { return latency_.value(); }

    Result<Shown> present(const FrameRef &fr) override {
        const AVFrame *f = fr.frame.get();
        if (!f || !f->data[0]) return notShown("no picture in the frame");
        if (away_) return notShown("the screen is on another VT");
        waitFlip(100);
        if (isPrimeFrame(f)) return presentPrime(fr);
        kms::BufferSet &s = *set_;
        // The scale stage drew into one of our buffers: show that one. Else
        // (its pool, all ours busy) copy into a free one.
        kms::ScreenBuffer *b = nullptr;
        if (void *own = externalBufferOpaque(f))
            for (kms::ScreenBuffer &x : s.bufs)
                if (own == &x) b = &x;
        bool copied = false;
        if (b) {
            ++direct_;
        } else {
            if (f->format != s.fmt->avFmt || f->width != s.pic.w || f->height != s.pic.h)
                return notShown("a frame scaled for another layout");
            for (kms::ScreenBuffer &x : s.bufs) {
                int expect = 0;
                if (&x == front_.load() || !x.state.compare_exchange_strong(expect, 2)) continue;
                b = &x;
                break;
            }
            if (!b) return notShown("every screen buffer holds a frame");
            kms::copyPicture(b->surf, s.pic.x, s.pic.y, f->data, f->linesize, f->width, f->height);
            b->bandSaved = false;
            copied = true;
            ++copies_;
        }
        const bool full = s.fmt->yuv && f->color_range == AVCOL_RANGE_JPEG;
        lastFull_ = full;
        if (s.fmt->yuv && !s.overlay && b->borderRange != int(full)) {   // the letterbox in this range's black
            kms::fillBorders(b->surf, s.pic, full);
            b->borderRange = int(full);
            b->bandSaved = false;
        }
        if (overlay_) {
            if (b->bandSaved) kms::restoreRows(b->surf, bandY() - s.originY, bandH_, b->band);   // shown before: undo its overlay
            else kms::saveRows(b->surf, bandY() - s.originY, bandH_, b->band);
            b->bandSaved = true;
            kms::drawStatusBand(s, *b, black_.get(), blackText_, dev_.fd(), bandY(), bandH_, fontInfo_, status_, full);
            overlaid_ = status_;
        }
        pending_.store(b);
        if (copied) b->state.store(0);   // protected by pending_/front_ from here on
        submittedNs_ = monotonicNs();
        drmModeDirtyFB(dev_.fd(), b->fb.id(), nullptr, 0);   // ENOSYS on drivers that scan out directly: fine
        if (atomic_) {
            wbTap_.begin();   // test only (QV_TEST_KMS_WRITEBACK)
            const int r = primeTest_ ? commitAsPrime(*b, f->colorspace, f->color_range, f->height)
                                     : commit(*b, !modeSet_, false, f->colorspace, f->color_range, f->height);
            if (r == -EBUSY) {
                pending_.store(nullptr);
                return notShown("the screen is busy (a flip still pending)");
            }
            if (r != 0)
                return Error::make(ErrorKind::Display, dev_.path() + ": atomic commit failed: " + std::strerror(-r));
            modeSet_ = true;
            flipPending_ = true;
            crtc_.arm();
            wbTap_.committed();
        } else if (!modeSet_) {
            if (drmModeSetCrtc(dev_.fd(), crtcId_, b->fb.id(), 0, 0, &connId_, 1, &mode_) != 0)
                return Error::make(ErrorKind::Display, dev_.path() + ": cannot set the mode: " + std::strerror(errno));
            modeSet_ = true;
            crtc_.arm();
        } else if (useFlip_ && drmModePageFlip(dev_.fd(), crtcId_, b->fb.id(), DRM_MODE_PAGE_FLIP_EVENT, this) == 0) {
            flipPending_ = true;
        } else {
            useFlip_ = false;   // no flips here: set the buffer directly
            if (drmModeSetCrtc(dev_.fd(), crtcId_, b->fb.id(), 0, 0, &connId_, 1, &mode_) != 0)
                return Error::make(ErrorKind::Display, dev_.path() + ": cannot show a frame: " + std::strerror(errno));
        }
        if (!flipPending_) pendingShown();   // shown at once (SetCrtc, or no event to wait for)
        if (wbTap_.active()) {   // test only: the composed picture, read back
            collectWriteback(fr.info.ordinal, [&] { return commit(*b, false, false, f->colorspace, f->color_range, f->height); });
        }
        if (!status_.empty()) statusTty_.show(status_);
        return Shown::Yes;
    }

    Result<void> status(const std::string &line, bool now) override {
        status_ = line;
        if (!now) return {};
        statusTty_.show(line);
        kms::ScreenBuffer *b = front_.load();
        if (overlay_ && modeSet_ && !away_ && line != overlaid_ && b && set_) {
            // Paused: redraw the band of the buffer on screen (restored from
            // the frame's own pixels first) and tell the driver.
            kms::restoreRows(b->surf, bandY() - set_->originY, bandH_, b->band);
            kms::drawStatusBand(*set_, *b, black_.get(), blackText_, dev_.fd(), bandY(), bandH_, fontInfo_, line, lastFull_);
            overlaid_ = line;
            drmModeDirtyFB(dev_.fd(), b->fb.id(), nullptr, 0);
        }
        return {};
    }
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.status = statusTty_.active() || overlay_;
        c.terminalKeys = true;
        // A hardware decoder's dma-bufs straight onto a plane (--kms-plane=rgb:
        // downloaded and converted instead).
        c.primeFrames = atomic_ && opt_.kmsPlane != "rgb";
        return c;
    }

    Result<void> finish() override {
        waitFlip(200);
        return {};
    }

    // The CRTC, master and the VT back (the guards); the buffers stay mapped
    // until the destructor: the scale stage may still be drawing.
    void release() override {
        if (released_ || dev_.fd() < 0) return;
        released_ = true;
        waitFlip(200);
        crtc_.release();
        primeFront_.reset();   // off the screen now: back to the decoder
        primePending_.reset();
        modeBlob_.reset();
        master_.release();
        vt_.restore();
        statusTty_.end();
    }

private:
    // Not on the screen: a counted drop for the pipeline (said once per
    // reason with -v), never a failure.
    Result<Shown> notShown(const std::string &why) {
        if (notShownWhy_.insert(why).second) log::info("kms: a frame not shown: %s", why.c_str());
        return Shown::NotShown;
    }

    // A hardware decoder's frame no plane here takes (a layout, a format):
    // said once; the pipeline has the decoder download from then on.
    Result<Shown> refused(const std::string &why) {
        if (!refusedSaid_) {
            refusedSaid_ = true;
            log::warn("kms: the decoder's frames cannot go on a plane (%s): they are downloaded and scaled instead",
                      why.c_str());
        }
        return Shown::Refused;
    }

    static void slotFree(void *opaque, uint8_t *) { static_cast<kms::ScreenBuffer *>(opaque)->state.store(0); }

    Result<void> setUp(const drmModeRes &res, const drmModeConnector &c);
    bool setUpAtomic(const drmModeRes &res);
    Result<void> choosePath(const StreamSpec &spec, const kms::Rect &screenPic);
    Result<std::unique_ptr<kms::BufferSet>> makeSet(const kms::FormatInfo &f, const kms::Rect &screenPic, bool overlay, uint32_t plane);
    // What one commit puts on the video plane.
    struct Scanout {
        uint32_t fb = 0, plane = 0;
        const kms::PlaneProps *props = nullptr;
        uint64_t srcW = 0, srcH = 0;   // pixels of the framebuffer shown
        kms::Rect dst;                 // where on the screen
        bool yuv = false, overlay = false;
    };
    int commit(kms::ScreenBuffer &b, bool modeset, bool testOnly, int colorspace, int range, int height);
    // The black buffer for the primary plane under an overlay (made once).
    bool blackPrimary() {
        if (black_) return true;
        black_ = std::make_unique<kms::ScreenBuffer>();
        if (!kms::makeBuffer(dev_.fd(), *black_, *kms::formatInfo(kms::kXRGB8888), mode_.hdisplay, mode_.vdisplay)) black_.reset();
        return black_ != nullptr;
    }
    int commitScanout(const Scanout &o, bool modeset, bool testOnly, int colorspace, int range, int height);
    // DRM PRIME frames (kms_prime.h): imported, on the plane chosen for
    // their format and modifier, kept referenced while on screen.
    Result<Shown> presentPrime(const FrameRef &fr);
    int primeScanout(const PrimeFrame &pf, const kms::Rect &dst, Scanout &o, std::string &why);
    int commitAsPrime(kms::ScreenBuffer &b, int colorspace, int range, int height);
    int bandY() const { return mode_.vdisplay - bandH_; }
    void logSummary();
    static void onFlip(int, unsigned, unsigned sec, unsigned usec, void *user);
    void pendingShown() {   // the buffer that was flipping is on screen now
        if (kms::ScreenBuffer *p = pending_.load()) front_.store(p);
        pending_.store(nullptr);
        if (!primePending_.empty()) {   // the PRIME frame before it can go back to the decoder
            std::swap(primeFront_, primePending_);
            primePending_.reset();
        }
    }
    void waitFlip(int timeoutMs);
    // Test only (QV_TEST_KMS_WRITEBACK): after the flip, the composed
    // picture of frame `ordinal` read back; a lost job (vkms) is committed
    // again, up to 3 times (recommit: the same picture, 0 when it went through).
    template <class Recommit> void collectWriteback(int64_t ordinal, Recommit recommit) {
        waitFlip(1000);
        bool got = wbTap_.collect(ordinal);
        for (int i = 0; i < 3 && !got; ++i) {
            if (recommit() == 0) {
                flipPending_ = true;
                wbTap_.committed();
                waitFlip(1000);
            }
            got = wbTap_.collect(ordinal);
        }
        if (!got) log::warn("kms: writeback: no picture for frame %lld", static_cast<long long>(ordinal));
    }

    DisplayOptions opt_;
    StreamSpec spec_;
    drm::Device dev_;   // first in, last out: everything below uses its fd
    kms::VtGuard vt_;
    kms::MasterGuard master_;
    kms::CrtcGuard crtc_;
    std::string connName_;
    uint32_t connId_ = 0, crtcId_ = 0;
    int crtcIndex_ = -1;
    drmModeModeInfo mode_{};
    drm::Blob modeBlob_;
    // The buffers: the current set, and the sets it replaced (kept until
    // the end: frames in flight may still point into them).
    std::vector<std::unique_ptr<kms::BufferSet>> sets_;
    kms::BufferSet *set_ = nullptr;
    std::atomic<kms::BufferSet *> sink_{nullptr};
    std::atomic<kms::ScreenBuffer *> front_{nullptr}, pending_{nullptr};   // read by qv-scale in acquire()
    int configuredFmt_ = -2;
    std::unique_ptr<kms::ScreenBuffer> black_;   // the primary under an overlay
    std::string blackText_;
    // atomic modesetting
    bool atomic_ = false;
    uint32_t primary_ = 0, pConnCrtc_ = 0, pMode_ = 0, pActive_ = 0;
    kms::PlaneProps primaryProps_, videoProps_;
    std::vector<kms::PlaneDetail> planes_;
    kms::WritebackTap wbTap_;
    bool oversizeTest_ = false;   // QV_TEST_KMS_PLANE_OVERSIZE: the YUV test commits ask too much
    // PRIME frames: the importer, the plane chosen for (fourcc, modifier),
    // the frames on screen and flipping (their buffers must not go back to
    // the decoder before the next flip).
    std::unique_ptr<kms::PrimeImporter> prime_;
    uint32_t primeFourcc_ = 0, primePlane_ = 0;
    uint64_t primeModifier_ = 0;
    bool primeOverlay_ = false, primeChosen_ = false;
    std::string primeWhy_;
    kms::PlaneProps primeProps_;
    FrameRef primeFront_, primePending_;
    bool primeTest_ = false;   // QV_TEST_KMS_PRIME: our own buffers shown through the PRIME import
    std::map<const kms::ScreenBuffer *, UniqueFd> primeTestFds_;
    // counters and flip timing
    int64_t copies_ = 0, direct_ = 0;
    LatencyEstimator latency_;
    kms::FlipGaps flipGaps_;
    int64_t submittedNs_ = 0;
    bool monotonicEvents_ = false, released_ = false;
    bool modeSet_ = false, useFlip_ = true, flipPending_ = false;
    // the status overlay (on a VT)
    bool overlay_ = false;
    std::vector<uint8_t> font_;
    kms::Font fontInfo_;
    int bandH_ = 0;
    std::string overlaid_, status_;
    bool away_ = false;
    UniqueFd vtSignals_;                  // SIGUSR1/2 of VT_PROCESS
    std::set<std::string> notShownWhy_;   // reasons said so far
    bool refusedSaid_ = false;
    bool lastFull_ = false;   // the last frame was full range
    StatusTty statusTty_;
};

} // namespace qv::kmsdisplay
