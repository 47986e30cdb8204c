// The player's wiring: the input, the displays and the sound opened on the
// main thread (so a failure needs no unwinding of threads), then the stages
// on their threads, joined by the links; stats at the end. See
// docs/ARCHITECTURE.md.
#include "qv/pipeline/trick.h"
#include "qv/pipeline/pipeline.h"

#include "audio_stage.h"
#include "cache_filler.h"
#include "decode_stage.h"
#include "demux_stage.h"
#include "display_stage.h"
#include "mirror_tee.h"
#include "open_watch.h"
#include "queued_source.h"
#include "scale_stage.h"
#include "shared.h"

#include "qv/audio/audio_clock.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/core/test_faults.h"
#include "qv/core/unique_fd.h"
#include "qv/display/wire.h"
#include <fcntl.h>
#include <functional>
#include "qv/media/capture.h"
#include "qv/media/demuxer.h"
#include "qv/tui/terminal.h"

#include <algorithm>
#include <cinttypes>
#include <csignal>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace qv {
namespace {

class Player {
public:
    explicit Player(const PlayOptions &opt) : opt_(opt), videoQ_(demuxWake_), audioQ_(demuxWake_) {}

    ~Player() {
        if (demux_) demux_->stop();
        // Video packets still queued go before the demuxer closes its input:
        // a camera's packets are the device's own buffers, which libavdevice
        // takes back into a device it has closed (and freed) otherwise. (The
        // decode thread, their consumer, has ended; the audio queue's is
        // still running: it goes with audio_.)
        PacketItem it;
        while (videoQ_.tryPop(it)) it = PacketItem{};
    }

    // Opens the input, the displays and the sound; returns an exit code
    // other than Ok (after its one line) when playing cannot start.
    // opened: called once the input is open (or failed to open), before
    // the displays: the open watch stops reading the terminal there.
    ExitCode open(int sigFd, const std::function<void()> &opened) {
        sigFd_ = sigFd;
        const std::string title = opt_.input.empty() ? std::string("demo") : opt_.input;
        std::unique_ptr<Demuxer> demux;
        if (!opt_.input.empty()) {
            DemuxOptions d;
            d.useMmap = opt_.useMmap;
            d.audio = (opt_.audio && opt_.sync) || !opt_.record.path.empty();   // --record keeps the sound
            d.interrupt = &sh_.quit;
            d.lowLatency = opt_.lowLatency;
            d.ownRtp = opt_.ownRtp;
            d.avOptions = opt_.demuxerOpts;
            live_.open = d;
            live_.path = opt_.input;
            // Not an SDP file's session by default: its old demuxer (kept
            // for the decoders) still holds the ports a reopen would bind.
            live_.reconnect = opt_.reconnect == 1 || (opt_.reconnect < 0 && isLiveUrl(opt_.input) && !isSdpFile(opt_.input));
            live_.paced = isLiveUrl(opt_.input);
            auto r = Demuxer::openAny(opt_.input, d);
            opened();
            // Cut short by a signal or --timeout: the caller (OpenWatch) says which.
            if (!r && sh_.quit.load()) return ExitCode::Timeout;
            if (!r) {
                log::error("%s: %s", withoutCredentials(opt_.input).c_str(), r.error().message.c_str());
                return exitCodeFor(r.error().kind);
            }
            demux = std::move(r.value());
            if (!demux->hasVideo() && !(opt_.audio && opt_.sync)) {
                log::error("%s: no video stream", withoutCredentials(opt_.input).c_str());
                return ExitCode::NoVideo;
            }
        }

        auto ds = createDisplays(opt_.display, opt_.displayOpt);
        if (!ds && screenUnavailable(opt_.display, ds.error())) {
            // The screen cannot be had (DRM master held, no device): say why
            // and play in the terminal instead of dying.
            log::warn("%s; playing in the terminal instead", ds.error().message.c_str());
            DisplayOptions o = opt_.displayOpt;
            o.skipScreens = true;
            ds = createDisplays("auto", o);
        }
        if (!ds) {
            log::error("%s", ds.error().message.c_str());
            return exitCodeFor(ds.error().kind);
        }
        std::vector<std::unique_ptr<Display>> all = std::move(ds.value());
        display_ = std::move(all[0]);
        all.erase(all.begin());
        tee_ = std::make_unique<MirrorTee>(std::move(all));
        // The encode stage runs where the display sends bytes it encodes
        // (the terminal displays), unless --encode-threads=0 keeps the
        // encoding in the display thread.
        encodeStage_ = opt_.encodeThreads != 0 && display_->frameEncoder() != nullptr;
        if (encodeStage_) display_->encodeStageOn();

        // The sound: the demux stage's audio packets, decoded on qv-audio.
        // No audio stream, no device, a stream that cannot be decoded: a
        // warning, and the video plays. Not with --no-sync (no clock to
        // follow) nor for the hash display (a check of the pictures).
        const bool wantAudio = opt_.audio && opt_.sync && std::strcmp(display_->name(), "hash") != 0;
        AudioOptions ao;
        ao.volume = opt_.volume;
        ao.delayNs = opt_.audioDelayNs;
        ao.speed = std::min(opt_.speed, kTrickAbove);   // above 4x the sound is paused (trick play)
        ao.leadBlocks = opt_.lowLatency ? 4 : 0;   // a minimal buffer for live sound
        // Live sources: the sound's backlog measured (--stats), and held by
        // the drift guard unless --drift-guard=off.
        const bool liveInput = isLiveUrl(opt_.input);
        ao.measureBacklog = liveInput || opt_.driftGuard == 1;
        ao.driftGuard = opt_.driftGuard == 1 || (opt_.driftGuard < 0 && liveInput);
        ao.catchUpAboveNs = opt_.lowLatency ? kLowCatchUpNs : 0;
        std::string why;
        if (wantAudio && demux && demux->hasAudio()) {
            auto dec = AudioDecoder::open(*demux);
            if (dec) audio_ = makeAudioStage(std::move(dec.value()), audioQ_, ao, why);
            else why = dec.error().message;
        } else if (wantAudio && !demux) {
            audio_ = makeToneStage(ao, why);
            if (!audio_ && !audioCompiledIn()) why.clear();
        } else if (demux && !demux->hasAudio()) {
            why = "no audio stream";
        }
        if (demux && !demux->hasVideo()) {
            if (!audio_) {
                display_.reset();
                if (why.empty() || why == "no audio stream") log::error("%s: no video or audio stream", withoutCredentials(opt_.input).c_str());
                else log::error("%s: no video stream, and the sound cannot play: %s", withoutCredentials(opt_.input).c_str(), why.c_str());
                return ExitCode::NoVideo;
            }
        } else if (!audio_ && !why.empty() && why != "no audio stream" && wantAudio) {
            log::warn("%s: %s; playing the video alone", title.c_str(), why.c_str());
        }

        // The picture.
        if (!demux) {
            src_ = openDemoSource();
        } else if (!demux->hasVideo()) {
            const char *slash = std::strrchr(opt_.input.c_str(), '/');
            src_ = openAudioOnlySource(slash ? slash + 1 : opt_.input, demux->durationNs());
        } else {
            DecoderOptions o;
            o.threads = opt_.threads;
            o.lowDelay = opt_.lowLatency;
            o.hwdec = opt_.hwdec;
            // Frames kept on the GPU (a display that takes dma-bufs): the
            // decoder's pool grows by what the pipeline may hold at once:
            // the two links, a frame in each stage's hands, the one on the
            // screen and the one leaving it.
            const DisplayCaps caps = display_->caps();
            if ((caps.primeFrames || caps.hwFrames) && tee_->empty()) o.hwdec.keepSurfaces = static_cast<int>(2 * kLinkCapacity) + 6;
            o.hwdec.keepHwFrames = caps.hwFrames;
            o.hwdec.keepPrimeFrames = caps.primeFrames;
            auto dec = VideoDecoder::open(*demux, o);
            if (!dec) {
                display_.reset();
                log::error("%s: %s", withoutCredentials(opt_.input).c_str(), dec.error().message.c_str());
                return exitCodeFor(dec.error().kind);
            }
            const bool regular = !demux->isStream();
            auto q = std::make_unique<QueuedSource>(std::move(dec.value()), videoQ_, opt_.input, regular);
            queued_ = q.get();
            src_ = std::move(q);
            if (regular) {
                filler_ = std::make_unique<CacheFiller>(opt_.input, opt_.useMmap, false);
                bgFiller_ = std::make_unique<CacheFiller>(opt_.input, opt_.useMmap, true);
            } else if (opt_.liveWindowNs > 0 && (isLiveUrl(opt_.input) || isPipeInput(opt_.input))) {
                // A live source or a pipe (read once, no index): the packets
                // received lately are kept for back-steps (--live-window);
                // the fillers decode from them. Not for a URL that can seek
                // (HTTP, HLS): a seek there would mix two timelines.
                LiveWindowLimits lim;
                lim.durationNs = opt_.liveWindowNs;
                lim.copyData = looksLikeCapture(opt_.input);   // a camera's buffers go back to its driver
                window_ = LiveWindow::forVideo(*demux, lim);
                if (window_) {
                    queued_->setLiveWindow(window_.get());
                    filler_ = std::make_unique<CacheFiller>(*demux, false);
                    bgFiller_ = std::make_unique<CacheFiller>(*demux, true);
                    // Screenshots: the frame decoded again from the window
                    // (one thread: a still, not a stream).
                    DecoderOptions so;
                    so.threads = 1;
                    so.hwdec.mode = HwdecRequest::Mode::No;
                    if (auto sd = VideoDecoder::open(*demux, so)) shotDec_ = std::move(sd.value());
                }
            }
        }
        if (demux) {
            // Sound no one plays is not read, unless --record keeps it.
            if (!audio_ && opt_.record.path.empty()) demux->dropAudio();
            PacketQueue *vq = demux->hasVideo() ? &videoQ_ : nullptr;
            PacketQueue *aq = audio_ ? &audioQ_ : nullptr;
            demux_ = std::make_unique<DemuxStage>(std::move(demux), vq, aq, demuxWake_, sh_.quit, sh_.live, live_);
            if (!opt_.record.path.empty()) {
                auto rec = Recorder::open(demux_->demuxer(), opt_.record);
                if (!rec) {
                    log::error("%s", rec.error().message.c_str());
                    return exitCodeFor(rec.error().kind);
                }
                demux_->setRecorder(std::move(rec.value()));
            }
            if (queued_) queued_->attach(*demux_);
            if (window_) demux_->setLiveWindow(window_.get());
        }
        if (queued_) {
            QueuedSource *q = queued_;
            q->setCancel([this, q] { return sh_.quit.load(std::memory_order_acquire) || sh_.seek.serial() != q->serial(); });
        }

        // The packet index serves navigation, the inspector and the frame
        // log; a headless run without them (null or hash, nothing scripted)
        // skips it.
        const DisplayCaps caps = display_->caps();
        const bool interactive = caps.terminal || caps.window || caps.terminalKeys || tee_->anyCaps(&DisplayCaps::terminal);
        const bool headless = !interactive && opt_.ipcPath.empty() && opt_.frameLogPath.empty();
        if (!headless || opt_.startFrame >= 0 || opt_.startNs > 0) src_->startIndex();
        if (headless) {
            filler_.reset();
            bgFiller_.reset();
            shotDec_.reset();
            // No one steps: the live window keeps nothing.
            if (window_ && demux_) demux_->setLiveWindow(nullptr);
            if (window_ && queued_) queued_->setLiveWindow(nullptr);
            window_.reset();
        }

        // The terminal guard is created before the threads and destroyed after.
        const bool terminal = caps.terminal || tee_->anyCaps(&DisplayCaps::terminal);
        if (terminal && isatty(opt_.displayOpt.outFd)) {
            auto g = tui::TerminalGuard::enter(opt_.displayOpt.outFd);
            if (g) term_ = std::move(g.value());
        } else if ((caps.terminalKeys || tee_->anyCaps(&DisplayCaps::terminalKeys)) && isatty(0) &&
                   tcgetpgrp(0) == getpgrp()) {
            // A window or the board's screen: the terminal's keys work too
            // (raw input only; never from a background job).
            auto g = tui::TerminalGuard::enter(opt_.displayOpt.outFd, false);
            if (g) term_ = std::move(g.value());
        }
        DisplayStageDeps deps{sh_, opt_, *display_, *tee_, *src_, audio_.get(), filler_.get(), bgFiller_.get(), sigFd_,
                              term_ ? term_->inputFd() : -1, encodeStage_, window_.get(), shotDec_.get()};
        stage_ = std::make_unique<DisplayStage>(deps);
        if (auto r = stage_->openSideChannels(); !r) {
            stage_.reset();
            term_.reset();
            display_.reset();
            log::error("%s", r.error().message.c_str());
            return ExitCode::Output;
        }
        sh_.log = stage_->frameLog();
        return ExitCode::Ok;
    }

    ExitCode run() {
        DecodeOptions dopt;
        dopt.startFrame = opt_.startFrame;
        dopt.startNs = opt_.startNs;
        dopt.loop = opt_.loop;
        DecodeStage decodeStage(sh_, *src_, dopt);
        ScaleStage scaleStage(sh_, encodeStage_);
        if (demux_) demux_->start();
        std::thread decode([&] { decodeStage.run(); });
        std::thread scale([&] { scaleStage.run(); });
        // The encode stage is optional: it exists only when something is
        // encoded. Without it the scale stage feeds the display directly.
        std::thread encode;
        if (encodeStage_)
            encode = std::thread([this] {
                EncodeStage encodeStage(sh_, *display_->frameEncoder(), opt_.encodeThreads);
                encodeStage.run();
            });
        std::thread display([this] { stage_->run(); });
        display.join();
        sh_.quit.store(true);
        sh_.abortAll();
        videoQ_.abort();
        audioQ_.abort();
        if (demux_) demux_->stop();
        if (encode.joinable()) encode.join();
        scale.join();
        decode.join();
        releaseFrames();
        if (encodeStage_) {
            carried_ = display_->frameEncoder()->carried();
            drawnByDisplay_ = display_->frameEncoder()->drawnByDisplay();
        }
        return stage_->exitCode();
    }

    // The terminal and the screen come back: the display's own state first,
    // then the terminal.
    void restore() {
        stage_->releaseFrames();
        tee_.reset();
        display_.reset();
        term_.reset();
    }

    void printStats(const std::string &title, int64_t bytes) const;
    std::atomic<bool> &quitFlag() { return sh_.quit; }
    int64_t bytesWritten() const { return display_->bytesWritten() + tee_->bytesWritten(); }
    const Error *error() const { return stage_ ? stage_->error() : nullptr; }

private:
    // Every frame still held (rings, the frame on screen, the step cache)
    // goes back before the display is destroyed: a display's own buffers
    // (FrameSink) must all have come home by then.
    void releaseFrames() {
        Item it;
        for (Link *l : {&sh_.toScale, &sh_.toEncode, &sh_.toDisplay})
            while (l->tryPop(it)) it = Item{};
        stage_->releaseFrames();
    }

    const PlayOptions &opt_;
    LiveConfig live_;
    int sigFd_ = -1;
    Shared sh_;
    Waiter demuxWake_;
    PacketQueue videoQ_, audioQ_;
    std::unique_ptr<LiveWindow> window_;   // before the stages that use it: it goes after them
    std::unique_ptr<DemuxStage> demux_;
    std::unique_ptr<AudioPlayer> audio_;
    std::unique_ptr<VideoSource> src_;
    QueuedSource *queued_ = nullptr;
    std::unique_ptr<CacheFiller> filler_, bgFiller_;
    std::unique_ptr<VideoDecoder> shotDec_;   // a live window's screenshots (opened from the demuxer, goes before it)
    std::unique_ptr<Display> display_;
    std::unique_ptr<MirrorTee> tee_;
    std::unique_ptr<tui::TerminalGuard> term_;
    std::unique_ptr<DisplayStage> stage_;
    bool encodeStage_ = false;   // the display's frames are encoded on qv-encode
    int64_t carried_ = 0, drawnByDisplay_ = 0;   // the display's, read before it goes
};

void Player::printStats(const std::string &title, int64_t bytes) const {
    const PipelineStats &s = sh_.stats;
    const SourceStats &ss = src_->stats();
    const int64_t dropped = s.droppedLate.load() + s.droppedEarlyLate.load() + s.droppedBeforeEncode.load() + s.droppedLink.load() +
                            s.droppedStale.load() + s.notShown.load() + s.droppedBehind.load();
    std::fprintf(stderr,
                 "qv stats: %s\n"
                 "  frames: decoded %" PRId64 ", presented %" PRId64 ", dropped %" PRId64 " (late %" PRId64
                 ", late before scaling %" PRId64 ", link %" PRId64 ", not shown %" PRId64 ", stale after seek %" PRId64
                 "), skipped to start %" PRId64 ", resyncs %" PRId64 "\n"
                 "  packets: %" PRId64 ", corrupt skipped %" PRId64 ", frames with concealed errors %" PRId64 "\n"
                 "  shedding: highest level %d, level changes up %" PRId64 " down %" PRId64
                 ", non-reference frames skipped %" PRId64 ", jumps to a keyframe %" PRId64 " (%" PRId64
                 " packets not decoded)\n"
                 "  navigation: re-seeks %" PRId64 ", frames decoded for the step cache %" PRId64
                 " (%" PRId64 " in the background while paused), steps from the cache %" PRId64 "\n",
                 title.c_str(), ss.framesDecoded.load(), s.presented.load(), dropped, s.droppedLate.load(),
                 s.droppedEarlyLate.load(), s.droppedLink.load(), s.notShown.load(), s.droppedStale.load(),
                 s.skippedToTarget.load(), s.resyncs.load(), ss.packets.load(), ss.corruptPackets.load(),
                 ss.corruptFrames.load(), s.shedMax.load(), s.shedUps.load(), s.shedDowns.load(),
                 ss.skippedNonRef.load(), s.keySkips.load(), ss.skippedToKey.load(), s.reseeks.load(),
                 s.cacheFilled.load(), s.backgroundFilled.load(), s.cacheHits.load());
    if (s.trickShown.load() > 0 || s.trickDropped.load() > 0)
        std::fprintf(stderr, "  trick play: keyframes shown %" PRId64 ", keyframes passed while decoding %" PRId64
                             ", other frames dropped %" PRId64 "\n",
                     s.trickShown.load(), s.trickSkipped.load(), s.trickDropped.load());
    if (const HwdecStatus *h = src_->hwdecStatus())
        std::fprintf(stderr, "  decoder: %s (hwdec %s), hardware frames %" PRId64 ", kept on the GPU %" PRId64
                             ", stale frames dropped %" PRId64
                             ", hwdec switches to software %" PRId64 " (at frame %" PRId64 ")%s%s\n",
                     ss.decoder.load(), h->asked.c_str(), ss.hwFrames.load(), ss.primeKept.load(), ss.staleDropped.load(),
                     ss.hwSwitches.load(), ss.hwSwitchedAt.load(), h->why.empty() ? "" : "; software because ",
                     h->why.c_str());
    std::fprintf(stderr, "  busy ms:");
    for (int i = 0; i < kStages; ++i) {
        int64_t ns = s.busyNs[i].load();
        if (i == kDemux && demux_) ns = demux_->readNs();
        std::fprintf(stderr, " %s %.1f%s", kStageNames[i], ns / 1e6, i + 1 < kStages ? "," : "\n");
    }
    if (s.scaled.load() > 0)
        std::fprintf(stderr, "  scale CPU: %.2f ms a frame over %" PRId64 " frames\n",
                     s.scaleCpuNs.load() / 1e6 / static_cast<double>(s.scaled.load()), s.scaled.load());
    if (s.encoded.load() > 0 || s.encodeBare.load() > 0)
        std::fprintf(stderr, "  encode: %" PRId64 " frames, CPU %.2f ms a frame; %" PRId64
                             " passed on bare (drawn by the display); %" PRId64 " dropped late before encoding\n",
                     s.encoded.load(), s.encoded.load() ? s.encodeCpuNs.load() / 1e6 / static_cast<double>(s.encoded.load()) : 0.0,
                     s.encodeBare.load(), s.droppedBeforeEncode.load());
    if (encodeStage_)
        std::fprintf(stderr, "  terminal: %" PRId64 " dropped frames' changes sent with the next frame, %" PRId64
                             " frames drawn whole by the display (after a step from the cache, a resize)\n",
                     carried_, drawnByDisplay_);
    if (encodeStage_)
        std::fprintf(stderr, "  queue high-water (capacity %zu): decode->scale %zu, scale->encode %zu, encode->display %zu\n",
                     kLinkCapacity, sh_.toScale.highWater(), sh_.toEncode.highWater(), sh_.toDisplay.highWater());
    else
        std::fprintf(stderr, "  queue high-water (capacity %zu): decode->scale %zu, scale->display %zu (no encode stage)\n",
                     kLinkCapacity, sh_.toScale.highWater(), sh_.toDisplay.highWater());
    if (demux_)
        std::fprintf(stderr, "  packet queues high-water: video %zu, audio %zu\n", videoQ_.highWater(), audioQ_.highWater());
    if (audio_) {
        std::vector<int64_t> &d = stage_->avDiffs();
        for (auto &v : d) v = v < 0 ? -v : v;
        int64_t med = 0, p99 = 0;
        medianP99(d.data(), d.size(), med, p99);
        std::fprintf(stderr, "  audio: %s; broken packets skipped %" PRId64 ", underruns %" PRId64 "\n",
                     audio_->describe().c_str(), audio_->decodeErrors(), audio_->underruns());
        const DriftReport dr = audio_->drift();
        if (dr.measured)
            std::fprintf(stderr,
                         "  drift guard: %s; sound backlog %.0f ms (target %.0f ms, learnt %d times), rate %+.2f%% "
                         "now, %+.2f%% .. %+.2f%%\n",
                         dr.guarded ? "on" : "off (measured only)", dr.levelNs / 1e6, dr.targetNs / 1e6, dr.learnt,
                         (dr.rate - 1) * 100, (dr.minRate - 1) * 100, (dr.maxRate - 1) * 100);
        if (dr.measured && dr.guarded && opt_.lowLatency)
            std::fprintf(stderr, "  catch-up: %d times, %.0f ms of sound left out (over %.0f ms above the target)\n",
                         dr.skips, dr.skippedNs / 1e6, kLowCatchUpNs / 1e6);
        if (!d.empty())
            std::fprintf(stderr, "  A-V: median %.1f ms, 99th percentile %.1f ms, over %zu frames\n", med / 1e6, p99 / 1e6,
                         d.size());
        else
            std::fprintf(stderr, "  A-V: no frame was presented while the sound played\n");
    }
    const LiveStats &lv = sh_.live;
    if (demux_ && (demux_->demuxer().isStream() || lv.gaps.load() > 0))
        std::fprintf(stderr, "  live: gaps %" PRId64 " (%.1f s in all, longest %.1f s), reconnects %" PRId64
                     ", timestamp jumps %" PRId64 ", screenshots %" PRId64 " decoded from the window, %" PRId64
                     " as shown\n",
                     lv.gaps.load(), lv.gapNs.load() / 1e9, lv.longestGapNs.load() / 1e9, lv.reconnects.load(),
                     lv.timestampJumps.load(), stage_->shots().liveDecoded(), stage_->shots().liveAsShown());
    if (lv.rtpLost.load() >= 0)
        std::fprintf(stderr, "  rtp: received by qv (frames handed on at the marker bit); packets lost %" PRId64
                     ", frames with a piece missing %" PRId64 "\n", lv.rtpLost.load(), lv.rtpBroken.load());
    if (window_) {
        const LiveWindow::Stats w = window_->stats();
        std::fprintf(stderr, "  live window: %.1f s (--live-window %.0f s), %" PRId64 " packets, %.1f MiB, frames %" PRId64
                     "..%" PRId64 " of %" PRId64 " received; GOPs dropped %" PRId64 ", untimed packets %" PRId64
                     ", snapshots refused %" PRId64 "\n",
                     w.spanNs / 1e9, window_->limits().durationNs / 1e9, w.packets, w.bytes / 1048576.0, w.firstOrdinal,
                     w.lastOrdinal, w.received, w.droppedGops, w.untimed, w.mismatches);
    }
    const LatencyLog &lat = stage_->latency();
    if (lat.count() > 0 && ((demux_ && demux_->demuxer().isStream()) || opt_.lowLatency || stage_->lowLatency())) {
        int64_t med[LatencyLog::kParts], p99[LatencyLog::kParts];
        lat.summary(med, p99);
        std::fprintf(stderr,
                     "  latency (%s, received -> shown): median %.1f ms, 99th percentile %.1f ms; by step (median/p99): "
                     "decode %.1f/%.1f, scale %.1f/%.1f, display %.1f/%.1f ms; over %" PRId64 " frames; skipped to the newest %" PRId64 "\n",
                     stage_->lowLatency() ? "low" : "normal", med[0] / 1e6, p99[0] / 1e6, med[1] / 1e6, p99[1] / 1e6, med[2] / 1e6,
                     p99[2] / 1e6, med[3] / 1e6, p99[3] / 1e6, std::min<int64_t>(lat.count(), LatencyLog::kRing),
                     s.droppedBehind.load());
    }
    if (bytes > 0 && s.presented.load() > 0)
        std::fprintf(stderr, "  terminal: %" PRId64 " bytes, %" PRId64 " bytes/frame\n", bytes, bytes / s.presented.load());
}

} // namespace

ExitCode play(const PlayOptions &opt) {
    // Signals first: every thread created later inherits the blocked mask.
    UniqueFd sigFd(sig::blockAndOpenSignalFd());
    sig::installFatalHandlers();
    const std::string title = opt.input.empty() ? std::string("demo") : withoutCredentials(opt.input);
    auto player = std::make_unique<Player>(opt);
    {
        // Opening a live source may block in a read: Ctrl-C, SIGTERM and
        // --timeout cut it short.
        // For a live source, q and ESC on the terminal too.
        UniqueFd ownTty;
        int keys = -1;
        if (isLiveUrl(opt.input) || opt.input == "-") {
            if (::isatty(0) && opt.input != "-") {
                keys = 0;
            } else {
                ownTty.reset(::open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY));
                keys = ownTty.get();
            }
        }
        OpenWatch watch(sigFd.get(), opt.input.empty() ? 0 : opt.timeoutNs, player->quitFlag(), keys);
        // The watch ends once the input is open: the displays' set-up asks
        // the terminal questions whose answers it must not take as keys (a
        // signal from then on stays pending for the display stage).
        const ExitCode c = player->open(sigFd.get(), [&watch] { watch.stop(); });
        watch.stop();
        // (Also when the open succeeded just then: the interrupt flag is set.)
        if (watch.signal()) return static_cast<ExitCode>(128 + watch.signal());
        if (watch.quit()) return ExitCode::Ok;   // the user quit before the first picture
        if (watch.timedOut()) {
            log::error("%s: no data for %g s (--timeout)", title.c_str(), opt.timeoutNs / 1e9);
            return ExitCode::Timeout;
        }
        if (c != ExitCode::Ok) return c;
    }
    sig::testFault(sig::FaultSite::Main);   // test only (QV_TEST_FAULT)
    const ExitCode code = player->run();
    const int64_t bytes = player->bytesWritten();
    player->restore();   // the display and the terminal first, then the messages
    if (const Error *e = player->error()) log::error("%s: %s", title.c_str(), e->message.c_str());
    if (opt.stats) player->printStats(title, bytes);
    return code;
}

} // namespace qv
