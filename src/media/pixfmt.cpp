#include "qv/media/pixfmt.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace qv {

bool describePixelFormat(int pixFmt, PixFmtDesc &out) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(pixFmt));
    if (!d) return false;
    PixFmtDesc r;
    r.components = d->nb_components;
    for (int i = 0; i < d->nb_components && i < 4; ++i)
        r.comp[i] = PixFmtComponent{d->comp[i].plane, d->comp[i].step, d->comp[i].offset, d->comp[i].shift, d->comp[i].depth};
    r.log2ChromaW = d->log2_chroma_w;
    r.log2ChromaH = d->log2_chroma_h;
    r.rgb = d->flags & AV_PIX_FMT_FLAG_RGB;
    r.bigEndian = d->flags & AV_PIX_FMT_FLAG_BE;
    r.palette = d->flags & AV_PIX_FMT_FLAG_PAL;
    r.bitstream = d->flags & AV_PIX_FMT_FLAG_BITSTREAM;
    r.hwaccel = d->flags & AV_PIX_FMT_FLAG_HWACCEL;
    r.isFloat = d->flags & AV_PIX_FMT_FLAG_FLOAT;
    r.bayer = d->flags & AV_PIX_FMT_FLAG_BAYER;
    out = r;
    return true;
}

int leastLossyPixelFormat(int src, const int *candidates, size_t n) {
    if (n == 0) return -1;
    AVPixelFormat best = static_cast<AVPixelFormat>(candidates[0]);
    for (size_t i = 1; i < n; ++i)
        best = av_find_best_pix_fmt_of_2(best, static_cast<AVPixelFormat>(candidates[i]), static_cast<AVPixelFormat>(src), 0,
                                         nullptr);
    return best;
}

} // namespace qv
