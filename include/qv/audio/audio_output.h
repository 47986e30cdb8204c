// AudioOutput: the sound device (SDL2 audio in the sdl back-end; none in a
// build without SDL2). It plays fixed blocks of interleaved float samples
// that the audio stage fills, and says what is being heard.
//
// Threads: the audio stage (qv-audio) takes free blocks and gives full ones
// through two SPSC rings (allocated once: neither side locks or allocates);
// the device's callback takes full blocks and gives them back. The other
// methods are called from the display thread.
//
// Generations: a block carries the generation it was made for; the callback
// plays only blocks of the current generation (setGeneration), so a new
// start (seek, resume after steps, speed change) silences what was queued
// before without waiting for it to drain.
#pragma once

#include "qv/audio/audio_clock.h"
#include "qv/pipeline/spsc_ring.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct AudioBlock {
    static constexpr int kFrames = 1024;
    static constexpr int kMaxChannels = 2;
    float samples[kFrames * kMaxChannels];
    int frames = 0;
    int64_t ptsNs = 0;     // of the first sample
    double speed = 1.0;    // stream ns per wall ns of these samples
    uint32_t gen = 0;
};

struct AudioFormat {
    int rate = 48000;
    int channels = 2;
    int deviceFrames = 0;      // samples per device buffer
    int64_t latencyNs = 0;     // from the callback until its first sample is heard
    std::string driver;        // "pulseaudio", "alsa", "disk", ...
};

class AudioOutput {
public:
    static constexpr size_t kBlocks = 24;   // about 0.5 s at 48 kHz: the audio stage's lead
    using Ring = SpscRing<AudioBlock *, kBlocks>;

    // A device for rate and channels (it may choose others: format() says).
    // nullptr with a reason when there is none.
    static std::unique_ptr<AudioOutput> open(int rate, int channels, std::string &why);
    virtual ~AudioOutput() = default;

    virtual const AudioFormat &format() const = 0;
    // qv-audio: blocks to fill, and filled blocks to play.
    virtual Ring &freeBlocks() = 0;
    virtual Ring &fullBlocks() = 0;

    // The generation the callback plays (older blocks are skipped, silence
    // until a block of it comes).
    virtual void setGeneration(uint32_t gen) = 0;
    virtual void setPaused(bool paused) = 0;
    // The callback's last stamp of the current generation; false when none.
    virtual bool stamp(AudioStamp &s) const = 0;
    // The callback ran out of samples after the stage said the end came.
    virtual void setEnded(bool ended) = 0;
    virtual bool drained() const = 0;
    // An eventfd the callback writes when it first plays a block of a new
    // generation.
    virtual int heardFd() const = 0;
    virtual void setVolume(int percent) = 0;   // 0 .. 150, a cubic curve
    virtual void setMuted(bool muted) = 0;
    virtual int64_t underruns() const = 0;
};

// Whether this build has audio output (SDL2).
bool audioCompiledIn();

} // namespace qv
