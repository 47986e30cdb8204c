#include "export_encode.h"

#include <unordered_map>

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace qv {

Result<SegmentEncoder> openSegmentEncoder(const std::string &path, const AVStream *st, const std::string &name,
                                          bool smartCut, bool globalHeader, int threads) {
    const AVCodecParameters *par = st->codecpar;
    ff::CodecPtr codec = name.empty() ? avcodec_find_encoder(par->codec_id) : avcodec_find_encoder_by_name(name.c_str());
    if (!codec) {
        const AVCodecDescriptor *d = avcodec_descriptor_get(par->codec_id);
        return Error::make(ErrorKind::Encode, name.empty() ? std::string("no encoder for ") + (d ? d->name : "this codec") +
                                                                 " (try --reencode=ENCODER)"
                                                           : "no encoder named " + name);
    }
    if (codec->type != AVMEDIA_TYPE_VIDEO) return Error::make(ErrorKind::Encode, std::string(codec->name) + " is not a video encoder");
    const auto fmt = static_cast<AVPixelFormat>(par->format);
    if (!ff::encoderTakes(codec, fmt))
        return Error::make(ErrorKind::Encode, std::string(codec->name) + " cannot encode " +
                                                  (av_get_pix_fmt_name(fmt) ? av_get_pix_fmt_name(fmt) : "this pixel format"));
    CodecCtxPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return Error::make(ErrorKind::Internal, "out of memory");
    ctx->width = par->width;
    ctx->height = par->height;
    ctx->pix_fmt = fmt;
    ctx->sample_aspect_ratio = par->sample_aspect_ratio;
    ctx->color_range = par->color_range;
    ctx->color_primaries = par->color_primaries;
    ctx->color_trc = par->color_trc;
    ctx->colorspace = par->color_space;
    ctx->chroma_sample_location = par->chroma_location;
    ctx->framerate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    // MPEG-1/2 take only their standard frame rates as the time base; the
    // others keep the stream's (variable frame rate stays exact).
    const bool mpeg12 = codec->id == AV_CODEC_ID_MPEG2VIDEO || codec->id == AV_CODEC_ID_MPEG1VIDEO;
    ctx->time_base = mpeg12 && ctx->framerate.num > 0 ? av_inv_q(ctx->framerate) : st->time_base;
    ctx->thread_count = threads;
    ctx->bit_rate = 0;   // constant quality
    if (smartCut) {
        ctx->max_b_frames = 0;
        ctx->gop_size = 1 << 20;
    } else if (globalHeader) {
        ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    // Quality: the options each wrapper knows; the others refuse them
    // (ignored). x264/x265/vpx/aom: constant quality 12 (about 45 dB on
    // test pictures); mpeg2video: quantiser 2.
    void *priv = ctx->priv_data;
    if (priv) {
        av_opt_set(priv, "crf", "12", 0);
        av_opt_set(priv, "preset", "fast", 0);
        av_opt_set(priv, "cpu-used", "6", 0);
        av_opt_set(priv, "x265-params", "log-level=error:repeat-headers=1", 0);
    }
    if (par->codec_id == AV_CODEC_ID_MPEG2VIDEO || par->codec_id == AV_CODEC_ID_MPEG1VIDEO ||
        par->codec_id == AV_CODEC_ID_MPEG4) {
        ctx->flags |= AV_CODEC_FLAG_QSCALE;
        ctx->global_quality = FF_QP2LAMBDA * 2;
    }
    int r = avcodec_open2(ctx.get(), codec, nullptr);
    if (r < 0) return avError(ErrorKind::Encode, path, (std::string("cannot open the encoder ") + codec->name).c_str(), r);
    SegmentEncoder e;
    e.name = codec->name;
    e.ctx = std::move(ctx);
    return e;
}

namespace {
Result<void> drain(AVCodecContext *enc, AVPacket *pkt, const std::function<Result<void>(AVPacket *)> &sink,
                   const std::string &path, AVRational streamTb) {
    for (;;) {
        int r = avcodec_receive_packet(enc, pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return {};
        if (r < 0) return avError(ErrorKind::Encode, path, "encoding failed", r);
        av_packet_rescale_ts(pkt, enc->time_base, streamTb);
        auto s = sink(pkt);
        av_packet_unref(pkt);
        if (!s) return s;
    }
}
} // namespace

Result<void> decodeRange(const std::string &path, const PacketIndex &idx, int64_t a, int64_t b,
                        const std::function<Result<void>(AVFrame *, int64_t, const AVStream *)> &onFrame,
                        const std::atomic<bool> *cancel, int threads) {
    auto in = Input::open(path, false, cancel);
    if (!in) return in.takeError();
    AVFormatContext *fmt = in.value()->fmt();
    const int vi = in.value()->bestVideoStream();
    if (vi < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (static_cast<int>(i) != vi) fmt->streams[i]->discard = AVDISCARD_ALL;
    AVStream *st = fmt->streams[vi];
    auto dec = openDecoder(path, st, threads);
    if (!dec) return dec.takeError();
    // pts (stream time base) -> ordinal, for the frames wanted.
    std::unordered_map<int64_t, int64_t> want;
    for (const IndexEntry &e : idx.packets())
        if (e.ordinal >= a && e.ordinal <= b) want[e.pts != INT64_MIN ? e.pts : e.dts] = e.ordinal;
    const int64_t kd = idx.keyFor(a, 0);
    if (kd >= 0) {
        const IndexEntry &k = idx.packets()[static_cast<size_t>(kd)];
        int64_t ts = k.dts != INT64_MIN ? k.dts : k.pts;
        if (k.pts != INT64_MIN && k.pts < ts) ts = k.pts;
        if (ts != INT64_MIN) {
            int r = av_seek_frame(fmt, vi, ts, AVSEEK_FLAG_BACKWARD);
            if (r < 0) av_seek_frame(fmt, vi, INT64_MIN + 1, AVSEEK_FLAG_BACKWARD);
        }
    }
    PacketPtr pkt(av_packet_alloc());
    AVFrame *frame = av_frame_alloc();
    if (!pkt || !frame) return Error::make(ErrorKind::Internal, "out of memory");
    struct FrameFree {
        AVFrame *f;
        ~FrameFree() { av_frame_free(&f); }
    } frameGuard{frame};
    int64_t got = 0;
    const int64_t total = b - a + 1;
    bool eof = false;
    auto takeFrames = [&]() -> Result<void> {
        for (;;) {
            int r = avcodec_receive_frame(dec.value().get(), frame);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return {};
            if (r < 0) return avError(ErrorKind::Decode, path, "decoding failed", r);
            const int64_t pts = frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp;
            auto it = want.find(pts);
            if (it != want.end() && got < total) {
                const int64_t ordinal = it->second;
                want.erase(it);
                ++got;
                if (auto s = onFrame(frame, ordinal, st); !s) return s;
            }
            av_frame_unref(frame);
        }
    };
    while (got < total && !eof) {
        if (cancel && cancel->load(std::memory_order_relaxed)) return Error::make(ErrorKind::Internal, "cancelled");
        int r = av_read_frame(fmt, pkt.get());
        if (r == AVERROR_EOF) {
            eof = true;
            avcodec_send_packet(dec.value().get(), nullptr);
        } else if (r < 0) {
            return avError(ErrorKind::Format, path, "read failed", r);
        } else {
            if (pkt->stream_index == vi) {
                r = avcodec_send_packet(dec.value().get(), pkt.get());
                if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_INVALIDDATA) {
                    av_packet_unref(pkt.get());
                    return avError(ErrorKind::Decode, path, "decoding failed", r);
                }
            }
            av_packet_unref(pkt.get());
        }
        if (auto s = takeFrames(); !s) return s;
    }
    if (got < total)
        return Error::make(ErrorKind::Decode, "only " + std::to_string(got) + " of frames " + std::to_string(a) + ".." +
                                                  std::to_string(b) + " could be decoded");
    return {};
}

Result<void> encodeSegment(const std::string &path, const PacketIndex &idx, int64_t a, int64_t b, AVCodecContext *enc,
                           const std::function<Result<void>(AVPacket *)> &sink, const std::function<void(int64_t)> &done,
                           const std::atomic<bool> *cancel, int threads) {
    PacketPtr out(av_packet_alloc());
    if (!out) return Error::make(ErrorKind::Internal, "out of memory");
    int64_t encoded = 0;
    AVRational tb{1, 1};
    auto r0 = decodeRange(
        path, idx, a, b,
        [&](AVFrame *frame, int64_t, const AVStream *st) -> Result<void> {
            tb = st->time_base;
            frame->pts = av_rescale_q(frame->pts != AV_NOPTS_VALUE ? frame->pts : frame->best_effort_timestamp,
                                      st->time_base, enc->time_base);
            frame->pict_type = encoded == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
            int r = avcodec_send_frame(enc, frame);
            if (r < 0) return avError(ErrorKind::Encode, path, "encoding failed", r);
            ++encoded;
            if (done) done(encoded);
            return drain(enc, out.get(), sink, path, st->time_base);
        },
        cancel, threads);
    if (!r0) return r0;
    int r = avcodec_send_frame(enc, nullptr);
    if (r < 0 && r != AVERROR_EOF) return avError(ErrorKind::Encode, path, "encoding failed", r);
    return drain(enc, out.get(), sink, path, tb);
}

} // namespace qv
