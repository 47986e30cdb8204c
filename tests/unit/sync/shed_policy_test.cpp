// Work shedding on a slow CPU, driven with made-up lateness.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/sync/shed_policy.h"

#include <algorithm>

using namespace qv;

namespace {
constexpr int64_t ms = 1000000;
constexpr int64_t frame = 1000 * ms / 60;   // 60 fps

// Feeds frames coming out `late` ns after their deadline, one every frame
// interval, for `n` frames from `now`; returns the last decision.
ShedPolicy::Decision feed(ShedPolicy &p, int64_t &now, int64_t late, int n, bool *skipped = nullptr) {
    ShedPolicy::Decision d;
    for (int i = 0; i < n; ++i) {
        d = p.observe(now, now - late, frame, now);
        if (skipped && d.skipToKey) *skipped = true;
        now += frame;
    }
    return d;
}
} // namespace

TEST_CASE("on time: nothing is shed") {
    ShedPolicy p;
    int64_t now = 0;
    CHECK(feed(p, now, -10 * ms, 200).level == 0);
}

TEST_CASE("late frames raise the level one step at a time, in the fixed order") {
    ShedPolicy p;
    int64_t now = 0;
    ShedPolicy::Decision d = feed(p, now, 5 * ms, 4);
    CHECK(d.level == 1);   // skip the loop filter
    d = feed(p, now, 5 * ms, 4);
    CHECK(d.level == 1);   // held: the change needs time to show
    d = feed(p, now, 5 * ms, 20);
    CHECK(d.level == 2);   // skip non-reference frames
    d = feed(p, now, 5 * ms, 60);
    CHECK(d.level == ShedPolicy::kMaxLevel);
}

TEST_CASE("early for long enough: back one level at a time") {
    ShedPolicy p;
    int64_t now = 0;
    feed(p, now, 5 * ms, 200);
    REQUIRE(p.level() == 2);
    feed(p, now, -50 * ms, 60);   // 1 s early: not long enough yet
    CHECK(p.level() == 2);
    feed(p, now, -50 * ms, 70);   // 2 s
    CHECK(p.level() == 1);
    feed(p, now, -50 * ms, 130);
    CHECK(p.level() == 0);
}

TEST_CASE("still far behind at the last level: a skip to the next keyframe ahead of the clock") {
    ShedPolicy p;
    int64_t now = 0;
    bool skipped = false;
    feed(p, now, 5 * ms, 200, &skipped);
    CHECK_FALSE(skipped);   // a little late: shedding is enough
    ShedPolicy::Decision d;
    for (int i = 0; i < 60 && !d.skipToKey; ++i) {
        d = p.observe(now, now - 300 * ms, frame, now - 300 * ms);
        now += frame;
    }
    REQUIRE(d.skipToKey);
    CHECK(d.skipFromNs > now - 300 * ms);   // ahead of where the picture is
}

TEST_CASE("hopelessly behind at any level: skip without waiting for the last level") {
    ShedPolicy p;
    int64_t now = 0;
    bool skipped = false;
    feed(p, now, 2000 * ms, 40, &skipped);
    CHECK(skipped);
}

TEST_CASE("an interruption (seek, pause) forgets the lateness but keeps the level") {
    ShedPolicy p;
    int64_t now = 0;
    feed(p, now, 5 * ms, 200);
    const int level = p.level();
    p.interrupt();
    CHECK(p.level() == level);
    ShedPolicy::Decision d = p.observe(now, now + 10 * ms, frame, now);
    CHECK_FALSE(d.changed);
    p.reset();
    CHECK(p.level() == 0);
}

// --latency=low: the display anchors the clock on each frame as it shows it.
// A live source at `fps`, each packet received on time, decoded in `decode`
// ns (a backlog builds when that is more than an interval); a decoder that
// reorders gives frame k out once packet k + reorder is in; shown at once.
namespace {
int liveLevel(bool lowLatency, int64_t decode, int frames, int *maxLevel, int reorder = 0, bool stall = false,
              int fps = 30) {
    const int64_t iv = 1000 * ms / fps;
    ShedPolicy p;
    ClockState clk;
    clk.timed = true;
    clk.lowLatency = lowLatency;
    int64_t decoderFree = 0;
    *maxLevel = 0;
    ShedPolicy::Decision d;
    for (int k = 0; k < frames; ++k) {
        const int64_t fedRecv = 1000 * ms + (k + reorder) * iv;   // the packet that lets frame k out
        const int64_t pts = k * iv;
        // stall: frames 10 to 13 take 150 ms each (a hiccup, then it keeps up).
        const int64_t out = std::max(fedRecv, decoderFree) + decode + (stall && k >= 10 && k < 14 ? 150 * ms : 0);
        decoderFree = out;
        d = p.observe(out, shedDeadline(clk, pts, fedRecv, iv, 0), iv, clk.positionAt(out));
        *maxLevel = std::max(*maxLevel, d.level);
        clk.anchorWallNs = out + ms;   // shown a millisecond later: the clock follows it
        clk.anchorPtsNs = pts;
    }
    return d.level;
}
} // namespace

TEST_CASE("--latency=low: a decoder that keeps up sheds nothing; one that falls behind does") {
    int maxLevel = 0;
    // Against the clock anchored on the last frame shown, each next frame
    // is a little late (4 ms for what follows decoding): that would shed
    // for ever on a healthy stream.
    liveLevel(false, 2 * ms, 300, &maxLevel);
    CHECK(maxLevel > 0);
    CHECK(liveLevel(true, 2 * ms, 300, &maxLevel) == 0);
    CHECK(maxLevel == 0);
    // A hiccup sheds, and the level comes back down once the decoder keeps
    // up again; with B-frames too (measured from the frame's own packet, a
    // frame held back to reorder looked late and never early: the level
    // never came down), and at 60 fps with most of the interval used.
    CHECK(liveLevel(true, 2 * ms, 300, &maxLevel, 0, true) == 0);
    CHECK(maxLevel > 0);
    CHECK(liveLevel(true, 2 * ms, 300, &maxLevel, 3, true) == 0);
    CHECK(maxLevel > 0);
    CHECK(liveLevel(true, 13 * ms, 600, &maxLevel, 2, true, 60) == 0);
    CHECK(maxLevel > 0);
    // 40 ms a frame at 30 fps: behind by more and more.
    liveLevel(true, 40 * ms, 120, &maxLevel);
    CHECK(maxLevel == ShedPolicy::kMaxLevel);
    // No receive time known: the clock's deadline.
    ClockState clk;
    clk.lowLatency = true;
    clk.anchorWallNs = 500 * ms;
    CHECK(shedDeadline(clk, 100 * ms, 0, 33 * ms, 2 * ms) == 598 * ms);
    CHECK(shedDeadline(clk, 100 * ms, 700 * ms, 33 * ms, 2 * ms) == 803 * ms);
}
