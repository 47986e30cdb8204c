// VideoDecoder: libavcodec for the video stream a Demuxer found, with what
// qv adds to it: every frame knows the packet it came from (pts, dts, byte
// position, size), FFmpeg's best-effort timestamp rule, the presentation
// ordinal from the packet index, and work shedding for slow CPUs.
//
// Contract: used from one thread at a time (the decode stage). The Demuxer
// it was opened from must outlive it.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/hwdec.h"
#include "qv/media/packet.h"
#include "qv/media/packet_index.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace qv {

class Demuxer;
class LiveWindow;

struct SourceStats {
    std::atomic<int64_t> packets{0};
    std::atomic<int64_t> framesDecoded{0};
    std::atomic<int64_t> corruptPackets{0};   // skipped, playback went on
    std::atomic<int64_t> corruptFrames{0};    // decoded with errors concealed
    std::atomic<int64_t> decodeNs{0};
    std::atomic<int64_t> skippedNonRef{0};    // packets the decoder was told to skip (shedding)
    std::atomic<int64_t> skippedToKey{0};     // packets dropped unread to reach a keyframe (shedding)
    std::atomic<int64_t> hwFrames{0};         // frames that came out of the hardware (downloaded once)
    std::atomic<int64_t> primeKept{0};        // hardware frames passed on as dma-bufs (DRM PRIME), not downloaded
    std::atomic<int64_t> staleDropped{0};     // frames of packets sent before a flush (never shown)
    std::atomic<int64_t> hwSwitches{0};       // hardware decoding failed mid-stream: software from then on
    std::atomic<int64_t> hwSwitchedAt{-1};    // the first frame software made after the switch (its ordinal)
    // Which decoder made the latest frame: "software", an hwaccel's or a
    // wrapper decoder's name (interned: the pointer stays valid).
    std::atomic<const char *> decoder{"software"};
};

// How much decoding work is shed (timed playback on a slow CPU only).
enum class DecodeShed : uint8_t {
    None = 0,
    LoopFilter = 1,   // skip the deblocking filter
    NonRef = 2,       // and skip frames nothing refers to
};

struct DecoderOptions {
    int threads = 0;     // libavcodec threads, 0: FFmpeg's choice for this machine
    bool fast = false;   // skip the loop filter always (facts only, not pictures)
    bool lowDelay = false;   // --latency=low: slice threads only, AV_CODEC_FLAG_LOW_DELAY
    HwdecRequest hwdec;  // --hwdec (Default: hardware only where the probe found it exact)
    bool quietFallback = false;   // no stderr line on fallback (the probe reports it itself)
};

class VideoDecoder {
public:
    static Result<std::unique_ptr<VideoDecoder>> open(const Demuxer &d, const DecoderOptions &opt);
    ~VideoDecoder();

    const StreamSpec &spec() const { return spec_; }

    // One packet in. A packet the decoder rejects is skipped and counted.
    void send(PacketRef &p);
    // No more packets: the decoder gives what it holds back.
    void sendEnd();

    enum class Got { Frame, NeedInput, End, Failed, Switched };
    // Failed: the stream is undecodable (many errors and no frame ever);
    // error() says why. Switched: hardware decoding failed mid-stream
    // (errors in a row, a download that failed, or the test switch
    // QV_TEST_HWDEC_FAIL_AFTER=N after N frames); the decoder is software
    // now, flushed, and the caller seeks so that it goes on at
    // resumeOrdinal() (the frame after the last one given out).
    Got receive(FrameRef &out);
    int64_t resumeOrdinal() const { return resumeOrdinal_; }
    int64_t resumePtsNs() const { return lastPtsNs_; }
    const Error &error() const { return error_; }

    // After a seek: drop the decoder's state, keep the decoder. fromStart:
    // ordinals are counted from 0 again (no index needed).
    void flush(bool fromStart);
    void setIndex(std::shared_ptr<const PacketIndex> idx) { idx_ = std::move(idx); }
    // A live source's window: frames take the ordinals it gave their
    // packets (before the decoder starts; it outlives the decoder).
    void setLiveWindow(const LiveWindow *w) { live_ = w; }
    void setShed(DecodeShed s);
    DecodeShed shed() const { return shed_; }
    // The display takes DRM PRIME frames as they are (a kms plane): hardware
    // frames are then passed on as dma-bufs, not downloaded (hw_keep.h).
    void setKeepPrime(bool on);
    // Whether any frame was ever decoded.
    bool anyFrame() const { return anyFrame_; }

    const SourceStats &stats() const { return stats_; }
    SourceStats &stats() { return stats_; }
    // What --hwdec did: asked, tried, what runs (from the frames' format, so
    // "software" until a hardware frame came out) and why not hardware.
    // Decoder thread only (others read stats().decoder).
    const HwdecStatus &hwdec() const { return hw_; }

private:
    VideoDecoder() = default;
    int64_t guessPts(int64_t pts, int64_t dts);
    void fill(FrameRef &out);
    bool takeFrame(FrameRef &out);
    bool keepFrame(AVFrame *raw, AVFrame *f);
    void fallBack(const std::string &why);
    bool switchToSoftware();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    StreamSpec spec_;
    SourceStats stats_;
    HwdecStatus hw_;
    bool hwAnnounced_ = false;
    bool quiet_ = false;
    Error error_;
    std::shared_ptr<const PacketIndex> idx_;
    const LiveWindow *live_ = nullptr;
    DecodeShed shed_ = DecodeShed::None;
    bool fastAlways_ = false;
    int64_t frameNs_ = 40000000;
    int64_t startPts_ = INT64_MIN;
    int64_t lastPtsNs_ = kNoTs;
    int64_t ordinal_ = 0;
    bool ordinalExact_ = true;
    bool anyFrame_ = false;
    int consecutiveErrors_ = 0;
    // The mid-stream switch to software (hardware decoders only).
    DecoderOptions opt_;
    int64_t failAfter_ = -1;       // QV_TEST_HWDEC_FAIL_AFTER (test only)
    int64_t hwOut_ = 0;            // frames the hardware path gave out
    int hwErrors_ = 0;             // hardware decode errors in a row
    std::string switchWhy_;        // non-empty: switch at the next receive()
    int64_t resumeOrdinal_ = -1;
    int64_t lastOrdinal_ = -1;     // of the last frame given out (-1: none, or not exact)
    int64_t pendingDecodeNs_ = 0;
    int64_t fedRecvNs_ = 0;        // when the newest packet sent to the decoder was received
    int faultyPts_ = 0, faultyDts_ = 0;
    int64_t lastGuessPts_ = INT64_MIN, lastGuessDts_ = INT64_MIN;
};

} // namespace qv
