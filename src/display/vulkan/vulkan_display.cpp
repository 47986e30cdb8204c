// vulkan: the Display adapter over the Vulkan presenter (vk_presenter.h).
// It only translates the Display seam: configure() opens the presenter on
// the display thread (instance, device and queue are created there) and
// returns the scale stage's target (the decoded size, in a format uploaded
// as it is: the scale stage copies the planes straight into the uploader's
// staging memory); present() shows; window events and keys come from SDL;
// the status line goes to the terminal qv was started from.
#include "vulkan_display.h"

#include "display/status_tty.h"
#include "qv/core/log.h"
#include "qv/media/prime.h"
#include "qv/media/frame.h"
#include "qv/media/vk_frames.h"
#include "qv/sync/clock.h"
#include "vk_presenter.h"

#if QV_HAVE_SDL2
#include "display/sdl/sdl_util.h"
#include "display/sdl/sdl_vulkan.h"
#endif

extern "C" {
#include <libavutil/frame.h>
}

#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unistd.h>

namespace qv {

namespace {

bool displayServer() { return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY"); }

// --vk-surface=auto: a window with a display server, the screen on a VT.
std::string resolveSurface(const DisplayOptions &o) {
    const std::string s = o.vkSurface.empty() ? "auto" : o.vkSurface;
    if (s != "auto") return s;
    if (displayServer()) return "window";
    if (isVirtualConsole(0)) return "display";
    return "";
}

class VulkanDisplay final : public Display {
public:
    explicit VulkanDisplay(const DisplayOptions &o) : opt_(o), surface_(resolveSurface(o)) {
        const char *t = std::getenv("QV_TEST_VKFRAMES");
        testFfmpeg_ = t && *t && std::strcmp(t, "0") != 0;
        wantFfmpeg_ = o.hwFrames || testFfmpeg_;
        std::string why;
        ffmpegAvailable_ = wantFfmpeg_ && vkBridgeAvailable(why);
        if (wantFfmpeg_ && !ffmpegAvailable_) bridgeWhy_ = why;
        const bool vt = surface_ == "display" && isVirtualConsole(2);
        statusTty_ = StatusTty(isatty(2) && !vt ? 2 : -1);
    }
    ~VulkanDisplay() override {
        release();
        presenter_.reset();   // after every frame came home: the staging memory, the device
    }

    const char *name() const override { return "vulkan"; }
    void setProbedDmabuf(bool on) { probedDmabuf_ = on; }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        if (!presenter_) {
            if (auto r = open(spec); !r) {
                presenter_.reset();
                return r.takeError();
            }
        }
        spec_ = spec;
        return presenter_->configure(spec);
    }

    FrameSink *frameSink() override { return presenter_ ? presenter_->sink() : nullptr; }

    Result<Shown> present(const FrameRef &fr) override {
        const AVFrame *f = fr.frame.get();
        if (!presenter_ || !f || f->width <= 0 || f->height <= 0) return Shown::NotShown;
        if (!pending_.message.empty()) return std::exchange(pending_, Error{});
        if (isHwSurfaceFrame(f) || (testFfmpeg_ && !isPrimeFrame(f))) {
            // CUDA (or Vulkan) frames, copied onto this device by FFmpeg and
            // sampled there; every frame this way with QV_TEST_VKFRAMES.
            VkPicture pic;
            std::string why;
            if (!bridge_ && bridgeWhy_.empty()) openBridge();
            if (!bridge_ || !bridge_->take(f, pic, why)) {
                if (why.empty()) why = bridgeWhy_;
                if (!isHwSurfaceFrame(f))
                    return Error::make(ErrorKind::Display, "vulkan: QV_TEST_VKFRAMES: " + why);
                return refused(why);
            }
            if (auto r = presenter_->showFfmpeg(f, pic); !r) return r.takeError();
            bridge_->setLayout(VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_ACCESS_SHADER_READ_BIT);
            if (!ffmpegSaid_) {
                ffmpegSaid_ = true;
                log::info("vulkan: %s frames (%dx%d %s) %s through FFmpeg's Vulkan hwcontext on this device, sampled in place",
                          pixelFormatName(f->format), f->width, f->height, pixelFormatName(pic.swFormat),
                          f->format == AV_PIX_FMT_VULKAN ? "taken as they are"
                          : isHwSurfaceFrame(f)          ? "copied once on the GPU"
                                                         : "uploaded by FFmpeg (QV_TEST_VKFRAMES)");
            }
        } else if (isPrimeFrame(f)) {
            // A hardware decoder's dma-bufs, sampled where they are.
            PrimeFrame pf;
            std::string why;
            if (!primeFrame(f, pf, why)) return refused("a PRIME frame qv cannot show: " + why);
            if (auto c = presenter_->preparePrime(pf); !c) return refused(c.error().message);
            if (auto r = presenter_->showPrime(f, pf); !r) return r.takeError();
            if (!primeSaid_) {
                primeSaid_ = true;
                log::info("vulkan: PRIME frames (%dx%d) from the decoder's dma-bufs, %s", pf.width, pf.height,
                          presenter_->primeInPlace() ? "sampled in place, no copy" : "one copy on the GPU, none on the CPU");
            }
        } else if (auto r = presenter_->show(f); !r) {
            return r.takeError();
        }
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
        c.status = statusTty_.active();
        c.terminalKeys = statusTty_.active() || surface_ == "display";
        c.window = surface_ == "window";
        // A hardware decoder's dma-bufs imported as they are (known once
        // the device is open: configure()).
        c.primeFrames = presenter_ ? presenter_->primeImport() : probedDmabuf_;
        // CUDA and Vulkan frames through FFmpeg's Vulkan hwcontext (asked
        // for by --hwdec; known for sure at the first frame).
        c.hwFrames = wantFfmpeg_ && bridgeWhy_.empty() &&
                     (presenter_ ? presenter_->context() && presenter_->context()->ffmpegFrames : ffmpegAvailable_);
        return c;
    }

    int eventFd() const override {
#if QV_HAVE_SDL2
        if (presenter_ && presenter_->output().window()) return sdlConnectionFd(presenter_->output().window());
#endif
        return -1;
    }

    int64_t dispatch(const DisplayEvents &out) override {
#if QV_HAVE_SDL2
        if (!presenter_ || !presenter_->output().window()) return -1;
        const SdlEvents ev = sdlDispatchEvents(out);
        if (ev.resized) presenter_->resized();
        if (ev.redraw)
            if (auto r = presenter_->redraw(); !r && pending_.message.empty()) pending_ = r.takeError();
        // No descriptor (Wayland without its library), or a fullscreen
        // change settling: look again soon.
        const int64_t now = monotonicNs();
        return eventFd() < 0 || now < settleUntilNs_ ? now + 50000000 : -1;
#else
        (void)out;
        return -1;
#endif
    }

    void setFullscreen(bool on) override {
#if QV_HAVE_SDL2
        SDL_Window *w = presenter_ ? presenter_->output().window() : nullptr;
        if (!w || on == fullscreen_) return;
        fullscreen_ = on;
        settleUntilNs_ = monotonicNs() + 1000000000;
        sdlSetFullscreen(w, fullscreen_);
        presenter_->resized();
#endif
    }

    int64_t presentLatencyNs() const override { return presenter_ ? presenter_->latencyNs() : 0; }

    bool readBack(std::vector<uint8_t> &rgb, int &w, int &h) override {
        if (!presenter_) return false;
        auto r = presenter_->readBack(rgb, w, h);
        if (!r) log::warn("%s", r.error().message.c_str());
        return r.ok();
    }

    void release() override {
        if (presenter_ && !released_) {
            released_ = true;
            if (const auto *u = presenter_->uploader(); u && presenter_->frames() > 0) {
                const double gpu = presenter_->gpuMsPerFrame();
                log::info("vulkan: %" PRId64 " frames; %" PRId64 " written by the scale stage straight into staging, %" PRId64
                          " copied; GPU %.2f ms per frame; present latency %.1f ms (%s)",
                          presenter_->frames(), u->direct(), u->copied(), gpu, presenter_->latencyNs() / 1e6,
                          presenter_->presentTimesReported() ? "present times" : "fence times");
                if (const vk::PrimeSurfaces *p = u->prime())
                    log::info("vulkan: PRIME frames: %" PRId64 " surfaces imported, %" PRId64 " shown again without an import",
                              p->imported(), p->reused());
            }
            if (bridge_) {
                log::info("vulkan: FFmpeg's frames: %" PRId64 " copied onto this device, %" PRId64 " taken as they were",
                          bridge_->transfers(), bridge_->direct());
                presenter_->dropFfmpegViews();
                bridge_.reset();
            }
            presenter_->close();
        }
        statusTty_.end();
    }

private:
    Result<void> open(const StreamSpec &spec) {
        int dw = 0, dh = 0;
        vk::displaySize(spec, dw, dh);
        std::unique_ptr<vk::Output> out;
        if (surface_ == "headless") {
            out = vk::makeHeadlessOutput(opt_.windowW > 0 ? opt_.windowW : dw, opt_.windowH > 0 ? opt_.windowH : dh);
        } else if (surface_ == "display") {
            out = vk::makeDisplayOutput(opt_.kmsConnector, opt_.kmsMode);
        } else if (surface_ == "window") {
#if QV_HAVE_SDL2
            if (!sdlInitVideo())
                return Error::make(ErrorKind::Display, "vulkan: SDL cannot open a window: " + sdlError());
            int x = 0, y = 0, w = 0, h = 0;
            sdlWindowRect(opt_, dw, dh, x, y, w, h);
            auto o = vk::makeWindowOutput("qv - " + spec.title, x, y, w, h);
            sdlQuitVideo();   // the window holds its own reference
            if (!o) return o.takeError();
            out = std::move(o.value());
#else
            return Error::make(ErrorKind::Display, "vulkan: this qv was built without SDL2: no window surface");
#endif
        } else {
            return Error::make(ErrorKind::Display, "vulkan: no screen here (no display server, not on a VT); "
                                                   "--vk-surface=headless draws offscreen");
        }
        presenter_ = std::make_unique<vk::Presenter>(std::move(out));
        const char *hint = std::getenv("QV_VK_DEVICE");
        return presenter_->open(vk::validationFromEnv(), hint ? hint : "", wantFfmpeg_);
    }

    // FFmpeg's Vulkan hwcontext over this display's device (the first
    // frame that needs it); why not, said once with the refusal.
    void openBridge() {
        vk::Context *c = presenter_->context();
        if (!c || !c->ffmpegFrames) {
            bridgeWhy_ = c && !c->ffmpegWhy.empty() ? c->ffmpegWhy : "the device was not made for FFmpeg's frames";
            return;
        }
        VkDeviceShare d;
        d.getInstanceProcAddr = vk::vkGetInstanceProcAddr;
        d.instance = c->instance;
        d.phys = c->phys;
        d.device = c->device;
        d.family = c->family;
        d.queues = 1;
        d.instanceExtensions = c->enabledInstanceExtensions;
        d.deviceExtensions = c->enabledDeviceExtensions;
        d.features = c->ffFeatures;
        d.waitNs = c->isCpu() ? 60000000000ull : 5000000000ull;
        std::string why;
        bridge_ = VkFrameBridge::open(d, why);
        if (!bridge_) bridgeWhy_ = why.empty() ? "FFmpeg's Vulkan hwcontext did not open" : why;
    }

    // A PRIME frame this device cannot take (said once): the pipeline has
    // the decoder download from then on.
    Result<Shown> refused(const std::string &why) {
        if (!refusedSaid_) {
            refusedSaid_ = true;
            const size_t skip = why.rfind("vulkan: ", 0) == 0 ? 8 : 0;
            log::warn("vulkan: the decoder's frames cannot stay on the GPU (%s): they are downloaded instead", why.c_str() + skip);
        }
        return Shown::Refused;
    }

    void updateTitle(int64_t ptsNs) {
#if QV_HAVE_SDL2
        SDL_Window *w = presenter_->output().window();
        const int64_t sec = ptsNs / 1000000000;
        if (!w || sec == titleSec_) return;
        titleSec_ = sec;
        char title[512];
        const int64_t d = spec_.durationNs / 1000000000, s = std::max<int64_t>(sec, 0);
        std::snprintf(title, sizeof title, "qv - %s - %" PRId64 ":%02d:%02d / %" PRId64 ":%02d:%02d", spec_.title.c_str(),
                      s / 3600, static_cast<int>(s / 60 % 60), static_cast<int>(s % 60), d / 3600,
                      static_cast<int>(d / 60 % 60), static_cast<int>(d % 60));
        sdlSetTitle(w, title);
#else
        (void)ptsNs;
#endif
    }

    DisplayOptions opt_;
    std::string surface_;
    StreamSpec spec_;
    std::unique_ptr<vk::Presenter> presenter_;
    StatusTty statusTty_;
    std::string status_;
    Error pending_;   // from a redraw between frames: reported with the next one
    bool fullscreen_ = false, released_ = false, primeSaid_ = false, refusedSaid_ = false;
    bool probedDmabuf_ = false;   // the probe's device imports dma-bufs (before the device is open)
    // FFmpeg's Vulkan hwcontext over this device (vk_frames.h): asked for by
    // --hwdec (DisplayOptions::hwFrames) or QV_TEST_VKFRAMES (test only:
    // every frame goes that way, software ones uploaded by FFmpeg).
    bool testFfmpeg_ = false, wantFfmpeg_ = false, ffmpegAvailable_ = false, ffmpegSaid_ = false;
    std::unique_ptr<VkFrameBridge> bridge_;
    std::string bridgeWhy_;
    int64_t settleUntilNs_ = 0;
    int64_t titleSec_ = -1;
};

// One instance per run and surface kind (help and create both ask).
std::mutex probeMutex;
std::map<std::string, ProbeResult> probeCache;
std::map<std::string, bool> probeDmabuf;

ProbeResult probe(const DisplayOptions &o) {
    const std::string asked = o.vkSurface.empty() ? "auto" : o.vkSurface;
    const std::string surface = resolveSurface(o);
    std::lock_guard<std::mutex> lk(probeMutex);
    if (auto it = probeCache.find(asked); it != probeCache.end()) return it->second;
    ProbeResult r;
    r.autoPick = false;   // named only (--display=vulkan)
    if (surface.empty()) {
        r.why = "no screen (no display server, not on a VT); --vk-surface=headless draws offscreen";
    } else if (surface == "window" && !displayServer()) {
        r.why = "--vk-surface=window: no display server (DISPLAY and WAYLAND_DISPLAY are unset)";
#if !QV_HAVE_SDL2
    } else if (surface == "window") {
        r.why = "this qv was built without SDL2: no window surface (--vk-surface=display or headless)";
#endif
    } else if (surface != "window" && surface != "display" && surface != "headless") {
        r.why = "--vk-surface must be auto, window, display or headless";
    } else {
        const vk::VulkanProbe p = vk::probeVulkan(surface == "display");
        probeDmabuf[asked] = p.dmabuf;
        if (!p.usable) {
            r.why = p.why;
        } else if (surface == "display" && p.displays <= 0) {
            r.why = p.displayWhy.empty() ? p.why + ": no display through VK_KHR_display" : p.displayWhy;
        } else {
            r.usable = true;
            r.why = p.why + "; surface " + surface + (surface == "display" ? " (" + p.displayWhy + ")" : "");
        }
    }
    probeCache[asked] = r;
    return r;
}

// Whether the probe's device imports dma-bufs (probe() first).
bool probedDmabuf(const DisplayOptions &o) {
    probe(o);
    std::lock_guard<std::mutex> lk(probeMutex);
    auto it = probeDmabuf.find(o.vkSurface.empty() ? "auto" : o.vkSurface);
    return it != probeDmabuf.end() && it->second;
}

} // namespace

DisplayEntry vulkanDisplayEntry() {
    return {"vulkan", "Vulkan: planes uploaded as they are, YUV to RGB and scaling in a shader", -1, probe,
            [](const DisplayOptions &o) -> Result<std::unique_ptr<Display>> {
                auto d = std::make_unique<VulkanDisplay>(o);
                d->setProbedDmabuf(probedDmabuf(o));
                return std::unique_ptr<Display>(std::move(d));
            }};
}

} // namespace qv
