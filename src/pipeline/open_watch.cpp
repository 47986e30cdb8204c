#include "open_watch.h"

#include "qv/sync/clock.h"

#include <csignal>
#include <cstdint>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qv {

OpenWatch::OpenWatch(int sigFd, int64_t timeoutNs, std::atomic<bool> &interrupt, int keysFd)
    : sigFd_(sigFd), keysFd_(keysFd), interrupt_(interrupt), stopFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (keysFd_ >= 0 && ::tcgetattr(keysFd_, &saved_) == 0) {
        // One key at a time, not echoed; Ctrl-C still a signal (ISIG kept).
        haveSaved_ = true;
        struct termios t = saved_;
        t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
        t.c_cc[VMIN] = 0;
        t.c_cc[VTIME] = 0;
        ::tcsetattr(keysFd_, TCSANOW, &t);
    } else {
        keysFd_ = -1;
    }
    const int64_t deadline = timeoutNs > 0 ? monotonicNs() + timeoutNs : -1;
    thread_ = std::thread([this, deadline] { run(deadline); });
}

OpenWatch::~OpenWatch() { stop(); }

void OpenWatch::stop() {
    if (!thread_.joinable()) return;
    const uint64_t one = 1;
    (void)!::write(stopFd_.get(), &one, sizeof one);
    thread_.join();
    if (haveSaved_) ::tcsetattr(keysFd_, TCSADRAIN, &saved_);
    haveSaved_ = false;
}

// q, Q, or an ESC on its own (not the start of an arrow key's sequence).
bool OpenWatch::readKeys(int fd) {
    char buf[32];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    if (n == 1 && buf[0] == 0x1b) return true;
    for (ssize_t i = 0; i < n; ++i)
        if (buf[i] == 'q' || buf[i] == 'Q') return true;
    return false;
}

void OpenWatch::run(int64_t deadline) {
    pthread_setname_np(pthread_self(), "qv-openwatch");
    int keys = keysFd_;
    for (;;) {
        pollfd fds[3] = {{stopFd_.get(), POLLIN, 0}, {sigFd_, POLLIN, 0}, {keys, POLLIN, 0}};
        int ms = -1;
        if (deadline >= 0) {
            const int64_t left = deadline - monotonicNs();
            if (left <= 0) {
                timedOut_ = true;
                interrupt_.store(true, std::memory_order_release);
                return;
            }
            ms = static_cast<int>((left + 999999) / 1000000);
        }
        ::poll(fds, 3, ms);   // a negative fd is left out by poll
        if (fds[0].revents & POLLIN) return;
        if (keys >= 0 && (fds[2].revents & POLLIN) && readKeys(keys)) {
            quit_ = true;
            interrupt_.store(true, std::memory_order_release);
            return;
        }
        if (keys >= 0 && (fds[2].revents & (POLLHUP | POLLERR))) keys = -1;   // the terminal went away
        signalfd_siginfo si;
        if (sigFd_ >= 0 && (fds[1].revents & POLLIN) && ::read(sigFd_, &si, sizeof si) == sizeof si) {
            const int s = static_cast<int>(si.ssi_signo);
            if (s == SIGWINCH) continue;   // nothing is drawn yet
            signal_ = s;
            interrupt_.store(true, std::memory_order_release);
            return;
        }
    }
}

} // namespace qv
