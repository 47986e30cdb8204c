// sdl: one SDL2 window. Frames go up as YUV (or RGB) textures in the format
// they were decoded in, so the scale stage does nothing and the renderer
// scales, rotates and letterboxes on the GPU (or SDL's software renderer).
// Formats SDL cannot take are converted once, by swscale, straight into the
// locked texture. The YUV matrix and range follow each frame.
//
// Threads: SDL wants the window on one thread; everything SDL's video part
// does happens on the display thread (configure, present, dispatch,
// release). The probe, on the main thread, only initialises and closes SDL's
// video part to see whether a window can open.
#include "sdl_display.h"

#include "display/status_tty.h"
#include "sdl_util.h"

#include "qv/core/log.h"
#include "qv/media/ffcompat.h"
#include "qv/sync/clock.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <SDL.h>

#include "sdl_compat.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace qv {

namespace {

struct TexFormat {
    int av;
    Uint32 sdl;
};
const TexFormat kDirect[] = {
    {AV_PIX_FMT_YUV420P, SDL_PIXELFORMAT_IYUV},   {AV_PIX_FMT_YUVJ420P, SDL_PIXELFORMAT_IYUV},
#if QV_SDL_NV_TEXTURES
#if QV_SDL_NV_TEXTURES
    {AV_PIX_FMT_NV12, SDL_PIXELFORMAT_NV12},      {AV_PIX_FMT_NV21, SDL_PIXELFORMAT_NV21},
#endif
#endif
    {AV_PIX_FMT_YUYV422, SDL_PIXELFORMAT_YUY2},   {AV_PIX_FMT_UYVY422, SDL_PIXELFORMAT_UYVY},
    {AV_PIX_FMT_YVYU422, SDL_PIXELFORMAT_YVYU},   {AV_PIX_FMT_RGB24, SDL_PIXELFORMAT_RGB24},
    {AV_PIX_FMT_BGR24, SDL_PIXELFORMAT_BGR24},    {AV_PIX_FMT_BGRA, SDL_PIXELFORMAT_ARGB8888},
    {AV_PIX_FMT_BGR0, SDL_PIXELFORMAT_RGB888},    {AV_PIX_FMT_RGBA, SDL_PIXELFORMAT_ABGR8888},
    {AV_PIX_FMT_RGB0, SDL_PIXELFORMAT_BGR888},
};

Uint32 sdlFormatFor(int av) {
    for (const auto &f : kDirect)
        if (f.av == av) return f.sdl;
    return SDL_PIXELFORMAT_UNKNOWN;
}

bool isYuv(Uint32 f) {
    return f == SDL_PIXELFORMAT_IYUV || f == SDL_PIXELFORMAT_NV12 || f == SDL_PIXELFORMAT_NV21 ||
           f == SDL_PIXELFORMAT_YUY2 || f == SDL_PIXELFORMAT_UYVY || f == SDL_PIXELFORMAT_YVYU;
}

// The matrix and range SDL should use for this frame.
SDL_YUV_CONVERSION_MODE conversionFor(const AVFrame *f) {
    const bool full = f->color_range == AVCOL_RANGE_JPEG || f->format == AV_PIX_FMT_YUVJ420P;
    if (full) return SDL_YUV_CONVERSION_JPEG;   // SDL 2 has full range for BT.601 only
    if (f->colorspace == AVCOL_SPC_BT709) return SDL_YUV_CONVERSION_BT709;
    if (f->colorspace == AVCOL_SPC_UNSPECIFIED && f->height > 576) return SDL_YUV_CONVERSION_BT709;
    return SDL_YUV_CONVERSION_BT601;
}

class SdlDisplay final : public Display {
public:
    explicit SdlDisplay(const DisplayOptions &o) : opt_(o) {
        statusTty_ = StatusTty(isatty(2) ? 2 : -1);
    }
    ~SdlDisplay() override { release(); }

    const char *name() const override { return "sdl"; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        spec_ = spec;
        if (!window_) {
            if (!sdlInitVideo())
                return Error::make(ErrorKind::Display, std::string("SDL cannot open a window: ") + SDL_GetError());
            videoInit_ = true;
            int dw = 0, dh = 0, x = 0, y = 0, w = 0, h = 0;
            displaySize(dw, dh);
            sdlWindowRect(opt_, dw, dh, x, y, w, h);
            window_ = SDL_CreateWindow(("qv - " + spec.title).c_str(), x, y, w, h,
                                       SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
            if (!window_)
                return Error::make(ErrorKind::Display, std::string("SDL cannot create a window: ") + SDL_GetError());
            renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED);
            if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
            if (!renderer_)
                return Error::make(ErrorKind::Display, std::string("SDL cannot create a renderer: ") + SDL_GetError());
            SDL_RendererInfo ri;
            if (SDL_GetRendererInfo(renderer_, &ri) == 0) log::info("sdl: renderer %s, video driver %s", ri.name, SDL_GetCurrentVideoDriver());
            SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
            SDL_RenderClear(renderer_);
            SDL_RenderPresent(renderer_);
            eventFd_ = sdlConnectionFd(window_);
        }
        return ScaleTarget{};   // the decoded frame as it is: the renderer scales
    }

    Result<Shown> present(const FrameRef &fr) override {
        const AVFrame *f = fr.frame.get();
        if (!f || f->width <= 0 || f->height <= 0) return Shown::NotShown;
        if (auto r = upload(f); !r) return r.takeError();
        render();
        updateTitle(fr.info.ptsNs);
        statusTty_.show(status_);
        return Shown::Yes;
    }

    Result<void> status(const std::string &line, bool now) override {
        status_ = line;
        if (now) statusTty_.show(line);
        return {};
    }
    DisplayCaps caps() const override {
        DisplayCaps c;
        c.window = true;
        c.status = statusTty_.active();
        c.terminalKeys = statusTty_.active();
        return c;
    }

    int eventFd() const override { return eventFd_; }

    int64_t dispatch(const DisplayEvents &out) override {
        if (!window_) return -1;
        if (sdlDispatchEvents(out).redraw && texture_) render();
        // With no descriptor to sleep on (a Wayland without its library
        // reachable), look at the window again soon; so too while the window
        // manager settles a fullscreen change (Xlib may have read its events
        // already, and the connection then has nothing left to say).
        const int64_t now = monotonicNs();
        return eventFd_ < 0 || now < settleUntilNs_ ? now + 50000000 : -1;
    }

    void setFullscreen(bool on) override {
        if (!window_ || on == fullscreen_) return;
        fullscreen_ = on;
        settleUntilNs_ = monotonicNs() + 1000000000;
        if (SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0) != 0)
            log::warn("sdl: fullscreen: %s", SDL_GetError());
        int w = 0, h = 0;
        SDL_GetWindowSize(window_, &w, &h);
        log::info("sdl: fullscreen %s, window %dx%d", fullscreen_ ? "on" : "off", w, h);
    }

    void release() override {
        if (texture_) SDL_DestroyTexture(texture_);
        if (renderer_) SDL_DestroyRenderer(renderer_);
        if (window_) SDL_DestroyWindow(window_);
        texture_ = nullptr;
        renderer_ = nullptr;
        window_ = nullptr;
        eventFd_ = -1;
        if (videoInit_) SDL_QuitSubSystem(SDL_INIT_VIDEO);
        videoInit_ = false;
        statusTty_.end();
    }

private:
    // The picture's size on screen before fitting: SAR and rotation applied.
    void displaySize(int &w, int &h) const {
        const double sar = spec_.sarNum > 0 && spec_.sarDen > 0 ? double(spec_.sarNum) / spec_.sarDen : 1.0;
        w = std::max(1, static_cast<int>(std::lround(spec_.width * sar)));
        h = std::max(1, spec_.height);
        if (swapsAxes(spec_.orientation)) std::swap(w, h);
    }

    Result<void> upload(const AVFrame *f) {
        Uint32 want = sdlFormatFor(f->format);
        const bool convert = want == SDL_PIXELFORMAT_UNKNOWN;
        if (convert) want = SDL_PIXELFORMAT_IYUV;
        const SDL_YUV_CONVERSION_MODE mode = convert ? SDL_YUV_CONVERSION_BT601 : conversionFor(f);
        if (!texture_ || want != texFmt_ || f->width != texW_ || f->height != texH_ || (isYuv(want) && mode != mode_)) {
            if (texture_) SDL_DestroyTexture(texture_);
            SDL_SetYUVConversionMode(mode);
            texture_ = SDL_CreateTexture(renderer_, want, SDL_TEXTUREACCESS_STREAMING, f->width, f->height);
            if (!texture_)
                return Error::make(ErrorKind::Display, std::string("SDL cannot create a texture: ") + SDL_GetError());
            texFmt_ = want;
            texW_ = f->width;
            texH_ = f->height;
            mode_ = mode;
            srcW_ = f->width;
            srcH_ = f->height;
        }
        SDL_SetYUVConversionMode(mode_);
        int r = 0;
        if (convert) {
            // One conversion straight into the locked texture.
            void *pixels = nullptr;
            int pitch = 0;
            if (SDL_LockTexture(texture_, nullptr, &pixels, &pitch) != 0)
                return Error::make(ErrorKind::Display, std::string("cannot convert ") + pixelFormatName(f->format) +
                                                           " for SDL: " + SDL_GetError());
            uint8_t *y = static_cast<uint8_t *>(pixels);
            const int cp = (pitch + 1) / 2;
            uint8_t *u = y + pitch * f->height;
            uint8_t *v = u + cp * ((f->height + 1) / 2);
            uint8_t *dst[4] = {y, u, v, nullptr};
            int dstStride[4] = {pitch, cp, cp, 0};
            auto c = scaler_.convertPlanes(f, AV_PIX_FMT_YUV420P, dst, dstStride);
            SDL_UnlockTexture(texture_);
            if (!c) return c;
        } else if (texFmt_ == SDL_PIXELFORMAT_IYUV) {
            r = SDL_UpdateYUVTexture(texture_, nullptr, f->data[0], f->linesize[0], f->data[1], f->linesize[1],
                                     f->data[2], f->linesize[2]);
        } else if (texFmt_ == SDL_PIXELFORMAT_NV12 || texFmt_ == SDL_PIXELFORMAT_NV21) {
            r = SDL_UpdateNVTexture(texture_, nullptr, f->data[0], f->linesize[0], f->data[1], f->linesize[1]);
        } else {
            r = SDL_UpdateTexture(texture_, nullptr, f->data[0], f->linesize[0]);
        }
        if (r != 0) return Error::make(ErrorKind::Display, std::string("SDL texture upload: ") + SDL_GetError());
        return {};
    }

    void render() {
        int ow = 0, oh = 0;
        SDL_GetRendererOutputSize(renderer_, &ow, &oh);
        int dw = 0, dh = 0;
        displaySize(dw, dh);
        // Fit the picture, letterboxed, centred.
        double w = ow, h = oh;
        if (static_cast<double>(ow) * dh > static_cast<double>(oh) * dw) w = static_cast<double>(oh) * dw / dh;
        else h = static_cast<double>(ow) * dh / dw;
        const double cx = ow / 2.0, cy = oh / 2.0;
        double angle = 0;
        int flip = SDL_FLIP_NONE;
        switch (spec_.orientation) {
        case Orientation::Normal: break;
        case Orientation::Rotate90Cw: angle = 90; break;
        case Orientation::Rotate90Ccw: angle = 270; break;
        case Orientation::Rotate180: angle = 180; break;
        case Orientation::HFlip: flip = SDL_FLIP_HORIZONTAL; break;
        case Orientation::VFlip: flip = SDL_FLIP_VERTICAL; break;
        case Orientation::Transpose: angle = 270; flip = SDL_FLIP_HORIZONTAL; break;       // SDL flips, then turns
        case Orientation::AntiTranspose: angle = 90; flip = SDL_FLIP_HORIZONTAL; break;
        }
        // The texture is drawn unturned into a rect that, turned about its
        // centre, covers the fitted area.
        const double rw = swapsAxes(spec_.orientation) ? h : w;
        const double rh = swapsAxes(spec_.orientation) ? w : h;
        SDL_Rect dst{static_cast<int>(std::lround(cx - rw / 2)), static_cast<int>(std::lround(cy - rh / 2)),
                     static_cast<int>(std::lround(rw)), static_cast<int>(std::lround(rh))};
        SDL_RenderClear(renderer_);
        SDL_RenderCopyEx(renderer_, texture_, nullptr, &dst, angle, nullptr, static_cast<SDL_RendererFlip>(flip));
        SDL_RenderPresent(renderer_);
    }

    void updateTitle(int64_t ptsNs) {
        const int64_t sec = ptsNs / 1000000000;
        if (sec == titleSec_) return;
        titleSec_ = sec;
        auto hms = [](int64_t s, char *b, size_t n) {
            std::snprintf(b, n, "%" PRId64 ":%02d:%02d", s / 3600, static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
        };
        char pos[32], dur[32], title[512];
        hms(std::max<int64_t>(sec, 0), pos, sizeof pos);
        hms(spec_.durationNs / 1000000000, dur, sizeof dur);
        std::snprintf(title, sizeof title, "qv - %s - %s / %s", spec_.title.c_str(), pos, dur);
        SDL_SetWindowTitle(window_, title);
    }

    DisplayOptions opt_;
    StreamSpec spec_;
    bool videoInit_ = false;
    SDL_Window *window_ = nullptr;
    SDL_Renderer *renderer_ = nullptr;
    SDL_Texture *texture_ = nullptr;
    Uint32 texFmt_ = 0;
    int texW_ = 0, texH_ = 0, srcW_ = 0, srcH_ = 0;
    SDL_YUV_CONVERSION_MODE mode_ = SDL_YUV_CONVERSION_BT601;
    Scaler scaler_;   // formats SDL has no texture for
    bool fullscreen_ = false;
    int eventFd_ = -1;
    int64_t settleUntilNs_ = 0;
    int64_t titleSec_ = -1;
    StatusTty statusTty_;
    std::string status_;
};

ProbeResult probeSdl() {
    if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY"))
        return {false, "no display server (DISPLAY and WAYLAND_DISPLAY are unset; on a console, the kms display)"};
    if (!sdlInitVideo())
        return {false, std::string("SDL cannot reach the display server: ") + SDL_GetError()};
    std::string why = std::string("SDL video driver ") + (SDL_GetCurrentVideoDriver() ?: "?");
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return {true, why};
}

} // namespace

DisplayEntry sdlDisplayEntry() {
    return {"sdl", "SDL2 window: YUV textures, scaled by the renderer", 40,
            [](const DisplayOptions &) {
                static const ProbeResult r = probeSdl();   // once per run
                return r;
            },
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new SdlDisplay(o));
            }};
}

} // namespace qv
