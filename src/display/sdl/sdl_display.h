#pragma once
#include "qv/display/display.h"
namespace qv {
DisplayEntry sdlDisplayEntry();
// SDL hints qv sets before SDL's video starts (no signal handlers, no kmsdrm).
void sdlPrepareVideo();
}
