// The scale stage (thread qv-scale): each frame to the display's ScaleTarget
// (size, pixel format, orientation; colour matrix and range from the frame),
// straight into the display's own buffer where it has one (FrameSink), or
// passed through when the display wants decoded frames as they are. A frame
// of an old serial is dropped; in timed playback a frame that would be too
// late to be shown even once converted (its deadline against now plus what
// a conversion takes) is dropped before it costs one: counted, logged, and
// never when it would freeze the picture. When converting takes longer than
// a frame lasts, this is what keeps every converted frame on time.
#pragma once

#include "shared.h"

#include <thread>

namespace qv {

class ScaleStage {
public:
    ScaleStage(Shared &sh, bool encodeStage) : sh_(sh), encode_(encodeStage) {}
    void run();

private:
    bool tooLate(const FrameRef &fr, int64_t nowNs) const;
    Shared &sh_;
    bool encode_;
    int64_t lastPassedNs_ = -1;
    int64_t scaleNs_ = 0;   // what a conversion takes (an average)
    SyncTuning tuning_;
};

// The encode stage (thread qv-encode), for displays that send bytes (the
// terminal displays): each frame turned into the display's wire-ready bytes
// (qv/display/wire.h), attached to the frame, so the display stage only
// times and writes. A frame of an old serial is dropped; in timed playback
// a frame too late to be shown even once encoded is dropped before it costs
// an encoding (counted, logged, never freezing the picture).
class EncodeStage {
public:
    // threads: --encode-threads (-1 auto, 1, 2).
    EncodeStage(Shared &sh, FrameEncoder &enc, int threads) : threads_(threads), sh_(sh), enc_(enc) {}
    void run();

private:
    bool tooLate(const FrameRef &fr, int64_t nowNs) const;
    // Whether this frame's encoding is split with a second thread: always
    // with 2; with auto once one thread cannot keep up (the encoding takes
    // more than half a frame's time, or, unpaced, longer than a conversion),
    // from then on.
    bool split(const FrameRef &fr);
    int threads_;
    bool splitting_ = false;
    const bool cores2_ = std::thread::hardware_concurrency() >= 2;   // asked once
    Shared &sh_;
    FrameEncoder &enc_;
    int64_t lastPassedNs_ = -1;
    int64_t encodeNs_ = 0;   // what an encoding takes (an average)
    SyncTuning tuning_;
};

} // namespace qv
