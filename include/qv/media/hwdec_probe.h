// qv hwdec-probe: decode a file in software and with one hardware decoder,
// frame by frame, and judge whether the hardware gives the same frames
// (count, presentation timestamps, pixel format and md5 of every picture
// after download, as ffmpeg -f framemd5 computes it), and again after exact
// seeks: to two-thirds of the file then two steps, then back to a third
// (a flush mid-stream) and two steps.
//
// Contract: decodeAll runs on the caller's thread and blocks while it
// decodes; judgeRuns is pure (unit-tested with made-up runs).
#pragma once

#include "qv/core/result.h"
#include "qv/media/hwdec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv {

struct FrameDigest {
    int64_t pts = 0;          // the frame's pts in the stream time base (best effort)
    std::string md5;          // 32 hex digits
    bool hardware = false;    // made by the hardware (its format said so)
    std::string fmt;          // pixel format as given out (after the download)
    int64_t ordinal = -1;     // presentation ordinal (seek checks)
};

// An exact seek to `ordinal` and the frames that came from it (the frame
// itself, then steps).
struct SeekCheck {
    int64_t ordinal = -1;
    std::vector<FrameDigest> frames;
    std::string error;
};

struct DecodeRun {
    HwdecStatus status;
    std::string codec;
    std::vector<FrameDigest> frames;
    std::string error;        // decoding stopped with this error ("" when it ran to the end)
    double seconds = 0;       // wall time of decoding and hashing
    std::vector<SeekCheck> seeks;   // hardware runs that gave hardware frames only
};

// Every frame of path (at most maxFrames), decoded with req (quietly: the
// status says what ran and why).
Result<DecodeRun> decodeAll(const std::string &path, const HwdecRequest &req, bool useMmap, int64_t maxFrames);

struct ProbeVerdict {
    std::string verdict;      // "exact", "differs", "unavailable"
    std::string detail;       // why unavailable, or what differs
    int64_t firstDifference = -1;   // ordinal of the first differing frame (differs)
};

// What a --hwdec name is to this FFmpeg: "hwaccel", "wrapper" (a wrapper
// decoder), "decoder" (another decoder, e.g. libdav1d: compared the same
// way), or "unknown".
std::string decoderKind(const std::string &name);

// The hardware run against the software run, for decoder `name`.
ProbeVerdict judgeRuns(const std::string &name, const DecodeRun &sw, const DecodeRun &hw);

// A short H.264 clip with B-frames (MPEG-2 where this FFmpeg has no H.264
// encoder), 320x240, 50 frames, made from the demo picture, for a probe
// with no FILE. Written to path.
Result<void> writeProbeClip(const std::string &path);

} // namespace qv
