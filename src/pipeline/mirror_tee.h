// MirrorTee: --display=A,B[,...] shows one stream on several displays, e.g.
// the board's screen and the SSH terminal (--display=kms,auto). The first
// display is the primary: the scheduler paces it and the scale stage scales
// for it. The tee hands every frame the primary presented to each mirror:
// a consumer on its own thread (qv-mirror-N) with a one-frame mailbox (a
// frame it has not taken yet is replaced, counted as skipped) and its own
// pacing: it scales the primary's picture (already upright) to its own size
// and presents it when its own link takes it. So a slow SSH link never holds
// the board's screen back, and the screen never waits for the terminal.
//
// Display thread: every public method. A mirror that fails stops alone,
// with one warning.
#pragma once

#include "qv/display/display.h"

#include <memory>
#include <vector>

namespace qv {

class MirrorTee {
public:
    struct Mirror;   // one mirror: its display, thread and mailbox
    explicit MirrorTee(std::vector<std::unique_ptr<Display>> mirrors);
    ~MirrorTee();
    bool empty() const { return mirrors_.empty(); }
    // What each mirror gets: the primary's picture (target width > 0) or
    // the decoded frame (width 0).
    Result<void> configure(const StreamSpec &spec, const ScaleTarget &primary);
    void offer(const FrameRef &shown);
    void status(const std::string &line, bool now);
    bool relayout();
    bool anyCaps(bool DisplayCaps::*cap) const;
    int64_t bytesWritten() const;
    void finish();
    void release();

private:
    void stop();
    std::vector<std::unique_ptr<Mirror>> mirrors_;
    bool started_ = false;
};

} // namespace qv
