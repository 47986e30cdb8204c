// LinkGovernor: keeps a terminal link (an SSH session) from filling up.
// The terminal displays ask it before each frame: skip the frame (counted as
// a drop) while the tty still holds more than half of the last frame's bytes
// (TIOCOUTQ), while the last writes waited longer than a frame lasts (a pty
// reports no queue: then the write's wait says the link is behind), or while --max-bandwidth's
// token bucket is empty; when frames
// keep being skipped, lower the level (a smaller picture costs fewer bytes),
// and raise it again once the link has been keeping up for a while. Pure:
// the display measures, this decides.
#pragma once

#include <cstdint>

namespace qv {

class LinkGovernor {
public:
    // 0 full size .. 3 smallest; 4: smallest and a cheaper encoding (coarse
    // colours: longer sixel runs, better zlib for kitty, a wider tolerance
    // for blocks).
    static constexpr int kLevels = 5;
    explicit LinkGovernor(int64_t capBytesPerSec = 0) : cap_(capBytesPerSec) {}
    // Before a frame: queued = bytes still in the tty's output queue (-1:
    // unknown). false: skip this frame. Asks nothing of the state.
    bool ready(int64_t nowNs, int64_t queued) const;
    // What was done with the frame ready() was asked about (sent: written;
    // else skipped, by this governor or by the scheduler).
    void decided(int64_t nowNs, int64_t queued, bool sent);
    // ready() then decided() with its answer.
    bool admit(int64_t nowNs, int64_t queued) {
        const bool ok = ready(nowNs, queued);
        decided(nowNs, queued, ok);
        return ok;
    }
    // After writing a frame: n bytes, blockedNs spent inside write().
    void wrote(int64_t nowNs, int64_t n, int64_t blockedNs);
    int level() const { return level_; }
    // True once after the level changed (the display lays out again).
    bool takeLevelChange() {
        const bool c = changed_;
        changed_ = false;
        return c;
    }
    // Picture scale for a level: 1, 0.7, 0.5, 0.35, 0.35 of each dimension.
    static double scaleOf(int level);
    // Whether a level asks for the cheaper encoding.
    static bool coarseAt(int level) { return level >= kLevels - 1; }
    int64_t skipped() const { return skipped_; }

private:
    void count(bool skip);
    int64_t cap_;
    double tokens_ = 0;
    int64_t lastNs_ = -1;
    int64_t lastFrameBytes_ = 0;
    int level_ = 0;
    bool changed_ = false;
    int window_ = 0, windowSkips_ = 0;   // recent decisions
    int calm_ = 0;                        // admitted frames in a row with an empty queue
    int64_t skipped_ = 0;
    int64_t congestedUntilNs_ = 0;
    int64_t intervalNs_ = 0;   // average time between frames
    bool lastSlow_ = false;    // the last write waited longer than a frame
    static constexpr int64_t kBlockedNs = 10000000;           // never less than 10 ms
    static constexpr int64_t kDefaultIntervalNs = 33333333;   // before the first interval
};

} // namespace qv
