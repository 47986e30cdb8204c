#include "qv/pipeline/trick.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace qv {

double clampSpeed(double s) {
    if (!std::isfinite(s)) return 1.0;
    const double sign = s < 0 ? -1.0 : 1.0;
    double m = std::clamp(std::fabs(s), kMinSpeed, kMaxSpeed);
    if (std::fabs(m - 1.0) < 0.01) m = 1.0;
    return sign * m;
}

double speedUp(double s) {
    const double sign = s < 0 ? -1.0 : 1.0, m = std::fabs(s);
    // Within 1% of 4x counts as 4x: the next step doubles.
    const double next = m < kTrickAbove * 0.99 ? std::min(m * 1.1, kTrickAbove) : m * 2;
    return clampSpeed(sign * next);
}

double speedDown(double s) {
    const double sign = s < 0 ? -1.0 : 1.0, m = std::fabs(s);
    const double next = m > kTrickAbove * 1.01 ? std::max(m / 2, kTrickAbove) : m / 1.1;
    return clampSpeed(sign * next);
}

int64_t keyStretchNs(const FrameIndex &idx, int64_t key, int64_t lastDurationNs) {
    const int64_t n = idx.frameCount();
    if (n <= 0 || key < 0 || key >= n) return lastDurationNs;
    const int64_t next = idx.nextKey(key);
    const int64_t end = next >= 0 ? idx.ptsNsOf(next) : idx.ptsNsOf(n - 1) + lastDurationNs;
    return std::max<int64_t>(end - idx.ptsNsOf(key), lastDurationNs);
}

TrickStep trickStep(const FrameIndex &idx, const ClockState &clk, int64_t nowNs, int64_t leadNs, int64_t shownKey) {
    TrickStep st;
    const int64_t n = idx.frameCount();
    if (n <= 0) return st;
    const bool forward = clk.speed > 0;
    const int64_t pos = clk.positionAt(nowNs + leadNs);
    const int64_t lastPts = idx.ptsNsOf(n - 1);
    if (forward && pos > lastPts && shownKey >= 0) {
        st.kind = TrickStep::Kind::End;
        return st;
    }
    // The frame whose time has come (ordinalAt rounds to the nearest).
    int64_t o = std::clamp<int64_t>(idx.ordinalAt(pos), 0, n - 1);
    if (o > 0 && idx.ptsNsOf(o) > pos) --o;
    int64_t k = idx.prevKey(o + 1);
    if (k < 0) k = 0;
    // Starting forwards (nothing shown yet: trick play entered, resumed or
    // sought to) from a frame after that keyframe: going back to it would
    // be a step backwards; the next keyframe is the first.
    if (shownKey < 0 && forward && idx.ptsNsOf(k) < clk.anchorPtsNs) shownKey = k;
    // Never back against the direction of play: a clock re-anchored on a
    // keyframe that came out late (a loaded machine) must not make the walk
    // go back and forth. (The caller forgets shownKey when the speed changes.)
    if (shownKey >= 0) k = forward ? std::max(k, shownKey) : std::min(k, shownKey);
    if (k != shownKey) {
        st.kind = TrickStep::Kind::Show;
        st.key = k;
        return st;
    }
    // Shown: until the clock (plus the lead) leaves its stretch (+1: the
    // division truncates, the wake must be at or past the boundary).
    if (forward) {
        const int64_t next = idx.nextKey(k);
        st.wakeNs = clk.deadline(next >= 0 ? idx.ptsNsOf(next) : lastPts + 1) + clk.leadNs - leadNs + 1;
    } else {
        st.wakeNs = k == 0 ? -1 : clk.deadline(idx.ptsNsOf(k) - 1) + clk.leadNs - leadNs + 1;
    }
    // Rounding must not make a wait that ends before it began (a spin).
    if (st.wakeNs >= 0 && st.wakeNs <= nowNs) st.wakeNs = nowNs + 1000000;
    return st;
}

void formatTrick(double speed, char *out, int n) {
    std::snprintf(out, static_cast<size_t>(n), "%s %gx keyframes", speed < 0 ? "<<" : ">>",
                  std::round(std::fabs(speed) * 100) / 100);
}

} // namespace qv
