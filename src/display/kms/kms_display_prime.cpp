// kms: DRM PRIME frames (a hardware decoder's dma-bufs) on a plane, and the
// test hook that sends the display's own buffers through that path. See
// kms_display_impl.h and kms_prime.h.
#include "kms_display_impl.h"

namespace qv::kmsdisplay {

Result<Shown> KmsDisplay::presentPrime(const FrameRef &fr) {
    PrimeFrame pf;
    std::string why;
    if (!primeFrame(fr.frame.get(), pf, why)) return refused("a PRIME frame qv cannot show: " + why);
    if (!atomic_) return Error::make(ErrorKind::Display, dev_.path() + ": DRM PRIME frames need atomic modesetting");
    Scanout o;
    const int r = primeScanout(pf, kms::letterbox(spec_, mode_.hdisplay, mode_.vdisplay), o, why);
    if (r == -EBUSY) return notShown("the screen is busy (a flip still pending)");
    if (r == -ENOENT || r == -EINVAL) return refused(why);   // not imported, or no plane takes it
    if (r != 0) return Error::make(ErrorKind::Display, dev_.path() + ": " + why);
    if (!fr.refInto(primePending_)) return notShown("out of memory for a frame reference");
    submittedNs_ = monotonicNs();
    wbTap_.begin();
    const int c = commitScanout(o, !modeSet_, false, pf.colorspace, pf.range, pf.height);
    if (c != 0) {
        primePending_.reset();
        if (c == -EBUSY) return notShown("the screen is busy (a flip still pending)");
        return Error::make(ErrorKind::Display, dev_.path() + ": atomic commit failed: " + std::strerror(-c));
    }
    modeSet_ = true;
    flipPending_ = true;
    crtc_.arm();
    wbTap_.committed();
    if (wbTap_.active()) {
        collectWriteback(fr.info.ordinal, [&] { return commitScanout(o, false, false, pf.colorspace, pf.range, pf.height); });
    }
    if (!status_.empty()) statusTty_.show(status_);
    return Shown::Yes;
}

// The scanout of a PRIME picture at dst: its framebuffer (imported once)
// and its plane, chosen the first time a (fourcc, modifier) is seen by
// kms::choosePrimePlanes and TEST_ONLY commits. 0, -ENOENT (this buffer
// cannot be imported: why) or -EINVAL (no plane takes such frames: why).
int KmsDisplay::primeScanout(const PrimeFrame &pf, const kms::Rect &dst, Scanout &o, std::string &why) {
    if (!prime_) {
        uint64_t cap = 0;
        prime_ = std::make_unique<kms::PrimeImporter>(dev_.fd(), dev_.cap(DRM_CAP_ADDFB2_MODIFIERS, cap) && cap);
    }
    auto fb = prime_->framebuffer(pf);
    if (!fb) {
        why = fb.error().message;
        return -ENOENT;
    }
    const kms::FormatInfo *info = kms::formatInfo(pf.fourcc);
    o.fb = *fb;
    o.srcW = static_cast<uint64_t>(pf.width);
    o.srcH = static_cast<uint64_t>(pf.height);
    o.dst = dst;
    o.yuv = !info || info->yuv;
    o.props = &primeProps_;
    const uint64_t mod = pf.object[0].modifier;
    if (!primeChosen_ || primeFourcc_ != pf.fourcc || primeModifier_ != mod) {
        primeChosen_ = true;
        primeFourcc_ = pf.fourcc;
        primeModifier_ = mod;
        primePlane_ = 0;
        kms::PlanePref pref = kms::PlanePref::Auto;
        kms::parsePlanePref(opt_.kmsPlane.empty() ? "auto" : opt_.kmsPlane, pref);
        kms::PlaneChoice choice = kms::choosePrimePlanes(kms::planeInfos(planes_), pf.fourcc, mod, pref, Orientation::Normal);
        // The plane qv's own buffers are on first (its picture stays the one in front).
        if (set_)
            std::stable_partition(choice.candidates.begin(), choice.candidates.end(),
                                  [&](const kms::Candidate &c) { return c.planeId == set_->plane; });
        primeWhy_ = choice.why;
        for (const kms::Candidate &c : choice.candidates) {
            if (c.overlay && !blackPrimary()) continue;
            if (!primeProps_.read(dev_, c.planeId)) continue;
            o.plane = c.planeId;
            o.overlay = c.overlay;
            const int r = commitScanout(o, true, true, pf.colorspace, pf.range, pf.height);
            if (r == 0) {
                primePlane_ = c.planeId;
                primeOverlay_ = c.overlay;
                if (c.overlay) crtc_.addPlane(c.planeId);
                log::info("kms: PRIME frames (%s, modifier 0x%llx, %dx%d) on %s plane %u, no copy: %s",
                          info ? info->name : kms::fourccText(pf.fourcc).c_str(), static_cast<unsigned long long>(mod), pf.width, pf.height,
                          c.overlay ? "overlay" : "primary", c.planeId, choice.why.c_str());
                break;
            }
            primeWhy_ = "the driver's test commit refused " + kms::fourccText(pf.fourcc) + " on plane " +
                        std::to_string(c.planeId) + " (" + std::strerror(-r) + ")";
            log::info("kms: %s", primeWhy_.c_str());
        }
        if (primePlane_) primeProps_.read(dev_, primePlane_);
    }
    if (!primePlane_) {
        why = "no plane shows the decoder's " + kms::fourccText(pf.fourcc) + " frames: " + primeWhy_ +
              " (--kms-plane=rgb has them downloaded and scaled instead)";
        return -EINVAL;
    }
    o.plane = primePlane_;
    o.overlay = primeOverlay_;
    return 0;
}

// QV_TEST_KMS_PRIME: the buffer the scale stage drew, exported as a
// dma-buf and shown through the PRIME import path (drmPrimeFDToHandle,
// AddFB2, the PRIME plane choice): that path on a real driver, where no
// hardware decoder runs.
int KmsDisplay::commitAsPrime(kms::ScreenBuffer &b, int colorspace, int range, int height) {
    UniqueFd &fd = primeTestFds_[&b];
    if (!fd.valid()) {
        auto e = drm::primeExport(dev_.fd(), b.mem.handle());
        if (!e) {
            log::warn("kms: QV_TEST_KMS_PRIME: %s", e.error().message.c_str());
            return -EIO;
        }
        fd = std::move(*e);
    }
    const kms::FormatInfo &f = *set_->fmt;
    PrimeFrame pf;
    pf.fourcc = f.fourcc;
    pf.width = b.surf.w;
    pf.height = b.surf.h;
    pf.objects = 1;
    pf.object[0].fd = fd.get();
    pf.object[0].size = b.mem.size();
    pf.object[0].modifier = kms::kModifierLinear;
    pf.planes = f.yuv ? f.planes : 1;
    for (int p = 0; p < pf.planes; ++p) pf.plane[p] = PrimeFrame::Plane{0, b.surf.offset[p], b.surf.pitch};
    pf.colorspace = colorspace;
    pf.range = range;
    Scanout o;
    std::string why;
    const int r = primeScanout(pf, kms::Rect{set_->originX, set_->originY, b.surf.w, b.surf.h}, o, why);
    if (r != 0) {
        log::warn("kms: QV_TEST_KMS_PRIME: %s", why.c_str());
        return r;
    }
    return commitScanout(o, !modeSet_, false, colorspace, range, height);
}

} // namespace qv::kmsdisplay
