// AudioPlayer: the best audio stream of a file (or the demo's tone), decoded
// on its own thread (qv-audio), resampled with libswresample to what the
// device takes, and played through SDL2 audio. It is the master clock while
// it plays: the display stage asks position() before each frame.
//
// Threads: the public methods are called from the display thread only. The
// decode thread fills fixed blocks (allocated once) and hands them to SDL's
// callback through one SPSC ring; the callback hands them back through
// another. A start() (seek, resume after steps, speed change) bumps a serial:
// the callback plays silence instead of blocks of an older serial, and the
// decode thread seeks.
//
// Speed: the resampler is told the input runs at rate x speed, so the sound
// plays faster or slower with its pitch moving with it (like tape; pitch is
// not kept).
#pragma once

#include "qv/core/result.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qv {

struct AudioOptions {
    int volume = 100;            // 0 .. 150 (%)
    int64_t delayNs = 0;         // --audio-delay: > 0 plays the sound later
    double speed = 1.0;
    bool useMmap = true;
};

class AudioPlayer {
public:
    // The best audio stream of path. nullptr with a reason (no audio stream,
    // no device, an audio stream that cannot be decoded): qv then plays the
    // video alone.
    static std::unique_ptr<AudioPlayer> open(const std::string &path, const AudioOptions &opt, std::string &why);
    // The demo's sound: a short beep at every whole second.
    static std::unique_ptr<AudioPlayer> openTone(const AudioOptions &opt, std::string &why);
    virtual ~AudioPlayer() = default;

    // Play from stream time ptsNs (in the video's time line: 0 is the video's
    // first frame). Cheap when the sound is already there (a plain resume).
    virtual void start(int64_t ptsNs) = 0;
    virtual void setPaused(bool paused) = 0;
    // Takes effect at the next start().
    virtual void setSpeed(double speed) = 0;
    // The stream time heard at nowNs (with --audio-delay applied); false
    // while nothing of the current start() has played yet, while paused, and
    // after the sound ran out.
    virtual bool position(int64_t nowNs, int64_t &ptsNs) const = 0;
    // Samples of the current start() are still to be heard (false once the
    // sound ran out at the end of the stream, and while paused).
    virtual bool playing() const = 0;
    virtual void setVolume(int percent) = 0;
    virtual int volume() const = 0;
    virtual void setMuted(bool muted) = 0;
    virtual bool muted() const = 0;
    // "aac 44100 Hz 2 ch -> pulseaudio 44100 Hz 2 ch, 1024-sample buffers"
    virtual std::string describe() const = 0;
    virtual int64_t decodeErrors() const = 0;   // broken audio packets skipped
    virtual int64_t underruns() const = 0;      // callbacks that had to play silence mid-stream
    // Only audio in the file (no video stream).
    virtual int64_t durationNs() const = 0;
};

// Whether this build has audio output (SDL2).
bool audioCompiledIn();

} // namespace qv
