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
#include "kms_display.h"

#include "drm.h"
#include "kms_choose.h"
#include "kms_device.h"
#include "kms_guard.h"
#include "vt_guard.h"
#include "kms_paint.h"
#include "kms_plane.h"
#include "kms_screen.h"
#include "kms_writeback.h"
#include "display/status_tty.h"
#include "qv/core/log.h"
#include "qv/core/unique_fd.h"
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
#include <set>
#include <sys/signalfd.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <vector>

namespace qv {
namespace {

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
            const int r = commit(*b, !modeSet_, false, f->colorspace, f->color_range, f->height);
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
            waitFlip(1000);
            bool got = wbTap_.collect(fr.info.ordinal);
            for (int i = 0; i < 3 && !got; ++i) {   // a lost job: commit the same buffer again
                if (commit(*b, false, false, f->colorspace, f->color_range, f->height) == 0) {
                    flipPending_ = true;
                    wbTap_.committed();
                    waitFlip(1000);
                }
                got = wbTap_.collect(fr.info.ordinal);
            }
            if (!got) log::warn("kms: writeback: no picture for frame %lld", static_cast<long long>(fr.info.ordinal));
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
        modeBlob_.reset();
        master_.release();
        vt_.restore();
        statusTty_.end();
    }

private:
    // Not on the screen: a counted drop for the pipeline (said once per
    // reason with -v), never a failure.
    Result<Shown> notShown(const char *why) {
        if (notShownWhy_.insert(why).second) log::info("kms: a frame not shown: %s", why);
        return Shown::NotShown;
    }

    static void slotFree(void *opaque, uint8_t *) { static_cast<kms::ScreenBuffer *>(opaque)->state.store(0); }

    Result<void> setUp(const drmModeRes &res, const drmModeConnector &c);
    bool setUpAtomic(const drmModeRes &res);
    Result<void> choosePath(const StreamSpec &spec, const kms::Rect &screenPic);
    Result<std::unique_ptr<kms::BufferSet>> makeSet(const kms::FormatInfo &f, const kms::Rect &screenPic, bool overlay, uint32_t plane);
    int commit(kms::ScreenBuffer &b, bool modeset, bool testOnly, int colorspace, int range, int height);
    int bandY() const { return mode_.vdisplay - bandH_; }
    void logSummary();
    static void onFlip(int, unsigned, unsigned sec, unsigned usec, void *user);
    void pendingShown() {   // the buffer that was flipping is on screen now
        if (kms::ScreenBuffer *p = pending_.load()) front_.store(p);
        pending_.store(nullptr);
    }
    void waitFlip(int timeoutMs);

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
    bool lastFull_ = false;   // the last frame was full range
    StatusTty statusTty_;
};

Result<void> KmsDisplay::setUp(const drmModeRes &res, const drmModeConnector &c) {
    connId_ = c.connector_id;
    connName_ = drm::connectorName(c);
    const std::string &dev = dev_.path();
    // The CRTC: the one already driving this connector, else the first its
    // encoders can use.
    if (c.encoder_id)
        if (drm::Encoder e = dev_.encoder(c.encoder_id)) crtcId_ = e->crtc_id;
    for (int i = 0; !crtcId_ && i < c.count_encoders; ++i) {
        drm::Encoder e = dev_.encoder(c.encoders[i]);
        for (int k = 0; e && k < res.count_crtcs; ++k)
            if (e->possible_crtcs & (1u << k)) {
                crtcId_ = res.crtcs[k];
                break;
            }
    }
    if (!crtcId_) return Error::make(ErrorKind::Display, dev + ": no CRTC for " + connName_);
    for (int i = 0; i < res.count_crtcs; ++i)
        if (res.crtcs[i] == crtcId_) crtcIndex_ = i;
    crtc_.save(dev_.fd(), crtcId_, connId_);
    drm::Crtc saved = dev_.crtc(crtcId_);
    std::vector<kms::ModeInfo> modes;
    int current = -1;
    for (int i = 0; i < c.count_modes; ++i) {
        modes.push_back(kms::modeInfo(c.modes[i]));
        if (saved && saved->mode_valid && std::memcmp(&saved->mode, &c.modes[i], sizeof(drmModeModeInfo)) == 0) current = i;
    }
    if (current < 0 && saved && saved->mode_valid && opt_.kmsMode.empty()) {
        mode_ = saved->mode;   // the CRTC runs a mode the connector does not list: keep it
    } else {
        const int m = kms::chooseMode(modes, opt_.kmsMode, current);
        if (m < 0)
            return Error::make(ErrorKind::Display, dev + ": " + connName_ + " has no mode " +
                                                       (opt_.kmsMode.empty() ? std::string("at all") : opt_.kmsMode));
        mode_ = c.modes[m];
    }
    uint64_t cap = 0;
    monotonicEvents_ = dev_.cap(DRM_CAP_TIMESTAMP_MONOTONIC, cap) && cap;
    // Atomic modesetting where the driver has it (QV_KMS_LEGACY=1 forces the
    // legacy calls).
    const char *legacy = std::getenv("QV_KMS_LEGACY");
    if (!(legacy && *legacy == '1') && dev_.setClientCap(DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) &&
        dev_.setClientCap(DRM_CLIENT_CAP_ATOMIC, 1))
        atomic_ = setUpAtomic(res);
    const char *over = std::getenv("QV_TEST_KMS_PLANE_OVERSIZE");
    oversizeTest_ = over && *over == '1';
    // On a VT: no console cursor or text over the picture (KD_GRAPHICS), and
    // VT switches go through us (VT_PROCESS): we drop DRM master and let the
    // switch happen, and take the screen back when it returns.
    bool fontLoaded = false;
    if (isVirtualConsole(0)) {
        fontLoaded = kms::loadConsoleFont(0, font_, fontInfo_);   // the kernel hands out its font in KD_TEXT only
        vt_.enter(0, true, SIGUSR1, SIGUSR2);
        if (vt_.processMode()) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGUSR1);
            sigaddset(&set, SIGUSR2);
            vtSignals_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        }
    }
    // The status line goes to a terminal that is not the screen (SSH); on
    // the console it is drawn on the picture, in the console's font.
    if (isatty(2) && !isVirtualConsole(2)) statusTty_ = StatusTty(2);
    if (vt_.active() && fontLoaded) {
        overlay_ = true;
        bandH_ = fontInfo_.h + 4;
    }
    log::info("kms: %s, %s, CRTC %u, %dx%d@%.2f, %s modesetting", dev.c_str(), connName_.c_str(), crtcId_, mode_.hdisplay,
              mode_.vdisplay, kms::modeInfo(mode_).refreshMilliHz / 1000.0, atomic_ ? "atomic" : "legacy");
    return {};
}

bool KmsDisplay::setUpAtomic(const drmModeRes &) {
    planes_ = kms::readPlanes(dev_, crtcIndex_);
    for (const auto &p : planes_)
        if (p.info.onCrtc && p.info.type == kms::PlaneType::Primary && !primary_) primary_ = p.info.id;
    if (!primary_ || !primaryProps_.read(dev_, primary_)) return false;
    pConnCrtc_ = dev_.properties(connId_, DRM_MODE_OBJECT_CONNECTOR).id("CRTC_ID");
    const drm::PropertySet crtcProps = dev_.properties(crtcId_, DRM_MODE_OBJECT_CRTC);
    pMode_ = crtcProps.id("MODE_ID");
    pActive_ = crtcProps.id("ACTIVE");
    if (!pConnCrtc_ || !pMode_ || !pActive_) return false;
    auto blob = drm::Blob::create(dev_.fd(), &mode_, sizeof mode_);
    if (!blob) return false;
    modeBlob_ = std::move(*blob);
    return true;
}

Result<std::unique_ptr<kms::BufferSet>> KmsDisplay::makeSet(const kms::FormatInfo &f, const kms::Rect &screenPic, bool overlay,
                                                        uint32_t plane) {
    auto s = std::make_unique<kms::BufferSet>();
    s->fmt = &f;
    s->overlay = overlay;
    s->plane = plane;
    // On an overlay the buffer is the picture; on the primary it is the
    // screen with the picture at its place in the letterbox.
    const int w = overlay ? screenPic.w : mode_.hdisplay, h = overlay ? screenPic.h : mode_.vdisplay;
    s->pic = overlay ? kms::Rect{0, 0, screenPic.w, screenPic.h} : screenPic;
    s->originX = overlay ? screenPic.x : 0;
    s->originY = overlay ? screenPic.y : 0;
    for (kms::ScreenBuffer &b : s->bufs)
        if (auto r = kms::makeBuffer(dev_.fd(), b, f, w, h); !r) return Error::make(ErrorKind::Display, dev_.path() + ": " + r.error().message);
    return s;
}

// The plane and format for this video, tried with TEST_ONLY commits; RGB on
// the primary plane when none is taken.
Result<void> KmsDisplay::choosePath(const StreamSpec &spec, const kms::Rect &screenPic) {
    std::unique_ptr<kms::BufferSet> chosen;
    kms::PlanePref pref = kms::PlanePref::Auto;
    kms::parsePlanePref(opt_.kmsPlane.empty() ? "auto" : opt_.kmsPlane, pref);
    std::string why = "legacy modesetting";
    if (atomic_) {
        const auto choice = kms::choosePlanes(kms::planeInfos(planes_), kms::sourceFormat(spec.pixFmt), pref,
                                              spec.orientation, &scalerCanWrite);
        why = choice.why;
        for (const kms::Candidate &c : choice.candidates) {
            if (c.overlay && !black_) {
                black_ = std::make_unique<kms::ScreenBuffer>();
                if (!kms::makeBuffer(dev_.fd(), *black_, *kms::formatInfo(kms::kXRGB8888), mode_.hdisplay, mode_.vdisplay)) {
                    black_.reset();
                    continue;
                }
            }
            auto s = makeSet(*c.format, screenPic, c.overlay, c.planeId);
            if (!s) {
                why = s.error().message;
                continue;
            }
            set_ = s->get();   // commit() reads it
            if (!videoProps_.read(dev_, c.planeId)) {
                why = "plane " + std::to_string(c.planeId) + " lacks a property qv sets";
                continue;
            }
            const int r = commit((*s)->bufs[0], true, true, AVCOL_SPC_UNSPECIFIED, AVCOL_RANGE_MPEG, spec.height);
            if (r == 0) {
                chosen = std::move(*s);
                log::info("kms: video on %s plane %u as %s (%dx%d at %d,%d), the scale stage writes YUV; %s",
                          c.overlay ? "overlay" : "primary", c.planeId, c.format->name, screenPic.w, screenPic.h,
                          screenPic.x, screenPic.y, choice.why.c_str());
                break;
            }
            why = std::string("the driver's test commit refused ") + c.format->name + " on plane " +
                  std::to_string(c.planeId) + " (" + std::strerror(-r) + ")";
            log::info("kms: %s", why.c_str());
        }
    }
    if (!chosen) {
        auto s = makeSet(*kms::formatInfo(kms::kXRGB8888), screenPic, false, primary_);
        if (!s) return s.takeError();
        chosen = std::move(*s);
        if (atomic_) videoProps_.read(dev_, primary_);
        // Said once, with -v.
        log::info("kms: video on the primary plane as XRGB8888 (%dx%d at %d,%d), the scale stage converts to RGB: %s",
                  screenPic.w, screenPic.h, screenPic.x, screenPic.y, why.c_str());
    }
    if (chosen->overlay) crtc_.addPlane(chosen->plane);
    set_ = chosen.get();
    sets_.push_back(std::move(chosen));
    sink_.store(set_, std::memory_order_release);
    for (kms::ScreenBuffer &b : set_->bufs) b.band.clear();
    return {};
}

// One atomic commit: the buffer on the video plane (over the black primary
// when that is an overlay), COLOR_ENCODING/COLOR_RANGE, and the mode the
// first time and after a VT switch. Returns 0 or -errno.
int KmsDisplay::commit(kms::ScreenBuffer &b, bool modeset, bool testOnly, int colorspace, int range, int height) {
    const kms::BufferSet &s = *set_;
    drm::AtomicRequest req;
    if (modeset) {
        req.add(connId_, pConnCrtc_, crtcId_);
        req.add(crtcId_, pMode_, modeBlob_.id());
        req.add(crtcId_, pActive_, 1);
    }
    const uint64_t sw = static_cast<uint64_t>(b.surf.w), sh = static_cast<uint64_t>(b.surf.h);
    const kms::PlaneProps &v = videoProps_;
    const uint32_t vp = s.plane;
    const uint64_t extra = testOnly && oversizeTest_ && s.fmt->yuv ? 2 : 0;   // test hook: a source bigger than the buffer
    req.add(vp, v.fb, b.fb.id());
    req.add(vp, v.crtc, crtcId_);
    req.add(vp, v.srcX, 0);
    req.add(vp, v.srcY, 0);
    req.add(vp, v.srcW, (sw + extra) << 16);
    req.add(vp, v.srcH, sh << 16);
    req.add(vp, v.crtcX, static_cast<uint64_t>(s.originX));
    req.add(vp, v.crtcY, static_cast<uint64_t>(s.originY));
    req.add(vp, v.crtcW, sw);
    req.add(vp, v.crtcH, sh);
    uint64_t e = 0;
    if (s.fmt->yuv && v.encoding && v.encoding->enumValue(kms::colorEncodingName(colorspace, height), e))
        req.add(vp, v.encoding->id, e);
    if (s.fmt->yuv && v.range && v.range->enumValue(kms::colorRangeName(range), e)) req.add(vp, v.range->id, e);
    if (s.overlay && black_) {
        const kms::PlaneProps &p = primaryProps_;
        const uint64_t w = mode_.hdisplay, h = mode_.vdisplay;
        const uint64_t vals[10] = {black_->fb.id(), crtcId_, 0, 0, w << 16, h << 16, 0, 0, w, h};
        const uint32_t ids[10] = {p.fb, p.crtc, p.srcX, p.srcY, p.srcW, p.srcH, p.crtcX, p.crtcY, p.crtcW, p.crtcH};
        for (int i = 0; i < 10; ++i) req.add(primary_, ids[i], vals[i]);
    }
    uint32_t flags = 0;
    if (testOnly) {
        flags = DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET;
    } else {
        flags = DRM_MODE_PAGE_FLIP_EVENT | (modeset ? DRM_MODE_ATOMIC_ALLOW_MODESET : DRM_MODE_ATOMIC_NONBLOCK);
        wbTap_.addTo(req, crtcId_, modeset);
    }
    return req.commit(dev_.fd(), flags, this);
}



void KmsDisplay::onFlip(int, unsigned, unsigned sec, unsigned usec, void *user) {
    auto *d = static_cast<KmsDisplay *>(user);
    d->flipPending_ = false;
    // The flip's own timestamp (CLOCK_MONOTONIC) against the commit.
    const int64_t shown = int64_t(sec) * 1000000000 + int64_t(usec) * 1000;
    if (d->monotonicEvents_ && d->submittedNs_ > 0) d->latency_.add(d->submittedNs_, shown);
    // The spacing of completed flips, as qv sees their events arrive (a
    // virtual machine's vblank timestamps can be stale): a vblank-paced
    // screen shows whole refresh periods here (reported with -v).
    d->flipGaps_.arrived(monotonicNs());
    d->pendingShown();
}

void KmsDisplay::waitFlip(int timeoutMs) {
    while (flipPending_) {
        struct pollfd p {dev_.fd(), POLLIN, 0};
        if (poll(&p, 1, timeoutMs) <= 0) {
            flipPending_ = false;   // no event came: do not wait forever
            pendingShown();
            return;
        }
        drmEventContext ev{};
        ev.version = 2;
        ev.page_flip_handler = &KmsDisplay::onFlip;
        drmHandleEvent(dev_.fd(), &ev);
    }
}

void KmsDisplay::logSummary() {
    if (!set_) return;
    log::info("kms: %lld frames drawn by the scale stage straight into the screen's buffers, %lld copied; "
              "flip latency %.1f ms over %lld flips",
              static_cast<long long>(direct_), static_cast<long long>(copies_), latency_.value() / 1e6,
              static_cast<long long>(latency_.samples()));
    int n = 0;
    const double gap = flipGaps_.medianMs(n);
    if (n > 0) {
        const int mhz = kms::modeInfo(mode_).refreshMilliHz;
        log::info("kms: completed flips %.2f ms apart (median of %d); the mode refreshes every %.2f ms", gap, n,
                  mhz > 0 ? 1e6 / mhz : 0.0);
    }
}

ProbeResult probeKms(const DisplayOptions &o) {
    const std::string dev = kms::devicePath(o);
    ProbeResult r = probeScreenDevice(dev, o);
    if (r.usable && r.autoPick) r.why = dev + ", on a VT";
    return r;
}

} // namespace

DisplayEntry kmsDisplayEntry() {
    return {"kms", "DRM/KMS on the console: YUV or XRGB planes, dumb buffers, page flips, the mode kept", 50, probeKms,
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                auto d = std::make_unique<KmsDisplay>(o);
                if (auto r = d->open(); !r) return r.takeError();
                return std::unique_ptr<Display>(std::move(d));
            }};
}

} // namespace qv
