// The kms display's plane choice and its pixel work in YUV buffers (pure:
// tables of planes, byte arrays), and the scale stage's YUV output (range
// kept, the frame says its matrix and range).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/kms/kms_paint.h"
#include "display/kms/kms_plane.h"
#include "qv/media/prime.h"
#include "qv/media/scaler.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/hwcontext_drm.h>
#include <libavutil/pixfmt.h>
}

#include <cstring>
#include <vector>

using namespace qv;
using namespace qv::kms;

namespace {
const uint32_t NV12 = fourcc('N', 'V', '1', '2'), YU12 = fourcc('Y', 'U', '1', '2'), P010 = fourcc('P', '0', '1', '0'),
               YV12 = fourcc('Y', 'V', '1', '2'), NV16 = fourcc('N', 'V', '1', '6'), NV24 = fourcc('N', 'V', '2', '4');
bool all(int) { return true; }
bool no10bit(int f) { return f != AV_PIX_FMT_P010LE && f != AV_PIX_FMT_P016LE; }

PlaneInfo plane(uint32_t id, PlaneType t, std::vector<uint32_t> formats, bool colour = true, bool onCrtc = true) {
    PlaneInfo p;
    p.id = id;
    p.type = t;
    p.onCrtc = onCrtc;
    p.formats = std::move(formats);
    p.colorEncoding = p.colorRange = colour;
    return p;
}
SourceFormat yuv420(int depth = 8) { return {true, depth, 1, 1, true}; }
} // namespace

TEST_CASE("formats are ranked by loss, then by work") {
    auto r = rankFormats(yuv420(), all);
    REQUIRE(r.size() >= 8);
    CHECK(r[0]->fourcc == YU12);   // the exact layout
    CHECK(r[1]->fourcc == NV12);   // one interleave
    // Nothing that loses chroma or depth comes before anything that does not.
    bool lossy = false;
    for (const FormatInfo *f : r) {
        const bool l = f->log2ChromaW > 1 || f->log2ChromaH > 1 || f->depth < 8;
        CHECK(!(lossy && !l));
        lossy |= l;
    }
    auto ten = rankFormats(yuv420(10), all);
    CHECK(ten[0]->fourcc == P010);
    auto tenNo = rankFormats(yuv420(10), no10bit);   // a scaler without P010: the best 8-bit 4:2:0
    CHECK(tenNo[0]->fourcc == YU12);
    auto nv = rankFormats({true, 8, 1, 1, false}, all);   // an NV12 source: NV12 first
    CHECK(nv[0]->fourcc == NV12);
    auto s444 = rankFormats({true, 8, 0, 0, true}, all);
    CHECK(s444[0]->log2ChromaW == 0);
    CHECK(s444[0]->log2ChromaH == 0);
    CHECK(rankFormats({false, 8, 0, 0, false}, all).empty());   // RGB video: no YUV format
}

TEST_CASE("the plane choice: overlays, then the primary, with the colour properties") {
    std::vector<PlaneInfo> planes = {plane(31, PlaneType::Primary, {kXRGB8888, NV12, YU12}),
                                     plane(40, PlaneType::Overlay, {kXRGB8888, NV12}),
                                     plane(50, PlaneType::Cursor, {fourcc('A', 'R', '2', '4')})};
    auto c = choosePlanes(planes, yuv420(), PlanePref::Auto, Orientation::Normal, all);
    REQUIRE(c.candidates.size() == 3);
    // YU12 only on the primary; NV12 on the overlay comes before NV12 on the primary.
    CHECK(c.candidates[0].planeId == 31);
    CHECK(c.candidates[0].format->fourcc == YU12);
    CHECK(c.candidates[1].planeId == 40);
    CHECK(c.candidates[1].overlay);
    CHECK(c.candidates[1].format->fourcc == NV12);
    CHECK(c.candidates[2].planeId == 31);
    CHECK(c.why.find("YUV420 on primary plane 31") != std::string::npos);

    auto o = choosePlanes(planes, yuv420(), PlanePref::Overlay, Orientation::Normal, all);
    REQUIRE(o.candidates.size() == 1);
    CHECK(o.candidates[0].planeId == 40);
    auto p = choosePlanes(planes, yuv420(), PlanePref::Primary, Orientation::Normal, all);
    REQUIRE(p.candidates.size() == 2);
    CHECK(!p.candidates[0].overlay);
    CHECK(!p.candidates[1].overlay);
    auto max1 = choosePlanes(planes, yuv420(), PlanePref::Auto, Orientation::Normal, all, 1);
    CHECK(max1.candidates.size() == 1);
}

TEST_CASE("the plane choice says why it falls back to RGB") {
    std::vector<PlaneInfo> rgbOnly = {plane(31, PlaneType::Primary, {kXRGB8888})};
    auto c = choosePlanes(rgbOnly, yuv420(), PlanePref::Auto, Orientation::Normal, all);
    CHECK(c.candidates.empty());
    CHECK(c.why.find("no plane takes a YUV format") != std::string::npos);

    std::vector<PlaneInfo> noColour = {plane(31, PlaneType::Primary, {NV12}, false)};
    c = choosePlanes(noColour, yuv420(), PlanePref::Auto, Orientation::Normal, all);
    CHECK(c.candidates.empty());
    CHECK(c.why.find("COLOR_ENCODING") != std::string::npos);

    std::vector<PlaneInfo> elsewhere = {plane(31, PlaneType::Primary, {NV12}, true, false)};
    c = choosePlanes(elsewhere, yuv420(), PlanePref::Auto, Orientation::Normal, all);
    CHECK(c.candidates.empty());
    CHECK(c.why == "no plane on this CRTC");

    std::vector<PlaneInfo> good = {plane(31, PlaneType::Primary, {NV12})};
    CHECK(choosePlanes(good, yuv420(), PlanePref::Rgb, Orientation::Normal, all).why == "--kms-plane=rgb");
    CHECK(choosePlanes(good, yuv420(), PlanePref::Overlay, Orientation::Normal, all).why == "no overlay plane on this CRTC");
    c = choosePlanes(good, yuv420(), PlanePref::Auto, Orientation::Rotate90Cw, all);
    CHECK(c.candidates.empty());
    CHECK(c.why.find("turned") != std::string::npos);
    c = choosePlanes(good, {false, 8, 0, 0, false}, PlanePref::Auto, Orientation::Normal, all);
    CHECK(c.why == "the video is RGB");
}

TEST_CASE("PRIME frames: the plane that takes the decoder's format and modifier") {
    const uint64_t tiled = 0x0100000000000001ULL;   // a vendor's tiled layout
    PlaneInfo primary = plane(31, PlaneType::Primary, {kXRGB8888, NV12});
    PlaneInfo overlay = plane(40, PlaneType::Overlay, {kXRGB8888, NV12, P010});
    PlaneInfo cursor = plane(50, PlaneType::Cursor, {NV12});
    // Without IN_FORMATS: linear only; overlays first; the cursor never.
    auto c = choosePrimePlanes({primary, overlay, cursor}, NV12, kModifierLinear, PlanePref::Auto, Orientation::Normal);
    REQUIRE(c.candidates.size() == 2);
    CHECK(c.candidates[0].planeId == 40);
    CHECK(c.candidates[0].overlay);
    CHECK(c.candidates[1].planeId == 31);
    CHECK(c.why.find("NV12 (modifier 0x0) on overlay plane 40") != std::string::npos);
    c = choosePrimePlanes({primary, overlay}, NV12, tiled, PlanePref::Auto, Orientation::Normal);
    CHECK(c.candidates.empty());
    CHECK(c.why == "no plane takes NV12 with modifier 0x100000000000001");
    // IN_FORMATS lists the tiled layout on the primary only.
    primary.inFormats = overlay.inFormats = true;
    primary.modifiers = {{NV12, kModifierLinear}, {NV12, tiled}};
    overlay.modifiers = {{NV12, kModifierLinear}, {P010, kModifierLinear}};
    c = choosePrimePlanes({primary, overlay}, NV12, tiled, PlanePref::Auto, Orientation::Normal);
    REQUIRE(c.candidates.size() == 1);
    CHECK(c.candidates[0].planeId == 31);
    CHECK_FALSE(c.candidates[0].overlay);
    // An implicit modifier is taken where linear is.
    c = choosePrimePlanes({primary, overlay}, P010, kModifierInvalid, PlanePref::Auto, Orientation::Normal);
    REQUIRE(c.candidates.size() == 1);
    CHECK(c.candidates[0].planeId == 40);
    // --kms-plane narrows it; rgb and turned pictures take none.
    c = choosePrimePlanes({primary, overlay}, NV12, kModifierLinear, PlanePref::Primary, Orientation::Normal);
    REQUIRE(c.candidates.size() == 1);
    CHECK(c.candidates[0].planeId == 31);
    CHECK(choosePrimePlanes({primary, overlay}, NV12, kModifierLinear, PlanePref::Rgb, Orientation::Normal).why ==
          "--kms-plane=rgb");
    CHECK(choosePrimePlanes({primary, overlay}, NV12, kModifierLinear, PlanePref::Auto, Orientation::Rotate90Cw)
              .candidates.empty());
    // A YUV format needs the colour properties; a format no plane lists is named.
    PlaneInfo bare = plane(41, PlaneType::Overlay, {NV12}, false);
    c = choosePrimePlanes({bare}, NV12, kModifierLinear, PlanePref::Auto, Orientation::Normal);
    CHECK(c.why == "the planes that take NV12 lack COLOR_ENCODING/COLOR_RANGE");
    c = choosePrimePlanes({primary}, fourcc('N', 'V', '1', '5'), kModifierLinear, PlanePref::Auto, Orientation::Normal);
    CHECK(c.why == "no plane on this CRTC takes NV15");
}

TEST_CASE("PRIME descriptors in qv's terms: one layer, or NV12/P010 from two") {
    AVDRMFrameDescriptor d{};
    d.nb_objects = 1;
    d.objects[0].fd = 7;
    d.objects[0].size = 1 << 20;
    d.objects[0].format_modifier = 0;
    d.nb_layers = 2;   // VA-API's way: R8 then GR88
    d.layers[0].format = fourcc('R', '8', ' ', ' ');
    d.layers[0].nb_planes = 1;
    d.layers[0].planes[0] = {0, 0, 1920};
    d.layers[1].format = fourcc('G', 'R', '8', '8');
    d.layers[1].nb_planes = 1;
    d.layers[1].planes[0] = {0, 1920 * 1088, 1920};
    AVFrame *f = av_frame_alloc();
    f->format = AV_PIX_FMT_DRM_PRIME;
    f->width = 1920;
    f->height = 1080;
    f->data[0] = reinterpret_cast<uint8_t *>(&d);
    f->color_range = AVCOL_RANGE_MPEG;
    PrimeFrame pf;
    std::string why;
    CHECK(isPrimeFrame(f));
    REQUIRE(primeFrame(f, pf, why));
    CHECK(pf.fourcc == NV12);
    CHECK(pf.planes == 2);
    CHECK(pf.plane[1].offset == 1920 * 1088);
    CHECK(pf.object[0].fd == 7);
    CHECK(pf.width == 1920);
    d.layers[1].format = fourcc('G', 'R', '3', '2');
    d.layers[0].format = fourcc('R', '1', '6', ' ');
    REQUIRE(primeFrame(f, pf, why));
    CHECK(pf.fourcc == P010);
    d.layers[1].format = fourcc('R', '8', ' ', ' ');   // two R8 layers make nothing
    CHECK_FALSE(primeFrame(f, pf, why));
    CHECK(why == "2 layers that make no single scan-out format");
    d.nb_layers = 1;   // one layer as it is
    d.layers[0].format = NV12;
    d.layers[0].nb_planes = 2;
    d.layers[0].planes[1] = {0, 1920 * 1088, 1920};
    REQUIRE(primeFrame(f, pf, why));
    CHECK(pf.fourcc == NV12);
    CHECK(pf.planes == 2);
    d.layers[0].planes[1].object_index = 3;   // out of the descriptor
    CHECK_FALSE(primeFrame(f, pf, why));
    f->data[0] = nullptr;
    f->format = AV_PIX_FMT_YUV420P;
    CHECK_FALSE(isPrimeFrame(f));
    av_frame_free(&f);
}

TEST_CASE("--kms-plane values") {
    PlanePref p = PlanePref::Rgb;
    CHECK(parsePlanePref("auto", p));
    CHECK(p == PlanePref::Auto);
    CHECK(parsePlanePref("overlay", p));
    CHECK(p == PlanePref::Overlay);
    CHECK(!parsePlanePref("yuv", p));
    CHECK(!parsePlanePref("", p));
}

TEST_CASE("colour properties from the frame") {
    CHECK(std::string(colorEncodingName(AVCOL_SPC_BT709, 480)) == "ITU-R BT.709 YCbCr");
    CHECK(std::string(colorEncodingName(AVCOL_SPC_SMPTE170M, 1080)) == "ITU-R BT.601 YCbCr");
    CHECK(std::string(colorEncodingName(AVCOL_SPC_BT470BG, 1080)) == "ITU-R BT.601 YCbCr");
    CHECK(std::string(colorEncodingName(AVCOL_SPC_UNSPECIFIED, 720)) == "ITU-R BT.709 YCbCr");
    CHECK(std::string(colorEncodingName(AVCOL_SPC_UNSPECIFIED, 576)) == "ITU-R BT.601 YCbCr");
    CHECK(std::string(colorEncodingName(AVCOL_SPC_BT2020_NCL, 576)) == "ITU-R BT.2020 YCbCr");
    CHECK(std::string(colorRangeName(AVCOL_RANGE_JPEG)) == "YCbCr full range");
    CHECK(std::string(colorRangeName(AVCOL_RANGE_MPEG)) == "YCbCr limited range");
    CHECK(std::string(colorRangeName(AVCOL_RANGE_UNSPECIFIED)) == "YCbCr limited range");
}

namespace {
// A buffer of format f, w x h, laid out as the display lays it out (all
// planes one after the other, one pitch).
struct Buf {
    std::vector<uint8_t> mem;
    Surface s;
    Buf(uint32_t fcc, int w, int h, uint32_t pitch) {
        s.fmt = formatInfo(fcc);
        REQUIRE(s.fmt);
        int rows = 0;
        const int planes = s.fmt->yuv ? s.fmt->planes : 1;
        for (int p = 0; p < planes; ++p) {
            s.offset[p] = static_cast<uint32_t>(rows) * pitch;
            rows += planeRows(*s.fmt, p, h);
        }
        mem.assign(static_cast<size_t>(rows) * pitch, 0x55);
        s.base = mem.data();
        s.pitch = pitch;
        s.w = w;
        s.h = h;
    }
    int at(int p, int x, int y) const { return s.row(p, y)[x]; }
    int at16(int p, int x, int y) const { return s.row(p, y)[2 * x] | s.row(p, y)[2 * x + 1] << 8; }
};
} // namespace

TEST_CASE("black in every layout and range") {
    Buf n(NV12, 8, 4, 16);
    fillBlack(n.s, {0, 0, 8, 4}, false);
    CHECK(n.at(0, 0, 0) == 16);
    CHECK(n.at(0, 7, 3) == 16);
    CHECK(n.at(0, 8, 0) == 0x55);   // past the width: untouched
    CHECK(n.at(1, 0, 0) == 128);
    CHECK(n.at(1, 7, 1) == 128);
    CHECK(n.at(1, 8, 0) == 0x55);
    fillBlack(n.s, {0, 0, 8, 4}, true);
    CHECK(n.at(0, 3, 2) == 0);

    Buf p(P010, 4, 2, 16);
    fillBlack(p.s, {0, 0, 4, 2}, false);
    CHECK(p.at16(0, 0, 0) == 64 << 6);   // 10-bit black, MSB-aligned
    CHECK(p.at16(0, 3, 1) == 64 << 6);
    CHECK(p.at16(1, 0, 0) == 512 << 6);
    CHECK(p.at16(1, 3, 0) == 512 << 6);

    Buf y(YU12, 4, 4, 8);
    fillBorders(y.s, {0, 2, 4, 2}, false);   // top two rows black, picture below untouched
    CHECK(y.at(0, 0, 0) == 16);
    CHECK(y.at(0, 3, 1) == 16);
    CHECK(y.at(0, 0, 2) == 0x55);
    CHECK(y.at(1, 1, 0) == 128);   // U row 0 covers luma rows 0-1
    CHECK(y.at(2, 1, 0) == 128);
    CHECK(y.at(1, 1, 1) == 0x55);
}

TEST_CASE("copies put each plane at its place, V first for YV12") {
    const int w = 4, h = 2;
    uint8_t Y[w * h], U[2], V[2];
    for (int i = 0; i < w * h; ++i) Y[i] = static_cast<uint8_t>(100 + i);
    U[0] = 1; U[1] = 2; V[0] = 3; V[1] = 4;
    const uint8_t *data[4] = {Y, U, V, nullptr};
    const int ls[4] = {w, 2, 2, 0};
    Buf b(YV12, 8, 4, 8);
    copyPicture(b.s, 2, 2, data, ls, w, h);
    CHECK(b.at(0, 2, 2) == 100);
    CHECK(b.at(0, 5, 3) == 107);
    CHECK(b.at(0, 1, 2) == 0x55);
    CHECK(b.at(1, 1, 1) == 3);   // DRM plane 1 of YV12 is V, at chroma (1, 1)
    CHECK(b.at(2, 2, 1) == 2);

    uint8_t UV[4] = {10, 20, 30, 40};
    const uint8_t *nd[4] = {Y, UV, nullptr, nullptr};
    const int nls[4] = {w, 4, 0, 0};
    Buf n(NV12, 8, 4, 8);
    copyPicture(n.s, 4, 0, nd, nls, w, h);
    CHECK(n.at(0, 4, 0) == 100);
    CHECK(n.at(1, 4, 0) == 10);
    CHECK(n.at(1, 7, 0) == 40);
    CHECK(n.at(1, 3, 0) == 0x55);
}

TEST_CASE("the status band: saved, darkened, text, restored") {
    Buf b(NV12, 8, 8, 8);
    fillBlack(b.s, {0, 0, 8, 8}, false);
    for (int y = 0; y < 8; ++y) std::memset(b.s.row(0, y), 216, 8);   // luma 216 everywhere
    std::vector<uint8_t> saved;
    saveRows(b.s, 4, 4, saved);
    CHECK(saved.size() == 8 * 4 + 8 * 2);   // 4 luma rows, 2 chroma rows
    darken(b.s, {0, 4, 8, 4}, {0, 0, 4, 8}, false);
    CHECK(b.at(0, 0, 4) == 16 + (216 - 16) / 4);   // in the picture: a quarter
    CHECK(b.at(0, 5, 4) == 16);                    // the letterbox: black
    CHECK(b.at(0, 0, 3) == 216);                   // above the band: untouched
    const uint8_t glyphs[2 * 32] = {0x80};          // glyph 0: one pixel, top left
    Font f{glyphs, 1, 1, 2};
    drawText(b.s, 1, 5, std::string(1, '\0'), f, false);
    CHECK(b.at(0, 1, 5) == 235);
    CHECK(b.at(1, 0, 2) == 128);
    drawText(b.s, -3, 5, std::string(1, '\0'), f, false);   // off the surface: clipped, no write
    restoreRows(b.s, 4, 4, saved);
    CHECK(b.at(0, 1, 5) == 216);
    CHECK(b.at(0, 5, 4) == 216);

    Buf r(kXRGB8888, 4, 2, 16);
    std::memset(r.mem.data(), 0x80, r.mem.size());
    darken(r.s, {0, 0, 4, 2}, {0, 0, 2, 2}, false);
    CHECK(r.at(0, 0, 0) == 0x20);   // picture: a quarter
    CHECK(r.at(0, 8, 0) == 0);      // pixel 2: letterbox, black
}

TEST_CASE("plane sizes") {
    const FormatInfo &n = *formatInfo(NV12);
    CHECK(planeRowBytes(n, 0, 175) == 175);
    CHECK(planeRowBytes(n, 1, 175) == 176);   // 88 UV pairs
    CHECK(planeRows(n, 1, 143) == 72);
    const FormatInfo &p = *formatInfo(P010);
    CHECK(planeRowBytes(p, 0, 10) == 20);
    CHECK(planeRowBytes(p, 1, 10) == 20);
    const FormatInfo &s = *formatInfo(NV16);
    CHECK(planeRows(s, 1, 10) == 10);
    const FormatInfo &f = *formatInfo(NV24);
    CHECK(planeRowBytes(f, 1, 10) == 20);
    CHECK(formatInfo(fourcc('A', 'B', 'C', 'D')) == nullptr);
}

TEST_CASE("the scale stage's YUV output keeps the range and says its matrix") {
    AVFrame *src = av_frame_alloc();
    src->format = AV_PIX_FMT_YUV420P;
    src->width = 64;
    src->height = 48;
    REQUIRE(av_frame_get_buffer(src, 32) == 0);
    for (int y = 0; y < 48; ++y) std::memset(src->data[0] + y * src->linesize[0], y < 24 ? 0 : 255, 64);
    for (int p = 1; p < 3; ++p)
        for (int y = 0; y < 24; ++y) std::memset(src->data[p] + y * src->linesize[p], 128, 32);
    src->color_range = AVCOL_RANGE_JPEG;
    Scaler sc;
    ScaleTarget t;
    t.width = 32;
    t.height = 24;
    t.pixFmt = AV_PIX_FMT_NV12;
    t.quality = ScaleQuality::Good;
    AVFrame *dst = av_frame_alloc();
    REQUIRE(sc.convert(src, t, dst).ok());
    CHECK(dst->format == AV_PIX_FMT_NV12);
    CHECK(dst->color_range == AVCOL_RANGE_JPEG);
    CHECK(dst->colorspace == AVCOL_SPC_BT470BG);   // not said, under 720 rows: BT.601 as the RGB path guesses
    CHECK(dst->data[0][0] == 0);                   // full-range black stays 0 (not squeezed to 16)
    CHECK(dst->data[0][23 * dst->linesize[0]] == 255);
    av_frame_unref(dst);
    src->color_range = AVCOL_RANGE_MPEG;
    src->colorspace = AVCOL_SPC_BT709;
    REQUIRE(sc.convert(src, t, dst).ok());
    CHECK(dst->color_range == AVCOL_RANGE_MPEG);
    CHECK(dst->colorspace == AVCOL_SPC_BT709);
    CHECK(dst->data[0][0] == 0);   // limited in, limited out: the values as they are
    CHECK(scalerCanWrite(AV_PIX_FMT_NV12));
    av_frame_free(&dst);
    av_frame_free(&src);
}
