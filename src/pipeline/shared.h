// What the pipeline's threads share: the links, the seek request, the
// published clock, the scale target, the counters. Written by one side,
// read by the others, through atomics or one small lock per value; no stage
// ever takes another stage's lock.
#pragma once

#include "frame_log.h"
#include "items.h"
#include "live.h"
#include "qv/display/display.h"
#include "qv/media/scaler.h"
#include "qv/pipeline/waiter.h"
#include "qv/sync/clock.h"

#include <atomic>
#include <cstdint>
#include <mutex>

namespace qv {

enum Stage { kDemux, kDecode, kScale, kEncode, kDisplay, kStages };
inline const char *const kStageNames[kStages] = {"demux", "decode", "scale", "encode", "display"};

struct PipelineStats {
    std::atomic<int64_t> presented{0};
    std::atomic<int64_t> droppedLate{0};        // late at the display
    std::atomic<int64_t> droppedEarlyLate{0};   // late before scaling (the scale stage)
    std::atomic<int64_t> droppedStale{0};
    std::atomic<int64_t> droppedLink{0};        // the terminal link could not take it
    std::atomic<int64_t> notShown{0};           // the display could not show it (buffers busy, VT away)
    std::atomic<int64_t> droppedBehind{0};      // --latency=low: a newer frame was already there
    std::atomic<int64_t> skippedToTarget{0};
    std::atomic<int64_t> reseeks{0};            // exact seeks that landed late and went further back
    std::atomic<int64_t> cacheFilled{0};        // frames decoded for the step cache
    std::atomic<int64_t> backgroundFilled{0};   // of those, while paused, before any back-step asked
    std::atomic<int64_t> cacheHits{0};          // steps served from the step cache
    std::atomic<int64_t> resyncs{0};
    std::atomic<int64_t> shedUps{0}, shedDowns{0};   // decoder shedding level changes
    std::atomic<int64_t> keySkips{0};           // catch-up skips to a keyframe
    std::atomic<int64_t> trickShown{0};         // trick play: keyframes handed on
    std::atomic<int64_t> trickSkipped{0};       // keyframes the clock passed while another was decoded
    std::atomic<int64_t> trickDropped{0};       // other frames the display dropped while in trick play
    std::atomic<int> shedLevel{0};              // now
    std::atomic<int> shedMax{0};                // highest reached
    std::atomic<int64_t> busyNs[kStages] = {};
    std::atomic<int64_t> scaleCpuNs{0}, scaled{0};   // qv-scale's thread CPU time in convert(), frames
    std::atomic<int64_t> scaleNs{0};                  // what one conversion takes now (an average)
    std::atomic<int64_t> encodeCpuNs{0}, encoded{0};   // qv-encode: thread CPU time in encode(), frames
    std::atomic<int64_t> encodeNs{0};                  // what one encoding takes now (an average)
    std::atomic<int64_t> encodeBare{0};                // frames passed on without a wire (none free, other layout)
    std::atomic<int64_t> droppedBeforeEncode{0};       // late before encoding (the encode stage)
};

// A seek, published as one value (the display stage writes, the decode
// stage reads when the serial moves).
struct SeekRequest {
    int64_t targetNs = 0;
    bool exact = false;
    int64_t ordinal = -1;      // exact target by ordinal (with the index)
    bool fill = false;         // keep the frames decoded on the way (step cache)
    bool background = false;   // a fill while paused, before anyone asked
};

class SeekCell {
public:
    uint32_t publish(const SeekRequest &r) {
        std::lock_guard<std::mutex> lk(m_);
        req_ = r;
        const uint32_t s = serial_.load(std::memory_order_relaxed) + 1;
        serial_.store(s, std::memory_order_release);
        return s;
    }
    uint32_t serial() const { return serial_.load(std::memory_order_acquire); }
    SeekRequest load(uint32_t &serial) const {
        std::lock_guard<std::mutex> lk(m_);
        serial = serial_.load(std::memory_order_relaxed);
        return req_;
    }

private:
    mutable std::mutex m_;
    SeekRequest req_;
    std::atomic<uint32_t> serial_{0};
};

// The scale target as one atomic word: written by the display stage on
// (re)configure, read by the scale stage per frame.
inline uint64_t packTarget(const ScaleTarget &t) {
    return (uint64_t(uint16_t(t.width)) << 48) | (uint64_t(uint16_t(t.height)) << 32) |
           (uint64_t(uint16_t(t.pixFmt + 1)) << 16) | (uint64_t(uint8_t(t.orientation)) << 8) | uint64_t(uint8_t(t.quality));
}
inline ScaleTarget unpackTarget(uint64_t v) {
    ScaleTarget t;
    t.width = int((v >> 48) & 0xffff);
    t.height = int((v >> 32) & 0xffff);
    t.pixFmt = int((v >> 16) & 0xffff) - 1;
    t.orientation = static_cast<Orientation>((v >> 8) & 0xff);
    t.quality = static_cast<ScaleQuality>(v & 0xff);
    return t;
}

struct Shared {
    Link toScale, toEncode, toDisplay;
    // Frame shells back to the decoder: one ring per stage that drops
    // frames (each ring has one producer and one consumer).
    ShellRing shells;                    // from the display stage
    ShellRing scaleShells;               // from the scale stage (dropped early)
    ShellRing encodeShells;              // from the encode stage (dropped before encoding)
    SeekCell seek;
    ClockCell clock;                     // the display stage's clock, for shedding and early drops
    std::atomic<uint64_t> target{0};     // packed ScaleTarget
    std::atomic<FrameSink *> sink{nullptr};
    std::atomic<bool> configured{false}; // the display published its first target
    std::atomic<bool> primeDirect{false}; // DRM PRIME frames go to the display as they are (kms planes)
    std::atomic<bool> primeRefused{false}; // the display refused one: never again (frames downloaded)
    Waiter configuredWait;
    std::atomic<bool> quit{false};
    Waiter control;                      // the decode stage waits on it after the end and in trick play
    PipelineStats stats;
    LiveStats live;                      // a source's silences (the demux stage writes)
    FrameLog *log = nullptr;             // --frame-log (any thread may write a line)

    bool stale(uint32_t serial) const { return serial != seek.serial(); }
    // The decoder's side of the shell rings: a shell from any of them.
    bool takeShell(AvFramePtr &f) { return shells.tryPop(f) || scaleShells.tryPop(f) || encodeShells.tryPop(f); }
    // Until the display stage has configured the display (or qv quits).
    void waitConfigured() {
        while (!configured.load(std::memory_order_acquire) && !quit.load(std::memory_order_acquire)) {
            const uint32_t seen = configuredWait.prepare();
            if (configured.load(std::memory_order_acquire) || quit.load(std::memory_order_acquire)) {
                configuredWait.cancel();
                break;
            }
            configuredWait.wait(seen);
        }
    }
    void wakeAll() {
        toScale.wakeAll();
        toEncode.wakeAll();
        toDisplay.wakeAll();
        control.notify();
    }
    void abortAll() {
        configuredWait.notify();
        toScale.abort();
        toEncode.abort();
        toDisplay.abort();
        shells.abort();
        scaleShells.abort();
        encodeShells.abort();
        control.notify();
    }
};

} // namespace qv
