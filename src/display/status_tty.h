// The status line of a display that is not a terminal (the sdl window, the
// board's screen) written as one line to the terminal qv was started from,
// rewritten in place (CR, the line clipped to the width, erase to the end);
// a newline when the display goes, so the shell prompt starts clean.
#pragma once

#include "qv/core/signals.h"

#include "qv/display/display.h"
#include "qv/tui/terminal.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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

// kms and fbdev: usable when the device opens for reading and writing; auto
// takes the screen only from a VT (a console login), never over SSH or
// inside a desktop.
inline ProbeResult probeScreenDevice(const std::string &dev, const DisplayOptions &o) {
    if (access(dev.c_str(), R_OK | W_OK) != 0) return {false, dev + ": " + std::strerror(errno)};
    ProbeResult r{true, dev + " (auto only on a VT)"};
    r.autoPick = isVirtualConsole(0) && !o.skipScreens && !std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY");
    return r;
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
        if (sig::outputEnter()) {   // none after a fatal signal put the terminal back
            (void)!::write(fd_, out_.data(), out_.size());
            sig::outputLeave();
        }
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
