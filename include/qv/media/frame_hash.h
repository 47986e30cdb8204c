// FrameHasher: the md5 of a decoded picture exactly as `ffmpeg -f framemd5`
// computes it (the raw picture in its own pixel format, rows without
// padding), and the framemd5 text around it. Owns its md5 context.
#pragma once

#include "qv/media/frame.h"
#include "qv/media/stream_spec.h"

#include <cstddef>

struct AVFrame;
struct AVMD5;

namespace qv {

class FrameHasher {
public:
    FrameHasher();
    ~FrameHasher();
    FrameHasher(const FrameHasher &) = delete;
    FrameHasher &operator=(const FrameHasher &) = delete;

    bool ok() const { return md5_ != nullptr; }
    // hex: 33 bytes (32 digits and a NUL). size: the raw picture's byte size.
    // False for a pixel format FFmpeg does not describe.
    bool hash(const AVFrame *f, char hex[33], int *size);

    // framemd5 output for a stream: the header, then one line per frame
    // (pts and duration in the time base ffmpeg's rawvideo output uses,
    // 1/frame rate). Both return the bytes written into out (at most n).
    size_t header(const StreamSpec &spec, char *out, size_t n);
    // 0 when the picture cannot be hashed.
    size_t line(const FrameRef &f, char *out, size_t n);

private:
    AVMD5 *md5_ = nullptr;
    int tbNum_ = 1, tbDen_ = 25;
    int64_t startOffsetNs_ = 0;
    int64_t frames_ = 0;
};

} // namespace qv
