// The seek-landing rules, as a table: what happens to each frame that comes
// out of the decoder after a seek.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/pipeline/seek_landing.h"

#include <vector>

using namespace qv;

namespace {
constexpr int64_t ms = 1000000;
constexpr int64_t frame = 40 * ms;

struct Out {
    LandingVerdict v;
    int back;
};

// Frames (ordinal) as they come out, one by one; the landing's verdicts.
std::vector<Out> run(Landing l, const std::vector<int64_t> &ordinals) {
    std::vector<Out> out;
    for (int64_t o : ordinals) {
        const LandingDecision d = judgeLanding(l, o, o * frame, frame);
        out.push_back({d.verdict, l.back});
        if (d.verdict == LandingVerdict::ReseekOrdinal) l.first = true;   // the decoder seeks; the next is first again
    }
    return out;
}
} // namespace

TEST_CASE("an ordinal target: frames before it are discarded, the target delivered, then everything") {
    const auto out = run(Landing::toOrdinal(5, false), {3, 4, 5, 6});
    REQUIRE(out.size() == 4);
    CHECK(out[0].v == LandingVerdict::Discard);
    CHECK(out[1].v == LandingVerdict::Discard);
    CHECK(out[2].v == LandingVerdict::Deliver);
    CHECK(out[3].v == LandingVerdict::Deliver);
}

TEST_CASE("a fill keeps the frames before the target for the step cache") {
    const auto out = run(Landing::toOrdinal(2, true), {0, 1, 2});
    CHECK(out[0].v == LandingVerdict::CacheOnly);
    CHECK(out[1].v == LandingVerdict::CacheOnly);
    CHECK(out[2].v == LandingVerdict::Deliver);
}

TEST_CASE("landed past the target: one keyframe further back each time, then the target") {
    // Open GOP: the first frame out after the seek is already 7 > 5.
    const auto out = run(Landing::toOrdinal(5, false), {7, 6, 0, 1, 2, 3, 4, 5});
    CHECK(out[0].v == LandingVerdict::ReseekOrdinal);
    CHECK(out[0].back == 1);
    CHECK(out[1].v == LandingVerdict::ReseekOrdinal);   // still past: again
    CHECK(out[1].back == 2);
    for (int k = 2; k < 7; ++k) CHECK(out[static_cast<size_t>(k)].v == LandingVerdict::Discard);
    CHECK(out[7].v == LandingVerdict::Deliver);
}

TEST_CASE("past the target only after the first frame: no re-seek, the target is gone, show what comes") {
    const auto out = run(Landing::toOrdinal(5, false), {3, 7});
    CHECK(out[0].v == LandingVerdict::Discard);
    CHECK(out[1].v == LandingVerdict::Deliver);
}

TEST_CASE("re-seeks stop after kMaxBack tries") {
    Landing l = Landing::toOrdinal(5, false);
    int reseeks = 0;
    for (int i = 0; i < 20; ++i) {
        l.first = true;
        const LandingDecision d = judgeLanding(l, 9, 9 * frame, frame);
        if (d.verdict != LandingVerdict::ReseekOrdinal) {
            CHECK(d.verdict == LandingVerdict::Deliver);
            break;
        }
        ++reseeks;
    }
    CHECK(reseeks == Landing::kMaxBack);
    CHECK_FALSE(l.active());
}

TEST_CASE("a time target without an index: by the frames' middles, re-seeking 1, 2, 4 s earlier") {
    Landing l = Landing::toTime(10000 * ms);
    LandingDecision d = judgeLanding(l, 0, 10500 * ms, frame);   // first frame past: go 1 s back
    CHECK(d.verdict == LandingVerdict::ReseekTime);
    CHECK(d.reseekNs == 9000 * ms);
    d = judgeLanding(l, 0, 10200 * ms, frame);                    // still past: 2 s back
    CHECK(d.verdict == LandingVerdict::ReseekTime);
    CHECK(d.reseekNs == 8000 * ms);
    l.first = true;
    d = judgeLanding(l, 0, 9000 * ms, frame);
    CHECK(d.verdict == LandingVerdict::Discard);
    d = judgeLanding(l, 0, 9960 * ms, frame);   // its middle (9980) is before 10000: still discarded
    CHECK(d.verdict == LandingVerdict::Discard);
    d = judgeLanding(l, 0, 10000 * ms, frame);
    CHECK(d.verdict == LandingVerdict::Deliver);
    CHECK_FALSE(l.active());
}

TEST_CASE("no target: everything is delivered") {
    Landing l;
    CHECK_FALSE(l.active());
    CHECK(judgeLanding(l, 3, 0, frame).verdict == LandingVerdict::Deliver);
}
