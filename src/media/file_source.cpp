// FileSource: demux + decode of the best video stream of a file or URL.
#include "input.h"

#include "qv/core/log.h"
#include "qv/media/source.h"
#include "qv/sync/clock.h"

#include <chrono>
#include <cstdlib>

namespace qv {
namespace {

class FileSource final : public VideoSource {
public:
    Result<void> init(const std::string &path, const SourceOptions &opt) {
        auto in = Input::open(path, opt.useMmap);
        if (!in) return in.takeError();
        in_ = std::move(in.value());
        vidx_ = in_->bestVideoStream();
        if (vidx_ < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
        st_ = in_->fmt()->streams[vidx_];
        for (unsigned i = 0; i < in_->fmt()->nb_streams; ++i)
            if (static_cast<int>(i) != vidx_) in_->fmt()->streams[i]->discard = AVDISCARD_ALL;
        auto dec = openDecoder(path, st_, opt.threads);
        if (!dec) return dec.takeError();
        dec_ = std::move(dec.value());
        if (opt.fast) dec_->skip_loop_filter = AVDISCARD_ALL;
        threads_ = opt.threads;
        const char *reopen = std::getenv("QV_BENCH_REOPEN");
        reopenOnSeek_ = reopen && *reopen == '1';
        const ff::InputFormatPtr ifmt = in_->fmt()->iformat;
        byteSeek_ = !(ifmt->flags & AVFMT_NO_BYTE_SEEK) && ((ifmt->flags & AVFMT_TS_DISCONT) || !ff::demuxerSeeksByTime(ifmt));
        path_ = path;
        spec_ = in_->videoSpec(vidx_);
        if (spec_.pixFmt < 0) spec_.pixFmt = dec_->pix_fmt;
        tb_ = st_->time_base;
        startPts_ = st_->start_time != AV_NOPTS_VALUE ? st_->start_time : AV_NOPTS_VALUE;
        frameNs_ = av_rescale(1000000000, spec_.fpsDen, spec_.fpsNum);
        pkt_.reset(av_packet_alloc());
        if (!pkt_) return Error::make(ErrorKind::Internal, "out of memory");
        return {};
    }

    const StreamSpec &spec() const override { return spec_; }

    void startIndex() override {
        if (!builder_ && !in_->isStream()) builder_ = std::make_unique<IndexBuilder>(path_);
    }

    std::shared_ptr<const PacketIndex> index() const override { return builder_ ? builder_->ready() : nullptr; }
    std::shared_ptr<const PacketIndex> waitIndex() override { return builder_ ? builder_->wait() : nullptr; }

    Result<void> seekToOrdinal(int64_t ordinal, int back) override {
        if (!idx_) idx_ = index();
        if (!idx_) return Error::make(ErrorKind::Internal, "the packet index is not ready");
        int64_t d = idx_->keyFor(ordinal, back);
        if (d < 0) d = 0;
        const IndexEntry &k = idx_->packets()[static_cast<size_t>(d)];
        int r = -1;
        if ((byteSeek_ || !idx_->timestamped()) && k.pos >= 0) {
            // MPEG-TS and raw streams: their timestamp seeks are searches
            // that land near, not on; the byte position is exact.
            r = av_seek_frame(in_->fmt(), vidx_, k.pos, AVSEEK_FLAG_BYTE);
        } else if (d == 0) {
            r = seekStart();
        } else {
            int64_t ts = k.pts;
            if (k.dts != INT64_MIN && (ts == INT64_MIN || k.dts < ts)) ts = k.dts;
            r = avformat_seek_file(in_->fmt(), vidx_, INT64_MIN, ts, ts, 0);
            if (r < 0) r = av_seek_frame(in_->fmt(), vidx_, ts, AVSEEK_FLAG_BACKWARD);
        }
        if (r < 0) return avError(ErrorKind::Format, in_->path(), "cannot seek", r);
        resetAfterSeek(false);
        return {};
    }

    Result<NextStatus> next(FrameRef &out) override {
        if (!out.frame) out.frame = allocFrame();
        AVFrame *f = out.frame.get();
        for (;;) {
            int64_t t0 = monotonicNs();
            int r = avcodec_receive_frame(dec_.get(), f);
            pendingDecodeNs_ += monotonicNs() - t0;
            if (r >= 0) {
                fill(out);
                return NextStatus::Frame;
            }
            if (r == AVERROR_EOF) return NextStatus::End;
            if (r != AVERROR(EAGAIN)) {
                // A frame the decoder gave up on: skip it, count it.
                stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
                if (++consecutiveErrors_ > kMaxConsecutiveErrors && !anyFrame_)
                    return avError(ErrorKind::Decode, in_->path(), "cannot decode the video", r);
                continue;
            }
            if (draining_) return NextStatus::End;
            r = av_read_frame(in_->fmt(), pkt_.get());
            if (r < 0) {
                if (r != AVERROR_EOF && r != AVERROR(EAGAIN))
                    log::info("%s: read error, treating as end: %s", in_->path().c_str(),
                              ff::errText(r).c_str());
                if (r == AVERROR(EAGAIN)) continue;
                draining_ = true;
                avcodec_send_packet(dec_.get(), nullptr);
                continue;
            }
            if (pkt_->stream_index != vidx_) {
                av_packet_unref(pkt_.get());
                continue;
            }
            stats_.packets.fetch_add(1, std::memory_order_relaxed);
            if (pkt_->flags & AV_PKT_FLAG_CORRUPT) stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
            // Tag the packet: the decoder hands a packet's pts to the frame
            // made from it, so the tag says which packet each frame came
            // from (its real pts, dts, position and size are kept here).
            PacketMeta &m = meta_[seq_ % kMeta];
            m.pts = pkt_->pts;
            m.dts = pkt_->dts;
            m.pos = pkt_->pos;
            m.size = pkt_->size;
            pkt_->pts = seq_++;
            t0 = monotonicNs();
            r = avcodec_send_packet(dec_.get(), pkt_.get());
            pendingDecodeNs_ += monotonicNs() - t0;
            av_packet_unref(pkt_.get());
            if (r < 0 && r != AVERROR(EAGAIN)) {
                stats_.corruptPackets.fetch_add(1, std::memory_order_relaxed);
                if (++consecutiveErrors_ > kMaxConsecutiveErrors && !anyFrame_)
                    return avError(ErrorKind::Decode, in_->path(), "cannot decode the video", r);
            }
        }
    }

    Result<void> seek(int64_t ns) override {
        int64_t base = startPts_ != AV_NOPTS_VALUE ? startPts_ : 0;
        int64_t ts = base + av_rescale_q(ns, AVRational{1, 1000000000}, tb_);
        int r = avformat_seek_file(in_->fmt(), vidx_, INT64_MIN, ts, ts, 0);
        if (r < 0) r = av_seek_frame(in_->fmt(), vidx_, ts, AVSEEK_FLAG_BACKWARD);
        if (r < 0 && ns <= 0) r = avformat_seek_file(in_->fmt(), -1, INT64_MIN, 0, 0, AVSEEK_FLAG_BYTE);
        if (r < 0) return avError(ErrorKind::Format, in_->path(), "cannot seek", r);
        // Ordinals are exact only when counted from the start (or looked up
        // in the index).
        resetAfterSeek(ns <= 0);
        return {};
    }

private:
    int seekStart() {
        int r = avformat_seek_file(in_->fmt(), vidx_, INT64_MIN, startPts_ != AV_NOPTS_VALUE ? startPts_ : 0,
                                   startPts_ != AV_NOPTS_VALUE ? startPts_ : 0, 0);
        if (r < 0) r = av_seek_frame(in_->fmt(), vidx_, 0, AVSEEK_FLAG_BYTE);
        return r;
    }

    void resetAfterSeek(bool fromStart) {
        if (reopenOnSeek_) {
            // tools/bench only (QV_BENCH_REOPEN=1): what a seek costs when
            // the decoder is closed and opened again instead of flushed.
            if (auto dec = openDecoder(in_->path(), st_, threads_)) dec_ = std::move(dec.value());
        } else {
            avcodec_flush_buffers(dec_.get());   // keep the decoder, drop its state
        }
        draining_ = false;
        lastPtsNs_ = kNoTs;
        ordinalExact_ = fromStart;
        ordinal_ = 0;
        faultyPts_ = faultyDts_ = 0;
        lastGuessPts_ = lastGuessDts_ = INT64_MIN;
    }

    // FFmpeg's best-effort timestamp rule (the one ffmpeg and ffprobe show),
    // applied to the real pts the tag stands for.
    int64_t guessPts(int64_t pts, int64_t dts) {
        if (dts != AV_NOPTS_VALUE) {
            faultyDts_ += dts <= lastGuessDts_;
            lastGuessDts_ = dts;
        } else if (pts != AV_NOPTS_VALUE) {
            lastGuessDts_ = pts;
        }
        if (pts != AV_NOPTS_VALUE) {
            faultyPts_ += pts <= lastGuessPts_;
            lastGuessPts_ = pts;
        } else if (dts != AV_NOPTS_VALUE) {
            lastGuessPts_ = dts;
        }
        if ((faultyPts_ <= faultyDts_ || dts == AV_NOPTS_VALUE) && pts != AV_NOPTS_VALUE) return pts;
        return dts;
    }

    void fill(FrameRef &out) {
        AVFrame *f = out.frame.get();
        FrameInfo &i = out.info;
        anyFrame_ = true;
        if (f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT))
            stats_.corruptFrames.fetch_add(1, std::memory_order_relaxed);
        consecutiveErrors_ = 0;
        // Which packet this frame came from (see the tag in next()).
        PacketMeta m{AV_NOPTS_VALUE, f->pkt_dts, -1, ff::packetSize(f)};
        const int64_t tag = f->pts;
        if (tag != AV_NOPTS_VALUE && tag >= 0 && static_cast<uint64_t>(tag) < seq_ &&
            seq_ - static_cast<uint64_t>(tag) <= kMeta)
            m = meta_[static_cast<uint64_t>(tag) % kMeta];
        f->pts = m.pts;
        if (!idx_ && builder_) idx_ = builder_->ready();
        int64_t known = -1;   // ordinal from the index
        if (idx_) {
            const int64_t d = idx_->find(m.pos, m.pts == AV_NOPTS_VALUE ? INT64_MIN : m.pts,
                                         m.dts == AV_NOPTS_VALUE ? INT64_MIN : m.dts);
            if (d >= 0) known = idx_->packets()[static_cast<size_t>(d)].ordinal;
        }
        // FFmpeg's guess runs on the frame's pkt_dts (the dts fed when the
        // frame came out); the dts qv shows is the frame's own packet's.
        int64_t pts = guessPts(m.pts, f->pkt_dts);
        if (startPts_ == AV_NOPTS_VALUE && pts != AV_NOPTS_VALUE) startPts_ = pts;
        i.tbNum = tb_.num;
        i.tbDen = tb_.den;
        i.pts = pts == AV_NOPTS_VALUE ? kNoTs : pts;
        i.dts = m.dts == AV_NOPTS_VALUE ? kNoTs : m.dts;
        int64_t dur = ff::frameDuration(f);
        i.durationNs = dur > 0 ? av_rescale_q(dur, tb_, AVRational{1, 1000000000}) : frameNs_;
        if (known >= 0) {
            ordinal_ = known;
            ordinalExact_ = true;
        } else if (idx_ && idx_->timestamped()) {
            ordinalExact_ = false;   // a packet the scan did not see
        }
        if (pts != AV_NOPTS_VALUE)
            i.ptsNs = av_rescale_q(pts - startPts_, tb_, AVRational{1, 1000000000});
        else if (ordinalExact_)
            i.ptsNs = ordinal_ * frameNs_;
        else
            i.ptsNs = lastPtsNs_ == kNoTs ? 0 : lastPtsNs_ + frameNs_;
        lastPtsNs_ = i.ptsNs;
        if (ordinalExact_) {
            i.ordinal = ordinal_++;
        } else {
            i.ordinal = frameNs_ > 0 ? (i.ptsNs + frameNs_ / 2) / frameNs_ : 0;
        }
        i.ordinalExact = ordinalExact_;
        i.pktSize = m.size;
        i.pktPos = m.pos;
        i.pictType = av_get_picture_type_char(f->pict_type);
        i.key = ff::isKeyFrame(f);
        i.decodeNs = pendingDecodeNs_;
        stats_.decodeNs.fetch_add(pendingDecodeNs_, std::memory_order_relaxed);
        stats_.framesDecoded.fetch_add(1, std::memory_order_relaxed);
        pendingDecodeNs_ = 0;
    }

    struct PacketMeta {
        int64_t pts, dts, pos;
        int size;
    };
    static constexpr uint64_t kMeta = 1024;   // far more than any decoder holds back
    PacketMeta meta_[kMeta] = {};
    uint64_t seq_ = 0;
    int faultyPts_ = 0, faultyDts_ = 0;
    int64_t lastGuessPts_ = INT64_MIN, lastGuessDts_ = INT64_MIN;
    std::unique_ptr<IndexBuilder> builder_;
    std::shared_ptr<const PacketIndex> idx_;   // decode thread's copy
    bool byteSeek_ = false;
    bool reopenOnSeek_ = false;
    std::string path_;
    int threads_ = 0;

    static constexpr int kMaxConsecutiveErrors = 200;
    std::unique_ptr<Input> in_;
    CodecCtxPtr dec_;
    PacketPtr pkt_;
    AVStream *st_ = nullptr;
    int vidx_ = -1;
    StreamSpec spec_;
    AVRational tb_{1, 1};
    int64_t startPts_ = AV_NOPTS_VALUE;
    int64_t frameNs_ = 40000000;
    int64_t lastPtsNs_ = kNoTs;
    int64_t ordinal_ = 0;
    bool ordinalExact_ = true;
    bool draining_ = false;
    bool anyFrame_ = false;
    int consecutiveErrors_ = 0;
    int64_t pendingDecodeNs_ = 0;
};

} // namespace

Result<std::unique_ptr<VideoSource>> openFileSource(const std::string &path,
                                                    const SourceOptions &opt) {
    auto src = std::make_unique<FileSource>();
    auto r = src->init(path, opt);
    if (!r) return r.takeError();
    return std::unique_ptr<VideoSource>(std::move(src));
}

} // namespace qv
