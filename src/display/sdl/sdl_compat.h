// The one place that knows SDL2 version differences (2.0.14 on Debian 11 ..
// 2.32). Compile-time: the headers qv is built against decide.
#pragma once

#include <SDL.h>

#include <cstdlib>
#include <cstring>
#include <string>

// SDL_UpdateNVTexture() arrived in 2.0.16. Before it, NV12/NV21 frames are
// not uploaded directly (sdl_display.cpp leaves them out of its direct
// formats, so they take the conversion path) and this is never called.
#if SDL_VERSION_ATLEAST(2, 0, 16)
#define QV_SDL_NV_TEXTURES 1
#else
#define QV_SDL_NV_TEXTURES 0
inline int SDL_UpdateNVTexture(SDL_Texture *, const SDL_Rect *, const Uint8 *, int, const Uint8 *, int) {
    return SDL_SetError("NV12 textures need SDL 2.0.16");
}
#endif

namespace qv::sdlcompat {

// The video drivers to try, in order ("x11,wayland"). SDL_HINT_VIDEODRIVER
// (a list) arrived in 2.0.22; before it only the SDL_VIDEODRIVER environment
// variable names a driver, and only one: a list there leaves SDL's own order
// (x11 before wayland in those versions).
inline void setVideoDrivers(const char *list) {
#if SDL_VERSION_ATLEAST(2, 0, 22)
    SDL_SetHint(SDL_HINT_VIDEODRIVER, list);
#else
    if (!std::strchr(list, ',')) setenv("SDL_VIDEODRIVER", list, 0);
#endif
}

} // namespace qv::sdlcompat
