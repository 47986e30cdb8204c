#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/audio/audio_clock.h"

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
