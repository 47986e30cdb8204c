#include "qv/media/frame.h"
#include "qv/media/stream_spec.h"

#include <cmath>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace qv {

void AvFrameDeleter::operator()(AVFrame *f) const { av_frame_free(&f); }

AvFramePtr allocFrame() { return AvFramePtr(av_frame_alloc()); }

bool FrameRef::empty() const { return !frame || !frame->buf[0]; }
int FrameRef::width() const { return frame ? frame->width : 0; }
int FrameRef::height() const { return frame ? frame->height : 0; }

bool FrameRef::refInto(FrameRef &into) const {
    if (!frame) return false;
    into.wire.reset();
    if (!into.frame) into.frame = allocFrame();
    else av_frame_unref(into.frame.get());
    if (!into.frame || av_frame_ref(into.frame.get(), frame.get()) < 0) return false;
    into.info = info;
    return true;
}

FrameRef FrameRef::ref() const {
    FrameRef r;
    refInto(r);
    return r;
}

// The scale stage's output replaces the decoded picture in the same shell.
void moveFrameInto(AVFrame *dst, AVFrame *src) {
    av_frame_unref(dst);
    av_frame_move_ref(dst, src);
}

bool wrapExternalBuffer(AVFrame *dst, uint8_t *base, size_t size, void (*release)(void *, uint8_t *), void *opaque) {
    AVBufferRef *ref = av_buffer_create(base, size, release, opaque, 0);
    if (!ref) return false;
    av_frame_unref(dst);
    dst->buf[0] = ref;
    return true;
}

void *externalBufferOpaque(const AVFrame *f) { return f && f->buf[0] ? av_buffer_get_opaque(f->buf[0]) : nullptr; }

int64_t frameBufferBytes(const AVFrame *f) {
    int64_t n = 0;
    if (!f) return 0;
    for (AVBufferRef *b : f->buf)
        if (b) n += static_cast<int64_t>(b->size);
    return n;
}

const char *pixelFormatName(int pixFmt) {
    const char *n = av_get_pix_fmt_name(static_cast<AVPixelFormat>(pixFmt));
    return n ? n : "?";
}

void copyPicture(uint8_t *const dst[4], const int dstStride[4], const AVFrame *src) {
    uint8_t *d[4] = {dst[0], dst[1], dst[2], dst[3]};
    int ls[4] = {dstStride[0], dstStride[1], dstStride[2], dstStride[3]};
    av_image_copy(d, ls, const_cast<const uint8_t **>(src->data), src->linesize, static_cast<AVPixelFormat>(src->format),
                  src->width, src->height);
}

void FrameRef::reset() {
    wire.reset();
    if (frame) av_frame_unref(frame.get());
}

const char *orientationName(Orientation o) {
    switch (o) {
    case Orientation::Normal: return "normal";
    case Orientation::Rotate90Cw: return "rotate 90 cw";
    case Orientation::Rotate90Ccw: return "rotate 90 ccw";
    case Orientation::Transpose: return "transpose";
    case Orientation::AntiTranspose: return "anti-transpose";
    case Orientation::Rotate180: return "rotate 180";
    case Orientation::HFlip: return "hflip";
    case Orientation::VFlip: return "vflip";
    }
    return "?";
}

// Mirrors the decision FFmpeg's command-line tool makes when it autorotates,
// so that qv shows what ffmpeg/ffplay show.
Orientation orientationFromMatrix(const int32_t *m) {
    if (!m) return Orientation::Normal;
    double theta = -av_display_rotation_get(m);
    if (std::isnan(theta)) return Orientation::Normal;
    theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
    if (std::fabs(theta - 90) < 1.0) return m[3] > 0 ? Orientation::Transpose : Orientation::Rotate90Cw;
    if (std::fabs(theta - 270) < 1.0) return m[3] < 0 ? Orientation::AntiTranspose : Orientation::Rotate90Ccw;
    if (std::fabs(theta - 180) < 1.0) {
        bool h = m[0] < 0, v = m[4] < 0;
        if (h && v) return Orientation::Rotate180;
        if (h) return Orientation::HFlip;
        if (v) return Orientation::VFlip;
        return Orientation::Normal;
    }
    if (std::fabs(theta) < 1.0 && m[4] < 0) return Orientation::VFlip;
    return Orientation::Normal;
}

} // namespace qv

namespace qv {

AvFramePtr deepCopyFrame(const AVFrame *src) {
    if (!src || src->hw_frames_ctx) return nullptr;
    AvFramePtr dst = allocFrame();
    if (!dst) return nullptr;
    dst->format = src->format;
    dst->width = src->width;
    dst->height = src->height;
    if (av_frame_get_buffer(dst.get(), 0) < 0 || av_frame_copy(dst.get(), src) < 0 ||
        av_frame_copy_props(dst.get(), src) < 0)
        return nullptr;
    return dst;
}

} // namespace qv
