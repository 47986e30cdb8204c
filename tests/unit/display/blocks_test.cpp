#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/blocks/block_encoder.h"
#include "display/blocks/layout.h"

#include <string>
#include <vector>

using qv::term::BlockEncoder;
using qv::term::BlockEncoderConfig;

namespace {
// cols x 2*rows RGB24 image from a list of 0xRRGGBB pixels, row-major.
std::vector<uint8_t> image(const std::vector<uint32_t> &px) {
    std::vector<uint8_t> v;
    for (uint32_t p : px) {
        v.push_back(uint8_t(p >> 16));
        v.push_back(uint8_t(p >> 8));
        v.push_back(uint8_t(p));
    }
    return v;
}
const std::string kUpper = "\xe2\x96\x80";
const std::string kLower = "\xe2\x96\x84";
} // namespace

TEST_CASE("exact bytes of a 2x1-cell frame, then of its diff") {
    BlockEncoder e;
    BlockEncoderConfig cfg;
    cfg.truecolor = true;
    cfg.tolerance = 0;
    e.reset(2, 1, 3, 5, cfg);
    // Cell 0: red over blue; cell 1: green over green.
    auto img = image({0xff0000, 0x00ff00,
                      0x0000ff, 0x00ff00});
    std::string out;
    CHECK(e.encode(img.data(), 6, out) == 2);
    CHECK(out == "\x1b[3;5H\x1b[38;2;255;0;0;48;2;0;0;255m" + kUpper + "\x1b[48;2;0;255;0m \x1b[0m");

    // The same frame again: nothing to send.
    out.clear();
    CHECK(e.encode(img.data(), 6, out) == 0);
    CHECK(out.empty());

    // Only cell 1 changes: the cursor goes straight there.
    auto img2 = image({0xff0000, 0xffffff,
                       0x0000ff, 0x000000});
    out.clear();
    CHECK(e.encode(img2.data(), 6, out) == 1);
    CHECK(out == "\x1b[3;6H\x1b[38;2;255;255;255;48;2;0;0;0m" + kUpper + "\x1b[0m");
}

TEST_CASE("the lower half block is used when it saves a colour change") {
    BlockEncoder e;
    BlockEncoderConfig cfg;
    e.reset(2, 1, 1, 1, cfg);
    // Cell 0 is A over B (sets fg=A bg=B); cell 1 is B over A: the lower
    // half block with the same colours draws it with no SGR at all.
    auto img = image({0x102030, 0x405060,
                      0x405060, 0x102030});
    std::string out;
    CHECK(e.encode(img.data(), 6, out) == 2);
    CHECK(out == "\x1b[1;1H\x1b[38;2;16;32;48;48;2;64;80;96m" + kUpper + kLower + "\x1b[0m");
}

TEST_CASE("tolerance skips cells that barely changed") {
    BlockEncoder e;
    BlockEncoderConfig cfg;
    cfg.tolerance = 4;
    e.reset(1, 1, 1, 1, cfg);
    auto a = image({0x808080, 0x202020});
    auto b = image({0x838383, 0x232323});   // within 4
    auto c = image({0x909090, 0x202020});   // 16 away
    std::string out;
    CHECK(e.encode(a.data(), 3, out) == 1);
    out.clear();
    CHECK(e.encode(b.data(), 3, out) == 0);
    CHECK(out.empty());
    CHECK(e.encode(c.data(), 3, out) == 1);
}

TEST_CASE("256-colour mode sends palette indices") {
    BlockEncoder e;
    BlockEncoderConfig cfg;
    cfg.truecolor = false;
    e.reset(1, 1, 1, 1, cfg);
    auto img = image({0xff0000, 0x000000});
    std::string out;
    e.encode(img.data(), 3, out);
    CHECK(out == "\x1b[1;1H\x1b[38;5;196;48;5;16m" + kUpper + "\x1b[0m");
    CHECK(BlockEncoder::paletteIndex(0x808080) == 244);
    CHECK(BlockEncoder::paletteRgb(196) == 0xff0000u);
}

TEST_CASE("short gaps in a row use a relative cursor move") {
    BlockEncoder e;
    BlockEncoderConfig cfg;
    e.reset(4, 1, 1, 1, cfg);
    auto a = image({0, 0, 0, 0, 0, 0, 0, 0});
    std::string out;
    e.encode(a.data(), 12, out);
    auto b = image({0xffffff, 0, 0, 0xffffff, 0, 0, 0, 0});
    out.clear();
    CHECK(e.encode(b.data(), 12, out) == 2);
    CHECK(out.find("\x1b[2C") != std::string::npos);
}

TEST_CASE("layout: 16:9 in 80x24 with square half-cells") {
    qv::StreamSpec s;
    s.width = 1920;
    s.height = 1080;
    auto l = qv::term::fitPicture(s, 80, 23, 0, 0, 24);
    CHECK(l.cols == 80);
    CHECK(l.rows == 23);   // 45 px high -> 23 rows
    CHECK(l.col0 == 1);
}

TEST_CASE("layout: SAR and rotation are applied") {
    qv::StreamSpec s;
    s.width = 720;
    s.height = 576;
    s.sarNum = 16;
    s.sarDen = 11;   // 4:3 PAL widescreen-ish -> wider than coded
    auto l = qv::term::fitPicture(s, 200, 50, 0, 0, 51);
    // DAR = 720*16/11/576 = 1.818: 100 px high -> 182 px wide.
    CHECK(l.rows == 50);
    CHECK(l.cols == 182);
    s.orientation = qv::Orientation::Rotate90Cw;
    auto r = qv::term::fitPicture(s, 200, 50, 0, 0, 51);
    CHECK(r.cols == 55);   // 100 / 1.818
    CHECK(r.col0 == 1 + (200 - 55) / 2);
}

TEST_CASE("layout: the cell's own aspect from the pixel size") {
    qv::StreamSpec s;
    s.width = 100;
    s.height = 100;
    // cells 10x20 px: half-cells square -> square picture uses equal px counts
    auto sq = qv::term::fitPicture(s, 100, 40, 1000, 820, 41);
    CHECK(sq.cols == 80);
    // cells 10x30 px: half-cells 10x15, a square needs 1.5x more columns than px rows
    auto tall = qv::term::fitPicture(s, 200, 40, 2000, 1230, 41);
    CHECK(tall.cols == 120);
}
