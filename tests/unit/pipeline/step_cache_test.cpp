#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/pipeline/step_cache.h"

extern "C" {
#include <libavutil/frame.h>
}

using namespace qv;

namespace {
// A real refcounted frame of about `bytes` bytes (one gray plane).
FrameRef makeFrame(int64_t ordinal, int bytes = 1000) {
    FrameRef f;
    f.frame = allocFrame();
    f.frame->format = AV_PIX_FMT_GRAY8;
    f.frame->width = bytes;
    f.frame->height = 1;
    REQUIRE(av_frame_get_buffer(f.frame.get(), 1) == 0);
    f.frame->data[0][0] = static_cast<uint8_t>(ordinal);
    f.info.ordinal = ordinal;
    return f;
}
} // namespace

TEST_CASE("frames come back by ordinal, sharing the picture") {
    StepCache c(1 << 20);
    c.put(makeFrame(5), 0);
    c.put(makeFrame(6), 0);
    FrameRef out;
    REQUIRE(c.get(5, out));
    CHECK(out.info.ordinal == 5);
    CHECK(out.frame->data[0][0] == 5);
    CHECK_FALSE(c.get(7, out));
    CHECK(c.size() == 2);
    CHECK(c.bytes() == 2 * StepCache::frameBytes(out));
}

TEST_CASE("the budget holds: lowest ordinals of the filling GOP go first") {
    const int64_t one = StepCache::frameBytes(makeFrame(0));
    StepCache c(3 * one);
    for (int o = 10; o < 20; ++o) c.put(makeFrame(o), 10);
    CHECK(c.size() == 3);
    CHECK(c.bytes() <= c.budget());
    CHECK(c.contains(19));
    CHECK(c.contains(18));
    CHECK(c.contains(17));
    CHECK_FALSE(c.contains(16));
    CHECK(c.evicted() == 7);
}

TEST_CASE("least recently used GOPs are evicted before the one being filled") {
    const int64_t one = StepCache::frameBytes(makeFrame(0));
    StepCache c(4 * one);
    c.put(makeFrame(0), 0);
    c.put(makeFrame(1), 0);
    c.put(makeFrame(50), 50);
    c.put(makeFrame(51), 50);
    FrameRef out;
    REQUIRE(c.get(0, out));   // GOP 0 is now more recent than GOP 50
    c.put(makeFrame(100), 100);
    CHECK(c.contains(0));
    CHECK(c.contains(1));
    CHECK_FALSE(c.contains(50));
    CHECK_FALSE(c.contains(51));
    CHECK(c.contains(100));
    CHECK(c.bytes() <= c.budget());
}

TEST_CASE("a frame larger than the budget is not kept; clear empties") {
    StepCache c(100);
    c.put(makeFrame(1, 1000), 0);
    CHECK(c.size() == 0);
    CHECK(c.bytes() == 0);
    StepCache d(1 << 20);
    d.put(makeFrame(1), 0);
    d.put(makeFrame(1), 0);   // same ordinal: replaced
    CHECK(d.size() == 1);
    d.clear();
    CHECK(d.size() == 0);
    CHECK(d.bytes() == 0);
}
