// The status line under the picture (pure formatting).
#pragma once

#include <cstdint>
#include <string>

namespace qv::tui {

struct StatusInfo {
    bool paused = false;
    double speed = 1.0;
    int64_t posNs = 0, durationNs = 0;
    int64_t ordinal = 0;
    bool ordinalExact = true;
    int64_t totalFrames = 0;     // 0: unknown
    int64_t ptsNs = 0;
    char pictType = '?';
    bool key = false;
    int pktSize = 0;
    double fps = 0;
    int64_t drops = 0;
    int64_t driftNs = 0;         // presented minus deadline of the frame on screen
    const char *message = nullptr;   // short feedback (e.g. "seek +5s")
};

// Replaces out's contents; no allocation when out has capacity.
void formatStatus(const StatusInfo &s, std::string &out);

} // namespace qv::tui
