// The one place that knows FFmpeg version differences (4.3 .. 7.x).
// Everything else calls these helpers instead of testing version macros.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
}

#include <cstdint>
#include <string>

namespace qv::ff {

// libavformat 59 (FFmpeg 5.0) made AVInputFormat/AVCodec pointers const.
#if LIBAVFORMAT_VERSION_MAJOR >= 59
using InputFormatPtr = const AVInputFormat *;
using CodecPtr = const AVCodec *;
#else
using InputFormatPtr = AVInputFormat *;
using CodecPtr = AVCodec *;
#endif

// AVChannelLayout arrived in libavutil 57.24 (FFmpeg 5.1); the old mask API
// was removed in 7.0.
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 24, 100)
#define QV_FF_CH_LAYOUT 1
#else
#define QV_FF_CH_LAYOUT 0
#endif

inline int channels(const AVCodecParameters *p) {
#if QV_FF_CH_LAYOUT
    return p->ch_layout.nb_channels;
#else
    return p->channels;
#endif
}

// n channels in their default layout.
inline void setDefaultChannels(AVCodecParameters *p, int n) {
#if QV_FF_CH_LAYOUT
    av_channel_layout_uninit(&p->ch_layout);
    av_channel_layout_default(&p->ch_layout, n);
#else
    p->channels = n;
    p->channel_layout = static_cast<uint64_t>(av_get_default_channel_layout(n));
#endif
}

inline std::string channelLayoutName(const AVCodecParameters *p) {
    char buf[128] = {0};
#if QV_FF_CH_LAYOUT
    if (av_channel_layout_describe(&p->ch_layout, buf, sizeof buf) < 0) return {};
#else
    av_get_channel_layout_string(buf, sizeof buf, p->channels, p->channel_layout);
#endif
    return buf;
}

// Key-frame flag: AV_FRAME_FLAG_KEY since libavutil 58.7 (FFmpeg 6.1).
inline bool isKeyFrame(const AVFrame *f) {
#if defined(AV_FRAME_FLAG_KEY)
    return (f->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    return f->key_frame != 0;
#endif
}

// Size of the packet a frame came from (deprecated in 7.x, still present).
inline int packetSize(const AVFrame *f) {
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    return f->pkt_size;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}

// Frame duration in stream time base: AVFrame::duration since libavutil 57.30
// (FFmpeg 5.1 has it from 57.30.100 on), pkt_duration before.
inline int64_t frameDuration(const AVFrame *f) {
#if LIBAVUTIL_VERSION_INT >= AV_VERSION_INT(57, 30, 100)
    return f->duration;
#else
    return f->pkt_duration;
#endif
}

// Display matrix of a stream: coded side data moved to codecpar in 7.x
// (libavcodec 60.29 / libavformat 60.15).
inline const int32_t *displayMatrix(const AVStream *st) {
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData *sd = av_packet_side_data_get(
        st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data,
        AV_PKT_DATA_DISPLAYMATRIX);
    return sd && sd->size >= 9 * 4 ? reinterpret_cast<const int32_t *>(sd->data) : nullptr;
#else
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
#if LIBAVFORMAT_VERSION_MAJOR >= 59
    size_t size = 0;
#else
    int size = 0;
#endif
    const uint8_t *d = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    return d && size >= 9 * 4 ? reinterpret_cast<const int32_t *>(d) : nullptr;
#endif
}

// Whether the demuxer seeks by time itself (has a read_seek callback), as
// opposed to through a generic index or not at all. FFmpeg 7 (libavformat
// 61) moved the callbacks out of the public AVInputFormat; there a generic
// index (AVFMT_GENERIC_INDEX: raw streams, ivf, ...) stands for "none".
inline bool demuxerSeeksByTime(InputFormatPtr f) {
#if LIBAVFORMAT_VERSION_MAJOR >= 61
    return !(f->flags & AVFMT_GENERIC_INDEX);
#else
    return f->read_seek != nullptr;
#endif
}

// Whether a stream is an attached picture (cover art), never "the video".
inline bool isAttachedPic(const AVStream *st) {
    return (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
}

// A resampler from a decoder's output to interleaved float at outRate with
// outChannels (the default layout for that count). inRate may differ from the
// decoder's rate: playing at speed s tells swr the input runs at rate * s.
inline SwrContext *makeResampler(const AVCodecContext *dec, int inRate, int outRate, int outChannels) {
    SwrContext *swr = nullptr;
#if QV_FF_CH_LAYOUT
    AVChannelLayout in = dec->ch_layout;
    AVChannelLayout def;
    if (in.order == AV_CHANNEL_ORDER_UNSPEC || in.nb_channels <= 0) {
        av_channel_layout_default(&def, dec->ch_layout.nb_channels > 0 ? dec->ch_layout.nb_channels : 2);
        in = def;
    }
    AVChannelLayout out;
    av_channel_layout_default(&out, outChannels);
    if (swr_alloc_set_opts2(&swr, &out, AV_SAMPLE_FMT_FLT, outRate, &in, dec->sample_fmt, inRate, 0, nullptr) < 0)
        return nullptr;
#else
    int64_t inLayout = dec->channel_layout ? static_cast<int64_t>(dec->channel_layout)
                                           : av_get_default_channel_layout(dec->channels > 0 ? dec->channels : 2);
    swr = swr_alloc_set_opts(nullptr, av_get_default_channel_layout(outChannels), AV_SAMPLE_FMT_FLT, outRate,
                             inLayout, dec->sample_fmt, inRate, 0, nullptr);
    if (!swr) return nullptr;
#endif
    if (swr_init(swr) < 0) {
        swr_free(&swr);
        return nullptr;
    }
    return swr;
}

inline int frameChannels(const AVFrame *f) {
#if QV_FF_CH_LAYOUT
    return f->ch_layout.nb_channels;
#else
    return f->channels;
#endif
}

inline int decoderChannels(const AVCodecContext *dec) {
#if QV_FF_CH_LAYOUT
    return dec->ch_layout.nb_channels;
#else
    return dec->channels;
#endif
}

// avcodec_close() is deprecated in 7.x; avcodec_free_context() is enough.

// Hardware decoding (4.3 .. 7.x). The hwcontext API (av_hwdevice_*,
// av_hwframe_transfer_data, avcodec_get_hw_config, extra_hw_frames) is the
// same in every supported version; what differs is kept here.

// A wrapper decoder (cuvid, v4l2m2m, rkmpp, qsv, mediacodec, ...): it uses
// its own parser and reordering. AVCodec::wrapper_name (lavc 58.?+) names the
// library it wraps; FFmpeg 4.3 already has it.
inline const char *wrapperName(const AVCodec *c) { return c ? c->wrapper_name : nullptr; }

// Whether a codec can use an hwaccel device type through hw_device_ctx, and
// the hardware pixel format its frames then have (AV_PIX_FMT_NONE: cannot).
inline AVPixelFormat hwaccelPixFmt(CodecPtr c, AVHWDeviceType type) {
    for (int i = 0;; ++i) {
        const AVCodecHWConfig *cfg = avcodec_get_hw_config(c, i);
        if (!cfg) return AV_PIX_FMT_NONE;
        if ((cfg->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX) && cfg->device_type == type) return cfg->pix_fmt;
    }
}

// Whether a pixel format is a hardware one (frames live in device memory).
inline bool isHwPixFmt(int fmt) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(fmt));
    return d && (d->flags & AV_PIX_FMT_FLAG_HWACCEL);
}

// The software format a hardware frame downloads to by default.
inline AVPixelFormat hwFrameSwFormat(const AVFrame *f) {
    if (!f->hw_frames_ctx) return AV_PIX_FMT_NONE;
    return reinterpret_cast<const AVHWFramesContext *>(f->hw_frames_ctx->data)->sw_format;
}

// The library versions, for the hwdec verdict cache's key.
inline std::string versions() {
    auto v = [](unsigned x) {
        return std::to_string(x >> 16) + "." + std::to_string((x >> 8) & 255) + "." + std::to_string(x & 255);
    };
    return std::string("FFmpeg ") + av_version_info() + " lavc " + v(avcodec_version()) + " lavu " + v(avutil_version());
}

// Whether an encoder takes a pixel format: AVCodec::pix_fmts is deprecated
// from libavcodec 61.13 (FFmpeg 7.1), avcodec_get_supported_config replaces it.
inline bool encoderTakes(CodecPtr c, AVPixelFormat f) {
    const AVPixelFormat *fmts = nullptr;
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(61, 13, 100)
    int n = 0;
    if (avcodec_get_supported_config(nullptr, c, AV_CODEC_CONFIG_PIX_FORMAT, 0,
                                     reinterpret_cast<const void **>(&fmts), &n) < 0)
        return false;
    if (!fmts) return true;
    for (int i = 0; i < n; ++i)
        if (fmts[i] == f) return true;
    return false;
#else
    fmts = c->pix_fmts;
    if (!fmts) return true;
    for (; *fmts != AV_PIX_FMT_NONE; ++fmts)
        if (*fmts == f) return true;
    return false;
#endif
}

// FFmpeg error code to text.
inline std::string errText(int err) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(err, buf, sizeof buf);
    return buf;
}

} // namespace qv::ff

// The Vulkan hwcontext over the vulkan display's device (vk_frames.h),
// included only by the file that asks (QV_FFCOMPAT_VULKAN: it pulls in
// vulkan.h). FFmpeg 5.0+ only: timeline semaphores on every frame; 4.x
// frames carry binary ones, and the bridge says it needs a newer FFmpeg.
#ifdef QV_FFCOMPAT_VULKAN
extern "C" {
#include <libavutil/hwcontext_vulkan.h>
}
#define QV_FF_VK_BRIDGE (LIBAVUTIL_VERSION_MAJOR >= 57)

namespace qv::ff {
#if QV_FF_VK_BRIDGE
// The one queue family qv's device has, for graphics, compute and transfers:
// 7.x lists families (qf[]); 5.x and 6.x name one per role.
inline void vkSetQueueFamily(AVVulkanDeviceContext *h, int family, int queues) {
#if defined(FF_API_VULKAN_FIXED_QUEUES)
    h->qf[0].idx = family;
    h->qf[0].num = queues;
    h->qf[0].flags = static_cast<VkQueueFlagBits>(VK_QUEUE_GRAPHICS_BIT | VK_QUEUE_COMPUTE_BIT | VK_QUEUE_TRANSFER_BIT);
    h->nb_qf = 1;
#else
    h->queue_family_index = h->queue_family_tx_index = h->queue_family_comp_index = family;
    h->nb_graphics_queues = h->nb_tx_queues = h->nb_comp_queues = queues;
    h->queue_family_encode_index = h->queue_family_decode_index = -1;
    h->nb_encode_queues = h->nb_decode_queues = 0;
#endif
}

// One image per plane: 6.1+ would make one multi-plane image for NV12 and
// the like unless told not to (the flag does not exist before; the build
// looks for it: QV_FF_VK_DISABLE_MULTIPLANE).
inline void vkOneImagePerPlane(AVVulkanFramesContext *f) {
#if QV_FF_VK_DISABLE_MULTIPLANE
    f->flags = static_cast<AVVkFrameFlags>(f->flags | AV_VK_FRAME_FLAG_DISABLE_MULTIPLANE);
#else
    (void)f;
#endif
}
#endif
} // namespace qv::ff
#endif
