#include "qv/media/frame_hash.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/md5.h>
#include <libavutil/pixdesc.h>
}

namespace qv {

bool frameMd5(const AVFrame *f, AVMD5 *md5, char hex[33], int *size) {
    const auto fmt = static_cast<AVPixelFormat>(f->format);
    const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(fmt);
    if (!desc) return false;
    int linesizes[4];
    if (av_image_fill_linesizes(linesizes, fmt, f->width) < 0) return false;
    av_md5_init(md5);
    const int planes = av_pix_fmt_count_planes(fmt);
    for (int p = 0; p < planes && p < 4; ++p) {
        int h = f->height;
        if ((p == 1 || p == 2) && !(desc->flags & AV_PIX_FMT_FLAG_RGB)) h = -((-h) >> desc->log2_chroma_h);
        const uint8_t *row = f->data[p];
        for (int y = 0; y < h; ++y, row += f->linesize[p]) av_md5_update(md5, row, linesizes[p]);
    }
    if (desc->flags & AV_PIX_FMT_FLAG_PAL) av_md5_update(md5, f->data[1], 256 * 4);
    uint8_t digest[16];
    av_md5_final(md5, digest);
    static const char digits[] = "0123456789abcdef";
    for (int k = 0; k < 16; ++k) {
        hex[2 * k] = digits[digest[k] >> 4];
        hex[2 * k + 1] = digits[digest[k] & 15];
    }
    hex[32] = 0;
    if (size) *size = av_image_get_buffer_size(fmt, f->width, f->height, 1);
    return true;
}

} // namespace qv
