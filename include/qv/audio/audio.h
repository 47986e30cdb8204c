// AudioPlayer: the sound, as the display stage drives it. It is the master
// clock while it plays: the display stage asks position() before each frame.
//
// The audio stage (src/pipeline/audio_stage.*, thread qv-audio) decodes the
// packets the demux stage gives it (or makes the demo's tone) into the
// output's blocks; the output (AudioOutput: SDL2 in the sdl back-end) plays
// them. Public methods: the display thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct AudioOptions {
    int volume = 100;            // 0 .. 150 (%)
    int64_t delayNs = 0;         // --audio-delay: > 0 plays the sound later
    double speed = 1.0;
    // Blocks of 1024 samples the stage may have handed to the device ahead
    // of what is heard: 0, all (AudioOutput::kBlocks, about 0.5 s at
    // 48 kHz); --latency=low: 4 (about 85 ms).
    int leadBlocks = 0;
    // A live source (issue 14): the backlog (newest received sound minus
    // what is heard) is measured, and with driftGuard held where it started
    // by playing a fraction of a percent faster or slower (DriftGuard).
    bool measureBacklog = false;
    bool driftGuard = false;
    // With the guard, sound above its learnt backlog by more than this is
    // left out at once (DriftGuard's catch-up; 0: never). --latency=low.
    int64_t catchUpAboveNs = 0;
};

// --latency=low's catch-up: 50 ms over the learnt backlog (a little over two
// 20 ms packets; what a 0.5% rate cannot bring back within ten seconds).
constexpr int64_t kLowCatchUpNs = 50000000;

// What the drift guard saw, for --stats (zeros when it did not run).
struct DriftReport {
    bool measured = false, guarded = false;
    int64_t targetNs = 0, levelNs = 0;   // the backlog's target and its level now
    double rate = 1.0, minRate = 1.0, maxRate = 1.0;
    int learnt = 0;
    int skips = 0;            // catch-ups (--latency=low)
    int64_t skippedNs = 0;    // the sound they left out
};

class AudioPlayer {
public:
    virtual ~AudioPlayer() = default;

    // Play from stream time ptsNs (in the video's time line: 0 is the video's
    // first frame), with the packets that follow the demux stage's flush for
    // pipeline serial `serial`. Cheap when the sound is already there (a
    // plain resume after a pause).
    virtual void start(int64_t ptsNs, uint32_t serial) = 0;
    virtual void setPaused(bool paused) = 0;
    // Takes effect at the next start().
    virtual void setSpeed(double speed) = 0;
    // The stream time heard at nowNs (with --audio-delay applied); false
    // while nothing of the current start() has played yet, while paused, and
    // after the sound ran out.
    virtual bool position(int64_t nowNs, int64_t &ptsNs) const = 0;
    // Readable (an eventfd) when the first samples of a start() are heard:
    // the display stage sleeps on it instead of polling position().
    virtual int heardFd() const = 0;
    // Samples of the current start() are still to be heard (false once the
    // sound ran out at the end of the stream, and while paused).
    virtual bool playing() const = 0;
    // The last start() asked for a time whose packets are gone (stepped far
    // from where the sound was): the caller seeks, which brings them again.
    virtual bool lost() const = 0;
    virtual void setVolume(int percent) = 0;
    virtual int volume() const = 0;
    virtual void setMuted(bool muted) = 0;
    virtual bool muted() const = 0;
    // "aac 44100 Hz 2 ch -> pulseaudio 44100 Hz 2 ch, 1024-sample buffers"
    virtual std::string describe() const = 0;
    virtual int64_t decodeErrors() const = 0;   // broken audio packets skipped
    virtual int64_t underruns() const = 0;      // callbacks that had to play silence mid-stream
    virtual DriftReport drift() const { return {}; }
};

} // namespace qv
