#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/link_governor.h"

using namespace qv;

constexpr int64_t ms = 1000000;

TEST_CASE("a fast link: every frame goes, the level stays") {
    LinkGovernor g;
    for (int i = 0; i < 300; ++i) {
        CHECK(g.admit(i * 33 * ms, 0));
        g.wrote(i * 33 * ms + ms, 20000, 100000);
    }
    CHECK(g.skipped() == 0);
    CHECK(g.level() == 0);
    CHECK_FALSE(g.takeLevelChange());
}

TEST_CASE("a write that waited: frames are skipped while the buffer drains") {
    LinkGovernor g;
    CHECK(g.admit(0, -1));
    g.wrote(80 * ms, 20000, 80 * ms);    // waited 80 ms
    CHECK_FALSE(g.admit(100 * ms, -1));  // still draining until 160 ms
    CHECK_FALSE(g.admit(133 * ms, -1));
    CHECK(g.admit(166 * ms, -1));
    CHECK(g.skipped() == 2);
}

TEST_CASE("one slow write is a hiccup; two in a row are a slow link") {
    LinkGovernor g;
    int64_t t = 0;
    for (int i = 0; i < 10; ++i) {
        CHECK(g.admit(t, -1));
        g.wrote(t + ms, 20000, ms);
        t += 33 * ms;
    }
    CHECK(g.admit(t, -1));
    g.wrote(t + 45 * ms, 20000, 45 * ms);   // the reader stalled once for 45 ms
    t += 66 * ms;
    CHECK(g.admit(t, -1));                  // not skipped
    g.wrote(t + 45 * ms, 20000, 45 * ms);   // and again: the link is behind
    CHECK_FALSE(g.admit(t + 60 * ms, -1));
    CHECK(g.skipped() == 1);
}

TEST_CASE("a full output queue skips; many skips lower the level, calm raises it") {
    LinkGovernor g;
    CHECK(g.admit(0, 0));
    g.wrote(ms, 40000, 0);
    int64_t t = 0;
    for (int i = 0; i < 24; ++i) g.admit(t += 33 * ms, 30000);   // more than half a frame still queued
    CHECK(g.level() == 1);
    CHECK(g.takeLevelChange());
    CHECK_FALSE(g.takeLevelChange());
    for (int i = 0; i < 24; ++i) g.admit(t += 33 * ms, 30000);
    CHECK(g.level() == 2);
    for (int i = 0; i < 100; ++i) {
        CHECK(g.admit(t += 33 * ms, 0));
        g.wrote(t + ms, 10000, 0);
    }
    CHECK(g.level() == 1);   // 90 calm frames: one level back up
    CHECK(LinkGovernor::scaleOf(0) == 1.0);
    CHECK(LinkGovernor::scaleOf(3) == doctest::Approx(0.35));
    CHECK(LinkGovernor::scaleOf(9) == doctest::Approx(0.35));
}

TEST_CASE("--max-bandwidth: a token bucket") {
    LinkGovernor g(100000);   // 100 KB/s
    int sent = 0;
    for (int i = 0; i < 300; ++i) {   // 10 s at 30 fps, 20 KB frames (600 KB/s wanted)
        const int64_t t = i * 33333333LL;
        if (g.admit(t, 0)) {
            g.wrote(t, 20000, 0);
            ++sent;
        }
    }
    const double rate = sent * 20000.0 / 10.0;
    CHECK(rate <= 100000 * 1.1);
    CHECK(rate >= 100000 * 0.7);
}

TEST_CASE("the last level: smallest picture and the cheaper encoding") {
    LinkGovernor g;
    CHECK(g.admit(0, 0));
    g.wrote(0, 40000, 0);
    int64_t t = 0;
    for (int i = 0; i < 24 * 5; ++i) g.admit(t += 33 * ms, 30000);   // the link never catches up
    CHECK(g.level() == LinkGovernor::kLevels - 1);
    CHECK(LinkGovernor::coarseAt(g.level()));
    CHECK_FALSE(LinkGovernor::coarseAt(3));
    CHECK(LinkGovernor::scaleOf(4) == doctest::Approx(0.35));
}
