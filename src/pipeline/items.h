// What travels on the rings between the decode, scale and display stages.
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"
#include "qv/pipeline/spsc_ring.h"

#include <variant>

namespace qv {

struct FlushItem {
    uint32_t serial;   // a discontinuity: reset, re-anchor the clock
};
struct EndItem {
    uint32_t serial;
};
struct ErrorItem {
    Error error;
};
using Item = std::variant<FrameRef, FlushItem, EndItem, ErrorItem>;

// About three frames per link: that is the memory bound and the back-pressure.
constexpr size_t kLinkCapacity = 3;
using Link = SpscRing<Item, kLinkCapacity>;
// Empty frame shells going back to the decoder (Shared has one ring per
// stage that gives them back: the display, the scale and the encode stage).
using ShellRing = SpscRing<AvFramePtr, 16>;

inline uint32_t serialOf(const Item &it) {
    if (auto *f = std::get_if<FrameRef>(&it)) return f->info.serial;
    if (auto *e = std::get_if<EndItem>(&it)) return e->serial;
    if (auto *fl = std::get_if<FlushItem>(&it)) return fl->serial;
    return 0;
}

} // namespace qv
