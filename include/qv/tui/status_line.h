// The status line under the picture (pure formatting).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv::tui {

struct StatusInfo {
    bool paused = false;
    double speed = 1.0;
    int64_t posNs = 0, durationNs = 0;
    int64_t ordinal = 0;
    bool ordinalExact = true;
    int64_t totalFrames = 0;     // 0: unknown
    int64_t ptsNs = 0;
    bool hasDts = false;
    double dtsSec = 0;           // the dts of the frame's packet, in seconds
    char pictType = '?';
    bool key = false;
    int pktSize = 0;
    double fps = 0;
    int64_t drops = 0;
    int shed = 0;                // the decoder's work-shedding level (0: none)
    int64_t driftNs = 0;         // presented minus deadline of the frame on screen
    int64_t decodeNs = 0;        // decoder time spent on the frame on screen
    // Items waiting: decode->scale, scale->encode, encode->display (the
    // display link); queues[1] < 0: there is no encode stage.
    int queues[3] = {0, 0, 0};
    const char *gopMap = nullptr;    // formatGopMap()
    const char *message = nullptr;   // short feedback (e.g. "seek +5s")
    const char *trick = nullptr;     // trick play (">> 16x keyframes"): first, after the pause mark
    // Latency of the frames shown lately (issue 14), medians, ns; total < 0:
    // not shown. "lat 18 ms: dec 5 scale 1 disp 10".
    int64_t latNs = -1, latDecNs = 0, latScaleNs = 0, latDispNs = 0;
    const char *decoder = nullptr;   // which decoder made the frame ("software", "cuda"), last; null: not shown
};

// Replaces out's contents; no allocation when out has capacity.
void formatStatus(const StatusInfo &s, std::string &out);

// A map of the keyframes around ordinal: width characters spanning from the
// keyframe before the previous one to the keyframe after the next one; 'K'
// marks keyframes, '|' the current frame ('#' when it is a keyframe), '-'
// the rest. keys: keyframe ordinals, ascending. Writes a NUL-terminated
// string of at most width characters into out (width + 1 bytes). Pure.
void formatGopMap(const std::vector<int64_t> &keys, int64_t total, int64_t ordinal, int width, char *out);

} // namespace qv::tui
