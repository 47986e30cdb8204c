// OpenWatch: while the main thread opens the input, which for a live source
// may block in a network read for ever, a thread of its own (qv-openwatch)
// reads the signal fd and keeps the --timeout deadline, and sets the flag the
// input's interrupt callback reads. So Ctrl-C, SIGTERM and --timeout end an
// open that would never return (the display stage's poll takes over after).
// (qv info uses it without a signal fd, as the --timeout deadline alone.)
// Given a terminal (keysFd >= 0), it also reads keys for the open's length:
// q or ESC ends it as a quit (the terminal is put in non-canonical, no-echo
// mode, signals kept, and restored by stop()).
//
// Contract: constructed and stopped by the main thread; signal() and
// timedOut() are read after stop(). A signal that came while the open
// succeeded anyway: the caller raises it again (it stays pending in the
// blocked mask, and the display stage reads it from the same signalfd).
#pragma once

#include "qv/core/unique_fd.h"

#include <atomic>
#include <termios.h>
#include <cstdint>
#include <thread>

namespace qv {

class OpenWatch {
public:
    // sigFd: the player's signalfd; timeoutNs 0: no deadline; keysFd: a
    // terminal to read q and ESC from, or -1.
    OpenWatch(int sigFd, int64_t timeoutNs, std::atomic<bool> &interrupt, int keysFd = -1);
    ~OpenWatch();
    void stop();
    int signal() const { return signal_; }      // 0: none
    bool timedOut() const { return timedOut_; }
    bool quit() const { return quit_; }         // q or ESC while opening

private:
    void run(int64_t deadlineNs);
    static bool readKeys(int fd);
    int sigFd_;
    int keysFd_;
    bool haveSaved_ = false;
    struct termios saved_ {};
    bool quit_ = false;
    std::atomic<bool> &interrupt_;
    UniqueFd stopFd_;
    int signal_ = 0;
    bool timedOut_ = false;
    std::thread thread_;
};

} // namespace qv
