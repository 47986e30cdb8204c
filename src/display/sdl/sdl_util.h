// What the SDL windows (the sdl display, the vulkan display's window surface)
// share: SDL's video with qv's hints, the window's first size, and keys and
// window events as the terminal's bytes. Display thread only (SDL's video).
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

// Appends the bytes a terminal would send for this key (special keys only:
// printable ones come as SDL_TEXTINPUT).
void sdlKeyBytes(const SDL_Keysym &k, std::string &out);

struct SdlEvents {
    bool redraw = false;    // exposed or resized
    bool resized = false;   // the window's size changed
};
// Drains SDL's event queue: keys as terminal bytes ("q" when the window was
// closed), and what happened to the window.
SdlEvents sdlPollEvents(std::string &keys);

} // namespace qv
