// AudioDecoder: libavcodec and libswresample for the audio stream a Demuxer
// found: packets in, interleaved float samples out at the device's rate and
// channel count, with the stream time of their first sample (in the video's
// time line). Playing at speed s tells the resampler the input runs at
// rate x s: the sound plays faster or slower with its pitch (like tape).
//
// Contract: used from one thread (the audio stage). The Demuxer it was
// opened from must outlive it.
#pragma once

#include "qv/core/result.h"
#include "qv/media/packet.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qv {

class Demuxer;

// Where decoded samples go. false: stop (the caller was interrupted).
class SampleSink {
public:
    virtual ~SampleSink() = default;
    virtual bool samples(const float *data, int frames, int64_t ptsNs) = 0;
};

class AudioDecoder {
public:
    static Result<std::unique_ptr<AudioDecoder>> open(const Demuxer &d);
    ~AudioDecoder();

    int sampleRate() const;
    int channels() const;
    // "aac 44100 Hz 2 ch"
    std::string describe() const;
    int64_t durationNs() const { return durationNs_; }

    // The output: rate and channels of the device, at this speed. False when
    // no resampler can be made.
    bool setOutput(int rate, int channels, double speed);
    // The drift guard: play `ratio` times as fast as the timestamps say
    // (1.003: 0.3% fewer output samples for the same input) through the
    // resampler's compensation, no restart. Armed for a second of output:
    // the caller renews it more often than that. 1.0: none.
    void setDrift(double ratio);
    // Drop the decoder's and the resampler's state (after a seek, or before
    // decoding again from an earlier packet).
    void flush();
    // One packet in; its samples (and silence for a gap before them) go to
    // sink. A broken packet is skipped and counted.
    bool decode(PacketRef &p, SampleSink &sink);
    // The end: what the decoder holds goes to sink.
    bool drain(SampleSink &sink);
    int64_t errors() const { return errors_; }

private:
    AudioDecoder() = default;
    bool receive(SampleSink &sink);
    void applyDrift();
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int outRate_ = 48000, outChannels_ = 2;
    double speed_ = 1.0;
    double drift_ = 1.0;
    bool armed_ = false;   // the resampler compensates (drift_ != 1, or was)
    // What the resampler was made for (the decoder's rate, channels and
    // sample format then): frames of another make it again.
    int inRate_ = 0, inChannels_ = 0, inFormat_ = -1;
    int64_t nextPts_ = INT64_MIN;
    int64_t errors_ = 0;
    int64_t durationNs_ = 0;
    std::vector<float> buf_;
};

} // namespace qv
