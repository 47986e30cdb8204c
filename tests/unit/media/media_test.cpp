#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "media/mmap_io.h"
#include "qv/media/scaler.h"
#include "qv/media/source.h"
#include "qv/media/stream_spec.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/frame.h>
}

#include <cmath>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

using namespace qv;

TEST_CASE("mmap reader: reads, seeks, and survives the file shrinking") {
    char path[] = "/tmp/qv-mmap-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::vector<uint8_t> data(3 * 65536);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7);
    REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    auto in = MmapInput::open(path);
    REQUIRE(in.ok());
    MmapInput &m = *in.value();
    uint8_t buf[100];
    CHECK(m.read(buf, 100) == 100);
    CHECK(std::memcmp(buf, data.data(), 100) == 0);
    CHECK(m.seek(0, 0x10000 /*AVSEEK_SIZE*/) == static_cast<int64_t>(data.size()));
    CHECK(m.seek(-10, SEEK_END) == static_cast<int64_t>(data.size() - 10));
    CHECK(m.read(buf, 100) == 10);   // bounds-checked at the end
    CHECK(m.read(buf, 100) == 0);
    // Shrink the file under the mapping: reading past the new end must not
    // kill the process with SIGBUS.
    REQUIRE(ftruncate(fd, 1000) == 0);
    CHECK(m.seek(100000, SEEK_SET) == 100000);
    CHECK(m.read(buf, 100) == 0);
    CHECK(m.fellBack());
    CHECK(m.seek(900, SEEK_SET) == 900);
    CHECK(m.read(buf, 100) == 100);
    CHECK(std::memcmp(buf, data.data() + 900, 100) == 0);
    ::close(fd);
    ::unlink(path);
}

namespace {
// This process's resident file pages (RssFile in /proc/self/status), bytes.
int64_t rssFile() {
    FILE *f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "RssFile: %ld kB", &kb) == 1) break;
    std::fclose(f);
    return kb < 0 ? -1 : int64_t(kb) * 1024;
}
} // namespace

TEST_CASE("mmap reader: gives back what it has read (resident memory stays small)") {
    char path[] = "/tmp/qv-mmap-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const int64_t size = 96 << 20;
    std::vector<uint8_t> chunk(1 << 20);
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = uint8_t(i * 13);
    for (int64_t w = 0; w < size; w += int64_t(chunk.size()))
        REQUIRE(::write(fd, chunk.data(), chunk.size()) == static_cast<ssize_t>(chunk.size()));
    auto in = MmapInput::open(path);
    REQUIRE(in.ok());
    MmapInput &m = *in.value();
    std::vector<uint8_t> buf(64 * 1024);
    const int64_t before = rssFile();
    REQUIRE(before >= 0);
    int64_t peak = 0, sum = 0;
    // Twice through (a loop), then back and forth (seeks): never more than
    // a few release steps of the file resident, whatever was read.
    auto readAt = [&](int64_t at, int64_t len) {
        m.seek(at, SEEK_SET);
        for (int64_t n = 0; n < len;) {
            const int r = m.read(buf.data(), static_cast<int>(buf.size()));
            if (r <= 0) break;
            for (int i = 0; i < r; i += 4096) sum += buf[i];
            n += r;
            peak = std::max(peak, rssFile() - before);
        }
    };
    for (int pass = 0; pass < 2; ++pass) readAt(0, size);
    for (int64_t at : {int64_t(80) << 20, int64_t(5) << 20, int64_t(60) << 20, int64_t(20) << 20})
        readAt(at, 12 << 20);
    INFO("peak resident file pages over the reads: " << peak / 1024 << " KiB; sum " << sum);
    CHECK(peak < 3 * MmapInput::kReleaseStep);
    CHECK(m.releasedBytes() >= size);
    CHECK(m.seek(size - 100, SEEK_SET) == size - 100);   // still reads right after giving back
    CHECK(m.read(buf.data(), 100) == 100);
    CHECK(std::memcmp(buf.data(), chunk.data() + chunk.size() - 100, 100) == 0);
    ::close(fd);
    ::unlink(path);
}

TEST_CASE("orientation from display matrices, as ffmpeg autorotates") {
    int32_t m[9];
    // ffmpeg turns a +90 matrix with transpose=clock, a -90 one with cclock.
    av_display_rotation_set(m, 90);
    CHECK(orientationFromMatrix(m) == Orientation::Rotate90Cw);
    av_display_rotation_set(m, -90);
    CHECK(orientationFromMatrix(m) == Orientation::Rotate90Ccw);
    av_display_rotation_set(m, 180);
    CHECK(orientationFromMatrix(m) == Orientation::Rotate180);
    av_display_rotation_set(m, 0);
    CHECK(orientationFromMatrix(m) == Orientation::Normal);
    CHECK(orientationFromMatrix(nullptr) == Orientation::Normal);
}

TEST_CASE("orientPacked turns pixels the right way") {
    // 3x2 image, 1 byte per pixel: 1 2 3 / 4 5 6
    const uint8_t src[6] = {1, 2, 3, 4, 5, 6};
    uint8_t dst[6];
    orientPacked(src, 3, 2, 3, 1, Orientation::Rotate90Cw, dst, 2);
    CHECK(std::vector<uint8_t>(dst, dst + 6) == std::vector<uint8_t>{4, 1, 5, 2, 6, 3});
    orientPacked(src, 3, 2, 3, 1, Orientation::Rotate90Ccw, dst, 2);
    CHECK(std::vector<uint8_t>(dst, dst + 6) == std::vector<uint8_t>{3, 6, 2, 5, 1, 4});
    orientPacked(src, 3, 2, 3, 1, Orientation::Transpose, dst, 2);
    CHECK(std::vector<uint8_t>(dst, dst + 6) == std::vector<uint8_t>{1, 4, 2, 5, 3, 6});
    orientPacked(src, 3, 2, 3, 1, Orientation::HFlip, dst, 3);
    CHECK(std::vector<uint8_t>(dst, dst + 6) == std::vector<uint8_t>{3, 2, 1, 6, 5, 4});
}

TEST_CASE("video into RGB24 (scaled in 4:2:0, then converted) matches the direct conversion") {
    // Four colour quadrants over a luma ramp, limited and full range; Fast
    // (what the kitty display asks for) against Good (swscale's direct,
    // exact path): the same colours, apart from edges and rounding.
    for (const bool full : {false, true}) {
        CAPTURE(full);
        AVFrame *f = av_frame_alloc();
        f->format = AV_PIX_FMT_YUV420P;   // full range as decoders give it: the range field
        f->color_range = full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
        f->width = 160;
        f->height = 90;
        REQUIRE(av_frame_get_buffer(f, 32) == 0);
        // BT.601 (what an SD frame that does not say gets): red, green, a dark
        // and a light grey (the greys tell the ranges apart)
        const int lim[4][3] = {{81, 90, 240}, {145, 54, 34}, {46, 128, 128}, {200, 128, 128}};
        const int ful[4][3] = {{76, 85, 255}, {150, 44, 21}, {35, 128, 128}, {214, 128, 128}};
        const int(*c)[3] = full ? ful : lim;
        for (int y = 0; y < 90; ++y)
            for (int x = 0; x < 160; ++x) {
                const int q = (y >= 45) * 2 + (x >= 80);
                f->data[0][y * f->linesize[0] + x] = static_cast<uint8_t>(c[q][0] + (x % 80) / 20 - 2);
                if ((x & 1) == 0 && (y & 1) == 0) {
                    f->data[1][(y / 2) * f->linesize[1] + x / 2] = static_cast<uint8_t>(c[q][1]);
                    f->data[2][(y / 2) * f->linesize[2] + x / 2] = static_cast<uint8_t>(c[q][2]);
                }
            }
        ScaleTarget t;
        t.width = 400;
        t.height = 226;
        t.pixFmt = AV_PIX_FMT_RGB24;
        Scaler fast, good;
        AVFrame *a = av_frame_alloc(), *b = av_frame_alloc();
        t.quality = ScaleQuality::Fast;
        REQUIRE(fast.convert(f, t, a));
        t.quality = ScaleQuality::Good;
        REQUIRE(good.convert(f, t, b));
        REQUIRE(a->width == 400);
        REQUIRE(a->height == 226);
        double sum = 0;
        for (int y = 0; y < 226; ++y)
            for (int x = 0; x < 400 * 3; ++x)
                sum += std::abs(a->data[0][y * a->linesize[0] + x] - b->data[0][y * b->linesize[0] + x]);
        const double mean = sum / (400.0 * 226 * 3);
        CHECK(mean < 4.0);
        // quadrant centres (the luma ramp is -2..+1 around them)
        const int want[4][3] = {{255, 0, 0}, {0, 255, 0}, {35, 35, 35}, {214, 214, 214}};
        for (int q = 0; q < 4; ++q) {
            const int x = (q & 1) ? 300 : 100, y = (q & 2) ? 170 : 56;
            const uint8_t *px = a->data[0] + y * a->linesize[0] + x * 3;
            for (int k = 0; k < 3; ++k) CHECK(std::abs(px[k] - want[q][k]) <= 6);
        }
        av_frame_free(&a);
        av_frame_free(&b);
        av_frame_free(&f);
    }
}

TEST_CASE("demo source: frames, timestamps, seek") {
    auto src = openDemoSource(64, 36, 25, 2);
    CHECK(src->spec().width == 64);
    FrameRef f;
    REQUIRE(src->next(f).value() == NextStatus::Frame);
    CHECK(f.info.ordinal == 0);
    REQUIRE(src->next(f).value() == NextStatus::Frame);
    CHECK(f.info.ptsNs == 40000000);
    REQUIRE(src->seek(1000000000).ok());
    REQUIRE(src->next(f).value() == NextStatus::Frame);
    CHECK(f.info.ordinal == 25);
    int n = 1;
    while (src->next(f).value() == NextStatus::Frame) ++n;
    CHECK(n == 25);
}

TEST_CASE("file source: missing, directory, not media") {
    SourceOptions o;
    auto a = openFileSource("/nonexistent/x.mp4", o);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().kind == ErrorKind::Open);
    auto b = openFileSource("/tmp", o);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().kind == ErrorKind::Open);
    char path[] = "/tmp/qv-notmedia-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(::write(fd, "hello, this is not a video file\n", 32) == 32);
    ::close(fd);
    auto c = openFileSource(path, o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind == ErrorKind::Format);
    ::unlink(path);
}
