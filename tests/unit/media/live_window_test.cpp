// LiveWindow (issue 14): ordinals of live packets, reordering, GOP-wise
// dropping by age, bytes and count, and the snapshot the cache filler
// decodes from. Real AVPackets (the window keeps references to their data).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/live_window.h"

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <algorithm>
#include <cstring>
#include <vector>

using namespace qv;

namespace {

constexpr int64_t kTick = 3000;   // 90 kHz at 30 fps

PacketRef packet(int64_t pts, int64_t dts, bool key, int size = 100) {
    PacketRef r;
    r.pkt = allocPacket();
    REQUIRE(av_new_packet(r.pkt.get(), size) == 0);
    std::memset(r.pkt->data, static_cast<int>(pts & 0xff), static_cast<size_t>(size));
    r.pkt->pts = pts == INT64_MIN ? AV_NOPTS_VALUE : pts;
    r.pkt->dts = dts == INT64_MIN ? AV_NOPTS_VALUE : dts;
    r.key = key;
    r.size = size;
    return r;
}

LiveWindow window(LiveWindowLimits lim = {}) { return LiveWindow(lim, 1, 90000, 0, 33333333); }

} // namespace

TEST_CASE("in order: ordinals are the packets received, the snapshot indexes them") {
    LiveWindow w = window();
    // Two packets before the first keyframe: counted, not kept.
    w.add(packet(0, 0, false));
    w.add(packet(kTick, kTick, false));
    for (int k = 2; k < 12; ++k) w.add(packet(k * kTick, k * kTick, k % 5 == 2));
    CHECK(w.ordinalOf(0, 0) == -1);                     // before the window
    CHECK(w.ordinalOf(2 * kTick, 2 * kTick) == 2);
    CHECK(w.ordinalOf(11 * kTick, 11 * kTick) == 11);
    CHECK(w.ordinalOf(11 * kTick, 0) == -1);           // pts and dts both must match
    auto snap = w.snapshot();
    REQUIRE(snap);
    const PacketIndex &idx = *snap->index;
    CHECK(idx.firstOrdinal() == 2);
    CHECK(idx.frameCount() == 12);
    CHECK(snap->size() == 10);
    CHECK(idx.keyOrdinals() == std::vector<int64_t>{2, 7});
    CHECK(idx.keyFor(9, 0) == 5);                       // decode index of ordinal 7's keyframe
    CHECK(idx.keyFor(6, 0) == 0);
    CHECK(idx.prevKey(9) == 7);
    CHECK(idx.ptsNsOf(4) == 133333333);   // 12000 ticks of 90 kHz
    CHECK(idx.ordinalAt(4 * 33333333 + 1000) == 4);
    CHECK(idx.ordinalAt(0) == 2);                       // before the window: its first frame
    const LiveWindow::Stats st = w.stats();
    CHECK(st.received == 12);
    CHECK(st.packets == 10);
    CHECK(st.firstOrdinal == 2);
    CHECK(st.lastOrdinal == 11);
}

TEST_CASE("B-frames: a packet with an earlier pts takes its place; decoder and snapshot agree") {
    LiveWindow w = window();
    // Decode order I0 P3 B1 B2 P6 B4 B5 I7, dts 0..7 (-1 for the first).
    const int64_t pts[] = {0, 3, 1, 2, 6, 4, 5, 7};
    for (int k = 0; k < 8; ++k) w.add(packet(pts[k] * kTick, (k - 1) * kTick, k == 0 || k == 7));
    for (int k = 0; k < 8; ++k) CHECK(w.ordinalOf(pts[k] * kTick, (k - 1) * kTick) == pts[k]);
    auto snap = w.snapshot();
    REQUIRE(snap);
    for (int k = 0; k < 8; ++k) CHECK(snap->index->packets()[static_cast<size_t>(k)].ordinal == pts[k]);
    CHECK(snap->index->decodeIndexOf(3) == 1);
    CHECK(w.stats().mismatches == 0);
}

TEST_CASE("dropped by age a GOP at a time, never the last keyframe; held while paused") {
    LiveWindowLimits lim;
    lim.durationNs = 1000000000;   // 1 s
    LiveWindow w = window(lim);
    // 4 s at 30 fps, a keyframe every 10 frames.
    for (int k = 0; k < 120; ++k) w.add(packet(k * kTick, k * kTick, k % 10 == 0));
    LiveWindow::Stats st = w.stats();
    CHECK(st.firstOrdinal % 10 == 0);                   // starts at a keyframe
    CHECK(st.spanNs <= 1000000000);
    CHECK(st.spanNs >= 1000000000 - 10 * 33333334);     // within a GOP of the duration
    CHECK(st.lastOrdinal == 119);
    CHECK(st.droppedGops == (st.firstOrdinal / 10));
    auto snap = w.snapshot();
    REQUIRE(snap);
    CHECK(snap->index->packets()[0].key);
    // Paused: nothing goes for age.
    w.hold(true);
    for (int k = 120; k < 240; ++k) w.add(packet(k * kTick, k * kTick, k % 10 == 0));
    CHECK(w.stats().firstOrdinal == st.firstOrdinal);
    w.hold(false);
    w.add(packet(240 * kTick, 240 * kTick, true));
    CHECK(w.stats().firstOrdinal >= 200);
}

TEST_CASE("a GOP longer than the duration stays whole; bytes and packet bounds drop whole GOPs") {
    LiveWindowLimits lim;
    lim.durationNs = 100000000;   // 0.1 s: shorter than one GOP
    LiveWindow w = window(lim);
    for (int k = 0; k < 30; ++k) w.add(packet(k * kTick, k * kTick, k == 0));
    CHECK(w.stats().packets == 30);                     // one keyframe: nothing can go
    LiveWindowLimits b;
    b.bytes = 2500;   // 25 packets of 100 bytes
    LiveWindow wb = window(b);
    for (int k = 0; k < 40; ++k) wb.add(packet(k * kTick, k * kTick, k % 10 == 0));
    CHECK(wb.stats().bytes <= 2500);
    CHECK(wb.stats().firstOrdinal == 20);
    LiveWindowLimits c;
    c.packets = 16;
    LiveWindow wc = window(c);
    for (int k = 0; k < 40; ++k) wc.add(packet(k * kTick, k * kTick, k % 10 == 0));
    CHECK(wc.stats().packets <= 16);
    CHECK(wc.stats().firstOrdinal == 30);
    CHECK(wc.stats().lastOrdinal == 39);
}

TEST_CASE("packets without timestamps end the window; it starts again at a keyframe") {
    LiveWindow w = window();
    for (int k = 0; k < 5; ++k) w.add(packet(k * kTick, k * kTick, k == 0));
    w.add(packet(INT64_MIN, INT64_MIN, false));
    CHECK(w.stats().packets == 0);
    CHECK(w.stats().untimed == 1);
    CHECK(!w.snapshot());
    w.add(packet(6 * kTick, 6 * kTick, false));
    CHECK(w.stats().packets == 0);
    w.add(packet(7 * kTick, 7 * kTick, true));
    CHECK(w.stats().firstOrdinal == 7);
}

TEST_CASE("the snapshot's packets share the data and hand out fresh references") {
    LiveWindow w = window();
    PacketRef p = packet(0, 0, true, 64);
    const uint8_t *data = p.pkt->data;
    w.add(p);
    p = PacketRef{};   // the demuxer's reference is gone; the window keeps its own
    auto snap = w.snapshot();
    REQUIRE(snap);
    PacketRef out;
    REQUIRE(snap->packet(0, out));
    CHECK(out.pkt->data == data);                       // not copied
    CHECK(out.key);
    out.pkt->pts = 12345;                               // as the decoder retags it
    PacketRef again;
    REQUIRE(snap->packet(0, again));
    CHECK(again.pkt->pts == 0);
    CHECK(!snap->packet(1, again));
}

TEST_CASE("copyData (a camera): the window's own copies, the device's buffer released at once, buffers reused") {
    LiveWindowLimits lim;
    lim.copyData = true;
    lim.packets = 4;
    LiveWindow w = window(lim);
    std::vector<const uint8_t *> seen;
    for (int k = 0; k < 12; ++k) {
        PacketRef p = packet(k * kTick, k * kTick, true, k < 6 ? 64 : 5000);   // larger from the 7th on
        w.add(p);
        CHECK(av_buffer_get_ref_count(p.pkt->buf) == 1);   // the window took no reference to it
        auto snap = w.snapshot();
        REQUIRE(snap);
        PacketRef out;
        REQUIRE(snap->packet(snap->size() - 1, out));
        CHECK(out.pkt->data != p.pkt->data);
        CHECK(out.pkt->size == p.pkt->size);
        CHECK(std::memcmp(out.pkt->data, p.pkt->data, static_cast<size_t>(p.pkt->size)) == 0);
        CHECK(out.pkt->pts == k * kTick);
        CHECK(w.ordinalOf(k * kTick, k * kTick) == k);
        seen.push_back(out.pkt->data);
    }
    // Four slots, every packet a keyframe: from the 5th packet of one size
    // on, a pooled buffer comes back and is used again.
    std::vector<const uint8_t *> late(seen.begin() + 8, seen.end());
    CHECK(std::count_if(late.begin(), late.end(), [&](const uint8_t *d) {
              return std::find(seen.begin() + 6, seen.begin() + 8, d) != seen.begin() + 8;
          }) >= 1);
}
