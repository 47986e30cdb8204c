// Live sources (issue 14): what the demux stage tells the others about a
// source that may go silent, and the display stage's view of it.
//
// LiveStats is written by qv-demux (atomics) and read by qv-display (the
// status line's "waiting for data (N s)", --timeout) and by --stats.
// liveWait() is pure: the display stage asks it, once per loop, what to show
// and when to look again.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct LiveStats {
    std::atomic<int64_t> readingSinceNs{0};   // a read (or a reconnect) waits since then; 0: none
    std::atomic<int64_t> gaps{0};             // waits of at least kGapNs that ended with data
    std::atomic<int64_t> gapNs{0};            // their total length
    std::atomic<int64_t> longestGapNs{0};
    std::atomic<int64_t> reconnects{0};       // the input opened again after it ended or failed
    std::atomic<int64_t> timestampJumps{0};   // a sender that restarted (folded away by the demuxer)
    std::atomic<int64_t> rtpLost{-1};         // qv's own RTP receiver: packets lost (-1: FFmpeg receives)
    std::atomic<int64_t> rtpBroken{-1};       // frames handed on with a piece missing
};

// A read blocked this long is a gap in the source (a 30 fps stream delivers
// a packet every 33 ms; a probe or a keyframe never takes this long).
constexpr int64_t kGapNs = 1000000000LL;

struct LiveWait {
    int64_t waitingNs = 0;   // how long the source has been silent (0: not waiting, or not long)
    bool timedOut = false;   // silent for --timeout
    int64_t nextCheckNs = -1;   // when the status or the timeout changes next (-1: nothing to do)
};

// now, readingSince (LiveStats), timeoutNs (0: none): what the display shows.
LiveWait liveWait(int64_t now, int64_t readingSinceNs, int64_t timeoutNs);
// "waiting for data (3 s)"
std::string waitingText(int64_t waitingNs);

// The latency of each frame presented, by step (display thread only; a
// fixed ring, no allocation after construction): received -> decoded (the
// packet queue and the decoder), decoded -> scaled, scaled -> shown (the
// display link, the wait for its time, present() itself).
class LatencyLog {
public:
    enum Part { kTotal, kDecode, kScale, kDisplay, kParts };
    static constexpr int kRing = 8192;
    LatencyLog();
    // Times in CLOCK_MONOTONIC ns; a frame without all of them is left out.
    void add(int64_t recvNs, int64_t decodedNs, int64_t scaledNs, int64_t shownNs);
    int64_t count() const { return count_; }
    // Median of each part over the last `last` frames (status line).
    void recentMedians(int last, int64_t out[kParts]) const;
    // Median and 99th percentile of each part over the ring (--stats).
    void summary(int64_t median[kParts], int64_t p99[kParts]) const;

private:
    std::unique_ptr<int64_t[]> v_[kParts];
    mutable std::unique_ptr<int64_t[]> scratch_;
    int64_t count_ = 0;
};

} // namespace qv
