#include "sdl_util.h"

#include <algorithm>
#include <cstdlib>

namespace qv {

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
        SDL_SetHint(SDL_HINT_VIDEODRIVER, std::getenv("WAYLAND_DISPLAY") ? "x11,wayland" : "x11");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
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

void sdlKeyBytes(const SDL_Keysym &k, std::string &out) {
    const bool shift = (k.mod & KMOD_SHIFT) != 0;
    const bool ctrl = (k.mod & KMOD_CTRL) != 0;
    switch (k.sym) {
    case SDLK_LEFT: out += shift ? "\x1b[1;2D" : "\x1b[D"; break;
    case SDLK_RIGHT: out += shift ? "\x1b[1;2C" : "\x1b[C"; break;
    case SDLK_UP: out += "\x1b[A"; break;
    case SDLK_DOWN: out += "\x1b[B"; break;
    case SDLK_PAGEUP: out += "\x1b[5~"; break;
    case SDLK_PAGEDOWN: out += "\x1b[6~"; break;
    case SDLK_HOME: out += "\x1b[H"; break;
    case SDLK_END: out += "\x1b[F"; break;
    case SDLK_ESCAPE: out += "\x1b"; break;
    case SDLK_RETURN: case SDLK_KP_ENTER: out += "\r"; break;
    case SDLK_BACKSPACE: out += "\x7f"; break;
    case SDLK_c: if (ctrl) out += "\x03"; break;
    default: break;   // printable keys come as SDL_TEXTINPUT
    }
}

SdlEvents sdlPollEvents(std::string &keys) {
    SdlEvents ev;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT: keys += 'q'; break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE) keys += 'q';
            if (e.window.event == SDL_WINDOWEVENT_EXPOSED) ev.redraw = true;
            if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) ev.redraw = ev.resized = true;
            break;
        case SDL_TEXTINPUT:
            for (const char *c = e.text.text; *c; ++c)
                if (static_cast<unsigned char>(*c) < 0x80) keys += *c;
            break;
        case SDL_KEYDOWN: sdlKeyBytes(e.key.keysym, keys); break;
        default: break;
        }
    }
    return ev;
}

} // namespace qv
