// The status line of a display that is not a terminal (the sdl window, the
// board's screen) written as one line to the terminal qv was started from,
// rewritten in place (CR, the line clipped to the width, erase to the end);
// a newline when the display goes, so the shell prompt starts clean.
#pragma once

#include "qv/tui/terminal.h"

#include <algorithm>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace qv {

// A Linux virtual console (/dev/ttyN): where the kms and fbdev displays draw.
inline bool isVirtualConsole(int fd) {
    struct stat st {};
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 4 && minor(st.st_rdev) < 64;
}

class StatusTty {
public:
    explicit StatusTty(int fd = -1) : fd_(fd) {}
    bool active() const { return fd_ >= 0; }
    // Writes line unless it is what the terminal shows already (force: always).
    void show(const std::string &line, bool force = false) {
        if (fd_ < 0 || (!force && line == shown_)) return;
        tui::TermSize ts;
        const size_t cols = tui::queryTermSize(fd_, ts) && ts.cols > 1 ? static_cast<size_t>(ts.cols - 1) : 200;
        out_.clear();
        out_ += '\r';
        out_.append(line.data(), std::min(line.size(), cols));
        out_ += "\x1b[K";
        (void)!::write(fd_, out_.data(), out_.size());
        shown_ = line;
    }
    void end() {
        if (fd_ >= 0 && !shown_.empty()) (void)!::write(fd_, "\n", 1);
        shown_.clear();
    }

private:
    int fd_;
    std::string shown_, out_;
};

} // namespace qv
