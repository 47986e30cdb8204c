// How `qv export` cuts frames [from, to] (presentation ordinals) out of a
// stream: pure, from the packet index alone (unit-tested with made-up
// indexes in export_plan_test).
//
// The output is up to three segments, in this order:
//   head  [headFrom, headTo]  decoded and re-encoded (smart cut), up to a
//                             keyframe with no open-GOP leading frames
//   copy  [copyFrom, copyTo]  packets copied as they are; with an edit list
//                             the copy starts at the keyframe before `from`
//                             and the container hides the frames before it
//   tail  [tailFrom, tailTo]  re-encoded: frames whose packets cannot be
//                             copied without taking a frame past `to` along
//                             (a B-frame needs the P-frame shown after it)
// An empty segment has from > to.
#pragma once

#include "qv/core/result.h"
#include "qv/media/packet_index.h"

#include <cstdint>
#include <string>

namespace qv {

enum class ExportMethod {
    Copy,       // from is a keyframe: every frame copied
    EditList,   // copied from the keyframe before, the rest hidden by an MP4/MOV edit list
    SmartCut,   // re-encoded up to a keyframe (and/or after the last clean cut), copied between
    Reencode,   // every frame re-encoded (asked for, or no keyframe to copy from)
};

const char *methodName(ExportMethod m);

struct ExportPlan {
    ExportMethod method = ExportMethod::Copy;
    int64_t from = 0, to = -1;
    int64_t headFrom = 0, headTo = -1;
    int64_t copyFrom = 0, copyTo = -1;   // ordinals of frames shown from the copy
    int64_t copyKey = -1;                // ordinal of the keyframe the copy starts at
    int64_t copyDecFirst = -1, copyDecLast = -2;   // decode indexes of the packets copied
    int64_t tailFrom = 0, tailTo = -1;
    int64_t copied() const { return copyTo >= copyFrom ? copyTo - copyFrom + 1 : 0; }
    int64_t reencoded() const {
        return (headTo >= headFrom ? headTo - headFrom + 1 : 0) + (tailTo >= tailFrom ? tailTo - tailFrom + 1 : 0);
    }
};

// The largest c1 <= limit such that the packets from keyframe ordinal c0's
// packet up to the last packet of frames c0..c1 (in decode order), leaving
// out frames shown before c0 (open-GOP leading frames), show exactly frames
// c0..c1; -1 when there is none.
int64_t lastCleanCut(const PacketIndex &idx, int64_t c0, int64_t limit);

// Plans frames [from, to] (checked: 0 <= from <= to < frameCount, a
// timestamped stream). editList: the output container takes an edit list.
Result<ExportPlan> planExport(const PacketIndex &idx, int64_t from, int64_t to, bool editList, bool reencodeAll);

// A range as PNG stills: out names them. A directory (an existing one, or a
// name ending in '/') gets DIR/frame-NNNNNN.png (the frame's ordinal, six
// digits); a name ending in .png holds one %d (%06d: zero-padded; %% for a
// per cent sign) replaced by each frame's ordinal, or none at all when the
// range is one frame. Not stills (false, why empty): any other name.
// Returns the pattern, or why it cannot be used.
bool stillsPattern(const std::string &out, bool isDirectory, bool oneFrame, std::string &pattern, std::string &why);
// The name of frame `ordinal`'s still from a pattern stillsPattern made.
std::string stillName(const std::string &pattern, int64_t ordinal);

} // namespace qv
