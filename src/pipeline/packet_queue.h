// PacketQueue: compressed packets from the demux stage to one decoder
// (video or audio), in band with the markers of seeks and of the end.
//
// Contract: one producer (qv-demux), one consumer (qv-decode or qv-audio).
// Bounded twice: by slots (the hard bound, fixed at compile time) and by the
// bytes and duration the producer checks before it pushes (DemuxStage's
// flow rule). Every pop pokes the producer's waiter, so a demuxer waiting
// for room wakes as soon as either of its queues drains.
#pragma once

#include "qv/media/packet.h"
#include "qv/pipeline/spsc_ring.h"

#include <atomic>
#include <cstdint>
#include <variant>

namespace qv {

// A seek happened in the demuxer: the packets after it start at the new
// place. serial: the pipeline serial it serves; gen: the demux generation
// (a re-seek of the same serial bumps it).
struct PacketFlush {
    uint32_t serial = 0;
    uint32_t gen = 0;
};
// The end of the input (until the next seek).
struct PacketEnd {
    uint32_t gen = 0;
};
using PacketItem = std::variant<PacketRef, PacketFlush, PacketEnd>;

class PacketQueue {
public:
    static constexpr size_t kSlots = 1024;

    explicit PacketQueue(Waiter &producerWake) : producerWake_(producerWake) {}

    // Producer.
    bool tryPush(PacketItem &it) {
        const int64_t b = bytesOf(it), d = durationOf(it);
        if (!ring_.tryPush(it)) return false;
        bytes_.fetch_add(b, std::memory_order_relaxed);
        duration_.fetch_add(d, std::memory_order_relaxed);
        return true;
    }
    bool full() const { return ring_.full(); }

    // Consumer. pop() sleeps until an item comes, the queue is aborted, or
    // cancel() says stop; waiting() is true while it sleeps.
    bool tryPop(PacketItem &out) {
        if (!ring_.tryPop(out)) return false;
        bytes_.fetch_sub(bytesOf(out), std::memory_order_relaxed);
        duration_.fetch_sub(durationOf(out), std::memory_order_relaxed);
        producerWake_.notify();
        return true;
    }
    template <typename Cancel>
    bool pop(PacketItem &out, Cancel &&cancel) {
        for (;;) {
            if (tryPop(out)) return true;
            if (ring_.aborted() || cancel()) return false;
            waiting_.store(true, std::memory_order_release);
            producerWake_.notify();   // a starving consumer may let the producer past its soft bound
            uint32_t seen = ring_.dataWaiter().prepare();
            if (!ring_.empty() || ring_.aborted() || cancel()) {
                ring_.dataWaiter().cancel();
                waiting_.store(false, std::memory_order_release);
                continue;
            }
            ring_.dataWaiter().wait(seen);
            waiting_.store(false, std::memory_order_release);
        }
    }
    PacketItem *peek() { return ring_.peek(); }

    int64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
    int64_t durationNs() const { return duration_.load(std::memory_order_relaxed); }
    size_t size() const { return ring_.size(); }
    bool empty() const { return ring_.empty(); }
    // The consumer is asleep on an empty queue (it starves).
    bool consumerWaiting() const { return waiting_.load(std::memory_order_acquire); }
    size_t highWater() const { return ring_.highWater(); }

    void abort() { ring_.abort(); }
    void wakeAll() { ring_.wakeAll(); }
    Waiter &dataWaiter() { return ring_.dataWaiter(); }

private:
    static int64_t bytesOf(const PacketItem &it) {
        const auto *p = std::get_if<PacketRef>(&it);
        return p ? p->size : 0;
    }
    static int64_t durationOf(const PacketItem &it) {
        const auto *p = std::get_if<PacketRef>(&it);
        return p ? p->durationNs : 0;
    }

    SpscRing<PacketItem, kSlots> ring_;
    Waiter &producerWake_;
    std::atomic<int64_t> bytes_{0}, duration_{0};
    std::atomic<bool> waiting_{false};
};

} // namespace qv
