// --frame-log=FILE: one tab-separated line per frame presented or dropped
// (event, ordinal, pts and dts in seconds, picture type, key flag, the
// monotonic clock in ns, the decoder's shedding level, and 1 when it was
// presented by the clock: 0 for steps, frames shown while paused and
// --no-sync), then (issue 14) when its packet was received, when it was
// decoded and when it was scaled (monotonic ns, 0: unknown). The display
// stage writes it, and the scale stage the frames
// it drops before scaling: each line is one locked stdio call, so lines
// never mix (those two threads' lines may be a few ms out of time order).
#pragma once

#include "qv/core/result.h"
#include "qv/media/frame.h"

#include <cstdio>
#include <string>

namespace qv {

class FrameLog {
public:
    FrameLog() = default;
    ~FrameLog();
    FrameLog(const FrameLog &) = delete;
    FrameLog &operator=(const FrameLog &) = delete;

    Result<void> open(const std::string &path);
    bool active() const { return f_ != nullptr; }
    // event: presented, dropped-late, dropped-early (before scaling),
    // dropped-link, dropped-stale, not-shown.
    // shownNs: when present() returned (presented frames; 0: unknown).
    void write(const char *event, const FrameInfo &i, int64_t nowNs, bool timed = true, int64_t shownNs = 0);

private:
    FILE *f_ = nullptr;
};

} // namespace qv
