#include "demux_stage.h"

#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/core/test_faults.h"
#include "qv/sync/clock.h"

#include <algorithm>
#include <pthread.h>

namespace qv {

DemuxStage::DemuxStage(std::unique_ptr<Demuxer> d, PacketQueue *video, PacketQueue *audio, Waiter &wake,
                       std::atomic<bool> &interrupt, LiveStats &live, LiveConfig cfg)
    : demux_(std::move(d)), live_(live), cfg_(std::move(cfg)), video_(video), audio_(audio), wake_(wake), quit_(interrupt) {
    // Audio nobody plays is not read (unless --record keeps it: run()).
}

DemuxStage::~DemuxStage() { stop(); }

void DemuxStage::start() {
    thread_ = std::thread([this] { run(); });
}

void DemuxStage::stop() {
    quit_.store(true, std::memory_order_release);
    wake_.notify();
    if (video_) video_->wakeAll();
    if (audio_) audio_->wakeAll();
    if (thread_.joinable()) thread_.join();
}

uint32_t DemuxStage::seek(const DemuxSeek &s) {
    uint32_t g;
    {
        std::lock_guard<std::mutex> lk(m_);
        pending_ = s;
        g = gen_.load(std::memory_order_relaxed) + 1;
        gen_.store(g, std::memory_order_release);
    }
    wake_.notify();
    return g;
}

bool DemuxStage::underSoft(const PacketQueue &q, const QueueBounds &b) const {
    if (cfg_.paced) return q.bytes() < b.hardBytes;   // a paced source: only the hard bound holds it
    return q.bytes() < b.softBytes && (q.durationNs() < b.softNs || q.size() < 8);
}

bool DemuxStage::pushWhenAllowed(PacketQueue &q, const QueueBounds &b, PacketQueue *other, PacketItem &it,
                                 uint32_t gen) {
    for (;;) {
        if (quit_.load(std::memory_order_acquire) || seekPending(gen)) return false;
        const bool soft = underSoft(q, b);
        const bool starving = other && other->consumerWaiting();
        const bool hard = q.bytes() < b.hardBytes;
        // Control items always go in (they are tiny, and a consumer waits for them).
        const bool control = !std::holds_alternative<PacketRef>(it);
        if ((soft || (starving && hard) || control || q.empty()) && q.tryPush(it)) return true;
        const uint32_t seen = wake_.prepare();
        const bool soft2 = underSoft(q, b);
        if (quit_.load(std::memory_order_acquire) || seekPending(gen) || (soft2 && !q.full()) ||
            (other && other->consumerWaiting() && !q.full() && q.bytes() < b.hardBytes)) {
            wake_.cancel();
            continue;
        }
        wake_.wait(seen);
    }
}

// One read; a wait of kGapNs or more is a gap. With reconnecting on, an
// input that ends is opened again (the wait goes on through it).
bool DemuxStage::readLive(PacketRef &pkt) {
    if (live_.readingSinceNs.load(std::memory_order_relaxed) == 0)
        live_.readingSinceNs.store(monotonicNs(), std::memory_order_relaxed);
    for (;;) {
        if (demux_->read(pkt)) {
            live_.timestampJumps.store(demux_->timestampJumps(), std::memory_order_relaxed);
            live_.rtpLost.store(demux_->rtpLost(), std::memory_order_relaxed);
            live_.rtpBroken.store(demux_->rtpBroken(), std::memory_order_relaxed);
            const int64_t since = live_.readingSinceNs.exchange(0, std::memory_order_relaxed);
            const int64_t waited = pkt.recvNs - since;
            // (A packet the demuxer flushes out when interrupted ends no gap.)
            if (since > 0 && waited >= kGapNs && !quit_.load(std::memory_order_acquire)) {
                live_.gaps.fetch_add(1, std::memory_order_relaxed);
                live_.gapNs.fetch_add(waited, std::memory_order_relaxed);
                if (waited > live_.longestGapNs.load(std::memory_order_relaxed))
                    live_.longestGapNs.store(waited, std::memory_order_relaxed);
                log::info("%s: data again after %.1f s", demux_->path().c_str(), waited / 1e9);
            }
            return true;
        }
        if (!cfg_.reconnect || quit_.load(std::memory_order_acquire) || !reopen()) break;
    }
    live_.readingSinceNs.store(0, std::memory_order_relaxed);   // the end: nothing is awaited
    return false;
}

bool DemuxStage::reopen() {
    int64_t backoff = 250000000LL;
    while (!quit_.load(std::memory_order_acquire)) {
        const int64_t until = monotonicNs() + backoff;
        for (int64_t now = monotonicNs(); now < until && !quit_.load(std::memory_order_acquire); now = monotonicNs()) {
            const uint32_t seen = wake_.prepare();
            if (quit_.load(std::memory_order_acquire)) {
                wake_.cancel();
                break;
            }
            wake_.wait(seen, until - now);
        }
        if (quit_.load(std::memory_order_acquire)) break;
        auto d = Demuxer::open(cfg_.path, cfg_.open);
        if (d) {
            if (!audio_ && !rec_) d.value()->dropAudio();
            d.value()->continueFrom(*demux_);
            retired_.push_back(std::move(demux_));
            demux_ = std::move(d.value());
            live_.reconnects.fetch_add(1, std::memory_order_relaxed);
            log::info("%s: reconnected", cfg_.path.c_str());
            return true;
        }
        log::info("%s: reconnecting: %s", cfg_.path.c_str(), d.error().message.c_str());
        backoff = std::min<int64_t>(backoff * 2, 4000000000LL);
    }
    return false;
}

void DemuxStage::run() {
    pthread_setname_np(pthread_self(), "qv-demux");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    uint32_t gen = 0;
    uint32_t serial = 0;
    bool ended = false;
    PacketRef pkt;
    auto pushBoth = [&](auto make) {
        for (PacketQueue *q : {video_, audio_}) {
            if (!q) continue;
            PacketItem it = make();
            const QueueBounds &b = q == video_ ? kVideoBounds : kAudioBounds;
            if (!pushWhenAllowed(*q, b, nullptr, it, gen)) return false;
        }
        return true;
    };
    // The first packets start at the beginning.
    pushBoth([&] { return PacketItem(PacketFlush{serial, gen}); });
    while (!quit_.load(std::memory_order_acquire)) {
        const uint32_t want = gen_.load(std::memory_order_acquire);
        if (want != gen) {
            DemuxSeek s;
            {
                std::lock_guard<std::mutex> lk(m_);
                s = pending_;
                gen = gen_.load(std::memory_order_relaxed);
            }
            const int64_t t0 = monotonicNs();
            Result<void> r = s.kind == DemuxSeek::Kind::Packet && s.index ? demux_->seekToPacket(*s.index, s.decodeIndex)
                                                                           : demux_->seekTime(s.timeNs);
            if (!r) log::info("seek failed: %s", r.error().message.c_str());
            readNs_.fetch_add(monotonicNs() - t0, std::memory_order_relaxed);
            serial = s.serial;
            ended = false;
            if (rec_) rec_->discontinuity();
            pushBoth([&] { return PacketItem(PacketFlush{serial, gen}); });
            continue;
        }
        if (ended) {
            const uint32_t seen = wake_.prepare();
            if (quit_.load() || gen_.load() != gen) {
                wake_.cancel();
                continue;
            }
            wake_.wait(seen);
            continue;
        }
        const int64_t t0 = monotonicNs();
        const bool got = readLive(pkt);
        readNs_.fetch_add(monotonicNs() - t0, std::memory_order_relaxed);
        sig::testFault(sig::FaultSite::Demux);   // test only (QV_TEST_FAULT)
        if (!got) {
            ended = true;
            pushBoth([&] { return PacketItem(PacketEnd{gen}); });
            continue;
        }
        if (rec_) rec_->write(pkt);
        if (window_ && pkt.kind == StreamKind::Video) window_->add(pkt);
        PacketQueue *q = pkt.kind == StreamKind::Video ? video_ : audio_;
        if (!q) continue;
        PacketItem it = std::move(pkt);
        const bool isVideo = q == video_;
        pushWhenAllowed(*q, isVideo ? kVideoBounds : kAudioBounds, isVideo ? audio_ : video_, it, gen);
        // Not pushed (a seek came, or quit): the packet is dropped.
        pkt = PacketRef{};
    }
}

} // namespace qv
