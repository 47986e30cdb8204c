// DriftGuard: holds a live source's sound latency where it started, while
// the sender's clock and the sound card's drift apart (issue 14). Pure: the
// audio stage feeds it measurements and applies the rate it returns; the
// unit test drives it with a simulated sender.
//
// The measurement is the backlog: the newest received sound (its pts plus
// what waits in the packet queue) minus the pts being heard. Packets arrive
// in bursts, so the backlog is a saw-tooth; its minimum over the last
// kWindowNs is the level that is followed. The first kLearnNs after a start
// learn the target (that minimum when they end); after that, the sound is
// played `rate` times as fast as its timestamps say, proportional to how far
// the level is from the target: kGainPerS per second of error, at most
// kMaxRate either way (a fraction of a percent: a pitch change nobody hears).
// A sender 0.1% fast is held about 5 ms above the target; without the guard
// the latency grows by 0.6 s in 10 minutes. A level more than kJumpNs from the
// target (the sender restarted, a gap) is learnt again.
//
// Catch-up (--latency=low, where the sound is kept at a minimal buffer),
// when catchUpAboveNs > 0, in two cases; each time the excess is left out at
// once (takeSkipNs: the audio stage drops that much of the sound it decodes
// next):
// - a start later than the output's queue explains (a loaded machine took
//   its time to begin the sound): the level learnt is over the floor (the
//   least backlog the output's queue allows, setFloorNs) by more than
//   catchUpAboveNs kStartCheckNs after the start. It is cut to the floor,
//   and the target learnt in the kLearnNs after the cut;
// - a sound card slower than the rate can make up for (SDL's disk writer
//   runs 1 to 3% slow on a loaded machine; a stalled device): the level
//   grows past the target by more than catchUpAboveNs. It is cut back to
//   the target, at most once per kSkipEveryNs (the window's minimum still
//   holds the level from before the cut until then).
//
// Thread: one (qv-audio); the figures for --stats are read through the
// AudioPlayer, which copies them into atomics.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace qv {

class DriftGuard {
public:
    static constexpr int64_t kSampleNs = 100000000;   // one measurement per 100 ms, at most
    static constexpr int64_t kWindowNs = 2000000000;
    static constexpr int64_t kLearnNs = 4000000000;
    static constexpr int64_t kJumpNs = 2000000000;
    static constexpr double kGainPerS = 0.2;          // 100 ms above the target: 2% (clamped)
    static constexpr double kMaxRate = 0.005;
    static constexpr int64_t kSkipEveryNs = kWindowNs + 500000000;
    static constexpr int64_t kStartCheckNs = 1000000000;

    // enabled: false measures and reports but always answers 1.0.
    explicit DriftGuard(bool enabled = true, int64_t catchUpAboveNs = 0)
        : enabled_(enabled), catchUpNs_(enabled ? catchUpAboveNs : 0) {}

    // A new start of the sound (or a timestamp jump): learn again.
    void reset() {
        n_ = 0;
        startNs_ = INT64_MIN;
        learned_ = false;
        rate_ = 1.0;
        skipNs_ = 0;
        lastSkipAtNs_ = INT64_MIN;
        startChecked_ = false;
    }

    // Catch-up: the least backlog the output's queue allows (the blocks it
    // may hold, the device's latency and a margin); 0: not known.
    void setFloorNs(int64_t floorNs) { floorNs_ = floorNs; }

    // One measurement at nowNs. Returns the rate to play at (1.0: as stamped).
    double sample(int64_t nowNs, int64_t backlogNs) {
        if (n_ > 0 && nowNs - last().t < kSampleNs) return rate_;
        if (startNs_ == INT64_MIN) startNs_ = nowNs;
        push(nowNs, backlogNs);
        level_ = windowMin(nowNs);
        if (!learned_) {
            if (catchUpNs_ > 0 && floorNs_ > 0 && !startChecked_ && nowNs - startNs_ >= kStartCheckNs) {
                startChecked_ = true;
                if (level_ > floorNs_ + catchUpNs_ && level_ - floorNs_ < kJumpNs) {
                    // Begun late: cut to the floor; the target is learnt after the cut.
                    skip(nowNs, level_ - floorNs_);
                    startNs_ = nowNs;
                }
            }
            if (nowNs - startNs_ < kLearnNs) return rate_;
            learned_ = true;
            targetNs_ = level_;
            if (firstNs_ == INT64_MIN) firstNs_ = level_;
            ++learnt_;
        }
        const int64_t err = level_ - targetNs_;
        if (err > kJumpNs || err < -kJumpNs) {
            reset();
            return rate_;
        }
        if (catchUpNs_ > 0 && err > catchUpNs_ && (lastSkipAtNs_ == INT64_MIN || nowNs - lastSkipAtNs_ >= kSkipEveryNs))
            skip(nowNs, err);
        const double want = 1.0 + std::clamp(static_cast<double>(err) * 1e-9 * kGainPerS, -kMaxRate, kMaxRate);
        rate_ = enabled_ ? want : 1.0;
        minRate_ = std::min(minRate_, rate_);
        maxRate_ = std::max(maxRate_, rate_);
        return rate_;
    }

    // Catch-up: the sound to leave out now (0: none); asked once.
    int64_t takeSkipNs() {
        const int64_t s = skipNs_;
        skipNs_ = 0;
        return s;
    }
    int skips() const { return skips_; }                // catch-ups so far
    int64_t skippedNs() const { return skippedNs_; }    // the sound they left out

    bool learned() const { return learned_; }
    int64_t targetNs() const { return targetNs_; }
    int64_t levelNs() const { return level_; }          // the backlog's windowed minimum now
    int64_t firstTargetNs() const { return firstNs_; }  // the first target learnt
    int learnt() const { return learnt_; }              // targets learnt (1 + jumps and restarts)
    double rate() const { return rate_; }
    double minRate() const { return minRate_; }
    double maxRate() const { return maxRate_; }

private:
    struct Sample {
        int64_t t = 0, backlog = 0;
    };
    static constexpr size_t kRing = 32;   // > kWindowNs / kSampleNs

    void skip(int64_t nowNs, int64_t ns) {
        skipNs_ += ns;
        lastSkipAtNs_ = nowNs;
        ++skips_;
        skippedNs_ += ns;
    }
    const Sample &last() const { return ring_[(n_ - 1) % kRing]; }
    void push(int64_t t, int64_t b) { ring_[n_++ % kRing] = Sample{t, b}; }
    int64_t windowMin(int64_t nowNs) const {
        int64_t m = INT64_MAX;
        for (size_t i = 0; i < std::min(n_, kRing); ++i) {
            const Sample &s = ring_[(n_ - 1 - i) % kRing];
            if (nowNs - s.t > kWindowNs) break;
            m = std::min(m, s.backlog);
        }
        return m;
    }

    bool enabled_;
    int64_t catchUpNs_;
    int64_t skipNs_ = 0, lastSkipAtNs_ = INT64_MIN, skippedNs_ = 0, floorNs_ = 0;
    bool startChecked_ = false;
    int skips_ = 0;
    std::array<Sample, kRing> ring_{};
    size_t n_ = 0;
    int64_t startNs_ = INT64_MIN;
    bool learned_ = false;
    int64_t targetNs_ = 0, level_ = 0, firstNs_ = INT64_MIN;
    int learnt_ = 0;
    double rate_ = 1.0, minRate_ = 1.0, maxRate_ = 1.0;
};

} // namespace qv
