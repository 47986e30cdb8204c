// SpscRing: a bounded lock-free single-producer single-consumer ring.
//
// Contract
// - Exactly one producer thread calls push/tryPush, exactly one consumer
//   thread calls pop/tryPop/peek. Capacity is fixed at compile time and is
//   the memory bound and the back-pressure of a pipeline link.
// - Head and tail are atomics with acquire/release ordering; blocking waits
//   sleep on a Waiter (futex, or an eventfd the consumer can poll()).
// - close(): the producer is done; the consumer drains what is left, then
//   pop returns false. abort(): both sides return at once, items are left
//   to the destructor.
// - A blocking push or pop can also be cut short by a caller predicate
//   (e.g. "the pipeline serial changed"); whoever changes what the predicate
//   reads calls wakeAll().
#pragma once

#include "qv/pipeline/waiter.h"

#include <array>
#include <atomic>
#include <cstddef>
#include <optional>
#include <utility>

namespace qv {

template <typename T, size_t N>
class SpscRing {
    static_assert(N >= 1, "capacity must be at least 1");

public:
    static constexpr size_t kCapacity = N;

    // Non-blocking. False when full (value is left untouched) or aborted.
    bool tryPush(T &value) {
        if (aborted_.load(std::memory_order_acquire)) return false;
        const size_t tail = tail_.load(std::memory_order_relaxed);
        const size_t head = head_.load(std::memory_order_acquire);
        if (tail - head >= N) return false;
        slots_[tail % N].emplace(std::move(value));
        tail_.store(tail + 1, std::memory_order_release);
        noteDepth(tail + 1 - head);
        dataWaiter_.notify();
        return true;
    }

    // Blocking push. Returns false when aborted or when cancel() says so.
    template <typename Cancel>
    bool push(T &value, Cancel &&cancel) {
        for (;;) {
            if (tryPush(value)) return true;
            if (aborted_.load(std::memory_order_acquire) || cancel()) return false;
            uint32_t seen = spaceWaiter_.prepare();
            if (!full() || aborted_.load(std::memory_order_acquire) || cancel()) {
                spaceWaiter_.cancel();
                continue;
            }
            spaceWaiter_.wait(seen);
        }
    }
    bool push(T &value) { return push(value, [] { return false; }); }
    bool push(T &&value) { return push(value); }

    // Non-blocking pop.
    bool tryPop(T &out) {
        const size_t head = head_.load(std::memory_order_relaxed);
        const size_t tail = tail_.load(std::memory_order_acquire);
        if (head == tail) return false;
        std::optional<T> &slot = slots_[head % N];
        out = std::move(*slot);
        slot.reset();
        head_.store(head + 1, std::memory_order_release);
        spaceWaiter_.notify();
        return true;
    }

    // The item pop would return next, or nullptr. Consumer only.
    T *peek() {
        const size_t head = head_.load(std::memory_order_relaxed);
        const size_t tail = tail_.load(std::memory_order_acquire);
        if (head == tail) return nullptr;
        return &*slots_[head % N];
    }

    // Blocking pop. False when closed and drained, aborted, or cancelled.
    template <typename Cancel>
    bool pop(T &out, Cancel &&cancel) {
        for (;;) {
            if (aborted_.load(std::memory_order_acquire)) return false;
            if (tryPop(out)) return true;
            if (closed_.load(std::memory_order_acquire)) {
                return tryPop(out);   // a last item may have raced the close
            }
            if (cancel()) return false;
            uint32_t seen = dataWaiter_.prepare();
            if (!empty() || closed_.load(std::memory_order_acquire) ||
                aborted_.load(std::memory_order_acquire) || cancel()) {
                dataWaiter_.cancel();
                continue;
            }
            dataWaiter_.wait(seen);
        }
    }
    bool pop(T &out) { return pop(out, [] { return false; }); }

    void close() {
        closed_.store(true, std::memory_order_release);
        dataWaiter_.notify();
    }
    void abort() {
        aborted_.store(true, std::memory_order_release);
        wakeAll();
    }
    void wakeAll() {
        dataWaiter_.notify();
        spaceWaiter_.notify();
    }

    bool empty() const {
        return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire);
    }
    bool full() const {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire) >= N;
    }
    size_t size() const {
        return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
    }
    bool closed() const { return closed_.load(std::memory_order_acquire); }
    bool aborted() const { return aborted_.load(std::memory_order_acquire); }
    size_t highWater() const { return highWater_.load(std::memory_order_relaxed); }

    // For a consumer that sleeps in poll(): the data side's waiter.
    Waiter &dataWaiter() { return dataWaiter_; }

private:
    void noteDepth(size_t d) {
        if (d > highWater_.load(std::memory_order_relaxed))
            highWater_.store(d, std::memory_order_relaxed);   // producer-only writer
    }

    std::array<std::optional<T>, N> slots_{};
    alignas(64) std::atomic<size_t> head_{0};
    alignas(64) std::atomic<size_t> tail_{0};
    alignas(64) std::atomic<bool> closed_{false};
    std::atomic<bool> aborted_{false};
    std::atomic<size_t> highWater_{0};
    Waiter dataWaiter_;
    Waiter spaceWaiter_;
};

} // namespace qv
