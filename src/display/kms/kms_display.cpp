// kms: the board's screen through the kernel's DRM/KMS (libdrm), no X or
// Wayland. Atomic modesetting where the driver has it, else the legacy calls
// (SetCrtc, then PageFlip with events; SetCrtc per frame where the driver has
// no flips). XRGB8888 dumb buffers on the primary plane; the scale stage
// draws the letterboxed picture straight into a free one (the frame sink),
// and the display copies only frames that came from elsewhere (borders stay
// black). DirtyFB after each frame (virtio-gpu needs it). At most one flip
// in flight: present() waits for the previous flip's event first.
//
// A good citizen: takes DRM master and says who holds it when it cannot;
// keeps the CRTC's mode unless --kms-mode asks; saves the CRTC it changes
// and puts it back on every exit path that runs destructors (q, end,
// errors, SIGINT/TERM/HUP through the signalfd); on a crash the kernel's
// fbdev helper restores the console when the DRM file closes. On a VT it
// sets KD_GRAPHICS (no console cursor or text on the picture), takes VT
// switches (VT_PROCESS) and restores KD_TEXT.
#include "kms_display.h"

#include "kms_choose.h"
#include "display/status_tty.h"
#include "qv/core/log.h"
#include "qv/sync/clock.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <xf86drm.h>

#include "display/drm_compat.h"
#include <xf86drmMode.h>
#include <drm_fourcc.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <csignal>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <vector>

namespace qv {
namespace {

std::string kmsDevice(const DisplayOptions &o) { return o.kmsDevice.empty() ? "/dev/dri/card0" : o.kmsDevice; }

std::string connectorName(const drmModeConnector *c) {
    const char *t = drmModeGetConnectorTypeName(c->connector_type);
    return std::string(t ? t : "Unknown") + "-" + std::to_string(c->connector_type_id);
}

kms::ModeInfo modeInfo(const drmModeModeInfo &m) {
    kms::ModeInfo i;
    i.width = m.hdisplay;
    i.height = m.vdisplay;
    i.refreshMilliHz = m.htotal && m.vtotal
                           ? static_cast<int>(static_cast<int64_t>(m.clock) * 1000000 / (int64_t(m.htotal) * m.vtotal))
                           : static_cast<int>(m.vrefresh) * 1000;
    i.preferred = (m.type & DRM_MODE_TYPE_PREFERRED) != 0;
    return i;
}

// Who holds DRM master, from debugfs (root, debugfs mounted); empty when
// it cannot be told.
std::string masterHolder(const std::string &device) {
    struct stat st {};
    if (stat(device.c_str(), &st) != 0) return {};
    const unsigned minor = minor(st.st_rdev);
    const std::string path = "/sys/kernel/debug/dri/" + std::to_string(minor) + "/clients";
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f) return {};
    char line[256];
    std::string who;
    // "   command   tgid dev master a   uid      magic"
    while (std::fgets(line, sizeof line, f)) {
        char cmd[64];
        int pid = 0;
        unsigned dev = 0;
        char master = 0, auth = 0;
        if (std::sscanf(line, "%63s %d %u %c %c", cmd, &pid, &dev, &master, &auth) == 5 && master == 'y' &&
            pid != getpid())
            who = std::string(cmd) + " (pid " + std::to_string(pid) + ")";
    }
    std::fclose(f);
    return who;
}

struct DumbBuffer {
    uint32_t handle = 0, fb = 0, pitch = 0;
    uint64_t size = 0;
    uint8_t *map = nullptr;
    // 0 free; 1 holds a frame (the scale stage draws or drew into it); 2 the
    // display copies into it. Never handed out while on screen or flipping.
    std::atomic<int> state{0};
    std::vector<uint8_t> band;     // the picture under the status overlay
    bool bandSaved = false;
};

class KmsDisplay final : public Display, public FrameSink {
public:
    explicit KmsDisplay(const DisplayOptions &o) : opt_(o) {}
    ~KmsDisplay() override {
        release();
        destroyBuffers();   // every frame came home before (Player::releaseFrames)
        if (fd_ >= 0) ::close(fd_);
    }

    FrameSink *frameSink() override { return this; }

    // qv-scale: a free dumb buffer, set up so the picture lands at its place
    // in the letterbox (the borders stay black).
    bool acquire(const ScaleTarget &t, AVFrame *dst) override {
        const int w = sinkW_.load(), h = sinkH_.load();
        if (t.width != w || t.height != h || t.pixFmt != AV_PIX_FMT_BGR0 || w <= 0) return false;
        for (int i = 0; i < kBuffers; ++i) {
            DumbBuffer &b = bufs_[i];
            int expect = 0;
            if (!b.map || !b.state.compare_exchange_strong(expect, 1)) continue;
            if (i == front_.load() || i == pending_.load()) {   // on screen, or about to be
                b.state.store(0);
                continue;
            }
            AVBufferRef *ref = av_buffer_create(b.map, b.size, &KmsDisplay::slotFree, &b, 0);
            if (!ref) {
                b.state.store(0);
                return false;
            }
            av_frame_unref(dst);
            dst->buf[0] = ref;
            dst->data[0] = b.map + static_cast<size_t>(sinkY_.load()) * b.pitch + static_cast<size_t>(sinkX_.load()) * 4;
            dst->linesize[0] = static_cast<int>(b.pitch);
            dst->width = w;
            dst->height = h;
            dst->format = AV_PIX_FMT_BGR0;
            b.bandSaved = false;
            return true;
        }
        return false;
    }

    Result<void> open() {
        const std::string dev = kmsDevice(opt_);
        device_ = dev;
        fd_ = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
        if (fd_ < 0) return Error::make(ErrorKind::Display, dev + ": " + std::strerror(errno));
        if (drmSetMaster(fd_) != 0 && !drmIsMaster(fd_)) {
            std::string who = masterHolder(dev);
            ::close(fd_);
            fd_ = -1;
            return Error::make(ErrorKind::Display, dev + ": DRM master is held by " +
                                                       (who.empty() ? std::string("another process (a compositor or another player)") : who));
        }
        drmModeRes *res = drmModeGetResources(fd_);
        if (!res) return Error::make(ErrorKind::Display, dev + ": not a KMS device (" + std::strerror(errno) + ")");
        std::vector<kms::ConnectorInfo> infos;
        std::vector<drmModeConnector *> conns;
        for (int i = 0; i < res->count_connectors; ++i) {
            drmModeConnector *c = drmModeGetConnector(fd_, res->connectors[i]);
            conns.push_back(c);
            kms::ConnectorInfo ci;
            if (c) {
                ci.name = connectorName(c);
                ci.connected = c->connection == DRM_MODE_CONNECTED;
                ci.modes = c->count_modes;
            }
            infos.push_back(ci);
        }
        const int ci = kms::chooseConnector(infos, opt_.kmsConnector);
        Result<void> r;
        if (ci < 0) {
            r = Error::make(ErrorKind::Display, opt_.kmsConnector.empty() ? dev + ": no connected screen"
                                                                          : dev + ": no connector " + opt_.kmsConnector);
        } else {
            r = setUp(res, conns[static_cast<size_t>(ci)]);
        }
        for (auto *c : conns)
            if (c) drmModeFreeConnector(c);
        drmModeFreeResources(res);
        return r;
    }

    const char *name() const override { return "kms"; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        spec_ = spec;
        rect_ = kms::letterbox(spec, mode_.hdisplay, mode_.vdisplay);
        for (auto &b : bufs_) {
            if (b.map) std::memset(b.map, 0, b.size);   // the borders: black
            b.bandSaved = false;
        }
        sinkX_.store(rect_.x);
        sinkY_.store(rect_.y);
        sinkH_.store(rect_.h);
        sinkW_.store(rect_.w);
        ScaleTarget t;
        t.width = rect_.w;
        t.height = rect_.h;
        t.pixFmt = AV_PIX_FMT_BGR0;   // XRGB8888 in memory order
        t.orientation = spec.orientation;
        t.quality = ScaleQuality::Good;
        return t;
    }

    bool handleSignal(int sig) override {
        if (!vtProcess_ || (sig != SIGUSR1 && sig != SIGUSR2)) return false;
        if (sig == SIGUSR1) {   // another VT wants the screen
            waitFlip(200);
            drmDropMaster(fd_);
            ioctl(vtFd_, VT_RELDISP, 1);
            away_ = true;
            log::info("kms: VT switched away, screen released");
        } else {   // back to our VT
            ioctl(vtFd_, VT_RELDISP, VT_ACKACQ);
            if (drmSetMaster(fd_) != 0) log::warn("kms: cannot take DRM master back: %s", std::strerror(errno));
            modeSet_ = false;   // set the CRTC again with the next frame
            flipPending_ = false;
            away_ = false;
            log::info("kms: VT back, screen taken again");
        }
        return true;
    }
    bool away() const override { return away_; }
    int64_t presentLatencyNs() const override { return latency_.value(); }

    Result<void> present(const FrameRef &fr) override {
        const AVFrame *f = fr.frame.get();
        if (!f || !f->data[0] || away_) return {};
        waitFlip(100);
        // The scale stage drew into one of our buffers: show that one. Else
        // (its pool, all ours busy) copy into a free one.
        int back = -1;
        if (f->buf[0] && av_buffer_get_opaque(f->buf[0]))
            for (int i = 0; i < kBuffers; ++i)
                if (av_buffer_get_opaque(f->buf[0]) == &bufs_[i]) back = i;
        bool copied = false;
        if (back >= 0) ++direct_;
        if (back < 0) {
            for (int i = 0; i < kBuffers && back < 0; ++i) {
                int expect = 0;
                if (i == front_.load() || !bufs_[i].state.compare_exchange_strong(expect, 2)) continue;
                back = i;
            }
            if (back < 0) return {};   // every buffer holds a frame: skip this one
            DumbBuffer &b = bufs_[back];
            kms::copyIntoLetterbox(b.map, b.pitch, rect_, 4, f->data[0], f->linesize[0], f->width, f->height);
            b.bandSaved = false;
            copied = true;
            ++copies_;
        }
        DumbBuffer &b = bufs_[back];
        if (overlay_) {
            if (b.bandSaved) restoreBand(b);   // shown before: undo its overlay first
            else saveBand(b);
            drawOverlay(b, status_);
            overlaid_ = status_;
        }
        pending_.store(back);
        if (copied) b.state.store(0);   // protected by pending_/front_ from here on
        submittedNs_ = monotonicNs();
        drmModeDirtyFB(fd_, b.fb, nullptr, 0);   // ENOSYS on drivers that scan out directly: fine
        if (atomic_) {
            if (auto r = commitAtomic(b.fb, !modeSet_); !r) return r;
            modeSet_ = changed_ = true;
        } else if (!modeSet_) {
            if (drmModeSetCrtc(fd_, crtcId_, b.fb, 0, 0, &connId_, 1, &mode_) != 0)
                return Error::make(ErrorKind::Display, device_ + ": cannot set the mode: " + std::strerror(errno));
            modeSet_ = true;
            changed_ = true;
        } else if (useFlip_ && drmModePageFlip(fd_, crtcId_, b.fb, DRM_MODE_PAGE_FLIP_EVENT, this) == 0) {
            flipPending_ = true;
        } else {
            useFlip_ = false;   // no flips here: set the buffer directly
            if (drmModeSetCrtc(fd_, crtcId_, b.fb, 0, 0, &connId_, 1, &mode_) != 0)
                return Error::make(ErrorKind::Display, device_ + ": cannot show a frame: " + std::strerror(errno));
        }
        if (!flipPending_) pendingShown();   // shown at once (SetCrtc, or no event to wait for)
        if (!status_.empty()) statusTty_.show(status_);
        return {};
    }

    void setStatus(const std::string &line) override { status_ = line; }
    Result<void> drawStatus(const std::string &line) override {
        status_ = line;
        statusTty_.show(line);
        if (overlay_ && modeSet_ && !away_ && line != overlaid_ && front_.load() >= 0) {
            // Paused: redraw the band of the buffer on screen (restored from
            // the frame's own pixels first) and tell the driver.
            DumbBuffer &b = bufs_[front_.load()];
            restoreBand(b);
            drawOverlay(b, line);
            overlaid_ = line;
            drmModeDirtyFB(fd_, b.fb, nullptr, 0);
        }
        return {};
    }
    bool wantsStatus() const override { return statusTty_.active() || overlay_; }
    bool readsTerminalKeys() const override { return true; }

    Result<void> finish() override {
        waitFlip(200);
        return {};
    }

    void release() override {
        if (fd_ < 0 || released_) return;
        waitFlip(200);
        if (changed_ && saved_ && !away_) {
            // Put back what was on the CRTC (the console's framebuffer).
            uint32_t conn = connId_;
            drmModeSetCrtc(fd_, saved_->crtc_id, saved_->buffer_id, saved_->x, saved_->y, &conn, 1,
                           saved_->mode_valid ? &saved_->mode : nullptr);
        }
        if (saved_) drmModeFreeCrtc(saved_);
        saved_ = nullptr;
        if (modeBlob_) drmModeDestroyPropertyBlob(fd_, modeBlob_);
        modeBlob_ = 0;
        drmDropMaster(fd_);
        released_ = true;   // the buffers stay mapped until the destructor:
                            // the scale stage may still be drawing
        if (vtFd_ >= 0) {
            if (vtProcess_) ioctl(vtFd_, VT_SETMODE, &savedVt_);
            ioctl(vtFd_, KDSETMODE, KD_TEXT);
            vtFd_ = -1;
            vtProcess_ = false;
        }
        statusTty_.end();
    }

private:
    // Frames in flight: the scale stage's, three in the ring, the one on
    // screen, one flipping; one more for the copy path.
    static constexpr int kBuffers = 7;

    static void slotFree(void *opaque, uint8_t *) { static_cast<DumbBuffer *>(opaque)->state.store(0); }

    void destroyBuffers() {
        if (fd_ < 0) return;
        for (auto &b : bufs_) {
            if (b.map) munmap(b.map, b.size);
            if (b.fb) drmModeRmFB(fd_, b.fb);
            if (b.handle) {
                struct drm_mode_destroy_dumb d {};
                d.handle = b.handle;
                drmIoctl(fd_, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
            }
            b.map = nullptr;
            b.fb = b.handle = 0;
        }
        log::info("kms: %lld frames drawn by the scale stage straight into the screen's buffers, %lld copied; "
                  "flip latency %.1f ms over %lld flips",
                  static_cast<long long>(direct_), static_cast<long long>(copies_), latency_.value() / 1e6,
                  static_cast<long long>(latency_.samples()));
        if (flipGapCount_ > 0) {
            const int n = static_cast<int>(std::min<int64_t>(flipGapCount_, kFlipGaps));
            int32_t sorted[kFlipGaps];
            std::copy(flipGaps_, flipGaps_ + n, sorted);
            std::nth_element(sorted, sorted + n / 2, sorted + n);
            const int mhz = modeInfo(mode_).refreshMilliHz;
            log::info("kms: completed flips %.2f ms apart (median of %d); the mode refreshes every %.2f ms",
                      sorted[n / 2] / 1000.0, n, mhz > 0 ? 1e6 / mhz : 0.0);
        }
    }

    Result<void> setUp(drmModeRes *res, drmModeConnector *c) {
        connId_ = c->connector_id;
        connName_ = connectorName(c);
        // The CRTC: the one already driving this connector, else the first
        // its encoders can use.
        if (c->encoder_id) {
            if (drmModeEncoder *e = drmModeGetEncoder(fd_, c->encoder_id)) {
                crtcId_ = e->crtc_id;
                drmModeFreeEncoder(e);
            }
        }
        for (int i = 0; !crtcId_ && i < c->count_encoders; ++i) {
            drmModeEncoder *e = drmModeGetEncoder(fd_, c->encoders[i]);
            if (!e) continue;
            for (int k = 0; k < res->count_crtcs; ++k)
                if (e->possible_crtcs & (1u << k)) {
                    crtcId_ = res->crtcs[k];
                    break;
                }
            drmModeFreeEncoder(e);
        }
        if (!crtcId_) return Error::make(ErrorKind::Display, device_ + ": no CRTC for " + connName_);
        saved_ = drmModeGetCrtc(fd_, crtcId_);
        std::vector<kms::ModeInfo> modes;
        int current = -1;
        for (int i = 0; i < c->count_modes; ++i) {
            modes.push_back(modeInfo(c->modes[i]));
            if (saved_ && saved_->mode_valid && std::memcmp(&saved_->mode, &c->modes[i], sizeof(drmModeModeInfo)) == 0)
                current = i;
        }
        if (current < 0 && saved_ && saved_->mode_valid && opt_.kmsMode.empty()) {
            // The CRTC runs a mode the connector does not list: keep it.
            mode_ = saved_->mode;
        } else {
            const int m = kms::chooseMode(modes, opt_.kmsMode, current);
            if (m < 0)
                return Error::make(ErrorKind::Display, device_ + ": " + connName_ + " has no mode " +
                                                           (opt_.kmsMode.empty() ? std::string("at all") : opt_.kmsMode));
            mode_ = c->modes[m];
        }
        for (auto &b : bufs_) {
            struct drm_mode_create_dumb cd {};
            cd.width = mode_.hdisplay;
            cd.height = mode_.vdisplay;
            cd.bpp = 32;
            if (drmIoctl(fd_, DRM_IOCTL_MODE_CREATE_DUMB, &cd) != 0)
                return Error::make(ErrorKind::Display, device_ + ": cannot create a buffer: " + std::strerror(errno));
            b.handle = cd.handle;
            b.pitch = cd.pitch;
            b.size = cd.size;
            uint32_t handles[4] = {b.handle}, pitches[4] = {b.pitch}, offsets[4] = {0};
            if (drmModeAddFB2(fd_, mode_.hdisplay, mode_.vdisplay, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &b.fb,
                              0) != 0)
                return Error::make(ErrorKind::Display, device_ + ": cannot add a framebuffer: " + std::strerror(errno));
            struct drm_mode_map_dumb md {};
            md.handle = b.handle;
            if (drmIoctl(fd_, DRM_IOCTL_MODE_MAP_DUMB, &md) != 0)
                return Error::make(ErrorKind::Display, device_ + ": cannot map a buffer: " + std::strerror(errno));
            void *p = mmap(nullptr, b.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(md.offset));
            if (p == MAP_FAILED)
                return Error::make(ErrorKind::Display, device_ + ": cannot map a buffer: " + std::strerror(errno));
            b.map = static_cast<uint8_t *>(p);
            std::memset(b.map, 0, b.size);
        }
        uint64_t cap = 0;
        monotonicEvents_ = drmGetCap(fd_, DRM_CAP_TIMESTAMP_MONOTONIC, &cap) == 0 && cap;
        // Atomic modesetting where the driver has it (QV_KMS_LEGACY=1 forces
        // the legacy calls): the primary plane of our CRTC and the property
        // ids the commits need.
        const char *legacy = std::getenv("QV_KMS_LEGACY");
        if (!(legacy && *legacy == '1') && drmSetClientCap(fd_, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0 &&
            drmSetClientCap(fd_, DRM_CLIENT_CAP_ATOMIC, 1) == 0)
            atomic_ = setUpAtomic(res);
        // On a VT: no console cursor or text over the picture, and VT
        // switches go through us (VT_PROCESS): we drop DRM master and let
        // the switch happen, and take the screen back when it returns.
        bool fontLoaded = false;
        if (isVirtualConsole(0)) {
            vtFd_ = 0;
            fontLoaded = loadFont();   // the kernel hands out its font in KD_TEXT only
            if (ioctl(0, KDSETMODE, KD_GRAPHICS) != 0) vtFd_ = -1;
        }
        if (vtFd_ >= 0 && ioctl(vtFd_, VT_GETMODE, &savedVt_) == 0) {
            struct vt_mode vm = savedVt_;
            vm.mode = VT_PROCESS;
            vm.relsig = SIGUSR1;
            vm.acqsig = SIGUSR2;
            vm.frsig = 0;
            vtProcess_ = ioctl(vtFd_, VT_SETMODE, &vm) == 0;
        }
        // The status line goes to a terminal that is not the screen (SSH);
        // on the console it is drawn on the picture, in the console's font.
        if (isatty(2) && !isVirtualConsole(2)) statusTty_ = StatusTty(2);
        if (vtFd_ >= 0 && fontLoaded) {
            overlay_ = true;
            bandH_ = fontH_ + 4;
            for (auto &b : bufs_) b.band.assign(static_cast<size_t>(mode_.hdisplay) * 4 * static_cast<size_t>(bandH_), 0);
        }
        log::info("kms: %s, %s, CRTC %u, %dx%d@%.2f, %s modesetting", device_.c_str(), connName_.c_str(), crtcId_,
                  mode_.hdisplay, mode_.vdisplay, modeInfo(mode_).refreshMilliHz / 1000.0, atomic_ ? "atomic" : "legacy");
        return {};
    }

    // The id of an object's property by name (0: none), and its value.
    uint32_t findProp(uint32_t obj, uint32_t type, const char *name, uint64_t *value = nullptr) {
        drmModeObjectProperties *props = drmModeObjectGetProperties(fd_, obj, type);
        if (!props) return 0;
        uint32_t id = 0;
        for (uint32_t i = 0; i < props->count_props && !id; ++i) {
            drmModePropertyRes *p = drmModeGetProperty(fd_, props->props[i]);
            if (p && std::strcmp(p->name, name) == 0) {
                id = p->prop_id;
                if (value) *value = props->prop_values[i];
            }
            if (p) drmModeFreeProperty(p);
        }
        drmModeFreeObjectProperties(props);
        return id;
    }

    bool setUpAtomic(drmModeRes *res) {
        int crtcIndex = -1;
        for (int i = 0; i < res->count_crtcs; ++i)
            if (res->crtcs[i] == crtcId_) crtcIndex = i;
        drmModePlaneRes *pr = drmModeGetPlaneResources(fd_);
        if (!pr || crtcIndex < 0) {
            if (pr) drmModeFreePlaneResources(pr);
            return false;
        }
        for (uint32_t i = 0; i < pr->count_planes && !plane_; ++i) {
            drmModePlane *p = drmModeGetPlane(fd_, pr->planes[i]);
            if (!p) continue;
            uint64_t type = ~0ull;
            if ((p->possible_crtcs & (1u << crtcIndex)) && findProp(p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
                type == DRM_PLANE_TYPE_PRIMARY)
                plane_ = p->plane_id;
            drmModeFreePlane(p);
        }
        drmModeFreePlaneResources(pr);
        if (!plane_) return false;
        pConnCrtc_ = findProp(connId_, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
        pMode_ = findProp(crtcId_, DRM_MODE_OBJECT_CRTC, "MODE_ID");
        pActive_ = findProp(crtcId_, DRM_MODE_OBJECT_CRTC, "ACTIVE");
        const char *names[] = {"FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};
        for (int i = 0; i < 10; ++i) pPlane_[i] = findProp(plane_, DRM_MODE_OBJECT_PLANE, names[i]);
        for (uint32_t id : pPlane_)
            if (!id) return false;
        if (!pConnCrtc_ || !pMode_ || !pActive_) return false;
        return drmModeCreatePropertyBlob(fd_, &mode_, sizeof mode_, &modeBlob_) == 0;
    }

    // One atomic commit: the buffer on the primary plane (and the mode, the
    // first time and after a VT switch), with a flip event.
    Result<void> commitAtomic(uint32_t fb, bool modeset) {
        drmModeAtomicReq *req = drmModeAtomicAlloc();
        if (!req) return Error::make(ErrorKind::Display, "out of memory");
        const uint64_t w = mode_.hdisplay, h = mode_.vdisplay;
        if (modeset) {
            drmModeAtomicAddProperty(req, connId_, pConnCrtc_, crtcId_);
            drmModeAtomicAddProperty(req, crtcId_, pMode_, modeBlob_);
            drmModeAtomicAddProperty(req, crtcId_, pActive_, 1);
        }
        const uint64_t v[10] = {fb, crtcId_, 0, 0, w << 16, h << 16, 0, 0, w, h};
        for (int i = 0; i < 10; ++i) drmModeAtomicAddProperty(req, plane_, pPlane_[i], v[i]);
        uint32_t flags = DRM_MODE_PAGE_FLIP_EVENT;
        flags |= modeset ? DRM_MODE_ATOMIC_ALLOW_MODESET : DRM_MODE_ATOMIC_NONBLOCK;
        int r = drmModeAtomicCommit(fd_, req, flags, this);
        drmModeAtomicFree(req);
        if (r != 0) return Error::make(ErrorKind::Display, device_ + ": atomic commit failed: " + std::strerror(errno));
        flipPending_ = true;
        return {};
    }

    // The VT's own font (KDFONTOP): glyphs of fontW_ x fontH_, 32 rows apart.
    bool loadFont() {
        font_.assign(512 * 32 * 4, 0);
        struct console_font_op op {};
        op.op = KD_FONT_OP_GET;
        op.width = 32;
        op.height = 32;
        op.charcount = 512;
        op.data = font_.data();
        if (ioctl(vtFd_, KDFONTOP, &op) != 0 || op.width == 0 || op.width > 32 || op.height == 0 || op.height > 32) {
            font_.clear();
            return false;
        }
        fontW_ = static_cast<int>(op.width);
        fontH_ = static_cast<int>(op.height);
        fontCount_ = static_cast<int>(op.charcount);
        return true;
    }

    int bandY() const { return mode_.vdisplay - bandH_; }

    // Each buffer keeps the picture under its own overlay, so a buffer shown
    // again (after a VT switch, while paused) gets its overlay redrawn on the
    // picture, never on the darkened copy.
    void saveBand(DumbBuffer &b) {
        const size_t row = static_cast<size_t>(mode_.hdisplay) * 4;
        for (int y = 0; y < bandH_; ++y)
            std::memcpy(b.band.data() + static_cast<size_t>(y) * row, b.map + static_cast<size_t>(bandY() + y) * b.pitch, row);
        b.bandSaved = true;
    }
    void restoreBand(DumbBuffer &b) {
        const size_t row = static_cast<size_t>(mode_.hdisplay) * 4;
        for (int y = 0; y < bandH_; ++y)
            std::memcpy(b.map + static_cast<size_t>(bandY() + y) * b.pitch, b.band.data() + static_cast<size_t>(y) * row, row);
    }

    // The status line over the bottom of the screen: the picture under it
    // darkened (the letterbox cleared), the text in white.
    void drawOverlay(DumbBuffer &b, const std::string &text) {
        if (text.empty()) return;
        for (int y = 0; y < bandH_; ++y) {
            const int sy = bandY() + y;
            uint32_t *row = reinterpret_cast<uint32_t *>(b.map + static_cast<size_t>(sy) * b.pitch);
            const bool inPic = sy >= rect_.y && sy < rect_.y + rect_.h;
            for (int x = 0; x < mode_.hdisplay; ++x)
                row[x] = inPic && x >= rect_.x && x < rect_.x + rect_.w ? (row[x] >> 2) & 0x3f3f3fu : 0u;
        }
        const int bpr = (fontW_ + 7) / 8;
        const int maxChars = (mode_.hdisplay - 8) / fontW_;
        for (int i = 0; i < static_cast<int>(text.size()) && i < maxChars; ++i) {
            const int c = static_cast<unsigned char>(text[static_cast<size_t>(i)]);
            if (c >= fontCount_) continue;
            const uint8_t *g = font_.data() + static_cast<size_t>(c) * 32 * static_cast<size_t>(bpr);
            for (int gy = 0; gy < fontH_; ++gy) {
                uint32_t *row = reinterpret_cast<uint32_t *>(b.map + static_cast<size_t>(bandY() + 2 + gy) * b.pitch);
                for (int gx = 0; gx < fontW_; ++gx)
                    if (g[gy * bpr + gx / 8] & (0x80 >> (gx % 8))) row[4 + i * fontW_ + gx] = 0xffffffu;
            }
        }
    }

    static void onFlip(int, unsigned, unsigned sec, unsigned usec, void *user) {
        auto *d = static_cast<KmsDisplay *>(user);
        d->flipPending_ = false;
        // The flip's own timestamp (CLOCK_MONOTONIC) against the commit.
        const int64_t shown = int64_t(sec) * 1000000000 + int64_t(usec) * 1000;
        if (d->monotonicEvents_ && d->submittedNs_ > 0) d->latency_.add(d->submittedNs_, shown);
        // The spacing of completed flips, as qv sees their events arrive (a
        // virtual machine's vblank timestamps can be stale): a vblank-paced
        // screen shows whole refresh periods here (reported with -v).
        const int64_t arrived = monotonicNs();
        if (d->lastFlipNs_ > 0 && arrived > d->lastFlipNs_)
            d->flipGaps_[d->flipGapCount_++ % kFlipGaps] =
                static_cast<int32_t>(std::min<int64_t>((arrived - d->lastFlipNs_) / 1000, INT32_MAX));
        d->lastFlipNs_ = arrived;
        d->pendingShown();
    }

    // The buffer that was flipping is on screen now.
    void pendingShown() {
        if (pending_.load() >= 0) front_.store(pending_.load());
        pending_.store(-1);
    }

    void waitFlip(int timeoutMs) {
        while (flipPending_) {
            struct pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, timeoutMs) <= 0) {
                flipPending_ = false;   // no event came: do not wait forever
                pendingShown();
                return;
            }
            drmEventContext ev{};
            ev.version = 2;
            ev.page_flip_handler = &KmsDisplay::onFlip;
            drmHandleEvent(fd_, &ev);
        }
    }


    DisplayOptions opt_;
    StreamSpec spec_;
    std::string device_, connName_;
    int fd_ = -1;
    uint32_t connId_ = 0, crtcId_ = 0;
    drmModeModeInfo mode_{};
    drmModeCrtc *saved_ = nullptr;
    DumbBuffer bufs_[kBuffers];
    std::atomic<int> front_{-1}, pending_{-1};          // read by qv-scale in acquire()
    std::atomic<int> sinkX_{0}, sinkY_{0}, sinkW_{0}, sinkH_{0};
    int64_t copies_ = 0, direct_ = 0;
    LatencyEstimator latency_;
    static constexpr int kFlipGaps = 512;
    int32_t flipGaps_[kFlipGaps] = {};   // microseconds between completed flips (a ring)
    int64_t flipGapCount_ = 0, lastFlipNs_ = 0;
    int64_t submittedNs_ = 0;
    bool monotonicEvents_ = false;
    bool released_ = false;
    bool modeSet_ = false, changed_ = false, useFlip_ = true, flipPending_ = false;
    bool atomic_ = false;
    // the status overlay (on a VT)
    bool overlay_ = false;
    std::vector<uint8_t> font_;
    int fontW_ = 0, fontH_ = 0, fontCount_ = 0, bandH_ = 0;
    std::string overlaid_;
    uint32_t plane_ = 0, modeBlob_ = 0, pConnCrtc_ = 0, pMode_ = 0, pActive_ = 0, pPlane_[10] = {};
    kms::Rect rect_;
    int vtFd_ = -1;
    struct vt_mode savedVt_ {};
    bool vtProcess_ = false, away_ = false;
    StatusTty statusTty_;
    std::string status_;
};

ProbeResult probeKms(const DisplayOptions &o) {
    const std::string dev = kmsDevice(o);
    ProbeResult r = probeScreenDevice(dev, o);
    if (r.usable && r.autoPick) r.why = dev + ", on a VT";
    return r;
}

} // namespace

DisplayEntry kmsDisplayEntry() {
    return {"kms", "DRM/KMS on the console: dumb buffers, page flips, the mode kept", 50, probeKms,
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                auto d = std::make_unique<KmsDisplay>(o);
                if (auto r = d->open(); !r) return r.takeError();
                return std::unique_ptr<Display>(std::move(d));
            }};
}

// --kms-list: what is there, and what qv would choose.
int kmsList(const DisplayOptions &opt, FILE *out) {
    const std::string dev = kmsDevice(opt);
    const int fd = ::open(dev.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        std::fprintf(stderr, "qv: %s: %s\n", dev.c_str(), std::strerror(errno));
        return 7;
    }
    drmModeRes *res = drmModeGetResources(fd);
    if (!res) {
        std::fprintf(stderr, "qv: %s: not a KMS device\n", dev.c_str());
        ::close(fd);
        return 7;
    }
    drmVersion *v = drmGetVersion(fd);
    std::fprintf(out, "device %s: driver %s, %d connectors, %d CRTCs\n", dev.c_str(), v ? v->name : "?",
                 res->count_connectors, res->count_crtcs);
    if (v) drmFreeVersion(v);
    drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
    std::vector<kms::ConnectorInfo> infos;
    std::vector<std::vector<kms::ModeInfo>> modes;
    std::vector<int> current;
    for (int i = 0; i < res->count_connectors; ++i) {
        drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
        kms::ConnectorInfo ci;
        std::vector<kms::ModeInfo> ms;
        int cur = -1;
        if (c) {
            ci.name = connectorName(c);
            ci.connected = c->connection == DRM_MODE_CONNECTED;
            ci.modes = c->count_modes;
            drmModeCrtc *crtc = nullptr;
            if (c->encoder_id)
                if (drmModeEncoder *e = drmModeGetEncoder(fd, c->encoder_id)) {
                    crtc = drmModeGetCrtc(fd, e->crtc_id);
                    drmModeFreeEncoder(e);
                }
            std::fprintf(out, "connector %u %s: %s", c->connector_id, ci.name.c_str(),
                         ci.connected ? "connected" : "disconnected");
            if (crtc && crtc->mode_valid)
                std::fprintf(out, ", CRTC %u showing %dx%d", crtc->crtc_id, crtc->mode.hdisplay, crtc->mode.vdisplay);
            std::fprintf(out, "\n");
            for (int m = 0; m < c->count_modes; ++m) {
                ms.push_back(modeInfo(c->modes[m]));
                if (crtc && crtc->mode_valid && std::memcmp(&crtc->mode, &c->modes[m], sizeof(drmModeModeInfo)) == 0)
                    cur = m;
                std::fprintf(out, "  mode %dx%d@%.2f%s%s\n", ms.back().width, ms.back().height,
                             ms.back().refreshMilliHz / 1000.0, ms.back().preferred ? " preferred" : "",
                             cur == m ? " current" : "");
            }
            if (crtc) drmModeFreeCrtc(crtc);
            drmModeFreeConnector(c);
        }
        infos.push_back(ci);
        modes.push_back(ms);
        current.push_back(cur);
    }
    if (drmModePlaneRes *pr = drmModeGetPlaneResources(fd)) {
        for (uint32_t i = 0; i < pr->count_planes; ++i) {
            drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);
            if (!p) continue;
            std::fprintf(out, "plane %u: formats", p->plane_id);
            for (uint32_t k = 0; k < p->count_formats; ++k) {
                const uint32_t f = p->formats[k];
                std::fprintf(out, " %c%c%c%c", f & 0xff, (f >> 8) & 0xff, (f >> 16) & 0xff, (f >> 24) & 0xff);
            }
            std::fprintf(out, "\n");
            drmModeFreePlane(p);
        }
        drmModeFreePlaneResources(pr);
    }
    const int ci = kms::chooseConnector(infos, opt.kmsConnector);
    if (ci < 0) {
        std::fprintf(out, "qv would choose: nothing (%s)\n",
                     opt.kmsConnector.empty() ? "no connected screen" : ("no connector " + opt.kmsConnector).c_str());
    } else {
        const auto &ms = modes[static_cast<size_t>(ci)];
        const int m = kms::chooseMode(ms, opt.kmsMode, current[static_cast<size_t>(ci)]);
        if (m < 0)
            std::fprintf(out, "qv would choose: %s, but it has no mode %s\n", infos[static_cast<size_t>(ci)].name.c_str(),
                         opt.kmsMode.c_str());
        else
            std::fprintf(out, "qv would choose: %s, %dx%d@%.2f (%s), XRGB8888 dumb buffers on the primary plane\n",
                         infos[static_cast<size_t>(ci)].name.c_str(), ms[static_cast<size_t>(m)].width,
                         ms[static_cast<size_t>(m)].height, ms[static_cast<size_t>(m)].refreshMilliHz / 1000.0,
                         opt.kmsMode.empty() ? (current[static_cast<size_t>(ci)] == m ? "the current mode, kept" : "preferred")
                                             : "asked for");
    }
    drmModeFreeResources(res);
    ::close(fd);
    return 0;
}

} // namespace qv
