// ShedPolicy: how much work the pipeline sheds when the CPU cannot keep up,
// decided from how late decoded frames come out against their deadlines.
// Pure (fed by the decode stage, tested with made-up lateness).
//
// The fixed order, each step counted:
//   0. (always, per frame, in the scale stage) a frame that would be late
//      even once scaled is dropped before it costs a conversion;
//   1. the decoder skips the loop filter;
//   2. the decoder skips frames nothing refers to;
//   and, still behind at level 2, a skip to the next keyframe that is not
//   already late (the decode stage drops packets unread until it).
// Back one level at a time after frames have come out early for a while.
// Only timed playback feeds it: never steps, pauses or cache fills.
#pragma once

#include "qv/sync/clock.h"

#include <cstdint>

namespace qv {

// --latency=low: a frame's deadline for shedding is this many frame
// intervals after the newest packet the decoder had been given came, not
// the clock's; coming out within one interval of it is early enough to step
// back down.
constexpr int kLowLatencyBudget = 3;

// The deadline the decode stage gives ShedPolicy::observe for a frame that
// left the decoder: when the clock wants it on screen, less what scaling
// takes. With --latency=low the clock is anchored on each frame as it is
// shown, so the next one always looks a little late against it (and never
// early: it cannot come before it is sent). There the budget runs from
// fedRecvNs, when the newest packet given to the decoder was received (0:
// unknown): a decoder that keeps up gives each frame out soon after the
// packets it needs came, B-frames or not; one that falls behind the source
// gives it out ever later. downstreamNs (ShedTuning's) is added back, so
// "early" means out within one interval.
int64_t shedDeadline(const ClockState &clk, int64_t ptsNs, int64_t fedRecvNs, int64_t durNs, int64_t scaleNs,
                     int64_t downstreamNs = 4000000);

struct ShedTuning {
    // A frame counts as late when it comes out of the decoder later than
    // its deadline minus this (what scaling and presenting still take).
    int64_t downstreamNs = 4000000;
    // Up one level when this many of the last kWindow frames were late...
    int lateOfWindow = 3;
    // ...and at least this long after the last change (the change needs a
    // few frames to show its effect).
    int64_t holdNs = 250000000;
    // At the last level: late by more than this (or by more than
    // skipFrames frame durations, whichever is more) for skipAfterNs
    // means the decoder cannot catch up by itself: skip to a keyframe.
    int64_t skipLateNs = 150000000;
    int skipFrames = 4;
    int64_t skipAfterNs = 400000000;
    // Down one level after frames came out at least this many frame
    // durations early, without a late one, for this long.
    int earlyFrames = 2;
    int64_t recoverNs = 2000000000;
    // A keyframe skip aims this far past the clock (the keyframe must be
    // decoded before it is due).
    int64_t skipLeadNs = 100000000;
};

class ShedPolicy {
public:
    static constexpr int kWindow = 4;
    static constexpr int kMaxLevel = 2;

    struct Decision {
        int level = 0;            // 0: nothing shed by the decoder .. kMaxLevel
        bool changed = false;     // the level moved with this frame
        bool skipToKey = false;   // drop packets until a keyframe at or after skipFromNs
        int64_t skipFromNs = 0;   // stream time
    };

    explicit ShedPolicy(ShedTuning t = {}) : t_(t) {}

    // A frame came out of the decoder at nowNs, due at deadlineNs (stream
    // position clockPosNs is on screen now), lasting durationNs.
    Decision observe(int64_t nowNs, int64_t deadlineNs, int64_t durationNs, int64_t clockPosNs);
    // Steps, pause, seeks: the lateness seen so far says nothing about what
    // comes next (the level is kept).
    void interrupt();
    int level() const { return level_; }
    void reset() {
        interrupt();
        level_ = 0;
    }

private:
    ShedTuning t_;
    int level_ = 0;
    bool late_[kWindow] = {};
    int seen_ = 0;
    int64_t changedAt_ = INT64_MIN;
    int64_t lateSince_ = -1;    // behind by the skip threshold since
    int64_t earlySince_ = -1;   // early (by earlyFrames) since
};

} // namespace qv
