// What the terminal back-ends (blocks, sixel, kitty) share: the write loop
// (a whole frame in as few write() calls as the tty takes), byte counting,
// the link governor fed with the tty's queue and each write's wait, and the
// status row.
#pragma once

#include "display/link_governor.h"
#include "qv/display/display.h"
#include "qv/core/result.h"

#include <cstdint>
#include <string>

namespace qv {

class TermOut final : public DisplayLink {
public:
    TermOut(int fd, int64_t maxBandwidth) : fd_(fd), gov_(maxBandwidth) {}
    // Writes all of s (EINTR and EAGAIN handled); feeds the governor.
    Result<void> write(const std::string &s);
    // DisplayLink: the governor's answer for the next frame (TIOCOUTQ
    // measured here), and what was done with it.
    bool ready(int64_t nowNs) override;
    void decided(int64_t nowNs, bool sent) override;
    bool takeLevelChange() { return gov_.takeLevelChange(); }
    double scale() const { return LinkGovernor::scaleOf(gov_.level()); }
    // The last level: the display also falls to a cheaper encoding.
    bool coarse() const { return LinkGovernor::coarseAt(gov_.level()); }
    int level() const { return gov_.level(); }
    // Logs (-v) a level the display lays out for, once per change.
    void noteLevel();
    int64_t bytes() const { return bytes_; }

    // Appends the status line on row `row`, clipped to `cols`, when it is
    // not what was drawn last (`last` remembers it); returns whether.
    static bool appendStatus(std::string &out, const std::string &status, std::string &last, int row, int cols);

private:
    int fd_;
    LinkGovernor gov_;
    int64_t bytes_ = 0;
    int loggedLevel_ = 0;
    int64_t queued_ = -1;   // TIOCOUTQ at the last ready()
};

} // namespace qv
