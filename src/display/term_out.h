// What the terminal back-ends (blocks, sixel, kitty) share: the write loop
// (a whole frame in as few write() calls as the tty takes), byte counting,
// the link governor fed with the tty's queue and each write's wait, and the
// status row.
#pragma once

#include "display/link_governor.h"
#include "qv/display/display.h"
#include "qv/core/result.h"

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace qv {

class TermOut final : public DisplayLink {
public:
    TermOut(int fd, int64_t maxBandwidth) : fd_(fd), gov_(maxBandwidth) {}
    // Writes all of s (EINTR and EAGAIN handled); feeds the governor.
    Result<void> write(const std::string &s);
    // The same for pieces in order (writev: nothing is copied together).
    // iov is consumed (advanced over what was written).
    Result<void> write(std::vector<iovec> &iov);
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
    std::vector<iovec> one_;
};

// One terminal frame as the display writes it: synchronized update begun
// (and the screen cleared after a new layout), the picture's pieces as they
// are (no copy), the status line when it changed, the update ended; one
// writev. Also the status line alone (paused, key feedback). Buffers grow
// once.
class TermFrame {
public:
    TermFrame() {
        pre_.reserve(64);
        post_.reserve(1024);
        status_.reserve(1024);
        lastStatus_.reserve(1024);
        iov_.reserve(256);
    }
    // The screen is cleared before the next picture (a new layout).
    void clearNext() {
        clear_ = true;
        lastStatus_.clear();
    }
    // Starts a frame; returns whether it clears the screen.
    bool begin() {
        pre_.assign("\x1b[?2026h");
        const bool cleared = clear_;
        if (clear_) {
            pre_ += "\x1b[0m\x1b[2J";
            clear_ = false;
            lastStatus_.clear();
        }
        iov_.clear();
        iov_.push_back(iovec{pre_.data(), pre_.size()});
        return cleared;
    }
    void add(const char *p, size_t n) {
        if (n) iov_.push_back(iovec{const_cast<char *>(p), n});
    }
    void add(const std::vector<iovec> &v) { iov_.insert(iov_.end(), v.begin(), v.end()); }
    // Ends the frame (the status line on row `row` when shown) and writes it.
    Result<void> end(TermOut &out, bool statusLine, int row, int cols) {
        post_.clear();
        if (statusLine) TermOut::appendStatus(post_, status_, lastStatus_, row, cols);
        post_ += "\x1b[?2026l";
        iov_.push_back(iovec{post_.data(), post_.size()});
        return out.write(iov_);
    }
    // The status line: kept for the next frame, or written at once (now).
    Result<void> status(TermOut &out, const std::string &line, bool now, bool statusLine, int row, int cols) {
        status_ = line;
        if (!now || !statusLine) return {};
        post_.assign("\x1b[?2026h");
        if (!TermOut::appendStatus(post_, status_, lastStatus_, row, cols)) return {};
        post_ += "\x1b[?2026l";
        return out.write(post_);
    }

private:
    std::string pre_, post_, status_, lastStatus_;
    std::vector<iovec> iov_;
    bool clear_ = true;
};

} // namespace qv
