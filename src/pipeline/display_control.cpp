// The display stage as the controller drives it (PlayerPort), and its
// step-cache keeping: navigation, pause and resume, speed, screenshots, the
// status line, the cache filler.
#include "display_stage.h"

#include "qv/core/log.h"
#include "qv/media/demuxer.h"
#include "qv/media/prime.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstring>

namespace qv {

PlayerSnapshot DisplayStage::snapshot() const {
    PlayerSnapshot s;
    s.frame = current_.info;
    s.haveFrame = current_.frame != nullptr;
    s.paused = paused_;
    s.indexReady = index_.get() != nullptr;
    s.frameCount = s.indexReady ? index_.get()->frameCount() : spec_.frameCountEstimate;
    s.durationNs = spec_.durationNs;
    s.filename = spec_.title;
    const PipelineStats &st = sh_.stats;
    s.presented = st.presented.load();
    s.droppedLink = st.droppedLink.load();
    s.dropped = st.droppedLate.load() + st.droppedEarlyLate.load() + st.droppedBeforeEncode.load() + s.droppedLink + st.notShown.load() +
                st.droppedBehind.load();
    s.decoded = src_.stats().framesDecoded.load();
    s.cacheBytes = cache_.bytes();
    s.cacheFrames = static_cast<int64_t>(cache_.size());
    s.cacheBudget = cache_.budget();
    s.cacheHits = st.cacheHits.load();
    s.speed = clock_.speed();
    s.trick = trickNow();
    s.audio = audio_ != nullptr;
    s.volume = audio_ ? audio_->volume() : 0;
    s.mute = audio_ && audio_->muted();
    s.shedLevel = st.shedLevel.load();
    s.lowLatency = lowLatency_;
    return s;
}

NavFrame DisplayStage::here() const {
    NavFrame f;
    f.valid = current_.frame != nullptr;
    f.ordinal = current_.info.ordinal;
    f.exact = current_.info.ordinalExact;
    f.ptsNs = current_.info.ptsNs;
    f.durationNs = current_.info.durationNs;
    return f;
}

// --latency=low: each frame is shown as soon as it is here, not at its
// time; when newer ones wait behind it, it is skipped (counted): the newest
// is what is shown. The clock follows the frame shown (the decode and scale
// stages see the frames behind it as late and drop them early). The sound,
// when there is one, plays as it comes; the picture does not wait for it.
bool DisplayStage::presentLow(FrameRef &fr, int64_t now, Head &h) {
    Item it;
    sh_.toDisplay.tryPop(it);
    FrameRef &f = std::get<FrameRef>(it);
    if (f.info.ordinalExact) lastPipelineOrdinal_ = f.info.ordinal;
    (void)fr;
    if (sh_.toDisplay.size() > 0 && std::holds_alternative<FrameRef>(*sh_.toDisplay.peek())) {
        sh_.stats.droppedBehind.fetch_add(1, std::memory_order_relaxed);
        log_.write("dropped-behind", f.info, now);
        recycle(f);
        h = Head::Again;
        return true;
    }
    if (!clock_.anchored() && audio_ && opt_.sync && !paused_) audio_->start(f.info.ptsNs, displaySerial_);
    clock_.anchor(now, f.info.ptsNs);
    h = presentFrame(f, now, now, true) ? Head::Again : Head::Stop;
    publishClock();
    return true;
}

void DisplayStage::setLowLatency(bool low) {
    if (low == lowLatency_) return;
    if (low && !opt_.input.empty() && !isLiveUrl(opt_.input) && !isPipeInput(opt_.input)) {
        say("latency: low is for live sources and pipes");   // (a file has none to cut: see main.cpp)
        return;
    }
    lowLatency_ = low;
    showLatency_ = showLatency_ || low;
    // Back to normal: the clock starts again from the next frame (paced by
    // the timestamps from there).
    if (!low) {
        clock_.reset();
        publishClock();
    }
    say(low ? "latency: low" : "latency: normal");
}

void DisplayStage::tickLive(int64_t now, int64_t &timeoutNs) {
    const LiveWait w = liveWait(now, sh_.live.readingSinceNs.load(std::memory_order_relaxed), opt_.timeoutNs);
    if (w.timedOut) {
        char b[96];
        std::snprintf(b, sizeof b, "no data for %g s (--timeout)", opt_.timeoutNs / 1e9);
        return fail(Error::make(ErrorKind::Timeout, b));
    }
    const int64_t secs = w.waitingNs / kGapNs;
    if (secs != liveShownS_) {
        liveShownS_ = secs;
        if (secs > 0) say(waitingText(w.waitingNs));
        else if (status_.messageUntilNs() > 0) {
            status_.expireMessage();   // data again
            redrawStatus();
        }
    }
    if (w.nextCheckNs >= 0) {
        const int64_t left = std::max<int64_t>(w.nextCheckNs - now, 0);
        if (timeoutNs < 0 || left < timeoutNs) timeoutNs = left;
    }
}

void DisplayStage::say(const std::string &message) {
    status_.say(message, monotonicNs());
    redrawStatus();
}

void DisplayStage::showStatus(bool now) {
    if (!caps_.status && !tee_.anyCaps(&DisplayCaps::status)) return;
    StatusExtras x;
    x.fps = fps_.fps();
    x.driftNs = lastDriftNs_;
    x.queues[0] = static_cast<int>(sh_.toScale.size());
    x.queues[1] = encodeStage_ ? static_cast<int>(sh_.toEncode.size()) : -1;
    x.queues[2] = static_cast<int>(sh_.toDisplay.size());
    x.prompt = ctl_.prompt();
    if (showLatency_ && lat_.count() > 0) {
        int64_t m[LatencyLog::kParts];
        lat_.recentMedians(30, m);
        x.latNs = m[LatencyLog::kTotal];
        x.latDecNs = m[LatencyLog::kDecode];
        x.latScaleNs = m[LatencyLog::kScale];
        x.latDispNs = m[LatencyLog::kDisplay];
    }
    const std::string &line = status_.line(snapshot(), x, index_.get(), monotonicNs());
    (void)display_.status(line, now);
    tee_.status(line, now);
}

void DisplayStage::updateStatus() { showStatus(false); }
void DisplayStage::redrawStatus() { showStatus(true); }

void DisplayStage::toggleStatus() { status_.toggle(); }

void DisplayStage::toggleFullscreen() {
    fullscreen_ = !fullscreen_;
    display_.setFullscreen(fullscreen_);
    displayDeadlineNs_ = 0;   // the window's events after the change: look at once
}

void DisplayStage::pollIndex() {
    if (index_.get()) return;
    auto idx = src_.index();
    if (!idx) return;
    index_.set(std::move(idx));
    nav_.setIndex(&index_);
    ctl_.indexReady();
    if (current_.frame) redrawStatus();
}

void DisplayStage::takeShots() {
    uint64_t tag = 0;
    std::string path, error;
    if (shots_.take(tag, path, error)) ctl_.shotDone(tag, path, error);
}

std::string DisplayStage::liveName() const {
    // From the URL's host and path: "udp://127.0.0.1:5000?x=1" -> "udp-127.0.0.1-5000".
    std::string base = opt_.input == "-" ? "stdin" : withoutCredentials(opt_.input);
    if (auto q = base.find('?'); q != std::string::npos) base.resize(q);
    for (char &c : base)
        if (c == '/' || c == ':' || c == '?' || c == '&' || c == '=') c = '-';
    base.erase(std::unique(base.begin(), base.end(), [](char a, char b) { return a == '-' && b == '-'; }), base.end());
    while (!base.empty() && base.front() == '-') base.erase(0, 1);
    if (base.size() > 80) base.resize(80);
    return base.empty() ? "live" : base;
}

bool DisplayStage::screenshot(uint64_t tag, std::string &why) {
    // A display that reads back what it shows (vulkan) saves that picture;
    // the others decode the frame again from the file, full size.
    auto rgb = std::make_shared<std::vector<uint8_t>>();
    int rw = 0, rh = 0;
    if (!current_.frame) {
        why = "no frame on screen";
        return false;
    }
    const bool readBack = display_.readBack(*rgb, rw, rh);
    const FrameInfo i = current_.info;
    // A live source (a URL, a camera, a pipe) is not opened again: its frame
    // comes from the live window's packets, or is the picture as shown.
    const bool live = nav_.live();
    if (!readBack && !live && (opt_.input.empty() || opt_.input == "-" || !current_.frame)) {
        why = "screenshots need a file";
        return false;
    }
    std::string base = opt_.input.empty() ? "demo" : opt_.input;
    if (live) {
        base = liveName();
    } else {
        const char *slash = std::strrchr(opt_.input.c_str(), '/');
        if (slash) base = slash + 1;
        if (auto dot = base.rfind('.'); dot != std::string::npos && dot > 0) base.resize(dot);
    }
    char name[96];
    std::snprintf(name, sizeof name, "-f%06" PRId64 "-pts%.3f.png", i.ordinal, static_cast<double>(i.ptsNs) / 1e9);
    const std::string path = opt_.screenshotDir + "/" + base + name;
    if (live && !readBack) {
        auto snap = liveSnap_ ? liveSnap_ : liveWindow_ ? liveWindow_->snapshot() : nullptr;
        if (!i.ordinalExact) snap.reset();
        if (!shots_.startLive(path, tag, std::move(snap), i.ordinal, spec_, current_.frame.get())) {
            why = "a screenshot is still being written";
            return false;
        }
        say("saving " + path);
        return true;
    }
    ThumbRequest req;
    req.useMmap = opt_.useMmap;
    if (i.ordinalExact && fileIndex()) req.frame = i.ordinal;
    else req.atNs = i.ptsNs;
    if (!shots_.start(opt_.input, path, req, tag, readBack ? rgb : nullptr, rw, rh)) {
        why = "a screenshot is still being written";
        return false;
    }
    say("saving " + path);
    return true;
}

// ---- navigation ----

void DisplayStage::navigate(const NavAction &a) {
    switch (a.kind) {
    case NavAction::Kind::Nothing:
        if (a.stepPending) {
            if (pipelineEnded_) {
                // The pipeline ended for this serial and brings nothing
                // more: a frame the index has is sought (never a wait
                // for ever); past the last one, the end is said.
                if (fileIndex() && a.stepTarget >= 0 && a.stepTarget < index_.get()->frameCount() &&
                    stepSeekIssued_ != a.stepTarget) {
                    stepSeekIssued_ = a.stepTarget;
                    NavAction s = nav_.gotoOrdinal(a.stepTarget, true);
                    if (s.kind != NavAction::Kind::Nothing) {
                        navigate(s);
                        break;
                    }
                }
                say("end of file");
                ctl_.answerWaiting();
                break;
            }
            stepPending_ = true;
            stepTarget_ = a.stepTarget;
            stepSeekIssued_ = -1;
            fillWait_ = false;
            publishClock();
        }
        break;
    case NavAction::Kind::ShowCached:
        if (fillWait_) cancelFills();
        presentCached(a.ordinal);
        break;
    case NavAction::Kind::Seek: seekPipeline(a); break;
    case NavAction::Kind::Fill: startFill(a.ordinal, false); break;
    }
}

void DisplayStage::seekPipeline(const NavAction &a) {
    SeekRequest r;
    r.targetNs = a.timeNs;
    r.exact = a.exact;
    r.ordinal = index_.get() ? a.ordinal : -1;
    displaySerial_ = sh_.seek.publish(r);
    pipelineEnded_ = false;
    sh_.wakeAll();
    clock_.reset();
    stepPending_ = a.stepPending;
    stepTarget_ = a.stepTarget;
    stepSeekIssued_ = a.ordinal;
    fillWait_ = false;
    lastPipelineOrdinal_ = -1;
    ending_ = Ending::No;
    cancelFills();
    dropStale();   // what is queued for the display now is all stale
    publishClock();
}

void DisplayStage::cancelFills() {
    if (filler_) filler_->cancel();
    if (bgFiller_) bgFiller_->cancel();
}

void DisplayStage::startFill(int64_t target, bool background) {
    const PacketIndex *idx = index_.get();
    CacheFiller *filler = background ? bgFiller_ : filler_;
    if (!filler || !idx) {
        if (!background) navigate(nav_.gotoOrdinal(target, true));
        return;
    }
    if (!background) {
        stepPending_ = true;
        stepTarget_ = target;
        fillWait_ = true;
        stepSeekIssued_ = -1;
        publishClock();
        // Asked for now: at full priority (what the background one filled
        // so far stays in the cache).
        if (bgFiller_) bgFiller_->cancel();
    }
    // Keep as much of the GOP as the budget holds: its last frames, which a
    // walk backwards needs first.
    const int64_t key = nav_.gopOf(target);
    const int64_t each = std::max<int64_t>(StepCache::frameBytes(current_), 1);
    const int64_t fit = std::max<int64_t>(cache_.budget() / each, 1);
    const int64_t first = std::max(key, target - fit + 1);
    filler->fill(index_.shared(), first, target, target_, liveSnap_);
}

// A live source, paused: the index is the window as it is now (the frames
// received since the last snapshot included). The step cache keeps its
// frames: a live frame's ordinal does not change from one snapshot to the
// next.
void DisplayStage::refreshLive() {
    if (!liveWindow_) return;
    auto snap = liveWindow_->snapshot();
    if (!snap) return;
    liveSnap_ = std::move(snap);
    index_.set(liveSnap_->index);
    nav_.setIndex(&index_);
}

void DisplayStage::takeFilled() {
    FrameRef f;
    while (bgFiller_ && bgFiller_->take(f)) {
        sh_.stats.cacheFilled.fetch_add(1, std::memory_order_relaxed);
        sh_.stats.backgroundFilled.fetch_add(1, std::memory_order_relaxed);
        f.info.serial = displaySerial_;
        cacheFrame(std::move(f));
        f = FrameRef{};
    }
    if (!filler_) return;
    while (filler_->take(f)) {
        sh_.stats.cacheFilled.fetch_add(1, std::memory_order_relaxed);
        f.info.serial = displaySerial_;
        if (stepPending_ && fillWait_ && f.info.ordinal == stepTarget_) {
            FrameRef keep;
            if (f.refInto(keep)) cacheFrame(std::move(keep));
            presentStep(f);
            continue;
        }
        cacheFrame(std::move(f));
        f = FrameRef{};
    }
    if (stepPending_ && fillWait_ && !filler_->busy()) {
        // The filler ended without the frame (a loose index): the main
        // pipeline seeks to it instead.
        fillWait_ = false;
        if (cache_.contains(stepTarget_)) {
            presentCached(stepTarget_);
        } else if (liveWindow_) {
            // Nothing else can bring it (the source cannot be read again):
            // the frame on screen stays, and whoever waits is answered.
            char m[96];
            std::snprintf(m, sizeof m, "frame %" PRId64 " could not be decoded from the live window", stepTarget_);
            stepPending_ = false;
            stepTarget_ = -1;
            say(m);
            ctl_.answerWaiting();
        } else {
            navigate(nav_.gotoOrdinal(stepTarget_, true));
        }
    }
}

void DisplayStage::maybeBackgroundFill(int64_t now) {
    if (!bgFiller_ || !paused_ || stepPending_ || !current_.frame || !current_.info.ordinalExact || !index_.get()) return;
    const int64_t cur = current_.info.ordinal;
    if (backgroundFor_ == cur || now < pausedSinceNs_ + 150000000 || bgFiller_->busy() || filler_->busy()) return;
    backgroundFor_ = cur;
    const int64_t key = nav_.gopOf(cur);
    bool missing = false;
    for (int64_t o = key; o < cur && !missing; ++o) missing = !cache_.contains(o);
    if (missing && cur > index_.get()->firstOrdinal()) startFill(cur - 1, true);
}

void DisplayStage::cacheFrame(FrameRef &&f) {
    // Its encoded bytes go now, in arrival order (a dropped wire's changes
    // are carried to the next one written), never later from the cache.
    f.wire.reset();
    // A hardware decoder's surface (DRM PRIME) is not held: the decoder has
    // few; a step back to it decodes the frame again in software.
    if (!f.info.ordinalExact || !index_.get() || isKeptFrame(f.frame.get())) {
        recycle(f);
        return;
    }
    f.info.cacheOnly = false;
    const int64_t gop = nav_.gopOf(f.info.ordinal);
    cache_.put(std::move(f), gop);
}

// Keeps a reference to the frame on screen in the step cache (paused only:
// playback must not allocate or hold memory).
void DisplayStage::cacheCurrent() {
    pausedSinceNs_ = monotonicNs();
    if (!current_.frame || !current_.info.ordinalExact || !index_.get()) return;
    if (cache_.contains(current_.info.ordinal)) return;
    FrameRef c;
    if (!current_.refInto(c)) return;
    cacheFrame(std::move(c));
}

void DisplayStage::pause() {
    if (liveWindow_) {
        liveWindow_->hold(true);   // nothing leaves the window for age while paused
        refreshLive();
    }
    if (paused_) return;
    paused_ = true;
    pausedSinceNs_ = monotonicNs();
    backgroundFor_ = -1;
    if (audio_) audio_->setPaused(true);
    // A frame decoded while the decoder shed work (no loop filter) is shown
    // again at full quality: steps never show shed frames.
    if (current_.frame && current_.info.shedLevel >= 1 && current_.info.ordinalExact && index_.get())
        navigate(nav_.gotoOrdinal(current_.info.ordinal, true));
    else cacheCurrent();
    publishClock();
}

void DisplayStage::resume() {
    paused_ = false;
    stepPending_ = false;
    stepTarget_ = -1;
    fillWait_ = false;
    cancelFills();
    if (liveWindow_) {
        // Playing on: the pipeline goes on where it was (a live source
        // cannot be sought), and navigation is without an index again.
        liveWindow_->hold(false);
        index_.set(nullptr);
        nav_.setIndex(nullptr);
        liveSnap_.reset();
    }
    if (trickNow() && current_.frame) {
        // Trick play goes on from the frame on screen: the walker seeks.
        clock_.anchor(monotonicNs(), current_.info.ptsNs);
        publishClock();
        return;
    }
    clock_.reset();   // re-anchor on the next frame
    // After steps the pipeline may be elsewhere: continue from the frame
    // after the one on screen (a live source: from where the pipeline is,
    // past what was shown).
    if (current_.frame && current_.info.ordinalExact && (fileIndex() || liveWindow_)) {
        const int64_t cur = current_.info.ordinal, next = cur + 1;
        Item it;
        FrameRef *h;
        while ((h = peekFrame()) && h->info.serial == displaySerial_ && h->info.ordinalExact && h->info.ordinal <= cur) {
            sh_.toDisplay.tryPop(it);
            lastPipelineOrdinal_ = std::get<FrameRef>(it).info.ordinal;
            recycle(std::get<FrameRef>(it));
        }
        h = peekFrame();
        const bool aligned = h ? h->info.serial == displaySerial_ && h->info.ordinal == next : lastPipelineOrdinal_ == cur;
        if (!aligned && fileIndex() && next < index_.get()->frameCount()) navigate(nav_.gotoOrdinal(next, false));
    }
    publishClock();
}

} // namespace qv
