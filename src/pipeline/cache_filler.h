// CacheFiller (thread qv-fill): a second demuxer and decoder on the same
// file, at low priority, that decodes a GOP from its keyframe up to a frame
// and hands every frame on the way (scaled for the display) to the display
// stage for its step cache. Back-steps use it, and so does the display stage
// while paused, before anyone asks (so the first back-step in a GOP is as
// fast as the next ones). The main pipeline keeps its place meanwhile, so
// forward steps and resuming cost nothing extra.
//
// Two of them: one at normal priority for back-steps the user asked for,
// one at low priority (nice 10; its decoder's threads inherit it) for the
// fill while paused, which must never slow anything else down.
//
// A live source (a camera, a network stream, a pipe) cannot be read again:
// there the filler decodes from a snapshot of the LiveWindow, the packets
// the demux stage received lately, with a decoder opened up front from the
// playing demuxer's stream.
//
// Display thread: fill(), cancel(), take(), busy(); the worker: the rest.
#pragma once

#include "qv/media/frame.h"
#include "qv/media/live_window.h"
#include "qv/media/video_decoder.h"
#include "qv/media/packet_index.h"
#include "qv/media/scaler.h"
#include "qv/pipeline/spsc_ring.h"
#include "qv/pipeline/waiter.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace qv {

class CacheFiller {
public:
    CacheFiller(std::string path, bool useMmap, bool background);
    // A live source: its packets come with each job (fill's snapshot); the
    // decoder is opened now, from d's video stream (before the demux stage
    // reads from it).
    CacheFiller(const Demuxer &d, bool background);
    ~CacheFiller();

    // Decode from the keyframe that `last` decodes from up to `last`, and
    // hand over the frames from firstKept to last. Replaces any job. live:
    // the packets (idx is its index), for the live constructor.
    void fill(std::shared_ptr<const PacketIndex> idx, int64_t firstKept, int64_t last, const ScaleTarget &target,
              std::shared_ptr<const LiveSnapshot> live = nullptr);
    void cancel();
    bool busy() const { return busy_.load(std::memory_order_acquire); }
    // A frame for the cache (its info.ordinal exact), false when none yet.
    bool take(FrameRef &out) { return out_.tryPop(out); }
    // A frame waits to be taken (checked after readyWaiter().prepare()).
    bool hasOutput() const { return !out_.empty(); }
    Waiter &readyWaiter() { return out_.dataWaiter(); }
    int64_t decoded() const { return decoded_.load(std::memory_order_relaxed); }

private:
    void run();
    bool cancelled(uint64_t job) const { return quit_.load() || job_.load(std::memory_order_acquire) != job; }

    std::string path_;
    bool useMmap_;
    bool background_;
    std::mutex m_;
    std::shared_ptr<const PacketIndex> idx_;
    std::shared_ptr<const LiveSnapshot> snap_;
    std::unique_ptr<VideoDecoder> liveDec_;   // the live constructor's, until run() takes it
    bool live_ = false;
    ScaleTarget target_;
    int64_t first_ = -1, last_ = -1;
    std::atomic<uint64_t> job_{0};
    std::atomic<bool> busy_{false}, quit_{false};
    std::atomic<int64_t> decoded_{0};
    Waiter wake_;
    SpscRing<FrameRef, 8> out_;
    std::thread thread_;
};

} // namespace qv
