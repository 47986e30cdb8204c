// AudioPlayer on SDL2 audio (see qv/audio/audio.h).
#include "qv/audio/audio.h"

#include "media/input.h"
#include "qv/audio/audio_clock.h"
#include "qv/core/log.h"
#include "qv/media/ffcompat.h"
#include "qv/pipeline/spsc_ring.h"
#include "qv/pipeline/waiter.h"
#include "qv/sync/clock.h"

#include <SDL.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <pthread.h>
#include <thread>
#include <vector>

namespace qv {

bool audioCompiledIn() { return true; }

namespace {

// SDL's own log lines (the disk driver's warning, say) go to qv's -v log.
void sdlLog(void *, int, SDL_LogPriority, const char *message) { log::info("SDL: %s", message); }

constexpr int kBlockFrames = 1024;
constexpr int kMaxChannels = 2;
constexpr size_t kBlocks = 24;   // about 0.5 s at 48 kHz: the decode thread's lead
constexpr int64_t kNoPts = INT64_MIN;

struct Block {
    float samples[kBlockFrames * kMaxChannels];
    int frames = 0;
    int64_t ptsNs = 0;     // of the first sample
    double speed = 1.0;    // stream ns per wall ns of these samples
    uint32_t serial = 0;
};

// The callback's stamp, published with a sequence lock: the callback writes,
// the display thread reads, neither waits.
class StampCell {
public:
    void store(const AudioStamp &s, uint32_t serial) {
        const uint32_t q = seq_.load(std::memory_order_relaxed);
        seq_.store(q + 1, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_release);
        cb_.store(s.callbackNs, std::memory_order_relaxed);
        pts_.store(s.ptsNs, std::memory_order_relaxed);
        span_.store(s.spanNs, std::memory_order_relaxed);
        lat_.store(s.latencyNs, std::memory_order_relaxed);
        speed_.store(s.speed, std::memory_order_relaxed);
        serial_.store(serial, std::memory_order_relaxed);
        seq_.store(q + 2, std::memory_order_release);
    }
    bool load(AudioStamp &s, uint32_t &serial) const {
        for (int tries = 0; tries < 64; ++tries) {
            const uint32_t a = seq_.load(std::memory_order_acquire);
            if (a & 1) continue;
            s.callbackNs = cb_.load(std::memory_order_relaxed);
            s.ptsNs = pts_.load(std::memory_order_relaxed);
            s.spanNs = span_.load(std::memory_order_relaxed);
            s.latencyNs = lat_.load(std::memory_order_relaxed);
            s.speed = speed_.load(std::memory_order_relaxed);
            serial = serial_.load(std::memory_order_relaxed);
            std::atomic_thread_fence(std::memory_order_acquire);
            if (seq_.load(std::memory_order_relaxed) == a) return a != 0;
        }
        return false;
    }

private:
    std::atomic<uint32_t> seq_{0};
    std::atomic<int64_t> cb_{0}, pts_{0}, span_{0}, lat_{0};
    std::atomic<double> speed_{1.0};
    std::atomic<uint32_t> serial_{0};
};

class SdlAudio final : public AudioPlayer {
public:
    ~SdlAudio() override {
        quit_.store(true);
        full_.abort();
        free_.abort();
        control_.notify();
        if (thread_.joinable()) thread_.join();
        if (dev_) SDL_CloseAudioDevice(dev_);
        if (sdlInit_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
        if (swr_) swr_free(&swr_);
        av_frame_free(&frame_);
    }

    // Opens the file's best audio stream (or the tone when path is empty).
    bool init(const std::string &path, const AudioOptions &opt, std::string &why) {
        volume_.store(std::clamp(opt.volume, 0, 150));
        delayNs_ = opt.delayNs;
        speed_ = opt.speed;
        int rate = 48000, channels = 2;
        if (!path.empty()) {
            auto in = Input::open(path, opt.useMmap);
            if (!in) {
                why = in.error().message;
                return false;
            }
            in_ = std::move(in.value());
            AVFormatContext *fmt = in_->fmt();
            const int vidx = in_->bestVideoStream();
            aidx_ = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, vidx, nullptr, 0);
            if (aidx_ < 0) {
                why = "no audio stream";
                return false;
            }
            st_ = fmt->streams[aidx_];
            for (unsigned i = 0; i < fmt->nb_streams; ++i)
                if (static_cast<int>(i) != aidx_) fmt->streams[i]->discard = AVDISCARD_ALL;
            // Time 0 is the video's first frame, as the video source counts it.
            if (vidx >= 0 && fmt->streams[vidx]->start_time != AV_NOPTS_VALUE)
                originNs_ = av_rescale_q(fmt->streams[vidx]->start_time, fmt->streams[vidx]->time_base, {1, 1000000000});
            else if (st_->start_time != AV_NOPTS_VALUE)
                originNs_ = av_rescale_q(st_->start_time, st_->time_base, {1, 1000000000});
            if (fmt->duration > 0) durationNs_ = av_rescale(fmt->duration, 1000, 1);
            auto dec = openDecoder(path, st_, 1);
            if (!dec) {
                why = "audio stream " + std::to_string(aidx_) + " cannot be decoded: " + dec.error().message;
                return false;
            }
            dec_ = std::move(dec.value());
            rate = dec_->sample_rate > 0 ? dec_->sample_rate : 48000;
            channels = std::clamp(ff::decoderChannels(dec_.get()), 1, kMaxChannels);
            const AVCodecDescriptor *d = avcodec_descriptor_get(st_->codecpar->codec_id);
            srcDesc_ = std::string(d ? d->name : "audio") + " " + std::to_string(rate) + " Hz " +
                       std::to_string(ff::decoderChannels(dec_.get())) + " ch";
            pkt_.reset(av_packet_alloc());
            frame_ = av_frame_alloc();
        } else {
            tone_ = true;
            srcDesc_ = "demo tone";
        }
        SDL_LogSetOutputFunction(&sdlLog, nullptr);
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
            why = std::string("no audio output (SDL: ") + SDL_GetError() + ")";
            return false;
        }
        sdlInit_ = true;
        const char *driver = SDL_GetCurrentAudioDriver();
        driver_ = driver ? driver : "?";
        // SDL's disk writer sleeps whole milliseconds per buffer: 20 ms
        // buffers keep its pace true. A real device gets about 20 ms too,
        // as a power of two.
        const bool disk = driver_ == "disk";
        int samples = 256;
        while (samples * 50 < rate && samples < 8192) samples *= 2;
        if (disk) samples = std::max(1, rate / 50);
        SDL_AudioSpec want{}, have{};
        want.freq = rate;
        want.format = AUDIO_F32SYS;
        want.channels = static_cast<Uint8>(channels);
        want.samples = static_cast<Uint16>(samples);
        want.callback = &SdlAudio::callback;
        want.userdata = this;
        dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have,
                                   SDL_AUDIO_ALLOW_FREQUENCY_CHANGE | SDL_AUDIO_ALLOW_CHANNELS_CHANGE);
        if (!dev_) {
            why = std::string("no audio device (SDL ") + driver_ + ": " + SDL_GetError() + ")";
            return false;
        }
        if (have.channels < 1 || have.channels > kMaxChannels) {
            // SDL converts for us when we did not allow the change; reopen.
            SDL_CloseAudioDevice(dev_);
            dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE);
            if (!dev_) {
                why = std::string("no audio device (SDL ") + driver_ + ": " + SDL_GetError() + ")";
                return false;
            }
        }
        outRate_ = have.freq;
        outChannels_ = have.channels;
        deviceFrames_ = have.samples;
        latencyNs_ = disk ? 0 : static_cast<int64_t>(have.samples) * 1000000000 / outRate_;
        blocks_.resize(kBlocks);
        for (auto &b : blocks_) {
            Block *p = &b;
            free_.tryPush(p);
        }
        thread_ = std::thread([this] { decodeLoop(); });
        return true;
    }

    void start(int64_t ptsNs) override {
        // A plain resume: the next sample to play is already where asked.
        if (started_ && paused_) {
            AudioStamp s;
            uint32_t ser = 0;
            if (stamps_.load(s, ser) && ser == serial_.load()) {
                const int64_t next = s.ptsNs + static_cast<int64_t>(static_cast<double>(s.spanNs) * s.speed);
                if (std::llabs(next - (ptsNs - delayNs_)) < 40000000 && speedAt_ == speed_) {
                    setPaused(false);
                    return;
                }
            }
        }
        startPts_.store(ptsNs - delayNs_);
        speedAt_ = speed_;
        startSpeed_.store(speed_);
        serial_.fetch_add(1);
        full_.wakeAll();
        free_.wakeAll();
        control_.notify();
        started_ = true;
        setPaused(false);
    }

    void setPaused(bool p) override {
        if (p == paused_ && deviceStarted_) return;
        paused_ = p;
        if (!p && !started_) return;   // nothing to play yet
        deviceStarted_ = true;
        SDL_PauseAudioDevice(dev_, p ? 1 : 0);
        pausedFlag_.store(p);
    }

    void setSpeed(double s) override { speed_ = s; }

    bool position(int64_t nowNs, int64_t &ptsNs) const override {
        if (paused_ || !started_) return false;
        AudioStamp s;
        uint32_t ser = 0;
        if (!stamps_.load(s, ser) || ser != serial_.load(std::memory_order_acquire) || s.spanNs <= 0) return false;
        // The sound ran out (end, or a long stall): no clock to follow.
        if (nowNs - s.callbackNs > s.latencyNs + s.spanNs + 200000000) return false;
        ptsNs = heardAt(s, nowNs) + delayNs_;
        return true;
    }

    bool playing() const override {
        return started_ && !paused_ && !(ended_.load() && drained_.load());
    }

    void setVolume(int v) override { volume_.store(std::clamp(v, 0, 150)); }
    int volume() const override { return volume_.load(); }
    void setMuted(bool m) override { muted_.store(m); }
    bool muted() const override { return muted_.load(); }
    std::string describe() const override {
        return srcDesc_ + " -> SDL " + driver_ + " " + std::to_string(outRate_) + " Hz " +
               std::to_string(outChannels_) + " ch, " + std::to_string(deviceFrames_) + "-sample buffers";
    }
    int64_t decodeErrors() const override { return decodeErrors_.load(); }
    int64_t underruns() const override { return underruns_.load(); }
    int64_t durationNs() const override { return durationNs_; }

private:
    // ---- SDL's audio thread ----
    static void callback(void *user, Uint8 *stream, int len) {
        static_cast<SdlAudio *>(user)->fill(reinterpret_cast<float *>(stream),
                                            len / static_cast<int>(sizeof(float)));
    }

    void fill(float *out, int n) {
        const int64_t now = monotonicNs();
        const uint32_t serial = serial_.load(std::memory_order_acquire);
        const int ch = outChannels_;
        const int frames = n / ch;
        int done = 0;
        AudioStamp st;
        bool stamped = false;
        int64_t playedFrames = 0;
        while (done < frames) {
            if (cur_ && cur_->serial != serial) {
                release(cur_);
            }
            if (!cur_) {
                Block *b = nullptr;
                if (!full_.tryPop(b)) break;
                if (b->serial != serial) {
                    Block *f = b;
                    free_.tryPush(f);
                    continue;
                }
                cur_ = b;
                curPos_ = 0;
            }
            const int take = std::min(frames - done, cur_->frames - curPos_);
            if (!stamped) {
                st.ptsNs = cur_->ptsNs +
                           static_cast<int64_t>(static_cast<double>(curPos_) * 1e9 * cur_->speed / outRate_);
                st.speed = cur_->speed;
                stamped = true;
            }
            std::memcpy(out + done * ch, cur_->samples + curPos_ * ch, sizeof(float) * size_t(take) * size_t(ch));
            done += take;
            curPos_ += take;
            playedFrames += take;
            if (curPos_ >= cur_->frames) release(cur_);
        }
        drained_.store(done < frames && ended_.load(std::memory_order_relaxed), std::memory_order_relaxed);
        if (done < frames) {
            std::memset(out + done * ch, 0, sizeof(float) * size_t(frames - done) * size_t(ch));
            if (done > 0 || (stamped && !ended_.load(std::memory_order_relaxed))) underruns_.fetch_add(1);
        }
        // Volume: a cubic curve, as ears hear it (100% = unchanged).
        const double v = muted_.load(std::memory_order_relaxed) ? 0.0 : volume_.load(std::memory_order_relaxed) / 100.0;
        const float gain = static_cast<float>(v * v * v);
        if (gain != 1.0f)
            for (int i = 0; i < done * ch; ++i) out[i] *= gain;
        if (stamped) {
            st.callbackNs = now;
            st.spanNs = playedFrames * 1000000000 / outRate_;
            st.latencyNs = latencyNs_;
            stamps_.store(st, serial);
        }
    }

    void release(Block *&b) {
        Block *f = b;
        free_.tryPush(f);
        b = nullptr;
    }

    // ---- qv-audio ----
    void decodeLoop() {
        pthread_setname_np(pthread_self(), "qv-audio");
        uint32_t serial = 0;
        int64_t trimBefore = kNoPts;
        int64_t nextPts = kNoPts;
        double speed = 1.0;
        bool eof = true;   // nothing to do before the first start()
        Block *blk = nullptr;
        std::vector<float> buf;
        auto stale = [&] { return quit_.load(std::memory_order_acquire) || serial_.load() != serial; };
        // Hands out converted samples in blocks; false when a start() or
        // quit cut it short.
        auto emit = [&](const float *data, int frames, int64_t pts) {
            const double nsPerFrame = 1e9 * speed / outRate_;
            if (trimBefore != kNoPts) {
                const int64_t skip = static_cast<int64_t>(std::ceil((trimBefore - pts) / nsPerFrame));
                if (skip >= frames) return true;
                if (skip > 0) {
                    data += skip * outChannels_;
                    frames -= static_cast<int>(skip);
                    pts += static_cast<int64_t>(static_cast<double>(skip) * nsPerFrame);
                }
                trimBefore = kNoPts;
            }
            if (blk && blk->frames > 0) {
                // Samples that do not continue the block start a new one
                // (its pts must describe every sample in it).
                const int64_t end = blk->ptsNs + static_cast<int64_t>(blk->frames * nsPerFrame);
                if (std::llabs(pts - end) > 2000000) {
                    if (!full_.push(blk, stale)) return false;
                    blk = nullptr;
                }
            }
            while (frames > 0) {
                if (!blk) {
                    if (!free_.pop(blk, stale)) return false;
                    blk->frames = 0;
                }
                if (blk->frames == 0) {
                    blk->serial = serial;
                    blk->speed = speed;
                    blk->ptsNs = pts;
                }
                const int take = std::min(frames, kBlockFrames - blk->frames);
                std::memcpy(blk->samples + blk->frames * outChannels_, data,
                            sizeof(float) * size_t(take) * size_t(outChannels_));
                blk->frames += take;
                data += take * outChannels_;
                frames -= take;
                pts += static_cast<int64_t>(static_cast<double>(take) * nsPerFrame);
                if (blk->frames == kBlockFrames) {
                    if (!full_.push(blk, stale)) return false;
                    blk = nullptr;
                }
            }
            return true;
        };
        auto flushBlock = [&] {
            if (blk && blk->frames > 0) {
                if (full_.push(blk, stale)) blk = nullptr;
            }
        };
        while (!quit_.load(std::memory_order_acquire)) {
            const uint32_t want = serial_.load(std::memory_order_acquire);
            if (want != serial) {
                serial = want;
                if (blk) blk->frames = 0;   // kept (the free ring's producer is the callback)
                const int64_t target = startPts_.load();
                speed = startSpeed_.load();
                trimBefore = target;
                nextPts = kNoPts;
                eof = false;
                ended_.store(false);
                drained_.store(false);
                if (!restart(target, speed)) eof = true;
                continue;
            }
            if (eof) {
                const uint32_t seen = control_.prepare();
                if (quit_.load() || serial_.load() != serial) {
                    control_.cancel();
                    continue;
                }
                control_.wait(seen);
                continue;
            }
            if (tone_) {
                // 100 ms of a 1 kHz beep at every whole second, silence between.
                const int n = outRate_ / 50;
                if (nextPts == kNoPts) nextPts = trimBefore == kNoPts ? 0 : trimBefore;
                buf.resize(size_t(n) * size_t(outChannels_));
                const double nsPerFrame = 1e9 * speed / outRate_;
                for (int i = 0; i < n; ++i) {
                    const int64_t t = nextPts + static_cast<int64_t>(i * nsPerFrame);
                    const int64_t inSec = t % 1000000000;
                    const float v = inSec < 100000000 ? 0.3f * static_cast<float>(std::sin(2 * M_PI * 1000.0 * (inSec / 1e9))) : 0.0f;
                    for (int c = 0; c < outChannels_; ++c) buf[size_t(i * outChannels_ + c)] = v;
                }
                const int64_t pts = nextPts;
                nextPts += static_cast<int64_t>(n * nsPerFrame);
                if (!emit(buf.data(), n, pts)) continue;
                continue;
            }
            int r = av_read_frame(in_->fmt(), pkt_.get());
            if (r < 0) {
                avcodec_send_packet(dec_.get(), nullptr);
                drain(buf, nextPts, speed, emit);
                flushBlock();
                eof = true;
                ended_.store(true);
                continue;
            }
            if (pkt_->stream_index != aidx_) {
                av_packet_unref(pkt_.get());
                continue;
            }
            r = avcodec_send_packet(dec_.get(), pkt_.get());
            av_packet_unref(pkt_.get());
            if (r < 0 && r != AVERROR(EAGAIN)) {
                decodeErrors_.fetch_add(1);   // a broken packet: skipped, counted
                continue;
            }
            drain(buf, nextPts, speed, emit);
        }
    }

    template <typename Emit>
    void drain(std::vector<float> &buf, int64_t &nextPts, double speed, Emit &emit) {
        for (;;) {
            int r = avcodec_receive_frame(dec_.get(), frame_);
            if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
            if (r < 0) {
                decodeErrors_.fetch_add(1);
                return;
            }
            int64_t pts = kNoPts;
            if (frame_->best_effort_timestamp != AV_NOPTS_VALUE)
                pts = av_rescale_q(frame_->best_effort_timestamp, st_->time_base, {1, 1000000000}) - originNs_;
            // Follow the running position (container timestamps are rounded,
            // swr's own delay is a few samples) unless the stream jumps.
            if (nextPts != kNoPts && (pts == kNoPts || std::llabs(pts - nextPts) <= 2000000)) pts = nextPts;
            if (pts == kNoPts) pts = 0;
            if (nextPts != kNoPts && pts > nextPts && pts - nextPts < 1000000000) {
                // A gap (lost or broken packets): silence keeps the clock
                // even instead of letting the sound jump ahead.
                const int n = static_cast<int>((pts - nextPts) * 1e-9 * outRate_ / speed);
                if (n > 0) {
                    buf.assign(size_t(n) * size_t(outChannels_), 0.0f);
                    if (!emit(buf.data(), n, nextPts)) return;
                }
            }
            const int maxOut = swr_get_out_samples(swr_, frame_->nb_samples);
            if (maxOut <= 0) continue;
            buf.resize(size_t(maxOut) * size_t(outChannels_));
            uint8_t *outp = reinterpret_cast<uint8_t *>(buf.data());
            const int got = swr_convert(swr_, &outp, maxOut, const_cast<const uint8_t **>(frame_->extended_data),
                                        frame_->nb_samples);
            av_frame_unref(frame_);
            if (got <= 0) continue;
            nextPts = pts + static_cast<int64_t>(got * 1e9 * speed / outRate_);
            if (!emit(buf.data(), got, pts)) return;
        }
    }

    bool restart(int64_t target, double speed) {
        if (tone_) return true;
        const int64_t abs = target + originNs_;
        const int64_t ts = av_rescale_q(std::max<int64_t>(abs, 0), {1, 1000000000}, st_->time_base);
        if (av_seek_frame(in_->fmt(), aidx_, ts, AVSEEK_FLAG_BACKWARD) < 0)
            av_seek_frame(in_->fmt(), -1, 0, AVSEEK_FLAG_BACKWARD);
        avcodec_flush_buffers(dec_.get());
        if (!swr_ || speed != swrSpeed_) {
            if (swr_) swr_free(&swr_);
            const int inRate = std::max(1, static_cast<int>(std::lround(dec_->sample_rate * speed)));
            swr_ = ff::makeResampler(dec_.get(), inRate, outRate_, outChannels_);
            swrSpeed_ = speed;
            if (!swr_) {
                log::warn("audio: cannot resample %s", srcDesc_.c_str());
                return false;
            }
        } else {
            swr_init(swr_);   // drop what it held from before the seek
        }
        return true;
    }

    // set-up
    std::unique_ptr<Input> in_;
    AVStream *st_ = nullptr;
    int aidx_ = -1;
    CodecCtxPtr dec_;
    PacketPtr pkt_;
    AVFrame *frame_ = nullptr;
    SwrContext *swr_ = nullptr;
    double swrSpeed_ = 0;
    bool tone_ = false;
    int64_t originNs_ = 0;
    int64_t durationNs_ = 0;
    std::string srcDesc_, driver_;
    bool sdlInit_ = false;
    SDL_AudioDeviceID dev_ = 0;
    int outRate_ = 48000, outChannels_ = 2, deviceFrames_ = 0;
    int64_t latencyNs_ = 0;
    int64_t delayNs_ = 0;

    // shared
    std::vector<Block> blocks_;
    SpscRing<Block *, kBlocks> full_;   // qv-audio -> callback
    SpscRing<Block *, kBlocks> free_;   // callback -> qv-audio
    std::atomic<uint32_t> serial_{0};
    std::atomic<int64_t> startPts_{0};
    std::atomic<double> startSpeed_{1.0};
    std::atomic<bool> quit_{false};
    std::atomic<bool> ended_{false};
    std::atomic<bool> drained_{false};   // the callback ran out after the end
    std::atomic<bool> pausedFlag_{true};
    std::atomic<int> volume_{100};
    std::atomic<bool> muted_{false};
    std::atomic<int64_t> decodeErrors_{0}, underruns_{0};
    Waiter control_;
    StampCell stamps_;
    std::thread thread_;

    // callback only
    Block *cur_ = nullptr;
    int curPos_ = 0;
    // display thread only
    double speed_ = 1.0, speedAt_ = 0;
    bool started_ = false;
    bool paused_ = true;
    bool deviceStarted_ = false;
};

} // namespace

std::unique_ptr<AudioPlayer> AudioPlayer::open(const std::string &path, const AudioOptions &opt, std::string &why) {
    auto a = std::make_unique<SdlAudio>();
    if (!a->init(path, opt, why)) return nullptr;
    return a;
}

std::unique_ptr<AudioPlayer> AudioPlayer::openTone(const AudioOptions &opt, std::string &why) {
    return open(std::string(), opt, why);   // an empty path is the tone
}

} // namespace qv
