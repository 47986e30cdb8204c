#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/sync/clock.h"

#include <algorithm>
#include <cstdlib>

using namespace qv;

namespace {
constexpr int64_t ms = 1000000;
SchedInput at(int64_t now, int64_t deadline, int64_t lastPresent = -1) {
    SchedInput in;
    in.nowNs = now;
    in.deadlineNs = deadline;
    in.durationNs = 40 * ms;
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

TEST_CASE("late by more than its duration: dropped, whether or not a newer frame is there") {
    SyncTuning t;
    CHECK(decide(at(200 * ms, 140 * ms, 190 * ms), t).verdict == Verdict::DropLate);
    // A slow decoder: nothing newer is queued, the frame is still too late to
    // be shown in sync, so it goes; the freeze guard keeps the picture moving.
    CHECK(decide(at(260 * ms, 140 * ms, 190 * ms), t).verdict == Verdict::DropLate);
}

TEST_CASE("never freeze: while behind, present at least every maxFreeze") {
    SyncTuning t;
    // Last present 150 ms ago > 100 ms: present although late.
    CHECK(decide(at(400 * ms, 300 * ms, 250 * ms), t).verdict == Verdict::Present);
    CHECK(decide(at(400 * ms, 300 * ms, 350 * ms), t).verdict == Verdict::DropLate);
}

TEST_CASE("a stall re-anchors; a slow decoder that keeps presenting does not") {
    SyncTuning t;
    // Nothing presented for 4 s (the terminal was suspended): re-anchor.
    CHECK(decide(at(5000 * ms, 1000 * ms, 900 * ms), t).verdict == Verdict::Resync);
    // 4 s late but a frame went out 150 ms ago (the freeze guard): the clock
    // holds, the frame is shown, and the decoder sheds work to catch up.
    CHECK(decide(at(5000 * ms, 1000 * ms, 4850 * ms), t).verdict == Verdict::Present);
    CHECK(decide(at(5000 * ms, 1000 * ms, 4950 * ms), t).verdict == Verdict::DropLate);
}

TEST_CASE("the link's answer is an input: a due frame it cannot take is a link drop") {
    SyncTuning t;
    SchedInput in = at(140 * ms, 140 * ms);
    in.linkReady = false;
    CHECK(decide(in, t).verdict == Verdict::DropLink);
    in.nowNs = 100 * ms;   // not due yet: waiting, whatever the link says
    CHECK(decide(in, t).verdict == Verdict::Wait);
    in.sync = false;       // --no-sync: the link still decides
    CHECK(decide(in, t).verdict == Verdict::DropLink);
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
    int64_t worst = 0;
    c.anchor(now, 0);
    for (int f = 0; f < 100; ++f) {
        int64_t pts = f * 40 * ms;
        for (;;) {
            Decision d = decide(at(now, c.deadline(pts), now - 40 * ms), t);
            if (d.verdict == Verdict::Wait) { now = d.waitUntilNs; continue; }
            if (d.verdict == Verdict::DropLate) ++dropped;
            else {
                ++presented;
                worst = std::max(worst, std::abs(now - c.deadline(pts)));
            }
            break;
        }
        now += 5 * ms;   // the display takes 5 ms
    }
    CHECK(presented == 100);
    CHECK(dropped == 0);
    CHECK(worst <= t.earlyToleranceNs);
}

TEST_CASE("a display that takes 100 ms per frame drops frames, keeps ~10 fps and stays near the clock") {
    SyncTuning t;
    PlaybackClock c;
    int64_t now = 0, lastPresent = -1;
    int presented = 0;
    int64_t longestGap = 0, worstLate = 0;
    c.anchor(now, 0);
    for (int f = 0; f < 250; ++f) {   // 10 s at 25 fps
        const int64_t deadline = c.deadline(f * 40 * ms);
        Decision d = decide(at(now, deadline, lastPresent), t);
        if (d.verdict == Verdict::Wait) { now = d.waitUntilNs; --f; continue; }
        if (d.verdict == Verdict::DropLate) { now += ms; continue; }   // the next frame comes a little later
        REQUIRE(d.verdict == Verdict::Present);
        ++presented;
        worstLate = std::max(worstLate, now - deadline);
        if (lastPresent >= 0) longestGap = std::max(longestGap, now - lastPresent);
        now += 100 * ms;
        lastPresent = now;   // when the (slow) present finished
    }
    CHECK(presented >= 20);                          // it went on showing frames...
    CHECK(longestGap <= t.maxFreezeNs + 100 * ms);   // ...never more than the freeze guard apart
    CHECK(worstLate <= t.maxFreezeNs + 140 * ms);    // and never far behind the clock (no drift)
}

TEST_CASE("the published clock: one value, deadlines and positions as the display stage's") {
    ClockCell cell;
    ClockState c;
    c.timed = true;
    c.serial = 7;
    c.anchorWallNs = 1000 * ms;
    c.anchorPtsNs = 500 * ms;
    c.speed = 2.0;
    c.leadNs = 4 * ms;
    cell.store(c);
    const ClockState r = cell.load();
    CHECK(r.timed);
    CHECK(r.serial == 7);
    CHECK(r.deadline(700 * ms) == 1100 * ms - 4 * ms);
    CHECK(r.positionAt(1100 * ms) == 700 * ms);
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
