#include "display_stage.h"

#include "qv/media/demuxer.h"
#include "qv/media/prime.h"

#include "qv/audio/audio_clock.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/core/test_faults.h"
#include "qv/pipeline/trick.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qv {

namespace {
constexpr size_t kAvDiffs = 1 << 17;
constexpr int64_t kAudioStartWaitNs = 500000000;   // a device that does not start must not freeze the video
constexpr int64_t kAudioDrainNs = 2000000000;      // the sound after the last frame, at most
} // namespace

DisplayStage::DisplayStage(DisplayStageDeps d)
    : sh_(d.sh), opt_(d.opt), display_(d.display), tee_(d.tee), src_(d.src), audio_(d.audio), filler_(d.filler),
      bgFiller_(d.bgFiller), liveWindow_(d.liveWindow),
      sigFd_(d.sigFd), ttyFd_(d.ttyFd), encodeStage_(d.encodeStage), cache_(d.opt.stepCacheBytes),
      nav_(nullptr, [this](int64_t o) { return cache_.contains(o); }), ctl_(*this) {
    spec_ = src_.spec();
    caps_ = display_.caps();
    // A hardware decoder's dma-bufs straight onto the screen's plane, when
    // nothing else (a mirror) needs their pixels.
    sh_.primeDirect.store((caps_.primeFrames || caps_.hwFrames) && tee_.empty(), std::memory_order_release);
    paused_ = opt_.startPaused;
    stepPending_ = opt_.startPaused;
    nav_.setLive(liveWindow_ != nullptr || isLiveUrl(opt_.input) || isPipeInput(opt_.input));
    if (liveWindow_ && paused_) liveWindow_->hold(true);
    shots_.setLiveDecoder(d.shotDecoder);
    avDiffs_.reserve(kAvDiffs);   // --stats: |A-V| per presented frame, allocated once
    lowLatency_ = opt_.lowLatency;
    showLatency_ = opt_.lowLatency || isLiveUrl(opt_.input);
}

DisplayStage::~DisplayStage() = default;

Result<void> DisplayStage::openSideChannels() {
    if (!opt_.frameLogPath.empty())
        if (auto r = log_.open(opt_.frameLogPath); !r) return r;
    if (!opt_.ipcPath.empty()) {
        std::string e;
        if (!ctl_.listen(opt_.ipcPath, e))
            return Error::make(ErrorKind::Output, opt_.ipcPath + ": cannot listen for --input-ipc: " + e);
    }
    return {};
}

void DisplayStage::releaseFrames() {
    current_ = FrameRef{};
    cache_.clear();
}

void DisplayStage::finish(ExitCode code) {
    exit_ = code;
    done_ = true;
}

void DisplayStage::fail(Error e) {
    error_ = std::move(e);
    hasError_ = true;
    finish(exitCodeFor(error_.kind));
}

void DisplayStage::configureDisplay() {
    auto t = display_.configure(spec_);
    if (!t) return fail(t.takeError());
    target_ = t.value();
    if (auto r = tee_.configure(spec_, target_); !r) return fail(r.takeError());
    sh_.sink.store(display_.frameSink(), std::memory_order_release);
    // Some displays know only once open whether they take dma-bufs (vulkan).
    sh_.primeDirect.store((display_.caps().primeFrames || display_.caps().hwFrames) && tee_.empty() && !sh_.primeRefused.load(std::memory_order_acquire),
                          std::memory_order_release);
    sh_.target.store(packTarget(target_), std::memory_order_release);
    sh_.configured.store(true, std::memory_order_release);
    sh_.configuredWait.notify();
    cache_.clear();   // the frames in it were scaled for the old size
    cancelFills();
    backgroundFor_ = -1;
}

void DisplayStage::publishClock() {
    ClockState c;
    c.timed = opt_.sync && !paused_ && !stepPending_ && clock_.anchored();
    c.serial = displaySerial_;
    c.anchorWallNs = clock_.anchorWall();
    c.anchorPtsNs = clock_.anchorPts();
    c.speed = clock_.speed();
    c.leadNs = display_.presentLatencyNs();
    c.lowLatency = lowLatency_;
    sh_.clock.store(c);
    sh_.control.notify();   // the trick-play walker waits on the clock
}

void DisplayStage::recycle(FrameRef &fr) {
    if (!fr.frame) return;
    fr.reset();
    sh_.shells.tryPush(fr.frame);   // full: the shell is freed with fr
    fr.frame.reset();
}

FrameRef *DisplayStage::peekFrame() {
    Item *p = sh_.toDisplay.peek();
    return p ? std::get_if<FrameRef>(p) : nullptr;
}

void DisplayStage::dropStale() {
    Item it;
    while (FrameRef *f = peekFrame()) {
        if (f->info.serial == displaySerial_) break;
        sh_.toDisplay.tryPop(it);
        if (auto *fr = std::get_if<FrameRef>(&it)) {
            log_.write("dropped-stale", fr->info, monotonicNs());
            recycle(*fr);
        }
        sh_.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
    }
}

bool DisplayStage::presentFrame(FrameRef &fr, int64_t now, int64_t deadline, bool timed, bool step) {
    step = step || paused_;
    lastDriftNs_ = opt_.sync ? now - deadline : 0;
    if (timed && audio_ && avDiffs_.size() < kAvDiffs) {
        int64_t apos = 0;
        if (audio_->position(now, apos)) avDiffs_.push_back(fr.info.ptsNs - apos);
    }
    if (isKeptFrame(fr.frame.get()) && sh_.primeRefused.load(std::memory_order_relaxed)) {
        refusePrime(fr, now, step);   // one still on its way when the display refused them
        return true;
    }
    std::swap(current_, fr);   // the status line describes the frame being shown
    updateStatus();
    const int64_t t0 = monotonicNs();
    auto r = display_.present(current_);
    sh_.stats.busyNs[kDisplay] += monotonicNs() - t0;
    if (!r) {
        if (r.error().native == EPIPE) finish(static_cast<ExitCode>(128 + SIGPIPE));
        else fail(r.takeError());
        return false;
    }
    if (r.value() == Shown::Refused) {
        std::swap(current_, fr);
        updateStatus();
        refusePrime(fr, now, step);
        return true;
    }
    if (r.value() == Shown::NotShown) {
        // Not on the screen (its buffers busy, the screen given away): a
        // counted drop; what is on screen is still the frame before.
        sh_.stats.notShown.fetch_add(1, std::memory_order_relaxed);
        log_.write("not-shown", current_.info, now);
        std::swap(current_, fr);
        recycle(fr);
        updateStatus();
        return true;
    }
    recycle(fr);
    lastPresentNs_ = monotonicNs();   // the freeze guard counts from the end of present()
    ++presentCount_;
    sig::testFault(sig::FaultSite::Display);   // test only (QV_TEST_FAULT)
    fps_.add(now);
    log_.write("presented", current_.info, now, timed && opt_.sync, lastPresentNs_);
    lat_.add(current_.info.recvNs, current_.info.decodedNs, current_.info.scaledNs, lastPresentNs_);
    tee_.offer(current_);
    if (paused_) cacheCurrent();
    const int64_t n = sh_.stats.presented.fetch_add(1, std::memory_order_relaxed) + 1;
    ctl_.frameShown();
    if (opt_.onPresented) opt_.onPresented(n);
    if (opt_.maxFrames > 0 && n >= opt_.maxFrames) finish(ExitCode::Ok);
    displayDeadlineNs_ = 0;   // a window may have events after drawing
    return true;
}

// The display cannot take the decoder's dma-bufs after all (it said why,
// once): from now on the decoder downloads its frames, and the frame
// refused is decoded again, into memory, by an exact seek to it (playing
// or paused, as before). A live source cannot seek: its next frames come
// downloaded. The frames that were on their way are dropped (counted).
void DisplayStage::refusePrime(FrameRef &fr, int64_t now, bool step) {
    sh_.stats.notShown.fetch_add(1, std::memory_order_relaxed);
    log_.write("not-shown", fr.info, now);
    const FrameInfo info = fr.info;
    recycle(fr);
    sh_.primeDirect.store(false, std::memory_order_release);
    // No seek brings this one again (a live source, or refused before): a
    // step the user waits for is taken by the next frame that comes.
    const auto waitNext = [&] {
        if (!step) return;
        stepPending_ = true;
        stepTarget_ = -1;
        publishClock();
    };
    const bool first = !sh_.primeRefused.exchange(true, std::memory_order_acq_rel);
    if (first)
        log::info("frame %lld: the display refused the decoder's dma-bufs: frames are downloaded from here on",
                  static_cast<long long>(info.ordinal));
    if (nav_.live()) return waitNext();
    if (!first && !step) return;   // on its way while playing: the ones after it come downloaded
    NavAction a;
    a.kind = NavAction::Kind::Seek;
    a.timeNs = info.ptsNs;
    a.exact = true;
    a.ordinal = info.ordinalExact ? info.ordinal : -1;
    a.stepPending = step;
    a.stepTarget = step && info.ordinalExact ? info.ordinal : -1;
    seekPipeline(a);
}

bool DisplayStage::presentCached(int64_t ordinal) {
    FrameRef f;
    if (!cache_.get(ordinal, f)) return false;
    sh_.stats.cacheHits.fetch_add(1, std::memory_order_relaxed);
    f.info.serial = displaySerial_;
    presentStep(f);
    return true;
}

void DisplayStage::presentStep(FrameRef &f) {
    stepPending_ = false;
    stepTarget_ = -1;
    fillWait_ = false;
    const int64_t now = monotonicNs();
    presentFrame(f, now, now, false, true);
    publishClock();
}

// One item at the head of the display link.
DisplayStage::Head DisplayStage::handleHead(int64_t &timeoutNs, bool &waitData) {
    Item *head = sh_.toDisplay.peek();
    Item it;
    if (!head) {
        if (sh_.toDisplay.closed() && sh_.toDisplay.empty()) {
            finish(ExitCode::Ok);   // upstream stopped without an end item
            return Head::Stop;
        }
        waitData = true;
        return Head::Wait;
    }
    if (auto *fl = std::get_if<FlushItem>(head)) {
        if (fl->serial == displaySerial_) {
            clock_.reset();
            lastPipelineOrdinal_ = -1;
            pipelineEnded_ = false;
            publishClock();
        }
        sh_.toDisplay.tryPop(it);
        return Head::Again;
    }
    if (auto *end = std::get_if<EndItem>(head)) {
        const bool current = end->serial == displaySerial_;
        sh_.toDisplay.tryPop(it);
        if (!current) return Head::Again;
        pipelineEnded_ = true;
        if (stepPending_ && !fillWait_) {
            // A step or seek past the last frame: stay on what is shown.
            stepPending_ = false;
            stepTarget_ = -1;
            say("end of file");
            ctl_.answerWaiting();
            publishClock();
        }
        if (!paused_ && ending_ == Ending::No) {
            // Let the last frame stay for its duration, then the sound end.
            ending_ = Ending::Linger;
            endingUntilNs_ = lastPresentNs_ + static_cast<int64_t>(current_.info.durationNs / clock_.speed());
        }
        return Head::Again;   // paused at the end: stay, a seek may come
    }
    if (auto *err = std::get_if<ErrorItem>(head)) {
        Error e = err->error;
        sh_.toDisplay.tryPop(it);
        fail(std::move(e));
        return Head::Stop;
    }
    return handleFrame(std::get<FrameRef>(*head), timeoutNs);
}

DisplayStage::Head DisplayStage::handleFrame(FrameRef &fr, int64_t &timeoutNs) {
    Item it;
    auto take = [&]() -> FrameRef & {
        sh_.toDisplay.tryPop(it);
        FrameRef &f = std::get<FrameRef>(it);
        if (f.info.ordinalExact) lastPipelineOrdinal_ = f.info.ordinal;
        return f;
    };
    if (fr.info.serial != displaySerial_) {
        FrameRef &f = take();
        log_.write("dropped-stale", f.info, monotonicNs());
        recycle(f);
        sh_.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
        return Head::Again;
    }
    const ScaleTarget t = unpackTarget(sh_.target.load(std::memory_order_acquire));
    if (t.width > 0 && fr.frame && (fr.width() != t.width || fr.height() != t.height)) {
        // Scaled before the display laid out again (a resize, a governor
        // step): dropped, and when it was to be the frame on screen (paused,
        // a step) asked for again at the new size.
        FrameRef &f = take();
        const bool want = stepPending_ && !f.info.cacheOnly;
        const FrameInfo info = f.info;
        log_.write("dropped-stale", info, monotonicNs());
        recycle(f);
        sh_.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
        if (want) {
            NavAction a = info.ordinalExact && index_.get() ? nav_.gotoOrdinal(stepTarget_ >= 0 ? stepTarget_ : info.ordinal, true)
                                                            : nav_.seekTo(here(), info.ptsNs, true, true, 0);
            navigate(a);
        }
        return Head::Again;
    }
    if (fr.info.cacheOnly) {
        // Decoded on the way to a target that fills the cache: keep it.
        cacheFrame(std::move(take()));
        return Head::Again;
    }
    if (stepPending_ && stepTarget_ >= 0 && fr.info.ordinalExact) {
        if (fr.info.ordinal < nav_.gopOf(stepTarget_) && stepSeekIssued_ != stepTarget_ && !fillWait_) {
            // The pipeline is GOPs behind the target (the frame on screen
            // came from the step cache, or --loop went round): a seek
            // decodes one GOP, not everything in between into the cache.
            navigate(nav_.gotoOrdinal(stepTarget_, true));
            return Head::Again;
        }
        if (fr.info.ordinal < stepTarget_) {
            // Already decoded, on the way to the target.
            FrameRef &f = take();
            sh_.stats.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
            if (index_.get()) cacheFrame(std::move(f));
            else recycle(f);
            return Head::Again;
        }
        if (fr.info.ordinal > stepTarget_ && stepSeekIssued_ != stepTarget_ && !fillWait_) {
            navigate(nav_.gotoOrdinal(stepTarget_, true));   // the target is behind what is queued
            return Head::Again;
        }
    }
    if (paused_ && (!stepPending_ || fillWait_)) return Head::Wait;   // it waits at the head
    if (!stepPending_ && clock_.anchored() && trickNow()) {
        Head h;
        if (handleTrick(h)) return h;
    }
    const int64_t now = monotonicNs();
    if (lowLatency_ && !stepPending_) {
        Head h;
        if (presentLow(fr, now, h)) return h;
    }
    const bool audible = audio_ && opt_.sync && !paused_ && !stepPending_ && !isTrickSpeed(clock_.speed());
    if (!clock_.anchored()) {
        clock_.anchor(now, fr.info.ptsNs);
        // The sound starts (again) at the frame that starts the picture; the
        // picture waits for it to be heard (at most kAudioStartWaitNs).
        if (audible) {
            audio_->start(fr.info.ptsNs, displaySerial_);
            audioWaitUntil_ = now + kAudioStartWaitNs;
        }
        publishClock();
    }
    // While the sound plays it is the master: the clock follows the samples
    // being heard.
    int64_t heard = 0;
    if (audible && audio_->position(now, heard)) {
        clock_.anchor(now, heard);
        audioWaitUntil_ = 0;
        publishClock();
    } else if (audible && now < audioWaitUntil_) {
        if (audio_->lost()) {
            // Its packets are gone (stepped far while paused): a seek
            // brings them, and the picture, back together.
            audioWaitUntil_ = 0;
            navigate(fr.info.ordinalExact && index_.get() ? nav_.gotoOrdinal(fr.info.ordinal, false)
                                                          : nav_.seekTo(here(), fr.info.ptsNs, true, false, 0));
            return Head::Again;
        }
        timeoutNs = audioWaitUntil_ - now;
        return Head::Wait;
    }
    SchedInput in;
    in.nowNs = now;
    // Early by what the display takes to show it (flip latency).
    in.deadlineNs = clock_.deadline(fr.info.ptsNs) - display_.presentLatencyNs();
    in.durationNs = static_cast<int64_t>(fr.info.durationNs / clock_.speed());
    in.lastPresentNs = presentCount_ ? lastPresentNs_ : -1;
    in.sync = opt_.sync && !stepPending_;
    DisplayLink *link = display_.link();
    const bool asksLink = link && !stepPending_ && in.deadlineNs - now <= tuning_.earlyToleranceNs;
    if (asksLink) in.linkReady = link->ready(now);
    const Decision d = decide(in, tuning_);
    if (d.verdict == Verdict::Wait) {
        timeoutNs = d.waitUntilNs - now;
        return Head::Wait;
    }
    // The link hears what became of the frame it was asked about (a frame
    // dropped for being late never reached it: not its decision).
    if (asksLink && d.verdict != Verdict::DropLate)
        link->decided(now, d.verdict == Verdict::Present || d.verdict == Verdict::Resync);
    FrameRef &f = take();
    switch (d.verdict) {
    case Verdict::DropLate:
        sh_.stats.droppedLate.fetch_add(1, std::memory_order_relaxed);
        log_.write("dropped-late", f.info, now);
        recycle(f);
        return Head::Again;
    case Verdict::DropLink:
        sh_.stats.droppedLink.fetch_add(1, std::memory_order_relaxed);
        log_.write("dropped-link", f.info, now);
        recycle(f);
        return Head::Again;
    case Verdict::Resync:
        sh_.stats.resyncs.fetch_add(1, std::memory_order_relaxed);
        clock_.anchor(now, f.info.ptsNs);
        in.deadlineNs = now;
        publishClock();
        break;
    default: break;
    }
    const bool wasStep = stepPending_;
    if (wasStep) {
        in.deadlineNs = now;   // a step is on time by definition
        stepPending_ = false;
        stepTarget_ = -1;
    }
    if (!presentFrame(f, now, in.deadlineNs, !wasStep, wasStep)) return Head::Stop;
    if (wasStep) clock_.reset();
    publishClock();
    return Head::Again;
}

void DisplayStage::tickEnding(int64_t now, int64_t &timeoutNs) {
    if (ending_ == Ending::No) return;
    if (paused_ || stepPending_) {
        ending_ = Ending::No;   // stopped at the end: stay
        return;
    }
    if (ending_ == Ending::Linger) {
        if (now < endingUntilNs_) {
            timeoutNs = timeoutNs < 0 ? endingUntilNs_ - now : std::min(timeoutNs, endingUntilNs_ - now);
            return;
        }
        ending_ = Ending::Drain;
        endingUntilNs_ = now + kAudioDrainNs;
    }
    // And let the sound that goes with it finish.
    if (audio_ && audio_->playing() && now < endingUntilNs_) {
        timeoutNs = timeoutNs < 0 ? endingUntilNs_ - now : std::min(timeoutNs, endingUntilNs_ - now);
        return;
    }
    finish(ExitCode::Ok);
}

void DisplayStage::run() {
    pthread_setname_np(pthread_self(), "qv-display");
    sig::installAltStack();   // a stack overflow here still restores the terminal and the screen
    configureDisplay();
    clock_.setSpeed(opt_.speed, 0, 0);
    pollIndex();
    publishClock();
    updateStatus();
    while (!done_) {
        pollIndex();
        readSignals();
        const bool escDue = keys_.pendingEscape() && monotonicNs() - escSinceNs_ >= tui::kEscTimeoutMs * 1000000LL;
        readKeys(escDue);
        if (displayDeadlineNs_ >= 0 && monotonicNs() >= displayDeadlineNs_) dispatchDisplay();
        if (audio_ && (paused_ || stepPending_ || isTrickSpeed(clock_.speed()))) audio_->setPaused(true);   // muted above 4x
        ctl_.readSocket();
        takeShots();
        takeExport();
        takeFilled();
        if (done_) break;
        if (resizePending_ || display_.relayout() || tee_.relayout()) {
            resizePending_ = false;
            configureDisplay();
            if (done_) break;
            // Paused: show the same frame again at the new size.
            if (paused_ && current_.frame) {
                navigate(current_.info.ordinalExact && index_.get() ? nav_.gotoOrdinal(current_.info.ordinal, true)
                                                                    : nav_.seekTo(here(), current_.info.ptsNs, true, true, 0));
            }
            redrawStatus();
        }
        int64_t timeoutNs = -1;
        bool waitData = false;
        const Head h = handleHead(timeoutNs, waitData);
        if (h == Head::Stop || done_) break;
        if (h == Head::Again) continue;
        const int64_t now = monotonicNs();
        tickEnding(now, timeoutNs);
        if (!done_) tickLive(now, timeoutNs);
        if (!done_) tickTrick(now, timeoutNs);
        if (done_) break;
        maybeBackgroundFill(now);
        sleep(waitData, timeoutNs);
    }
    ctl_.finish();
    cancelFills();
    if (audio_) audio_->setPaused(true);
    if (!hasError_) {
        tee_.finish();
        auto r = display_.finish();
        if (!r && exit_ == ExitCode::Ok) {
            if (r.error().native == EPIPE) exit_ = static_cast<ExitCode>(128 + SIGPIPE);
            else fail(r.takeError());
        }
    }
    tee_.release();
    display_.release();
}

void DisplayStage::sleep(bool waitData, int64_t timeoutNs) {
    const int64_t now = monotonicNs();
    auto until = [&](int64_t when) {
        const int64_t left = std::max<int64_t>(when - now, 0);
        if (timeoutNs < 0 || left < timeoutNs) timeoutNs = left;
    };
    if (keys_.pendingEscape()) until(escSinceNs_ + tui::kEscTimeoutMs * 1000000LL);
    if (displayDeadlineNs_ >= 0) until(displayDeadlineNs_);
    if (status_.messageUntilNs() > 0) {
        if (now >= status_.messageUntilNs()) {
            status_.expireMessage();
            redrawStatus();   // the message expired
            return;
        }
        until(status_.messageUntilNs());
    }
    if (paused_ && bgFiller_ && !stepPending_ && backgroundFor_ != current_.info.ordinal) until(pausedSinceNs_ + 150000000);
    fds_.clear();
    if (sigFd_ >= 0) fds_.push_back({sigFd_, POLLIN, 0});
    if (ttyFd_ >= 0) fds_.push_back({ttyFd_, POLLIN, 0});
    if (display_.eventFd() >= 0) fds_.push_back({display_.eventFd(), POLLIN, 0});
    if (!index_.get() && src_.indexReadyFd() >= 0) fds_.push_back({src_.indexReadyFd(), POLLIN, 0});
    if (shots_.busy()) fds_.push_back({shots_.doneFd(), POLLIN, 0});
    if (exports_.busy()) fds_.push_back({exports_.eventFd(), POLLIN, 0});
    if (audio_ && (audioWaitUntil_ > 0 || ending_ == Ending::Drain)) fds_.push_back({audio_->heardFd(), POLLIN, 0});
    ctl_.server().pollFds(fds_);
    Waiter &w = sh_.toDisplay.dataWaiter();
    if (waitData) {
        fds_.push_back({w.eventFd(), POLLIN, 0});
        w.prepare();
    }
    Waiter *fws[2] = {filler_ ? &filler_->readyWaiter() : nullptr, bgFiller_ ? &bgFiller_->readyWaiter() : nullptr};
    for (Waiter *fw : fws) {
        if (!fw) continue;
        fds_.push_back({fw->eventFd(), POLLIN, 0});
        fw->prepare();
    }
    // Checked after prepare() (the Waiter's protocol): what a filler handed
    // over, or a fill the step waits for that ended, between takeFilled()
    // and here would otherwise wake no one.
    const bool fillerReady = (filler_ && filler_->hasOutput()) || (bgFiller_ && bgFiller_->hasOutput()) ||
                             (stepPending_ && fillWait_ && filler_ && !filler_->busy());
    const bool ready = fillerReady || (waitData && (!sh_.toDisplay.empty() || sh_.toDisplay.closed()));
    if (!ready) {
        const int ms = timeoutNs < 0 ? -1 : static_cast<int>((timeoutNs + 999999) / 1000000);
        ::poll(fds_.data(), static_cast<nfds_t>(fds_.size()), ms);
    }
    if (waitData) {
        w.cancel();
        w.drainEventFd();
    }
    for (Waiter *fw : fws) {
        if (!fw) continue;
        fw->cancel();
        fw->drainEventFd();
    }
    for (const auto &p : fds_)
        if (p.fd == display_.eventFd() && (p.revents & POLLIN)) displayDeadlineNs_ = 0;
    if (audio_) drainEventFd(audio_->heardFd());
}

void DisplayStage::readSignals() {
    if (sigFd_ < 0) return;
    signalfd_siginfo si;
    while (::read(sigFd_, &si, sizeof si) == sizeof si) {
        const int s = static_cast<int>(si.ssi_signo);
        if (s == SIGWINCH) resizePending_ = true;
        else finish(static_cast<ExitCode>(128 + s));
    }
}

void DisplayStage::readKeys(bool flushEscape) {
    if (ttyFd_ < 0) return;
    char buf[64];
    for (;;) {
        const ssize_t n = ::read(ttyFd_, buf, sizeof buf);
        if (n <= 0) break;
        keys_.feed(buf, static_cast<size_t>(n));
        escSinceNs_ = monotonicNs();
    }
    tui::Key k;
    while (!done_ && keys_.next(k, flushEscape)) ctl_.key(k);
}

void DisplayStage::dispatchDisplay() {
    displayDeadlineNs_ = display_.dispatch([this](const DisplayEvent &e) { onDisplayEvent(e); });
}

void DisplayStage::onDisplayEvent(const DisplayEvent &e) {
    switch (e.type) {
    case DisplayEvent::Type::Key:
        if (!done_) ctl_.key(e.key);
        break;
    case DisplayEvent::Type::Quit: finish(ExitCode::Ok); break;
    case DisplayEvent::Type::Redraw: redrawStatus(); break;
    case DisplayEvent::Type::ScreenAway:
        // The screen went to another VT: pause until it is back.
        pausedBeforeAway_ = paused_;
        if (!paused_) pause();
        say("screen given away (VT switch): paused");
        break;
    case DisplayEvent::Type::ScreenBack:
        if (current_.frame) (void)display_.present(current_);
        if (!pausedBeforeAway_ && paused_) resume();
        redrawStatus();
        break;
    }
}

} // namespace qv
