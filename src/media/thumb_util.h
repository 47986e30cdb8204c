// Inside src/media: the pieces qv thumb and qv sheet share (one exact frame,
// a decoded frame as RGB24 at a display width).
#pragma once

#include "input.h"
#include "qv/media/frame.h"
#include "qv/media/probe.h"

namespace qv {

// The frame on screen at req.atNs (or frame number req.frame), exactly:
// seek to the keyframe before, decode and discard.
Result<AvFramePtr> exactFrame(Input &in, int vidx, AVCodecContext *dec, const ThumbRequest &req);
// src as RGB24, width pixels wide (0: its display width), the height from the
// display aspect, turned as the stream says. The frame's width/height are set.
Result<AvFramePtr> frameToRgb(const AVFrame *src, const StreamSpec &spec, int width);

} // namespace qv
