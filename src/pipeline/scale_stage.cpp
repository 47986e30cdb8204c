#include "scale_stage.h"

#include "qv/core/signals.h"
#include "qv/media/prime.h"
#include "qv/media/scaler.h"

#include <algorithm>
#include <ctime>
#include <pthread.h>

namespace qv {

namespace {
int64_t threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
} // namespace

bool ScaleStage::tooLate(const FrameRef &fr, int64_t now) const {
    if (fr.info.cacheOnly || fr.info.trick) return false;
    const ClockState c = sh_.clock.load();
    if (!c.timed || c.serial != fr.info.serial) return false;
    const int64_t late = now + scaleNs_ - c.deadline(fr.info.ptsNs);
    const int64_t dur = static_cast<int64_t>(fr.info.durationNs / c.speed);
    const bool starving = lastPassedNs_ >= 0 && now - lastPassedNs_ >= tuning_.maxFreezeNs;
    return late > std::max(dur, tuning_.lateToleranceNs) && !starving;
}

void ScaleStage::run() {
    pthread_setname_np(pthread_self(), "qv-scale");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    Link &next = encode_ ? sh_.toEncode : sh_.toDisplay;
    // Nothing is scaled before the display said for what (a frame scaled
    // for no target would only be dropped).
    while (!sh_.configured.load(std::memory_order_acquire) && !sh_.quit.load(std::memory_order_acquire)) {
        const uint32_t seen = sh_.configuredWait.prepare();
        if (sh_.configured.load() || sh_.quit.load()) {
            sh_.configuredWait.cancel();
            break;
        }
        sh_.configuredWait.wait(seen);
    }
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
                sh_.shells.tryPush(fr->frame);
                continue;
            }
            const ScaleTarget t = unpackTarget(sh_.target.load(std::memory_order_acquire));
            // DRM PRIME frames pass as they are where the display puts them on a plane.
            const bool direct = sh_.primeDirect.load(std::memory_order_acquire) && isPrimeFrame(fr->frame.get());
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

void runEncodeStage(Shared &sh) {
    pthread_setname_np(pthread_self(), "qv-encode");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    Item it;
    while (sh.toEncode.pop(it, [&] { return sh.quit.load(std::memory_order_acquire); })) {
        const uint32_t s = serialOf(it);
        const bool isFrame = std::holds_alternative<FrameRef>(it);
        if (isFrame && sh.stale(s)) {
            sh.stats.droppedStale.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (!sh.toDisplay.push(it, [&] { return sh.quit.load(std::memory_order_acquire) || (isFrame && sh.stale(s)); }) &&
            sh.quit.load())
            break;
    }
    sh.toDisplay.close();
}

} // namespace qv
