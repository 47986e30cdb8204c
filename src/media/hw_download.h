// HwDownloader: a hardware frame downloaded once into memory from qv's own
// buffer pools (nothing allocated per frame once warm), in the pixel format
// the software decoder gives, so every display and the hash display work as
// with software decoding. NV12/P010 downloads become yuv420p/yuv420p10le
// through libswscale's unscaled, bit-exact conversion (lossless: checked by
// tests/integration/hwdec_test.py against ffmpeg's own round trip).
//
// Contract: one thread (the decoder's). Buffers handed out stay valid after
// the downloader is gone (the pools are refcounted by their buffers).
#pragma once

#include "qv/media/ffcompat.h"

#include <string>

struct SwsContext;

namespace qv {

class HwDownloader {
public:
    HwDownloader() = default;
    ~HwDownloader();
    HwDownloader(const HwDownloader &) = delete;
    HwDownloader &operator=(const HwDownloader &) = delete;

    // in (a hardware frame, or a wrapper decoder's software frame;
    // unreferenced after) -> out (empty on entry), in wantFmt (-1: the
    // frame's own software format). A software frame already in wantFmt is
    // moved, not copied. False with why set when it fails.
    bool download(AVFrame *in, AVFrame *out, int wantFmt, std::string &why);

private:
    struct Pool {
        AVBufferPool *pool = nullptr;
        int fmt = -1, w = 0, h = 0, size = 0;
    };
    static bool get(Pool &p, AVFrame *f, int fmt, int w, int h);
    Pool raw_, converted_;
    AVFrame *tmp_ = nullptr;
    SwsContext *sws_ = nullptr;
};

} // namespace qv
