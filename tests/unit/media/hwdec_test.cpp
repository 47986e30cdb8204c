// Hardware decoding's pure logic: --hwdec parsing, the verdict cache (text
// round trip, keys, replacement, the file), the probe's judgement of made-up
// runs, and the candidates a request gives for a codec with a cache file.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/hwdec.h"
#include "qv/media/hwdec_probe.h"
#include "qv/media/hwdec_verdicts.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace qv;

TEST_CASE("--hwdec parses auto, no and lists in order; rejects bad names") {
    auto r = parseHwdec("no");
    REQUIRE(r);
    CHECK(r.value().mode == HwdecRequest::Mode::No);
    r = parseHwdec("auto");
    REQUIRE(r);
    CHECK(r.value().mode == HwdecRequest::Mode::Auto);
    r = parseHwdec("vaapi,cuda,h264_v4l2m2m");
    REQUIRE(r);
    CHECK(r.value().mode == HwdecRequest::Mode::List);
    REQUIRE(r.value().names.size() == 3);
    CHECK(r.value().names[0] == "vaapi");
    CHECK(r.value().names[1] == "cuda");
    CHECK(r.value().names[2] == "h264_v4l2m2m");
    CHECK(hwdecRequestText(r.value()) == "vaapi,cuda,h264_v4l2m2m");
    for (const char *bad : {"", ",", "cuda,", ",cuda", "cuda,,vaapi", "CUDA", "cuda vaapi", "auto,cuda", "no,cuda",
                            "cu.da", "../x", "-"}) {
        auto b = parseHwdec(bad);
        CHECK_MESSAGE(!b, std::string(bad));
        if (!b) CHECK(b.error().kind == ErrorKind::Usage);
    }
    CHECK(hwdecRequestText(HwdecRequest{}) == "default");
    r = parseHwdec("libvpx-vp9");   // decoder names may have a dash
    REQUIRE(r);
    CHECK(r.value().names[0] == "libvpx-vp9");
}

TEST_CASE("verdict cache: round trip, one verdict a key, malformed lines skipped") {
    VerdictCache c;
    c.put({"cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1", "exact", "50 frames"});
    c.put({"cuda", "hevc", "NVRM 580; linux 6.1", "FFmpeg 5.1", "differs", "at frame 3: pts"});
    c.put({"vaapi", "h264", "renderD128 i915", "FFmpeg 5.1", "unavailable", "cannot\tcreate\nthe device"});
    c.put({"cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1", "differs", "at frame 9: picture (md5)"});   // replaces
    CHECK(c.entries().size() == 3);
    const std::string text = c.serialize();
    VerdictCache d = VerdictCache::parse(text);
    REQUIRE(d.entries().size() == 3);
    CHECK(d.serialize() == text);
    CHECK(!d.exact("cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1"));   // replaced by differs
    REQUIRE(d.find("cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1"));
    CHECK(d.find("cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1")->detail == "at frame 9: picture (md5)");
    CHECK(d.find("vaapi", "h264", "renderD128 i915", "FFmpeg 5.1")->detail == "cannot create the device");
    // Another driver or FFmpeg: no verdict.
    CHECK(!d.find("cuda", "hevc", "NVRM 581; linux 6.1", "FFmpeg 5.1"));
    CHECK(!d.find("cuda", "hevc", "NVRM 580; linux 6.1", "FFmpeg 6.1"));
    d.put({"cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1", "exact", "50 frames"});
    CHECK(d.exact("cuda", "h264", "NVRM 580; linux 6.1", "FFmpeg 5.1"));

    // Malformed: wrong field count, unknown verdict, empty decoder; another version's file.
    const std::string bad = "qv-hwdec-verdicts 1\n"
                            "cuda\th264\tdev\tff\texact\n"
                            "cuda\th264\tdev\tff\tmaybe\tx\n"
                            "\th264\tdev\tff\texact\tx\n"
                            "vdpau\th264\tdev\tff\texact\t10 frames\n";
    VerdictCache e = VerdictCache::parse(bad);
    REQUIRE(e.entries().size() == 1);
    CHECK(e.exact("vdpau", "h264", "dev", "ff"));
    CHECK(VerdictCache::parse("qv-hwdec-verdicts 2\nvdpau\th264\tdev\tff\texact\tx\n").entries().empty());
    CHECK(VerdictCache::parse("").entries().empty());
}

TEST_CASE("verdict cache file: missing is empty, save creates the directories, load reads it back") {
    char tmpl[] = "/tmp/qv-hwdec-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string dir = tmpl;
    const std::string path = dir + "/a/b/qv/hwdec-verdicts";
    auto none = loadVerdicts(path);
    REQUIRE(none);
    CHECK(none.value().entries().empty());
    VerdictCache c;
    c.put({"cuda", "h264", "d", "f", "exact", "3 frames"});
    REQUIRE(saveVerdicts(path, c));
    auto back = loadVerdicts(path);
    REQUIRE(back);
    CHECK(back.value().exact("cuda", "h264", "d", "f"));
    CHECK(!saveVerdicts("", c));
    // XDG_CACHE_HOME decides where the file is, then HOME.
    setenv("XDG_CACHE_HOME", dir.c_str(), 1);
    CHECK(verdictCachePath() == dir + "/qv/hwdec-verdicts");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/someone", 1);
    CHECK(verdictCachePath() == "/home/someone/.cache/qv/hwdec-verdicts");
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("the candidates of a request: default only exact verdicts, auto skips those that differ") {
    char tmpl[] = "/tmp/qv-hwdec-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string dir = tmpl;
    setenv("XDG_CACHE_HOME", dir.c_str(), 1);
    HwdecRequest def, no{HwdecRequest::Mode::No, {}}, aut{HwdecRequest::Mode::Auto, {}};
    HwdecRequest list{HwdecRequest::Mode::List, {"vaapi", "h264_cuvid", "nonesuch"}};
    CHECK(hwdecCandidates(no, "h264").empty());
    CHECK(hwdecCandidates(list, "h264") == list.names);   // as given, in order: the open tells what is missing
    CHECK(hwdecCandidates(def, "h264").empty());          // no verdicts: software
    const auto accels = codecHwaccels("h264");
    CHECK(hwdecCandidates(aut, "h264") == accels);        // every hwaccel of the codec, FFmpeg's order
    if (accels.size() >= 2) {
        VerdictCache c;
        const std::string v = ffmpegVersions();
        c.put({accels[1], "h264", hwDeviceDescription(accels[1]), v, "exact", "50 frames"});
        c.put({accels[0], "h264", hwDeviceDescription(accels[0]), v, "differs", "at frame 1"});
        REQUIRE(saveVerdicts(verdictCachePath(), c));
        const auto d = hwdecCandidates(def, "h264");
        REQUIRE(d.size() == 1);
        CHECK(d[0] == accels[1]);
        const auto a = hwdecCandidates(aut, "h264");
        REQUIRE(!a.empty());
        CHECK(a[0] == accels[1]);   // exact first
        for (const auto &n : a) CHECK(n != accels[0]);   // differs: never by auto
        // The same verdict for another FFmpeg does not count.
        VerdictCache other;
        other.put({accels[1], "h264", hwDeviceDescription(accels[1]), v + " (other)", "exact", "50 frames"});
        REQUIRE(saveVerdicts(verdictCachePath(), other));
        CHECK(hwdecCandidates(def, "h264").empty());
    } else {
        MESSAGE("this FFmpeg's h264 decoder has fewer than two hwaccels: the cache-driven order is not checked");
    }
    // Wrappers are never candidates of auto.
    for (const auto &n : hwdecCandidates(aut, "h264")) CHECK(!isWrapperDecoder(n));
    unsetenv("XDG_CACHE_HOME");
    std::system(("rm -rf '" + dir + "'").c_str());
}

namespace {
DecodeRun run(std::initializer_list<const char *> md5s, bool hardware = true) {
    DecodeRun r;
    int64_t pts = 0;
    for (const char *m : md5s) {
        FrameDigest d;
        d.pts = pts;
        d.ordinal = pts++;
        d.md5 = m;
        d.hardware = hardware;
        d.fmt = "yuv420p";
        r.frames.push_back(d);
    }
    return r;
}

SeekCheck seekTo(int64_t ordinal, std::initializer_list<const char *> md5s) {
    SeekCheck c;
    c.ordinal = ordinal;
    c.frames = run(md5s).frames;
    for (auto &d : c.frames) {
        d.pts += ordinal;
        d.ordinal += ordinal;
    }
    return c;
}
} // namespace

TEST_CASE("the probe's judgement of made-up runs") {
    const DecodeRun sw = run({"a", "b", "c", "d"}, false);
    CHECK(judgeRuns("cuda", sw, run({"a", "b", "c", "d"})).verdict == "exact");
    auto v = judgeRuns("cuda", sw, run({"a", "b", "x", "d"}));
    CHECK(v.verdict == "differs");
    CHECK(v.firstDifference == 2);
    CHECK(v.detail == "at frame 2: picture (md5)");
    DecodeRun pts = run({"a", "b", "c", "d"});
    pts.frames[1].pts = 7;
    v = judgeRuns("cuda", sw, pts);
    CHECK(v.verdict == "differs");
    CHECK(v.firstDifference == 1);
    CHECK(v.detail == "at frame 1: pts");
    v = judgeRuns("cuda", sw, run({"a", "b", "c"}));   // one frame short
    CHECK(v.verdict == "differs");
    CHECK(v.firstDifference == 3);
    CHECK(v.detail == "frame count 3, software 4");
    // Software frames only: the hardware never ran, whatever the pictures.
    DecodeRun fell = run({"a", "b", "c", "d"}, false);
    fell.status.why = "cuda: cannot create the cuda device (Operation not permitted)";
    v = judgeRuns("cuda", sw, fell);
    CHECK(v.verdict == "unavailable");
    CHECK(v.detail == fell.status.why);
    // Hardware that stops handing out frames midway (a switch to software).
    DecodeRun mixed = run({"a", "b", "c", "d"});
    mixed.frames[2].hardware = false;
    v = judgeRuns("cuda", sw, mixed);
    CHECK(v.verdict == "differs");
    CHECK(v.detail == "at frame 2: made in software");
    // The pixel format (10-bit must stay 10-bit).
    DecodeRun eight = run({"a", "b", "c", "d"});
    eight.frames[0].fmt = "nv12";
    v = judgeRuns("cuda", sw, eight);
    CHECK(v.verdict == "differs");
    CHECK(v.detail == "at frame 0: pixel format nv12, software yuv420p");
    // Exact seeks, then steps: the frames software has at those ordinals.
    DecodeRun seeks = run({"a", "b", "c", "d"});
    seeks.seeks = {seekTo(2, {"c", "d"}), seekTo(1, {"b", "c", "d"})};
    v = judgeRuns("cuda", sw, seeks);
    CHECK(v.verdict == "exact");
    CHECK(v.detail == "4 frames, exact seeks to 2 and 1 with steps");
    seeks.seeks = {seekTo(2, {"c", "d"}), seekTo(1, {"b", "x"})};   // stale picture after the flush
    v = judgeRuns("cuda", sw, seeks);
    CHECK(v.verdict == "differs");
    CHECK(v.firstDifference == 2);
    CHECK(v.detail == "after a seek to frame 1: frame 2: picture (md5)");
    seeks.seeks = {seekTo(2, {"c", "d"})};
    seeks.seeks[0].frames[0].ordinal = 3;   // landed on the wrong frame
    v = judgeRuns("cuda", sw, seeks);
    CHECK(v.detail == "after a seek to frame 2: frame 3 came instead of 2");
    seeks.seeks[0].frames.clear();
    seeks.seeks[0].error = "the end came first";
    v = judgeRuns("cuda", sw, seeks);
    CHECK(v.verdict == "differs");
    CHECK(v.detail == "after a seek to frame 2: the end came first");
}

// The download's conversion: a wrapper decoder's NV12 (or P010) frame must
// become the software decoder's yuv420p (yuv420p10le) bit for bit, in qv's
// pooled buffers. Made with libswscale from a known picture and back.
#include "../../../src/media/hw_download.h"
#include "qv/media/frame_hash.h"

extern "C" {
#include <libswscale/swscale.h>
}

namespace {
AVFrame *picture(AVPixelFormat fmt, int w, int h) {
    AVFrame *f = av_frame_alloc();
    f->format = fmt;
    f->width = w;
    f->height = h;
    REQUIRE(av_frame_get_buffer(f, 0) >= 0);
    return f;
}
void convert(const AVFrame *src, AVFrame *dst) {
    SwsContext *s = sws_getContext(src->width, src->height, static_cast<AVPixelFormat>(src->format), dst->width,
                                   dst->height, static_cast<AVPixelFormat>(dst->format),
                                   SWS_BICUBIC | SWS_BITEXACT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr,
                                   nullptr);
    REQUIRE(s);
    sws_scale(s, src->data, src->linesize, 0, src->height, dst->data, dst->linesize);
    sws_freeContext(s);
}
} // namespace

TEST_CASE("a wrapper decoder's NV12/P010 frames become the software format exactly") {
    struct Case {
        AVPixelFormat sw, hw;
    };
    for (Case c : {Case{AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12}, Case{AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_P010LE}}) {
        const int w = 176, h = 144;   // chroma width not a multiple of 32
        AVFrame *orig = picture(c.sw, w, h);
        // A picture with detail in every plane, within the format's range.
        const int shift = c.sw == AV_PIX_FMT_YUV420P ? 0 : 2;
        for (int p = 0; p < 3; ++p) {
            const int pw = p ? w / 2 : w, ph = p ? h / 2 : h;
            for (int y = 0; y < ph; ++y)
                for (int x = 0; x < pw; ++x) {
                    const int v = 16 + (x * 7 + y * 13 + p * 50 + (x ^ y)) % 220;
                    if (shift) reinterpret_cast<uint16_t *>(orig->data[p] + y * orig->linesize[p])[x] = static_cast<uint16_t>(v << shift | (x & 3));
                    else orig->data[p][y * orig->linesize[p] + x] = static_cast<uint8_t>(v);
                }
        }
        AVFrame *wrapped = picture(c.hw, w, h);
        convert(orig, wrapped);
        wrapped->pts = 42;
        HwDownloader dl;
        FrameHasher hasher;
        char a[33], b[33];
        REQUIRE(hasher.hash(orig, a, nullptr));
        for (int round = 0; round < 3; ++round) {   // the pool is reused
            AVFrame *in = av_frame_clone(wrapped);
            AVFrame *out = av_frame_alloc();
            std::string why;
            REQUIRE_MESSAGE(dl.download(in, out, c.sw, why), why);
            CHECK(out->format == c.sw);
            CHECK(out->pts == 42);
            CHECK(in->buf[0] == nullptr);   // the input was let go
            REQUIRE(hasher.hash(out, b, nullptr));
            CHECK_MESSAGE(std::string(a) == b, av_get_pix_fmt_name(c.hw));
            av_frame_free(&in);
            av_frame_free(&out);
        }
        // Already in the wanted format: moved, not converted.
        AVFrame *in = av_frame_clone(orig), *out = av_frame_alloc();
        uint8_t *data = in->data[0];
        std::string why;
        REQUIRE(dl.download(in, out, c.sw, why));
        CHECK(out->data[0] == data);
        av_frame_free(&in);
        av_frame_free(&out);
        av_frame_free(&wrapped);
        av_frame_free(&orig);
    }
}
