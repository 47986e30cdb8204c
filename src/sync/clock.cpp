#include "qv/sync/clock.h"

#include <chrono>

namespace qv {

int64_t monotonicNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

Decision decide(const SchedInput &in, const SyncTuning &t) {
    if (!in.sync) return {Verdict::Present, 0};
    const int64_t late = in.nowNs - in.deadlineNs;
    if (late < -t.earlyToleranceNs) return {Verdict::Wait, in.deadlineNs};
    if (late > t.resyncNs) return {Verdict::Resync, 0};
    const int64_t dur = in.durationNs > 0 ? in.durationNs : 1;
    if (late > dur && in.newerReady) {
        const bool starving = in.lastPresentNs >= 0 && in.nowNs - in.lastPresentNs >= t.maxFreezeNs;
        if (!starving) return {Verdict::DropLate, 0};
    }
    return {Verdict::Present, 0};
}

} // namespace qv
