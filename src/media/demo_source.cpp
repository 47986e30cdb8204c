// The built-in demo: scrolling colour bars, a bouncing box and a large
// seven-segment frame counter, generated in yuv420p with no input file.
#include "qv/media/source.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <cstring>
#include <string>

namespace qv {
namespace {

struct Yuv {
    uint8_t y, u, v;
};
// 75% colour bars, BT.601 limited range.
constexpr Yuv kBars[8] = {{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
                          {84, 184, 198},  {65, 100, 212}, {35, 212, 114}, {16, 128, 128}};
constexpr Yuv kWhite{235, 128, 128};
constexpr Yuv kBlack{16, 128, 128};

// Segments a..g of the digits 0-9.
constexpr uint8_t kSegments[10] = {0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f};

struct BufferPoolDeleter {
    void operator()(AVBufferPool *p) const { av_buffer_pool_uninit(&p); }
};

class DemoSource final : public VideoSource {
public:
    DemoSource(int w, int h, int fps, int seconds, std::string title = "demo", int64_t durationNs = 0)
        : audioOnly_(durationNs > 0) {
        spec_.title = title;
        spec_.width = w & ~1;
        spec_.height = h & ~1;
        spec_.pixFmt = AV_PIX_FMT_YUV420P;
        spec_.fpsNum = fps;
        spec_.fpsDen = 1;
        spec_.durationNs = int64_t(seconds) * 1000000000;
        spec_.frameCountEstimate = int64_t(seconds) * fps;
        spec_.codec = "demo";
        if (audioOnly_) {
            spec_.durationNs = durationNs;
            spec_.frameCountEstimate = (durationNs * fps + 999999999) / 1000000000;
            spec_.codec = "none (audio only)";
        }
        total_ = spec_.frameCountEstimate;
        lumaSize_ = spec_.width * spec_.height;
        pool_.reset(av_buffer_pool_init(static_cast<size_t>(lumaSize_ * 3 / 2), nullptr));
    }

    const StreamSpec &spec() const override { return spec_; }

    Result<NextStatus> next(FrameRef &out) override {
        if (index_ >= total_) return NextStatus::End;
        if (!out.frame) out.frame = allocFrame();
        AVFrame *f = out.frame.get();
        av_frame_unref(f);
        f->buf[0] = av_buffer_pool_get(pool_.get());
        if (!f->buf[0]) return Error::make(ErrorKind::Internal, "out of memory");
        f->format = AV_PIX_FMT_YUV420P;
        f->width = spec_.width;
        f->height = spec_.height;
        f->data[0] = f->buf[0]->data;
        f->data[1] = f->data[0] + lumaSize_;
        f->data[2] = f->data[1] + lumaSize_ / 4;
        f->linesize[0] = spec_.width;
        f->linesize[1] = f->linesize[2] = spec_.width / 2;
        f->sample_aspect_ratio = AVRational{1, 1};
        draw(f, index_);
        FrameInfo &i = out.info;
        i = FrameInfo{};
        i.tbNum = 1;
        i.tbDen = spec_.fpsNum;
        i.pts = i.dts = index_;
        f->pts = f->best_effort_timestamp = index_;
        i.ptsNs = index_ * 1000000000 / spec_.fpsNum;
        i.durationNs = 1000000000 / spec_.fpsNum;
        i.ordinal = index_;
        i.pktSize = lumaSize_ * 3 / 2;
        i.pictType = 'I';
        i.key = true;
        stats_.framesDecoded.fetch_add(1, std::memory_order_relaxed);
        stats_.packets.fetch_add(1, std::memory_order_relaxed);
        ++index_;
        return NextStatus::Frame;
    }

    Result<void> seek(int64_t ns) override {
        int64_t idx = ns <= 0 ? 0 : ns * spec_.fpsNum / 1000000000;
        index_ = idx < total_ ? idx : total_;
        return {};
    }

private:
    void fillRect(AVFrame *f, int x0, int y0, int w, int h, Yuv c) {
        int x1 = x0 + w, y1 = y0 + h;
        if (x0 < 0) x0 = 0;
        if (y0 < 0) y0 = 0;
        if (x1 > f->width) x1 = f->width;
        if (y1 > f->height) y1 = f->height;
        if (x0 >= x1 || y0 >= y1) return;
        for (int y = y0; y < y1; ++y) std::memset(f->data[0] + y * f->linesize[0] + x0, c.y, x1 - x0);
        for (int y = y0 / 2; y < (y1 + 1) / 2; ++y) {
            std::memset(f->data[1] + y * f->linesize[1] + x0 / 2, c.u, (x1 + 1) / 2 - x0 / 2);
            std::memset(f->data[2] + y * f->linesize[2] + x0 / 2, c.v, (x1 + 1) / 2 - x0 / 2);
        }
    }

    void digit(AVFrame *f, int x, int y, int s, int d) {
        // s = segment thickness; digit box is 4s wide, 7s high.
        uint8_t m = kSegments[d];
        if (m & 0x01) fillRect(f, x + s, y, 2 * s, s, kWhite);              // a
        if (m & 0x02) fillRect(f, x + 3 * s, y + s, s, 2 * s, kWhite);      // b
        if (m & 0x04) fillRect(f, x + 3 * s, y + 4 * s, s, 2 * s, kWhite);  // c
        if (m & 0x08) fillRect(f, x + s, y + 6 * s, 2 * s, s, kWhite);      // d
        if (m & 0x10) fillRect(f, x, y + 4 * s, s, 2 * s, kWhite);          // e
        if (m & 0x20) fillRect(f, x, y + s, s, 2 * s, kWhite);              // f
        if (m & 0x40) fillRect(f, x + s, y + 3 * s, 2 * s, s, kWhite);      // g
    }

    // A file with only sound: a dark picture with a progress bar and the
    // seconds played, so every display shows that time goes on.
    void drawAudioOnly(AVFrame *f, int64_t n) {
        const int w = f->width, h = f->height;
        fillRect(f, 0, 0, w, h, kBlack);
        const int64_t done = total_ > 1 ? n * w / (total_ - 1) : w;
        fillRect(f, 0, h - h / 12, static_cast<int>(done), h / 12, kBars[5]);
        const int s = h / 20 > 2 ? h / 20 : 2;
        const int digits = 4, pitch = 5 * s;
        int x0 = (w - digits * pitch) / 2, y0 = (h - 7 * s) / 2;
        int64_t v = n * spec_.fpsDen / spec_.fpsNum;
        for (int k = digits - 1; k >= 0; --k) {
            digit(f, x0 + k * pitch, y0, s, static_cast<int>(v % 10));
            v /= 10;
        }
    }

    void draw(AVFrame *f, int64_t n) {
        if (audioOnly_) return drawAudioOnly(f, n);
        const int w = f->width, h = f->height;
        const int barW = (w + 7) / 8;
        const int shift = static_cast<int>((n * 4) % w);
        for (int b = 0; b < 9; ++b) {
            int x = b * barW - shift;
            while (x < -barW) x += 8 * barW;
            fillRect(f, x, 0, barW, h, kBars[b % 8]);
            fillRect(f, x + 8 * barW, 0, barW, h, kBars[b % 8]);
        }
        // Bouncing box.
        const int box = h / 6;
        int spanX = w - box, spanY = h - box;
        int px = static_cast<int>((n * 7) % (2 * spanX));
        int py = static_cast<int>((n * 5) % (2 * spanY));
        if (px > spanX) px = 2 * spanX - px;
        if (py > spanY) py = 2 * spanY - py;
        fillRect(f, px, py, box, box, kWhite);
        // Frame counter: six digits on a black plate.
        const int s = h / 28 > 2 ? h / 28 : 2;
        const int digits = 6, pitch = 5 * s;
        int plateW = digits * pitch + 2 * s, plateH = 9 * s;
        int x0 = (w - plateW) / 2, y0 = h - plateH - s;
        fillRect(f, x0, y0, plateW, plateH, kBlack);
        int64_t v = n;
        for (int k = digits - 1; k >= 0; --k) {
            digit(f, x0 + s + k * pitch + s / 2, y0 + s, s, static_cast<int>(v % 10));
            v /= 10;
        }
    }

    bool audioOnly_ = false;
    StreamSpec spec_;
    int64_t index_ = 0;
    int64_t total_ = 0;
    int lumaSize_ = 0;
    std::unique_ptr<AVBufferPool, BufferPoolDeleter> pool_;
};

} // namespace

std::unique_ptr<VideoSource> openDemoSource(int width, int height, int fps, int seconds) {
    return std::make_unique<DemoSource>(width, height, fps, seconds);
}

std::unique_ptr<VideoSource> openAudioOnlySource(const std::string &title, int64_t durationNs) {
    return std::make_unique<DemoSource>(320, 180, 10, 0, title, durationNs > 0 ? durationNs : 1);
}

} // namespace qv
