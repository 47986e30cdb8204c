#include "link_governor.h"

#include <algorithm>

namespace qv {

double LinkGovernor::scaleOf(int level) {
    static const double f[kLevels] = {1.0, 0.7, 0.5, 0.35, 0.35};
    return f[std::clamp(level, 0, kLevels - 1)];
}

bool LinkGovernor::ready(int64_t nowNs, int64_t queued) const {
    if (cap_ > 0) {
        double t = tokens_;
        if (lastNs_ >= 0) t += static_cast<double>(cap_) * static_cast<double>(nowNs - lastNs_) / 1e9;
        t = std::min(t, static_cast<double>(cap_) / 4);   // at most 250 ms of burst
        if (t < 0) return false;
    }
    if (queued > 0 && queued > std::max<int64_t>(lastFrameBytes_ / 2, 2048)) return false;
    // A pty (an SSH session) reports no output queue; a write that had to
    // wait says the same: the kernel buffer was full, and it needs about as
    // long again to drain what is in it.
    return nowNs >= congestedUntilNs_;
}

void LinkGovernor::decided(int64_t nowNs, int64_t queued, bool sent) {
    if (cap_ > 0) {
        if (lastNs_ >= 0) tokens_ += static_cast<double>(cap_) * static_cast<double>(nowNs - lastNs_) / 1e9;
        tokens_ = std::min(tokens_, static_cast<double>(cap_) / 4);
    }
    if (lastNs_ >= 0 && nowNs > lastNs_) {
        const int64_t d = std::min<int64_t>(nowNs - lastNs_, 200000000);
        intervalNs_ = intervalNs_ > 0 ? (intervalNs_ * 7 + d) / 8 : d;
    }
    lastNs_ = nowNs;
    if (queued > 0) calm_ = 0;
    count(!sent);
}

void LinkGovernor::wrote(int64_t nowNs, int64_t n, int64_t blockedNs) {
    (void)nowNs;
    lastFrameBytes_ = n;
    if (cap_ > 0) tokens_ -= static_cast<double>(n);
    // write() waited longer than a frame lasts: the link moved less than a
    // frame's bytes in a frame's time. Once can be the reader's hiccup (a
    // busy machine, a scheduler delay); twice in a row, or twice as long,
    // is a link that is behind.
    const int64_t frameNs = std::max<int64_t>(kBlockedNs, intervalNs_ > 0 ? intervalNs_ : kDefaultIntervalNs);
    const bool slow = blockedNs > frameNs;
    if ((slow && lastSlow_) || blockedNs > 2 * frameNs) {
        congestedUntilNs_ = nowNs + blockedNs;
        calm_ = 0;
    }
    lastSlow_ = slow;
}

void LinkGovernor::count(bool skip) {
    if (skip) {
        ++skipped_;
        ++windowSkips_;
        calm_ = 0;
    } else {
        ++calm_;
    }
    if (++window_ >= 24) {
        // Over half of the recent frames skipped: a smaller picture.
        if (windowSkips_ * 2 > window_ && level_ + 1 < kLevels) {
            ++level_;
            changed_ = true;
        }
        window_ = windowSkips_ = 0;
    }
    // A long calm stretch: try a bigger picture again.
    if (calm_ >= 90 && level_ > 0) {
        --level_;
        changed_ = true;
        calm_ = 0;
    }
}

} // namespace qv
