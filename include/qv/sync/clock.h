// The presentation clock and the frame scheduler.
//
// One time base: steady_clock nanoseconds. Deadlines are absolute,
// anchor + (pts - anchorPts) / speed, so skew never accumulates; the clock is
// re-anchored on seek, pause, resume and speed change. The master is a wall
// clock anchored at the first presented frame (audio comes later).
//
// decide() is a pure function: the display loop feeds it the facts and
// obeys; tests feed it a fake clock.
#pragma once

#include "qv/core/seq_cell.h"

#include <cstdint>

namespace qv {

int64_t monotonicNs();

// Every threshold with the reason it has its value.
struct SyncTuning {
    // Never freeze: while behind, still present a frame at least this often
    // (~10 fps) instead of dropping everything.
    int64_t maxFreezeNs = 100000000;
    // A frame this close to its deadline is presented now: waking up for
    // less than this costs more than the error it saves.
    int64_t earlyToleranceNs = 2000000;
    // Later than this with nothing presented for as long (a stall:
    // suspended terminal, slow disk), re-anchor on the frame instead of
    // dropping seconds of video. A slow decoder is not a stall: it keeps
    // presenting (the freeze guard) and sheds work until it catches up.
    int64_t resyncNs = 1000000000;
    // Late by less than this is shown (below a frame's duration the error
    // is under one refresh at the source's rate).
    int64_t lateToleranceNs = 8000000;
};

class PlaybackClock {
public:
    void reset() { anchored_ = false; }
    bool anchored() const { return anchored_; }
    void anchor(int64_t nowNs, int64_t ptsNs) {
        anchorWall_ = nowNs;
        anchorPts_ = ptsNs;
        anchored_ = true;
    }
    double speed() const { return speed_; }
    int64_t anchorWall() const { return anchorWall_; }
    int64_t anchorPts() const { return anchorPts_; }
    // Change speed, keeping the picture at ptsNs where it is now.
    void setSpeed(double s, int64_t nowNs, int64_t ptsNs) {
        speed_ = s;
        if (anchored_) anchor(nowNs, ptsNs);
    }
    int64_t deadline(int64_t ptsNs) const {
        return anchorWall_ + static_cast<int64_t>(static_cast<double>(ptsNs - anchorPts_) / speed_);
    }
    // Stream position the clock says should be on screen at nowNs.
    int64_t positionAt(int64_t nowNs) const {
        return anchorPts_ + static_cast<int64_t>(static_cast<double>(nowNs - anchorWall_) * speed_);
    }

private:
    int64_t anchorWall_ = 0;
    int64_t anchorPts_ = 0;
    double speed_ = 1.0;
    bool anchored_ = false;
};

// How long a display takes from present() to the picture being shown (KMS:
// from the commit to its flip event), learnt as frames go: an average that
// follows slow changes and ignores one-off outliers (clamped to 100 ms).
// The display stage presents that much earlier, so frames appear on time.
class LatencyEstimator {
public:
    void add(int64_t submittedNs, int64_t shownNs) {
        int64_t d = shownNs - submittedNs;
        if (d < 0) d = 0;
        if (d > kMaxNs) d = kMaxNs;
        avg_ = n_ == 0 ? d : (avg_ * 7 + d) / 8;
        ++n_;
    }
    int64_t value() const { return n_ >= kWarmUp ? avg_ : 0; }   // not trusted before a few samples
    int64_t samples() const { return n_; }

private:
    static constexpr int64_t kMaxNs = 100000000;
    static constexpr int64_t kWarmUp = 4;
    int64_t avg_ = 0;
    int64_t n_ = 0;
};

// The display stage's clock as the other stages see it: published as one
// value (a sequence lock) whenever it is anchored, changes speed, pauses or
// resumes. timed: frames are being presented by the clock now (not paused,
// no step pending, --no-sync off).
struct ClockState {
    bool timed = false;
    uint32_t serial = 0;         // frames of this serial are the ones timed
    int64_t anchorWallNs = 0;
    int64_t anchorPtsNs = 0;
    double speed = 1.0;
    int64_t leadNs = 0;          // frames are presented this much before their time (display latency)
    bool lowLatency = false;     // --latency=low: each frame shown when decoded (the clock follows the frames)

    int64_t deadline(int64_t ptsNs) const {
        return anchorWallNs + static_cast<int64_t>(static_cast<double>(ptsNs - anchorPtsNs) / speed) - leadNs;
    }
    int64_t positionAt(int64_t nowNs) const {
        return anchorPtsNs + static_cast<int64_t>(static_cast<double>(nowNs - anchorWallNs) * speed);
    }
};

class ClockCell {
public:
    void store(const ClockState &c) { cell_.store(c); }
    ClockState load() const {
        ClockState c;
        cell_.load(c);   // never stored: the default (not timed)
        return c;
    }

private:
    SeqCell<ClockState> cell_;
};

// DropLink: the link (an SSH terminal, --max-bandwidth) cannot take the
// frame now; Resync: a stall (nothing presented for longer than resyncNs):
// re-anchor on the frame instead of dropping seconds of video.
enum class Verdict { Wait, Present, DropLate, DropLink, Resync };

struct SchedInput {
    int64_t nowNs = 0;
    int64_t deadlineNs = 0;       // of the frame at the head of the queue
    int64_t durationNs = 0;       // of that frame
    int64_t lastPresentNs = -1;   // when the previous present() returned (-1: none yet)
    bool linkReady = true;        // the display's link can take a frame now
    bool sync = true;             // false: --no-sync, present as fast as frames come
};

struct Decision {
    Verdict verdict = Verdict::Present;
    int64_t waitUntilNs = 0;      // for Wait
};

Decision decide(const SchedInput &in, const SyncTuning &t);

} // namespace qv
