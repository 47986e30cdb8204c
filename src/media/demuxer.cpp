#include "qv/media/demuxer.h"

#include "input.h"
#include "rtp_source.h"
#include "qv/core/log.h"
#include "qv/media/capture.h"
#include "qv/media/ts_math.h"
#include "qv/sync/clock.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <cstring>
#include <strings.h>
#include <sys/stat.h>

namespace qv {

void AvPacketDeleter::operator()(AVPacket *p) const { av_packet_free(&p); }
AvPacketPtr allocPacket() { return AvPacketPtr(av_packet_alloc()); }

Demuxer::~Demuxer() = default;

bool isLiveUrl(const std::string &p) {
    if (looksLikeCapture(p)) return true;   // a camera
    for (const char *s : {"udp://", "rtp://", "srt://", "rtsp://", "rtsps://", "rtmp://", "tcp://"})
        if (p.compare(0, std::strlen(s), s) == 0) return true;
    return isSdpFile(p);
}

std::string withoutCredentials(const std::string &url) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const size_t start = scheme + 3;
    const size_t end = url.find_first_of("/?#", start);
    const size_t at = url.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at == std::string::npos || at < start) return url;
    return url.substr(0, start) + url.substr(at + 1);
}

// An SDP file describes an RTP session (FFmpeg's sdp demuxer listens on
// the ports it names).
bool isSdpFile(const std::string &p) { return p.size() > 4 && strcasecmp(p.c_str() + p.size() - 4, ".sdp") == 0; }

bool isPipeInput(const std::string &p) {
    if (p == "-" || p.compare(0, 5, "pipe:") == 0) return true;
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

const std::string &Demuxer::path() const { return path_; }
AVFormatContext *Demuxer::fmt() const { return rtp_ ? rtp_->fmt() : in_->fmt(); }
bool Demuxer::isStream() const { return rtp_ || in_->isStream(); }
int64_t Demuxer::durationNs() const {
    const int64_t d = fmt()->duration;
    return d > 0 ? ts::rescale(d, AVRational{1, AV_TIME_BASE}, AVRational{1, 1000000000}) : 0;
}
AVStream *Demuxer::videoStream() const { return vidx_ >= 0 ? fmt()->streams[vidx_] : nullptr; }
AVStream *Demuxer::audioStream() const { return aidx_ >= 0 ? fmt()->streams[aidx_] : nullptr; }
int64_t Demuxer::rtpLost() const { return rtp_ ? rtp_->counters().lost : -1; }
int64_t Demuxer::rtpBroken() const { return rtp_ ? rtp_->brokenUnits() : -1; }

Result<std::unique_ptr<Demuxer>> Demuxer::open(const std::string &path, const DemuxOptions &opt) {
    return openImpl(path, opt, false);
}
Result<std::unique_ptr<Demuxer>> Demuxer::openAny(const std::string &path, const DemuxOptions &opt) {
    return openImpl(path, opt, true);
}

Result<std::unique_ptr<Demuxer>> Demuxer::openImpl(const std::string &path, const DemuxOptions &opt, bool any) {
    const bool rtsp = strncasecmp(path.c_str(), "rtsp://", 7) == 0;
    if (opt.lowLatency && opt.ownRtp && (isSdpFile(path) || rtsp)) {
        // RTP's own H.264/HEVC payload: FFmpeg's depacketizer loses the
        // marker bit, so its parser holds every frame until the next one
        // begins. qv receives the session itself where it can (the sound
        // beside it too).
        std::string whyNot;
        auto rtp = rtsp ? RtpSource::openRtsp(path, opt.avOptions, opt.interrupt, !opt.audio, whyNot)
                        : RtpSource::open(path, opt.interrupt, !opt.audio, whyNot);
        if (!rtp) return rtp.takeError();
        if (rtp.value()) {
            std::unique_ptr<Demuxer> d(new Demuxer());
            d->path_ = path;
            d->rtp_ = std::move(rtp.value());
            d->vidx_ = 0;
            d->aidx_ = d->rtp_->hasAudio() ? 1 : -1;
            d->live_ = true;
            d->spec_ = d->rtp_->spec();
            // The time line starts at the first packet received (its pts 0):
            // the decoders of the window's snapshots count from there too.
            d->originPts_ = 0;
            return d;
        }
        log::info("%s: received by FFmpeg (%s): each frame waits for the next one to begin", path.c_str(), whyNot.c_str());
    }
    std::vector<std::pair<std::string, std::string>> av;
    if (opt.lowLatency) {
        // No probe delay: enough to find the stream's parameters on its first
        // keyframe, no more; no buffering of packets while probing.
        av.emplace_back("fflags", "nobuffer");
        av.emplace_back("probesize", "131072");
        av.emplace_back("analyzeduration", "500000");
    }
    // The RTP session an SDP file names: read through the file protocol
    // (--no-mmap), FFmpeg would allow only that protocol's own whitelist.
    if (isSdpFile(path)) av.emplace_back("protocol_whitelist", "file,udp,rtp,crypto,data");
    av.insert(av.end(), opt.avOptions.begin(), opt.avOptions.end());   // later ones win
    auto in = Input::open(path, opt.useMmap, opt.interrupt, &av);
    if (!in) return in.takeError();
    std::unique_ptr<Demuxer> d(new Demuxer());
    d->path_ = path;
    d->in_ = std::move(in.value());
    AVFormatContext *fmt = d->in_->fmt();
    d->vidx_ = d->in_->bestVideoStream();
    if (opt.audio) d->aidx_ = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, d->vidx_, nullptr, 0);
    if (d->aidx_ < 0) d->aidx_ = -1;
    if (d->vidx_ < 0 && !(any && d->aidx_ >= 0)) return Error::make(ErrorKind::NoVideo, "no video stream");
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (static_cast<int>(i) != d->vidx_ && static_cast<int>(i) != d->aidx_) fmt->streams[i]->discard = AVDISCARD_ALL;
    d->live_ = d->in_->isStream();
    const ff::InputFormatPtr ifmt = fmt->iformat;
    // MPEG-TS bare, or as the payload of RTP (RFC 2250; FFmpeg's rtp and
    // rtsp demuxers parse it with the MPEG-TS demuxer, whose PMT makes the
    // programs): not RTP's own H.264 payload, whose packets are NAL units.
    const bool mpegts = std::strcmp(ifmt->name, "mpegts") == 0 ||
                        ((std::strcmp(ifmt->name, "rtp") == 0 || std::strcmp(ifmt->name, "rtsp") == 0 ||
                          std::strcmp(ifmt->name, "sdp") == 0) && fmt->nb_programs > 0);
    if (opt.lowLatency && d->vidx_ >= 0 && mpegts) {
        // --latency=low on MPEG-TS: each video PES is a whole frame. FFmpeg's
        // parser otherwise finds where a frame ends only where the next one
        // begins: one frame interval later (tools/bench latency). The frame
        // the parser held while probing is lost (one, before playback).
        if (AVCodecParserContext *pc = av_stream_get_parser(fmt->streams[d->vidx_]))
            pc->flags |= PARSER_FLAG_COMPLETE_FRAMES;
    }
    d->byteSeek_ = !(ifmt->flags & AVFMT_NO_BYTE_SEEK) && ((ifmt->flags & AVFMT_TS_DISCONT) || !ff::demuxerSeeksByTime(ifmt));
    if (d->vidx_ >= 0) {
        d->spec_ = d->in_->videoSpec(d->vidx_);
        const AVStream *st = fmt->streams[d->vidx_];
        if (st->start_time != AV_NOPTS_VALUE) {
            d->originPts_ = st->start_time;
            d->originNs_ = ts::toNs(st->start_time, st->time_base);
        }
    } else if (d->aidx_ >= 0) {
        const AVStream *st = fmt->streams[d->aidx_];
        if (st->start_time != AV_NOPTS_VALUE)
            d->originNs_ = ts::toNs(st->start_time, st->time_base);
    }
    return d;
}

void Demuxer::continueFrom(const Demuxer &old) {
    lastDtsNs_ = old.lastDtsNs_;
    lastDurNs_ = old.lastDurNs_;
    offsetNs_ = old.offsetNs_;
    jumps_ = old.jumps_;
}

void Demuxer::foldJumps(AVPacket *pkt, const AVStream *st, bool video) {
    const int64_t raw = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    if (video && raw != AV_NOPTS_VALUE) {
        int64_t d = ts::add(ts::toNs(raw, st->time_base), offsetNs_);
        if (lastDtsNs_ != INT64_MIN) {
            const int64_t delta = ts::sub(d, lastDtsNs_);
            if (delta < -500000000LL || delta > 10000000000LL) {
                const int64_t step = lastDurNs_ > 0 ? lastDurNs_ : 33333333;
                offsetNs_ = ts::clamp(ts::add(offsetNs_, ts::sub(ts::add(lastDtsNs_, step), d)));
                ++jumps_;
                log::info("%s: timestamps jumped by %.3f s; the timeline goes on", path_.c_str(), delta / 1e9);
                d = ts::add(lastDtsNs_, step);
            }
        }
        lastDtsNs_ = d;
        if (pkt->duration > 0) lastDurNs_ = ts::toNs(pkt->duration, st->time_base);
    }
    if (offsetNs_ == 0) return;
    const int64_t off = ts::fromNs(offsetNs_, st->time_base);
    if (pkt->pts != AV_NOPTS_VALUE) pkt->pts = ts::add(pkt->pts, off);
    if (pkt->dts != AV_NOPTS_VALUE) pkt->dts = ts::add(pkt->dts, off);
}

void Demuxer::dropAudio() {
    if (aidx_ < 0) return;
    fmt()->streams[aidx_]->discard = AVDISCARD_ALL;
    aidx_ = -1;
}

bool Demuxer::read(PacketRef &out) {
    if (!out.pkt) out.pkt = allocPacket();
    AVFormatContext *fmt = this->fmt();
    for (;;) {
        av_packet_unref(out.pkt.get());
        if (rtp_) {
            if (!rtp_->next(out.pkt.get(), out.recvNs)) return false;
        }
        const int r = rtp_ ? 0 : av_read_frame(fmt, out.pkt.get());
        if (r == AVERROR(EAGAIN)) continue;
        if (r < 0) {
            if (r != AVERROR_EOF && r != AVERROR_EXIT)
                log::info("%s: read error, treating as end: %s", in_->path().c_str(), ff::errText(r).c_str());
            return false;
        }
        const int si = out.pkt->stream_index;
        if (si != vidx_ && si != aidx_) continue;
        if (!rtp_) out.recvNs = monotonicNs();
        const AVStream *st = fmt->streams[si];
        if (live_) foldJumps(out.pkt.get(), st, si == vidx_);
        out.kind = si == vidx_ ? StreamKind::Video : StreamKind::Audio;
        const int64_t t = out.pkt->pts != AV_NOPTS_VALUE ? out.pkt->pts : out.pkt->dts;
        out.ptsNs = t != AV_NOPTS_VALUE ? ts::sub(ts::toNs(t, st->time_base), originNs_) : INT64_MIN;
        out.durationNs = out.pkt->duration > 0 ? ts::toNs(out.pkt->duration, st->time_base) : 0;
        out.size = out.pkt->size;
        out.key = (out.pkt->flags & AV_PKT_FLAG_KEY) != 0;
        return true;
    }
}

int Demuxer::seekStart() {
    if (rtp_) return AVERROR(ESPIPE);
    AVFormatContext *fmt = in_->fmt();
    const int si = vidx_ >= 0 ? vidx_ : aidx_;
    const int64_t start = originPts_ != INT64_MIN ? originPts_ : 0;
    int r = si >= 0 ? avformat_seek_file(fmt, si, INT64_MIN, start, start, 0) : -1;
    if (r < 0) r = av_seek_frame(fmt, -1, 0, AVSEEK_FLAG_BYTE);
    if (r < 0) r = avformat_seek_file(fmt, -1, INT64_MIN, 0, 0, AVSEEK_FLAG_BYTE);
    return r;
}

Result<void> Demuxer::seekTime(int64_t ns) {
    if (rtp_) return avError(ErrorKind::Format, path_, "cannot seek", AVERROR(ESPIPE));
    AVFormatContext *fmt = in_->fmt();
    int r = -1;
    if (ns <= 0) {
        r = seekStart();
    } else {
        const int si = vidx_ >= 0 ? vidx_ : aidx_;
        const AVStream *st = fmt->streams[si];
        const int64_t base = si == vidx_ && originPts_ != INT64_MIN ? originPts_
                           : st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
        const int64_t ts = ts::add(base, ts::fromNs(ns, st->time_base));
        r = avformat_seek_file(fmt, si, INT64_MIN, ts, ts, 0);
        if (r < 0) r = av_seek_frame(fmt, si, ts, AVSEEK_FLAG_BACKWARD);
    }
    if (r < 0) return avError(ErrorKind::Format, path_, "cannot seek", r);
    return {};
}

Result<void> Demuxer::seekToPacket(const PacketIndex &idx, int64_t d) {
    if (d < 0) d = 0;
    if (idx.packets().empty() || rtp_) return seekTime(0);
    const IndexEntry &k = idx.packets()[static_cast<size_t>(d)];
    AVFormatContext *fmt = in_->fmt();
    int r = -1;
    if ((byteSeek_ || !idx.timestamped()) && k.pos >= 0) {
        // MPEG-TS and raw streams: their timestamp seeks are searches that
        // land near, not on; the byte position is exact.
        r = av_seek_frame(fmt, vidx_, k.pos, AVSEEK_FLAG_BYTE);
    } else if (d == 0) {
        r = seekStart();
    } else {
        // A keyframe is sought by its pts: a demuxer that seeks by pts (mp4)
        // would take the keyframe before for its dts (a whole GOP decoded and
        // thrown away on every landing), one that seeks by dts still finds
        // it (its dts is not after its pts). Other packets by the earlier of
        // the two. Landing past the target goes a keyframe back (seek_landing).
        int64_t ts = k.pts;
        if (k.dts != INT64_MIN && (ts == INT64_MIN || (!k.key && k.dts < ts))) ts = k.dts;
        r = avformat_seek_file(fmt, vidx_, INT64_MIN, ts, ts, 0);
        if (r < 0) r = av_seek_frame(fmt, vidx_, ts, AVSEEK_FLAG_BACKWARD);
    }
    if (r < 0) return avError(ErrorKind::Format, path_, "cannot seek", r);
    return {};
}

} // namespace qv
