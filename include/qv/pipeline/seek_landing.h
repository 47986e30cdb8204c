// Where an exact seek lands: the decode stage's rules for the frames that
// come out after a seek, as a pure function (table-tested).
//
// With the packet index a target is an ordinal: frames before it are
// discarded (or kept for the step cache when the seek fills it), the target
// is delivered, and when the first frame out is already past the target
// (open GOP, MPEG-TS, a loose container index) the seek goes one keyframe
// further back, up to kMaxBack times. Without an index a target is a time:
// frames whose middle is before it are discarded; when the first frame is
// already past it, the seek goes 1, 2, 4 ... s earlier.
#pragma once

#include "qv/media/frame.h"

#include <cstdint>

namespace qv {

struct Landing {
    static constexpr int kMaxBack = 8;
    int64_t ordinal = -1;        // target ordinal (index), -1: none
    int64_t timeNs = kNoTs;      // target time (no index), kNoTs: none
    bool fill = false;           // keep the frames before the target (step cache)
    int back = 0;                // keyframes gone back so far (ordinal targets)
    int timeBack = 0;            // re-seeks by time so far
    bool first = true;           // the next frame is the first after a (re)seek

    bool active() const { return ordinal >= 0 || timeNs != kNoTs; }
    static Landing toOrdinal(int64_t o, bool fill) {
        Landing l;
        l.ordinal = o;
        l.fill = fill;
        return l;
    }
    static Landing toTime(int64_t ns) {
        Landing l;
        l.timeNs = ns;
        return l;
    }
};

enum class LandingVerdict {
    Deliver,        // show it (the target, or no target)
    Discard,        // decoded on the way to the target
    CacheOnly,      // on the way, kept for back-steps
    ReseekOrdinal,  // landed past the target: seek with Landing::back keyframes further back
    ReseekTime,     // landed past the time: seek to reseekNs
};

struct LandingDecision {
    LandingVerdict verdict = LandingVerdict::Deliver;
    int64_t reseekNs = 0;   // for ReseekTime
};

// ordinal: the frame's ordinal (exact from the index, or the index's guess
// from its time). Updates the landing (clears it once the target is reached).
LandingDecision judgeLanding(Landing &l, int64_t ordinal, int64_t ptsNs, int64_t durationNs);

} // namespace qv
