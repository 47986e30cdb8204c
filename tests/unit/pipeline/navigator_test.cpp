// Navigation decisions over a fake index and a fake step cache.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "fake_index.h"

#include "qv/pipeline/navigator.h"

#include <algorithm>
#include <set>
#include <vector>

using namespace qv;

using test::FakeIndex;
using test::ms;

namespace {
NavFrame at(int64_t o, bool exact = true) {
    NavFrame f;
    f.valid = true;
    f.ordinal = o;
    f.exact = exact;
    f.ptsNs = o * 40 * ms;
    f.durationNs = 40 * ms;
    return f;
}
} // namespace

TEST_CASE("forward step: the next frame from the pipeline, or from the cache when it is there") {
    FakeIndex idx;
    std::set<int64_t> cached;
    Navigator nav(&idx, [&](int64_t o) { return cached.count(o) != 0; });
    NavAction a = nav.stepForward(at(10));
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.stepPending);
    CHECK(a.stepTarget == 11);
    cached.insert(11);
    a = nav.stepForward(at(10));
    CHECK(a.kind == NavAction::Kind::ShowCached);
    CHECK(a.ordinal == 11);
    a = nav.stepForward(at(99));
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK_FALSE(a.stepPending);
    CHECK(a.answerNow);
    CHECK(std::string(a.message) == "last frame");
}

TEST_CASE("back-step: from the cache, else the filler decodes the GOP up to it") {
    FakeIndex idx;
    std::set<int64_t> cached{30};
    Navigator nav(&idx, [&](int64_t o) { return cached.count(o) != 0; });
    NavAction a = nav.stepBack(at(31));
    CHECK(a.kind == NavAction::Kind::ShowCached);
    CHECK(a.ordinal == 30);
    a = nav.stepBack(at(30));
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.ordinal == 29);
    CHECK(a.stepPending);
    CHECK(a.stepTarget == 29);
    a = nav.stepBack(at(0));
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
}

TEST_CASE("without the index a back-step is an exact seek by time to the frame before") {
    Navigator nav(nullptr, [](int64_t) { return false; });
    NavAction a = nav.stepBack(at(10, false));
    CHECK(a.kind == NavAction::Kind::Seek);
    CHECK(a.exact);
    CHECK(a.timeNs < 10 * 40 * ms);
    CHECK(a.timeNs > 9 * 40 * ms);
    CHECK(a.stepPending);
    NavFrame start = at(0, false);
    a = nav.stepBack(start);
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
}

TEST_CASE("go to a frame: clamped, exact, from the cache while paused") {
    FakeIndex idx;
    std::set<int64_t> cached{42};
    Navigator nav(&idx, [&](int64_t o) { return cached.count(o) != 0; });
    NavAction a = nav.gotoOrdinal(500, false);
    CHECK(a.kind == NavAction::Kind::Seek);
    CHECK(a.ordinal == 99);
    CHECK(a.timeNs == 99 * 40 * ms);
    CHECK_FALSE(a.stepPending);
    a = nav.gotoOrdinal(42, true);
    CHECK(a.kind == NavAction::Kind::ShowCached);
    a = nav.gotoOrdinal(42, false);   // playing: through the pipeline
    CHECK(a.kind == NavAction::Kind::Seek);
    a = nav.gotoOrdinal(43, true);
    CHECK(a.kind == NavAction::Kind::Seek);
    CHECK(a.stepPending);
    CHECK(a.stepTarget == 43);
}

TEST_CASE("keyframe seeks land on keyframes, forward never before the frame on screen") {
    FakeIndex idx;
    Navigator nav(&idx, [](int64_t) { return false; });
    // +5 s from frame 30 (1.2 s): 6.2 s = frame 155 -> clamped... use +1 s: 2.2 s = frame 55 -> keyframe 50.
    NavAction a = nav.seekBy(at(30), 1000 * ms, false, false, 4000 * ms);
    CHECK(a.ordinal == 50);
    // +0.2 s from 30: frame 35 -> keyframe 25 is behind: the next one, 50.
    a = nav.seekBy(at(30), 200 * ms, false, false, 4000 * ms);
    CHECK(a.ordinal == 50);
    // -0.2 s from 30: frame 25, itself a keyframe.
    a = nav.seekBy(at(30), -200 * ms, false, false, 4000 * ms);
    CHECK(a.ordinal == 25);
    // exact: the frame itself.
    a = nav.seekBy(at(30), 200 * ms, true, false, 4000 * ms);
    CHECK(a.ordinal == 35);
    // absolute, past the end: the last frame.
    a = nav.seekTo(at(30), 99000 * ms, true, false, 4000 * ms);
    CHECK(a.ordinal == 99);
}

TEST_CASE("keyframe jumps and first/last") {
    FakeIndex idx;
    Navigator nav(&idx, [](int64_t) { return false; });
    CHECK(nav.jumpKey(at(30), true, true).ordinal == 50);
    CHECK(nav.jumpKey(at(30), false, true).ordinal == 25);
    CHECK(nav.jumpKey(at(25), false, true).ordinal == 0);
    NavAction a = nav.jumpKey(at(80), true, true);
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
    CHECK(nav.first(true).ordinal == 0);
    CHECK(nav.last(false).ordinal == 99);
    CHECK(nav.gopOf(30) == 25);
    CHECK(nav.gopOf(25) == 25);
    CHECK(nav.gopOf(3) == 0);
}

TEST_CASE("without an index: jumps and go-to say they wait for it") {
    Navigator nav(nullptr, [](int64_t) { return false; });
    NavAction a = nav.jumpKey(at(3, false), true, false);
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
    CHECK(nav.gotoOrdinal(5, true).kind == NavAction::Kind::Nothing);
    CHECK(nav.last(true).kind == NavAction::Kind::Nothing);
    a = nav.seekBy(at(3, false), 1000 * ms, false, false, 0);
    CHECK(a.kind == NavAction::Kind::Seek);
    CHECK(a.ordinal == -1);
    CHECK(a.timeNs == 1120 * ms);
}

namespace {
// A live window: frames 50..99 of the fake (it starts at the keyframe 50).
class WindowIndex final : public FrameIndex {
public:
    int64_t frameCount() const override { return all_.frameCount(); }
    int64_t ptsNsOf(int64_t o) const override { return all_.ptsNsOf(std::max<int64_t>(o, 50)); }
    int64_t ordinalAt(int64_t ns) const override { return std::max<int64_t>(all_.ordinalAt(ns), 50); }
    int64_t prevKey(int64_t o) const override { return all_.prevKey(o) < 50 ? -1 : all_.prevKey(o); }
    int64_t nextKey(int64_t o) const override { return all_.nextKey(o); }
    int64_t firstOrdinal() const override { return 50; }

private:
    FakeIndex all_;
};
} // namespace

TEST_CASE("live window: steps back stop at its start; paused go-to fills, never seeks; playing it jumps by time") {
    WindowIndex idx;
    std::set<int64_t> cached{60};
    Navigator nav(&idx, [&](int64_t o) { return cached.count(o) != 0; });
    nav.setLive(true);
    NavAction a = nav.stepBack(at(61));
    CHECK(a.kind == NavAction::Kind::ShowCached);
    a = nav.stepBack(at(55));
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.ordinal == 54);
    a = nav.stepBack(at(50));
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
    CHECK(std::string(a.message) == "start of the live window");
    // The newest frame of the snapshot: the next one is on its way.
    a = nav.stepForward(at(99));
    CHECK(a.stepPending);
    CHECK(a.stepTarget == 100);
    CHECK_FALSE(a.answerNow);
    // Paused: a go-to, a keyframe jump or a seek inside the window is a
    // fill (the pipeline cannot go back); before the window, its start.
    a = nav.gotoOrdinal(70, true);
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.stepTarget == 70);
    a = nav.gotoOrdinal(10, true);
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.ordinal == 50);
    a = nav.jumpKey(at(80), false, true);
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.ordinal == 75);
    a = nav.seekBy(at(80), -400 * ms, true, true, 0);
    CHECK(a.kind == NavAction::Kind::Fill);
    CHECK(a.ordinal == 70);
    a = nav.first(true);
    CHECK(a.ordinal == 50);
    CHECK(nav.gopOf(52) == 50);
    // Playing, or without a window: no seek (the source cannot), a message.
    a = nav.gotoOrdinal(70, false);
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
    Navigator bare(nullptr, [](int64_t) { return false; });
    bare.setLive(true);
    a = bare.stepBack(at(70));
    CHECK(a.kind == NavAction::Kind::Nothing);
    CHECK(a.answerNow);
    CHECK(std::string(a.message).find("cannot seek") != std::string::npos);
    a = bare.seekBy(at(70), 5000 * ms, false, false, 0);
    CHECK(a.kind == NavAction::Kind::Nothing);
    // Not live: the same go-to while paused seeks the pipeline.
    nav.setLive(false);
    a = nav.gotoOrdinal(70, true);
    CHECK(a.kind == NavAction::Kind::Seek);
}
