// Waiter: an event count that one side sleeps on and the other side pokes.
// Sleeping is a futex wait, or poll() on an eventfd for a thread that must
// also wait on other descriptors (the display thread). No busy spin, no sleep
// polling: a notify costs one atomic add, plus one syscall only while
// somebody is actually asleep.
//
// Protocol for the waiting side (avoids lost wake-ups):
//   uint32_t seen = w.prepare();      // announce, snapshot the count
//   if (condition already true) { w.cancel(); ... }
//   else w.wait(seen, timeout);       // or poll() on w.eventFd(), then w.cancel()
#pragma once

#include <atomic>
#include <cstdint>

namespace qv {

class Waiter {
public:
    Waiter();
    ~Waiter();
    Waiter(const Waiter &) = delete;
    Waiter &operator=(const Waiter &) = delete;

    // Also signal an eventfd on notify (created on first call, kept).
    int eventFd();
    // Read the eventfd to zero (after poll() said it is readable).
    void drainEventFd();

    uint32_t prepare() {
        waiters_.fetch_add(1, std::memory_order_seq_cst);
        return seq_.load(std::memory_order_seq_cst);
    }
    void cancel() { waiters_.fetch_sub(1, std::memory_order_seq_cst); }
    // Sleep until notified after `seen` was read, or timeoutNs passes
    // (negative: no timeout). Ends the prepare() (no cancel() needed).
    void wait(uint32_t seen, int64_t timeoutNs = -1);

    void notify() {
        seq_.fetch_add(1, std::memory_order_seq_cst);
        if (waiters_.load(std::memory_order_seq_cst) > 0) wake();
    }

private:
    void wake();
    std::atomic<uint32_t> seq_{0};
    std::atomic<int32_t> waiters_{0};
    std::atomic<int> efd_{-1};
};

// Reads an eventfd (non-blocking) until it is empty: its count is reset.
void drainEventFd(int fd);

} // namespace qv
