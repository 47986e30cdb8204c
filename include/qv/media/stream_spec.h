// What a display needs to know about the video before the first frame.
#pragma once

#include <cstdint>
#include <string>

namespace qv {

// How the decoded picture must be turned to be shown upright
// (from the stream's display matrix, with FFmpeg's own autorotate rules).
enum class Orientation {
    Normal,
    Rotate90Cw,        // transpose=clock
    Rotate90Ccw,       // transpose=cclock
    Transpose,         // transpose=cclock_flip (90 ccw + vertical flip)
    AntiTranspose,     // transpose=clock_flip (90 cw + vertical flip)
    Rotate180,
    HFlip,
    VFlip,
};

inline bool swapsAxes(Orientation o) {
    return o == Orientation::Rotate90Cw || o == Orientation::Rotate90Ccw ||
           o == Orientation::Transpose || o == Orientation::AntiTranspose;
}
const char *orientationName(Orientation o);
// Decide from an FFmpeg display matrix (nullptr: Normal).
Orientation orientationFromMatrix(const int32_t *matrix);

struct StreamSpec {
    std::string title;           // file name, or "demo"
    int width = 0, height = 0;   // coded picture size
    int pixFmt = -1;             // AVPixelFormat
    int sarNum = 1, sarDen = 1;  // sample aspect ratio (0/1: unknown, shown 1:1)
    Orientation orientation = Orientation::Normal;
    int fpsNum = 25, fpsDen = 1; // nominal frame rate
    int64_t durationNs = 0;      // 0 when unknown
    int64_t startOffsetNs = 0;   // stream start minus the file's start (edit lists)
    int64_t frameCountEstimate = 0;
    std::string codec;
};

} // namespace qv
