#pragma once
#include "qv/display/display.h"
namespace qv {
// --display=vulkan (Meson feature vulkan): see vk_presenter.h.
DisplayEntry vulkanDisplayEntry();
}
