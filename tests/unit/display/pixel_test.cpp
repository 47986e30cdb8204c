#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/pixel/helper_thread.h"
#include "display/pixel/kitty_encoder.h"
#include "display/pixel/sixel_encoder.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>
#include <zlib.h>

using namespace qv::pixel;

namespace {

// A small sixel decoder (the subset the encoder writes): returns the
// picture as palette RGB, or an empty vector when the stream is malformed.
std::vector<uint8_t> decodeSixel(const std::string &s, int &w, int &h) {
    std::vector<uint8_t> pix;
    size_t i = s.find("\x1bP");
    if (i == std::string::npos) return {};
    i = s.find('q', i);
    if (i == std::string::npos || s[i + 1] != '"') return {};
    i += 2;
    int pan, pad;
    if (std::sscanf(s.c_str() + i, "%d;%d;%d;%d", &pan, &pad, &w, &h) != 4) return {};
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == ';')) ++i;
    pix.assign(static_cast<size_t>(w) * h * 3, 0);
    int pal[256][3] = {};
    int cur = 0, x = 0, band = 0;
    auto num = [&](size_t &k) {
        int v = 0;
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) v = v * 10 + (s[k++] - '0');
        return v;
    };
    auto put = [&](char ch, int n) {
        const int bits = ch - 63;
        for (int r = 0; r < n; ++r, ++x)
            for (int b = 0; b < 6; ++b)
                if (bits & (1 << b)) {
                    const int y = band * 6 + b;
                    if (x >= w || y >= h) continue;
                    uint8_t *p = &pix[(static_cast<size_t>(y) * w + x) * 3];
                    p[0] = static_cast<uint8_t>(pal[cur][0] * 255 / 100);
                    p[1] = static_cast<uint8_t>(pal[cur][1] * 255 / 100);
                    p[2] = static_cast<uint8_t>(pal[cur][2] * 255 / 100);
                }
    };
    while (i < s.size()) {
        const char c = s[i];
        if (c == '\x1b') break;
        if (c == '#') {
            ++i;
            cur = num(i);
            if (i < s.size() && s[i] == ';') {
                ++i;
                num(i);   // colour space (2 = RGB)
                ++i;
                pal[cur][0] = num(i);
                ++i;
                pal[cur][1] = num(i);
                ++i;
                pal[cur][2] = num(i);
            }
        } else if (c == '!') {
            ++i;
            const int n = num(i);
            put(s[i++], n);
        } else if (c == '$') {
            x = 0;
            ++i;
        } else if (c == '-') {
            x = 0;
            ++band;
            ++i;
        } else if (c >= 63 && c <= 126) {
            put(c, 1);
            ++i;
        } else {
            return {};
        }
    }
    return pix;
}

std::vector<uint8_t> gradient(int w, int h) {
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            uint8_t *p = &rgb[(static_cast<size_t>(y) * w + x) * 3];
            p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
            p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
            p[2] = static_cast<uint8_t>((x < w / 2) ? 255 : 0);
        }
    return rgb;
}

} // namespace

TEST_CASE("sixel: the decoded picture is the input within one palette step") {
    const int w = 37, h = 23;   // odd sizes: a partial last band
    auto rgb = gradient(w, h);
    SixelEncoder enc;
    std::string out;
    enc.encode(rgb.data(), w * 3, w, h, out);
    CHECK(out.rfind("\x1bP0;1;0q\"1;1;37;23", 0) == 0);
    CHECK(out.substr(out.size() - 2) == "\x1b\\");
    int dw = 0, dh = 0;
    auto back = decodeSixel(out, dw, dh);
    REQUIRE(back.size() == rgb.size());
    CHECK(dw == w);
    CHECK(dh == h);
    int worst = 0;
    for (size_t k = 0; k < rgb.size(); ++k) worst = std::max(worst, std::abs(int(rgb[k]) - int(back[k])));
    CHECK(worst <= 30 + 3);   // the run-keeping tolerance (about half a palette step), plus rounding
}

TEST_CASE("sixel: a BGR24 picture gives the bytes of the same picture in RGB24, dithered or not") {
    const int w = 41, h = 29;
    auto rgb = gradient(w, h);
    std::vector<uint8_t> bgr(rgb.size());
    for (size_t k = 0; k < rgb.size(); k += 3) {
        bgr[k] = rgb[k + 2];
        bgr[k + 1] = rgb[k + 1];
        bgr[k + 2] = rgb[k];
    }
    for (bool dither : {false, true}) {
        SixelEncoder a(dither), b(dither, true), wrong(dither);
        std::string ra, rb, rw;
        a.encode(rgb.data(), w * 3, w, h, ra);
        b.encode(bgr.data(), w * 3, w, h, rb);
        wrong.encode(bgr.data(), w * 3, w, h, rw);
        CHECK(ra == rb);
        CHECK(ra != rw);   // the order matters for this picture
    }
}

TEST_CASE("sixel: sixteen pixels at a time, the bytes of the tables, dithered or not, RGB and BGR") {
    // Noise with every value 0..255 in every channel and a gradient; a
    // width that leaves a tail after the sixteen-pixel blocks; a stride
    // wider than the row.
    const int w = 77, h = 41, stride = w * 3 + 13;
    std::vector<uint8_t> noise(static_cast<size_t>(stride) * h);
    uint32_t r = 777;
    for (uint8_t &v : noise) {
        r = r * 1664525u + 1013904223u;
        v = static_cast<uint8_t>(r >> 24);
    }
    for (int k = 0; k < 256 * 3; ++k) noise[static_cast<size_t>(k)] = static_cast<uint8_t>(k / 3);
    const auto g = gradient(w, h);
    std::vector<uint8_t> grad(static_cast<size_t>(stride) * h);
    for (int y = 0; y < h; ++y)
        std::copy_n(g.begin() + static_cast<long>(y) * w * 3, w * 3, grad.begin() + static_cast<long>(y) * stride);
#if defined(__x86_64__) || defined(__aarch64__)
    CHECK(SixelEncoder().vectors());   // every x86-64 machine CI runs on has SSSE3
#endif
    for (bool dither : {false, true})
        for (bool bgr : {false, true})
            for (const std::vector<uint8_t> *pic : {static_cast<const std::vector<uint8_t> *>(&grad), static_cast<const std::vector<uint8_t> *>(&noise)}) {
                SixelEncoder vec(dither, bgr), tab(dither, bgr);
                tab.useVectors(false);
                CHECK_FALSE(tab.vectors());
                std::string a, b;
                vec.encode(pic->data(), stride, w, h, a);
                tab.encode(pic->data(), stride, w, h, b);
                CHECK(a.size() > 500);
                CHECK(a == b);
            }
}

TEST_CASE("sixel: split over a helper thread, the same bytes as one thread") {
    // Tall enough to split (96 rows or more), a height that is not a
    // multiple of 6 and an odd width; a gradient and noise; dithered or not;
    // whole pictures and a diff of some cell rows.
    const int w = 203, h = 221, cellH = 17;
    std::vector<uint8_t> noise(static_cast<size_t>(w) * h * 3);
    uint32_t r = 12345;
    for (uint8_t &v : noise) {
        r = r * 1664525u + 1013904223u;
        v = static_cast<uint8_t>(r >> 24);
    }
    const auto grad = gradient(w, h);
    HelperThread helper;
    for (bool dither : {false, true})
        for (const std::vector<uint8_t> *pic : {&grad, static_cast<const std::vector<uint8_t> *>(&noise)}) {
            SixelEncoder one(dither, true), two(dither, true);
            std::string a, b;
            one.encode(pic->data(), w * 3, w, h, a);
            two.encode(pic->data(), w * 3, w, h, b, &helper);
            CHECK(a.size() > 1000);
            CHECK(a == b);
            // Video: a whole picture, then one with rows 40..139 changed.
            auto next = *pic;
            for (size_t k = static_cast<size_t>(40) * w * 3; k < static_cast<size_t>(140) * w * 3; ++k) next[k] ^= 0x5a;
            std::vector<SixelRun> ra, rb;
            for (const std::vector<uint8_t> *p : {pic, static_cast<const std::vector<uint8_t> *>(&next)}) {
                a.clear();
                b.clear();
                const bool fa = one.encodeDiff(p->data(), w * 3, w, h, cellH, 3, 4, a, &ra);
                const bool fb = two.encodeDiff(p->data(), w * 3, w, h, cellH, 3, 4, b, &rb, &helper);
                CHECK(fa == fb);
                CHECK(a == b);
                REQUIRE(ra.size() == rb.size());
                for (size_t k = 0; k < ra.size(); ++k) CHECK((ra[k].off == rb[k].off && ra[k].len == rb[k].len));
            }
            CHECK(ra.size() == 1);   // the second was a diff: one run of changed cell rows
        }
    CHECK(helper.started());
}

TEST_CASE("sixel: one colour is one run per band, exact bytes") {
    std::vector<uint8_t> red(8 * 6 * 3, 0);
    for (size_t k = 0; k < red.size(); k += 3) red[k] = 255;
    SixelEncoder enc;
    std::string out;
    enc.encode(red.data(), 8 * 3, 8, 6, out);
    // palette entry 5*42 = 210 is pure red; the band: 8 columns of all six rows ('~')
    CHECK(out == "\x1bP0;1;0q\"1;1;8;6#210;2;100;0;0#210!8~-\x1b\\");
}

TEST_CASE("sixel: the palette is fixed, so a colour keeps its register across frames") {
    std::vector<uint8_t> a(6 * 6 * 3, 0), b(6 * 6 * 3, 0);
    for (size_t k = 0; k < a.size(); k += 3) a[k + 1] = 128;    // green
    for (size_t k = 0; k < b.size(); k += 3) b[k + 1] = 128;
    b[0] = 255;                                                   // one red pixel more
    SixelEncoder enc;
    std::string o1, o2;
    enc.encode(a.data(), 18, 6, 6, o1);
    enc.encode(b.data(), 18, 6, 6, o2);
    const std::string green = "#18;2;0;50;0";   // 3 * 6 = 18: green level 3 of 6
    CHECK(o1.find(green) != std::string::npos);
    CHECK(o2.find(green) != std::string::npos);
}

TEST_CASE("sixel video: only the cell rows that changed are sent, where they belong") {
    const int w = 40, h = 60, cellH = 20;   // three cell rows
    auto a = gradient(w, h);
    auto b = a;
    for (int y = 25; y < 30; ++y)            // a change inside the second cell row only
        for (int x = 0; x < w; ++x) b[(static_cast<size_t>(y) * w + x) * 3 + 2] ^= 0xff;
    SixelEncoder enc;
    std::string first, second, third;
    enc.encodeDiff(a.data(), w * 3, w, h, cellH, 5, 9, first);
    CHECK(first.rfind("\x1b[5;9H\x1bP", 0) == 0);           // whole picture at its cell
    enc.encodeDiff(b.data(), w * 3, w, h, cellH, 5, 9, second);
    CHECK(second.rfind("\x1b[6;9H\x1bP", 0) == 0);          // only the second cell row
    CHECK(second.find("\x1bP", 3) == second.rfind("\x1bP"));  // one image
    int sw = 0, sh = 0;
    auto part = decodeSixel(second, sw, sh);
    CHECK(sw == w);
    CHECK(sh == cellH);
    // the strip decodes to rows 20..39 of the new picture, quantized
    std::string whole;
    SixelEncoder fresh;
    fresh.encode(b.data(), w * 3, w, h, whole);
    int fw = 0, fh = 0;
    auto full = decodeSixel(whole, fw, fh);
    REQUIRE(part.size() == static_cast<size_t>(w) * cellH * 3);
    CHECK(std::equal(part.begin(), part.end(), full.begin() + static_cast<long>(w) * 20 * 3));
    enc.encodeDiff(b.data(), w * 3, w, h, cellH, 5, 9, third);
    CHECK(third.empty());                                         // nothing changed: nothing sent
    enc.reset();
    third.clear();
    enc.encodeDiff(b.data(), w * 3, w, h, cellH, 5, 9, third);
    CHECK(third.rfind("\x1b[5;9H\x1bP", 0) == 0);           // after reset: whole again
}

namespace {
// Standard base64 (with padding) back to bytes.
std::vector<uint8_t> unbase64(const std::string &b64) {
    std::vector<uint8_t> packed;
    auto val = [](char c) {
        const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        return static_cast<int>(std::strchr(t, c) - t);
    };
    for (size_t k = 0; k + 4 <= b64.size(); k += 4) {
        const uint32_t v = (val(b64[k]) << 18) | (val(b64[k + 1]) << 12) |
                           ((b64[k + 2] == '=' ? 0 : val(b64[k + 2])) << 6) | (b64[k + 3] == '=' ? 0 : val(b64[k + 3]));
        packed.push_back(static_cast<uint8_t>(v >> 16));
        if (b64[k + 2] != '=') packed.push_back(static_cast<uint8_t>(v >> 8));
        if (b64[k + 3] != '=') packed.push_back(static_cast<uint8_t>(v));
    }
    return packed;
}
} // namespace

TEST_CASE("kitty: chunks of 4096 base64 characters carrying the zlib'd pixels") {
    const int w = 64, h = 48;
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
    uint32_t seed = 1;
    for (auto &v : rgb) v = static_cast<uint8_t>((seed = seed * 1103515245 + 12345) >> 24);   // incompressible
    KittyEncoder enc;
    std::string out;
    enc.encode(rgb.data(), w * 3, w, h, 7, out);
    CHECK(out.rfind("\x1b_Ga=T,f=24,o=z,s=64,v=48,i=7,p=1,q=2,C=1,m=1;", 0) == 0);
    // collect the payload of every chunk
    std::string b64;
    size_t pos = 0;
    int chunks = 0;
    bool last = false;
    while ((pos = out.find("\x1b_G", pos)) != std::string::npos) {
        const size_t semi = out.find(';', pos), end = out.find("\x1b\\", pos);
        REQUIRE(semi < end);
        const std::string keys = out.substr(pos + 3, semi - pos - 3);
        const std::string data = out.substr(semi + 1, end - semi - 1);
        CHECK(data.size() <= 4096);
        last = keys.find("m=0") != std::string::npos;
        b64 += data;
        ++chunks;
        pos = end + 2;
    }
    CHECK(chunks >= 3);
    CHECK(last);
    // base64 -> bytes -> inflate -> the pixels
    const std::vector<uint8_t> packed = unbase64(b64);
    std::vector<uint8_t> back(rgb.size());
    uLongf n = static_cast<uLongf>(back.size());
    REQUIRE(uncompress(back.data(), &n, packed.data(), static_cast<uLong>(packed.size())) == Z_OK);
    CHECK(n == rgb.size());
    CHECK(back == rgb);
}

TEST_CASE("kitty: the compression split over two threads is one valid zlib stream of the same pixels") {
    HelperThread helper;
    KittyEncoder enc;
    for (const int h : {48, 37, 2}) {   // an odd height splits unevenly
        for (const bool noise : {true, false}) {
            CAPTURE(h);
            CAPTURE(noise);
            const int w = 50, stride = w * 3 + 10;   // rows with padding: copied together first
            std::vector<uint8_t> img(static_cast<size_t>(stride) * h), rgb;
            uint32_t seed = 7;
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w * 3; ++x) {
                    const uint8_t v = noise ? static_cast<uint8_t>((seed = seed * 1103515245 + 12345) >> 24)
                                            : static_cast<uint8_t>((x / 12 + y / 5) * 17);
                    img[static_cast<size_t>(y) * stride + x] = v;
                    rgb.push_back(v);
                }
            std::string out;
            enc.encode(img.data(), stride, w, h, 9, out, &helper);
            std::string b64;
            for (size_t pos = 0; (pos = out.find("\x1b_G", pos)) != std::string::npos;) {
                const size_t semi = out.find(';', pos), end = out.find("\x1b\\", pos);
                b64 += out.substr(semi + 1, end - semi - 1);
                pos = end + 2;
            }
            const std::vector<uint8_t> packed = unbase64(b64);
            std::vector<uint8_t> back(rgb.size() + 16);
            uLongf n = static_cast<uLongf>(back.size());
            // uncompress checks the header and the adler32 at the end
            REQUIRE(uncompress(back.data(), &n, packed.data(), static_cast<uLong>(packed.size())) == Z_OK);
            back.resize(n);
            CHECK(back == rgb);
        }
    }
    CHECK(helper.started());
}

TEST_CASE("kitty: delete command and base64 padding") {
    std::string out;
    KittyEncoder::remove(7, out);
    CHECK(out == "\x1b_Ga=d,d=I,i=7,q=2\x1b\\");
    std::string b;
    const uint8_t m[] = {'M', 'a', 'n', 'y'};
    base64Append(m, 4, b);
    CHECK(b == "TWFueQ==");
    // RFC 4648's vectors, appended one after another (it appends)
    std::string all;
    const std::string in = "foobar";
    for (size_t n = 0; n <= in.size(); ++n) {
        base64Append(reinterpret_cast<const uint8_t *>(in.data()), n, all);
        all += '|';
    }
    CHECK(all == "|Zg==|Zm8=|Zm9v|Zm9vYg==|Zm9vYmE=|Zm9vYmFy|");
}
