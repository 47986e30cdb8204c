// `qv export` and the player's export: frames [from, to] of a file's video
// stream (presentation ordinals, exact through the packet index) and the
// sound over the same span, into a new file, cheapest method first (see
// export_plan.h). Blocking; runs on the caller's thread (the command line's
// main thread, or the player's export worker, never the display thread).
// The file appears whole or not at all: it is written to a temporary name
// in the same directory and renamed at the end.
#pragma once

#include "qv/core/result.h"
#include "qv/media/export_plan.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace qv {

// A range end: a time (ns from the stream start, the frame on screen then)
// or an exact ordinal ("#N").
struct RangePoint {
    bool ordinal = false;
    int64_t value = 0;
};

struct ExportRequest {
    RangePoint from, to;
    std::string output;
    bool reencode = false;         // re-encode every frame
    std::string encoder;           // FFmpeg encoder name; empty: the codec's default encoder
    int threads = 0;
    // What the caller numbers the input's frame 0 (a live window's span
    // written to a file: the frame's ordinal in the live stream): stills'
    // names and the report's frames count from it; from and to do not.
    int64_t ordinalBase = 0;
    const std::atomic<bool> *cancel = nullptr;
    // Fraction done, 0..1, from the exporting thread.
    std::function<void(double)> progress;
};

struct ExportReport {
    ExportPlan plan;
    std::string encoder;            // the encoder used for re-encoded frames ("" when none)
    double fromSec = 0, toSec = 0;  // the video span written (start of from, end of to)
    double audioFromSec = -1, audioToSec = -1;   // the sound written (-1: no sound)
    int64_t stills = -1;            // PNG stills written (-1: a video file)
    std::string stillsPattern;      // their names (%06d: the frame's ordinal)
    std::string summary() const;    // one line: method, frames, encoder, sound
};

class PacketIndex;
// The output names a container (its extension), or PNG stills: a directory
// (DIR/frame-NNNNNN.png) or NAME%06d.png (export_plan.h, stillsPattern), one
// decoded frame each, as qv thumb writes them (full size, display aspect);
// on failure none is left.
// idx: the file's packet index when the caller has it (else it is scanned).
Result<ExportReport> exportRange(const std::string &path, const ExportRequest &req,
                                 std::shared_ptr<const PacketIndex> idx = nullptr);

} // namespace qv
