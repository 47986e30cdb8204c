// The vulkan display, headless, on whatever Vulkan driver the machine has
// (Mesa's lavapipe in CI), with VK_LAYER_KHRONOS_validation and a messenger
// that fails the frame on any warning or error.
//
// Each case decodes one frame of a clip with qv's own source, puts it
// through the scale stage's path (Scaler::convert into the display's
// FrameSink: the planes copied into staging as they are), presents it,
// reads the rendered picture back and compares it with FFmpeg's own RGB
// conversion of the same frame: the ffmpeg command-line tool's zscale filter
// (zimg: the same matrix, range and chroma siting, bilinear chroma, no
// dither). swscale's scale filter is not the reference: at 1:1 its bilinear
// vertical chroma ignores in_v_chr_pos (it sites chroma top-left whatever it
// is told; seen with FFmpeg 5.1), which moves colour edges by half a line.
// At 1:1 the largest per-channel difference is bounded; at other sizes the
// RMSE.
//
// env: QV_CLIPS (the generated clips), FFMPEG.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/vulkan/vk_api.h"
#include "display/vulkan/vk_context.h"
#include "qv/display/display.h"
#include "qv/media/scaler.h"
#include "qv/media/source.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace qv;

namespace {

std::string env(const char *n, const char *def) {
    const char *v = std::getenv(n);
    return v && *v ? v : def;
}

std::string clipPath(const std::string &name) { return env("QV_CLIPS", "build/tests") + "/" + name; }

// Frame n (presentation order) as qv's source decodes it.
FrameRef decodeFrame(const std::string &path, int n, StreamSpec &spec) {
    SourceOptions so;
    so.threads = 1;
    auto src = openFileSource(path, so);
    REQUIRE_MESSAGE(src.ok(), path);
    spec = src.value()->spec();
    FrameRef fr;
    for (int i = 0; i <= n; ++i) {
        fr = FrameRef{};
        auto r = src.value()->next(fr);
        REQUIRE(r.ok());
        REQUIRE(r.value() == NextStatus::Frame);
    }
    return fr;
}

// The same frame repacked into another layout (NV12, P010, ...): the frame
// a hardware decoder or another codec would give, with the same values.
void repack(FrameRef &fr, AVPixelFormat to) {
    AVFrame *f = fr.frame.get();
    AvFramePtr out = allocFrame();
    out->format = to;
    out->width = f->width;
    out->height = f->height;
    REQUIRE(av_frame_get_buffer(out.get(), 64) == 0);
    SwsContext *s = sws_getContext(f->width, f->height, static_cast<AVPixelFormat>(f->format), f->width, f->height, to,
                                   SWS_POINT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
    REQUIRE(s);
    sws_scale(s, f->data, f->linesize, 0, f->height, out->data, out->linesize);
    sws_freeContext(s);
    av_frame_copy_props(out.get(), f);
    fr.frame = std::move(out);
}

// ffmpeg's RGB24 picture of frame n: filters after the frame is selected.
// (-noautorotate: the frame as decoded, for files that say "rotate".)
std::vector<uint8_t> reference(const std::string &path, int n, const std::string &filters, size_t bytes) {
    const std::string cmd = "'" + env("FFMPEG", "ffmpeg") + "' -v error -nostdin -noautorotate -i '" + path +
                            "' -vf 'select=eq(n\\," +
                            std::to_string(n) + ")," + filters + "' -frames:v 1 -f rawvideo -pix_fmt rgb24 -";
    FILE *p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::vector<uint8_t> out(bytes);
    const size_t got = std::fread(out.data(), 1, bytes, p);
    const int rc = pclose(p);
    INFO(cmd);
    REQUIRE(rc == 0);
    REQUIRE(got == bytes);
    return out;
}

// Turn an RGB24 picture 90 degrees clockwise (what a "rotate 90" file shows).
std::vector<uint8_t> rotateCw(const std::vector<uint8_t> &in, int w, int h) {
    std::vector<uint8_t> out(in.size());
    for (int y = 0; y < w; ++y)        // the output is h wide, w high
        for (int x = 0; x < h; ++x)
            for (int c = 0; c < 3; ++c)
                out[(size_t(y) * h + x) * 3 + c] = in[(size_t(h - 1 - x) * w + y) * 3 + c];
    return out;
}

struct Diff {
    int maxAbs = 0;
    double rmse = 0, mean = 0;
};

// Over the rectangle (x0, y0, w, h) of the read-back picture (outW wide)
// against a w x h reference.
Diff compare(const std::vector<uint8_t> &got, int outW, int x0, int y0, const std::vector<uint8_t> &ref, int w, int h) {
    Diff d;
    double sq = 0, sum = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c) {
                const int a = got[(size_t(y0 + y) * outW + x0 + x) * 3 + c], b = ref[(size_t(y) * w + x) * 3 + c];
                const int e = std::abs(a - b);
                d.maxAbs = std::max(d.maxAbs, e);
                sq += double(e) * e;
                sum += e;
            }
    const double n = 3.0 * w * h;
    d.rmse = std::sqrt(sq / n);
    d.mean = sum / n;
    return d;
}

struct ShownPicture {
    std::vector<uint8_t> rgb;
    int w = 0, h = 0;
};

// The frame through the vulkan display (headless, outW x outH; 0: the
// picture's own size), as the pipeline drives it: configure, the scale
// stage into the display's sink, present, read back.
ShownPicture show(FrameRef &fr, StreamSpec spec, int outW = 0, int outH = 0) {
    spec.pixFmt = fr.frame->format;
    DisplayOptions o;
    o.vkSurface = "headless";
    o.windowW = outW;
    o.windowH = outH;
    auto d = createDisplay("vulkan", o);
    REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message));
    ShownPicture s;
    {
        auto t = d.value()->configure(spec);
        REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
        FrameSink *sink = d.value()->frameSink();
        REQUIRE(sink);
        FrameRef scaled;
        scaled.frame = allocFrame();
        scaled.info = fr.info;
        CHECK(sink->acquire(t.value(), scaled.frame.get()));   // staging memory, as qv-scale gets it
        Scaler scaler;
        auto c = scaler.convert(fr.frame.get(), t.value(), scaled.frame.get());
        REQUIRE(c.ok());
        auto p = d.value()->present(scaled);
        REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message));
        REQUIRE(p.value() == Shown::Yes);
        REQUIRE(d.value()->readBack(s.rgb, s.w, s.h));
        // Once more, from the display's own staging copy (a frame that did
        // not come through the sink, as from the step cache): the same picture.
        if (fr.frame->format == scaled.frame->format) {
            auto p2 = d.value()->present(fr);
            REQUIRE_MESSAGE(p2.ok(), (p2.ok() ? "" : p2.error().message));
            REQUIRE(p2.value() == Shown::Yes);
            std::vector<uint8_t> again;
            int w2 = 0, h2 = 0;
            REQUIRE(d.value()->readBack(again, w2, h2));
            CHECK(again == s.rgb);
        }
        d.value()->release();
    }
    return s;
}

// zimg's conversion of the picture to w x h RGB: matrix (709, 470bg, ...),
// range (limited, full), chroma location (left, center, ...), resampling
// filter (bilinear; Catmull-Rom for downscaling, as the shader does).
std::string zs(int w, int h, const std::string &matrix, const std::string &range, const std::string &chroma,
               const std::string &filter = "bilinear") {
    return "zscale=w=" + std::to_string(w) + ":h=" + std::to_string(h) + ":filter=" + filter + ":matrixin=" + matrix +
           ":rangein=" + range + ":chromalin=" + chroma + ":dither=none,format=gbrp";
}
const char *kCatmullRom = "bicubic:param_a=0:param_b=0.5";

// filters: "" for zimg at 1:1 with these colour facts; else the filters.
void oneToOne(const std::string &clip, int n, const std::string &matrix, const std::string &range, const std::string &chroma,
              int maxAbs, AVPixelFormat repackTo = AV_PIX_FMT_NONE, const std::string &filters = "") {
    StreamSpec spec;
    FrameRef fr = decodeFrame(clipPath(clip), n, spec);
    if (repackTo != AV_PIX_FMT_NONE) repack(fr, repackTo);
    const int w = fr.frame->width, h = fr.frame->height;
    const ShownPicture s = show(fr, spec);
    REQUIRE((s.w == w && s.h == h));
    const auto ref = reference(clipPath(clip), n, filters.empty() ? zs(w, h, matrix, range, chroma) : filters,
                               size_t(w) * h * 3);
    const Diff d = compare(s.rgb, w, 0, 0, ref, w, h);
    const std::string what = clip + " frame " + std::to_string(n) + " as " +
                             av_get_pix_fmt_name(static_cast<AVPixelFormat>(fr.frame->format)) + ", 1:1";
    MESSAGE(what, ": max ", d.maxAbs, ", mean ", d.mean);
    CHECK(d.maxAbs <= maxAbs);
    CHECK(d.mean <= 0.3);
}

} // namespace

TEST_CASE("validation is on, and its messenger catches a real mistake") {
    REQUIRE(setenv("QV_VK_VALIDATION", "1", 1) == 0);
    vk::ContextOptions o;
    o.validation = true;
    auto c = vk::Context::createInstance(o);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    REQUIRE(c.value()->createDevice(VK_NULL_HANDLE, false).ok());
    CHECK(c.value()->validationMessages() == 0);
    VkBufferCreateInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bi.size = 0;   // VUID-VkBufferCreateInfo-size-00912
    bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    VkBuffer b = VK_NULL_HANDLE;
    std::fprintf(stderr, "(a validation error on purpose follows)\n");
    if (vk::vkCreateBuffer(c.value()->device, &bi, nullptr, &b) == VK_SUCCESS && b)
        vk::vkDestroyBuffer(c.value()->device, b, nullptr);
    CHECK(c.value()->validationMessages() > 0);
    MESSAGE("device: ", c.value()->describe());
    // tools/test runs this again on backports' Mesa: that must be the driver.
    if (const char *want = std::getenv("QV_EXPECT_DRIVER")) CHECK(c.value()->describe().find(want) != std::string::npos);
}

TEST_CASE("1:1, 8-bit BT.601 limited range (H.264, 320x240, untagged)") {
    oneToOne("h264-bframes.mp4", 7, "470bg", "limited", "left", 3);
}

TEST_CASE("1:1, 8-bit BT.709 limited range, tagged") { oneToOne("vk-bt709.mkv", 3, "709", "limited", "left", 3); }

TEST_CASE("1:1, 8-bit BT.601 full range (yuvj420p)") {
    oneToOne("vk-full.mkv", 3, "470bg", "full", "left", 3);   // H.264 frames say left
}

TEST_CASE("1:1, 10-bit BT.709 (H.264 High 10), as yuv420p10 and as P010") {
    oneToOne("vk-10bit-709.mkv", 2, "709", "limited", "left", 3);
    oneToOne("vk-10bit-709.mkv", 2, "709", "limited", "left", 3, AV_PIX_FMT_P010LE);
}

TEST_CASE("1:1, 8-bit as NV12 (a hardware decoder's layout)") {
    oneToOne("h264-bframes.mp4", 7, "470bg", "limited", "left", 3, AV_PIX_FMT_NV12);
}

TEST_CASE("1:1, odd size 175x143 (VP8)") { oneToOne("vp8-odd-175x143.webm", 5, "470bg", "limited", "left", 3); }

TEST_CASE("1:1, 4:2:2 and 4:4:4 10-bit") {
    oneToOne("vk-422.mkv", 1, "470bg", "limited", "left", 3);
    oneToOne("vk-444-10bit.mkv", 1, "709", "limited", "left", 3);
}

TEST_CASE("1:1, RGB: planar GBR (lossless H.264 RGB) and 24-bit RGB (repacked to 32-bit)") {
    oneToOne("vk-gbrp.mkv", 1, "", "", "", 0, AV_PIX_FMT_NONE, "null");
    oneToOne("vk-rgb24.mkv", 1, "", "", "", 0, AV_PIX_FMT_NONE, "null");
}

TEST_CASE("1:1, rotated 90 degrees (display matrix): upright, 240x320") {
    StreamSpec spec;
    FrameRef fr = decodeFrame(clipPath("h264-rotate90.mp4"), 4, spec);
    REQUIRE(spec.orientation == Orientation::Rotate90Cw);
    const ShownPicture s = show(fr, spec);
    REQUIRE((s.w == 240 && s.h == 320));
    // ffmpeg converts the unturned frame; turning RGB pixels is exact.
    const auto flat = reference(clipPath("h264-rotate90.mp4"), 4, zs(320, 240, "470bg", "limited", "left"), 320 * 240 * 3);
    const auto turned = rotateCw(flat, 320, 240);
    const Diff d = compare(s.rgb, 240, 0, 0, turned, 240, 320);
    MESSAGE("rotated 90, 240x320: max ", d.maxAbs, ", mean ", d.mean);
    CHECK(d.maxAbs <= 3);
    CHECK(d.mean <= 0.3);
}

TEST_CASE("non-square SAR (MPEG-2 720x576 at 64:45): 1024x576, within an RMSE bound") {
    StreamSpec spec;
    FrameRef fr = decodeFrame(clipPath("mpeg2-sar.ts"), 3, spec);
    REQUIRE((spec.sarNum == 64 && spec.sarDen == 45));
    const ShownPicture s = show(fr, spec);
    REQUIRE((s.w == 1024 && s.h == 576));
    const auto ref = reference(clipPath("mpeg2-sar.ts"), 3, zs(1024, 576, "470bg", "limited", "left"), size_t(1024) * 576 * 3);
    const Diff d = compare(s.rgb, 1024, 0, 0, ref, 1024, 576);
    MESSAGE("720x576 at 64:45 shown 1024x576: rmse ", d.rmse, ", max ", d.maxAbs);
    CHECK(d.rmse <= 1.5);
}

TEST_CASE("other sizes: letterboxed, upscaled bilinear, downscaled sharper, within an RMSE bound") {
    StreamSpec spec;
    FrameRef fr = decodeFrame(clipPath("h264-bframes.mp4"), 7, spec);
    struct Size {
        int outW, outH, x, y, w, h;
        const char *flags;
    } sizes[] = {
        {480, 240, 80, 0, 320, 240, "bilinear"},   // letterbox only
        {640, 360, 80, 0, 480, 360, "bilinear"},   // up 1.5x
        {200, 200, 0, 25, 200, 150, kCatmullRom},  // down 0.625x
        {96, 96, 0, 12, 96, 72, kCatmullRom},      // down 0.3x
    };
    for (const Size &z : sizes) {
        const ShownPicture s = show(fr, spec, z.outW, z.outH);
        REQUIRE((s.w == z.outW && s.h == z.outH));
        const auto ref = reference(clipPath("h264-bframes.mp4"), 7, zs(z.w, z.h, "470bg", "limited", "left", z.flags),
                                   size_t(z.w) * z.h * 3);
        const Diff d = compare(s.rgb, z.outW, z.x, z.y, ref, z.w, z.h);
        // The letterbox is black.
        int border = 0;
        for (int y = 0; y < z.outH; ++y)
            for (int x = 0; x < z.outW; ++x)
                if (x < z.x || x >= z.x + z.w || y < z.y || y >= z.y + z.h)
                    for (int c = 0; c < 3; ++c) border = std::max<int>(border, s.rgb[(size_t(y) * z.outW + x) * 3 + c]);
        INFO(z.outW, "x", z.outH, ": rmse ", d.rmse, " max ", d.maxAbs, " border ", border);
        MESSAGE(z.w, "x", z.h, " in ", z.outW, "x", z.outH, ": rmse ", d.rmse);
        CHECK(d.rmse <= 1.0);
        CHECK(border == 0);
    }
}
