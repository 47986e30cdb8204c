// FileSource: a file demuxed and decoded on the caller's thread (qv frames,
// tests). The player instead reads packets on its demux stage
// (src/pipeline/queued_source.cpp); both decode with VideoDecoder.
#include "qv/media/demuxer.h"
#include "qv/media/source.h"

#include <cstdlib>

namespace qv {
namespace {

class FileSource final : public VideoSource {
public:
    Result<void> init(const std::string &path, const SourceOptions &opt) {
        DemuxOptions d;
        d.useMmap = opt.useMmap;
        d.audio = false;
        auto dm = Demuxer::open(path, d);
        if (!dm) return dm.takeError();
        demux_ = std::move(dm.value());
        DecoderOptions o;
        o.threads = opt.threads;
        o.fast = opt.fast;
        o.hwdec = opt.hwdec;
        o.quietFallback = opt.quietFallback;
        auto dec = VideoDecoder::open(*demux_, o);
        if (!dec) return dec.takeError();
        dec_ = std::move(dec.value());
        path_ = path;
        return {};
    }

    const StreamSpec &spec() const override { return dec_->spec(); }
    const SourceStats &stats() const override { return dec_->stats(); }
    bool anyFrame() const override { return dec_->anyFrame(); }
    const HwdecStatus *hwdecStatus() const override { return &dec_->hwdec(); }

    void startIndex() override {
        if (!builder_ && !demux_->isStream()) builder_ = std::make_unique<IndexBuilder>(path_);
    }
    std::shared_ptr<const PacketIndex> index() const override { return builder_ ? builder_->ready() : nullptr; }
    std::shared_ptr<const PacketIndex> waitIndex() override { return builder_ ? builder_->wait() : nullptr; }

    Result<void> seekToOrdinal(int64_t ordinal, int back) override {
        if (!idx_) idx_ = index();
        if (!idx_) return Error::make(ErrorKind::Internal, "the packet index is not ready");
        dec_->setIndex(idx_);
        if (auto r = demux_->seekToPacket(*idx_, idx_->keyFor(ordinal, back)); !r) return r;
        dec_->flush(false);
        draining_ = false;
        return {};
    }

    Result<void> seek(int64_t ns) override {
        if (auto r = demux_->seekTime(ns); !r) return r;
        // Ordinals are exact only when counted from the start (or looked up
        // in the index).
        dec_->flush(ns <= 0);
        draining_ = false;
        return {};
    }

    Result<NextStatus> next(FrameRef &out) override {
        if (!idx_ && builder_) {
            idx_ = builder_->ready();
            if (idx_) dec_->setIndex(idx_);
        }
        for (;;) {
            switch (dec_->receive(out)) {
            case VideoDecoder::Got::Frame:
                // After a switch to software: from the frame after the last
                // one the hardware gave (by ordinal, else by time).
                if ((resumeAt_ >= 0 && out.info.ordinalExact && out.info.ordinal < resumeAt_) ||
                    (resumeAfterNs_ != kNoTs && out.info.ptsNs <= resumeAfterNs_)) {
                    out.reset();
                    continue;
                }
                resumeAt_ = -1;
                resumeAfterNs_ = kNoTs;
                return NextStatus::Frame;
            case VideoDecoder::Got::End: return NextStatus::End;
            case VideoDecoder::Got::Failed: return dec_->error();
            case VideoDecoder::Got::Switched: {
                const int64_t o = dec_->resumeOrdinal(), lastNs = dec_->resumePtsNs();
                if (!idx_) idx_ = index();
                Result<void> r;
                if (o >= 0 && idx_) {
                    r = seekToOrdinal(o, 0);
                    resumeAt_ = o;
                } else if (o == 0 || lastNs == kNoTs) {
                    r = seek(0);
                } else {
                    r = seek(lastNs);
                    resumeAfterNs_ = lastNs;
                }
                if (!r) return r.takeError();
                continue;
            }
            case VideoDecoder::Got::NeedInput: break;
            }
            if (draining_) return NextStatus::End;
            if (!demux_->read(pkt_)) {
                draining_ = true;
                dec_->sendEnd();
                continue;
            }
            if (pkt_.kind == StreamKind::Video) dec_->send(pkt_);
        }
    }

private:
    std::unique_ptr<Demuxer> demux_;
    std::unique_ptr<VideoDecoder> dec_;
    std::unique_ptr<IndexBuilder> builder_;
    std::shared_ptr<const PacketIndex> idx_;
    PacketRef pkt_;
    std::string path_;
    bool draining_ = false;
    int64_t resumeAt_ = -1;           // after a switch to software: frames before it are not given out
    int64_t resumeAfterNs_ = kNoTs;   // the same by time (no index)
};

} // namespace

Result<std::unique_ptr<VideoSource>> openFileSource(const std::string &path, const SourceOptions &opt) {
    auto src = std::make_unique<FileSource>();
    auto r = src->init(path, opt);
    if (!r) return r.takeError();
    return std::unique_ptr<VideoSource>(std::move(src));
}

} // namespace qv
