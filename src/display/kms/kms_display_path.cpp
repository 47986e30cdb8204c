// kms: where the picture goes (the plane and format, tried with TEST_ONLY
// commits; XRGB8888 on the primary otherwise), its buffer sets, and the
// atomic commits. See kms_display_impl.h.
#include "kms_display_impl.h"

namespace qv::kmsdisplay {

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
            if (c.overlay && !blackPrimary()) continue;
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
    const uint64_t extra = testOnly && oversizeTest_ && s.fmt->yuv ? 2 : 0;   // test hook: a source bigger than the buffer
    Scanout o;
    o.fb = b.fb.id();
    o.plane = s.plane;
    o.props = &videoProps_;
    o.srcW = static_cast<uint64_t>(b.surf.w) + extra;
    o.srcH = static_cast<uint64_t>(b.surf.h);
    o.dst = kms::Rect{s.originX, s.originY, b.surf.w, b.surf.h};
    o.yuv = s.fmt->yuv;
    o.overlay = s.overlay;
    return commitScanout(o, modeset, testOnly, colorspace, range, height);
}

int KmsDisplay::commitScanout(const Scanout &o, bool modeset, bool testOnly, int colorspace, int range, int height) {
    drm::AtomicRequest req;
    if (modeset) {
        req.add(connId_, pConnCrtc_, crtcId_);
        req.add(crtcId_, pMode_, modeBlob_.id());
        req.add(crtcId_, pActive_, 1);
    }
    const kms::PlaneProps &v = *o.props;
    const uint32_t vp = o.plane;
    req.add(vp, v.fb, o.fb);
    req.add(vp, v.crtc, crtcId_);
    req.add(vp, v.srcX, 0);
    req.add(vp, v.srcY, 0);
    req.add(vp, v.srcW, o.srcW << 16);
    req.add(vp, v.srcH, o.srcH << 16);
    req.add(vp, v.crtcX, static_cast<uint64_t>(o.dst.x));
    req.add(vp, v.crtcY, static_cast<uint64_t>(o.dst.y));
    req.add(vp, v.crtcW, static_cast<uint64_t>(o.dst.w));
    req.add(vp, v.crtcH, static_cast<uint64_t>(o.dst.h));
    uint64_t e = 0;
    if (o.yuv && v.encoding && v.encoding->enumValue(kms::colorEncodingName(colorspace, height), e))
        req.add(vp, v.encoding->id, e);
    if (o.yuv && v.range && v.range->enumValue(kms::colorRangeName(range), e)) req.add(vp, v.range->id, e);
    if (o.overlay && black_) {
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



// A PRIME frame onto its plane: imported (once per decoder surface), the
// plane chosen for its format and modifier, the frame kept referenced until
// the flip after the next one (its buffer goes back to the decoder then).
// The status band is not drawn into a decoder's buffer: on a VT it goes
// to the starting terminal only.

} // namespace qv::kmsdisplay
