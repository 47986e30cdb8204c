#include "qv/media/scaler.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <cstring>

namespace qv {

bool scalerCanWrite(int pixFmt) { return sws_isSupportedOutput(static_cast<AVPixelFormat>(pixFmt)) > 0; }

Scaler::Scaler() = default;

Scaler::~Scaler() {
    sws_freeContext(sws_);
    sws_freeContext(sws2_);
    av_buffer_pool_uninit(&pool_);
}

Result<void> Scaler::ensurePool(int bytes) {
    if (pool_ && poolBytes_ == bytes) return {};
    // Frames still out hold references to the old pool: uninit frees it when
    // the last one comes back.
    av_buffer_pool_uninit(&pool_);
    pool_ = av_buffer_pool_init(static_cast<size_t>(bytes), nullptr);
    poolBytes_ = bytes;
    if (!pool_) return Error::make(ErrorKind::Internal, "out of memory", "av_buffer_pool_init");
    return {};
}

void orientPacked(const uint8_t *src, int w, int h, int ss, int bpp, Orientation o, uint8_t *dst,
                  int ds) {
    const bool swap = swapsAxes(o);
    const int dw = swap ? h : w, dh = swap ? w : h;
    for (int y = 0; y < dh; ++y) {
        uint8_t *out = dst + y * ds;
        for (int x = 0; x < dw; ++x) {
            int sx = x, sy = y;
            switch (o) {
            case Orientation::Normal: break;
            case Orientation::Rotate90Cw: sx = y; sy = h - 1 - x; break;
            case Orientation::Rotate90Ccw: sx = w - 1 - y; sy = x; break;
            case Orientation::Transpose: sx = y; sy = x; break;
            case Orientation::AntiTranspose: sx = w - 1 - y; sy = h - 1 - x; break;
            case Orientation::Rotate180: sx = w - 1 - x; sy = h - 1 - y; break;
            case Orientation::HFlip: sx = w - 1 - x; break;
            case Orientation::VFlip: sy = h - 1 - y; break;
            }
            std::memcpy(out + x * bpp, src + sy * ss + sx * bpp, static_cast<size_t>(bpp));
        }
    }
}

Result<void> Scaler::convertPlanes(const AVFrame *src, int pixFmt, uint8_t *const dst[4], const int dstStride[4]) {
    sws_ = sws_getCachedContext(sws_, src->width, src->height, static_cast<AVPixelFormat>(src->format), src->width,
                                src->height, static_cast<AVPixelFormat>(pixFmt), SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!sws_)
        return Error::make(ErrorKind::Display, std::string("cannot convert ") +
                                                   (av_get_pix_fmt_name(static_cast<AVPixelFormat>(src->format)) ?: "?"));
    sws_scale(sws_, src->data, src->linesize, 0, src->height, dst, dstStride);
    return {};
}

namespace {
// The colour matrix (SWS_CS_*) of a frame: its own, else BT.601 for SD and
// BT.709 for HD.
int matrixOf(const AVFrame *src) {
    const int cs = src->colorspace;
    if (cs == AVCOL_SPC_UNSPECIFIED || cs == AVCOL_SPC_RGB) return src->height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
    return cs;
}
} // namespace

Result<void> Scaler::twoStep(const AVFrame *src, int w, int h, AVFrame *dst) {
    const auto in = static_cast<AVPixelFormat>(src->format);
    // 1: the size, in the source's own format (no range or matrix change).
    sws_ = sws_getCachedContext(sws_, src->width, src->height, in, w, h, in, SWS_FAST_BILINEAR, nullptr, nullptr,
                                nullptr);
    const int bytes = av_image_get_buffer_size(in, w, h, 32);
    if (!sws_ || bytes <= 0) return Error::make(ErrorKind::Internal, "unsupported conversion", "sws_getCachedContext");
    if (mid_.size() < static_cast<size_t>(bytes)) mid_.resize(static_cast<size_t>(bytes));   // grows once per size
    uint8_t *planes[4] = {};
    int lines[4] = {};
    av_image_fill_arrays(planes, lines, mid_.data(), in, w, h, 32);
    sws_scale(sws_, src->data, src->linesize, 0, src->height, planes, lines);
    // 2: to RGB24 at that size, with the frame's matrix and range.
    sws2_ = sws_getCachedContext(sws2_, w, h, in, w, h, AV_PIX_FMT_RGB24, SWS_FAST_BILINEAR, nullptr, nullptr, nullptr);
    if (!sws2_) return Error::make(ErrorKind::Internal, "unsupported conversion", "sws_getCachedContext");
    const int *inv = nullptr, *tbl = nullptr;
    int srcRange = 0, dstRange = 0, bri = 0, con = 0, sat = 0;
    if (sws_getColorspaceDetails(sws2_, const_cast<int **>(&inv), &srcRange, const_cast<int **>(&tbl), &dstRange, &bri,
                                 &con, &sat) >= 0) {
        if (src->color_range == AVCOL_RANGE_JPEG || in == AV_PIX_FMT_YUVJ420P) srcRange = 1;
        sws_setColorspaceDetails(sws2_, sws_getCoefficients(matrixOf(src)), srcRange, tbl, dstRange, bri, con, sat);
    }
    sws_scale(sws2_, planes, lines, 0, h, dst->data, dst->linesize);
    return {};
}

Result<void> Scaler::convert(const AVFrame *src, const ScaleTarget &t, AVFrame *dst) {
    const auto fmt = static_cast<AVPixelFormat>(t.pixFmt);
    const bool swap = swapsAxes(t.orientation);
    const bool turn = t.orientation != Orientation::Normal;
    const int sw = swap ? t.height : t.width;    // size before turning
    const int sh = swap ? t.width : t.height;
    if (sw <= 0 || sh <= 0) return Error::make(ErrorKind::Internal, "empty scale target");
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    if (turn && (!desc || (desc->flags & AV_PIX_FMT_FLAG_PLANAR) || desc->nb_components < 3))
        return Error::make(ErrorKind::Internal, "orientation needs a packed output format");

    // A destination the display handed out (its own buffer, set up for
    // exactly this picture) is drawn into as it is; else one from the pool.
    const bool provided = dst->buf[0] && dst->width == t.width && dst->height == t.height && dst->format == fmt;
    if (!provided) {
        const int bytes = av_image_get_buffer_size(fmt, t.width, t.height, 32);
        if (bytes <= 0) return Error::make(ErrorKind::Internal, "bad output size");
        auto r = ensurePool(bytes);
        if (!r) return r;
        av_frame_unref(dst);
        dst->buf[0] = av_buffer_pool_get(pool_);
        if (!dst->buf[0]) return Error::make(ErrorKind::Internal, "out of memory");
        av_image_fill_arrays(dst->data, dst->linesize, dst->buf[0]->data, fmt, t.width, t.height, 32);
        dst->width = t.width;
        dst->height = t.height;
        dst->format = fmt;
    }
    dst->pts = src->pts;

    // A display that takes the decoded planes as they are (vulkan: the GPU
    // converts): same size and format, upright. A plane copy into its
    // buffer, with the frame's colour facts.
    if (!turn && src->format == fmt && src->width == t.width && src->height == t.height) {
        av_image_copy(dst->data, dst->linesize, const_cast<const uint8_t **>(src->data), src->linesize, fmt, t.width,
                      t.height);
        dst->colorspace = src->colorspace;
        dst->color_range = src->color_range;
        dst->chroma_location = src->chroma_location;
        return {};
    }

    // Video into RGB24 (kitty): swscale's scaled RGB24 output is its C path
    // (8.6 ms a frame at 640x360 -> 1600x960 on the bench machine). Scaled
    // in 4:2:0 first and then converted unscaled (its SIMD yuv2rgb) it takes
    // 3 ms, and the pictures compress a little smaller (chroma shared by 2x2).
    if (!turn && t.quality == ScaleQuality::Fast && fmt == AV_PIX_FMT_RGB24 &&
        (src->format == AV_PIX_FMT_YUV420P || src->format == AV_PIX_FMT_YUVJ420P) &&
        (src->width != sw || src->height != sh))
        return twoStep(src, sw, sh, dst);

    int flags = t.quality == ScaleQuality::Fast ? SWS_FAST_BILINEAR
              : t.quality == ScaleQuality::Area ? SWS_AREA
                                                : SWS_BICUBIC;
    // Exact rounding costs the fast YUV->RGB paths: kept for Area and Good
    // (blocks, thumbnails, screenshots), not for Fast (video into pixel terminals).
    if (t.quality != ScaleQuality::Fast) flags |= SWS_ACCURATE_RND;
    sws_ = sws_getCachedContext(sws_, src->width, src->height, static_cast<AVPixelFormat>(src->format),
                                sw, sh, fmt, flags, nullptr, nullptr, nullptr);
    if (!sws_) return Error::make(ErrorKind::Internal, "unsupported conversion", "sws_getCachedContext");

    // Colour matrix and range from the frame (BT.601 for SD, BT.709 for HD
    // when the stream does not say).
    const int cs = matrixOf(src);
    const bool yuvOut = desc && !(desc->flags & AV_PIX_FMT_FLAG_RGB) && desc->nb_components >= 3;
    const int *inv = nullptr, *tbl = nullptr;
    int srcRange = 0, dstRange = 0, bri = 0, con = 0, sat = 0;
    const bool fullIn = src->color_range == AVCOL_RANGE_JPEG || src->format == AV_PIX_FMT_YUVJ420P ||
                        src->format == AV_PIX_FMT_YUVJ422P || src->format == AV_PIX_FMT_YUVJ444P;
    if (yuvOut) {
        // Same range out as in (swscale would squeeze full range into
        // limited); no matrix conversion between YUVs.
        srcRange = dstRange = fullIn ? 1 : 0;
        sws_setColorspaceDetails(sws_, sws_getCoefficients(cs), srcRange, sws_getCoefficients(cs), dstRange, 0, 1 << 16,
                                 1 << 16);
    } else if (sws_getColorspaceDetails(sws_, const_cast<int **>(&inv), &srcRange, const_cast<int **>(&tbl),
                                        &dstRange, &bri, &con, &sat) >= 0) {
        if (fullIn) srcRange = 1;
        sws_setColorspaceDetails(sws_, sws_getCoefficients(cs), srcRange, tbl, dstRange, bri, con, sat);
    }
    if (yuvOut) {   // a repack for a display that converts itself (vulkan, a kms YUV plane): say what it holds
        dst->colorspace = static_cast<AVColorSpace>(cs);   // SWS_CS_* and AVCOL_SPC_* agree on these
        dst->color_range = fullIn ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
        dst->chroma_location = src->chroma_location;
    }

    if (!turn) {
        sws_scale(sws_, src->data, src->linesize, 0, src->height, dst->data, dst->linesize);
        return {};
    }
    const int bpp = av_get_padded_bits_per_pixel(desc) / 8;
    const int tmpStride = sw * bpp;
    if (rotateTmp_.size() < static_cast<size_t>(tmpStride) * sh)
        rotateTmp_.resize(static_cast<size_t>(tmpStride) * sh);   // grows once per size
    uint8_t *tmp[4] = {rotateTmp_.data(), nullptr, nullptr, nullptr};
    int tmpLs[4] = {tmpStride, 0, 0, 0};
    sws_scale(sws_, src->data, src->linesize, 0, src->height, tmp, tmpLs);
    orientPacked(rotateTmp_.data(), sw, sh, tmpStride, bpp, t.orientation, dst->data[0], dst->linesize[0]);
    return {};
}

} // namespace qv
