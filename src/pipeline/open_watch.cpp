#include "open_watch.h"

#include "qv/sync/clock.h"

#include <csignal>
#include <cstdint>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>

namespace qv {

OpenWatch::OpenWatch(int sigFd, int64_t timeoutNs, std::atomic<bool> &interrupt)
    : sigFd_(sigFd), interrupt_(interrupt), stopFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    const int64_t deadline = timeoutNs > 0 ? monotonicNs() + timeoutNs : -1;
    thread_ = std::thread([this, deadline] { run(deadline); });
}

OpenWatch::~OpenWatch() { stop(); }

void OpenWatch::stop() {
    if (!thread_.joinable()) return;
    const uint64_t one = 1;
    (void)!::write(stopFd_.get(), &one, sizeof one);
    thread_.join();
}

void OpenWatch::run(int64_t deadline) {
    pthread_setname_np(pthread_self(), "qv-openwatch");
    for (;;) {
        pollfd fds[2] = {{stopFd_.get(), POLLIN, 0}, {sigFd_, POLLIN, 0}};
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
        ::poll(fds, sigFd_ >= 0 ? 2 : 1, ms);
        if (fds[0].revents & POLLIN) return;
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
