// kms: set-up (connector, CRTC, mode, atomic or legacy, the VT), flips
// and their timing, the summary, the registry entry. The class and what it
// does: kms_display_impl.h.
#include "kms_display_impl.h"

namespace qv {
namespace kmsdisplay {

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
    const char *primeTest = std::getenv("QV_TEST_KMS_PRIME");
    primeTest_ = atomic_ && primeTest && *primeTest == '1';
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
    if (prime_)
        log::info("kms: PRIME frames: %lld buffers imported, %lld shown again without an import",
                  static_cast<long long>(prime_->imports()), static_cast<long long>(prime_->reuses()));
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

} // namespace kmsdisplay

using kmsdisplay::KmsDisplay;

DisplayEntry kmsDisplayEntry() {
    return {"kms", "DRM/KMS on the console: YUV or XRGB planes, dumb buffers, page flips, the mode kept", 50, kmsdisplay::probeKms,
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                auto d = std::make_unique<KmsDisplay>(o);
                if (auto r = d->open(); !r) return r.takeError();
                return std::unique_ptr<Display>(std::move(d));
            }};
}

} // namespace qv
