#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/packet_index.h"
#include "qv/media/ts_math.h"

using namespace qv;

namespace {
IndexEntry pkt(int64_t pts, int64_t dts, int64_t pos, bool key = false) {
    IndexEntry e;
    e.pts = pts;
    e.dts = dts;
    e.pos = pos;
    e.key = key;
    e.size = 100;
    return e;
}
} // namespace

TEST_CASE("ordinals follow pts through B-frame reordering") {
    // decode order I0 P3 B1 B2 | I4 P6 B5 (pts in frames, tb 1/25)
    PacketIndex idx;
    idx.tbNum = 1;
    idx.tbDen = 25;
    idx.startPts = 0;
    idx.build({pkt(0, -1, 0, true), pkt(3, 0, 100), pkt(1, 1, 200), pkt(2, 2, 300), pkt(4, 3, 400, true),
               pkt(6, 4, 500), pkt(5, 5, 600)},
              true);
    CHECK(idx.frameCount() == 7);
    const int64_t want[] = {0, 3, 1, 2, 4, 6, 5};
    for (int d = 0; d < 7; ++d) CHECK(idx.packets()[d].ordinal == want[d]);
    CHECK(idx.decodeIndexOf(3) == 1);
    CHECK(idx.keyOrdinals() == std::vector<int64_t>{0, 4});
    CHECK(idx.ptsNsOf(2) == 80000000);
    CHECK(idx.find(200, INT64_MIN, INT64_MIN) == 2);
    CHECK(idx.find(-1, 6, 4) == -1);   // by position only when positions are known
    CHECK(idx.keyFor(3, 0) == 0);
    CHECK(idx.keyFor(6, 0) == 4);
    CHECK(idx.keyFor(6, 1) == 0);     // one keyframe further back
    CHECK(idx.prevKey(4) == 0);
    CHECK(idx.nextKey(4) == -1);
    CHECK(idx.nextKey(1) == 4);
    // the frame on screen at a time: nearest frame start
    CHECK(idx.ordinalAt(0) == 0);
    CHECK(idx.ordinalAt(79000000) == 2);
    CHECK(idx.ordinalAt(100000000) == 3);   // 0.1 s: past the middle of frame 2
    CHECK(idx.ordinalAt(999000000) == 6);
}

TEST_CASE("open GOP: a leading frame decodes from the keyframe before") {
    // decode order: I0 P1 | I4 B2 B3 P5 (B2, B3 lead the second keyframe)
    PacketIndex idx;
    idx.build({pkt(0, 0, 0, true), pkt(1, 1, 10), pkt(4, 2, 20, true), pkt(2, 3, 30), pkt(3, 4, 40), pkt(5, 5, 50)},
              true);
    CHECK(idx.packets()[3].ordinal == 2);
    CHECK(idx.keyFor(2, 0) == 0);   // not the keyframe at decode index 2
    CHECK(idx.keyFor(5, 0) == 2);
}

TEST_CASE("discarded packets (edit-list pre-roll) get no ordinal") {
    PacketIndex idx;
    IndexEntry pre = pkt(-2, -2, 0, true);
    pre.discard = true;
    idx.build({pre, pkt(-1, -1, 10), pkt(0, 0, 20), pkt(1, 1, 30)}, true);
    CHECK(idx.frameCount() == 3);
    CHECK(idx.packets()[0].ordinal == -1);
    CHECK(idx.packets()[1].ordinal == 0);
}

TEST_CASE("raw streams: keyframes only, counted in decode order") {
    PacketIndex idx;
    idx.frameNs = 40000000;
    idx.build({pkt(INT64_MIN, INT64_MIN, 0, true), pkt(INT64_MIN, INT64_MIN, 10), pkt(INT64_MIN, INT64_MIN, 20),
               pkt(INT64_MIN, INT64_MIN, 30, true), pkt(INT64_MIN, INT64_MIN, 40)},
              false);
    CHECK_FALSE(idx.timestamped());
    CHECK(idx.frameCount() == 5);
    CHECK(idx.packets()[3].ordinal == 3);
    CHECK(idx.packets()[1].ordinal == -1);
    CHECK(idx.keyOrdinals() == std::vector<int64_t>{0, 3});
    CHECK(idx.keyFor(4, 0) == 3);
    CHECK(idx.ordinalAt(120000000) == 3);
    CHECK(idx.ptsNsOf(4) == 160000000);
}

TEST_CASE("timestamp arithmetic: a damaged file's values saturate instead of overflowing") {
    const AVRational ms{1, 1000};
    CHECK(ts::toNs(1500, ms) == 1500000000);
    CHECK(ts::toNs(AV_NOPTS_VALUE, ms) == AV_NOPTS_VALUE);
    // 2^62 ms is far past int64_t in nanoseconds: clamped, sign kept.
    CHECK(ts::toNs(int64_t(1) << 62, ms) == ts::kLimit);
    CHECK(ts::toNs(-(int64_t(1) << 62), ms) == -ts::kLimit);
    CHECK(ts::toNs(INT64_MAX, AVRational{1, 1}) == ts::kLimit);
    CHECK(ts::toNs(5, AVRational{0, 1}) == 0);   // a broken time base
    // One difference of two converted values always fits.
    CHECK(ts::sub(ts::kLimit, -ts::kLimit) == 2 * ts::kLimit);
    // The fuzzer's case: "no timestamp" minus a start time.
    CHECK(ts::sub(INT64_MIN, 2703062635842) == -INT64_MAX);
    CHECK(ts::sub(INT64_MAX, -1) == INT64_MAX);
    CHECK(ts::add(INT64_MAX, 1) == INT64_MAX);
    CHECK(ts::add(-INT64_MAX, -5) == -INT64_MAX);
    CHECK(ts::add(-INT64_MAX, -1) == -INT64_MAX);   // never INT64_MIN ("no timestamp")
    CHECK(ts::add(40, -2) == 38);
    CHECK(ts::fromNs(1500000000, ms) == 1500);
}
