#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/audio/audio_clock.h"
#include "qv/audio/drift_guard.h"

#include <algorithm>
#include <utility>
#include <vector>

using namespace qv;

constexpr int64_t ms = 1000000;

TEST_CASE("the heard position moves with the wall clock after a callback") {
    AudioStamp s;
    s.callbackNs = 1000 * ms;
    s.ptsNs = 5000 * ms;   // the callback handed out samples from 5.000 s
    s.spanNs = 20 * ms;    // 20 ms of them
    s.latencyNs = 0;
    CHECK(heardAt(s, 1000 * ms) == 5000 * ms);
    CHECK(heardAt(s, 1010 * ms) == 5010 * ms);
    // The sound stops where what was handed out ends (an underrun).
    CHECK(heardAt(s, 1100 * ms) == 5020 * ms);
}

TEST_CASE("device latency: the first sample is heard one buffer later") {
    AudioStamp s{1000 * ms, 5000 * ms, 20 * ms, 20 * ms, 1.0};
    // Still the previous buffer: the line extends backwards.
    CHECK(heardAt(s, 1000 * ms) == 4980 * ms);
    CHECK(heardAt(s, 1020 * ms) == 5000 * ms);
    CHECK(heardAt(s, 1030 * ms) == 5010 * ms);
}

TEST_CASE("speed: stream time runs faster than the wall") {
    AudioStamp s{0, 1000 * ms, 10 * ms, 0, 2.0};   // 10 ms of wall time, 20 ms of stream
    CHECK(heardAt(s, 5 * ms) == 1010 * ms);
    CHECK(heardAt(s, 50 * ms) == 1020 * ms);
}

TEST_CASE("median and 99th percentile") {
    std::vector<int64_t> v;
    for (int i = 100; i >= 1; --i) v.push_back(i);
    int64_t med = 0, p99 = 0;
    medianP99(v.data(), v.size(), med, p99);
    CHECK(med == 51);
    CHECK(p99 == 100);
    medianP99(v.data(), 0, med, p99);
    CHECK(med == 0);
}

// ---- the drift guard (issue 14) ----
// A sender `fast` times as fast as the sound card (0.004: 0.4% fast): the
// backlog grows by (fast - (rate - 1)) seconds a second, with the saw-tooth
// of packets arriving every 100 ms. Simulated in steps of 10 ms.
namespace {
struct DriftRun {
    double finalErrMs = 0, finalLevelMs = 0, maxRate = 1, minRate = 1, maxErrMs = 0;
    int learnt = 0, skips = 0;
};
DriftRun simulate(bool enabled, double fast, double seconds, int64_t jumpAtNs = -1, int64_t catchUpNs = 0,
                  int64_t floorNs = 0, double startBacklogNs = 80e6) {
    DriftGuard g(enabled, catchUpNs);
    g.setFloorNs(floorNs);
    DriftRun r;
    g.reset();
    double backlogNs = startBacklogNs;   // heard -> newest received, with the packet in flight
    double rate = 1.0;
    const int64_t step = 10000000;
    std::vector<std::pair<int64_t, int64_t>> pendingSkips;   // (when it takes effect, how much)
    for (int64_t t = 0; t < static_cast<int64_t>(seconds * 1e9); t += step) {
        backlogNs += (fast - (rate - 1.0)) * static_cast<double>(step);
        if (t == jumpAtNs) backlogNs += 5e9;   // the sender restarted its timestamps
        const double saw = static_cast<double>(t % 100000000);   // a packet every 100 ms
        rate = g.sample(1000000000 + t, static_cast<int64_t>(backlogNs + saw));
        // The audio stage leaves the excess out: the backlog drops by it
        // once the blocks queued before (100 ms here) have played.
        if (const int64_t skip = g.takeSkipNs()) pendingSkips.push_back({t + 100000000, skip});
        for (auto it = pendingSkips.begin(); it != pendingSkips.end();) {
            if (it->first <= t) {
                backlogNs -= static_cast<double>(it->second);
                it = pendingSkips.erase(it);
            } else {
                ++it;
            }
        }
        if (g.learned()) r.maxErrMs = std::max(r.maxErrMs, static_cast<double>(g.levelNs() - g.targetNs()) / 1e6);
    }
    r.finalErrMs = static_cast<double>(g.levelNs() - g.targetNs()) / 1e6;
    r.finalLevelMs = static_cast<double>(g.levelNs()) / 1e6;
    r.maxRate = g.maxRate();
    r.minRate = g.minRate();
    r.learnt = g.learnt();
    r.skips = g.skips();
    return r;
}
} // namespace

TEST_CASE("drift guard: a sender 0.4% fast is held near the target; without it the latency grows") {
    const DriftRun on = simulate(true, 0.004, 60);
    const DriftRun off = simulate(false, 0.004, 60);
    CHECK(on.finalErrMs < 30);           // 0.004 / kGainPerS = 20 ms in the steady state
    CHECK(on.finalErrMs > 5);            // proportional: a small, steady offset
    CHECK(on.maxRate > 1.003);
    CHECK(on.maxRate <= 1.0 + DriftGuard::kMaxRate + 1e-12);
    CHECK(off.finalErrMs > 200);         // 56 s after learning, 4 ms a second
    CHECK(off.maxRate == 1.0);
}

TEST_CASE("drift guard: a slow sender is answered by playing slower, within the bound") {
    const DriftRun on = simulate(true, -0.001, 60);
    CHECK(on.finalErrMs > -10);
    CHECK(on.minRate < 0.9995);
    CHECK(on.minRate >= 1.0 - DriftGuard::kMaxRate - 1e-12);
    // Faster than the bound: the guard gives all it may and no more.
    const DriftRun fast = simulate(true, 0.02, 30);
    CHECK(fast.maxRate == doctest::Approx(1.0 + DriftGuard::kMaxRate));
    CHECK(fast.finalErrMs > 100);
}

TEST_CASE("drift guard: nothing is corrected while learning; a jump learns the target again") {
    DriftGuard g;
    g.reset();
    for (int64_t t = 0; t < DriftGuard::kLearnNs - DriftGuard::kSampleNs; t += DriftGuard::kSampleNs)
        CHECK(g.sample(t, 90000000 + t / 10) == 1.0);   // growing, but not learnt yet
    CHECK_FALSE(g.learned());
    const DriftRun j = simulate(true, 0.0, 20, 10000000000LL);
    CHECK(j.learnt == 2);
    CHECK(j.finalErrMs < 5);
    CHECK(j.finalErrMs > -5);
}

TEST_CASE("drift guard catch-up (--latency=low): a sound card too slow for the rate has the excess left out") {
    // A card 2% slow (SDL's disk writer on a loaded machine): past the
    // 0.5% the rate can give, the level climbs; each time it is over 50 ms
    // above the target the excess is dropped, at most once per window.
    const DriftRun up = simulate(true, 0.02, 30, -1, 50000000);
    CHECK(up.skips >= 3);
    CHECK(up.maxErrMs < 50 + 0.015 * 2000 + 5);   // the threshold, plus what builds up in one window
    CHECK(up.finalErrMs < 85);
    const DriftRun none = simulate(true, 0.02, 30);
    CHECK(none.skips == 0);
    CHECK(none.finalErrMs > 300);
    // Within what the rate can hold: never.
    CHECK(simulate(true, 0.004, 60, -1, 50000000).skips == 0);
    // Off (measured only): never either.
    CHECK(simulate(false, 0.02, 30, -1, 50000000).skips == 0);
}

TEST_CASE("drift guard catch-up: a sound that began late is cut to the output's floor, then held there") {
    // Begun 300 ms behind (the least the queue allows: 135 ms): cut once
    // when the level is learnt, the target learnt again from what is left.
    const DriftRun late = simulate(true, 0.0, 20, -1, 50000000, 135000000, 300e6);
    CHECK(late.skips == 1);
    CHECK(late.finalLevelMs < 140);
    CHECK(late.finalLevelMs > 130);
    CHECK(late.finalErrMs > -5);
    CHECK(late.finalErrMs < 5);
    // Within the floor and its margin: left alone.
    const DriftRun near = simulate(true, 0.0, 20, -1, 50000000, 135000000, 170e6);
    CHECK(near.skips == 0);
    CHECK(near.finalLevelMs > 165);
    // Without catch-up the late start stays.
    CHECK(simulate(true, 0.0, 20, -1, 0, 135000000, 300e6).finalLevelMs > 295);
}
