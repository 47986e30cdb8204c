#include "scale_stage.h"

#include "qv/core/signals.h"
#include "qv/media/prime.h"
#include "qv/media/scaler.h"
#include "qv/display/wire.h"

#include <algorithm>
#include <ctime>
#include <pthread.h>
#include <thread>

namespace qv {

namespace {
int64_t threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
} // namespace

// Whether a frame would be too late to be shown even once it has been
// through aheadNs more of work (a conversion, an encoding): later than a
// frame lasts (or the tolerance), in timed playback, and never when nothing
// has been passed on for maxFreezeNs (the picture must not freeze).
static bool tooLateAhead(const Shared &sh, const FrameRef &fr, int64_t now, int64_t aheadNs, int64_t lastPassedNs,
                         const SyncTuning &tuning) {
    if (fr.info.cacheOnly || fr.info.trick) return false;
    const ClockState c = sh.clock.load();
    if (!c.timed || c.serial != fr.info.serial) return false;
    const int64_t late = now + aheadNs - c.deadline(fr.info.ptsNs);
    const int64_t dur = static_cast<int64_t>(fr.info.durationNs / c.speed);
    const bool starving = lastPassedNs >= 0 && now - lastPassedNs >= tuning.maxFreezeNs;
    return late > std::max(dur, tuning.lateToleranceNs) && !starving;
}

bool ScaleStage::tooLate(const FrameRef &fr, int64_t now) const {
    // What the frame still has to go through: the conversion, and the
    // encoding where the encode stage runs.
    const int64_t ahead = scaleNs_ + (encode_ ? sh_.stats.encodeNs.load(std::memory_order_relaxed) : 0);
    return tooLateAhead(sh_, fr, now, ahead, lastPassedNs_, tuning_);
}

void ScaleStage::run() {
    pthread_setname_np(pthread_self(), "qv-scale");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    Link &next = encode_ ? sh_.toEncode : sh_.toDisplay;
    // Nothing is scaled before the display said for what (a frame scaled
    // for no target would only be dropped).
    sh_.waitConfigured();
    Scaler scaler;
    AvFramePtr out = allocFrame();
    Item it;
    while (sh_.toScale.pop(it, [&] { return sh_.quit.load(std::memory_order_acquire); })) {
        if (auto *fr = std::get_if<FrameRef>(&it)) {
            if (sh_.stale(fr->info.serial)) {
                sh_.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            const int64_t now = monotonicNs();
            if (tooLate(*fr, now)) {
                sh_.stats.droppedEarlyLate.fetch_add(1, std::memory_order_relaxed);
                if (sh_.log) sh_.log->write("dropped-early", fr->info, now);
                fr->reset();
                sh_.scaleShells.tryPush(fr->frame);
                continue;
            }
            const ScaleTarget t = unpackTarget(sh_.target.load(std::memory_order_acquire));
            // DRM PRIME frames pass as they are where the display puts them on
            // a plane or samples them; CUDA and Vulkan frames where it takes
            // them through FFmpeg (the vulkan display).
            const bool prime = isKeptFrame(fr->frame.get());
            const bool direct = prime && sh_.primeDirect.load(std::memory_order_acquire);
            if (prime && !direct) {
                // Made while the display took dma-bufs, which it has since
                // refused: the display stage asked for it again, downloaded.
                sh_.stats.notShown.fetch_add(1, std::memory_order_relaxed);
                if (sh_.log) sh_.log->write("not-shown", fr->info, now);
                fr->reset();
                sh_.scaleShells.tryPush(fr->frame);
                continue;
            }
            if (t.width > 0 && !direct) {
                const int64_t t0 = monotonicNs(), c0 = threadCpuNs();
                // Straight into the display's own buffer where it has one.
                if (FrameSink *sink = sh_.sink.load(std::memory_order_acquire)) sink->acquire(t, out.get());
                auto r = scaler.convert(fr->frame.get(), t, out.get());
                const int64_t took = monotonicNs() - t0;
                sh_.stats.busyNs[kScale] += took;
                scaleNs_ = scaleNs_ ? (scaleNs_ * 7 + took) / 8 : took;
                sh_.stats.scaleNs.store(scaleNs_, std::memory_order_relaxed);
                sh_.stats.scaleCpuNs += threadCpuNs() - c0;
                sh_.stats.scaled.fetch_add(1, std::memory_order_relaxed);
                if (!r) {
                    Item e = ErrorItem{r.takeError()};
                    next.push(e);
                    break;
                }
                moveFrameInto(fr->frame.get(), out.get());
            }
            fr->info.scaledNs = monotonicNs();
            if (!fr->info.cacheOnly) lastPassedNs_ = now;
        }
        const uint32_t s = serialOf(it);
        const bool isFrame = std::holds_alternative<FrameRef>(it);
        if (!next.push(it, [&] { return sh_.quit.load(std::memory_order_acquire) || (isFrame && sh_.stale(s)); }) &&
            sh_.quit.load())
            break;
    }
    next.close();
}

bool EncodeStage::tooLate(const FrameRef &fr, int64_t now) const {
    return tooLateAhead(sh_, fr, now, encodeNs_, lastPassedNs_, tuning_);
}

bool EncodeStage::split(const FrameRef &fr) {
    if (!enc_.splits() || threads_ == 1) return false;
    if (threads_ == 2 || splitting_) return true;
    if (encodeNs_ == 0 || !cores2_) return false;
    const ClockState c = sh_.clock.load();
    const double speed = c.speed > 0 ? c.speed : 1.0;
    if (c.timed) splitting_ = encodeNs_ > static_cast<int64_t>(fr.info.durationNs / speed) / 2;
    // Unpaced, the cores are usually full: a split only pays when the
    // encoder is by far the slowest stage (kitty's zlib: about 10x the
    // conversion), not when it is merely the slower one (sixel: about 2x,
    // where splitting cost up to 10% of the frame rate in tools/bench encode).
    else if (const int64_t scale = sh_.stats.scaleNs.load(std::memory_order_relaxed); scale > 0)
        splitting_ = encodeNs_ > 4 * scale;
    return splitting_;
}

void EncodeStage::run() {
    pthread_setname_np(pthread_self(), "qv-encode");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    const std::shared_ptr<WirePool> pool = enc_.pool();
    Item it;
    while (sh_.toEncode.pop(it, [&] { return sh_.quit.load(std::memory_order_acquire); })) {
        const uint32_t s = serialOf(it);
        FrameRef *fr = std::get_if<FrameRef>(&it);
        if (fr && sh_.stale(s)) {
            sh_.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
            if (sh_.log) sh_.log->write("dropped-stale", fr->info, monotonicNs());
            continue;
        }
        if (fr && !fr->info.cacheOnly && fr->frame) {
            const int64_t now = monotonicNs();
            if (tooLate(*fr, now)) {
                sh_.stats.droppedBeforeEncode.fetch_add(1, std::memory_order_relaxed);
                if (sh_.log) sh_.log->write("dropped-early", fr->info, now);
                fr->reset();
                sh_.encodeShells.tryPush(fr->frame);
                continue;
            }
            AttachmentPtr a = pool->take();
            Wire *w = static_cast<Wire *>(a.get());
            const int64_t t0 = monotonicNs(), c0 = threadCpuNs();
            if (w && enc_.encode(*fr, *w, split(*fr))) {
                const int64_t took = monotonicNs() - t0;
                sh_.stats.busyNs[kEncode] += took;
                encodeNs_ = encodeNs_ ? (encodeNs_ * 7 + took) / 8 : took;
                sh_.stats.encodeNs.store(encodeNs_, std::memory_order_relaxed);
                sh_.stats.encodeCpuNs += threadCpuNs() - c0;
                sh_.stats.encoded.fetch_add(1, std::memory_order_relaxed);
                w->reached = true;   // from here on the display owns it: a drop there is carried
                fr->wire = std::move(a);
            } else {
                // No wire free, or scaled for another layout: the display
                // draws this one itself.
                sh_.stats.encodeBare.fetch_add(1, std::memory_order_relaxed);
            }
            lastPassedNs_ = now;
        }
        const bool isFrame = fr != nullptr;
        if (!sh_.toDisplay.push(it, [&] { return sh_.quit.load(std::memory_order_acquire) || (isFrame && sh_.stale(s)); })) {
            // Thrown away here (stale, quitting): the display never saw it,
            // so the encoder's next frame cannot be a diff against it.
            if (auto *f = std::get_if<FrameRef>(&it); f && f->wire) {
                static_cast<Wire *>(f->wire.get())->reached = false;
                f->wire.reset();
                enc_.chainBroken();
            }
            if (sh_.quit.load()) break;
        }
    }
    sh_.toDisplay.close();
}

} // namespace qv
