// Scaler: one swscale conversion from a decoded frame to the size and pixel
// format a display asked for, applying the stream's orientation. Output
// buffers come from a pool (reused, so the steady state allocates nothing).
// Used from one thread at a time.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/media/stream_spec.h"

#include <cstdint>
#include <memory>
#include <vector>

struct AVFrame;
struct SwsContext;
struct AVBufferPool;

namespace qv {

enum class ScaleQuality { Fast, Area, Good };

struct ScaleTarget {
    int width = 0, height = 0;   // after orientation
    int pixFmt = -1;             // AVPixelFormat (packed RGB24/RGBA or planar YUV)
    Orientation orientation = Orientation::Normal;
    ScaleQuality quality = ScaleQuality::Area;
};
// YUV targets keep the source's matrix and range (no conversion: the
// display shows them, e.g. a KMS plane's COLOR_ENCODING/COLOR_RANGE) and the
// frames written say which (colorspace, color_range; the matrix the RGB
// path would have guessed when the source does not say).

class Scaler {
public:
    Scaler();
    ~Scaler();
    Scaler(const Scaler &) = delete;
    Scaler &operator=(const Scaler &) = delete;

    // Convert src into dst: a frame shell (its buffer comes from the pool), or
    // a frame already set up with a buffer of exactly the target's size and
    // format (a display's own, see FrameSink), drawn into as it is.
    Result<void> convert(const AVFrame *src, const ScaleTarget &t, AVFrame *dst);

    // The same picture (same size) in another pixel format, written into
    // planes the caller owns (a locked SDL texture).
    Result<void> convertPlanes(const AVFrame *src, int pixFmt, uint8_t *const dst[4], const int dstStride[4]);

private:
    Result<void> ensurePool(int bytes);
    // Video into RGB24: scaled in 4:2:0 (sws_) into mid_, then converted
    // unscaled (sws2_), about a third of the time of swscale's RGB24 path.
    Result<void> twoStep(const AVFrame *src, int w, int h, AVFrame *dst);
    SwsContext *sws_ = nullptr;
    SwsContext *sws2_ = nullptr;
    std::vector<uint8_t> mid_;
    AVBufferPool *pool_ = nullptr;
    int poolBytes_ = 0;
    std::vector<uint8_t> rotateTmp_;   // for orientations: scale, then turn
};

// Whether the scale stage can write this AVPixelFormat (swscale output).
bool scalerCanWrite(int pixFmt);

// Turn a packed image (bpp bytes per pixel). dst has the oriented size.
void orientPacked(const uint8_t *src, int srcW, int srcH, int srcStride, int bpp,
                  Orientation o, uint8_t *dst, int dstStride);

} // namespace qv
