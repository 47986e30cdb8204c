#include "audio_stage.h"

#include "qv/audio/audio_clock.h"
#include "qv/audio/drift_guard.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/sync/clock.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <poll.h>
#include <pthread.h>
#include <thread>
#include <vector>

namespace qv {
namespace {

constexpr size_t kHistory = 2048;                // packets kept (a ring)
constexpr int64_t kHistoryNs = 10000000000LL;    // and at most this much sound
constexpr uint64_t kAhead = 256;                 // packets taken ahead of decoding while playing
constexpr int64_t kPrerollNs = 60000000;         // decode from this far before a start (codec overlap)
constexpr int64_t kLateStartNs = 200000000;      // history starting this much after a start time: lost

// Sleeps until one of the waiters is notified, unless ready() already holds
// once they are all armed (so no wake-up is lost in between).
template <typename Ready>
void sleepOn(std::initializer_list<Waiter *> ws, Ready ready) {
    struct pollfd fds[4];
    uint32_t n = 0;
    for (Waiter *w : ws) {
        w->prepare();
        fds[n++] = {w->eventFd(), POLLIN, 0};
    }
    if (!ready()) ::poll(fds, n, -1);
    for (Waiter *w : ws) {
        w->cancel();
        w->drainEventFd();
    }
}

struct Request {
    int64_t ptsNs = 0;
    uint32_t serial = 0;
    double speed = 1.0;
    uint32_t gen = 0;
};

class AudioStage final : public AudioPlayer, public SampleSink {
public:
    AudioStage(std::unique_ptr<AudioDecoder> dec, PacketQueue *q, std::unique_ptr<AudioOutput> out, const AudioOptions &o)
        : dec_(std::move(dec)), q_(q), out_(std::move(out)), delayNs_(o.delayNs), measure_(o.measureBacklog && dec_),
          speed_(o.speed), guard_(o.driftGuard, o.catchUpAboveNs) {
        volume_ = std::clamp(o.volume, 0, 150);
        out_->setVolume(volume_);
        hist_.resize(kHistory);
        const AudioFormat &f = out_->format();
        srcDesc_ = dec_ ? dec_->describe() : "demo tone";
        desc_ = srcDesc_ + " -> SDL " + f.driver + " " + std::to_string(f.rate) + " Hz " + std::to_string(f.channels) +
                " ch, " + std::to_string(f.deviceFrames) + "-sample buffers";
        // A smaller lead (--latency=low): the blocks over it are parked here,
        // never filled (the output owns them; the thread has not started).
        AudioBlock *b = nullptr;
        while (o.leadBlocks > 0 && out_->freeBlocks().size() > static_cast<size_t>(o.leadBlocks) &&
               out_->freeBlocks().tryPop(b))
            ++parked_;
        if (parked_) {
            leadBlocks_ = o.leadBlocks;
            desc_ += ", lead " + std::to_string(o.leadBlocks) + " blocks";
        }
        if (measure_) report_.guarded = o.driftGuard;
        thread_ = std::thread([this] { run(); });
    }

    ~AudioStage() override {
        quit_.store(true);
        ctl_.notify();
        if (q_) q_->wakeAll();
        out_->freeBlocks().wakeAll();
        if (thread_.joinable()) thread_.join();
        out_.reset();   // the callback stops before the blocks go
    }

    // ---- display thread ----
    void start(int64_t ptsNs, uint32_t serial) override {
        const int64_t target = ptsNs - delayNs_;
        if (started_ && paused_ && serial == lastSerial_ && speed_ == lastSpeed_) {
            // A plain resume: the next sample to play is already where asked.
            AudioStamp s;
            if (out_->stamp(s)) {
                const int64_t next = s.ptsNs + static_cast<int64_t>(static_cast<double>(s.spanNs) * s.speed);
                if (std::llabs(next - target) < 40000000) {
                    setPaused(false);
                    return;
                }
            }
        }
        const uint32_t gen = ++gen_;
        out_->setGeneration(gen);
        out_->setEnded(false);
        {
            std::lock_guard<std::mutex> lk(m_);
            req_ = Request{target, serial, speed_, gen};
        }
        reqSeq_.fetch_add(1, std::memory_order_release);
        ctl_.notify();
        lost_.store(false);
        lastSerial_ = serial;
        lastSpeed_ = speed_;
        started_ = true;
        setPaused(false);
    }

    void setPaused(bool p) override {
        paused_ = p;
        outPaused_.store(p, std::memory_order_relaxed);
        if (p && q_) q_->wakeAll();   // the stage takes packets while the sound waits
        if (!p && !started_) return;   // nothing to play yet
        out_->setPaused(p);
    }
    void setSpeed(double s) override { speed_ = s; }

    bool position(int64_t nowNs, int64_t &ptsNs) const override {
        if (paused_ || !started_) return false;
        AudioStamp s;
        if (!out_->stamp(s)) return false;
        // The sound ran out (end, or a long stall): no clock to follow.
        if (nowNs - s.callbackNs > s.latencyNs + s.spanNs + 200000000) return false;
        ptsNs = heardAt(s, nowNs) + delayNs_;
        return true;
    }
    int heardFd() const override { return out_->heardFd(); }
    bool playing() const override { return started_ && !paused_ && !out_->drained(); }
    bool lost() const override { return lost_.load(); }
    void setVolume(int v) override {
        volume_ = std::clamp(v, 0, 150);
        out_->setVolume(volume_);
    }
    int volume() const override { return volume_; }
    void setMuted(bool m) override {
        muted_ = m;
        out_->setMuted(m);
    }
    bool muted() const override { return muted_; }
    std::string describe() const override { return desc_; }
    int64_t decodeErrors() const override { return errors_.load(); }
    int64_t underruns() const override { return out_->underruns(); }
    DriftReport drift() const override {
        std::lock_guard<std::mutex> lk(reportM_);
        return report_;
    }

private:
    // ---- qv-audio ----
    bool changed() const {
        return quit_.load(std::memory_order_acquire) || reqSeq_.load(std::memory_order_acquire) != handledSeq_ || restart_;
    }

    PacketRef &slot(uint64_t i) { return hist_[i % kHistory]; }

    void dropOldest() {
        slot(histBegin_) = PacketRef{};
        if (cursor_ == histBegin_) ++cursor_;   // not decoded yet: skipped (only while the sound waits)
        ++histBegin_;
        fromFlush_ = false;
    }

    // The drift guard, at most every DriftGuard::kSampleNs while the sound
    // plays at 1x: the backlog is the newest sound received (the history's
    // last packet, plus what waits in the queue) minus the pts heard.
    void guardTick() {
        if (!measure_ || !running_ || cur_.speed != 1.0 || histEnd_ == histBegin_) return;
        const int64_t now = monotonicNs();
        if (now < nextGuardNs_) return;
        nextGuardNs_ = now + DriftGuard::kSampleNs;
        AudioStamp s;
        if (outPaused_.load(std::memory_order_relaxed) || !out_->stamp(s) || s.ptsNs == INT64_MIN) return;
        if (now - s.callbackNs > s.latencyNs + s.spanNs + 200000000) return;   // not playing
        const PacketRef &last = slot(histEnd_ - 1);
        if (last.ptsNs == INT64_MIN) return;
        const int64_t backlog = last.ptsNs + last.durationNs + (q_ ? q_->durationNs() : 0) - heardAt(s, now);
        if (parked_) {
            // The least backlog this output allows: the blocks it may hold
            // ahead, the device's latency, and a margin (catch-up's floor).
            const int64_t frames = static_cast<int64_t>(leadBlocks_) * AudioBlock::kFrames;
            guard_.setFloorNs(frames * 1000000000 / out_->format().rate + s.latencyNs + kFloorMarginNs);
        }
        const double rate = guard_.sample(now, backlog);
        // Catch-up: the excess is left out of the sound decoded next.
        if (const int64_t skip = guard_.takeSkipNs()) skipNs_ += skip;
        // (The decoder's compensation lasts a second of output: renewed
        // every half second while it is not 1.)
        if (rate != drift_ || (rate != 1.0 && now >= renewNs_)) {
            drift_ = rate;
            dec_->setDrift(rate);
            renewNs_ = now + 500000000;
        }
        std::lock_guard<std::mutex> lk(reportM_);
        report_.measured = guard_.learned();
        report_.targetNs = guard_.targetNs();
        report_.levelNs = guard_.levelNs();
        report_.rate = guard_.rate();
        report_.minRate = guard_.minRate();
        report_.maxRate = guard_.maxRate();
        report_.learnt = guard_.learnt();
        report_.skips = guard_.skips();
        report_.skippedNs = guard_.skippedNs();
    }

    // Takes what the queue has into the history (never blocks).
    void intake() {
        if (!q_) return;
        PacketItem it;
        for (;;) {
            // Playing: enough ahead, leave the rest queued. Paused (perhaps
            // stepping): take everything, the oldest goes first.
            if (running_ && !outPaused_.load(std::memory_order_relaxed) && histEnd_ - cursor_ >= kAhead) return;
            if (!q_->tryPop(it)) return;
            if (auto *f = std::get_if<PacketFlush>(&it)) {
                while (histBegin_ < histEnd_) slot(histBegin_++) = PacketRef{};
                cursor_ = histBegin_;
                histSerial_ = f->serial;
                fromFlush_ = true;
                inputEnded_ = false;
                if (running_ || waiting_) restart_ = true;   // decode the request again from the new packets
                continue;
            }
            if (std::holds_alternative<PacketEnd>(it)) {
                inputEnded_ = true;
                if (waiting_) restart_ = true;
                continue;
            }
            PacketRef &p = std::get<PacketRef>(it);
            while (histEnd_ - histBegin_ >= kHistory ||
                   (histEnd_ > histBegin_ && p.ptsNs != INT64_MIN && slot(histBegin_).ptsNs != INT64_MIN &&
                    p.ptsNs - slot(histBegin_).ptsNs > kHistoryNs && histBegin_ < cursor_))
                dropOldest();
            if (histEnd_ - histBegin_ >= kHistory) dropOldest();
            slot(histEnd_++) = std::move(p);
        }
    }

    void handle(const Request &r) {
        guard_.reset();   // a new start: the backlog's target is learnt again
        skipNs_ = 0;
        if (dec_ && drift_ != 1.0) dec_->setDrift(drift_ = 1.0);
        running_ = false;
        waiting_ = false;
        restart_ = false;
        cur_ = r;
        if (blk_) blk_->frames = 0;
        if (!dec_) {   // the tone
            tonePts_ = r.ptsNs;
            trimBefore_ = r.ptsNs;
            running_ = true;
            return;
        }
        if (r.serial != histSerial_) {
            waiting_ = true;   // its packets have not come through yet
            return;
        }
        const AudioFormat &f = out_->format();
        if (!dec_->setOutput(f.rate, f.channels, r.speed)) return;
        dec_->flush();
        uint64_t start = histBegin_;
        for (uint64_t i = histBegin_; i < histEnd_; ++i) {
            const int64_t pts = slot(i).ptsNs;
            if (pts != INT64_MIN && pts <= r.ptsNs - kPrerollNs) start = i;
            else if (pts != INT64_MIN && pts > r.ptsNs) break;
        }
        if (histBegin_ < histEnd_ && !fromFlush_ && slot(histBegin_).ptsNs != INT64_MIN &&
            slot(histBegin_).ptsNs > r.ptsNs + kLateStartNs) {
            lost_.store(true);   // its packets were dropped while the sound waited
            return;
        }
        cursor_ = start;
        trimBefore_ = r.ptsNs;
        running_ = true;
    }

    // A free block, or null when a new request (or quit) came first. Takes
    // packets off the queue while it waits.
    AudioBlock *freeBlock() {
        AudioOutput::Ring &fr = out_->freeBlocks();
        for (;;) {
            AudioBlock *b = nullptr;
            if (fr.tryPop(b)) return b;
            if (changed()) return nullptr;
            intake();
            guardTick();
            if (changed()) return nullptr;
            if (q_) sleepOn({&fr.dataWaiter(), &q_->dataWaiter(), &ctl_}, [&] { return !fr.empty() || changed() || !q_->empty(); });
            else sleepOn({&fr.dataWaiter(), &ctl_}, [&] { return !fr.empty() || changed(); });
        }
    }

    bool pushBlock() {
        if (!blk_ || blk_->frames == 0) return true;
        AudioBlock *b = blk_;
        out_->fullBlocks().tryPush(b);   // as many slots as blocks: never full
        blk_ = nullptr;
        return true;
    }

    // SampleSink: samples at the output rate; trimmed before the start.
    bool samples(const float *data, int frames, int64_t pts) override {
        const int ch = out_->format().channels;
        const double speed = cur_.speed * drift_;   // stream time a sample stands for, the drift guard's rate in it
        const double nsPerFrame = 1e9 * speed / out_->format().rate;
        if (skipNs_ > 0 && trimBefore_ == INT64_MIN) {
            trimBefore_ = pts + skipNs_;   // (a block that does not continue begins after the gap)
            skipNs_ = 0;
        }
        if (trimBefore_ != INT64_MIN) {
            const int64_t skip = static_cast<int64_t>(std::ceil((trimBefore_ - pts) / nsPerFrame));
            if (skip >= frames) return !changed();
            if (skip > 0) {
                data += skip * ch;
                frames -= static_cast<int>(skip);
                pts += static_cast<int64_t>(static_cast<double>(skip) * nsPerFrame);
            }
            trimBefore_ = INT64_MIN;
        }
        if (blk_ && blk_->frames > 0) {
            // Samples that do not continue the block start a new one (its pts
            // must describe every sample in it).
            const int64_t end = blk_->ptsNs + static_cast<int64_t>(blk_->frames * nsPerFrame);
            if (std::llabs(pts - end) > 2000000) pushBlock();
        }
        while (frames > 0) {
            if (!blk_) {
                blk_ = freeBlock();
                if (!blk_) return false;
                blk_->frames = 0;
            }
            if (blk_->frames == 0) {
                blk_->gen = cur_.gen;
                blk_->speed = speed;
                blk_->ptsNs = pts;
            }
            const int take = std::min(frames, AudioBlock::kFrames - blk_->frames);
            std::memcpy(blk_->samples + blk_->frames * ch, data, sizeof(float) * size_t(take) * size_t(ch));
            blk_->frames += take;
            data += take * ch;
            frames -= take;
            pts += static_cast<int64_t>(static_cast<double>(take) * nsPerFrame);
            if (blk_->frames == AudioBlock::kFrames) pushBlock();
        }
        return !changed();
    }

    void toneChunk() {
        // 100 ms of a 1 kHz beep at every whole second, silence between.
        const AudioFormat &f = out_->format();
        const int n = f.rate / 50;
        tone_.resize(static_cast<size_t>(n) * static_cast<size_t>(f.channels));
        const double nsPerFrame = 1e9 * cur_.speed / f.rate;
        for (int i = 0; i < n; ++i) {
            const int64_t t = tonePts_ + static_cast<int64_t>(i * nsPerFrame);
            const int64_t inSec = ((t % 1000000000) + 1000000000) % 1000000000;
            const float v = inSec < 100000000 ? 0.3f * static_cast<float>(std::sin(2 * M_PI * 1000.0 * (inSec / 1e9))) : 0.0f;
            for (int c = 0; c < f.channels; ++c) tone_[static_cast<size_t>(i * f.channels + c)] = v;
        }
        const int64_t pts = tonePts_;
        tonePts_ += static_cast<int64_t>(n * nsPerFrame);
        samples(tone_.data(), n, pts);
    }

    void run() {
        pthread_setname_np(pthread_self(), "qv-audio");
        sig::installAltStack();   // the fatal handler runs even after a stack overflow
        while (!quit_.load(std::memory_order_acquire)) {
            const uint32_t seq = reqSeq_.load(std::memory_order_acquire);
            if (seq != handledSeq_ || restart_) {
                Request r;
                {
                    std::lock_guard<std::mutex> lk(m_);
                    r = req_;
                }
                handledSeq_ = seq;
                handle(r);
                continue;
            }
            intake();
            if (restart_) continue;
            if (running_ && !dec_) {
                toneChunk();
                continue;
            }
            if (running_ && cursor_ < histEnd_) {
                guardTick();
                PacketRef &p = slot(cursor_++);
                if (!dec_->decode(p, *this)) continue;   // a new request came
                errors_.store(dec_->errors(), std::memory_order_relaxed);
                continue;
            }
            if (running_ && inputEnded_) {
                dec_->drain(*this);
                pushBlock();
                out_->setEnded(true);
                running_ = false;
                continue;
            }
            // Nothing to do until packets, a request, or quit.
            if (q_) sleepOn({&q_->dataWaiter(), &ctl_}, [&] { return changed() || !q_->empty(); });
            else sleepOn({&ctl_}, [&] { return changed(); });
        }
    }

    std::unique_ptr<AudioDecoder> dec_;
    PacketQueue *q_;
    std::unique_ptr<AudioOutput> out_;
    std::string srcDesc_, desc_;
    int64_t delayNs_;
    const bool measure_;   // AudioOptions::measureBacklog (a decoder's sound, not the tone)

    // shared
    std::mutex m_;
    Request req_;
    std::atomic<uint32_t> reqSeq_{0};
    std::atomic<bool> quit_{false}, lost_{false}, outPaused_{true};
    std::atomic<int64_t> errors_{0};
    mutable std::mutex reportM_;
    DriftReport report_;
    Waiter ctl_;
    std::thread thread_;

    // display thread
    double speed_ = 1.0, lastSpeed_ = 0;
    uint32_t gen_ = 0, lastSerial_ = 0;
    bool started_ = false, paused_ = true, muted_ = false;
    int volume_ = 100;
    int parked_ = 0;   // blocks kept out of use (AudioOptions::leadBlocks)
    int leadBlocks_ = 0;   // the blocks in use, when some are parked
    static constexpr int64_t kFloorMarginNs = 30000000;

    // qv-audio
    uint32_t handledSeq_ = 0;
    Request cur_;
    std::vector<PacketRef> hist_;
    uint64_t histBegin_ = 0, histEnd_ = 0, cursor_ = 0;
    uint32_t histSerial_ = 0;
    bool fromFlush_ = true;       // nothing dropped from the front since the last flush
    bool inputEnded_ = false;
    bool running_ = false, waiting_ = false, restart_ = false;
    int64_t trimBefore_ = INT64_MIN;
    int64_t tonePts_ = 0;
    AudioBlock *blk_ = nullptr;
    std::vector<float> tone_;
    DriftGuard guard_;
    double drift_ = 1.0;                          // the rate the decoder plays at
    int64_t skipNs_ = 0;                          // the drift guard's catch-up, to leave out next
    int64_t nextGuardNs_ = 0, renewNs_ = 0;
};

} // namespace

std::unique_ptr<AudioPlayer> makeAudioStage(std::unique_ptr<AudioDecoder> dec, PacketQueue &q, const AudioOptions &opt,
                                            std::string &why) {
    auto out = AudioOutput::open(dec->sampleRate(), std::clamp(dec->channels(), 1, AudioBlock::kMaxChannels), why);
    if (!out) return nullptr;
    return std::make_unique<AudioStage>(std::move(dec), &q, std::move(out), opt);
}

std::unique_ptr<AudioPlayer> makeToneStage(const AudioOptions &opt, std::string &why) {
    auto out = AudioOutput::open(48000, 2, why);
    if (!out) return nullptr;
    return std::make_unique<AudioStage>(nullptr, nullptr, std::move(out), opt);
}

} // namespace qv
