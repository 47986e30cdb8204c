#include "qv/pipeline/navigator.h"

#include <algorithm>

namespace qv {

int64_t Navigator::gopOf(int64_t ordinal) const {
    if (!idx_) return -1;
    const int64_t k = idx_->prevKey(ordinal + 1);
    return k < 0 ? idx_->firstOrdinal() : k;
}

NavAction Navigator::stepForward(const NavFrame &cur) const {
    NavAction a;
    a.stepPending = true;
    if (!exactHere(cur)) return a;   // whatever frame comes next
    const int64_t want = cur.ordinal + 1;
    if (want >= idx_->frameCount() && !live_) {   // (a live source's next frame is on its way)
        a.stepPending = false;
        a.message = "last frame";
        a.answerNow = true;
        return a;
    }
    if (cached_(want)) {
        a.kind = NavAction::Kind::ShowCached;
        a.ordinal = want;
        a.stepPending = false;
        return a;
    }
    a.stepTarget = want;
    return a;
}

NavAction Navigator::stepBack(const NavFrame &cur) const {
    NavAction a;
    if (!cur.valid) return a;
    if (!exactHere(cur)) {
        // No index yet: an exact seek by time to the frame before.
        if (cur.ptsNs <= 0) {
            a.message = "first frame";
            a.answerNow = true;
            return a;
        }
        a = byTime(cur.ptsNs - std::max<int64_t>(cur.durationNs, 1) / 2 - 1, true, true);
        if (a.kind == NavAction::Kind::Seek) a.message = "back-step by time (index not ready)";
        return a;
    }
    const int64_t want = cur.ordinal - 1;
    if (want < idx_->firstOrdinal()) {
        a.message = live_ ? "start of the live window" : "first frame";
        a.answerNow = true;
        return a;
    }
    a.ordinal = want;
    if (cached_(want)) {
        a.kind = NavAction::Kind::ShowCached;
        return a;
    }
    // First press in this GOP: the filler decodes from its keyframe to want
    // once and keeps every frame on the way.
    a.kind = NavAction::Kind::Fill;
    a.stepPending = true;
    a.stepTarget = want;
    return a;
}

NavAction Navigator::gotoOrdinal(int64_t ordinal, bool paused) const {
    NavAction a;
    if (!idx_ || idx_->frameCount() <= 0) {
        a.message = "go to frame waits for the packet index";
        a.answerNow = true;
        return a;
    }
    ordinal = std::clamp<int64_t>(ordinal, idx_->firstOrdinal(), std::max(idx_->frameCount() - 1, idx_->firstOrdinal()));
    a.ordinal = ordinal;
    if (paused && cached_(ordinal)) {
        a.kind = NavAction::Kind::ShowCached;
        return a;
    }
    if (live_ && !paused) {
        a.message = "a live source plays on: pause to step or go to a frame in its window";
        a.answerNow = true;
        return a;
    }
    if (live_) {
        // Inside the window: the cache filler decodes it from the packets
        // received (the pipeline cannot go back).
        a.kind = NavAction::Kind::Fill;
        a.stepPending = true;
        a.stepTarget = ordinal;
        return a;
    }
    a.kind = NavAction::Kind::Seek;
    a.timeNs = idx_->ptsNsOf(ordinal);
    a.exact = true;
    a.stepPending = paused;
    a.stepTarget = paused ? ordinal : -1;
    return a;
}

NavAction Navigator::jumpKey(const NavFrame &cur, bool forward, bool paused) const {
    NavAction a;
    if (!exactHere(cur)) {
        a.message = "keyframe jumps wait for the packet index";
        a.answerNow = true;
        return a;
    }
    const int64_t k = forward ? idx_->nextKey(cur.ordinal) : idx_->prevKey(cur.ordinal);
    if (k < 0) {
        a.message = forward ? "no keyframe after this one" : "no keyframe before this one";
        a.answerNow = true;
        return a;
    }
    return gotoOrdinal(k, paused);
}

NavAction Navigator::byTime(int64_t target, bool exact, bool paused) const {
    NavAction a;
    if (live_) {
        // A seek by time on a source read once lands nowhere it can show
        // (the demuxer re-reads what it still buffers, or nothing).
        a.message = "a live source cannot seek: pause, then step back into its window (--live-window)";
        a.answerNow = true;
        return a;
    }
    a.kind = NavAction::Kind::Seek;
    a.timeNs = target;
    a.exact = exact;
    a.stepPending = paused;   // show where it landed, stay paused
    return a;
}

NavAction Navigator::seekBy(const NavFrame &cur, int64_t deltaNs, bool exact, bool paused, int64_t durationNs) const {
    int64_t target = cur.ptsNs + deltaNs;
    if (durationNs > 0 && target > durationNs) target = durationNs - 1;
    if (target < 0) target = 0;
    if (exactHere(cur)) {
        // With the index every seek is by ordinal; a keyframe seek picks the
        // keyframe itself (forward: never one before the frame on screen), so
        // MPEG-TS keyframe seeks cannot land mid-GOP.
        int64_t o = idx_->ordinalAt(target);
        if (!exact) {
            int64_t k = idx_->prevKey(o + 1);
            if (deltaNs > 0 && k <= cur.ordinal) k = idx_->nextKey(cur.ordinal);
            if (k < 0) k = deltaNs > 0 ? idx_->frameCount() - 1 : 0;
            o = k;
        }
        return gotoOrdinal(o, paused);
    }
    return byTime(target, exact, paused);
}

NavAction Navigator::seekTo(const NavFrame &cur, int64_t ns, bool exact, bool paused, int64_t durationNs) const {
    return seekBy(cur, ns - (cur.valid ? cur.ptsNs : 0), exact, paused, durationNs);
}

NavAction Navigator::first(bool paused) const {
    if (idx_ && idx_->frameCount() > idx_->firstOrdinal()) return gotoOrdinal(idx_->firstOrdinal(), paused);
    return byTime(0, true, paused);
}

NavAction Navigator::last(bool paused) const {
    if (!idx_ || idx_->frameCount() <= 0) {
        NavAction a;
        a.message = "the last frame needs the packet index";
        a.answerNow = true;
        return a;
    }
    return gotoOrdinal(idx_->frameCount() - 1, paused);
}

} // namespace qv
