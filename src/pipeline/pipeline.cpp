#include "qv/pipeline/pipeline.h"

#include "items.h"
#include "qv/audio/audio.h"
#include "qv/audio/audio_clock.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/ipc/ipc.h"
#include "qv/media/probe.h"
#include "qv/media/scaler.h"
#include "qv/media/source.h"
#include "qv/pipeline/step_cache.h"
#include "qv/sync/clock.h"
#include "qv/tui/keys.h"
#include "qv/tui/status_line.h"
#include "qv/tui/terminal.h"

extern "C" {
#include <libavutil/frame.h>
}

#include <mutex>
#include <sys/stat.h>
#include <vector>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
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
    std::atomic<int64_t> droppedLink{0};      // the terminal link could not take it
    std::atomic<int64_t> skippedToTarget{0};
    std::atomic<int64_t> reseeks{0};          // exact seeks that landed late and went further back
    std::atomic<int64_t> cacheFilled{0};      // frames decoded for the step cache
    std::atomic<int64_t> cacheHits{0};        // steps served from the step cache
    std::atomic<int64_t> resyncs{0};
    std::atomic<int64_t> busyNs[kStages] = {};
    std::atomic<int64_t> scaleCpuNs{0}, scaled{0};   // qv-scale's thread CPU time in convert(), frames
};

int64_t threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

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
    Player(const PlayOptions &opt, std::unique_ptr<VideoSource> src, std::unique_ptr<Display> disp,
           std::unique_ptr<AudioPlayer> audio, int sigFd, int ttyFd)
        : opt_(opt), src_(std::move(src)), display_(std::move(disp)), audio_(std::move(audio)), sigFd_(sigFd),
          ttyFd_(ttyFd), cache_(opt.stepCacheBytes) {
        status_.reserve(1024);
        avDiffs_.reserve(kAvDiffs);   // --stats: |A-V| per presented frame, allocated once
        spec_ = src_->spec();
        paused_ = opt.startPaused;
        stepPending_ = opt.startPaused;
    }

    ~Player() {
        for (auto &t : shots_)
            if (t.joinable()) t.join();
        if (frameLog_) std::fclose(frameLog_);
    }

    // Opens --frame-log and --input-ipc; false with a message on failure.
    bool openSideChannels(std::string &err) {
        if (!opt_.frameLogPath.empty()) {
            frameLog_ = std::fopen(opt_.frameLogPath.c_str(), "w");
            if (!frameLog_) {
                err = opt_.frameLogPath + ": cannot write the frame log: " + std::strerror(errno);
                return false;
            }
            std::setvbuf(frameLog_, nullptr, _IOLBF, 1 << 16);
            std::fprintf(frameLog_, "# event\tordinal\tpts_s\tdts_s\ttype\tkey\tmonotonic_ns\n");
        }
        if (!opt_.ipcPath.empty()) {
            std::string e;
            if (!ipc_.listen(opt_.ipcPath, e)) {
                err = opt_.ipcPath + ": cannot listen for --input-ipc: " + e;
                return false;
            }
        }
        return true;
    }

    ExitCode run() {
        std::thread decode([this] { decodeLoop(); });
        std::thread scale([this] { scaleLoop(); });
        // The encode stage is optional: it exists only when something is
        // encoded (recording, later). Without it the scale stage feeds the
        // display directly and no frame pays for an extra hand-off.
        std::thread encode;
        if (encodeStage_) encode = std::thread([this] { encodeLoop(); });
        std::thread display([this] { displayLoop(); });
        display.join();
        quit_.store(true);
        abortAll();
        if (encode.joinable()) encode.join();
        scale.join();
        decode.join();
        releaseFrames();
        return exit_;
    }

    // Every frame still held (rings, the frame on screen, the step cache)
    // goes back before the display is destroyed: a display's own buffers
    // (FrameSink) must all have come home by then.
    void releaseFrames() {
        Item it;
        for (Link *l : {&toScale_, &toEncode_, &toDisplay_})
            while (l->tryPop(it)) it = Item{};
        current_ = FrameRef{};
        cache_.clear();
    }

    const Stats &stats() const { return stats_; }
    const Error *error() const { return hasError_ ? &error_ : nullptr; }
    const VideoSource &source() const { return *src_; }
    bool hasEncodeStage() const { return encodeStage_; }
    size_t highWater(int link) const {
        return link == 0 ? toScale_.highWater() : link == 1 ? toEncode_.highWater() : toDisplay_.highWater();
    }
    int64_t bytesWritten() const { return display_->bytesWritten(); }
    const AudioPlayer *audio() const { return audio_.get(); }
    std::vector<int64_t> &avDiffs() { return avDiffs_; }
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
    uint32_t requestSeek(int64_t targetNs, bool exact, int64_t ordinal = -1, bool fill = false) {
        seekTarget_.store(targetNs, std::memory_order_release);
        seekExact_.store(exact, std::memory_order_release);
        seekOrdinal_.store(ordinal, std::memory_order_release);
        seekFill_.store(fill, std::memory_order_release);
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
    // Exact targets: with the packet index, an ordinal (seek to the keyframe
    // it decodes from, decode and discard up to it; when the first frame is
    // already past it, go one more keyframe back, up to kMaxBack times);
    // without it, a time (skip frames whose middle is before it).
    static constexpr int kMaxBack = 8;
    void decodeLoop() {
        nameThread("qv-decode");
        uint32_t serial = serial_.load();
        int64_t skipBefore = kNoTs;
        int64_t skipOrdinal = -1;
        bool fill = false;
        int back = 0;
        int timeBack = 0;
        bool firstAfterSeek = false;
        std::shared_ptr<const PacketIndex> idx;
        auto seekOrdinal = [&](int64_t ord, bool toCache) {
            if (!idx) idx = src_->index();
            if (!idx || idx->frameCount() <= 0) return false;
            ord = std::clamp<int64_t>(ord, 0, idx->frameCount() - 1);
            if (auto r = src_->seekToOrdinal(ord, 0); !r) {
                log::info("seek failed: %s", r.error().message.c_str());
                return false;
            }
            back = 0;
            skipOrdinal = ord;
            fill = toCache;
            firstAfterSeek = true;
            skipBefore = kNoTs;
            return true;
        };
        if (opt_.startFrame >= 0) {
            idx = src_->waitIndex();
            if (!idx || !seekOrdinal(opt_.startFrame, false))
                log::warn("%s: --start-frame needs the packet index, which this input has not; starting at the beginning",
                          spec_.title.c_str());
        } else if (opt_.startNs > 0 && (idx = src_->waitIndex()) && seekOrdinal(idx->ordinalAt(opt_.startNs), false)) {
            // exact, by ordinal
        } else if (opt_.startNs > 0) {
            if (auto r = src_->seek(opt_.startNs); !r)
                log::warn("%s: cannot seek to the start time: %s", spec_.title.c_str(), r.error().message.c_str());
            skipBefore = opt_.startNs;
            firstAfterSeek = true;
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
                const bool exact = seekExact_.load(std::memory_order_acquire);
                int64_t ord = seekOrdinal_.load(std::memory_order_acquire);
                const bool toCache = seekFill_.load(std::memory_order_acquire);
                if (!idx) idx = src_->index();
                if (exact && ord < 0 && idx) ord = idx->ordinalAt(target);
                int64_t t0 = monotonicNs();
                if (!(ord >= 0 && seekOrdinal(ord, toCache))) {
                    skipOrdinal = -1;
                    fill = false;
                    if (auto r = src_->seek(target); !r) log::info("seek failed: %s", r.error().message.c_str());
                    skipBefore = exact ? target : kNoTs;
                    timeBack = 0;
                    firstAfterSeek = exact;
                }
                stats_.busyNs[kDecode] += monotonicNs() - t0;
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
                skipOrdinal = -1;   // the target is past the end: show what there is
                Item it = EndItem{serial};
                if (!toScale_.push(it)) break;
                ended = true;
                continue;
            }
            ++framesThisPass;
            if (skipOrdinal >= 0) {
                const int64_t o = fr.info.ordinalExact ? fr.info.ordinal : idx->ordinalAt(fr.info.ptsNs);
                if (firstAfterSeek && o > skipOrdinal && back < kMaxBack) {
                    // Landed past the target (open GOP, MPEG-TS, a loose
                    // container index): one keyframe further back.
                    ++back;
                    stats_.reseeks.fetch_add(1, std::memory_order_relaxed);
                    if (src_->seekToOrdinal(skipOrdinal, back)) continue;
                }
                firstAfterSeek = false;
                if (o < skipOrdinal) {
                    if (!fill) {
                        stats_.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
                        continue;
                    }
                    fr.info.cacheOnly = true;   // the display keeps it for back-steps
                    stats_.cacheFilled.fetch_add(1, std::memory_order_relaxed);
                } else {
                    skipOrdinal = -1;
                    fill = false;
                }
            } else if (skipBefore != kNoTs) {
                if (firstAfterSeek && fr.info.ptsNs - fr.info.durationNs / 2 > skipBefore && timeBack < kMaxBack &&
                    skipBefore > 0) {
                    // No index: landed past the target; seek 1, 2, 4 ... s earlier.
                    const int64_t margin = int64_t(1000000000) << timeBack;
                    ++timeBack;
                    stats_.reseeks.fetch_add(1, std::memory_order_relaxed);
                    if (src_->seek(std::max<int64_t>(0, skipBefore - margin))) continue;
                }
                firstAfterSeek = false;
                if (fr.info.ptsNs + fr.info.durationNs / 2 <= skipBefore) {
                    stats_.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
                    continue;   // decoded on the way to an exact target
                }
                skipBefore = kNoTs;
            }
            fr.info.serial = serial;
            Item it = std::move(fr);
            toScale_.push(it, [&] { return quit_.load(std::memory_order_acquire) || stale(serial); });
        }
        toScale_.close();
    }

    // ---- qv-scale ----
    void scaleLoop() {
        nameThread("qv-scale");
        Link &next = encodeStage_ ? toEncode_ : toDisplay_;
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
                    int64_t t0 = monotonicNs(), c0 = threadCpuNs();
                    // Straight into the display's own buffer where it has one.
                    if (FrameSink *sink = sink_.load(std::memory_order_acquire)) sink->acquire(t, out.get());
                    auto r = scaler.convert(fr->frame.get(), t, out.get());
                    stats_.busyNs[kScale] += monotonicNs() - t0;
                    stats_.scaleCpuNs += threadCpuNs() - c0;
                    stats_.scaled.fetch_add(1, std::memory_order_relaxed);
                    if (!r) {
                        Item e = ErrorItem{r.takeError()};
                        next.push(e);
                        break;
                    }
                    av_frame_unref(fr->frame.get());
                    av_frame_move_ref(fr->frame.get(), out.get());
                }
            }
            const uint32_t s = serialOf(it);
            const bool isFrame = std::holds_alternative<FrameRef>(it);
            if (!next.push(it, [&] {
                    return quit_.load(std::memory_order_acquire) || (isFrame && stale(s));
                }) &&
                quit_.load())
                break;
        }
        next.close();
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
        sink_.store(display_->frameSink(), std::memory_order_release);
        target_.store(packTarget(t.value()), std::memory_order_release);
        cache_.clear();   // the frames in it were scaled for the old size
    }

    void recycle(FrameRef &fr) {
        if (!fr.frame) return;
        av_frame_unref(fr.frame.get());
        shells_.tryPush(fr.frame);   // full: the shell is freed with fr
        fr.frame.reset();
    }

    void say(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(message_, sizeof message_, fmt, ap);
        va_end(ap);
        messageUntilNs_ = monotonicNs() + 2000000000LL;
    }

    void updateStatus() {
        if (!display_->wantsStatus()) return;
        tui::StatusInfo s;
        const FrameInfo &i = current_.info;
        s.paused = paused_;
        s.speed = clock_.speed();
        s.posNs = i.ptsNs;
        s.durationNs = spec_.durationNs;
        s.ordinal = i.ordinal;
        s.ordinalExact = i.ordinalExact;
        s.totalFrames = index_ ? index_->frameCount() : spec_.frameCountEstimate;
        s.ptsNs = i.ptsNs;
        s.hasDts = i.dts != kNoTs;
        if (s.hasDts) s.dtsSec = static_cast<double>(i.dts) * i.tbNum / i.tbDen;
        s.pictType = i.pictType;
        s.key = i.key;
        s.pktSize = i.pktSize;
        s.decodeNs = i.decodeNs;
        s.fps = presentedFps();
        s.drops = stats_.droppedLate.load() + stats_.droppedLink.load();
        s.driftNs = lastDriftNs_;
        s.queues[0] = static_cast<int>(toScale_.size());
        s.queues[1] = encodeStage_ ? static_cast<int>(toEncode_.size()) : -1;
        s.queues[2] = static_cast<int>(toDisplay_.size());
        if (index_ && i.ordinalExact) {
            tui::formatGopMap(index_->keyOrdinals(), index_->frameCount(), i.ordinal, 16, gopMap_);
            s.gopMap = gopMap_;
        }
        if (gotoActive_) {
            std::snprintf(prompt_, sizeof prompt_, "go to frame: %s_", gotoDigits_);
            s.message = prompt_;
        } else if (monotonicNs() < messageUntilNs_) {
            s.message = message_;
        }
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

    void logFrame(const char *event, const FrameInfo &i, int64_t now) {
        if (!frameLog_) return;
        const double pts = static_cast<double>(i.ptsNs) / 1e9;
        if (i.dts != kNoTs)
            std::fprintf(frameLog_, "%s\t%s%" PRId64 "\t%.6f\t%.6f\t%c\t%d\t%" PRId64 "\n", event,
                         i.ordinalExact ? "" : "~", i.ordinal, pts, static_cast<double>(i.dts) * i.tbNum / i.tbDen,
                         i.pictType, i.key ? 1 : 0, now);
        else
            std::fprintf(frameLog_, "%s\t%s%" PRId64 "\t%.6f\t-\t%c\t%d\t%" PRId64 "\n", event,
                         i.ordinalExact ? "" : "~", i.ordinal, pts, i.pictType, i.key ? 1 : 0, now);
    }

    int64_t gopOf(int64_t ordinal) const {
        if (!index_) return -1;
        const int64_t k = index_->prevKey(ordinal + 1);
        return k;
    }

    // Keeps a reference to the frame on screen in the step cache (paused
    // only: playback must not allocate or hold memory).
    void cacheCurrent() {
        if (!current_.frame || !current_.info.ordinalExact || !index_) return;
        if (cache_.contains(current_.info.ordinal)) return;
        FrameRef c;
        c.frame = allocFrame();
        if (av_frame_ref(c.frame.get(), current_.frame.get()) < 0) return;
        c.info = current_.info;
        c.info.cacheOnly = false;
        cache_.put(std::move(c), gopOf(c.info.ordinal));
    }

    bool presentFrame(FrameRef &fr, int64_t now, int64_t deadline, bool timed = false) {
        lastDriftNs_ = opt_.sync ? now - deadline : 0;
        if (timed && audio_ && avDiffs_.size() < kAvDiffs) {
            int64_t apos = 0;
            if (audio_->position(now, apos)) avDiffs_.push_back(fr.info.ptsNs - apos);
        }
        std::swap(current_, fr);
        recycle(fr);
        updateStatus();
        int64_t t0 = monotonicNs();
        auto r = display_->present(current_);
        stats_.busyNs[kDisplay] += monotonicNs() - t0;
        if (!r) {
            if (r.error().kind == ErrorKind::Display && r.error().native == EAGAIN) {
                // Not shown (kms: every buffer busy, the VT away): a counted drop.
                stats_.droppedLate.fetch_add(1, std::memory_order_relaxed);
                logFrame("dropped-display", current_.info, now);
                return true;
            }
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
        logFrame("presented", current_.info, now);
        if (paused_) cacheCurrent();
        answerWaiting();
        const int64_t n = stats_.presented.fetch_add(1, std::memory_order_relaxed) + 1;
        if (opt_.onPresented) opt_.onPresented(n);
        if (opt_.maxFrames > 0 && n >= opt_.maxFrames) finish(ExitCode::Ok);
        return true;
    }

    // Shows a frame from the step cache now; false when it is not there.
    bool presentCached(int64_t ordinal) {
        FrameRef f;
        if (!cache_.get(ordinal, f)) return false;
        stats_.cacheHits.fetch_add(1, std::memory_order_relaxed);
        f.info.serial = displaySerial_;
        const int64_t now = monotonicNs();
        lastFromCache_ = true;
        stepPending_ = false;
        stepTarget_ = -1;
        presentFrame(f, now, now);
        return true;
    }

    void dropStale() {
        Item it;
        while (FrameRef *f = peekFrame()) {
            if (f->info.serial == displaySerial_) break;
            toDisplay_.tryPop(it);
            if (auto *fr = std::get_if<FrameRef>(&it)) {
                logFrame("dropped-stale", fr->info, monotonicNs());
                recycle(*fr);
            }
            stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
        }
    }

    // Go to an exact ordinal: from the step cache when it is there, else a
    // seek (fill: keep the frames decoded on the way for back-steps).
    void gotoOrdinal(int64_t ordinal, bool fill) {
        if (index_) ordinal = std::clamp<int64_t>(ordinal, 0, std::max<int64_t>(index_->frameCount() - 1, 0));
        if (paused_ && presentCached(ordinal)) return;
        const int64_t ns = index_ ? index_->ptsNsOf(ordinal) : ordinal * frameNs();
        displaySerial_ = requestSeek(ns, true, index_ ? ordinal : -1, fill && index_ != nullptr);
        clock_.reset();
        lastFromCache_ = false;
        stepPending_ = paused_;
        stepTarget_ = paused_ && index_ ? ordinal : -1;
        stepSeekIssued_ = ordinal;
        dropStale();
    }

    int64_t frameNs() const {
        return spec_.fpsNum > 0 ? int64_t(1000000000) * spec_.fpsDen / spec_.fpsNum : 40000000;
    }

    bool exactHere() const { return current_.frame && current_.info.ordinalExact && index_; }

    void stepForward() {
        paused_ = true;
        if (exactHere()) {
            const int64_t want = current_.info.ordinal + 1;
            if (want >= index_->frameCount()) {
                say("last frame");
                answerWaiting();
                return;
            }
            if (presentCached(want)) return;
            stepTarget_ = want;
            stepSeekIssued_ = -1;
        } else {
            stepTarget_ = -1;
        }
        stepPending_ = true;
    }

    void stepBack() {
        paused_ = true;
        if (!current_.frame) return;
        if (!exactHere()) {
            // No index yet: an exact seek by time to the frame before.
            if (current_.info.ptsNs <= 0) {
                say("first frame");
                answerWaiting();
                return;
            }
            say("back-step by time (index not ready)");
            seekBy(-std::max<int64_t>(current_.info.durationNs, 1) / 2 - 1, true);
            return;
        }
        const int64_t want = current_.info.ordinal - 1;
        if (want < 0) {
            say("first frame");
            answerWaiting();
            return;
        }
        if (presentCached(want)) return;
        // First press in this GOP: decode from its keyframe to want once,
        // keeping every frame on the way.
        gotoOrdinal(want, true);
    }

    void jumpKey(bool forward) {
        if (!exactHere()) {
            say("keyframe jumps wait for the packet index");
            answerWaiting();
            return;
        }
        const int64_t k = forward ? index_->nextKey(current_.info.ordinal) : index_->prevKey(current_.info.ordinal);
        if (k < 0) {
            say(forward ? "no keyframe after this one" : "no keyframe before this one");
            answerWaiting();
            return;
        }
        gotoOrdinal(k, false);
    }

    void resume() {
        paused_ = false;
        stepPending_ = false;
        stepTarget_ = -1;
        clock_.reset();   // re-anchor on the next frame
        // After cache steps the decoder is elsewhere: continue from the
        // frame after the one on screen.
        if (exactHere()) {
            const int64_t next = current_.info.ordinal + 1;
            FrameRef *h = peekFrame();
            const bool aligned = h ? h->info.serial == displaySerial_ && h->info.ordinal == next : !lastFromCache_;
            if (!aligned && next < index_->frameCount()) gotoOrdinal(next, false);
        }
        lastFromCache_ = false;
    }

    void onCommand(tui::Command c) {
        const int64_t now = monotonicNs();
        switch (c) {
        case tui::Command::None: return;
        case tui::Command::Quit: finish(ExitCode::Ok); return;
        case tui::Command::TogglePause:
            if (paused_) resume();
            else paused_ = true;
            break;
        case tui::Command::StepForward: stepForward(); break;
        case tui::Command::StepBack: stepBack(); break;
        case tui::Command::SeekBack: seekBy(-5000000000LL, opt_.seekExact); break;
        case tui::Command::SeekForward: seekBy(5000000000LL, opt_.seekExact); break;
        case tui::Command::SeekBackLong: seekBy(-60000000000LL, opt_.seekExact); break;
        case tui::Command::SeekForwardLong: seekBy(60000000000LL, opt_.seekExact); break;
        case tui::Command::SeekBackExact: seekBy(-1000000000LL, true); break;
        case tui::Command::SeekForwardExact: seekBy(1000000000LL, true); break;
        case tui::Command::PrevKeyframe: jumpKey(false); break;
        case tui::Command::NextKeyframe: jumpKey(true); break;
        case tui::Command::FirstFrame:
            if (index_) gotoOrdinal(0, false);
            else seekBy(-current_.info.ptsNs, true);
            break;
        case tui::Command::LastFrame:
            if (index_) gotoOrdinal(index_->frameCount() - 1, false);
            else say("the last frame needs the packet index");
            break;
        case tui::Command::GotoFrame:
            gotoActive_ = true;
            gotoDigits_[0] = 0;
            break;
        case tui::Command::Screenshot: screenshot(-1); break;
        case tui::Command::SpeedDown:
        case tui::Command::SpeedUp:
        case tui::Command::SpeedReset: {
            double s = clock_.speed();
            s = c == tui::Command::SpeedReset ? 1.0 : c == tui::Command::SpeedUp ? s * 1.1 : s / 1.1;
            setSpeed(s, now);
            break;
        }
        case tui::Command::ToggleStatus: statusVisible_ = !statusVisible_; break;
        case tui::Command::VolumeDown:
        case tui::Command::VolumeUp:
            if (!audio_) {
                say("no audio");
                break;
            }
            audio_->setVolume(audio_->volume() + (c == tui::Command::VolumeUp ? 10 : -10));
            audio_->setMuted(false);
            say("volume %d%%", audio_->volume());
            break;
        case tui::Command::Mute:
            if (!audio_) {
                say("no audio");
                break;
            }
            audio_->setMuted(!audio_->muted());
            say(audio_->muted() ? "muted" : "volume %d%%", audio_->volume());
            break;
        case tui::Command::Fullscreen: display_->toggleFullscreen(); break;
        }
        redrawStatus();
    }

    void setSpeed(double s, int64_t now) {
        s = std::clamp(s, 0.1, 16.0);
        if (std::fabs(s - 1.0) < 0.01) s = 1.0;
        clock_.setSpeed(s, now, current_.info.ptsNs);
        if (audio_) {
            // The sound restarts at the next frame, resampled for the new speed.
            audio_->setSpeed(s);
            clock_.reset();
        }
        say("speed %.2fx", s);
    }

    void redrawStatus() {
        updateStatus();
        (void)display_->drawStatus(status_);
    }

    // Keyframe seek by default; exact lands on the frame at the target.
    void seekBy(int64_t deltaNs, bool exact = false) {
        int64_t target = current_.info.ptsNs + deltaNs;
        if (spec_.durationNs > 0 && target > spec_.durationNs) target = spec_.durationNs - 1;
        if (target < 0) target = 0;
        if (exactHere() && index_->frameCount() > 0) {
            // With the index every seek is by ordinal; a keyframe seek picks
            // the keyframe itself (forward: never one before the frame on
            // screen), so MPEG-TS keyframe seeks cannot land mid-GOP.
            int64_t o = index_->ordinalAt(target);
            const int64_t cur = current_.info.ordinal;
            if (!exact) {
                int64_t k = index_->prevKey(o + 1);
                if (deltaNs > 0 && k <= cur) k = index_->nextKey(cur);
                if (k < 0) k = deltaNs > 0 ? index_->frameCount() - 1 : 0;
                o = k;
            }
            gotoOrdinal(o, false);
            return;
        }
        seekToTime(target, exact);
    }

    // A seek by time (no ordinal to aim at).
    void seekToTime(int64_t target, bool exact) {
        displaySerial_ = requestSeek(target, exact);
        clock_.reset();
        lastFromCache_ = false;
        stepTarget_ = -1;
        if (paused_) stepPending_ = true;   // show where we landed, stay paused
        dropStale();   // what is queued for the display now is all stale
    }

    // The frame on screen as a full-size PNG (the exact frame decoded again
    // on a worker thread, with rotation and SAR applied, as qv thumb does).
    // client >= 0: answer that IPC client when written.
    void screenshot(int ipcClient, int64_t requestId = 0) {
        if (opt_.input.empty() || !current_.frame) {
            say("screenshots need a file");
            if (ipcClient >= 0) replyError(ipcClient, requestId, "screenshots need a file");
            return;
        }
        const FrameInfo i = current_.info;
        const char *slash = std::strrchr(opt_.input.c_str(), '/');
        std::string base = slash ? slash + 1 : opt_.input;
        if (auto dot = base.rfind('.'); dot != std::string::npos && dot > 0) base.resize(dot);
        char name[96];
        std::snprintf(name, sizeof name, "-f%06" PRId64 "-pts%.3f.png", i.ordinal, static_cast<double>(i.ptsNs) / 1e9);
        const std::string path = opt_.screenshotDir + "/" + base + name;
        ThumbRequest req;
        req.useMmap = opt_.useMmap;
        if (i.ordinalExact && index_) req.frame = i.ordinal;
        else req.atNs = i.ptsNs;
        const std::string input = opt_.input;
        if (ipcClient >= 0) {
            auto r = writeThumb(input, path, req);
            if (r) replyOk(ipcClient, requestId, "\"" + ipc::jsonEscape(path) + "\"");
            else replyError(ipcClient, requestId, r.error().message);
            return;
        }
        say("saving %s", path.c_str());
        shots_.emplace_back([this, input, path, req] {
            auto r = writeThumb(input, path, req);
            std::lock_guard<std::mutex> lk(shotMutex_);
            shotResult_ = r ? "saved " + path : "screenshot failed: " + r.error().message;
            shotDone_.store(true, std::memory_order_release);
        });
        ++shotsInFlight_;
    }

    // ---- --input-ipc ----
    void replyOk(int client, int64_t id, const std::string &data) {
        char head[64];
        std::snprintf(head, sizeof head, "{\"request_id\": %" PRId64 ", \"error\": \"success\"", id);
        ipc_.reply(client, std::string(head) + (data.empty() ? "" : ", \"data\": " + data) + "}");
    }
    void replyError(int client, int64_t id, const std::string &msg) {
        char head[64];
        std::snprintf(head, sizeof head, "{\"request_id\": %" PRId64 ", \"error\": \"", id);
        ipc_.reply(client, std::string(head) + ipc::jsonEscape(msg) + "\"}");
    }

    std::string frameJson() const {
        const FrameInfo &i = current_.info;
        char b[256];
        std::snprintf(b, sizeof b,
                      "{\"ordinal\": %" PRId64 ", \"exact\": %s, \"pts\": %.6f, \"type\": \"%c\", \"key\": %s, "
                      "\"paused\": %s}",
                      i.ordinal, i.ordinalExact ? "true" : "false", static_cast<double>(i.ptsNs) / 1e9, i.pictType,
                      i.key ? "true" : "false", paused_ ? "true" : "false");
        return b;
    }

    // Answers the requests that wait for the next frame on screen.
    void answerWaiting() {
        if (waiting_.empty()) return;
        const std::string data = frameJson();
        for (const auto &w : waiting_) replyOk(w.first, w.second, data);
        waiting_.clear();
    }

    std::string property(const std::string &name, bool &ok) const {
        ok = true;
        const FrameInfo &i = current_.info;
        char b[64];
        auto num = [&](int64_t v) {
            std::snprintf(b, sizeof b, "%" PRId64, v);
            return std::string(b);
        };
        auto real = [&](double v) {
            std::snprintf(b, sizeof b, "%.6f", v);
            return std::string(b);
        };
        if (name == "ordinal" || name == "frame" || name == "estimated-frame-number") return num(i.ordinal);
        if (name == "ordinal-exact") return i.ordinalExact ? "true" : "false";
        if (name == "pts" || name == "time-pos" || name == "playback-time") return real(i.ptsNs / 1e9);
        if (name == "dts") return i.dts != kNoTs ? real(static_cast<double>(i.dts) * i.tbNum / i.tbDen) : "null";
        if (name == "pict-type") return std::string("\"") + i.pictType + "\"";
        if (name == "key") return i.key ? "true" : "false";
        if (name == "pkt-size") return num(i.pktSize);
        if (name == "pause" || name == "paused") return paused_ ? "true" : "false";
        if (name == "frame-count" || name == "estimated-frame-count")
            return num(index_ ? index_->frameCount() : spec_.frameCountEstimate);
        if (name == "index-ready") return index_ ? "true" : "false";
        if (name == "duration") return real(spec_.durationNs / 1e9);
        if (name == "presented") return num(stats_.presented.load());
        if (name == "dropped") return num(stats_.droppedLate.load() + stats_.droppedLink.load());
        if (name == "dropped-link") return num(stats_.droppedLink.load());
        if (name == "step-cache-bytes") return num(cache_.bytes());
        if (name == "step-cache-frames") return num(static_cast<int64_t>(cache_.size()));
        if (name == "step-cache-budget") return num(cache_.budget());
        if (name == "step-cache-hits") return num(stats_.cacheHits.load());
        if (name == "decoded") return num(src_->stats().framesDecoded.load());
        if (name == "speed") return real(clock_.speed());
        if (name == "volume") return num(audio_ ? audio_->volume() : 0);
        if (name == "mute") return audio_ && audio_->muted() ? "true" : "false";
        if (name == "audio") return audio_ ? "true" : "false";
        if (name == "filename") return "\"" + ipc::jsonEscape(spec_.title) + "\"";
        if (name == "frame-info") return frameJson();
        ok = false;
        return {};
    }

    static bool truthy(const std::string &v) { return v == "yes" || v == "true" || v == "1" || v == "on"; }

    void handleIpc(int client, const std::string &line) {
        const ipc::Request r = ipc::parseRequest(line);
        if (!r.ok) {
            replyError(client, r.requestId, r.error);
            return;
        }
        const std::string &c = r.args[0];
        auto arg = [&](size_t k) { return k < r.args.size() ? r.args[k] : std::string(); };
        auto waitFrame = [&] { waiting_.emplace_back(client, r.requestId); };
        if (c == "quit") {
            replyOk(client, r.requestId, "");
            finish(ExitCode::Ok);
        } else if (c == "frame-step") {
            waitFrame();
            stepForward();
        } else if (c == "frame-back-step") {
            waitFrame();
            stepBack();
        } else if (c == "prev-keyframe" || c == "next-keyframe") {
            waitFrame();
            jumpKey(c == "next-keyframe");
        } else if (c == "goto-frame") {
            char *end = nullptr;
            const long long n = std::strtoll(arg(1).c_str(), &end, 10);
            if (arg(1).empty() || *end || n < 0) return replyError(client, r.requestId, "goto-frame needs a frame number");
            if (!index_) index_ = src_->waitIndex();
            if (!index_) return replyError(client, r.requestId, "this input has no packet index");
            if (n >= index_->frameCount()) return replyError(client, r.requestId, "no such frame");
            waitFrame();
            if (paused_ && current_.frame && current_.info.ordinalExact && current_.info.ordinal == n) answerWaiting();
            else gotoOrdinal(n, false);
        } else if (c == "seek") {
            char *end = nullptr;
            const double v = std::strtod(arg(1).c_str(), &end);
            if (arg(1).empty() || *end) return replyError(client, r.requestId, "seek needs a number of seconds");
            const std::string flags = arg(2) + "+" + arg(3);
            const bool absolute = flags.find("absolute") != std::string::npos;
            bool exact = opt_.seekExact;
            if (flags.find("exact") != std::string::npos) exact = true;
            if (flags.find("keyframe") != std::string::npos) exact = false;
            const int64_t ns = static_cast<int64_t>(v * 1e9);
            waitFrame();
            seekBy(absolute ? ns - current_.info.ptsNs : ns, exact);
        } else if (c == "set" || c == "set_property") {
            if (arg(1) == "speed") {
                char *end = nullptr;
                const double v = std::strtod(arg(2).c_str(), &end);
                if (arg(2).empty() || *end || v < 0.1 || v > 16) return replyError(client, r.requestId, "speed needs 0.1 to 16");
                setSpeed(v, monotonicNs());
                redrawStatus();
                return replyOk(client, r.requestId, "");
            }
            if (arg(1) == "volume" || arg(1) == "mute") {
                if (!audio_) return replyError(client, r.requestId, "no audio");
                if (arg(1) == "mute") audio_->setMuted(truthy(arg(2)));
                else audio_->setVolume(std::atoi(arg(2).c_str()));
                return replyOk(client, r.requestId, "");
            }
            if (arg(1) != "pause") return replyError(client, r.requestId, "pause, speed, volume and mute can be set");
            const bool p = truthy(arg(2));
            if (p != paused_) onCommand(tui::Command::TogglePause);
            replyOk(client, r.requestId, "");
        } else if (c == "cycle" && arg(1) == "pause") {
            onCommand(tui::Command::TogglePause);
            replyOk(client, r.requestId, "");
        } else if (c == "get" || c == "get_property") {
            bool ok = false;
            const std::string v = property(arg(1), ok);
            if (!ok) return replyError(client, r.requestId, "property unavailable");
            replyOk(client, r.requestId, v);
        } else if (c == "screenshot") {
            screenshot(client, r.requestId);
        } else if (c == "keypress") {
            tui::KeyParser kp;
            const std::string k = arg(1);
            kp.feed(k.data(), k.size());
            tui::Key key;
            while (kp.next(key, true)) handleKey(key);
            replyOk(client, r.requestId, "");
        } else {
            replyError(client, r.requestId, "unknown command " + c);
        }
    }

    void readIpc() {
        if (!ipc_.listening()) return;
        ipcLines_.clear();
        ipc_.read(ipcLines_);
        for (const auto &l : ipcLines_) {
            if (done_) break;
            handleIpc(l.client, l.text);
        }
    }

    // A frame the scale stage made for a target the display has replaced.
    bool scaledForOldLayout(const FrameRef &fr) const {
        const ScaleTarget t = unpackTarget(target_.load(std::memory_order_acquire));
        if (t.width <= 0 || !fr.frame) return false;
        return fr.frame->width != t.width || fr.frame->height != t.height;
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
            } else if (display_->handleSignal(s)) {
                if (display_->away()) {
                    // The screen went to another VT: pause until it is back.
                    pausedBeforeAway_ = paused_;
                    if (!paused_) onCommand(tui::Command::TogglePause);
                    say("screen given away (VT switch): paused");
                } else {
                    if (current_.frame) (void)display_->present(current_);
                    if (!pausedBeforeAway_ && paused_) onCommand(tui::Command::TogglePause);
                    redrawStatus();
                }
            } else if (s == SIGUSR1 || s == SIGUSR2) {
                // not asked for by the display: ignore
            } else {
                finish(static_cast<ExitCode>(128 + s));
            }
        }
    }

    // The g N ENTER prompt takes keys before the key map.
    void handleKey(const tui::Key &k) {
        if (gotoActive_) {
            size_t n = std::strlen(gotoDigits_);
            if (k.code == tui::KeyCode::Char && k.ch >= '0' && k.ch <= '9') {
                if (n + 1 < sizeof gotoDigits_) {
                    gotoDigits_[n] = k.ch;
                    gotoDigits_[n + 1] = 0;
                }
            } else if (k.code == tui::KeyCode::Backspace) {
                if (n > 0) gotoDigits_[n - 1] = 0;
            } else if (k.code == tui::KeyCode::Enter) {
                gotoActive_ = false;
                if (n > 0) {
                    const int64_t target = std::strtoll(gotoDigits_, nullptr, 10);
                    if (!index_) say("go to frame waits for the packet index");
                    else if (target >= index_->frameCount())
                        say("no frame %" PRId64 " (%" PRId64 " frames)", target, index_->frameCount());
                    else gotoOrdinal(target, false);
                }
            } else {
                gotoActive_ = false;   // ESC or any other key cancels
            }
            redrawStatus();
            return;
        }
        onCommand(tui::commandFor(k));
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
        while (!done_ && keys_.next(k, flushEscape)) handleKey(k);
    }

    void displayLoop() {
        nameThread("qv-display");
        configureDisplay();
        clock_.setSpeed(opt_.speed, 0, 0);
        updateStatus();
        while (!done_) {
            if (!index_) {
                index_ = src_->index();
                if (index_ && current_.frame) redrawStatus();
            }
            readSignals();
            const bool escDue = keys_.pendingEscape() && monotonicNs() - escSinceNs_ >= tui::kEscTimeoutMs * 1000000LL;
            readKeys(escDue);
            if (display_->pollIntervalMs() >= 0) {
                winKeys_.clear();
                display_->pollInput(winKeys_);
                if (!winKeys_.empty()) {
                    winParser_.feed(winKeys_.data(), winKeys_.size());
                    tui::Key k;
                    while (!done_ && winParser_.next(k, true)) handleKey(k);
                }
            }
            if (audio_ && (paused_ || stepPending_)) audio_->setPaused(true);
            readIpc();
            if (shotDone_.load(std::memory_order_acquire)) {
                shotDone_.store(false);
                shotsInFlight_ = 0;
                std::lock_guard<std::mutex> lk(shotMutex_);
                say("%s", shotResult_.c_str());
                redrawStatus();
            }
            if (done_) break;
            if (resizePending_ || display_->relayout()) {
                resizePending_ = false;
                configureDisplay();
                if (done_) break;
                // Paused: show the same frame again at the new size.
                if (paused_ && current_.frame) {
                    if (exactHere()) gotoOrdinal(current_.info.ordinal, false);
                    else seekBy(0, true);
                }
                redrawStatus();
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
                if (current && stepPending_) {
                    // A step or seek past the last frame: stay on what is shown.
                    stepPending_ = false;
                    stepTarget_ = -1;
                    say("end of file");
                    answerWaiting();
                    redrawStatus();
                }
                if (current && !paused_) {
                    // Let the last frame stay for its duration, then stop.
                    sleepUntil(lastPresentNs_ + static_cast<int64_t>(current_.info.durationNs / clock_.speed()));
                    // And let the sound that goes with it finish (at most 2 s more).
                    const int64_t limit = monotonicNs() + 2000000000LL;
                    while (audio_ && audio_->playing() && !done_ && monotonicNs() < limit)
                        sleepUntil(monotonicNs() + 10000000);
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
                    logFrame("dropped-stale", std::get<FrameRef>(it).info, monotonicNs());
                    recycle(std::get<FrameRef>(it));
                    stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
                    continue;
                }
                if (scaledForOldLayout(fr)) {
                    // Scaled before the display laid out again (a resize, a
                    // governor step): drop it, and when it was to be the
                    // frame on screen (paused, a step), ask for it again at
                    // the new size instead of showing nothing.
                    Item it;
                    toDisplay_.tryPop(it);
                    FrameRef &f = std::get<FrameRef>(it);
                    const bool want = stepPending_ && !f.info.cacheOnly;
                    const FrameInfo info = f.info;
                    logFrame("dropped-stale", info, monotonicNs());
                    recycle(f);
                    stats_.droppedStale.fetch_add(1, std::memory_order_relaxed);
                    if (want) {
                        if (index_ && info.ordinalExact) gotoOrdinal(stepTarget_ >= 0 ? stepTarget_ : info.ordinal, false);
                        else seekToTime(info.ptsNs, true);
                    }
                    continue;
                }
                if (fr.info.cacheOnly) {
                    // Decoded on the way to a back-step target: keep it.
                    Item it;
                    toDisplay_.tryPop(it);
                    FrameRef &f = std::get<FrameRef>(it);
                    if (f.info.ordinalExact && index_) {
                        const int64_t gop = gopOf(f.info.ordinal);
                        cache_.put(std::move(f), gop);
                    } else {
                        recycle(f);
                    }
                    continue;
                }
                if (stepPending_ && stepTarget_ >= 0 && fr.info.ordinalExact) {
                    if (fr.info.ordinal < stepTarget_) {
                        // Already decoded, on the way to the target.
                        Item it;
                        toDisplay_.tryPop(it);
                        FrameRef &f = std::get<FrameRef>(it);
                        stats_.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
                        if (index_) cache_.put(std::move(f), gopOf(f.info.ordinal));
                        else recycle(f);
                        continue;
                    }
                    if (fr.info.ordinal > stepTarget_ && stepSeekIssued_ != stepTarget_) {
                        gotoOrdinal(stepTarget_, false);   // the target is behind what is queued
                        continue;
                    }
                }
                if (!paused_ || stepPending_) {
                    const int64_t now = monotonicNs();
                    const bool audible = audio_ && opt_.sync && !paused_ && !stepPending_;
                    if (!clock_.anchored()) {
                        clock_.anchor(now, fr.info.ptsNs);
                        // The sound starts (again) at the frame that starts
                        // the picture; the picture waits for it to be heard
                        // (at most kAudioStartWaitNs: a device that does not
                        // start must not freeze the video).
                        if (audible) {
                            audio_->start(fr.info.ptsNs);
                            audioWaitUntil_ = now + kAudioStartWaitNs;
                        }
                    }
                    // While the sound plays it is the master: the clock
                    // follows the samples being heard.
                    int64_t heard = 0;
                    if (audible && audio_->position(now, heard)) {
                        clock_.anchor(now, heard);
                        audioWaitUntil_ = 0;
                    } else if (audible && now < audioWaitUntil_) {
                        sleepOnEvents(false, 1000000);
                        continue;
                    }
                    SchedInput in;
                    in.nowNs = now;
                    // Early by what the display takes to show it (flip latency).
                    in.deadlineNs = clock_.deadline(fr.info.ptsNs) - display_->presentLatencyNs();
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
                            logFrame("dropped-late", f.info, now);
                            recycle(f);
                            continue;
                        }
                        if (d.verdict == Verdict::Resync) {
                            stats_.resyncs.fetch_add(1, std::memory_order_relaxed);
                            clock_.anchor(now, f.info.ptsNs);
                            in.deadlineNs = now;
                        }
                        const bool wasStep = stepPending_;
                        if (!wasStep && !display_->wantsFrame(now)) {
                            // The link (or --max-bandwidth) cannot take it now.
                            stats_.droppedLink.fetch_add(1, std::memory_order_relaxed);
                            logFrame("dropped-link", f.info, now);
                            recycle(f);
                            continue;
                        }
                        if (wasStep) in.deadlineNs = now;   // a step is on time by definition
                        if (wasStep) {
                            stepPending_ = false;
                            stepTarget_ = -1;
                            lastFromCache_ = false;
                        }
                        if (!presentFrame(f, now, in.deadlineNs, !wasStep)) break;
                        if (wasStep) clock_.reset();
                        continue;
                    }
                }
            }
            sleepOnEvents(waitData, timeoutNs);
        }
        answerWaiting();
        if (audio_) audio_->setPaused(true);
        if (!hasError_) {
            auto r = display_->finish();
            if (!r && exit_ == ExitCode::Ok) {
                if (r.error().native == EPIPE) {
                    exit_ = static_cast<ExitCode>(128 + SIGPIPE);
                } else {
                    error_ = r.takeError();
                    hasError_ = true;
                    exit_ = exitCodeFor(error_.kind);
                }
            }
        }
        display_->release();
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
        // Look for the index and for screenshot results now and then.
        if ((!index_ || shotsInFlight_ > 0) && (timeoutNs < 0 || timeoutNs > 100000000)) timeoutNs = 100000000;
        if (const int p = display_->pollIntervalMs(); p >= 0 && (timeoutNs < 0 || timeoutNs > p * 1000000LL))
            timeoutNs = p * 1000000LL;
        if (messageUntilNs_ > 0) {
            const int64_t left = messageUntilNs_ - monotonicNs();
            if (left <= 0) {
                messageUntilNs_ = 0;
                redrawStatus();   // the message expired
            } else if (timeoutNs < 0 || left < timeoutNs) {
                timeoutNs = left;
            }
        }
        pollFds_.clear();
        if (sigFd_ >= 0) pollFds_.push_back({sigFd_, POLLIN, 0});
        if (ttyFd_ >= 0) pollFds_.push_back({ttyFd_, POLLIN, 0});
        ipcFds_.clear();
        ipc_.pollFds(ipcFds_);
        for (int fd : ipcFds_) pollFds_.push_back({fd, POLLIN, 0});
        Waiter &w = toDisplay_.dataWaiter();
        if (waitData) {
            pollFds_.push_back({w.eventFd(), POLLIN, 0});
            w.prepare();
            if (!toDisplay_.empty() || toDisplay_.closed()) {
                w.cancel();
                return;
            }
        }
        const int ms = timeoutNs < 0 ? -1 : static_cast<int>((timeoutNs + 999999) / 1000000);
        ::poll(pollFds_.data(), static_cast<nfds_t>(pollFds_.size()), ms);
        if (waitData) {
            w.cancel();
            w.drainEventFd();
        }
    }

    static constexpr int kFpsWindow = 32;

    PlayOptions opt_;
    std::unique_ptr<VideoSource> src_;
    std::unique_ptr<Display> display_;
    std::unique_ptr<AudioPlayer> audio_;
    StreamSpec spec_;
    int sigFd_ = -1;
    int ttyFd_ = -1;

    Link toScale_, toEncode_, toDisplay_;
    const bool encodeStage_ = false;   // true once something encodes (recording)
    ShellRing shells_;
    std::atomic<uint32_t> serial_{0};
    std::atomic<int64_t> seekTarget_{0};
    std::atomic<bool> seekExact_{false};
    std::atomic<int64_t> seekOrdinal_{-1};
    std::atomic<bool> seekFill_{false};
    std::atomic<uint64_t> target_{0};
    std::atomic<FrameSink *> sink_{nullptr};
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
    tui::KeyParser winParser_;   // keys from a window display
    std::string winKeys_;
    static constexpr size_t kAvDiffs = 1 << 17;
    static constexpr int64_t kAudioStartWaitNs = 500000000;
    int64_t audioWaitUntil_ = 0;      // the first frame after a start waits for the sound until then
    bool pausedBeforeAway_ = false;   // paused when the screen went to another VT
    std::vector<int64_t> avDiffs_;
    std::string status_;
    // navigation
    std::shared_ptr<const PacketIndex> index_;
    StepCache cache_;
    int64_t stepTarget_ = -1;       // ordinal a pending step must land on
    int64_t stepSeekIssued_ = -1;   // target a seek was already asked for
    bool lastFromCache_ = false;    // the frame on screen came from the cache
    bool gotoActive_ = false;
    char gotoDigits_[20] = {0};
    char prompt_[48] = {0};
    char message_[160] = {0};
    int64_t messageUntilNs_ = 0;
    char gopMap_[32] = {0};
    // side channels
    FILE *frameLog_ = nullptr;
    ipc::Server ipc_;
    std::vector<ipc::Server::Line> ipcLines_;
    std::vector<std::pair<int, int64_t>> waiting_;   // IPC requests answered at the next present
    std::vector<struct pollfd> pollFds_;
    std::vector<int> ipcFds_;
    std::vector<std::thread> shots_;
    std::mutex shotMutex_;
    std::string shotResult_;
    std::atomic<bool> shotDone_{false};
    int shotsInFlight_ = 0;
};

void printStats(Player &p, const std::string &title, int64_t bytes) {
    const Stats &s = p.stats();
    const SourceStats &ss = p.source().stats();
    std::fprintf(stderr,
                 "qv stats: %s\n"
                 "  frames: decoded %" PRId64 ", presented %" PRId64 ", dropped %" PRId64
                 " (late %" PRId64 ", link %" PRId64 ", stale after seek %" PRId64 "), skipped to start %" PRId64
                 ", resyncs %" PRId64 "\n"
                 "  packets: %" PRId64 ", corrupt skipped %" PRId64 ", frames with concealed errors %" PRId64 "\n"
                 "  navigation: re-seeks %" PRId64 ", frames decoded for the step cache %" PRId64
                 ", steps from the cache %" PRId64 "\n",
                 title.c_str(), ss.framesDecoded.load(), s.presented.load(),
                 s.droppedLate.load() + s.droppedLink.load() + s.droppedStale.load(), s.droppedLate.load(),
                 s.droppedLink.load(), s.droppedStale.load(),
                 s.skippedToTarget.load(), s.resyncs.load(), ss.packets.load(), ss.corruptPackets.load(), ss.corruptFrames.load(),
                 s.reseeks.load(), s.cacheFilled.load(), s.cacheHits.load());
    std::fprintf(stderr, "  busy ms:");
    for (int i = 0; i < kStages; ++i)
        std::fprintf(stderr, " %s %.1f%s", kStageNames[i], s.busyNs[i].load() / 1e6, i + 1 < kStages ? "," : "\n");
    if (s.scaled.load() > 0)
        std::fprintf(stderr, "  scale CPU: %.2f ms a frame over %" PRId64 " frames\n",
                     s.scaleCpuNs.load() / 1e6 / static_cast<double>(s.scaled.load()), s.scaled.load());
    if (p.hasEncodeStage())
        std::fprintf(stderr, "  queue high-water (capacity %zu): decode->scale %zu, scale->encode %zu, encode->display %zu\n",
                     kLinkCapacity, p.highWater(0), p.highWater(1), p.highWater(2));
    else
        std::fprintf(stderr, "  queue high-water (capacity %zu): decode->scale %zu, scale->display %zu (no encode stage)\n",
                     kLinkCapacity, p.highWater(0), p.highWater(2));
    if (const AudioPlayer *a = p.audio()) {
        std::vector<int64_t> &d = p.avDiffs();
        for (auto &v : d) v = v < 0 ? -v : v;
        int64_t med = 0, p99 = 0;
        medianP99(d.data(), d.size(), med, p99);
        std::fprintf(stderr, "  audio: %s; broken packets skipped %" PRId64 ", underruns %" PRId64 "\n", a->describe().c_str(),
                     a->decodeErrors(), a->underruns());
        if (!d.empty())
            std::fprintf(stderr, "  A-V: median %.1f ms, 99th percentile %.1f ms, over %zu frames\n", med / 1e6, p99 / 1e6,
                         d.size());
        else
            std::fprintf(stderr, "  A-V: no frame was presented while the sound played\n");
    }
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
    Error srcError;
    bool noVideo = false;
    if (opt.input.empty()) {
        src = openDemoSource();
    } else {
        SourceOptions so;
        so.threads = opt.threads;
        so.useMmap = opt.useMmap;
        auto r = openFileSource(opt.input, so);
        if (r) src = std::move(r.value());
        else if (r.error().kind == ErrorKind::NoVideo && opt.audio) noVideo = true;   // perhaps sound alone
        if (!r) srcError = r.takeError();
        if (!r && !noVideo) {
            log::error("%s: %s", opt.input.c_str(), srcError.message.c_str());
            if (sigFd >= 0) ::close(sigFd);
            return exitCodeFor(srcError.kind);
        }
    }

    auto disp = createDisplay(opt.display, opt.displayOpt);
    if (!disp && screenUnavailable(opt.display, disp.error())) {
        // The screen cannot be had (DRM master held, no device): say why and
        // play in the terminal instead of dying.
        log::warn("%s; playing in the terminal instead", disp.error().message.c_str());
        DisplayOptions o = opt.displayOpt;
        o.skipScreens = true;
        disp = createDisplay("auto", o);
    }
    if (!disp) {
        log::error("%s", disp.error().message.c_str());
        if (sigFd >= 0) ::close(sigFd);
        return exitCodeFor(disp.error().kind);
    }
    std::unique_ptr<Display> display = std::move(disp.value());

    // The sound: its own demuxer, decoder and thread. No audio stream, no
    // device, a stream that cannot be decoded: a warning, and the video
    // plays. Not with --no-sync (no clock to follow) nor for the hash
    // display (a check of the pictures).
    std::unique_ptr<AudioPlayer> audio;
    if (opt.audio && opt.sync && std::strcmp(display->name(), "hash") != 0) {
        AudioOptions ao;
        ao.volume = opt.volume;
        ao.delayNs = opt.audioDelayNs;
        ao.speed = opt.speed;
        ao.useMmap = opt.useMmap;
        std::string why;
        audio = opt.input.empty() ? AudioPlayer::openTone(ao, why) : AudioPlayer::open(opt.input, ao, why);
        if (!audio && noVideo) {
            display.reset();
            if (why == "no audio stream") log::error("%s: no video or audio stream", opt.input.c_str());
            else log::error("%s: no video stream, and the sound cannot play: %s", opt.input.c_str(), why.c_str());
            if (sigFd >= 0) ::close(sigFd);
            return exitCodeFor(srcError.kind);
        }
        if (!audio && why != "no audio stream" && !(opt.input.empty() && !audioCompiledIn()))
            log::warn("%s: %s; playing the video alone", title.c_str(), why.c_str());
    }
    if (noVideo) {
        if (!audio) {
            display.reset();
            log::error("%s: %s", opt.input.c_str(), srcError.message.c_str());
            if (sigFd >= 0) ::close(sigFd);
            return exitCodeFor(srcError.kind);
        }
        const char *slash = std::strrchr(opt.input.c_str(), '/');
        src = openAudioOnlySource(slash ? slash + 1 : opt.input, audio->durationNs());
    }

    // The packet index serves navigation, the inspector and the frame log; a
    // headless run without them (null or hash, nothing scripted) skips it.
    const bool interactive = display->isTerminal() || display->pollIntervalMs() >= 0;   // a terminal or a window
    const bool headless = !interactive && opt.ipcPath.empty() && opt.frameLogPath.empty();
    if (!headless || opt.startFrame >= 0 || opt.startNs > 0) src->startIndex();

    // The terminal guard is created before the threads and destroyed after.
    std::unique_ptr<tui::TerminalGuard> term;
    if (display->isTerminal() && isatty(opt.displayOpt.outFd)) {
        auto g = tui::TerminalGuard::enter(opt.displayOpt.outFd);
        if (g) term = std::move(g.value());
    } else if (display->readsTerminalKeys() && isatty(0) && tcgetpgrp(0) == getpgrp()) {
        // A window or the board's screen: the terminal's keys work too (raw
        // input only; never from a background job).
        auto g = tui::TerminalGuard::enter(opt.displayOpt.outFd, false);
        if (g) term = std::move(g.value());
    }
    ExitCode code;
    std::unique_ptr<Player> player(new Player(opt, std::move(src), std::move(display), std::move(audio), sigFd,
                                              term ? term->inputFd() : -1));
    std::string sideErr;
    if (!player->openSideChannels(sideErr)) {
        player.reset();
        term.reset();
        log::error("%s", sideErr.c_str());
        if (sigFd >= 0) ::close(sigFd);
        return ExitCode::Output;
    }
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
