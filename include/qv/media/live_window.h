// LiveWindow: the video packets a live source sent lately, kept so that a
// paused player can step back into them (issue 14: `--live-window`).
//
// A camera, a network stream or a pipe cannot be read twice, and has no
// packet index. The demux stage hands every video packet it reads to the
// window (add(): a reference to the packet's data, nothing copied); the
// window keeps whole GOPs, from a keyframe on, for a duration and under a
// byte and a packet bound, dropping the oldest GOP first.
//
// Ordinals: a live frame's ordinal is its rank in presentation order among
// every video packet received since the start (pts, or dts without one; a
// packet that arrives with an earlier pts than some before it, a B-frame,
// takes their place and moves them one up, looking back kLookBack packets).
// The main decoder looks its frames up here (ordinalOf), the cache filler's
// decoder in a snapshot's PacketIndex built over the same packets: both give
// the same ordinals, so the step cache holds one numbering.
//
// Threads: add() on qv-demux; ordinalOf() on qv-decode; snapshot() and
// hold() on qv-display. One mutex, held for a lookup or an insert.
#pragma once

#include "qv/core/result.h"
#include "qv/media/packet.h"
#include "qv/media/packet_index.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct AVBufferPool;
struct AVCodecParameters;
struct AVPacket;

namespace qv {

class Demuxer;

struct LiveWindowLimits {
    int64_t durationNs = 30000000000LL;   // --live-window
    int64_t bytes = 128LL << 20;          // at most this much packet data
    size_t packets = 8192;                // and this many packets
    // Keep copies of the packets' data, not references: a capture device's
    // packets are its own mmap'd buffers, which go back to the driver only
    // when released (and must not outlive the device). Copies come from a
    // pool, reused: the steady state allocates nothing.
    bool copyData = false;
};

// The window frozen for the cache filler and the navigator: the index over
// the packets (ordinals from index->firstOrdinal()) and the packets in
// decode order (packet(i) is index->packets()[i]).
class LiveSnapshot {
public:
    std::shared_ptr<const PacketIndex> index;
    // A new reference to packet i's data into out (the decoder rewrites
    // its packet's timestamps: the snapshot's own stay untouched).
    bool packet(size_t i, PacketRef &out) const;
    size_t size() const { return pkts_.size(); }
    // Packets first..last (decode order) stream-copied into a NUT file at
    // path, their timestamps as they came (NUT keeps any codec and the
    // stream's own time base): a live span as a file, for the export.
    Result<void> writeSpan(const std::string &path, size_t first, size_t last) const;

private:
    friend class LiveWindow;
    std::vector<PacketRef> pkts_;
    std::shared_ptr<const AVCodecParameters> par_;   // the video stream's
    int tbNum_ = 1, tbDen_ = 1;
};

class LiveWindow {
public:
    // tbNum/tbDen: the video stream's time base; startPts: the stream start
    // the decoders count from (INT64_MIN: the first packet's); frameNs: the
    // nominal frame duration.
    LiveWindow(LiveWindowLimits lim, int tbNum, int tbDen, int64_t startPts, int64_t frameNs);
    // The same from the demuxer's video stream.
    static std::unique_ptr<LiveWindow> forVideo(const Demuxer &d, LiveWindowLimits lim);
    ~LiveWindow();

    // qv-demux: a video packet as read (its data shared, not copied).
    void add(const PacketRef &p);
    // qv-decode: the ordinal of the packet with these timestamps (stream
    // time base, INT64_MIN: none), -1 when the window does not hold it.
    int64_t ordinalOf(int64_t pts, int64_t dts) const;
    // qv-display: the window now, null when it holds no frame (or its
    // order could not be followed: mismatches() counts those).
    std::shared_ptr<const LiveSnapshot> snapshot() const;
    // While held (the player is paused), nothing is dropped for age: only
    // the byte and packet bounds apply.
    void hold(bool on);

    struct Stats {
        int64_t packets = 0, bytes = 0;     // held now
        int64_t firstOrdinal = -1, lastOrdinal = -1;
        int64_t spanNs = 0;                 // newest minus oldest pts
        int64_t droppedGops = 0;            // dropped for age or a bound
        int64_t received = 0;               // video packets seen
        int64_t untimed = 0;                // packets without pts or dts (no window for them)
        int64_t mismatches = 0;             // snapshots refused: ordinals out of step
    };
    Stats stats() const;
    const LiveWindowLimits &limits() const { return lim_; }

    static constexpr int kLookBack = 32;   // how far back a reordered packet may land

private:
    struct Slot {
        AvPacketPtr pkt;
        int64_t pts = INT64_MIN, dts = INT64_MIN, key = INT64_MIN, keyNs = 0;
        int64_t ordinal = -1;
        int32_t size = 0;
        int64_t cost = 0;   // bytes it holds (copyData: its pooled buffer)
        bool keyframe = false;
        int64_t recvNs = 0;
    };
    Slot &at(size_t i) { return ring_[(head_ + i) % ring_.size()]; }
    const Slot &at(size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
    void dropGop();   // the oldest GOP (and what cannot decode without it)
    void clear();

    // copyData: packet i's data copied into a pooled buffer.
    bool copyInto(AVPacket *dst, const AVPacket *src);

    LiveWindowLimits lim_;
    std::shared_ptr<const AVCodecParameters> par_;   // forVideo: the stream's, for snapshots' writeSpan
    AVBufferPool *pool_ = nullptr;   // copyData: buffers of poolSize_ bytes
    int poolSize_ = 0;
    int tbNum_, tbDen_;
    int64_t startPts_, frameNs_;
    mutable std::mutex m_;
    std::vector<Slot> ring_;
    size_t head_ = 0, n_ = 0;
    size_t keys_ = 0;           // keyframes held (the head is always one)
    int64_t bytes_ = 0;
    int64_t nextOrdinal_ = 0;   // packets received (the next one's ordinal when in order)
    int64_t maxKeyNs_ = INT64_MIN;
    bool held_ = false;
    int64_t droppedGops_ = 0, untimed_ = 0;
    mutable int64_t mismatches_ = 0;
};

} // namespace qv
