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

// The optional encode stage (thread qv-encode): a pass-through until
// something encodes.
void runEncodeStage(Shared &sh);

} // namespace qv
