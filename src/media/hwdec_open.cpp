#include "hwdec_open.h"

#include <algorithm>

#include "qv/media/hwdec_verdicts.h"

namespace qv {

namespace {

AVPixelFormat chooseFormat(AVCodecContext *c, const AVPixelFormat *fmts) {
    auto *choice = static_cast<HwFormatChoice *>(c->opaque);
    choice->offered.clear();
    for (const AVPixelFormat *f = fmts; *f != AV_PIX_FMT_NONE; ++f) {
        if (*f == choice->hwFmt) {
            choice->refused = false;
            return *f;
        }
        choice->offered += (choice->offered.empty() ? "" : ",") + std::string(av_get_pix_fmt_name(*f));
    }
    // Not offered (a profile, size or bit depth the hardware does not take):
    // FFmpeg decodes in software; the frames' format tells.
    choice->refused = true;
    for (const AVPixelFormat *f = fmts; *f != AV_PIX_FMT_NONE; ++f)
        if (!ff::isHwPixFmt(*f)) return *f;
    return AV_PIX_FMT_NONE;
}

// One candidate: a CodecCtxPtr, or why not.
CodecCtxPtr tryOne(AVStream *st, const std::string &name, int keepSurfaces, HwFormatChoice &choice, bool &wrapper,
                   std::string &why) {
    const AVCodecID id = st->codecpar->codec_id;
    ff::CodecPtr codec = nullptr;
    AVBufferRef *device = nullptr;
    wrapper = false;
    const AVHWDeviceType type = av_hwdevice_find_type_by_name(name.c_str());
    if (type != AV_HWDEVICE_TYPE_NONE) {
        codec = avcodec_find_decoder(id);
        if (!codec) {
            why = "no decoder for " + std::string(avcodec_get_name(id));
            return nullptr;
        }
        choice.hwFmt = ff::hwaccelPixFmt(codec, type);
        if (choice.hwFmt == AV_PIX_FMT_NONE) {
            why = "this FFmpeg's " + std::string(codec->name) + " decoder has no " + name + " hwaccel";
            return nullptr;
        }
        const int r = av_hwdevice_ctx_create(&device, type, nullptr, nullptr, 0);
        if (r < 0) {
            why = "cannot create the " + name + " device (" + ff::errText(r) + ")";
            return nullptr;
        }
    } else {
        codec = avcodec_find_decoder_by_name(name.c_str());
        if (!codec) {
            why = "neither an hwaccel nor a decoder of this FFmpeg";
            return nullptr;
        }
        if (codec->id != id) {
            why = "decodes " + std::string(avcodec_get_name(codec->id)) + ", not " + avcodec_get_name(id);
            return nullptr;
        }
        wrapper = true;
        choice.hwFmt = -1;
    }
    CodecCtxPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) {
        av_buffer_unref(&device);
        why = "out of memory";
        return nullptr;
    }
    int r = avcodec_parameters_to_context(ctx.get(), st->codecpar);
    ctx->pkt_timebase = st->time_base;
    ctx->thread_count = 1;   // the hardware does the work; frame threads only add latency
    if (device) {
        ctx->hw_device_ctx = device;   // the context owns it now
        ctx->opaque = &choice;
        ctx->get_format = chooseFormat;
        // Surfaces beyond the decoder's references: a frame downloaded as
        // soon as it comes out needs a few; frames kept on the GPU need as
        // many more as the pipeline holds ("no decoder surfaces left"
        // otherwise, in a fixed pool).
        ctx->extra_hw_frames = 4 + std::max(0, keepSurfaces);
    }
    if (r >= 0) r = avcodec_open2(ctx.get(), codec, nullptr);
    if (r < 0) {
        why = "cannot open " + std::string(codec->name) + " (" + ff::errText(r) + ")";
        return nullptr;
    }
    return ctx;
}

} // namespace

std::vector<std::string> hwdecCandidates(const HwdecRequest &req, const std::string &codec) {
    using M = HwdecRequest::Mode;
    if (req.mode == M::No) return {};
    if (req.mode == M::List) return req.names;
    std::vector<std::string> exact, others;
    VerdictCache cache;
    const std::string path = verdictCachePath();
    if (!path.empty())
        if (auto c = loadVerdicts(path)) cache = std::move(c.value());
    if (req.mode == M::Default && cache.entries().empty()) return {};   // no probe ran here: software
    const std::string versions = ffmpegVersions();
    for (const auto &n : codecHwaccels(codec)) {
        const HwVerdict *v = cache.find(n, codec, hwDeviceDescription(n), versions);
        if (v && v->verdict == "exact") exact.push_back(n);
        else if (req.mode == M::Auto && !(v && v->verdict == "differs")) others.push_back(n);
    }
    exact.insert(exact.end(), others.begin(), others.end());
    return exact;
}

HwOpen openHardware(const std::string &path, AVStream *st, const HwdecRequest &req, HwFormatChoice &choice) {
    (void)path;
    HwOpen out;
    out.asked = req.mode == HwdecRequest::Mode::Auto || req.mode == HwdecRequest::Mode::List;
    const std::string codec = avcodec_get_name(st->codecpar->codec_id);
    const auto names = hwdecCandidates(req, codec);
    if (names.empty() && req.mode == HwdecRequest::Mode::Auto)
        out.why = "no hwaccel of this FFmpeg decodes " + codec;
    out.asked = out.asked || !names.empty();
    for (const auto &n : names) {
        std::string why;
        bool wrapper = false;
        choice = HwFormatChoice{};
        CodecCtxPtr ctx = tryOne(st, n, req.keepSurfaces, choice, wrapper, why);
        if (ctx) {
            out.ctx = std::move(ctx);
            out.name = n;
            out.wrapper = wrapper;
            return out;
        }
        out.why += (out.why.empty() ? "" : "; ") + n + ": " + why;
    }
    return out;
}

} // namespace qv
