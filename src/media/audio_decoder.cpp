#include "qv/media/audio_decoder.h"

#include "input.h"
#include "qv/core/log.h"
#include "qv/media/demuxer.h"
#include "qv/media/ts_math.h"

#include <algorithm>
#include <cmath>

namespace qv {

struct AudioDecoder::Impl {
    AVStream *st = nullptr;
    CodecCtxPtr dec;
    AVFrame *frame = nullptr;
    SwrContext *swr = nullptr;
    int64_t originNs = 0;
    std::string desc;
    ~Impl() {
        if (swr) swr_free(&swr);
        av_frame_free(&frame);
    }
};

AudioDecoder::~AudioDecoder() = default;

Result<std::unique_ptr<AudioDecoder>> AudioDecoder::open(const Demuxer &d) {
    if (!d.hasAudio()) return Error::make(ErrorKind::NoVideo, "no audio stream");
    std::unique_ptr<AudioDecoder> a(new AudioDecoder());
    a->impl_ = std::make_unique<Impl>();
    Impl &m = *a->impl_;
    m.st = d.audioStream();
    auto dec = openDecoder(d.path(), m.st, 1);
    if (!dec) {
        Error e = dec.takeError();
        e.message = "audio stream " + std::to_string(m.st->index) + " cannot be decoded: " + e.message;
        return e;
    }
    m.dec = std::move(dec.value());
    m.frame = av_frame_alloc();
    if (!m.frame) return Error::make(ErrorKind::Internal, "out of memory");
    // Time 0 is the video's first frame, as the video decoder counts it.
    const AVStream *v = d.videoStream();
    if (v && v->start_time != AV_NOPTS_VALUE)
        m.originNs = ts::toNs(v->start_time, v->time_base);
    else if (m.st->start_time != AV_NOPTS_VALUE)
        m.originNs = ts::toNs(m.st->start_time, m.st->time_base);
    const AVCodecDescriptor *cd = avcodec_descriptor_get(m.st->codecpar->codec_id);
    m.desc = std::string(cd ? cd->name : "audio") + " " + std::to_string(a->sampleRate()) + " Hz " +
             std::to_string(ff::decoderChannels(m.dec.get())) + " ch";
    if (m.st->duration > 0 && m.st->duration != AV_NOPTS_VALUE)
        a->durationNs_ = ts::toNs(m.st->duration, m.st->time_base);
    return a;
}

int AudioDecoder::sampleRate() const { return impl_->dec->sample_rate > 0 ? impl_->dec->sample_rate : 48000; }
int AudioDecoder::channels() const { return ff::decoderChannels(impl_->dec.get()); }
std::string AudioDecoder::describe() const { return impl_->desc; }

bool AudioDecoder::setOutput(int rate, int channels, double speed) {
    Impl &m = *impl_;
    if (m.swr && rate == outRate_ && channels == outChannels_ && speed == speed_) return true;
    if (m.swr) swr_free(&m.swr);
    outRate_ = rate;
    outChannels_ = channels;
    speed_ = speed;
    const int inRate = std::max(1, static_cast<int>(std::lround(sampleRate() * speed)));
    m.swr = ff::makeResampler(m.dec.get(), inRate, rate, channels);
    inRate_ = m.dec->sample_rate;
    inChannels_ = ff::decoderChannels(m.dec.get());
    inFormat_ = m.dec->sample_fmt;
    armed_ = false;
    if (!m.swr) log::warn("audio: cannot resample %s", m.desc.c_str());
    applyDrift();
    return m.swr != nullptr;
}

void AudioDecoder::setDrift(double ratio) {
    drift_ = ratio;
    applyDrift();
}

void AudioDecoder::applyDrift() {
    if (!impl_->swr || (drift_ == 1.0 && !armed_)) return;
    // In output samples: over the next second, |delta| fewer (faster) or more.
    const int distance = outRate_;
    const int delta = static_cast<int>(std::lround((1.0 - drift_) * distance));
    if (swr_set_compensation(impl_->swr, delta, distance) < 0) drift_ = 1.0;
    armed_ = drift_ != 1.0;
}

void AudioDecoder::flush() {
    avcodec_flush_buffers(impl_->dec.get());
    if (impl_->swr) swr_init(impl_->swr);   // drop what it held
    armed_ = false;
    applyDrift();
    nextPts_ = INT64_MIN;
}

bool AudioDecoder::decode(PacketRef &p, SampleSink &sink) {
    const int r = avcodec_send_packet(impl_->dec.get(), p.pkt.get());
    if (r < 0 && r != AVERROR(EAGAIN)) {
        ++errors_;   // a broken packet: skipped, counted
        return true;
    }
    return receive(sink);
}

bool AudioDecoder::drain(SampleSink &sink) {
    avcodec_send_packet(impl_->dec.get(), nullptr);
    const bool ok = receive(sink);
    avcodec_flush_buffers(impl_->dec.get());   // usable again after the end
    return ok;
}

bool AudioDecoder::receive(SampleSink &sink) {
    Impl &m = *impl_;
    if (!m.swr) return true;
    for (;;) {
        const int r = avcodec_receive_frame(m.dec.get(), m.frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return true;
        if (r < 0) {
            ++errors_;
            return true;
        }
        int64_t pts = INT64_MIN;
        if (m.frame->best_effort_timestamp != AV_NOPTS_VALUE)
            pts = ts::sub(ts::toNs(m.frame->best_effort_timestamp, m.st->time_base), m.originNs);
        // Follow the running position (container timestamps are rounded,
        // swr's own delay is a few samples) unless the stream jumps.
        if (nextPts_ != INT64_MIN && (pts == INT64_MIN || std::llabs(pts - nextPts_) <= 2000000)) pts = nextPts_;
        if (pts == INT64_MIN) pts = 0;
        if (nextPts_ != INT64_MIN && pts > nextPts_ && pts - nextPts_ < 1000000000) {
            // A gap (lost or broken packets): silence keeps the clock even
            // instead of letting the sound jump ahead.
            const int n = static_cast<int>(static_cast<double>(pts - nextPts_) * 1e-9 * outRate_ / (speed_ * drift_));
            if (n > 0) {
                buf_.assign(static_cast<size_t>(n) * static_cast<size_t>(outChannels_), 0.0f);
                if (!sink.samples(buf_.data(), n, nextPts_)) {
                    av_frame_unref(m.frame);
                    return false;
                }
            }
        }
        if (m.frame->sample_rate != inRate_ || ff::frameChannels(m.frame) != inChannels_ || m.frame->format != inFormat_) {
            // The stream is not what its parameters said (HE-AAC's rate and
            // stereo found in the first frames, a sender's new format): the
            // resampler made again, when the decoder says the same as its
            // frames (it updates itself as it finds them).
            const bool same = m.dec->sample_rate == m.frame->sample_rate &&
                              ff::decoderChannels(m.dec.get()) == ff::frameChannels(m.frame) &&
                              m.dec->sample_fmt == m.frame->format;
            if (!same) {
                ++errors_;
                av_frame_unref(m.frame);
                continue;
            }
            log::info("audio: the sound is %d Hz, %d channels: resampled from there", m.frame->sample_rate,
                      ff::frameChannels(m.frame));
            swr_free(&m.swr);
            if (!setOutput(outRate_, outChannels_, speed_)) {
                av_frame_unref(m.frame);
                return true;
            }
        }
        const int maxOut = swr_get_out_samples(m.swr, m.frame->nb_samples);
        if (maxOut <= 0) {
            av_frame_unref(m.frame);
            continue;
        }
        buf_.resize(static_cast<size_t>(maxOut) * static_cast<size_t>(outChannels_));
        uint8_t *outp = reinterpret_cast<uint8_t *>(buf_.data());
        const int got = swr_convert(m.swr, &outp, maxOut, const_cast<const uint8_t **>(m.frame->extended_data),
                                    m.frame->nb_samples);
        av_frame_unref(m.frame);
        if (got <= 0) continue;
        nextPts_ = pts + static_cast<int64_t>(got * 1e9 * speed_ * drift_ / outRate_);
        if (!sink.samples(buf_.data(), got, pts)) return false;
    }
}

} // namespace qv
