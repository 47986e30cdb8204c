// sixel and kitty: pixel pictures in the terminal, the status line as text
// under them.
#pragma once

#include "qv/display/display.h"

namespace qv {
DisplayEntry sixelDisplayEntry();
DisplayEntry kittyDisplayEntry();
} // namespace qv
