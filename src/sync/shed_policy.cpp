#include "qv/sync/shed_policy.h"

#include <algorithm>

namespace qv {

int64_t shedDeadline(const ClockState &clk, int64_t ptsNs, int64_t fedRecvNs, int64_t durNs, int64_t scaleNs,
                     int64_t downstreamNs) {
    if (clk.lowLatency && fedRecvNs > 0)
        return fedRecvNs + kLowLatencyBudget * std::max<int64_t>(durNs, 1000000) + downstreamNs;
    return clk.deadline(ptsNs) - scaleNs;
}

void ShedPolicy::interrupt() {
    for (bool &b : late_) b = false;
    seen_ = 0;
    lateSince_ = -1;
    earlySince_ = -1;
    changedAt_ = INT64_MIN;
}

ShedPolicy::Decision ShedPolicy::observe(int64_t now, int64_t deadline, int64_t dur, int64_t clockPos) {
    Decision d;
    if (dur <= 0) dur = 1;
    const int64_t late = now + t_.downstreamNs - deadline;   // > 0: misses its deadline
    late_[seen_ % kWindow] = late > 0;
    ++seen_;
    int lateCount = 0;
    for (int i = 0; i < std::min(seen_, kWindow); ++i) lateCount += late_[i];
    const bool held = changedAt_ == INT64_MIN || now - changedAt_ >= t_.holdNs;

    // Early for long enough: one level back.
    if (late < -t_.earlyFrames * dur) {
        if (earlySince_ < 0) earlySince_ = now;
    } else {
        earlySince_ = -1;
    }
    if (level_ > 0 && earlySince_ >= 0 && now - earlySince_ >= t_.recoverNs) {
        --level_;
        d.changed = true;
        changedAt_ = now;
        earlySince_ = now;   // the next step back needs as long again
    } else if (level_ < kMaxLevel && held && lateCount >= t_.lateOfWindow) {
        ++level_;
        d.changed = true;
        changedAt_ = now;
        for (bool &b : late_) b = false;
        seen_ = 0;
    }

    // Far behind at the last level (or hopelessly behind at any level):
    // the decoder cannot catch up by decoding faster.
    const int64_t far = std::max<int64_t>(t_.skipLateNs, t_.skipFrames * dur);
    if (late > far) {
        if (lateSince_ < 0) lateSince_ = now;
    } else {
        lateSince_ = -1;
    }
    const bool hopeless = late > 4 * far;
    if (lateSince_ >= 0 && (level_ == kMaxLevel || hopeless) && now - lateSince_ >= t_.skipAfterNs) {
        d.skipToKey = true;
        d.skipFromNs = clockPos + t_.skipLeadNs;
        lateSince_ = -1;
        for (bool &b : late_) b = false;
        seen_ = 0;
    }
    d.level = level_;
    return d;
}

} // namespace qv
