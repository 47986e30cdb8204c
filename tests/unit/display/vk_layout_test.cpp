// The vulkan display's pure arithmetic (no GPU): plane layouts, the colour
// map against swscale's own YUV->RGB conversion, chroma siting, orientation
// against the scale stage's orientPacked(), fitting.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/vulkan/vk_layout.h"
#include "qv/media/scaler.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace qv;
using namespace qv::vk;

TEST_CASE("layouts: each plane in its own format, components where FFmpeg puts them") {
    UploadLayout l;
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P, l));
    CHECK(l.planes == 3);
    CHECK(l.family == Family::Yuv);
    CHECK((l.plane[0].format == TexFormat::R8 && l.plane[1].format == TexFormat::R8 && l.plane[2].format == TexFormat::R8));
    CHECK((l.plane[0].log2W == 0 && l.plane[1].log2W == 1 && l.plane[1].log2H == 1 && l.plane[2].log2H == 1));
    CHECK((l.bits == 8 && l.shift == 0 && !l.fullRangeFormat));

    REQUIRE(layoutFor(AV_PIX_FMT_NV12, l));
    CHECK(l.planes == 2);
    CHECK((l.plane[0].format == TexFormat::R8 && l.plane[1].format == TexFormat::RG8));
    CHECK((l.compPlane[1] == 1 && l.compChannel[1] == 0 && l.compPlane[2] == 1 && l.compChannel[2] == 1));
    REQUIRE(layoutFor(AV_PIX_FMT_NV21, l));
    CHECK((l.compChannel[1] == 1 && l.compChannel[2] == 0));

    REQUIRE(layoutFor(AV_PIX_FMT_P010LE, l));
    CHECK((l.plane[0].format == TexFormat::R16 && l.plane[1].format == TexFormat::RG16));
    CHECK((l.bits == 10 && l.shift == 6));
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P10LE, l));
    CHECK((l.plane[0].format == TexFormat::R16 && l.bits == 10 && l.shift == 0));
    REQUIRE(layoutFor(AV_PIX_FMT_YUV422P, l));
    CHECK((l.plane[1].log2W == 1 && l.plane[1].log2H == 0));
    REQUIRE(layoutFor(AV_PIX_FMT_YUV444P12LE, l));
    CHECK((l.plane[1].log2W == 0 && l.bits == 12));
    REQUIRE(layoutFor(AV_PIX_FMT_YUVJ420P, l));
    CHECK(l.fullRangeFormat);

    REQUIRE(layoutFor(AV_PIX_FMT_GBRP, l));
    CHECK(l.family == Family::Rgb);
    CHECK((l.compPlane[0] == 2 && l.compPlane[1] == 0 && l.compPlane[2] == 1));   // R, G, B planes
    REQUIRE(layoutFor(AV_PIX_FMT_BGRA, l));
    CHECK((l.planes == 1 && l.plane[0].format == TexFormat::RGBA8));
    CHECK((l.compChannel[0] == 2 && l.compChannel[1] == 1 && l.compChannel[2] == 0));
    REQUIRE(layoutFor(AV_PIX_FMT_GRAY8, l));
    CHECK((l.family == Family::Gray && l.planes == 1 && l.compPlane[1] == -1));

    // Not as they are: 24-bit RGB, packed 4:2:2, an alpha plane, big-endian,
    // paletted, 5-6-5.
    for (AVPixelFormat f : {AV_PIX_FMT_RGB24, AV_PIX_FMT_YUYV422, AV_PIX_FMT_UYVY422, AV_PIX_FMT_YUVA420P,
                            AV_PIX_FMT_YUV420P10BE, AV_PIX_FMT_PAL8, AV_PIX_FMT_RGB565LE, AV_PIX_FMT_MONOWHITE})
        CHECK_MESSAGE(!layoutFor(f, l), av_get_pix_fmt_name(f));
}

TEST_CASE("upload formats: the decoded format when taken, else the nearest of the same family") {
    CHECK(uploadFormatFor(AV_PIX_FMT_NV12) == AV_PIX_FMT_NV12);
    CHECK(uploadFormatFor(AV_PIX_FMT_P010LE) == AV_PIX_FMT_P010LE);
    CHECK(uploadFormatFor(AV_PIX_FMT_YUYV422) == AV_PIX_FMT_YUV422P);
    CHECK(uploadFormatFor(AV_PIX_FMT_YUVA420P) == AV_PIX_FMT_YUV420P);
    UploadLayout l;
    const int rgb = uploadFormatFor(AV_PIX_FMT_RGB24);
    REQUIRE(layoutFor(rgb, l));
    CHECK(l.family == Family::Rgb);
    CHECK(l.bits == 8);
    const int be = uploadFormatFor(AV_PIX_FMT_YUV420P10BE);
    REQUIRE(layoutFor(be, l));
    CHECK((l.family == Family::Yuv && l.bits >= 10 && l.plane[1].log2W == 1 && l.plane[1].log2H == 1));
}

TEST_CASE("staging: rows and planes aligned, odd sizes rounded up for chroma") {
    UploadLayout l;
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P, l));
    const StagingLayout s = stagingLayout(l, 175, 143, 64, 256);
    CHECK((s.width[0] == 175 && s.width[1] == 88 && s.height[1] == 72));
    CHECK((s.stride[0] == 192 && s.stride[1] == 128 && s.stride[2] == 128));
    CHECK((s.offset[0] == 0 && s.offset[1] % 256 == 0 && s.offset[1] >= size_t(192 * 143)));
    CHECK(s.offset[2] >= s.offset[1] + size_t(128 * 72));
    CHECK(s.total >= s.offset[2] + size_t(128 * 72));
    REQUIRE(layoutFor(AV_PIX_FMT_P010LE, l));
    const StagingLayout p = stagingLayout(l, 100, 50, 64, 64);
    CHECK((p.stride[0] == 256 && p.stride[1] == 256 && p.width[1] == 50 && p.height[1] == 25));
}

namespace {

// rgb as the shader computes it for one pixel: each plane sampled as UNORM.
void shade(const UploadLayout &l, const ColourMap &m, const float tex[3][4], int out[3]) {
    for (int r = 0; r < 3; ++r) {
        double v = m.bias[r];
        for (int p = 0; p < l.planes; ++p)
            for (int c = 0; c < 4; ++c) v += double(m.coef[p][c][r]) * tex[p][c];
        out[r] = static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
    }
}

// swscale's YUV 4:4:4 -> RGB24, exact rounding, with this matrix and range.
std::vector<uint8_t> swsRgb(AVPixelFormat fmt, const std::vector<uint16_t> &y, const std::vector<uint16_t> &u,
                            const std::vector<uint16_t> &v, int n, int cs, bool full) {
    const bool wide = av_pix_fmt_desc_get(fmt)->comp[0].depth > 8;
    std::vector<uint8_t> planes[3];
    const std::vector<uint16_t> *src[3] = {&y, &u, &v};
    for (int p = 0; p < 3; ++p) {
        planes[p].resize(size_t(n) * (wide ? 2 : 1));
        for (int i = 0; i < n; ++i) {
            if (wide) std::memcpy(&planes[p][size_t(i) * 2], &(*src[p])[size_t(i)], 2);
            else planes[p][size_t(i)] = static_cast<uint8_t>((*src[p])[size_t(i)]);
        }
    }
    SwsContext *s = sws_getContext(n, 1, fmt, n, 1, AV_PIX_FMT_RGB24,
                                   SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, nullptr,
                                   nullptr, nullptr);
    REQUIRE(s);
    const int *coefs = sws_getCoefficients(cs);
    sws_setColorspaceDetails(s, coefs, full ? 1 : 0, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
    std::vector<uint8_t> out(size_t(n) * 3);
    const uint8_t *in[4] = {planes[0].data(), planes[1].data(), planes[2].data(), nullptr};
    int inLs[4] = {int(planes[0].size()), int(planes[1].size()), int(planes[2].size()), 0};
    uint8_t *o[4] = {out.data(), nullptr, nullptr, nullptr};
    int oLs[4] = {n * 3, 0, 0, 0};
    sws_scale(s, in, inLs, 0, 1, o, oLs);
    sws_freeContext(s);
    return out;
}

} // namespace

TEST_CASE("colour map: the shader's arithmetic matches swscale's conversion") {
    struct Case {
        AVPixelFormat fmt;
        Matrix m;
        int cs;
        bool full;
    };
    const Case cases[] = {
        {AV_PIX_FMT_YUV444P, Matrix::Bt601, SWS_CS_ITU601, false},
        {AV_PIX_FMT_YUV444P, Matrix::Bt709, SWS_CS_ITU709, false},
        {AV_PIX_FMT_YUV444P, Matrix::Bt601, SWS_CS_ITU601, true},
        {AV_PIX_FMT_YUV444P, Matrix::Bt709, SWS_CS_ITU709, true},
        {AV_PIX_FMT_YUV444P, Matrix::Bt2020, SWS_CS_BT2020, false},
        {AV_PIX_FMT_YUV444P10LE, Matrix::Bt709, SWS_CS_ITU709, false},
        {AV_PIX_FMT_YUV444P10LE, Matrix::Bt601, SWS_CS_ITU601, true},
    };
    for (const Case &c : cases) {
        UploadLayout l;
        REQUIRE(layoutFor(c.fmt, l));
        ColourFacts facts;
        facts.matrix = c.m;
        facts.fullRange = c.full;
        const ColourMap map = colourMap(l, facts);
        const int maxCode = (1 << l.bits) - 1;
        // Codes over the legal range (swscale's own fixed point wraps for
        // some illegal combinations far outside it).
        const int unit = 1 << (l.bits - 8);
        const int lo = c.full ? 0 : 16 * unit, hiY = c.full ? maxCode : 235 * unit, hiC = c.full ? maxCode : 240 * unit;
        std::vector<uint16_t> y, u, v;
        uint32_t seed = 12345;
        for (int i = 0; i < 512; ++i) {
            seed = seed * 1103515245 + 12345;
            y.push_back(static_cast<uint16_t>(lo + (seed >> 8) % (hiY - lo + 1)));
            u.push_back(static_cast<uint16_t>(lo + (seed >> 3) % (hiC - lo + 1)));
            v.push_back(static_cast<uint16_t>(lo + (seed >> 14) % (hiC - lo + 1)));
        }
        const auto ref = swsRgb(c.fmt, y, u, v, 512, c.cs, c.full);
        int worst = 0;
        for (int i = 0; i < 512; ++i) {
            float tex[3][4] = {};
            const double scale = l.bits > 8 ? 65535.0 : 255.0;
            tex[0][0] = static_cast<float>(y[size_t(i)] / scale);
            tex[1][0] = static_cast<float>(u[size_t(i)] / scale);
            tex[2][0] = static_cast<float>(v[size_t(i)] / scale);
            int rgb[3];
            shade(l, map, tex, rgb);
            for (int k = 0; k < 3; ++k) worst = std::max(worst, std::abs(rgb[k] - ref[size_t(i) * 3 + size_t(k)]));
        }
        const std::string what = std::string(av_get_pix_fmt_name(c.fmt)) + " " + matrixName(c.m) + (c.full ? " full" : " limited");
        MESSAGE(what, ": largest difference ", worst);
        CHECK(worst <= 1);
    }
}

TEST_CASE("colour map: P010 and NV12 give what the planar formats give for the same codes") {
    UploadLayout p010, y10, nv12, y8;
    REQUIRE(layoutFor(AV_PIX_FMT_P010LE, p010));
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P10LE, y10));
    REQUIRE(layoutFor(AV_PIX_FMT_NV12, nv12));
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P, y8));
    ColourFacts f;
    f.matrix = Matrix::Bt709;
    const ColourMap mp = colourMap(p010, f), my = colourMap(y10, f), mn = colourMap(nv12, f), m8 = colourMap(y8, f);
    for (int code : {64, 200, 512, 777, 940}) {
        const int cb = 1023 - code, cr = (code * 3) % 1024;
        float a[3][4] = {}, b[3][4] = {};
        a[0][0] = static_cast<float>((code << 6) / 65535.0);
        a[1][0] = static_cast<float>((cb << 6) / 65535.0);
        a[1][1] = static_cast<float>((cr << 6) / 65535.0);
        b[0][0] = static_cast<float>(code / 65535.0);
        b[1][0] = static_cast<float>(cb / 65535.0);
        b[2][0] = static_cast<float>(cr / 65535.0);
        int ra[3], rb[3];
        shade(p010, mp, a, ra);
        shade(y10, my, b, rb);
        CHECK((ra[0] == rb[0] && ra[1] == rb[1] && ra[2] == rb[2]));
        float c[3][4] = {}, d[3][4] = {};
        c[0][0] = d[0][0] = static_cast<float>((code >> 2) / 255.0);
        c[1][0] = d[1][0] = static_cast<float>((cb >> 2) / 255.0);
        c[1][1] = d[2][0] = static_cast<float>((cr >> 2) / 255.0);
        shade(nv12, mn, c, ra);
        shade(y8, m8, d, rb);
        CHECK((ra[0] == rb[0] && ra[1] == rb[1] && ra[2] == rb[2]));
    }
    // Limited-range white and black.
    float w[3][4] = {{235 / 255.0f}, {128 / 255.0f}, {128 / 255.0f}};
    int rgb[3];
    shade(y8, m8, w, rgb);
    CHECK((rgb[0] == 255 && rgb[1] == 255 && rgb[2] == 255));
    float k[3][4] = {{16 / 255.0f}, {128 / 255.0f}, {128 / 255.0f}};
    shade(y8, m8, k, rgb);
    CHECK((rgb[0] == 0 && rgb[1] == 0 && rgb[2] == 0));
}

TEST_CASE("colour facts: the frame's, else the scale stage's guesses") {
    UploadLayout l, j;
    REQUIRE(layoutFor(AV_PIX_FMT_YUV420P, l));
    REQUIRE(layoutFor(AV_PIX_FMT_YUVJ420P, j));
    AVFrame *f = av_frame_alloc();
    f->height = 480;
    ColourFacts c = colourFactsOf(f, l);
    CHECK((c.matrix == Matrix::Bt601 && !c.fullRange && c.chromaX == 0 && c.chromaY == 0.5));
    f->height = 720;
    CHECK(colourFactsOf(f, l).matrix == Matrix::Bt709);
    CHECK(colourFactsOf(f, j).fullRange);
    CHECK(colourFactsOf(f, j).chromaX == 0.5);
    f->colorspace = AVCOL_SPC_BT2020_NCL;
    f->color_range = AVCOL_RANGE_JPEG;
    f->chroma_location = AVCHROMA_LOC_TOPLEFT;
    c = colourFactsOf(f, l);
    CHECK((c.matrix == Matrix::Bt2020 && c.fullRange && c.chromaX == 0 && c.chromaY == 0));
    av_frame_free(&f);
}

TEST_CASE("chroma siting: each chroma sample lands where the location says") {
    PlaneDesc luma, c420;
    c420.log2W = c420.log2H = 1;
    ColourFacts left;   // x cosited, y centred
    PlaneMap m = planeMap(luma, left);
    CHECK((m.scaleX == 1 && m.offsetX == 0 && m.offsetY == 0));
    m = planeMap(c420, left);
    // Luma pixel 0's centre (0.5) is chroma sample 0's centre horizontally;
    // vertically chroma sample 0 sits between luma rows 0 and 1 (y 1.0).
    CHECK(0.5f * m.scaleX + m.offsetX == doctest::Approx(0.5));
    CHECK(1.0f * m.scaleY + m.offsetY == doctest::Approx(0.5));
    CHECK(4.5f * m.scaleX + m.offsetX == doctest::Approx(2.5));   // luma 4 = chroma 2
    ColourFacts centre;
    centre.chromaX = 0.5;
    m = planeMap(c420, centre);
    CHECK(1.0f * m.scaleX + m.offsetX == doctest::Approx(0.5));
    ColourFacts top;
    top.chromaY = 0;
    m = planeMap(c420, top);
    CHECK(0.5f * m.scaleY + m.offsetY == doctest::Approx(0.5));
}

TEST_CASE("orientation: the shader's map turns as the scale stage's orientPacked does") {
    const int w = 5, h = 3;
    std::vector<uint8_t> src(size_t(w) * h);
    for (int i = 0; i < w * h; ++i) src[size_t(i)] = static_cast<uint8_t>(i);
    for (Orientation o : {Orientation::Normal, Orientation::Rotate90Cw, Orientation::Rotate90Ccw, Orientation::Transpose,
                          Orientation::AntiTranspose, Orientation::Rotate180, Orientation::HFlip, Orientation::VFlip}) {
        const bool swap = swapsAxes(o);
        const int dw = swap ? h : w, dh = swap ? w : h;
        std::vector<uint8_t> dst(size_t(dw) * dh);
        orientPacked(src.data(), w, h, w, 1, o, dst.data(), dw);
        const auto m = orientationMap(o);
        int bad = 0;
        for (int y = 0; y < dh; ++y)
            for (int x = 0; x < dw; ++x) {
                const double u = (x + 0.5) / dw, v = (y + 0.5) / dh;
                const double s = m[0] * u + m[1] * v + m[2], t = m[3] * u + m[4] * v + m[5];
                const int sx = static_cast<int>(std::floor(s * w)), sy = static_cast<int>(std::floor(t * h));
                if (sx < 0 || sy < 0 || sx >= w || sy >= h || src[size_t(sy * w + sx)] != dst[size_t(y * dw + x)]) ++bad;
            }
        INFO(orientationName(o));
        CHECK(bad == 0);
    }
}

TEST_CASE("fitting and footprints") {
    Rect r = fitPicture(320, 240, 480, 240);
    CHECK((r.x == 80 && r.y == 0 && r.w == 320 && r.h == 240));
    r = fitPicture(175, 143, 175, 143);
    CHECK((r.x == 0 && r.y == 0 && r.w == 175 && r.h == 143));
    r = fitPicture(1047, 576, 480, 240);
    CHECK((r.w == 436 && r.h == 240 && r.x == 22 && r.y == 0));
    r = fitPicture(16, 9, 100, 100);
    CHECK((r.w == 100 && r.h == 56 && r.y == 22));
    StreamSpec s;
    s.width = 720;
    s.height = 576;
    s.sarNum = 16;
    s.sarDen = 11;
    int w = 0, h = 0;
    displaySize(s, w, h);
    CHECK((w == 1047 && h == 576));
    s.orientation = Orientation::Rotate90Cw;
    displaySize(s, w, h);
    CHECK((w == 576 && h == 1047));
    float fx = 0, fy = 0;
    footprint(1920, 1080, Rect{0, 0, 960, 540}, Orientation::Normal, fx, fy);
    CHECK((fx == doctest::Approx(2.0) && fy == doctest::Approx(2.0)));
    footprint(1920, 1080, Rect{0, 0, 540, 960}, Orientation::Rotate90Cw, fx, fy);   // x of the source runs down
    CHECK((fx == doctest::Approx(2.0) && fy == doctest::Approx(2.0)));
    footprint(320, 240, Rect{0, 0, 640, 480}, Orientation::Normal, fx, fy);
    CHECK(fx == doctest::Approx(0.5));
}
