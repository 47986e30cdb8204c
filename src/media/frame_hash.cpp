#include "qv/media/frame_hash.h"

extern "C" {
#include <libavformat/version.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/mathematics.h>
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
}

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace qv {

FrameHasher::FrameHasher() : md5_(av_md5_alloc()) {}
FrameHasher::~FrameHasher() { av_free(md5_); }

bool FrameHasher::hash(const AVFrame *f, char hex[33], int *size) {
    if (!md5_) return false;
    const auto fmt = static_cast<AVPixelFormat>(f->format);
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    if (!desc) return false;
    int linesizes[4];
    if (av_image_fill_linesizes(linesizes, fmt, f->width) < 0) return false;
    av_md5_init(md5_);
    const int planes = av_pix_fmt_count_planes(fmt);
    for (int p = 0; p < planes && p < 4; ++p) {
        int h = f->height;
        if ((p == 1 || p == 2) && !(desc->flags & AV_PIX_FMT_FLAG_RGB)) h = -((-h) >> desc->log2_chroma_h);
        const uint8_t *row = f->data[p];
        for (int y = 0; y < h; ++y, row += f->linesize[p]) av_md5_update(md5_, row, linesizes[p]);
    }
    if (desc->flags & AV_PIX_FMT_FLAG_PAL) av_md5_update(md5_, f->data[1], 256 * 4);
    uint8_t digest[16];
    av_md5_final(md5_, digest);
    static const char digits[] = "0123456789abcdef";
    for (int k = 0; k < 16; ++k) {
        hex[2 * k] = digits[digest[k] >> 4];
        hex[2 * k + 1] = digits[digest[k] & 15];
    }
    hex[32] = 0;
    if (size) *size = av_image_get_buffer_size(fmt, f->width, f->height, 1);
    return true;
}

size_t FrameHasher::header(const StreamSpec &spec, char *out, size_t n) {
    // ffmpeg's rawvideo output time base is 1/frame rate.
    tbNum_ = spec.fpsDen > 0 ? spec.fpsDen : 1;
    tbDen_ = spec.fpsNum > 0 ? spec.fpsNum : 25;
    startOffsetNs_ = spec.startOffsetNs;
    const int w = std::snprintf(out, n,
                                "#format: frame checksums\n#version: 2\n#hash: MD5\n#software: %s\n#tb 0: %d/%d\n"
                                "#media_type 0: video\n#codec_id 0: rawvideo\n#dimensions 0: %dx%d\n"
                                "#sar 0: %d/%d\n#stream#, dts,        pts, duration,     size, hash\n",
                                LIBAVFORMAT_IDENT, tbNum_, tbDen_, spec.width, spec.height, spec.sarNum, spec.sarDen);
    return w > 0 ? std::min(static_cast<size_t>(w), n) : 0;
}

size_t FrameHasher::line(const FrameRef &ref, char *out, size_t n) {
    char hex[33];
    int size = 0;
    if (n < 128 || !hash(ref.frame.get(), hex, &size)) return 0;
    const FrameInfo &i = ref.info;
    const AVRational tb{tbNum_, tbDen_};
    const int64_t pts = i.pts != kNoTs ? av_rescale_q(i.ptsNs + startOffsetNs_, AVRational{1, 1000000000}, tb) : frames_;
    int64_t dur = av_rescale_q(i.durationNs, AVRational{1, 1000000000}, tb);
    if (dur < 1) dur = 1;
    ++frames_;
    int w = std::snprintf(out, n, "0, %10" PRId64 ", %10" PRId64 ", %8" PRId64 ", %8d, ", pts, pts, dur, size);
    if (w < 0 || static_cast<size_t>(w) + 34 > n) return 0;
    std::memcpy(out + w, hex, 32);
    w += 32;
    out[w++] = '\n';
    return static_cast<size_t>(w);
}

} // namespace qv
