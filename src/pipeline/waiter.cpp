#include "qv/pipeline/waiter.h"

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace qv {
namespace {
long futex(std::atomic<uint32_t> *addr, int op, uint32_t val, const timespec *ts) {
    static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
    return ::syscall(SYS_futex, reinterpret_cast<uint32_t *>(addr), op, val, ts, nullptr, 0);
}
} // namespace

Waiter::Waiter() = default;

Waiter::~Waiter() {
    int fd = efd_.load();
    if (fd >= 0) ::close(fd);
}

int Waiter::eventFd() {
    int fd = efd_.load(std::memory_order_acquire);
    if (fd >= 0) return fd;
    int nfd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int expected = -1;
    if (!efd_.compare_exchange_strong(expected, nfd)) {
        ::close(nfd);
        return expected;
    }
    return nfd;
}

void drainEventFd(int fd) {
    uint64_t v;
    while (fd >= 0 && ::read(fd, &v, sizeof v) == sizeof v) {
    }
}

void Waiter::drainEventFd() { qv::drainEventFd(efd_.load(std::memory_order_acquire)); }

void Waiter::wait(uint32_t seen, int64_t timeoutNs) {
    timespec ts{};
    const timespec *tsp = nullptr;
    if (timeoutNs >= 0) {
        ts.tv_sec = timeoutNs / 1000000000;
        ts.tv_nsec = timeoutNs % 1000000000;
        tsp = &ts;
    }
    // Returns at once with EAGAIN when seq_ already moved on.
    futex(&seq_, FUTEX_WAIT_PRIVATE, seen, tsp);
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
}

void Waiter::wake() {
    futex(&seq_, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr);
    int fd = efd_.load(std::memory_order_acquire);
    if (fd >= 0) {
        uint64_t one = 1;
        ssize_t r = ::write(fd, &one, sizeof one);
        (void)r;
    }
}

} // namespace qv
