// Navigator: what a step, a go-to, a keyframe jump or a seek needs, worked
// out from the frame on screen, the packet index and what the step cache
// holds. Pure (display thread; tested with a fake index): it returns an
// action and the display stage carries it out.
//
// - Forward steps take the next frame the pipeline brings (or the cache's).
// - Back-steps come from the step cache; on a miss, the cache filler (a
//   second decoder at low priority) decodes the GOP up to the frame, so the
//   main pipeline keeps its place for forward steps and resuming.
// - Go-to, keyframe jumps and seeks go through the main pipeline (an exact
//   seek by ordinal with the index, by time without it).
#pragma once

#include <cstdint>
#include <functional>

namespace qv {

// What the navigator asks of an index (PacketIndex has it; tests fake it).
class FrameIndex {
public:
    virtual ~FrameIndex() = default;
    virtual int64_t frameCount() const = 0;
    virtual int64_t ptsNsOf(int64_t ordinal) const = 0;
    virtual int64_t ordinalAt(int64_t ns) const = 0;
    virtual int64_t prevKey(int64_t ordinal) const = 0;   // the last keyframe before ordinal, -1: none
    virtual int64_t nextKey(int64_t ordinal) const = 0;   // the first keyframe after ordinal, -1: none
    // The first ordinal there is: 0 for a file, where a live window starts.
    virtual int64_t firstOrdinal() const { return 0; }
};

struct NavFrame {
    bool valid = false;       // a frame is on screen
    int64_t ordinal = 0;
    bool exact = false;       // its ordinal is exact (from the index)
    int64_t ptsNs = 0;
    int64_t durationNs = 0;
};

struct NavAction {
    enum class Kind {
        Nothing,      // only a message, if any
        ShowCached,   // present `ordinal` from the step cache now
        Seek,         // an exact (or keyframe) seek of the main pipeline
        Fill,         // the cache filler decodes up to `ordinal`, which is then shown
    } kind = Kind::Nothing;
    int64_t ordinal = -1;       // ShowCached, Fill: the frame; Seek: its ordinal (-1: by time)
    int64_t timeNs = 0;         // Seek: the target time
    bool exact = true;          // Seek: land on the frame (else on the keyframe before)
    bool stepPending = false;   // a frame must be shown although paused
    int64_t stepTarget = -1;    // and it must be this ordinal (-1: the next that comes)
    const char *message = nullptr;
    bool answerNow = false;     // nothing will be shown: answer whoever waits for a frame
};

class Navigator {
public:
    using Cached = std::function<bool(int64_t ordinal)>;
    Navigator(const FrameIndex *index, Cached cached) : idx_(index), cached_(std::move(cached)) {}
    void setIndex(const FrameIndex *index) { idx_ = index; }
    // A live source or a pipe (issue 14): the pipeline cannot seek. The
    // index, when there is one, is its window (set while paused), which
    // starts at firstOrdinal() and grows: a paused go-to, keyframe jump or
    // seek inside it is a fill; anything else only says why not.
    void setLive(bool live) { live_ = live; }
    bool live() const { return live_; }

    NavAction stepForward(const NavFrame &cur) const;
    NavAction stepBack(const NavFrame &cur) const;
    NavAction gotoOrdinal(int64_t ordinal, bool paused) const;
    NavAction jumpKey(const NavFrame &cur, bool forward, bool paused) const;
    // A relative seek from the frame on screen (exact or to a keyframe).
    NavAction seekBy(const NavFrame &cur, int64_t deltaNs, bool exact, bool paused, int64_t durationNs) const;
    NavAction seekTo(const NavFrame &cur, int64_t ns, bool exact, bool paused, int64_t durationNs) const;
    NavAction first(bool paused) const;
    NavAction last(bool paused) const;

    // The GOP of an ordinal: its keyframe (0 when none before).
    int64_t gopOf(int64_t ordinal) const;
    bool exactHere(const NavFrame &cur) const { return cur.valid && cur.exact && idx_ && idx_->frameCount() > 0; }

private:
    NavAction byTime(int64_t target, bool exact, bool paused) const;
    const FrameIndex *idx_;
    Cached cached_;
    bool live_ = false;
};

} // namespace qv
