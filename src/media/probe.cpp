#include "qv/media/probe.h"
#include "qv/core/json.h"
#include "qv/media/packet_index.h"

#include "input.h"
#include "thumb_util.h"
#include "qv/media/frame.h"
#include "qv/media/scaler.h"
#include "qv/media/ts_math.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace qv {
namespace {

int64_t toMs(int64_t v, AVRational tb) {
    if (v == AV_NOPTS_VALUE) return -1;
    return av_rescale_q(v, tb, AVRational{1, 1000});
}


} // namespace

Result<MediaFacts> probeFile(const std::string &path, bool useMmap, bool scan, const std::atomic<bool> *interrupt,
                             const std::vector<std::pair<std::string, std::string>> *avOptions) {
    auto in = Input::open(path, useMmap, interrupt, avOptions);
    if (!in) return in.takeError();
    AVFormatContext *fmt = in.value()->fmt();
    MediaFacts m;
    m.path = path;
    m.format = fmt->iformat->name;
    m.formatLong = fmt->iformat->long_name ? fmt->iformat->long_name : "";
    m.durationMs = fmt->duration != AV_NOPTS_VALUE ? av_rescale(fmt->duration, 1000, AV_TIME_BASE) : -1;
    m.startMs = fmt->start_time != AV_NOPTS_VALUE ? av_rescale(fmt->start_time, 1000, AV_TIME_BASE) : 0;
    m.bitRate = fmt->bit_rate;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) m.sizeBytes = st.st_size;
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
        const AVStream *s = fmt->streams[i];
        const AVCodecParameters *p = s->codecpar;
        StreamFacts f;
        f.index = static_cast<int>(i);
        const char *t = av_get_media_type_string(p->codec_type);
        f.type = t ? t : "unknown";
        const AVCodecDescriptor *d = avcodec_descriptor_get(p->codec_id);
        f.codec = d ? d->name : "unknown";
        f.codecLong = d && d->long_name ? d->long_name : "";
        const char *prof = avcodec_profile_name(p->codec_id, p->profile);
        f.profile = prof ? prof : p->profile >= 0 ? std::to_string(p->profile) : "";
        f.bitRate = p->bit_rate;
        f.durationMs = toMs(s->duration, s->time_base);
        f.startMs = s->start_time != AV_NOPTS_VALUE ? toMs(s->start_time, s->time_base) : 0;
        f.frames = s->nb_frames;
        f.attachedPic = ff::isAttachedPic(s);
        if (p->codec_type == AVMEDIA_TYPE_VIDEO) {
            f.width = p->width;
            f.height = p->height;
            AVRational sar = av_guess_sample_aspect_ratio(fmt, const_cast<AVStream *>(s), nullptr);
            if (sar.num > 0 && sar.den > 0) {
                f.sarNum = sar.num;
                f.sarDen = sar.den;
                AVRational dar;
                av_reduce(&dar.num, &dar.den, int64_t(p->width) * sar.num, int64_t(p->height) * sar.den, 1 << 30);
                f.darNum = dar.num;
                f.darDen = dar.den;
            }
            if (const int32_t *mtx = ff::displayMatrix(s)) {
                double r = av_display_rotation_get(mtx);
                if (!std::isnan(r)) f.rotation = r == 0 ? 0 : r;
            }
            const char *pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(p->format));
            f.pixFmt = pf ? pf : "";
            f.fpsNum = s->avg_frame_rate.num;
            f.fpsDen = s->avg_frame_rate.den;
        } else if (p->codec_type == AVMEDIA_TYPE_AUDIO) {
            f.sampleRate = p->sample_rate;
            f.channels = ff::channels(p);
            f.channelLayout = ff::channelLayoutName(p);
            const char *sf = av_get_sample_fmt_name(static_cast<AVSampleFormat>(p->format));
            f.sampleFmt = sf ? sf : "";
        }
        m.streams.push_back(f);
    }
    const int best = in.value()->bestVideoStream();
    if (scan && best >= 0 && !in.value()->isStream()) {
        std::atomic<bool> cancel{false};
        if (auto idx = scanPackets(path, cancel)) {
            StreamFacts &f = m.streams[static_cast<size_t>(best)];
            f.exactFrames = idx.value()->frameCount();
            f.keyframes = idx.value()->keyOrdinals();
            f.scanMs = static_cast<double>(idx.value()->scanNs) / 1e6;
        }
    }
    return m;
}

std::string factsToText(const MediaFacts &m) {
    std::string o;
    char b[512];
    std::snprintf(b, sizeof b, "%s: %s (%s), %" PRId64 " bytes\n  duration %" PRId64 " ms, start %" PRId64
                  " ms, bit rate %" PRId64 " b/s\n",
                  m.path.c_str(), m.format.c_str(), m.formatLong.c_str(), m.sizeBytes, m.durationMs, m.startMs,
                  m.bitRate);
    o += b;
    for (const auto &s : m.streams) {
        std::snprintf(b, sizeof b, "  #%d %s: %s%s%s%s", s.index, s.type.c_str(), s.codec.c_str(),
                      s.profile.empty() ? "" : " (", s.profile.c_str(), s.profile.empty() ? "" : ")");
        o += b;
        if (s.type == "video") {
            std::snprintf(b, sizeof b, ", %dx%d, SAR %d:%d, DAR %d:%d, %s, %.3f fps", s.width, s.height, s.sarNum,
                          s.sarDen, s.darNum, s.darDen, s.pixFmt.c_str(),
                          s.fpsDen ? double(s.fpsNum) / s.fpsDen : 0.0);
            o += b;
            if (s.rotation != 0) {
                std::snprintf(b, sizeof b, ", rotation %g", s.rotation);
                o += b;
            }
            if (s.attachedPic) o += ", cover art";
            if (s.exactFrames >= 0) {
                std::snprintf(b, sizeof b, ", %" PRId64 " frames (%zu keyframes)", s.exactFrames, s.keyframes.size());
                o += b;
            }
        } else if (s.type == "audio") {
            std::snprintf(b, sizeof b, ", %d Hz, %s (%d ch), %s", s.sampleRate, s.channelLayout.c_str(), s.channels,
                          s.sampleFmt.c_str());
            o += b;
        }
        std::snprintf(b, sizeof b, ", %" PRId64 " ms", s.durationMs);
        o += b;
        if (s.bitRate > 0) {
            std::snprintf(b, sizeof b, ", %" PRId64 " b/s", s.bitRate);
            o += b;
        }
        o += "\n";
    }
    if (!m.decoderAsked.empty())
        o += "  decoder: " + m.decoderRunning + " (hwdec " + m.decoderAsked + ")" +
             (m.decoderWhy.empty() ? "" : "; software because " + m.decoderWhy) + "\n";
    return o;
}

std::string factsToJson(const MediaFacts &m) {
    json::Writer w;
    w.beginObject();
    w.key("path").string(m.path);
    w.key("format").string(m.format);
    w.key("format_long").string(m.formatLong);
    w.key("size_bytes").integer(m.sizeBytes);
    w.key("duration_ms").integer(m.durationMs);
    w.key("start_ms").integer(m.startMs);
    w.key("bit_rate").integer(m.bitRate);
    w.key("streams").beginArray();
    for (const auto &s : m.streams) {
        w.beginObject();
        w.key("index").integer(s.index);
        w.key("type").string(s.type);
        w.key("codec").string(s.codec);
        w.key("codec_long").string(s.codecLong);
        w.key("profile").string(s.profile);
        w.key("bit_rate").integer(s.bitRate);
        w.key("duration_ms").integer(s.durationMs);
        w.key("start_ms").integer(s.startMs);
        w.key("frames").integer(s.frames);
        if (s.type == "video") {
            char b[64];
            w.key("width").integer(s.width);
            w.key("height").integer(s.height);
            std::snprintf(b, sizeof b, "%d:%d", s.sarNum, s.sarDen);
            w.key("sar").string(b);
            std::snprintf(b, sizeof b, "%d:%d", s.darNum, s.darDen);
            w.key("dar").string(b);
            w.key("rotation").real(s.rotation, 6);   // %g, as always
            w.key("pix_fmt").string(s.pixFmt);
            std::snprintf(b, sizeof b, "%d/%d", s.fpsNum, s.fpsDen);
            w.key("frame_rate").string(b);
            w.key("attached_pic").boolean(s.attachedPic);
            if (s.exactFrames >= 0) {
                w.key("exact_frames").integer(s.exactFrames);
                w.key("keyframes").beginArray();
                for (int64_t k : s.keyframes) w.integer(k);
                w.endArray();
                w.key("scan_ms").fixed(s.scanMs, 1);
            }
        } else if (s.type == "audio") {
            w.key("sample_rate").integer(s.sampleRate);
            w.key("channels").integer(s.channels);
            w.key("channel_layout").string(s.channelLayout);
            w.key("sample_fmt").string(s.sampleFmt);
        }
        w.endObject();
    }
    w.endArray();
    if (!m.decoderAsked.empty()) {
        w.key("decoder").beginObject();
        w.key("running").string(m.decoderRunning);
        w.key("hwdec").string(m.decoderAsked);
        w.key("why").string(m.decoderWhy);
        w.endObject();
    }
    w.endObject();
    return w.take() + "\n";
}

// Decode until the frame on screen at atNs (or frame number N from the
// start), exactly: seek to the keyframe before, decode and discard. When the
// first frame decoded is already past the target, seek further back.
Result<AvFramePtr> exactFrame(Input &in, int vidx, AVCodecContext *dec, const ThumbRequest &req) {
    AVStream *st = in.fmt()->streams[vidx];
    PacketPtr pkt(av_packet_alloc());
    AvFramePtr frame = allocFrame(), best = allocFrame();
    const int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    const bool byFrame = req.frame >= 0;
    const int64_t target = byFrame ? 0 : ts::add(start, ts::fromNs(req.atNs, st->time_base));
    int64_t margin = 0;
    for (int attempt = 0; attempt < 8; ++attempt) {
        int64_t seekTo = byFrame ? start : ts::sub(target, margin);
        if (attempt > 0 || (!byFrame && seekTo > start)) {   // a fresh open is at the start
            if (avformat_seek_file(in.fmt(), vidx, INT64_MIN, seekTo, seekTo, 0) < 0 && seekTo > start)
                avformat_seek_file(in.fmt(), vidx, INT64_MIN, start, start, 0);
            avcodec_flush_buffers(dec);
        }
        bool haveBest = false, overshoot = false, draining = false;
        int64_t count = 0;
        for (;;) {
            int r = avcodec_receive_frame(dec, frame.get());
            if (r >= 0) {
                int64_t pts = frame->best_effort_timestamp;
                bool isTarget = false, past = false;
                if (byFrame) {
                    isTarget = count == req.frame;
                    past = count > req.frame;
                    ++count;
                } else if (pts == AV_NOPTS_VALUE || pts <= target) {
                    isTarget = true;   // the latest frame not after the target so far
                } else {
                    past = true;
                }
                if (isTarget) {
                    av_frame_unref(best.get());
                    av_frame_move_ref(best.get(), frame.get());
                    haveBest = true;
                    if (byFrame) return best;
                    continue;
                }
                av_frame_unref(frame.get());
                if (past) {
                    if (!haveBest) overshoot = true;
                    break;
                }
                continue;
            }
            if (r == AVERROR_EOF) break;
            if (r != AVERROR(EAGAIN)) continue;   // a broken frame: skip it
            if (draining) break;
            r = av_read_frame(in.fmt(), pkt.get());
            if (r < 0) {
                draining = true;
                avcodec_send_packet(dec, nullptr);
                continue;
            }
            if (pkt->stream_index == vidx) avcodec_send_packet(dec, pkt.get());
            av_packet_unref(pkt.get());
        }
        if (haveBest && !overshoot) return best;
        if (byFrame) break;
        if (!haveBest && target <= start) break;
        // The keyframe index put us past the target: go further back.
        margin = margin ? ts::clamp(margin * 2) : ts::fromNs(1000000000, st->time_base);
    }
    if (byFrame) return Error::make(ErrorKind::Usage, "the file has fewer frames than asked for");
    return Error::make(ErrorKind::Decode, "no frame could be decoded at that time");
}

Result<void> writeThumb(const std::string &path, const std::string &outPng, const ThumbRequest &req) {
    auto in = Input::open(path, req.useMmap);
    if (!in) return in.takeError();
    const int vidx = in.value()->bestVideoStream();
    if (vidx < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
    AVStream *st = in.value()->fmt()->streams[vidx];
    auto dec = openDecoder(path, st, req.threads);
    if (!dec) return dec.takeError();
    auto fr = exactFrame(*in.value(), vidx, dec.value().get(), req);
    if (!fr) return fr.takeError();
    auto rgb = frameToRgb(fr.value().get(), in.value()->videoSpec(vidx), req.width);
    if (!rgb) return rgb.takeError();
    return writePngRgb(outPng, rgb.value()->data[0], rgb.value()->width, rgb.value()->height, rgb.value()->linesize[0]);
}

Result<void> writePngFrame(const std::string &outPng, const AVFrame *frame, const StreamSpec &spec) {
    auto rgb = frameToRgb(frame, spec, 0);
    if (!rgb) return rgb.takeError();
    return writePngRgb(outPng, rgb.value()->data[0], rgb.value()->width, rgb.value()->height, rgb.value()->linesize[0]);
}

Result<AvFramePtr> frameToRgb(const AVFrame *src, const StreamSpec &spec, int width) {
    double sar = spec.sarNum > 0 && spec.sarDen > 0 ? double(spec.sarNum) / spec.sarDen : 1.0;
    if (src->sample_aspect_ratio.num > 0 && src->sample_aspect_ratio.den > 0)
        sar = av_q2d(src->sample_aspect_ratio);
    double dispW = src->width * sar, dispH = src->height;
    if (swapsAxes(spec.orientation)) std::swap(dispW, dispH);
    int w = width > 0 ? width : static_cast<int>(std::lround(dispW));
    int h = static_cast<int>(std::lround(w * dispH / dispW));
    if (w < 1) w = 1;
    if (h < 1) h = 1;

    ScaleTarget t;
    t.width = w;
    t.height = h;
    t.pixFmt = AV_PIX_FMT_RGB24;
    t.orientation = spec.orientation;
    t.quality = ScaleQuality::Good;
    Scaler scaler;
    AvFramePtr rgb = allocFrame();
    if (auto r = scaler.convert(src, t, rgb.get()); !r) return r.takeError();
    rgb->width = w;
    rgb->height = h;
    return rgb;
}

Result<void> writePngRgb(const std::string &outPng, const uint8_t *rgb, int w, int h, int stride) {
    const AVCodec *png = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!png) return Error::make(ErrorKind::Internal, "FFmpeg has no PNG encoder");
    CodecCtxPtr enc(avcodec_alloc_context3(png));
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_RGB24;
    enc->time_base = AVRational{1, 25};
    int r = avcodec_open2(enc.get(), png, nullptr);
    if (r < 0) return avError(ErrorKind::Internal, outPng, "avcodec_open2(png)", r);
    AvFramePtr frame = allocFrame();
    frame->width = w;
    frame->height = h;
    frame->format = AV_PIX_FMT_RGB24;
    frame->data[0] = const_cast<uint8_t *>(rgb);
    frame->linesize[0] = stride;
    PacketPtr pkt(av_packet_alloc());
    if ((r = avcodec_send_frame(enc.get(), frame.get())) < 0 ||
        (r = avcodec_receive_packet(enc.get(), pkt.get())) < 0)
        return avError(ErrorKind::Internal, outPng, "PNG encoding", r);
    // Written beside the target and renamed over it: an interrupted batch
    // leaves no half-written PNG under the asked name.
    const std::string tmp = outPng + ".part";
    FILE *f = std::fopen(tmp.c_str(), "wb");
    if (!f) return Error::make(ErrorKind::Output, std::string("cannot write ") + outPng + ": " + std::strerror(errno));
    size_t wrote = std::fwrite(pkt->data, 1, static_cast<size_t>(pkt->size), f);
    if (std::fclose(f) != 0 || wrote != static_cast<size_t>(pkt->size) || std::rename(tmp.c_str(), outPng.c_str()) != 0) {
        const int e = errno;
        std::remove(tmp.c_str());
        return Error::make(ErrorKind::Output, std::string("cannot write ") + outPng + ": " + std::strerror(e));
    }
    return {};
}

} // namespace qv
