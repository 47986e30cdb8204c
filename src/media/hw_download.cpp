#include "hw_download.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

namespace qv {

namespace {
constexpr int kAlign = 64;
} // namespace

HwDownloader::~HwDownloader() {
    av_buffer_pool_uninit(&raw_.pool);   // freed when its last buffer comes home
    av_buffer_pool_uninit(&converted_.pool);
    av_frame_free(&tmp_);
    sws_freeContext(sws_);
}

bool HwDownloader::get(Pool &p, AVFrame *f, int fmt, int w, int h) {
    if (!p.pool || p.fmt != fmt || p.w != w || p.h != h) {
        av_buffer_pool_uninit(&p.pool);
        const int size = av_image_get_buffer_size(static_cast<AVPixelFormat>(fmt), w, h, kAlign);
        if (size <= 0) return false;
        p.size = size + kAlign;
        p.pool = av_buffer_pool_init(p.size, nullptr);
        if (!p.pool) return false;
        p.fmt = fmt;
        p.w = w;
        p.h = h;
    }
    f->buf[0] = av_buffer_pool_get(p.pool);
    if (!f->buf[0]) return false;
    f->format = fmt;
    f->width = w;
    f->height = h;
    if (av_image_fill_arrays(f->data, f->linesize, f->buf[0]->data, static_cast<AVPixelFormat>(fmt), w, h, kAlign) < 0)
        return false;
    f->extended_data = f->data;
    return true;
}

bool HwDownloader::download(AVFrame *in, AVFrame *out, int wantFmt, std::string &why) {
    const bool hw = in->hw_frames_ctx != nullptr;
    const AVPixelFormat haveFmt = hw ? ff::hwFrameSwFormat(in) : static_cast<AVPixelFormat>(in->format);
    const bool convert = wantFmt >= 0 && wantFmt != haveFmt;
    if (!hw && !convert) {
        av_frame_move_ref(out, in);
        return true;
    }
    if (!tmp_ && !(tmp_ = av_frame_alloc())) {
        why = "out of memory";
        return false;
    }
    AVFrame *raw = in;
    if (hw) {
        raw = convert ? tmp_ : out;
        if (!get(raw_, raw, haveFmt, in->width, in->height)) {
            why = "out of memory for the downloaded frame";
            return false;
        }
        const int r = av_hwframe_transfer_data(raw, in, 0);
        if (r < 0) {
            av_frame_unref(raw);
            why = "the download failed: " + ff::errText(r);
            return false;
        }
    }
    if (convert) {
        sws_ = sws_getCachedContext(sws_, in->width, in->height, haveFmt, in->width, in->height,
                                    static_cast<AVPixelFormat>(wantFmt),
                                    SWS_BICUBIC | SWS_BITEXACT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                                    nullptr, nullptr);
        if (!sws_ || !get(converted_, out, wantFmt, in->width, in->height)) {
            if (raw != in) av_frame_unref(raw);
            why = std::string("cannot convert ") + av_get_pix_fmt_name(haveFmt) + " to " +
                  av_get_pix_fmt_name(static_cast<AVPixelFormat>(wantFmt));
            return false;
        }
        sws_scale(sws_, raw->data, raw->linesize, 0, in->height, out->data, out->linesize);
        if (raw != in) av_frame_unref(raw);
    }
    const int r = av_frame_copy_props(out, in);
    av_frame_unref(in);
    if (r < 0) {
        why = "out of memory";
        return false;
    }
    return true;
}

} // namespace qv
