#include "qv/pipeline/pipeline.h"

#include "items.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/media/scaler.h"
#include "qv/media/source.h"
#include "qv/sync/clock.h"
#include "qv/tui/keys.h"
#include "qv/tui/status_line.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
}

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

namespace qv {
namespace {

enum Stage { kDecode, kScale, kEncode, kDisplay, kStages };
const char *const kStageNames[kStages] = {"decode", "scale", "encode", "display"};

struct Stats {
    std::atomic<int64_t> presented{0};
    std::atomic<int64_t> droppedLate{0};
    std::atomic<int64_t> droppedStale{0};
    std::atomic<int64_t> skippedToTarget{0};
    std::atomic<int64_t> resyncs{0};
    std::atomic<int64_t> busyNs[kStages] = {};
};

// The scale target as one atomic word: written by the display stage on
// (re)configure, read by the scale stage per frame.
uint64_t packTarget(const ScaleTarget &t) {
    return (uint64_t(uint16_t(t.width)) << 48) | (uint64_t(uint16_t(t.height)) << 32) |
           (uint64_t(uint16_t(t.pixFmt + 1)) << 16) | (uint64_t(uint8_t(t.orientation)) << 8) |
           uint64_t(uint8_t(t.quality));
}
ScaleTarget unpackTarget(uint64_t v) {
    ScaleTarget t;
    t.width = int((v >> 48) & 0xffff);
    t.height = int((v >> 32) & 0xffff);
    t.pixFmt = int((v >> 16) & 0xffff) - 1;
    t.orientation = static_cast<Orientation>((v >> 8) & 0xff);
    t.quality = static_cast<ScaleQuality>(v & 0xff);
    return t;
}

void nameThread(const char *name) { pthread_setname_np(pthread_self(), name); }

class Player {
public:
    Player(const PlayOptions &opt, std::unique_ptr<VideoSource> src, std::unique_ptr<Display> disp, int sigFd,
           int ttyFd)
        : opt_(opt), src_(std::move(src)), display_(std::move(disp)), sigFd_(sigFd), ttyFd_(ttyFd) {
        status_.reserve(1024);
        spec_ = src_->spec();
    }

    ExitCode run() {
        std::thread decode([this] { decodeLoop(); });
        std::thread scale([this] { scaleLoop(); });
        std::thread encode([this] { encodeLoop(); });
        std::thread display([this] { displayLoop(); });
        display.join();
        quit_.store(true);
        abortAll();
        encode.join();
        scale.join();
        decode.join();
        return exit_;
    }

    const Stats &stats() const { return stats_; }
    const Error *error() const { return hasError_ ? &error_ : nullptr; }
    const VideoSource &source() const { return *src_; }
    size_t highWater(int link) const {
        return link == 0 ? toScale_.highWater() : link == 1 ? toEncode_.highWater() : toDisplay_.highWater();
    }
    int64_t bytesWritten() const { return display_->bytesWritten(); }
    std::unique_ptr<Display> takeDisplay() { return std::move(display_); }

private:
    // ---- control, shared between stages through atomics only ----
    void abortAll() {
        toScale_.abort();
        toEncode_.abort();
        toDisplay_.abort();
        shells_.abort();
        control_.notify();
    }
    bool stale(uint32_t serial) const { return serial != serial_.load(std::memory_order_acquire); }
    uint32_t requestSeek(int64_t targetNs, bool exact) {
        seekTarget_.store(targetNs, std::memory_order_release);
        seekExact_.store(exact, std::memory_order_release);
        uint32_t s = serial_.fetch_add(1, std::memory_order_acq_rel) + 1;
        toScale_.wakeAll();
        toEncode_.wakeAll();
        control_.notify();
        return s;
    }
    static uint32_t serialOf(const Item &it) {
        if (auto *f = std::get_if<FrameRef>(&it)) return f->info.serial;
        if (auto *e = std::get_if<EndItem>(&it)) return e->serial;
        if (auto *fl = std::get_if<FlushItem>(&it)) return fl->serial;
        return 0;
    }

    // ---- qv-decode ----
    void decodeLoop() {
        nameThread("qv-decode");
        uint32_t serial = serial_.load();
        int64_t skipBefore = kNoTs;
        if (opt_.startNs > 0) {
            if (auto r = src_->seek(opt_.startNs); !r)
                log::warn("%s: cannot seek to the start time: %s", spec_.title.c_str(), r.error().message.c_str());
            skipBefore = opt_.startNs;
        }
        {
            Item it = FlushItem{serial};
            if (!toScale_.push(it)) return;
        }
        bool ended = false;
        int64_t framesThisPass = 0;
        while (!quit_.load(std::memory_order_acquire)) {
            const uint32_t want = serial_.load(std::memory_order_acquire);
            if (want != serial) {
                serial = want;
                const int64_t target = seekTarget_.load(std::memory_order_acquire);
                int64_t t0 = monotonicNs();
                if (auto r = src_->seek(target); !r) log::info("seek failed: %s", r.error().message.c_str());
                stats_.busyNs[kDecode] += monotonicNs() - t0;
                skipBefore = seekExact_.load(std::memory_order_acquire) ? target : kNoTs;
                ended = false;
                Item it = FlushItem{serial};
                if (!toScale_.push(it)) break;
                continue;
            }
            if (ended) {
                // Wait for a seek (or quit): the display may still go back.
                uint32_t seen = control_.prepare();
                if (quit_.load() || serial_.load() != serial) {
                    control_.cancel();
                    continue;
                }
                control_.wait(seen);
                continue;
            }
            FrameRef fr;
            if (!shells_.tryPop(fr.frame)) fr.frame = allocFrame();
            int64_t t0 = monotonicNs();
            auto r = src_->next(fr);
            stats_.busyNs[kDecode] += monotonicNs() - t0;
            if (!r) {
                Item it = ErrorItem{r.takeError()};
                toScale_.push(it);
                break;
            }
            if (r.value() == NextStatus::End) {
                if (opt_.loop && framesThisPass > 0) {
                    framesThisPass = 0;
                    if (src_->seek(0)) {
                        Item it = FlushItem{serial};
                        if (!toScale_.push(it)) break;
                        continue;
                    }
                }
                Item it = EndItem{serial};
                if (!toScale_.push(it)) break;
                ended = true;
                continue;
            }
            ++framesThisPass;
            if (skipBefore != kNoTs && fr.info.ptsNs + fr.info.durationNs / 2 <= skipBefore) {
                stats_.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
                continue;   // decoded on the way to an exact target
            }
            skipBefore = kNoTs;
            fr.info.serial = serial;
            Item it = std::move(fr);
            toScale_.push(it, [&] { return quit_.load(std::memory_order_acquire) || stale(serial); });
        }
        toScale_.close();
    }

    // ---- qv-scale ----
    void scaleLoop() {
        nameThread("qv-scale");
        Scaler scaler;
        AvFramePtr out = allocFrame();
        Item it;
        while (toScale_.pop(it, [&] { return quit_.load(std::memory_order_acquire); })) {
            if (auto *fr = std::get_if<FrameRef>(&it)) {
                if (stale(fr->info.serial)) {
                    stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                const ScaleTarget t = unpackTarget(target_.load(std::memory_order_acquire));
                if (t.width > 0) {
                    int64_t t0 = monotonicNs();
                    auto r = scaler.convert(fr->frame.get(), t, out.get());
                    stats_.busyNs[kScale] += monotonicNs() - t0;
                    if (!r) {
                        Item e = ErrorItem{r.takeError()};
                        toEncode_.push(e);
                        break;
                    }
                    av_frame_unref(fr->frame.get());
                    av_frame_move_ref(fr->frame.get(), out.get());
                }
            }
            const uint32_t s = serialOf(it);
            const bool isFrame = std::holds_alternative<FrameRef>(it);
            if (!toEncode_.push(it, [&] {
                    return quit_.load(std::memory_order_acquire) || (isFrame && stale(s));
                }) &&
                quit_.load())
                break;
        }
        toEncode_.close();
    }

    // ---- qv-encode: a pass-through until recording exists ----
    void encodeLoop() {
        nameThread("qv-encode");
        Item it;
        while (toEncode_.pop(it, [&] { return quit_.load(std::memory_order_acquire); })) {
            const uint32_t s = serialOf(it);
            const bool isFrame = std::holds_alternative<FrameRef>(it);
            if (isFrame && stale(s)) {
                stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            if (!toDisplay_.push(it, [&] {
                    return quit_.load(std::memory_order_acquire) || (isFrame && stale(s));
                }) &&
                quit_.load())
                break;
        }
        toDisplay_.close();
    }

    // ---- qv-display ----
    void finish(ExitCode code) {
        exit_ = code;
        done_ = true;
    }

    void configureDisplay() {
        auto t = display_->configure(spec_);
        if (!t) {
            error_ = t.takeError();
            hasError_ = true;
            finish(exitCodeFor(error_.kind));
            return;
        }
        target_.store(packTarget(t.value()), std::memory_order_release);
    }

    void recycle(FrameRef &fr) {
        if (!fr.frame) return;
        av_frame_unref(fr.frame.get());
        shells_.tryPush(fr.frame);   // full: the shell is freed with fr
        fr.frame.reset();
    }

    void updateStatus(const char *message = nullptr) {
        if (!display_->wantsStatus()) return;
        tui::StatusInfo s;
        s.paused = paused_;
        s.speed = clock_.speed();
        s.posNs = current_.info.ptsNs;
        s.durationNs = spec_.durationNs;
        s.ordinal = current_.info.ordinal;
        s.ordinalExact = current_.info.ordinalExact;
        s.totalFrames = spec_.frameCountEstimate;
        s.ptsNs = current_.info.ptsNs;
        s.pictType = current_.info.pictType;
        s.key = current_.info.key;
        s.pktSize = current_.info.pktSize;
        s.fps = presentedFps();
        s.drops = stats_.droppedLate.load();
        s.driftNs = lastDriftNs_;
        s.message = message;
        if (!statusVisible_) {
            status_.clear();
        } else {
            tui::formatStatus(s, status_);
        }
        display_->setStatus(status_);
    }

    double presentedFps() const {
        const int n = std::min<int64_t>(presentCount_, kFpsWindow);
        if (n < 2) return 0;
        const int64_t newest = presentTimes_[(presentCount_ - 1) % kFpsWindow];
        const int64_t oldest = presentTimes_[(presentCount_ - n) % kFpsWindow];
        if (newest <= oldest) return 0;
        return (n - 1) * 1e9 / static_cast<double>(newest - oldest);
    }

    bool presentFrame(FrameRef &fr, int64_t now, int64_t deadline) {
        lastDriftNs_ = opt_.sync ? now - deadline : 0;
        std::swap(current_, fr);
        recycle(fr);
        updateStatus();
        int64_t t0 = monotonicNs();
        auto r = display_->present(current_);
        stats_.busyNs[kDisplay] += monotonicNs() - t0;
        if (!r) {
            if (r.error().native == EPIPE) {
                finish(static_cast<ExitCode>(128 + SIGPIPE));
            } else {
                error_ = r.takeError();
                hasError_ = true;
                finish(exitCodeFor(error_.kind));
            }
            return false;
        }
        lastPresentNs_ = monotonicNs();   // the freeze guard counts from the end of present()
        presentTimes_[presentCount_ % kFpsWindow] = now;
        ++presentCount_;
        const int64_t n = stats_.presented.fetch_add(1, std::memory_order_relaxed) + 1;
        if (opt_.onPresented) opt_.onPresented(n);
        if (opt_.maxFrames > 0 && n >= opt_.maxFrames) finish(ExitCode::Ok);
        return true;
    }

    void onCommand(tui::Command c) {
        const int64_t now = monotonicNs();
        switch (c) {
        case tui::Command::None: return;
        case tui::Command::Quit: finish(ExitCode::Ok); return;
        case tui::Command::TogglePause:
            paused_ = !paused_;
            stepPending_ = false;
            if (!paused_) clock_.reset();   // re-anchor on the next frame
            break;
        case tui::Command::StepForward:
            paused_ = true;
            stepPending_ = true;
            break;
        case tui::Command::SeekBack: seekBy(-5000000000LL); break;
        case tui::Command::SeekForward: seekBy(5000000000LL); break;
        case tui::Command::SeekBackLong: seekBy(-60000000000LL); break;
        case tui::Command::SeekForwardLong: seekBy(60000000000LL); break;
        case tui::Command::SpeedDown:
        case tui::Command::SpeedUp:
        case tui::Command::SpeedReset: {
            double s = clock_.speed();
            s = c == tui::Command::SpeedReset ? 1.0 : c == tui::Command::SpeedUp ? s * 1.1 : s / 1.1;
            s = std::clamp(s, 0.1, 16.0);
            if (std::fabs(s - 1.0) < 0.01) s = 1.0;
            clock_.setSpeed(s, now, current_.info.ptsNs);
            break;
        }
        case tui::Command::ToggleStatus: statusVisible_ = !statusVisible_; break;
        }
        updateStatus();
        (void)display_->drawStatus(status_);
    }

    // Keyframe seek by default; exact lands on the frame at the target.
    void seekBy(int64_t deltaNs, bool exact = false) {
        int64_t target = current_.info.ptsNs + deltaNs;
        if (spec_.durationNs > 0 && target > spec_.durationNs) target = spec_.durationNs - 1;
        if (target < 0) target = 0;
        displaySerial_ = requestSeek(target, exact);
        clock_.reset();
        if (paused_) stepPending_ = true;   // show where we landed, stay paused
        // Drop what is queued for the display now: it is all stale.
        Item it;
        while (FrameRef *f = peekFrame()) {
            if (f->info.serial == displaySerial_) break;
            toDisplay_.tryPop(it);
            if (auto *fr = std::get_if<FrameRef>(&it)) recycle(*fr);
            stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
        }
    }

    FrameRef *peekFrame() {
        Item *p = toDisplay_.peek();
        return p ? std::get_if<FrameRef>(p) : nullptr;
    }

    void readSignals() {
        if (sigFd_ < 0) return;
        signalfd_siginfo si;
        while (::read(sigFd_, &si, sizeof si) == sizeof si) {
            const int s = static_cast<int>(si.ssi_signo);
            if (s == SIGWINCH) {
                resizePending_ = true;
            } else {
                finish(static_cast<ExitCode>(128 + s));
            }
        }
    }

    void readKeys(bool flushEscape) {
        if (ttyFd_ < 0) return;
        char buf[64];
        for (;;) {
            ssize_t n = ::read(ttyFd_, buf, sizeof buf);
            if (n <= 0) break;
            keys_.feed(buf, static_cast<size_t>(n));
            escSinceNs_ = monotonicNs();
        }
        tui::Key k;
        while (!done_ && keys_.next(k, flushEscape)) onCommand(tui::commandFor(k));
    }

    void displayLoop() {
        nameThread("qv-display");
        configureDisplay();
        clock_.setSpeed(opt_.speed, 0, 0);
        updateStatus();
        while (!done_) {
            readSignals();
            const bool escDue = keys_.pendingEscape() && monotonicNs() - escSinceNs_ >= tui::kEscTimeoutMs * 1000000LL;
            readKeys(escDue);
            if (done_) break;
            if (resizePending_ || display_->relayout()) {
                resizePending_ = false;
                configureDisplay();
                if (done_) break;
                // Paused: show the same frame again at the new size.
                if (paused_ && current_.frame) seekBy(0, true);
                updateStatus();
                (void)display_->drawStatus(status_);
            }

            int64_t timeoutNs = -1;
            bool waitData = false;
            Item *head = toDisplay_.peek();
            if (!head) {
                if (toDisplay_.closed() && toDisplay_.empty()) {
                    finish(ExitCode::Ok);   // upstream stopped without an end item
                    break;
                }
                waitData = true;
            } else if (auto *fl = std::get_if<FlushItem>(head)) {
                if (fl->serial == displaySerial_) clock_.reset();
                Item it;
                toDisplay_.tryPop(it);
                continue;
            } else if (auto *end = std::get_if<EndItem>(head)) {
                const bool current = end->serial == displaySerial_;
                Item it;
                toDisplay_.tryPop(it);
                if (current && !paused_) {
                    // Let the last frame stay for its duration, then stop.
                    sleepUntil(lastPresentNs_ + static_cast<int64_t>(current_.info.durationNs / clock_.speed()));
                    finish(ExitCode::Ok);
                    break;
                }
                continue;   // paused at the end: stay, a seek may come
            } else if (auto *err = std::get_if<ErrorItem>(head)) {
                error_ = err->error;
                hasError_ = true;
                Item it;
                toDisplay_.tryPop(it);
                finish(exitCodeFor(error_.kind));
                break;
            } else {
                FrameRef &fr = std::get<FrameRef>(*head);
                if (fr.info.serial != displaySerial_) {
                    Item it;
                    toDisplay_.tryPop(it);
                    recycle(std::get<FrameRef>(it));
                    stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                if (!paused_ || stepPending_) {
                    const int64_t now = monotonicNs();
                    if (!clock_.anchored()) clock_.anchor(now, fr.info.ptsNs);
                    SchedInput in;
                    in.nowNs = now;
                    in.deadlineNs = clock_.deadline(fr.info.ptsNs);
                    in.durationNs = static_cast<int64_t>(fr.info.durationNs / clock_.speed());
                    in.lastPresentNs = presentCount_ ? lastPresentNs_ : -1;
                    in.newerReady = toDisplay_.size() >= 2;
                    in.sync = opt_.sync && !stepPending_;
                    const Decision d = decide(in, tuning_);
                    if (d.verdict == Verdict::Wait) {
                        timeoutNs = d.waitUntilNs - now;
                    } else {
                        Item it;
                        toDisplay_.tryPop(it);
                        FrameRef &f = std::get<FrameRef>(it);
                        if (d.verdict == Verdict::DropLate) {
                            stats_.droppedLate.fetch_add(1, std::memory_order_relaxed);
                            recycle(f);
                            continue;
                        }
                        if (d.verdict == Verdict::Resync) {
                            stats_.resyncs.fetch_add(1, std::memory_order_relaxed);
                            clock_.anchor(now, f.info.ptsNs);
                            in.deadlineNs = now;
                        }
                        const bool wasStep = stepPending_;
                        if (wasStep) in.deadlineNs = now;   // a step is on time by definition
                        if (!presentFrame(f, now, in.deadlineNs)) break;
                        if (wasStep) {
                            stepPending_ = false;
                            clock_.reset();
                        }
                        continue;
                    }
                }
            }
            sleepOnEvents(waitData, timeoutNs);
        }
    }

    void sleepUntil(int64_t when) {
        while (!done_) {
            const int64_t now = monotonicNs();
            if (now >= when) return;
            sleepOnEvents(false, when - now);
            readSignals();
            readKeys(false);
        }
    }

    void sleepOnEvents(bool waitData, int64_t timeoutNs) {
        if (keys_.pendingEscape()) {
            const int64_t escLeft = escSinceNs_ + tui::kEscTimeoutMs * 1000000LL - monotonicNs();
            if (timeoutNs < 0 || escLeft < timeoutNs) timeoutNs = escLeft > 0 ? escLeft : 0;
        }
        struct pollfd fds[3];
        int n = 0;
        if (sigFd_ >= 0) fds[n++] = {sigFd_, POLLIN, 0};
        if (ttyFd_ >= 0) fds[n++] = {ttyFd_, POLLIN, 0};
        Waiter &w = toDisplay_.dataWaiter();
        if (waitData) {
            fds[n++] = {w.eventFd(), POLLIN, 0};
            w.prepare();
            if (!toDisplay_.empty() || toDisplay_.closed()) {
                w.cancel();
                return;
            }
        }
        const int ms = timeoutNs < 0 ? -1 : static_cast<int>((timeoutNs + 999999) / 1000000);
        ::poll(fds, static_cast<nfds_t>(n), ms);
        if (waitData) {
            w.cancel();
            w.drainEventFd();
        }
    }

    static constexpr int kFpsWindow = 32;

    PlayOptions opt_;
    std::unique_ptr<VideoSource> src_;
    std::unique_ptr<Display> display_;
    StreamSpec spec_;
    int sigFd_ = -1;
    int ttyFd_ = -1;

    Link toScale_, toEncode_, toDisplay_;
    ShellRing shells_;
    std::atomic<uint32_t> serial_{0};
    std::atomic<int64_t> seekTarget_{0};
    std::atomic<bool> seekExact_{false};
    std::atomic<uint64_t> target_{0};
    std::atomic<bool> quit_{false};
    Waiter control_;
    Stats stats_;

    // display-thread state
    SyncTuning tuning_;
    PlaybackClock clock_;
    FrameRef current_;
    uint32_t displaySerial_ = 0;
    bool paused_ = false;
    bool stepPending_ = false;
    bool statusVisible_ = true;
    bool resizePending_ = false;
    bool done_ = false;
    ExitCode exit_ = ExitCode::Ok;
    Error error_;
    bool hasError_ = false;
    int64_t lastPresentNs_ = 0;
    int64_t lastDriftNs_ = 0;
    int64_t presentTimes_[kFpsWindow] = {};
    int64_t presentCount_ = 0;
    int64_t escSinceNs_ = 0;
    tui::KeyParser keys_;
    std::string status_;
};

void printStats(const Player &p, const std::string &title, int64_t bytes) {
    const Stats &s = p.stats();
    const SourceStats &ss = p.source().stats();
    std::fprintf(stderr,
                 "qv stats: %s\n"
                 "  frames: decoded %" PRId64 ", presented %" PRId64 ", dropped %" PRId64
                 " (late %" PRId64 ", stale after seek %" PRId64 "), skipped to start %" PRId64
                 ", resyncs %" PRId64 "\n"
                 "  packets: %" PRId64 ", corrupt skipped %" PRId64 ", frames with concealed errors %" PRId64 "\n",
                 title.c_str(), ss.framesDecoded.load(), s.presented.load(),
                 s.droppedLate.load() + s.droppedStale.load(), s.droppedLate.load(), s.droppedStale.load(),
                 s.skippedToTarget.load(), s.resyncs.load(), ss.packets.load(), ss.corruptPackets.load(), ss.corruptFrames.load());
    std::fprintf(stderr, "  busy ms:");
    for (int i = 0; i < kStages; ++i)
        std::fprintf(stderr, " %s %.1f%s", kStageNames[i], s.busyNs[i].load() / 1e6, i + 1 < kStages ? "," : "\n");
    std::fprintf(stderr, "  queue high-water (capacity %zu): decode->scale %zu, scale->encode %zu, encode->display %zu\n",
                 kLinkCapacity, p.highWater(0), p.highWater(1), p.highWater(2));
    if (bytes > 0 && s.presented.load() > 0)
        std::fprintf(stderr, "  terminal: %" PRId64 " bytes, %" PRId64 " bytes/frame\n", bytes,
                     bytes / s.presented.load());
}

} // namespace

ExitCode play(const PlayOptions &opt) {
    // Signals first: every thread created later inherits the blocked mask.
    const int sigFd = sig::blockAndOpenSignalFd();
    sig::installFatalHandlers();

    const std::string title = opt.input.empty() ? std::string("demo") : opt.input;
    std::unique_ptr<VideoSource> src;
    if (opt.input.empty()) {
        src = openDemoSource();
    } else {
        SourceOptions so;
        so.threads = opt.threads;
        so.useMmap = opt.useMmap;
        auto r = openFileSource(opt.input, so);
        if (!r) {
            log::error("%s: %s", opt.input.c_str(), r.error().message.c_str());
            if (sigFd >= 0) ::close(sigFd);
            return exitCodeFor(r.error().kind);
        }
        src = std::move(r.value());
    }

    auto disp = createDisplay(opt.display, opt.displayOpt);
    if (!disp) {
        log::error("%s", disp.error().message.c_str());
        if (sigFd >= 0) ::close(sigFd);
        return exitCodeFor(disp.error().kind);
    }
    std::unique_ptr<Display> display = std::move(disp.value());

    // The terminal guard is created before the threads and destroyed after.
    std::unique_ptr<tui::TerminalGuard> term;
    if (display->isTerminal() && isatty(opt.displayOpt.outFd)) {
        auto g = tui::TerminalGuard::enter(opt.displayOpt.outFd);
        if (g) term = std::move(g.value());
    }
    ExitCode code;
    std::unique_ptr<Player> player(new Player(opt, std::move(src), std::move(display), sigFd,
                                              term ? term->inputFd() : -1));
    code = player->run();
    const int64_t bytes = player->bytesWritten();
    std::unique_ptr<Display> d = player->takeDisplay();
    d.reset();      // the back-end restores its own state first
    term.reset();   // then the terminal
    if (const Error *e = player->error()) log::error("%s: %s", title.c_str(), e->message.c_str());
    if (opt.stats) printStats(*player, title, bytes);
    if (sigFd >= 0) ::close(sigFd);
    return code;
}

} // namespace qv
