// What the SDL windows (the sdl display, the vulkan display's window surface)
// share: SDL's video with qv's hints, the window's first size, the window
// system's connection to sleep on, and keys and window events as display
// events. Display thread only (SDL's video).
#pragma once

#include "qv/display/display.h"

#include <SDL.h>

#include <string>

namespace qv {

// SDL's video part initialised with qv's hints (tried three times: an X
// server busy with other clients can refuse a connection); false: see
// SDL_GetError().
bool sdlInitVideo();

// The window's first size and place for a picture of dispW x dispH on
// screen: --geometry when given, else the picture's size, shrunk to 90% of
// the usable screen.
void sdlWindowRect(const DisplayOptions &opt, int dispW, int dispH, int &x, int &y, int &w, int &h);

// The window system's connection (X11; Wayland through its library where
// SDL loaded it): readable when events wait. -1 when there is none to use.
int sdlConnectionFd(SDL_Window *w);

struct SdlEvents {
    bool redraw = false;    // exposed or resized
    bool resized = false;   // the window's size changed
};
// Drains SDL's event queue: keys (as the key map's keys), quit when the
// window was closed, and what happened to the window.
SdlEvents sdlDispatchEvents(const DisplayEvents &out);

} // namespace qv
