#include "queued_source.h"

namespace qv {

QueuedSource::QueuedSource(std::unique_ptr<VideoDecoder> dec, PacketQueue &q, std::string path, bool canIndex)
    : dec_(std::move(dec)), q_(q), path_(std::move(path)), canIndex_(canIndex) {}

void QueuedSource::startIndex() {
    if (!builder_ && canIndex_) builder_ = std::make_unique<IndexBuilder>(path_);
}

void QueuedSource::restartAt(uint32_t gen, bool fromStart) {
    awaitGen_ = gen;
    accepting_ = false;
    draining_ = false;
    skipToNs_ = INT64_MIN;
    resumeAt_ = -1;
    resumeAfterNs_ = kNoTs;
    dec_->flush(fromStart);
}

Result<void> QueuedSource::seek(int64_t ns) {
    DemuxSeek s;
    s.kind = DemuxSeek::Kind::Time;
    s.timeNs = ns;
    s.serial = serial_;
    // Ordinals are exact only when counted from the start (or looked up in
    // the index).
    restartAt(demux_->seek(s), ns <= 0);
    return {};
}

Result<void> QueuedSource::seekToOrdinal(int64_t ordinal, int back) {
    if (!idx_) idx_ = index();
    if (!idx_) return Error::make(ErrorKind::Internal, "the packet index is not ready");
    dec_->setIndex(idx_);
    DemuxSeek s;
    s.kind = DemuxSeek::Kind::Packet;
    s.index = idx_;
    s.decodeIndex = idx_->keyFor(ordinal, back);
    s.serial = serial_;
    restartAt(demux_->seek(s), false);
    return {};
}

void QueuedSource::resumeAfterSwitch() {
    const int64_t o = dec_->resumeOrdinal();
    if (!idx_) idx_ = index();
    if (idx_ && o >= 0 && o < idx_->frameCount() && seekToOrdinal(o, 0)) {
        resumeAt_ = o;   // after the seek (which clears it)
        return;
    }
    // Nothing came out of the hardware: from the start (by time, the index
    // may not be there yet; ordinals counted from 0).
    if (o == 0 && seek(0)) return;
    // A file whose index is not there yet (the scan still runs): by time,
    // from the keyframe before the last frame given out, the frames up to it
    // not given out again. (Skipping to the next keyframe instead lost the
    // frames before it, and at the last GOP ended the stream there: a paused
    // step then waited for a frame that never came.)
    const int64_t lastNs = dec_->resumePtsNs();
    if (canIndex_ && lastNs != kNoTs && seek(lastNs)) {
        resumeAfterNs_ = lastNs;   // after the seek (which clears it)
        return;
    }
    // No index (a pipe, a live source): software from the next keyframe on
    // (after the last frame's time when known; INT64_MIN + 1: any keyframe).
    skipToNs_ = lastNs == kNoTs ? INT64_MIN + 1 : lastNs + 1;
}

bool QueuedSource::skipToKeyAfter(int64_t ns) {
    skipToNs_ = ns;
    return true;
}

Result<NextStatus> QueuedSource::next(FrameRef &out) {
    if (!idx_ && builder_) {
        idx_ = builder_->ready();
        if (idx_) dec_->setIndex(idx_);
    }
    for (;;) {
        if (accepting_) {
            switch (dec_->receive(out)) {
            case VideoDecoder::Got::Frame:
                if (resumeAt_ >= 0 || resumeAfterNs_ != kNoTs) {
                    // After the switch to software: decoded again from the
                    // keyframe before, given out from the frame after the
                    // last one the hardware gave (by ordinal, else by time).
                    if ((resumeAt_ >= 0 && out.info.ordinalExact && out.info.ordinal < resumeAt_) ||
                        (resumeAfterNs_ != kNoTs && out.info.ptsNs != kNoTs && out.info.ptsNs <= resumeAfterNs_)) {
                        out.reset();
                        continue;
                    }
                    resumeAt_ = -1;
                    resumeAfterNs_ = kNoTs;
                }
                return NextStatus::Frame;
            case VideoDecoder::Got::End: return NextStatus::End;
            case VideoDecoder::Got::Failed: return dec_->error();
            case VideoDecoder::Got::Switched: resumeAfterSwitch(); continue;
            case VideoDecoder::Got::NeedInput: break;
            }
            if (draining_) return NextStatus::End;
        }
        if (!q_.pop(item_, [&] { return cancel_ && cancel_(); })) return NextStatus::Cancelled;
        if (auto *f = std::get_if<PacketFlush>(&item_)) {
            if (f->gen == awaitGen_) accepting_ = true;
            continue;
        }
        if (auto *e = std::get_if<PacketEnd>(&item_)) {
            if (accepting_ && e->gen == awaitGen_) {
                draining_ = true;
                dec_->sendEnd();
            }
            continue;
        }
        PacketRef &p = std::get<PacketRef>(item_);
        if (!accepting_) continue;   // before the flush of the seek we wait for
        if (skipToNs_ != INT64_MIN) {
            // Catching up: nothing is decoded until a keyframe that is not
            // already late.
            if (!p.key || (p.ptsNs != INT64_MIN && p.ptsNs < skipToNs_)) {
                dec_->stats().skippedToKey.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            skipToNs_ = INT64_MIN;
            dec_->flush(false);   // the frames held back belong before the jump
        }
        dec_->send(p);
    }
}

} // namespace qv
