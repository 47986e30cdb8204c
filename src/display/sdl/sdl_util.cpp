#include "sdl_util.h"

#include <SDL_syswm.h>

#include "sdl_compat.h"

#include "qv/core/log.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <dlfcn.h>

namespace qv {

#if defined(SDL_VIDEO_DRIVER_X11)
namespace {

// Xlib's default error handler ends the process (exit 1) on any protocol
// error, and SDL's own handler hands errors on to whatever was installed
// before it. A window manager that exits or restarts while qv runs makes
// SDL's next request on a window that went with it (XTranslateCoordinates on
// the old frame) fail with BadWindow: not a reason to end playback. qv's
// handler logs the first error and carries on; SDL's safety net still runs
// first, since it chains to this one.
std::atomic<int> xErrors{0};

int xErrorHandler(::Display *, XErrorEvent *e) {
    if (xErrors.fetch_add(1) == 0)
        log::warn("X error ignored (code %d, request %d.%d): a window went away under qv?",
                static_cast<int>(e->error_code), static_cast<int>(e->request_code),
                static_cast<int>(e->minor_code));
    return 0;
}

// libX11 is the one SDL itself loads (by the same soname), so the handler set
// here is the one SDL finds when it installs its own. The handle stays open.
void installXErrorHandler() {
    static bool done = false;
    if (done || !std::getenv("DISPLAY")) return;
    done = true;
    void *lib = dlopen("libX11.so.6", RTLD_LAZY);
    if (!lib) return;
    using SetHandler = XErrorHandler (*)(XErrorHandler);
    if (auto fn = reinterpret_cast<SetHandler>(dlsym(lib, "XSetErrorHandler"))) fn(xErrorHandler);
}

} // namespace
#endif

// No signal handlers (our signals go through a signalfd); never SDL's own
// kmsdrm driver on a console (the native KMS back-end owns that case; an
// explicit SDL_VIDEODRIVER still wins); Wayland only where a compositor is
// named (probing it elsewhere prints libwayland's own complaint about
// XDG_RUNTIME_DIR). Tried three times over about 200 ms: an X server busy
// accepting other clients can refuse or reset a connection (Xvfb does under
// load), and one refusal is no reason to fail.
bool sdlInitVideo() {
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (!std::getenv("SDL_VIDEODRIVER"))
        sdlcompat::setVideoDrivers(std::getenv("WAYLAND_DISPLAY") ? "x11,wayland" : "x11");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
#if defined(SDL_VIDEO_DRIVER_X11)
    installXErrorHandler();
#endif
    for (int attempt = 0;; ++attempt) {
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) == 0) return true;
        if (attempt == 2) return false;
        SDL_Delay(100);
    }
}

void sdlWindowRect(const DisplayOptions &opt, int dispW, int dispH, int &x, int &y, int &w, int &h) {
    w = dispW;
    h = dispH;
    if (opt.windowW > 0 && opt.windowH > 0) {
        w = opt.windowW;
        h = opt.windowH;
    } else {
        SDL_Rect usable;
        if (SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 && usable.h > 0) {
            const double k = std::min({1.0, usable.w * 0.9 / w, usable.h * 0.9 / h});
            w = std::max(64, static_cast<int>(w * k));
            h = std::max(64, static_cast<int>(h * k));
        }
    }
    x = opt.windowX >= 0 ? opt.windowX : static_cast<int>(SDL_WINDOWPOS_UNDEFINED);
    y = opt.windowY >= 0 ? opt.windowY : static_cast<int>(SDL_WINDOWPOS_UNDEFINED);
}

int sdlConnectionFd(SDL_Window *w) {
    SDL_SysWMinfo info;
    SDL_VERSION(&info.version);
    if (!w || !SDL_GetWindowWMInfo(w, &info)) return -1;
#if defined(SDL_VIDEO_DRIVER_X11)
    if (info.subsystem == SDL_SYSWM_X11) return ConnectionNumber(info.info.x11.display);
#endif
#if defined(SDL_VIDEO_DRIVER_WAYLAND)
    if (info.subsystem == SDL_SYSWM_WAYLAND) {
        void *lib = dlopen("libwayland-client.so.0", RTLD_LAZY | RTLD_NOLOAD);
        using GetFd = int (*)(struct wl_display *);
        auto fn = lib ? reinterpret_cast<GetFd>(dlsym(lib, "wl_display_get_fd")) : nullptr;
        const int fd = fn ? fn(info.info.wl.display) : -1;
        if (lib) dlclose(lib);
        return fd;
    }
#endif
    return -1;
}

SdlEvents sdlDispatchEvents(const DisplayEvents &out) {
    SdlEvents ev;
    SDL_Event e;
    auto key = [&](tui::KeyCode code, char ch = 0) {
        DisplayEvent d;
        d.type = DisplayEvent::Type::Key;
        d.key.code = code;
        d.key.ch = ch;
        out(d);
    };
    const DisplayEvent quit{DisplayEvent::Type::Quit, {}};
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT: out(quit); break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE) out(quit);
            if (e.window.event == SDL_WINDOWEVENT_EXPOSED) ev.redraw = true;
            if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) ev.redraw = ev.resized = true;
            break;
        case SDL_TEXTINPUT:
            for (const char *c = e.text.text; *c; ++c)
                if (static_cast<unsigned char>(*c) < 0x80) key(tui::KeyCode::Char, *c);
            break;
        case SDL_KEYDOWN: {
            const bool shift = (e.key.keysym.mod & KMOD_SHIFT) != 0;
            switch (e.key.keysym.sym) {
            case SDLK_LEFT: key(shift ? tui::KeyCode::ShiftLeft : tui::KeyCode::Left); break;
            case SDLK_RIGHT: key(shift ? tui::KeyCode::ShiftRight : tui::KeyCode::Right); break;
            case SDLK_UP: key(tui::KeyCode::Up); break;
            case SDLK_DOWN: key(tui::KeyCode::Down); break;
            case SDLK_PAGEUP: key(tui::KeyCode::PageUp); break;
            case SDLK_PAGEDOWN: key(tui::KeyCode::PageDown); break;
            case SDLK_HOME: key(tui::KeyCode::Home); break;
            case SDLK_END: key(tui::KeyCode::End); break;
            case SDLK_ESCAPE: key(tui::KeyCode::Escape); break;
            case SDLK_RETURN: case SDLK_KP_ENTER: key(tui::KeyCode::Enter); break;
            case SDLK_BACKSPACE: key(tui::KeyCode::Backspace); break;
            case SDLK_c:
                if (e.key.keysym.mod & KMOD_CTRL) out(quit);
                break;
            default: break;   // printable keys come as SDL_TEXTINPUT
            }
            break;
        }
        default: break;
        }
    }
    return ev;
}

} // namespace qv
