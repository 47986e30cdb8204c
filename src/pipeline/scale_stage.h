// The scale stage (thread qv-scale): each frame to the display's ScaleTarget
// (size, pixel format, orientation; colour matrix and range from the frame),
// straight into the display's own buffer where it has one (FrameSink), or
// passed through when the display wants decoded frames as they are. A frame
// of an old serial is dropped; in timed playback, once the decoder sheds
// work, a frame already too late to be shown is dropped before it costs a
// conversion (counted; never when it would freeze the picture).
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
    SyncTuning tuning_;
};

// The optional encode stage (thread qv-encode): a pass-through until
// something encodes.
void runEncodeStage(Shared &sh);

} // namespace qv
