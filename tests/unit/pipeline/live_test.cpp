// Live sources (issue 14): what the status line says while a source is
// silent, when --timeout ends it, and the latency log's medians.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "pipeline/live.h"

using namespace qv;

namespace {
constexpr int64_t kS = 1000000000LL, kMs = 1000000LL;
}

TEST_CASE("a read that waits less than a second shows nothing, and looks again at the second") {
    const LiveWait w = liveWait(100 * kS + 300 * kMs, 100 * kS, 0);
    CHECK(w.waitingNs == 0);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == 101 * kS);
}

TEST_CASE("no read waiting: nothing to do") {
    const LiveWait w = liveWait(5 * kS, 0, 2 * kS);
    CHECK(w.waitingNs == 0);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == -1);
}

TEST_CASE("a silent source counts whole seconds") {
    const LiveWait w = liveWait(10 * kS + 3500 * kMs, 10 * kS, 0);
    CHECK(w.waitingNs == 3500 * kMs);
    CHECK(waitingText(w.waitingNs) == "waiting for data (3 s)");
    CHECK(w.nextCheckNs == 14 * kS);
}

TEST_CASE("the timeout comes before the next second when it is nearer, and then ends it") {
    LiveWait w = liveWait(10 * kS + 1200 * kMs, 10 * kS, 1500 * kMs);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == 10 * kS + 1500 * kMs);
    w = liveWait(10 * kS + 1500 * kMs, 10 * kS, 1500 * kMs);
    CHECK(w.timedOut);
}

TEST_CASE("latency log: medians of the recent frames and of all, by step") {
    LatencyLog log;
    // recv, decoded +5 ms, scaled +1 ms, shown +10 ms, and one slow frame.
    for (int i = 0; i < 99; ++i) {
        const int64_t r = i * 33 * kMs + 1;
        log.add(r, r + 5 * kMs, r + 6 * kMs, r + 16 * kMs);
    }
    const int64_t r = 99 * 33 * kMs;
    log.add(r, r + 50 * kMs, r + 51 * kMs, r + 61 * kMs);
    CHECK(log.count() == 100);
    int64_t m[LatencyLog::kParts];
    log.recentMedians(30, m);
    CHECK(m[LatencyLog::kTotal] == 16 * kMs);
    CHECK(m[LatencyLog::kDecode] == 5 * kMs);
    CHECK(m[LatencyLog::kScale] == 1 * kMs);
    CHECK(m[LatencyLog::kDisplay] == 10 * kMs);
    int64_t med[LatencyLog::kParts], p99[LatencyLog::kParts];
    log.summary(med, p99);
    CHECK(med[LatencyLog::kTotal] == 16 * kMs);
    CHECK(p99[LatencyLog::kTotal] == 61 * kMs);
    CHECK(p99[LatencyLog::kDecode] == 50 * kMs);
}

TEST_CASE("latency log: frames without their times are left out, an unscaled one counts no scale time") {
    LatencyLog log;
    log.add(0, 5, 6, 16);                      // no receive time (the demo, a step)
    log.add(100, 90, 95, 200);                 // decoded before received: nonsense
    CHECK(log.count() == 0);
    log.add(100, 105, 0, 120);                 // never scaled
    CHECK(log.count() == 1);
    int64_t m[LatencyLog::kParts];
    log.recentMedians(30, m);
    CHECK(m[LatencyLog::kScale] == 0);
    CHECK(m[LatencyLog::kDisplay] == 15);
}
