#include "qv/media/hwdec_probe.h"

#include "input.h"
#include "qv/media/frame_hash.h"
#include "qv/media/source.h"
#include "qv/sync/clock.h"

#include <algorithm>

namespace qv {

namespace {
constexpr int kStepsAfterSeek = 2;

void digest(FrameHasher &hasher, FrameRef &fr, FrameDigest &d) {
    char hex[33];
    d.pts = fr.info.pts;
    d.md5 = hasher.hash(fr.frame.get(), hex, nullptr) ? hex : "?";
    d.hardware = std::string(fr.info.decoder) != "software";
    d.fmt = pixelFormatName(fr.frame->format);
    d.ordinal = fr.info.ordinalExact ? fr.info.ordinal : -1;
}

// Exact seeks through the same decoder: to two-thirds then steps, back to a
// third (a flush mid-stream) then steps.
void checkSeeks(VideoSource &s, int64_t count, DecodeRun &run) {
    s.startIndex();
    if (!s.waitIndex()) return;
    FrameHasher hasher;
    FrameRef fr;
    for (const int64_t target : {count * 2 / 3, count / 3}) {
        SeekCheck c;
        c.ordinal = target;
        if (auto r = s.seekToOrdinal(target, 0); !r) {
            c.error = r.error().message;
            run.seeks.push_back(c);
            continue;
        }
        while (static_cast<int>(c.frames.size()) <= kStepsAfterSeek) {
            auto r = s.next(fr);
            if (!r || r.value() != NextStatus::Frame) {
                c.error = r ? "the end came first" : r.error().message;
                break;
            }
            if (fr.info.ordinalExact && fr.info.ordinal < target) {   // decoded from the keyframe before
                fr.reset();
                continue;
            }
            FrameDigest d;
            digest(hasher, fr, d);
            fr.reset();
            c.frames.push_back(d);
        }
        run.seeks.push_back(c);
    }
}
} // namespace

Result<DecodeRun> decodeAll(const std::string &path, const HwdecRequest &req, bool useMmap, int64_t maxFrames) {
    SourceOptions so;
    so.useMmap = useMmap;
    so.hwdec = req;
    so.quietFallback = true;
    auto src = openFileSource(path, so);
    if (!src) return src.takeError();
    VideoSource &s = *src.value();
    DecodeRun run;
    run.codec = s.spec().codec;
    FrameHasher hasher;
    FrameRef fr;
    const int64_t t0 = monotonicNs();
    // Hardware asked for and nothing opened: nothing to compare.
    const bool wantHw = req.mode == HwdecRequest::Mode::List || req.mode == HwdecRequest::Mode::Auto;
    if (wantHw && s.hwdecStatus()->tried.empty()) maxFrames = 0;
    while (maxFrames < 0 || static_cast<int64_t>(run.frames.size()) < maxFrames) {
        auto r = s.next(fr);
        if (!r) {
            run.error = r.error().message;
            break;
        }
        if (r.value() != NextStatus::Frame) break;
        FrameDigest d;
        digest(hasher, fr, d);
        run.frames.push_back(d);
        fr.reset();
        if (wantHw && !d.hardware) break;   // FFmpeg fell back to software: unavailable for this stream
    }
    run.seconds = static_cast<double>(monotonicNs() - t0) / 1e9;
    const bool allHw = !run.frames.empty() && std::all_of(run.frames.begin(), run.frames.end(), [](const FrameDigest &d) { return d.hardware; });
    if (wantHw && allHw && run.error.empty() && run.frames.size() >= 6 && maxFrames < 0)
        checkSeeks(s, static_cast<int64_t>(run.frames.size()), run);
    run.status = *s.hwdecStatus();
    return run;
}

namespace {
// What differs between software's frame a and the hardware's b ("": nothing).
std::string frameDifference(const FrameDigest &a, const FrameDigest &b) {
    if (!b.hardware) return "made in software";
    if (a.fmt != b.fmt) return "pixel format " + b.fmt + ", software " + a.fmt;
    if (a.md5 != b.md5) return "picture (md5)";
    if (a.pts != b.pts) return "pts";
    return {};
}
} // namespace

std::string decoderKind(const std::string &name) {
    if (isHwaccelName(name)) return "hwaccel";
    if (isWrapperDecoder(name)) return "wrapper";
    return avcodec_find_decoder_by_name(name.c_str()) ? "decoder" : "unknown";
}

ProbeVerdict judgeRuns(const std::string &name, const DecodeRun &sw, const DecodeRun &hw) {
    ProbeVerdict v;
    size_t hwFrames = 0;
    for (const auto &f : hw.frames) hwFrames += f.hardware;
    if (hwFrames == 0) {
        v.verdict = "unavailable";
        v.detail = !hw.status.why.empty() ? hw.status.why
                   : !hw.error.empty()    ? name + ": " + hw.error
                                          : name + ": no frame came out of it";
        return v;
    }
    const size_t n = std::min(sw.frames.size(), hw.frames.size());
    for (size_t k = 0; k < n; ++k) {
        const FrameDigest &a = sw.frames[k], &b = hw.frames[k];
        const std::string what = frameDifference(a, b);
        if (!what.empty()) {
            v.verdict = "differs";
            v.firstDifference = static_cast<int64_t>(k);
            v.detail = "at frame " + std::to_string(k) + ": " + what;
            return v;
        }
    }
    if (sw.frames.size() != hw.frames.size() || !hw.error.empty()) {
        v.verdict = "differs";
        v.firstDifference = static_cast<int64_t>(n);
        v.detail = "frame count " + std::to_string(hw.frames.size()) + ", software " + std::to_string(sw.frames.size()) +
                   (hw.error.empty() ? "" : " (" + hw.error + ")");
        return v;
    }
    // After exact seeks: the frame asked for, then the steps, as software's.
    std::string seeks;
    for (const SeekCheck &c : hw.seeks) {
        const std::string at = "after a seek to frame " + std::to_string(c.ordinal) + ": ";
        auto differs = [&](int64_t k, const std::string &what) {
            v.verdict = "differs";
            v.firstDifference = k;
            v.detail = at + what;
            return v;
        };
        if (!c.error.empty()) return differs(c.ordinal, c.error);
        for (size_t i = 0; i < c.frames.size(); ++i) {
            const FrameDigest &b = c.frames[i];
            const int64_t want = c.ordinal + static_cast<int64_t>(i);
            if (b.ordinal != want) return differs(want, "frame " + std::to_string(b.ordinal) + " came instead of " + std::to_string(want));
            if (want >= static_cast<int64_t>(sw.frames.size())) return differs(want, "past software's last frame");
            const FrameDigest &a = sw.frames[static_cast<size_t>(want)];
            const std::string what = frameDifference(a, b);
            if (!what.empty()) return differs(want, "frame " + std::to_string(want) + ": " + what);
        }
        seeks += (seeks.empty() ? ", exact seeks to " : " and ") + std::to_string(c.ordinal);
    }
    v.verdict = "exact";
    v.detail = std::to_string(hw.frames.size()) + " frames" + seeks + (seeks.empty() ? "" : " with steps");
    return v;
}

Result<void> writeProbeClip(const std::string &path) {
    ff::CodecPtr enc = avcodec_find_encoder_by_name("libx264");
    const bool h264 = enc != nullptr;
    if (!enc) enc = avcodec_find_encoder(AV_CODEC_ID_MPEG2VIDEO);
    if (!enc) return Error::make(ErrorKind::Internal, "this FFmpeg has neither libx264 nor an MPEG-2 encoder");
    auto demo = openDemoSource(320, 240, 25, 2);
    AVFormatContext *fmt = nullptr;
    int r = avformat_alloc_output_context2(&fmt, nullptr, "matroska", path.c_str());
    if (r < 0 || !fmt) return avError(ErrorKind::Output, path, "cannot make the probe clip", r);
    CodecCtxPtr c(avcodec_alloc_context3(enc));
    AVStream *st = avformat_new_stream(fmt, nullptr);
    auto fail = [&](const char *what, int err) {
        if (fmt->pb) avio_closep(&fmt->pb);
        avformat_free_context(fmt);
        return avError(ErrorKind::Output, path, what, err);
    };
    if (!c || !st) return fail("out of memory", AVERROR(ENOMEM));
    c->width = 320;
    c->height = 240;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{1, 25};
    c->framerate = AVRational{25, 1};
    c->gop_size = 25;
    c->max_b_frames = 2;
    c->thread_count = 1;
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *o = nullptr;
    if (h264) av_dict_set(&o, "preset", "veryfast", 0);
    r = avcodec_open2(c.get(), enc, &o);
    av_dict_free(&o);
    if (r < 0) return fail("cannot open the encoder", r);
    avcodec_parameters_from_context(st->codecpar, c.get());
    st->time_base = c->time_base;
    if ((r = avio_open(&fmt->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0) return fail("cannot write", r);
    if ((r = avformat_write_header(fmt, nullptr)) < 0) return fail("cannot write", r);
    PacketPtr pkt(av_packet_alloc());
    FrameRef fr;
    int64_t n = 0;
    auto drain = [&]() -> int {
        int e;
        while ((e = avcodec_receive_packet(c.get(), pkt.get())) >= 0) {
            av_packet_rescale_ts(pkt.get(), c->time_base, st->time_base);
            pkt->stream_index = st->index;
            if ((e = av_interleaved_write_frame(fmt, pkt.get())) < 0) return e;
        }
        return e == AVERROR(EAGAIN) || e == AVERROR_EOF ? 0 : e;
    };
    for (;;) {
        auto got = demo->next(fr);
        const bool end = !got || got.value() != NextStatus::Frame;
        if (!end) fr.frame->pts = n++;
        r = avcodec_send_frame(c.get(), end ? nullptr : fr.frame.get());
        if (r >= 0) r = drain();
        fr.reset();
        if (r < 0) return fail("cannot encode the probe clip", r);
        if (end) break;
    }
    if ((r = av_write_trailer(fmt)) < 0) return fail("cannot write", r);
    avio_closep(&fmt->pb);
    avformat_free_context(fmt);
    return {};
}

} // namespace qv
