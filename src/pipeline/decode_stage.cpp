#include "decode_stage.h"

#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/core/test_faults.h"
#include "index_view.h"
#include "qv/pipeline/seek_landing.h"
#include "qv/pipeline/trick.h"
#include "qv/sync/shed_policy.h"

#include <algorithm>
#include <pthread.h>

namespace qv {

bool DecodeStage::push(Item &it, uint32_t serial) {
    return sh_.toScale.push(it, [&] { return sh_.quit.load(std::memory_order_acquire) || sh_.stale(serial); });
}

void DecodeStage::run() {
    pthread_setname_np(pthread_self(), "qv-decode");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    uint32_t serial = sh_.seek.serial();
    src_.setSerial(serial);
    Landing landing;
    bool background = false;   // the landing fills the step cache while paused
    std::shared_ptr<const PacketIndex> idx;
    // A display that may take the decoder's dma-bufs knows for sure only
    // once configured (vulkan: when its device is open): nothing is decoded
    // before, so no frame is made in a form it then cannot take.
    if (sh_.primeDirect.load(std::memory_order_acquire)) sh_.waitConfigured();
    auto seekOrdinal = [&](int64_t ord, bool fill) {
        if (!idx) idx = src_.index();
        if (!idx || idx->frameCount() <= 0) return false;
        ord = std::clamp<int64_t>(ord, 0, idx->frameCount() - 1);
        if (auto r = src_.seekToOrdinal(ord, 0); !r) {
            log::info("seek failed: %s", r.error().message.c_str());
            return false;
        }
        landing = Landing::toOrdinal(ord, fill);
        return true;
    };
    if (opt_.startFrame >= 0) {
        idx = src_.waitIndex();
        if (!idx || !seekOrdinal(opt_.startFrame, false))
            log::warn("%s: --start-frame needs the packet index, which this input has not; starting at the beginning",
                      src_.spec().title.c_str());
    } else if (opt_.startNs > 0 && (idx = src_.waitIndex()) && seekOrdinal(idx->ordinalAt(opt_.startNs), false)) {
        // exact, by ordinal
    } else if (opt_.startNs > 0) {
        if (auto r = src_.seek(opt_.startNs); !r)
            log::warn("%s: cannot seek to the start time: %s", src_.spec().title.c_str(), r.error().message.c_str());
        landing = Landing::toTime(opt_.startNs);
    }
    {
        Item it = FlushItem{serial};
        if (!push(it, serial)) return;
    }
    ShedPolicy shed;
    // Trick play (trick.h): the keyframe the clock is in is sought, landed
    // on and handed on; the lead is how long that takes (averaged), so the
    // keyframe asked for is the one due when it comes out.
    IndexView trickIdx;
    int64_t trickShown = -1, trickAsked = -1, trickSeekNs = 0, trickLeadNs = 0;
    double trickSpeed = 0;   // the clock's speed trickShown was walked at
    int64_t trickTurned = -1;   // the keyframe on screen when one trick speed became another
    int64_t loopWall = INT64_MIN;   // --loop: the clock anchor of the pass that ended
    // Sleeps on the control waiter (a seek, quit and every published clock
    // notify it) until timeoutNs (-1: none), unless changed() already says
    // so after the prepare (no lost wake-up).
    auto sleepUnless = [&](auto changed, int64_t timeoutNs) {
        const uint32_t seen = sh_.control.prepare();
        if (sh_.quit.load() || sh_.seek.serial() != serial || changed()) {
            sh_.control.cancel();
            return;
        }
        sh_.control.wait(seen, timeoutNs);
    };
    int applied = -1;
    bool ended = false;
    int64_t framesThisPass = 0;
    FrameRef fr;
    while (!sh_.quit.load(std::memory_order_acquire)) {
        if (sh_.seek.serial() != serial) {
            const SeekRequest req = sh_.seek.load(serial);
            src_.setSerial(serial);
            if (!idx) idx = src_.index();
            int64_t ord = req.ordinal;
            if (req.exact && ord < 0 && idx) ord = idx->ordinalAt(req.targetNs);
            const int64_t t0 = monotonicNs();
            if (!(ord >= 0 && seekOrdinal(ord, req.fill))) {
                if (auto r = src_.seek(req.targetNs); !r) log::info("seek failed: %s", r.error().message.c_str());
                landing = req.exact ? Landing::toTime(req.targetNs) : Landing{};
            }
            background = req.background;
            trickShown = trickAsked = trickTurned = -1;
            sh_.stats.busyNs[kDecode] += monotonicNs() - t0;
            shed.interrupt();
            ended = false;
            Item it = FlushItem{serial};
            if (!push(it, serial)) break;
            continue;
        }
        if (ended) {
            // Wait for a seek (or quit): the display may still go back.
            sleepUnless([] { return false; }, -1);
            continue;
        }
        const ClockState clk = sh_.clock.load();
        if (clk.speed != trickSpeed) {
            // Another speed or direction (or none): the walk starts afresh
            // from the clock, not from a keyframe shown before. Turned from
            // one trick speed to another (r, }): if the clock's keyframe is
            // the one on screen, it is not decoded and shown a second time.
            trickTurned = isTrickSpeed(trickSpeed) && isTrickSpeed(clk.speed) ? trickShown : -1;
            trickShown = -1;
            trickSpeed = clk.speed;
        }
        if (clk.timed && clk.serial == serial && isTrickSpeed(clk.speed) && !landing.active() && clk.anchorWallNs == loopWall) {
            // The looped pass's clock: wait for the new one.
            sleepUnless([&] { const ClockState c = sh_.clock.load(); return c.anchorWallNs != loopWall || !c.timed; }, -1);
            continue;
        }
        if (clk.timed && clk.serial == serial && isTrickSpeed(clk.speed) && !landing.active()) {
            if (!idx) idx = src_.index();
            if (idx && idx->frameCount() > 0) {
                if (!trickIdx.get()) trickIdx.set(idx);
                const int64_t now = monotonicNs();
                const TrickStep st = trickStep(trickIdx, clk, now, trickLeadNs, trickShown);
                if (st.kind == TrickStep::Kind::Show && st.key == trickTurned) {
                    trickShown = trickTurned;
                    trickTurned = -1;
                    continue;
                }
                trickTurned = -1;
                if (st.kind == TrickStep::Kind::Show) {
                    if (trickShown >= 0) {
                        // Keyframes the clock passed while one was decoded: counted, never shown late.
                        int64_t passed = 0;
                        const int64_t hi = std::max(st.key, trickShown);
                        for (int64_t k = idx->nextKey(std::min(st.key, trickShown)); k >= 0 && k < hi; k = idx->nextKey(k))
                            ++passed;
                        sh_.stats.trickSkipped.fetch_add(passed, std::memory_order_relaxed);
                    }
                    if (seekOrdinal(st.key, false)) {
                        trickAsked = st.key;
                        trickSeekNs = now;
                        continue;
                    }
                } else if (st.kind == TrickStep::Kind::End) {
                    if (opt_.loop && src_.seek(0)) {
                        // --loop: from the start again (the flush makes the
                        // display anchor its clock on the first frame; until
                        // then this pass's clock is not walked on).
                        trickShown = trickAsked = -1;
                        loopWall = clk.anchorWallNs;
                        Item it = FlushItem{serial};
                        if (!push(it, serial)) break;
                        continue;
                    }
                    Item it = EndItem{serial};
                    if (!push(it, serial)) break;
                    ended = true;
                    continue;
                } else {
                    // Until the clock leaves this keyframe's stretch, or
                    // changes (pause, speed: publishClock notifies), or a seek.
                    sleepUnless(
                        [&] {
                            const ClockState c = sh_.clock.load();
                            return c.anchorWallNs != clk.anchorWallNs || c.speed != clk.speed || c.timed != clk.timed ||
                                   c.serial != clk.serial;
                        },
                        st.wakeNs < 0 ? -1 : std::max<int64_t>(st.wakeNs - now, 0));
                    continue;
                }
            }
        }
        // Shedding: only while the clock times this serial's frames, and
        // never on the way to a seek's target.
        const bool timed = clk.timed && clk.serial == serial && !landing.active();
        const int want = timed ? shed.level() : 0;
        if (want != applied) {
            src_.setShed(want >= 2 ? DecodeShed::NonRef : want >= 1 ? DecodeShed::LoopFilter : DecodeShed::None);
            applied = want;
        }
        // Hardware frames stay on the GPU where the display takes them as
        // they are (known for sure once it is configured: see above).
        src_.setKeepPrime(sh_.primeDirect.load(std::memory_order_acquire));
        if (!fr.frame && !sh_.takeShell(fr.frame)) fr.frame = allocFrame();
        const int64_t t0 = monotonicNs();
        auto r = src_.next(fr);
        sh_.stats.busyNs[kDecode] += monotonicNs() - t0;
        if (!r) {
            Item it = ErrorItem{r.takeError()};
            push(it, serial);
            break;
        }
        if (r.value() == NextStatus::Cancelled) continue;
        if (r.value() == NextStatus::End) {
            if (opt_.loop && framesThisPass > 0) {
                framesThisPass = 0;
                if (src_.seek(0)) {
                    Item it = FlushItem{serial};
                    if (!push(it, serial)) break;
                    continue;
                }
            }
            if (!src_.anyFrame()) {
                // Nothing at all came out: the file's one line says why.
                const SourceStats &st = src_.stats();
                const HwdecStatus *hw = src_.hwdecStatus();
                const std::string counts = std::to_string(st.corruptPackets.load()) + " of " +
                                           std::to_string(st.packets.load()) + " packets";
                Item it = ErrorItem{Error::make(
                    ErrorKind::Decode,
                    hw && !hw->tried.empty()   // the decoder asked for failed, maybe not the file
                        ? "--hwdec: " + hw->tried + " opened but decoded no frame (errors on " + counts +
                              "); --hwdec=no decodes in software"
                        : "no frame could be decoded: " + counts + " corrupt")};
                push(it, serial);
                break;
            }
            landing = Landing{};   // the target is past the end: show what there is
            Item it = EndItem{serial};
            if (!push(it, serial)) break;
            ended = true;
            continue;
        }
        ++framesThisPass;
        sig::testFault(sig::FaultSite::Decode);   // test only (QV_TEST_FAULT)
        if (landing.active()) {
            const int64_t o = fr.info.ordinalExact || !idx ? fr.info.ordinal : idx->ordinalAt(fr.info.ptsNs);
            const LandingDecision d = judgeLanding(landing, o, fr.info.ptsNs, fr.info.durationNs);
            switch (d.verdict) {
            case LandingVerdict::ReseekOrdinal:
                sh_.stats.reseeks.fetch_add(1, std::memory_order_relaxed);
                if (src_.seekToOrdinal(landing.ordinal, landing.back)) continue;
                break;
            case LandingVerdict::ReseekTime:
                sh_.stats.reseeks.fetch_add(1, std::memory_order_relaxed);
                if (src_.seek(d.reseekNs)) continue;
                break;
            case LandingVerdict::Discard:
                sh_.stats.skippedToTarget.fetch_add(1, std::memory_order_relaxed);
                continue;
            case LandingVerdict::CacheOnly:
                fr.info.cacheOnly = true;   // the display keeps it for back-steps
                sh_.stats.cacheFilled.fetch_add(1, std::memory_order_relaxed);
                if (background) sh_.stats.backgroundFilled.fetch_add(1, std::memory_order_relaxed);
                break;
            case LandingVerdict::Deliver:
                if (trickAsked >= 0) {
                    // A trick keyframe: it stands for the time up to the next.
                    fr.info.trick = true;
                    fr.info.durationNs = keyStretchNs(trickIdx, o, fr.info.durationNs);
                    trickShown = trickAsked;
                    trickAsked = -1;
                    const int64_t took = monotonicNs() - trickSeekNs + sh_.stats.scaleNs.load(std::memory_order_relaxed);
                    trickLeadNs = std::min<int64_t>(trickLeadNs ? (3 * trickLeadNs + took) / 4 : took, 250000000);
                    sh_.stats.trickShown.fetch_add(1, std::memory_order_relaxed);
                }
                break;
            }
        } else if (timed) {
            const int64_t now = monotonicNs();
            const int64_t dur = static_cast<int64_t>(fr.info.durationNs / clk.speed);
            // Due when it must be on screen, less what the scale stage
            // still takes for it.
            const int64_t due = shedDeadline(clk, fr.info.ptsNs, fr.info.fedRecvNs, dur,
                                             sh_.stats.scaleNs.load(std::memory_order_relaxed));
            const ShedPolicy::Decision d = shed.observe(now, due, dur, clk.positionAt(now));
            if (d.changed) {
                const int prev = sh_.stats.shedLevel.exchange(d.level);
                (d.level > prev ? sh_.stats.shedUps : sh_.stats.shedDowns).fetch_add(1, std::memory_order_relaxed);
                if (d.level > sh_.stats.shedMax.load()) sh_.stats.shedMax.store(d.level);
                log::info("decoder behind the clock: shedding level %d", d.level);
            }
            if (d.skipToKey && src_.skipToKeyAfter(d.skipFromNs)) {
                sh_.stats.keySkips.fetch_add(1, std::memory_order_relaxed);
                log::info("decoder far behind: skipping to the keyframe after %.3f s", d.skipFromNs / 1e9);
            }
        }
        fr.info.serial = serial;
        Item it = std::move(fr);
        push(it, serial);
        fr = FrameRef{};
    }
    sh_.toScale.close();
}

} // namespace qv
