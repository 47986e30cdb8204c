// AudioOutput on SDL2 audio (see qv/audio/audio_output.h).
#include "qv/audio/audio_output.h"

#include "qv/core/log.h"
#include "qv/core/seq_cell.h"
#include "qv/core/unique_fd.h"
#include "qv/sync/clock.h"

#include <SDL.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace qv {

bool audioCompiledIn() { return true; }

namespace {

// SDL's own log lines (the disk driver's warning, say) go to qv's -v log.
void sdlLog(void *, int, SDL_LogPriority, const char *message) { log::info("SDL: %s", message); }

// The callback's stamp and the generation it belongs to, published with a
// sequence lock: the callback writes, the display thread reads, neither waits.
struct GenStamp {
    AudioStamp stamp;
    uint32_t gen;
};

class SdlAudioOutput final : public AudioOutput {
public:
    ~SdlAudioOutput() override {
        if (dev_) SDL_CloseAudioDevice(dev_);
        if (init_) SDL_QuitSubSystem(SDL_INIT_AUDIO);
    }
    int heardFd() const override { return heard_.get(); }

    bool init(int rate, int channels, std::string &why) {
        SDL_LogSetOutputFunction(&sdlLog, nullptr);
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
            why = std::string("no audio output (SDL: ") + SDL_GetError() + ")";
            return false;
        }
        init_ = true;
        const char *driver = SDL_GetCurrentAudioDriver();
        fmt_.driver = driver ? driver : "?";
        // SDL's disk writer sleeps whole milliseconds per buffer: 20 ms
        // buffers keep its pace true. A real device gets about 20 ms too,
        // as a power of two.
        const bool disk = fmt_.driver == "disk";
        int samples = 256;
        while (samples * 50 < rate && samples < 8192) samples *= 2;
        if (disk) samples = std::max(1, rate / 50);
        SDL_AudioSpec want{}, have{};
        want.freq = rate;
        want.format = AUDIO_F32SYS;
        want.channels = static_cast<Uint8>(std::clamp(channels, 1, AudioBlock::kMaxChannels));
        want.samples = static_cast<Uint16>(samples);
        want.callback = &SdlAudioOutput::callback;
        want.userdata = this;
        dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE | SDL_AUDIO_ALLOW_CHANNELS_CHANGE);
        if (dev_ && (have.channels < 1 || have.channels > AudioBlock::kMaxChannels)) {
            // SDL converts for us when we did not allow the change; reopen.
            SDL_CloseAudioDevice(dev_);
            dev_ = SDL_OpenAudioDevice(nullptr, 0, &want, &have, SDL_AUDIO_ALLOW_FREQUENCY_CHANGE);
        }
        if (!dev_) {
            why = std::string("no audio device (SDL ") + fmt_.driver + ": " + SDL_GetError() + ")";
            return false;
        }
        fmt_.rate = have.freq;
        fmt_.channels = have.channels;
        fmt_.deviceFrames = have.samples;
        fmt_.latencyNs = disk ? 0 : static_cast<int64_t>(have.samples) * 1000000000 / fmt_.rate;
        blocks_.resize(kBlocks);
        for (auto &b : blocks_) {
            AudioBlock *p = &b;
            free_.tryPush(p);
        }
        return true;
    }

    const AudioFormat &format() const override { return fmt_; }
    Ring &freeBlocks() override { return free_; }
    Ring &fullBlocks() override { return full_; }
    void setGeneration(uint32_t gen) override { gen_.store(gen, std::memory_order_release); }
    void setPaused(bool p) override {
        if (started_ && p == paused_) return;
        started_ = true;
        paused_ = p;
        SDL_PauseAudioDevice(dev_, p ? 1 : 0);
    }
    bool stamp(AudioStamp &s) const override {
        GenStamp g;
        if (!stamps_.load(g) || g.gen != gen_.load(std::memory_order_acquire) || g.stamp.spanNs <= 0) return false;
        s = g.stamp;
        return true;
    }
    void setEnded(bool e) override {
        ended_.store(e, std::memory_order_release);
        if (!e) drained_.store(false, std::memory_order_release);
    }
    bool drained() const override { return drained_.load(std::memory_order_acquire); }
    void setVolume(int v) override { volume_.store(std::clamp(v, 0, 150)); }
    void setMuted(bool m) override { muted_.store(m); }
    int64_t underruns() const override { return underruns_.load(); }

private:
    static void callback(void *user, Uint8 *stream, int len) {
        static_cast<SdlAudioOutput *>(user)->fill(reinterpret_cast<float *>(stream), len / static_cast<int>(sizeof(float)));
    }

    // SDL's audio thread.
    void fill(float *out, int n) {
        const int64_t now = monotonicNs();
        const uint32_t gen = gen_.load(std::memory_order_acquire);
        const int ch = fmt_.channels;
        const int frames = n / ch;
        int done = 0;
        AudioStamp st;
        bool stamped = false;
        int64_t played = 0;
        while (done < frames) {
            if (cur_ && cur_->gen != gen) release(cur_);
            if (!cur_) {
                AudioBlock *b = nullptr;
                if (!full_.tryPop(b)) break;
                if (b->gen != gen) {
                    free_.tryPush(b);
                    continue;
                }
                cur_ = b;
                pos_ = 0;
            }
            const int take = std::min(frames - done, cur_->frames - pos_);
            if (!stamped) {
                st.ptsNs = cur_->ptsNs + static_cast<int64_t>(static_cast<double>(pos_) * 1e9 * cur_->speed / fmt_.rate);
                st.speed = cur_->speed;
                stamped = true;
            }
            std::memcpy(out + done * ch, cur_->samples + pos_ * ch, sizeof(float) * size_t(take) * size_t(ch));
            done += take;
            pos_ += take;
            played += take;
            if (pos_ >= cur_->frames) release(cur_);
        }
        const bool ended = ended_.load(std::memory_order_acquire);
        if (done < frames) {
            std::memset(out + done * ch, 0, sizeof(float) * size_t(frames - done) * size_t(ch));
            if (ended) drained_.store(true, std::memory_order_release);
            else if (done > 0 || stamped) underruns_.fetch_add(1);
        }
        // Volume: a cubic curve, as ears hear it (100% = unchanged).
        const double v = muted_.load(std::memory_order_relaxed) ? 0.0 : volume_.load(std::memory_order_relaxed) / 100.0;
        const float gain = static_cast<float>(v * v * v);
        if (gain != 1.0f)
            for (int i = 0; i < done * ch; ++i) out[i] *= gain;
        if (stamped) {
            st.callbackNs = now;
            st.spanNs = played * 1000000000 / fmt_.rate;
            st.latencyNs = fmt_.latencyNs;
            stamps_.store(GenStamp{st, gen});
        }
        // Told after the stamp is stored: the display thread reads the stamp
        // as soon as it wakes (the other order lost the wake-up now and then,
        // and the picture waited out its 500 ms for the sound).
        if (stamped && heardGen_ != gen) {
            heardGen_ = gen;
            const uint64_t one = 1;
            if (heard_.valid()) (void)!::write(heard_.get(), &one, sizeof one);
        }
    }

    void release(AudioBlock *&b) {
        AudioBlock *f = b;
        free_.tryPush(f);
        b = nullptr;
    }

    AudioFormat fmt_;
    bool init_ = false;
    SDL_AudioDeviceID dev_ = 0;
    std::vector<AudioBlock> blocks_;
    Ring full_, free_;
    std::atomic<uint32_t> gen_{0};
    std::atomic<bool> ended_{false}, drained_{false}, muted_{false};
    std::atomic<int> volume_{100};
    std::atomic<int64_t> underruns_{0};
    SeqCell<GenStamp> stamps_;
    bool started_ = false, paused_ = true;   // display thread
    UniqueFd heard_{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    AudioBlock *cur_ = nullptr;              // callback only
    int pos_ = 0;
    uint32_t heardGen_ = 0;
};

} // namespace

std::unique_ptr<AudioOutput> AudioOutput::open(int rate, int channels, std::string &why) {
    auto o = std::make_unique<SdlAudioOutput>();
    if (!o->init(rate, channels, why)) return nullptr;
    return o;
}

} // namespace qv
