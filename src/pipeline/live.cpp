#include "live.h"

#include <algorithm>

namespace qv {

LiveWait liveWait(int64_t now, int64_t since, int64_t timeoutNs) {
    LiveWait w;
    if (since <= 0 || now < since) return w;
    const int64_t silent = now - since;
    if (timeoutNs > 0 && silent >= timeoutNs) {
        w.timedOut = true;
        w.waitingNs = silent;
        return w;
    }
    if (silent >= kGapNs) w.waitingNs = silent;
    // The next whole second of silence (the status line counts seconds),
    // or the timeout, whichever comes first.
    int64_t next = since + (silent / kGapNs + 1) * kGapNs;
    if (timeoutNs > 0) next = std::min(next, since + timeoutNs);
    w.nextCheckNs = next;
    return w;
}

std::string waitingText(int64_t waitingNs) {
    return "waiting for data (" + std::to_string(waitingNs / 1000000000LL) + " s)";
}

} // namespace qv

namespace qv {

LatencyLog::LatencyLog() : scratch_(new int64_t[kRing]) {
    for (auto &a : v_) a.reset(new int64_t[kRing]);
}

void LatencyLog::add(int64_t recvNs, int64_t decodedNs, int64_t scaledNs, int64_t shownNs) {
    if (recvNs <= 0 || decodedNs < recvNs || shownNs < decodedNs) return;
    if (scaledNs < decodedNs || scaledNs > shownNs) scaledNs = decodedNs;   // not scaled (a step from the cache)
    const size_t k = static_cast<size_t>(count_++ % kRing);
    v_[kTotal][k] = shownNs - recvNs;
    v_[kDecode][k] = decodedNs - recvNs;
    v_[kScale][k] = scaledNs - decodedNs;
    v_[kDisplay][k] = shownNs - scaledNs;
}

namespace {
int64_t rank(int64_t *a, size_t n, double q) {
    if (n == 0) return 0;
    const size_t k = std::min(n - 1, static_cast<size_t>(q * static_cast<double>(n)));
    std::nth_element(a, a + k, a + n);
    return a[k];
}
} // namespace

void LatencyLog::recentMedians(int last, int64_t out[kParts]) const {
    const int64_t n = std::min<int64_t>({static_cast<int64_t>(last), count_, kRing});
    for (int p = 0; p < kParts; ++p) {
        for (int64_t i = 0; i < n; ++i) scratch_[i] = v_[p][static_cast<size_t>((count_ - 1 - i) % kRing)];
        out[p] = rank(scratch_.get(), static_cast<size_t>(n), 0.5);
    }
}

void LatencyLog::summary(int64_t median[kParts], int64_t p99[kParts]) const {
    const size_t n = static_cast<size_t>(std::min<int64_t>(count_, kRing));
    for (int p = 0; p < kParts; ++p) {
        std::copy(v_[p].get(), v_[p].get() + n, scratch_.get());
        median[p] = rank(scratch_.get(), n, 0.5);
        p99[p] = rank(scratch_.get(), n, 0.99);
    }
}

} // namespace qv
