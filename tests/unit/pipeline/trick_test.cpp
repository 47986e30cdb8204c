// Trick play's pure parts: the speed keys' steps and which keyframe the
// clock wants, over a fake index.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "fake_index.h"

#include "qv/pipeline/trick.h"

#include <algorithm>
#include <cstring>
#include <vector>

using namespace qv;

using test::FakeIndex;
using test::ms;

namespace {
ClockState clockAt(int64_t posNs, double speed) {
    ClockState c;
    c.timed = true;
    c.anchorWallNs = 1000 * ms;
    c.anchorPtsNs = posNs;
    c.speed = speed;
    return c;
}
} // namespace

TEST_CASE("speed keys: x1.1 up to 4x, doubling past it to 64x, the direction kept") {
    double s = 1.0;
    int presses = 0;
    while (s < 4.0 && presses < 100) {
        s = speedUp(s);
        ++presses;
    }
    CHECK(s == doctest::Approx(4.0));
    CHECK(presses == 15);   // 1.1^15 > 4: the last step lands on 4 exactly
    CHECK(speedUp(4.0) == doctest::Approx(8.0));
    CHECK(speedUp(16.0) == doctest::Approx(32.0));
    CHECK(speedUp(64.0) == doctest::Approx(64.0));
    CHECK(speedDown(64.0) == doctest::Approx(32.0));
    CHECK(speedDown(8.0) == doctest::Approx(4.0));
    CHECK(speedDown(4.0) == doctest::Approx(4.0 / 1.1));
    CHECK(speedDown(0.1) == doctest::Approx(0.1));
    CHECK(speedUp(-8.0) == doctest::Approx(-16.0));
    CHECK(speedDown(-16.0) == doctest::Approx(-8.0));
    CHECK(clampSpeed(0) == doctest::Approx(0.1));
    CHECK(clampSpeed(-1000) == doctest::Approx(-64));
    CHECK(clampSpeed(1.005) == 1.0);
    CHECK(isTrickSpeed(8));
    CHECK(!isTrickSpeed(4));
    CHECK(isTrickSpeed(-1));
    char buf[32];
    formatTrick(16, buf, sizeof buf);
    CHECK(std::strcmp(buf, ">> 16x keyframes") == 0);
    formatTrick(-2, buf, sizeof buf);
    CHECK(std::strcmp(buf, "<< 2x keyframes") == 0);
}

TEST_CASE("forward: the keyframe whose stretch holds the clock, then a wait until the next one") {
    FakeIndex idx;
    const ClockState c = clockAt(1200 * ms, 16.0);   // inside the stretch of keyframe 25 (1.0 s to 2.0 s)
    TrickStep st = trickStep(idx, c, c.anchorWallNs, 0, 0);   // keyframe 0 shown last
    REQUIRE(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 25);
    st = trickStep(idx, c, c.anchorWallNs, 0, 25);
    REQUIRE(st.kind == TrickStep::Kind::Wait);
    // Keyframe 50 is at 2.0 s: 0.8 s of stream at 16x is 50 ms of wall time.
    CHECK(st.wakeNs >= c.anchorWallNs + 50 * ms);
    CHECK(st.wakeNs <= c.anchorWallNs + 50 * ms + 1);
    st = trickStep(idx, c, st.wakeNs, 0, 25);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 50);
    // A lead asks for the keyframe that will be due when it comes out.
    st = trickStep(idx, c, c.anchorWallNs, 60 * ms, 25);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 50);
    // Keyframes the clock passed while one was decoded are skipped.
    st = trickStep(idx, c, c.anchorWallNs + 120 * ms, 0, 25);
    CHECK(st.key == 75);
    // Past the last frame (3.96 s): the end.
    st = trickStep(idx, c, c.anchorWallNs + 200 * ms, 0, 75);
    CHECK(st.kind == TrickStep::Kind::End);
}

TEST_CASE("forward from a frame past a keyframe: no step back to it, the next keyframe first") {
    FakeIndex idx;
    const ClockState c = clockAt(1200 * ms, 16.0);   // the frame on screen is 30 (1.2 s), in keyframe 25's stretch
    TrickStep st = trickStep(idx, c, c.anchorWallNs, 0, -1);
    REQUIRE(st.kind == TrickStep::Kind::Wait);
    CHECK(st.wakeNs >= c.anchorWallNs + 50 * ms);   // keyframe 50 at 2.0 s
    st = trickStep(idx, c, st.wakeNs, 0, -1);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 50);
    // Anchored on the keyframe itself: it is shown.
    const ClockState k = clockAt(1000 * ms, 16.0);
    st = trickStep(idx, k, k.anchorWallNs, 0, -1);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 25);
    // Backwards from frame 30: keyframe 25 is the next one back.
    const ClockState r = clockAt(1200 * ms, -16.0);
    st = trickStep(idx, r, r.anchorWallNs, 0, -1);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 25);
}

TEST_CASE("reverse: keyframes walked backwards, the first one shown until the display stops") {
    FakeIndex idx;
    const ClockState c = clockAt(2500 * ms, -16.0);   // in keyframe 50's stretch
    TrickStep st = trickStep(idx, c, c.anchorWallNs, 0, 75);
    REQUIRE(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 50);
    st = trickStep(idx, c, c.anchorWallNs, 0, 50);
    REQUIRE(st.kind == TrickStep::Kind::Wait);
    // Below 2.0 s after 0.5 s of stream: 31.25 ms at 16x.
    CHECK(st.wakeNs > c.anchorWallNs + 31 * ms);
    CHECK(st.wakeNs < c.anchorWallNs + 32 * ms);
    st = trickStep(idx, c, st.wakeNs, 0, 50);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 25);
    // Before the start: keyframe 0, and no wake (the display stage stops).
    st = trickStep(idx, c, c.anchorWallNs + 1000 * ms, 0, 25);
    CHECK(st.key == 0);
    st = trickStep(idx, c, c.anchorWallNs + 1000 * ms, 0, 0);
    CHECK(st.kind == TrickStep::Kind::Wait);
    CHECK(st.wakeNs == -1);
}

TEST_CASE("a clock re-anchored behind the keyframe shown: no step back against the direction of play") {
    FakeIndex idx;
    // Forwards, 50 shown; the display re-anchored the clock in 25's stretch
    // (a late keyframe): the walk waits for 75's time, it does not show 25.
    const ClockState f = clockAt(1200 * ms, 16.0);
    TrickStep st = trickStep(idx, f, f.anchorWallNs, 0, 50);
    REQUIRE(st.kind == TrickStep::Kind::Wait);
    CHECK(st.wakeNs > f.anchorWallNs + 50 * ms);   // 3.0 s: 1.8 s of stream at 16x is 112.5 ms
    st = trickStep(idx, f, f.anchorWallNs + 113 * ms, 0, 50);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 75);
    // Backwards, 25 shown, the clock in 50's stretch: 25 stays.
    const ClockState r = clockAt(2500 * ms, -16.0);
    st = trickStep(idx, r, r.anchorWallNs, 0, 25);
    CHECK(st.kind == TrickStep::Kind::Wait);
    // After a speed change (shownKey -1) the clock decides again.
    st = trickStep(idx, r, r.anchorWallNs, 0, -1);
    CHECK(st.kind == TrickStep::Kind::Show);
    CHECK(st.key == 50);
}

TEST_CASE("a keyframe's stretch: to the next keyframe, the last one to the end") {
    FakeIndex idx;
    CHECK(keyStretchNs(idx, 0, 40 * ms) == 1000 * ms);
    CHECK(keyStretchNs(idx, 75, 40 * ms) == 1000 * ms);   // 3.0 s to 3.96 + 0.04 s
    CHECK(keyStretchNs(idx, 500, 40 * ms) == 40 * ms);
}

TEST_CASE("a wait never ends before it begins (no spin on rounding)") {
    FakeIndex idx;
    // The clock exactly at keyframe 25's time, going backwards, 25 shown.
    const ClockState c = clockAt(1000 * ms, -64.0);
    const TrickStep st = trickStep(idx, c, c.anchorWallNs, 0, 25);
    if (st.kind == TrickStep::Kind::Wait) CHECK(st.wakeNs > c.anchorWallNs);
    else CHECK(st.key == 0);
}
