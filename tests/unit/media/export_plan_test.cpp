#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/export_plan.h"

using namespace qv;

namespace {
IndexEntry pkt(int64_t pts, int64_t dts, bool key = false) {
    IndexEntry e;
    e.pts = pts;
    e.dts = dts;
    e.pos = -1;
    e.key = key;
    e.size = 100;
    return e;
}
// decode order I0 P3 B1 B2 | I4 P7 B5 B6 | I8 P9 (pts in frames)
PacketIndex bframes() {
    PacketIndex idx;
    idx.tbDen = 25;
    idx.startPts = 0;
    idx.build({pkt(0, -2, true), pkt(3, -1), pkt(1, 0), pkt(2, 1), pkt(4, 2, true), pkt(7, 3), pkt(5, 4), pkt(6, 5),
               pkt(8, 6, true), pkt(9, 7)},
              true);
    return idx;
}
// open GOP: decode order I0 P3 B1 B2 | I6 B4 B5 P9 B7 B8 (B4, B5 lead I6)
PacketIndex openGop() {
    PacketIndex idx;
    idx.tbDen = 25;
    idx.startPts = 0;
    idx.build({pkt(0, -2, true), pkt(3, -1), pkt(1, 0), pkt(2, 1), pkt(6, 2, true), pkt(4, 3), pkt(5, 4), pkt(9, 5),
               pkt(7, 6), pkt(8, 7)},
              true);
    return idx;
}
} // namespace

TEST_CASE("clean cuts never take a later frame along") {
    const PacketIndex idx = bframes();
    CHECK(lastCleanCut(idx, 0, 9) == 9);
    CHECK(lastCleanCut(idx, 0, 3) == 3);
    CHECK(lastCleanCut(idx, 0, 2) == 0);   // B1, B2 need P3
    CHECK(lastCleanCut(idx, 4, 6) == 4);
    CHECK(lastCleanCut(idx, 4, 7) == 7);
    CHECK(lastCleanCut(idx, 3, 9) == -1);  // not a keyframe
    const PacketIndex og = openGop();
    CHECK(lastCleanCut(og, 6, 9) == 9);    // B4, B5 (shown before I6) are left out
    CHECK(lastCleanCut(og, 0, 5) == 3);    // B4, B5 need I6
}

TEST_CASE("plans: copy, edit list, smart cut, re-encode") {
    const PacketIndex idx = bframes();
    auto p = planExport(idx, 4, 7, false, false);
    REQUIRE(p);
    CHECK(p->method == ExportMethod::Copy);
    CHECK(p->copied() == 4);
    CHECK(p->copyDecFirst == 4);
    CHECK(p->copyDecLast == 7);

    p = planExport(idx, 4, 6, false, false);   // B6 needs P7: the tail is re-encoded
    REQUIRE(p);
    CHECK(p->method == ExportMethod::SmartCut);
    CHECK(p->copyTo == 4);
    CHECK(p->tailFrom == 5);
    CHECK(p->tailTo == 6);

    p = planExport(idx, 2, 9, false, false);
    REQUIRE(p);
    CHECK(p->method == ExportMethod::SmartCut);
    CHECK(p->headFrom == 2);
    CHECK(p->headTo == 3);
    CHECK(p->copyFrom == 4);
    CHECK(p->copyTo == 9);
    CHECK(p->reencoded() == 2);
    CHECK(p->copied() == 6);

    p = planExport(idx, 2, 9, true, false);
    REQUIRE(p);
    CHECK(p->method == ExportMethod::EditList);
    CHECK(p->copyKey == 0);
    CHECK(p->copyFrom == 2);
    CHECK(p->copyDecFirst == 0);
    CHECK(p->copied() == 8);

    p = planExport(idx, 5, 6, false, false);    // no keyframe inside
    REQUIRE(p);
    CHECK(p->method == ExportMethod::Reencode);
    CHECK(p->reencoded() == 2);

    p = planExport(idx, 4, 9, false, true);
    REQUIRE(p);
    CHECK(p->method == ExportMethod::Reencode);
    CHECK(p->copied() == 0);
}

TEST_CASE("open GOP: the edit list never starts at a key decoded after from") {
    const PacketIndex og = openGop();
    auto p = planExport(og, 5, 9, true, false);   // B5 leads I6: I0's copy would need I6 anyway
    REQUIRE(p);
    CHECK(p->method == ExportMethod::EditList);
    CHECK(p->copyKey == 0);
    CHECK(p->copyTo == 9);
    // I6 has leading frames: its GOP cannot follow re-encoded frames.
    p = planExport(og, 5, 9, false, false);
    REQUIRE(p);
    CHECK(p->method == ExportMethod::Reencode);
    CHECK(p->reencoded() == 5);
    p = planExport(og, 6, 9, false, false);   // a copy that starts at I6 is fine
    REQUIRE(p);
    CHECK(p->method == ExportMethod::Copy);
}

TEST_CASE("bad ranges and raw streams are refused") {
    const PacketIndex idx = bframes();
    CHECK(!planExport(idx, 5, 4, false, false));
    CHECK(!planExport(idx, 0, 10, false, false));
    CHECK(planExport(idx, 0, 10, false, false).error().kind == ErrorKind::Usage);
    PacketIndex raw;
    raw.build({pkt(INT64_MIN, INT64_MIN, true)}, false);
    CHECK(planExport(raw, 0, 0, false, false).error().kind == ErrorKind::Format);
}

TEST_CASE("stills: a directory, a %d pattern, one frame, and what is refused") {
    std::string pat, why;
    CHECK(stillsPattern("shots/", false, false, pat, why));
    CHECK(why.empty());
    CHECK(pat == "shots/frame-%06d.png");
    CHECK(stillName(pat, 42) == "shots/frame-000042.png");
    CHECK(stillsPattern("shots", true, false, pat, why));
    CHECK(pat == "shots/frame-%06d.png");
    CHECK(stillsPattern("a-%04d.PNG", false, false, pat, why));
    CHECK(why.empty());
    CHECK(stillName(pat, 7) == "a-0007.PNG");
    CHECK(stillName(pat, 123456) == "a-123456.PNG");
    CHECK(stillsPattern("100%%-%d.png", false, false, pat, why));
    CHECK(why.empty());
    CHECK(stillName(pat, 3) == "100%-3.png");
    CHECK(stillsPattern("one.png", false, true, pat, why));   // one frame: no number needed
    CHECK(why.empty());
    CHECK(stillName(pat, 9) == "one.png");
    // Refused, with a reason.
    CHECK(stillsPattern("one.png", false, false, pat, why));
    CHECK(why.find("needs %d") != std::string::npos);
    CHECK(stillsPattern("x-%s.png", false, false, pat, why));
    CHECK_FALSE(why.empty());
    CHECK(stillsPattern("x-%d-%d.png", false, false, pat, why));
    CHECK_FALSE(why.empty());
    CHECK(stillsPattern("x-%0999d.png", false, false, pat, why));
    CHECK_FALSE(why.empty());
    // A '%' in a directory's name is part of the name.
    CHECK(stillsPattern("100% juice/", false, false, pat, why));
    CHECK(why.empty());
    CHECK(stillName(pat, 5) == "100% juice/frame-000005.png");
    CHECK(stillsPattern("x%99999999999", true, false, pat, why));
    CHECK(stillName(pat, 1) == "x%99999999999/frame-000001.png");
    // Not stills at all: a container.
    CHECK_FALSE(stillsPattern("cut.mp4", false, false, pat, why));
    CHECK(why.empty());
}
