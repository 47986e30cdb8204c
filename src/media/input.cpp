#include "input.h"

#include "qv/core/log.h"
#include "qv/media/capture.h"
#include "qv/media/ts_math.h"

#include <algorithm>
#include <cerrno>
#include <thread>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace qv {
namespace {
int gFfVerbose = 0;

void ffLogCallback(void *avcl, int level, const char *fmt, va_list vl) {
    if (level > AV_LOG_WARNING && gFfVerbose < 2) return;
    if (gFfVerbose == 0) return;
    if (level > AV_LOG_VERBOSE) return;
    char line[1024];
    static thread_local int printPrefix = 1;
    av_log_format_line(avcl, level, fmt, vl, line, sizeof line, &printPrefix);
    size_t n = std::strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n) log::warn("ffmpeg: %s", line);
}

bool isUrl(const std::string &p) { return p.find("://") != std::string::npos; }

int interruptCb(void *opaque) {
    const auto *flag = static_cast<const std::atomic<bool> *>(opaque);
    return flag && flag->load(std::memory_order_relaxed) ? 1 : 0;
}
} // namespace

void initFfmpegLogging(int verbose) {
    gFfVerbose = verbose;
    av_log_set_callback(ffLogCallback);
}

Error avError(ErrorKind kind, const std::string &path, const char *what, int err) {
    Error e = Error::make(kind, std::string(what) + ": " + ff::errText(err),
                          std::string(what) + "(" + path + ")");
    e.source = ErrorSource::FFmpeg;
    e.native = err;
    return e;
}

Result<std::unique_ptr<Input>> Input::open(const std::string &path, bool useMmap, const std::atomic<bool> *interrupt,
                                           const std::vector<std::pair<std::string, std::string>> *avOptions) {
    std::unique_ptr<Input> in(new Input());
    in->path_ = path;
    bool regular = false;
    // A camera: libavdevice's video4linux2 input on the device node, with
    // the URL's parameters as its options.
    CaptureInput cap;
    std::string capErr;
    const bool capture = looksLikeCapture(path);
    ff::InputFormatPtr capFmt = nullptr;
    if (capture) {
        if (!parseCaptureInput(path, cap, capErr)) return Error::make(ErrorKind::Usage, capErr);
        struct stat st {};
        if (::stat(cap.device.c_str(), &st) != 0) {
            Error e = Error::make(ErrorKind::Open, std::strerror(errno), "stat(" + cap.device + ")");
            e.source = ErrorSource::Posix;
            e.native = errno;
            return e;
        }
        if (!S_ISCHR(st.st_mode)) return Error::make(ErrorKind::Open, cap.device + " is not a capture device");
        capFmt = captureFormat();
        if (!capFmt)
            return Error::make(ErrorKind::Open, captureBuiltIn() ? "this FFmpeg has no V4L2 input (video4linux2)"
                                                                 : "camera input needs libavdevice: this qv was built without it");
    } else if (!isUrl(path) && path != "-") {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            Error e = Error::make(ErrorKind::Open, std::strerror(errno), "stat(" + path + ")");
            e.source = ErrorSource::Posix;
            e.native = errno;
            return e;
        }
        if (S_ISDIR(st.st_mode)) return Error::make(ErrorKind::Open, "is a directory");
        regular = S_ISREG(st.st_mode);
        in->regular_ = regular;
        if (regular && st.st_size == 0) return Error::make(ErrorKind::Format, "empty file (0 bytes)");
        if (::access(path.c_str(), R_OK) != 0) {
            Error e = Error::make(ErrorKind::Open, std::strerror(errno), "access(" + path + ")");
            e.native = errno;
            return e;
        }
    }

    AVFormatContext *fmt = avformat_alloc_context();
    if (!fmt) return Error::make(ErrorKind::Internal, "out of memory");
    if (interrupt) {
        fmt->interrupt_callback.callback = &interruptCb;
        fmt->interrupt_callback.opaque = const_cast<std::atomic<bool> *>(interrupt);
    }
    if (regular && useMmap) {
        auto io = MmapInput::open(path);
        if (!io) {
            avformat_free_context(fmt);
            return io.takeError();
        }
        in->io_ = std::move(io.value());
        fmt->pb = in->io_->avio();
        fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    const std::string url = capture ? cap.device : path == "-" ? "pipe:0" : path;
    AVDictionary *dict = nullptr;
    for (const auto &kv : cap.options) av_dict_set(&dict, kv.first.c_str(), kv.second.c_str(), 0);
    if (avOptions)
        for (const auto &kv : *avOptions) av_dict_set(&dict, kv.first.c_str(), kv.second.c_str(), 0);
    int r = avformat_open_input(&fmt, url.c_str(), capFmt, &dict);   // frees fmt on failure
    // What is left in the dictionary was taken by nobody: a typo, or an
    // option of another protocol.
    for (const AVDictionaryEntry *e = av_dict_get(dict, "", nullptr, AV_DICT_IGNORE_SUFFIX); e && r >= 0;
         e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX))
        log::warn("%s: option %s=%s is not known to this input (ignored)", path.c_str(), e->key, e->value);
    av_dict_free(&dict);
    if (r == AVERROR_EXIT) return Error::make(ErrorKind::Open, "interrupted", "avformat_open_input(" + path + ")");
    if (r < 0 && capture)   // busy, not a capture node (ENOTTY), a mode it does not offer (EINVAL), unplugged
        return Error::make(ErrorKind::Open, "cannot capture from " + cap.device + " (" + ff::errText(r) + ")",
                           "avformat_open_input(" + path + ")");
    if (r < 0) {
        // Nothing there, not allowed, or no server: an open failure, not a
        // format one.
        if (r == AVERROR(ENOENT) || r == AVERROR(EACCES) || r == AVERROR(ECONNREFUSED) ||
            r == AVERROR(EHOSTUNREACH) || r == AVERROR(ENETUNREACH) || r == AVERROR(ETIMEDOUT) ||
            r == AVERROR_HTTP_BAD_REQUEST || r == AVERROR_HTTP_UNAUTHORIZED || r == AVERROR_HTTP_FORBIDDEN ||
            r == AVERROR_HTTP_NOT_FOUND || r == AVERROR_HTTP_OTHER_4XX || r == AVERROR_HTTP_SERVER_ERROR ||
            r == AVERROR_PROTOCOL_NOT_FOUND)
            return Error::make(ErrorKind::Open, "cannot open (" + ff::errText(r) + ")", "avformat_open_input(" + path + ")");
        return Error::make(ErrorKind::Format,
                           "not a playable media file (" + ff::errText(r) + ")",
                           "avformat_open_input(" + path + ")");
    }
    in->fmt_.reset(fmt);
    // An SDP file is read once for the RTP session it describes: a stream
    // (no second demuxer for an index, which would listen on its ports).
    if (std::strcmp(fmt->iformat->name, "sdp") == 0) in->regular_ = false;
    r = avformat_find_stream_info(fmt, nullptr);
    if (r == AVERROR_EXIT) return Error::make(ErrorKind::Open, "interrupted", "avformat_find_stream_info(" + path + ")");
    if (r < 0)
        return Error::make(ErrorKind::Format, "cannot read the streams (" + ff::errText(r) + ")",
                           "avformat_find_stream_info(" + path + ")");
    return in;
}

int Input::bestVideoStream() const {
    int best = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (best >= 0 && !ff::isAttachedPic(fmt_->streams[best])) return best;
    for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
        const AVStream *st = fmt_->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !ff::isAttachedPic(st))
            return static_cast<int>(i);
    }
    return -1;
}

StreamSpec Input::videoSpec(int index) const {
    StreamSpec s;
    AVStream *st = fmt_->streams[index];
    const AVCodecParameters *p = st->codecpar;
    const char *slash = std::strrchr(path_.c_str(), '/');
    s.title = slash ? slash + 1 : path_;
    s.width = p->width;
    s.height = p->height;
    s.pixFmt = p->format;
    AVRational sar = av_guess_sample_aspect_ratio(fmt_.get(), st, nullptr);
    // As the container/codec says: 0/1 when unknown (treated as 1:1).
    s.sarNum = sar.num > 0 && sar.den > 0 ? sar.num : 0;
    s.sarDen = sar.num > 0 && sar.den > 0 ? sar.den : 1;
    s.orientation = orientationFromMatrix(ff::displayMatrix(st));
    AVRational fr = av_guess_frame_rate(fmt_.get(), st, nullptr);
    if (fr.num > 0 && fr.den > 0) {
        s.fpsNum = fr.num;
        s.fpsDen = fr.den;
    }
    if (fmt_->duration > 0)
        s.durationNs = ts::rescale(fmt_->duration, AVRational{1, AV_TIME_BASE}, AVRational{1, 1000000000});
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
        s.durationNs = ts::toNs(st->duration, st->time_base);
    if (st->start_time != AV_NOPTS_VALUE && fmt_->start_time != AV_NOPTS_VALUE)
        s.startOffsetNs = ts::sub(ts::toNs(st->start_time, st->time_base),
                                  ts::rescale(fmt_->start_time, AVRational{1, AV_TIME_BASE}, AVRational{1, 1000000000}));
    if (st->nb_frames > 0) s.frameCountEstimate = st->nb_frames;
    else if (s.durationNs > 0)
        s.frameCountEstimate = av_rescale(s.durationNs, s.fpsNum, int64_t(s.fpsDen) * 1000000000);
    const AVCodecDescriptor *d = avcodec_descriptor_get(p->codec_id);
    s.codec = d ? d->name : "unknown";
    return s;
}

Result<CodecCtxPtr> openDecoder(const std::string &path, AVStream *st, int threads, bool lowDelay) {
    ff::CodecPtr codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec) {
        const AVCodecDescriptor *d = avcodec_descriptor_get(st->codecpar->codec_id);
        return Error::make(ErrorKind::Decode,
                           std::string("no decoder for codec ") + (d ? d->name : "unknown"),
                           "avcodec_find_decoder(" + path + ")");
    }
    CodecCtxPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) return Error::make(ErrorKind::Internal, "out of memory");
    int r = avcodec_parameters_to_context(ctx.get(), st->codecpar);
    if (r < 0) return avError(ErrorKind::Decode, path, "avcodec_parameters_to_context", r);
    ctx->pkt_timebase = st->time_base;
    // 0: one thread per core. Measured (docs/PERFORMANCE.md): FFmpeg's own
    // choice (cores + 1 frame threads) took 1.14x the wall time of
    // `ffmpeg -threads 2` on 2 cores; one per core matches it.
    if (threads <= 0) threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
    ctx->thread_count = threads;
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (lowDelay) {
        // --latency=low: frame threads hold a frame back per thread; slices
        // only, and the decoder's low-delay flag (no reordering delay).
        ctx->thread_type = FF_THREAD_SLICE;
        ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
    }
    r = avcodec_open2(ctx.get(), codec, nullptr);
    if (r < 0) return avError(ErrorKind::Decode, path, "cannot open the decoder", r);
    return ctx;
}

} // namespace qv
