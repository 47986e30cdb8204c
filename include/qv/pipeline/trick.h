// Trick play (issue 16): faster than 4x, and backwards at any speed, the
// player shows keyframes only, each when the clock reaches the stretch of
// time it stands for (from it to the next keyframe). Pure: the speed keys'
// steps, and which keyframe the clock wants now (tested with a fake index).
//
// The decode stage walks: it seeks the main pipeline to the keyframe the
// clock is in, lands on it (one keyframe decoded, plus what frame threads
// hold), hands it on marked `trick`, and waits until the clock leaves its
// stretch. The display stage presents trick frames as they come; the
// sound is paused meanwhile and starts again, in sync, from the frame on
// screen when the speed comes back to 4x or below.
#pragma once

#include "qv/pipeline/navigator.h"
#include "qv/sync/clock.h"

#include <cstdint>

namespace qv {

constexpr double kTrickAbove = 4.0;   // faster than this: keyframes only
constexpr double kMaxSpeed = 64.0;
constexpr double kMinSpeed = 0.1;

inline bool isTrickSpeed(double speed) { return speed > kTrickAbove || speed < 0; }

// A requested speed made valid: magnitude 0.1 to 64, the sign kept (0 is
// 0.1), within 1% of 1 is 1.
double clampSpeed(double s);
// `]` and `[`: x1.1 steps up to 4x, doubling past it (4, 8, 16, 32, 64);
// the magnitude moves, the direction stays.
double speedUp(double s);
double speedDown(double s);

struct TrickStep {
    enum class Kind {
        Show,   // decode and show `key`
        Wait,   // the keyframe shown is the clock's until wakeNs (-1: for ever)
        End,    // forwards past the last frame
    } kind = Kind::Wait;
    int64_t key = -1;
    int64_t wakeNs = -1;
};

// What the walker does at nowNs: the keyframe whose stretch holds the clock
// position at nowNs + leadNs (the time a keyframe takes to come out, so it
// comes out on time), shownKey the last one handed on (-1: none; then,
// forwards, a keyframe before the clock's anchor (the frame on screen when
// trick play began) is not gone back to). The walk never goes back against
// its direction from shownKey: the caller passes -1 after a speed change.
TrickStep trickStep(const FrameIndex &idx, const ClockState &clk, int64_t nowNs, int64_t leadNs, int64_t shownKey);

// The stream time keyframe `key` stands for: until the next keyframe, or
// the last frame's end (lastDurationNs past its pts).
int64_t keyStretchNs(const FrameIndex &idx, int64_t key, int64_t lastDurationNs);

// The status line's words for it: ">> 16x keyframes", "<< 2x keyframes".
void formatTrick(double speed, char *out, int n);

} // namespace qv
