// The controlling terminal: size queries and the raw-mode guard.
//
// TerminalGuard is created first and destroyed last by the player: raw mode
// on the input tty, alternate screen, hidden cursor. It restores all of them
// in its destructor, on every exit path; a fatal signal restores them through
// an async-signal-safe copy of the same bytes (core/signals.h).
#pragma once

#include "qv/core/unique_fd.h"

#include "qv/core/result.h"

#include <memory>

namespace qv::tui {

struct TermSize {
    int cols = 0, rows = 0;
    int xpix = 0, ypix = 0;   // 0 when the terminal does not say
};

// TIOCGWINSZ on fd; false when fd is not a terminal.
bool queryTermSize(int fd, TermSize &out);

class TerminalGuard {
public:
    // outFd: where the picture goes; the input tty is stdin when it is a
    // terminal, else /dev/tty (keys still work when stdin is redirected).
    // screen false: keys only (raw input, no alternate screen, nothing
    // written), for window displays whose status line is a terminal line.
    static Result<std::unique_ptr<TerminalGuard>> enter(int outFd, bool screen = true);
    ~TerminalGuard();
    TerminalGuard(const TerminalGuard &) = delete;
    TerminalGuard &operator=(const TerminalGuard &) = delete;

    int inputFd() const { return inFd_; }
    void restore();   // idempotent

private:
    TerminalGuard() = default;
    int outFd_ = -1;
    int inFd_ = -1;
    UniqueFd ownIn_;   // /dev/tty when opened here
    bool active_ = false;
};

} // namespace qv::tui
