// The decode stage (thread qv-decode): frames from the VideoSource onto the
// decode->scale link. It serves seeks (the SeekCell's serial moved: seek,
// then land on the target by the seek-landing rules), tags frames with the
// serial, and sheds work in timed playback when frames come out late
// (ShedPolicy: skip the loop filter, then non-reference frames, then jump
// to a keyframe). After the end it waits for a seek or quit.
#pragma once

#include "shared.h"
#include "qv/media/source.h"

namespace qv {

struct DecodeOptions {
    int64_t startFrame = -1;   // --start-frame
    int64_t startNs = 0;       // --start
    bool loop = false;         // --loop
};

class DecodeStage {
public:
    DecodeStage(Shared &sh, VideoSource &src, const DecodeOptions &o) : sh_(sh), src_(src), opt_(o) {}
    void run();

private:
    bool push(Item &it, uint32_t serial);
    Shared &sh_;
    VideoSource &src_;
    DecodeOptions opt_;
};

} // namespace qv
