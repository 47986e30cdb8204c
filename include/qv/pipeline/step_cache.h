// StepCache: frames kept (already scaled for the display) so that stepping
// back inside a GOP costs no decoding. Owned by the display stage; not
// thread-safe.
//
// Budget: the sum of the frames' buffer sizes stays at or under budget().
// Over it, whole GOPs are evicted least recently used first (never the GOP
// being filled); if that one GOP alone is over, its lowest ordinals go
// first (a back-step walks down, so they are needed last).
#pragma once

#include "qv/media/frame.h"

#include <cstdint>
#include <map>

namespace qv {

class StepCache {
public:
    explicit StepCache(int64_t budgetBytes) : budget_(budgetBytes) {}
    // Takes the frame. gop: ordinal of its GOP's keyframe (-1 when unknown).
    void put(FrameRef &&f, int64_t gop);
    // A copy of the reference (the cache keeps its own); false when absent.
    bool get(int64_t ordinal, FrameRef &out);
    bool contains(int64_t ordinal) const { return frames_.count(ordinal) != 0; }
    void clear();

    int64_t bytes() const { return bytes_; }
    int64_t budget() const { return budget_; }
    size_t size() const { return frames_.size(); }
    int64_t evicted() const { return evicted_; }
    static int64_t frameBytes(const FrameRef &f);

private:
    struct Entry {
        FrameRef frame;
        int64_t gop;
        int64_t bytes;
    };
    void evictFor(int64_t gop);
    void erase(std::map<int64_t, Entry>::iterator it);

    int64_t budget_;
    int64_t bytes_ = 0;
    int64_t evicted_ = 0;
    uint64_t clock_ = 0;
    std::map<int64_t, Entry> frames_;      // ordinal -> frame
    std::map<int64_t, uint64_t> gopUse_;   // gop -> last use
};

} // namespace qv
