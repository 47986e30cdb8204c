// EncodeChain: what a terminal display shares with its encode stage (the
// layout to encode for and the screen's epoch, qv/display/wire.h), and the
// encode thread's side of the chain of diffs. One small lock, taken once a
// frame by each side.
#pragma once

#include "qv/display/wire.h"

#include <cstdint>
#include <mutex>

namespace qv {

template <class Layout>   // a value with a uint64_t epoch member
class EncodeChain {
public:
    // Display thread: l, with a new epoch (set in l), is what the encode
    // stage encodes for from now on; its next frame starts whole.
    uint64_t publish(Layout &l) {
        std::lock_guard<std::mutex> lk(m_);
        l.epoch = ++epochs_;
        shared_ = l;
        return l.epoch;
    }
    // Encode thread, per frame: the layout to encode for.
    Layout layout() {
        std::lock_guard<std::mutex> lk(m_);
        return shared_;
    }
    // Encode thread, once the frame is known to fit l: whether it starts the
    // chain again (whole: a new epoch, or the chain broke); newEpoch: the
    // encoder lays itself out again. A frame that does not fit (scaled for
    // another layout) must not get here: it would end the old epoch.
    bool start(const Layout &l, bool &newEpoch) {
        newEpoch = l.epoch != encEpoch_;
        const bool whole = newEpoch || broken_;
        encEpoch_ = l.epoch;
        broken_ = false;
        return whole;
    }
    // Encode thread: a wire it made was thrown away before the display saw it.
    void broken() { broken_ = true; }

private:
    std::mutex m_;
    Layout shared_;
    uint64_t epochs_ = 0;
    // Encode thread.
    uint64_t encEpoch_ = 0;
    bool broken_ = false;
};

// Display thread: what to do with a frame's wire (or none). Write it as it
// is; or draw the frame here, whole, and start a new epoch (what follows
// from the encode stage must not diff against its own last frame any
// more), except for a wire of an older epoch: the encoder is starting the
// new one whole anyway.
enum class WireUse { Write, DrawHere, DrawHereNewEpoch };
inline WireUse wireUse(const Wire *w, const void *owner, uint64_t epoch, bool encodeStageOn) {
    if (!encodeStageOn) return WireUse::DrawHere;
    const bool ours = w && w->owner == owner;
    if (ours && w->epoch == epoch && !w->written) return WireUse::Write;
    return ours && w->epoch < epoch ? WireUse::DrawHere : WireUse::DrawHereNewEpoch;
}

} // namespace qv
