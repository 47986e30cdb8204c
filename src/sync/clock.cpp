#include "qv/sync/clock.h"

#include <algorithm>
#include <chrono>
#include <climits>

namespace qv {

int64_t monotonicNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Decision decide(const SchedInput &in, const SyncTuning &t) {
    if (!in.sync) return {in.linkReady ? Verdict::Present : Verdict::DropLink, 0};
    const int64_t late = in.nowNs - in.deadlineNs;
    if (late < -t.earlyToleranceNs) return {Verdict::Wait, in.deadlineNs};
    const int64_t sinceShown = in.lastPresentNs >= 0 ? in.nowNs - in.lastPresentNs : INT64_MAX;
    if (late > t.resyncNs && sinceShown > t.resyncNs) return {Verdict::Resync, 0};
    if (!in.linkReady) return {Verdict::DropLink, 0};
    const int64_t dur = in.durationNs > 0 ? in.durationNs : 1;
    // Late by more than it lasts: dropped, unless the picture would freeze.
    const bool starving = in.lastPresentNs >= 0 && sinceShown >= t.maxFreezeNs;
    if (late > std::max(dur, t.lateToleranceNs) && !starving) return {Verdict::DropLate, 0};
    return {Verdict::Present, 0};
}

} // namespace qv
