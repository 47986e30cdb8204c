// PlayerSnapshot: the player's state as the status line and the control
// socket's properties read it (filled by the display stage; pure readers).
#pragma once

#include "qv/media/frame.h"

#include <cstdint>
#include <string_view>

namespace qv {

struct PlayerSnapshot {
    FrameInfo frame;             // the frame on screen
    bool haveFrame = false;
    bool paused = false;
    int64_t frameCount = 0;      // exact with the index, else the container's estimate
    bool indexReady = false;
    int64_t durationNs = 0;
    std::string_view filename;   // the display stage's copy (valid while it lives)
    int64_t presented = 0, dropped = 0, droppedLink = 0, decoded = 0;
    int64_t cacheBytes = 0, cacheFrames = 0, cacheBudget = 0, cacheHits = 0;
    double speed = 1.0;
    bool trick = false;          // trick play: keyframes only (past 4x, or backwards)
    bool audio = false;
    int volume = 0;
    bool mute = false;
    int shedLevel = 0;
    bool lowLatency = false;     // --latency=low (or set through IPC)
};

} // namespace qv
