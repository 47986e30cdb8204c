// QueuedSource: the player's video source for files, pipes and URLs. Packets
// come from the demux stage's video queue; decoding is VideoDecoder's. A seek
// is a request to the demux stage: packets are discarded until the flush
// marker of that request comes through the queue.
//
// Thread: qv-decode only (next, seek*, set*); index() from any thread.
#pragma once

#include "demux_stage.h"
#include "qv/media/source.h"

#include <functional>

namespace qv {

class QueuedSource final : public VideoSource {
public:
    // canIndex: a regular file (the packet scan reads it a second time).
    QueuedSource(std::unique_ptr<VideoDecoder> dec, PacketQueue &q, std::string path, bool canIndex);
    // The demux stage that fills q (its seeks are asked of it).
    void attach(DemuxStage &demux) { demux_ = &demux; }
    uint32_t serial() const { return serial_; }

    // Checked while waiting for packets: true cuts next() short (Cancelled).
    void setCancel(std::function<bool()> c) { cancel_ = std::move(c); }

    const StreamSpec &spec() const override { return dec_->spec(); }
    const SourceStats &stats() const override { return dec_->stats(); }
    bool anyFrame() const override { return dec_->anyFrame(); }
    const HwdecStatus *hwdecStatus() const override { return &dec_->hwdec(); }
    Result<NextStatus> next(FrameRef &out) override;
    Result<void> seek(int64_t ns) override;
    Result<void> seekToOrdinal(int64_t ordinal, int back) override;
    void startIndex() override;
    std::shared_ptr<const PacketIndex> index() const override { return builder_ ? builder_->ready() : nullptr; }
    std::shared_ptr<const PacketIndex> waitIndex() override { return builder_ ? builder_->wait() : nullptr; }
    int indexReadyFd() const override { return builder_ ? builder_->readyFd() : -1; }
    void setShed(DecodeShed s) override { dec_->setShed(s); }
    void setKeepPrime(bool on) override { dec_->setKeepPrime(on); }
    bool skipToKeyAfter(int64_t ns) override;
    void setSerial(uint32_t serial) override { serial_ = serial; }
    // A live source's window (before the threads start): the decoder's
    // frames take their ordinals from it.
    void setLiveWindow(const LiveWindow *w) { dec_->setLiveWindow(w); }

private:
    void restartAt(uint32_t gen, bool fromStart);
    // The decoder switched to software mid-stream: seek so that it goes on
    // at the frame after the last one given out.
    void resumeAfterSwitch();

    std::unique_ptr<VideoDecoder> dec_;
    PacketQueue &q_;
    DemuxStage *demux_ = nullptr;
    std::string path_;
    bool canIndex_;
    std::unique_ptr<IndexBuilder> builder_;
    std::shared_ptr<const PacketIndex> idx_;
    std::function<bool()> cancel_;
    PacketItem item_;
    uint32_t serial_ = 0;
    uint32_t awaitGen_ = 0;       // packets count from this demux generation's flush on
    bool accepting_ = false;      // that flush came through
    bool draining_ = false;       // the end came: the decoder gives what it holds
    int64_t skipToNs_ = INT64_MIN;   // drop packets until a keyframe at or after this time
    int64_t resumeAt_ = -1;          // after a switch to software: frames before this ordinal are not given out
    int64_t resumeAfterNs_ = kNoTs;  // the same by time (a file before its index is there)
};

} // namespace qv
