// The display stage's side of trick play (trick.h): the speed, the
// keyframes the decode stage walks to, the stop at the start going back.
#include "display_stage.h"

#include "qv/pipeline/trick.h"

#include <algorithm>
#include <cmath>

namespace qv {

bool DisplayStage::trickNow() const {
    return isTrickSpeed(clock_.speed()) && fileIndex() && index_.get()->frameCount() > 0;
}

void DisplayStage::setSpeed(double s) {
    s = clampSpeed(s);
    const bool was = trickNow();
    if (isTrickSpeed(s) && !(fileIndex() && index_.get()->frameCount() > 0)) {
        // Keyframes are found and timed through the packet index (a pipe or
        // a live source has none; a file's comes within a second or so).
        say("trick play (past 4x, backwards) needs the packet index");
        if (s < 0) return;
        s = kTrickAbove;
        if (clock_.speed() == s) return;
    }
    const int64_t now = monotonicNs();
    // From one trick speed to another the clock goes on from where it is
    // (keyframes it asked for may still be on their way); else from the
    // frame on screen.
    clock_.setSpeed(s, now, was && clock_.anchored() && !paused_ ? clock_.positionAt(now) : current_.info.ptsNs);
    char m[48];
    if (isTrickSpeed(s)) {
        // Keyframes from the frame on screen on, without sound.
        if (!clock_.anchored() && current_.frame) clock_.anchor(now, current_.info.ptsNs);
        if (audio_) audio_->setPaused(true);
        formatTrick(s, m, sizeof m);
    } else {
        if (audio_) {
            // The sound restarts at the next frame, resampled for the new speed.
            audio_->setSpeed(s);
            clock_.reset();
        }
        // Out of trick play while playing: every frame again from the one on
        // screen (the pipeline was landing on keyframes), the sound with it.
        if (was && !paused_ && !stepPending_ && current_.frame && current_.info.ordinalExact)
            navigate(nav_.gotoOrdinal(current_.info.ordinal, false));
        std::snprintf(m, sizeof m, "speed %.2fx", s);
    }
    status_.say(m, monotonicNs());
    publishClock();
}

bool DisplayStage::handleTrick(Head &h) {
    Item it;
    sh_.toDisplay.tryPop(it);
    FrameRef &f = std::get<FrameRef>(it);
    if (f.info.ordinalExact) lastPipelineOrdinal_ = f.info.ordinal;
    const int64_t now = monotonicNs();
    if (!f.info.trick) {
        // Decoded before trick play began (or while paused in it): the
        // keyframes the decode stage walks to come instead.
        sh_.stats.trickDropped.fetch_add(1, std::memory_order_relaxed);
        log_.write("dropped-trick", f.info, now);
        recycle(f);
        h = Head::Again;
        return true;
    }
    // A terminal link that cannot take a frame now (an SSH link, the
    // governor) drops it: the next keyframe comes soon.
    if (DisplayLink *link = display_.link()) {
        const bool ready = link->ready(now);
        link->decided(now, ready);
        if (!ready) {
            sh_.stats.droppedLink.fetch_add(1, std::memory_order_relaxed);
            log_.write("dropped-link", f.info, now);
            recycle(f);
            h = Head::Again;
            return true;
        }
    }
    // The decode stage asked for it when the clock reached its stretch:
    // shown as it comes. Not timed (no A/V pair: the sound is off).
    h = presentFrame(f, now, clock_.deadline(f.info.ptsNs), false) ? Head::Again : Head::Stop;
    return true;
}

void DisplayStage::tickTrick(int64_t now, int64_t &timeoutNs) {
    if (paused_ || stepPending_ || !clock_.anchored() || clock_.speed() > 0 || !trickNow()) return;
    // Backwards: at the first frame's time, pause there at 1x.
    const int64_t at = clock_.deadline(index_.get()->ptsNsOf(0));
    const bool onFirst = current_.frame && current_.info.ordinalExact && current_.info.ordinal == 0;
    const int64_t until = onFirst ? at : at + 500000000;   // the first keyframe may still be on its way
    if (now < until) {
        timeoutNs = timeoutNs < 0 ? until - now : std::min(timeoutNs, until - now);
        return;
    }
    pause();
    setSpeed(1.0);
    say("start of file: paused, speed 1x");
}

} // namespace qv
