#pragma once
#include "qv/display/display.h"
namespace qv {
DisplayEntry sdlDisplayEntry();
}
