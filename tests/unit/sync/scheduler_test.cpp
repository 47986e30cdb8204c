#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/sync/clock.h"

using namespace qv;

namespace {
constexpr int64_t ms = 1000000;
SchedInput at(int64_t now, int64_t deadline, bool newer = true, int64_t lastPresent = -1) {
    SchedInput in;
    in.nowNs = now;
    in.deadlineNs = deadline;
    in.durationNs = 40 * ms;
    in.newerReady = newer;
    in.lastPresentNs = lastPresent;
    return in;
}
} // namespace

TEST_CASE("clock deadlines are absolute and follow speed") {
    PlaybackClock c;
    CHECK_FALSE(c.anchored());
    c.anchor(1000 * ms, 0);
    CHECK(c.deadline(40 * ms) == 1040 * ms);
    CHECK(c.deadline(4000 * ms) == 5000 * ms);   // no accumulated skew
    c.setSpeed(2.0, 1100 * ms, 100 * ms);          // re-anchor at the frame on screen
    CHECK(c.deadline(100 * ms) == 1100 * ms);
    CHECK(c.deadline(300 * ms) == 1200 * ms);
    CHECK(c.positionAt(1200 * ms) == 300 * ms);
    c.reset();
    CHECK_FALSE(c.anchored());
}

TEST_CASE("early frames wait until their deadline") {
    SyncTuning t;
    Decision d = decide(at(100 * ms, 140 * ms), t);
    CHECK(d.verdict == Verdict::Wait);
    CHECK(d.waitUntilNs == 140 * ms);
}

TEST_CASE("a frame within the tolerance is presented now") {
    SyncTuning t;
    CHECK(decide(at(139 * ms, 140 * ms), t).verdict == Verdict::Present);
    CHECK(decide(at(150 * ms, 140 * ms), t).verdict == Verdict::Present);   // late < duration
}

TEST_CASE("late by more than its duration with a newer frame ready: drop") {
    SyncTuning t;
    CHECK(decide(at(200 * ms, 140 * ms, true, 190 * ms), t).verdict == Verdict::DropLate);
}

TEST_CASE("late but nothing newer ready: present (never an empty screen)") {
    SyncTuning t;
    CHECK(decide(at(200 * ms, 140 * ms, false, 190 * ms), t).verdict == Verdict::Present);
}

TEST_CASE("never freeze: while behind, present at least every maxFreeze") {
    SyncTuning t;
    // Last present 150 ms ago > 100 ms: present although late.
    CHECK(decide(at(400 * ms, 300 * ms, true, 250 * ms), t).verdict == Verdict::Present);
    CHECK(decide(at(400 * ms, 300 * ms, true, 350 * ms), t).verdict == Verdict::DropLate);
}

TEST_CASE("a stall re-anchors instead of dropping seconds of video") {
    SyncTuning t;
    CHECK(decide(at(5000 * ms, 1000 * ms, true, 900 * ms), t).verdict == Verdict::Resync);
}

TEST_CASE("no-sync presents everything at once") {
    SyncTuning t;
    SchedInput in = at(0, 10000 * ms);
    in.sync = false;
    CHECK(decide(in, t).verdict == Verdict::Present);
}

TEST_CASE("a 25 fps stream on a fake clock presents every frame on time") {
    SyncTuning t;
    PlaybackClock c;
    int64_t now = 0;
    int presented = 0, dropped = 0;
    c.anchor(now, 0);
    for (int f = 0; f < 100; ++f) {
        int64_t pts = f * 40 * ms;
        for (;;) {
            Decision d = decide(at(now, c.deadline(pts), true, now - 40 * ms), t);
            if (d.verdict == Verdict::Wait) { now = d.waitUntilNs; continue; }
            if (d.verdict == Verdict::DropLate) ++dropped; else ++presented;
            break;
        }
        now += 5 * ms;   // the display takes 5 ms
    }
    CHECK(presented == 100);
    CHECK(dropped == 0);
}

TEST_CASE("a display that takes 100 ms per frame drops frames but keeps ~10 fps") {
    SyncTuning t;
    PlaybackClock c;
    int64_t now = 0, lastPresent = -1;
    int presented = 0, dropped = 0;
    c.anchor(now, 0);
    for (int f = 0; f < 250; ++f) {   // 10 s at 25 fps
        Decision d = decide(at(now, c.deadline(f * 40 * ms), f + 1 < 250, lastPresent), t);
        if (d.verdict == Verdict::Wait) { now = d.waitUntilNs; --f; continue; }
        if (d.verdict == Verdict::DropLate) { ++dropped; continue; }
        ++presented;
        now += 100 * ms;
        lastPresent = now;   // when the (slow) present finished
    }
    CHECK(dropped > 0);
    CHECK(presented >= 90);   // ~10 fps over 10 s: the picture never froze
    CHECK(presented + dropped == 250);
}

TEST_CASE("display latency: learnt from flips, trusted after a few, outliers clamped") {
    LatencyEstimator e;
    CHECK(e.value() == 0);
    for (int i = 0; i < 3; ++i) e.add(i * 16666666LL, i * 16666666LL + 8000000);
    CHECK(e.value() == 0);   // not yet
    e.add(100000000, 108000000);
    CHECK(e.value() == 8000000);
    e.add(200000000, 200000000 + 5000000000LL);   // a stall: clamped to 100 ms
    CHECK(e.value() == (8000000LL * 7 + 100000000) / 8);
    for (int i = 0; i < 100; ++i) e.add(0, 16000000);
    CHECK(e.value() == doctest::Approx(16000000).epsilon(0.01));
    e.add(50, 10);   // a clock going backwards counts as 0
    CHECK(e.value() < 16000000);
}
