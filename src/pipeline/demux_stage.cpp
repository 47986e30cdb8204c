#include "demux_stage.h"

#include "qv/core/log.h"
#include "qv/sync/clock.h"

#include <pthread.h>

namespace qv {

DemuxStage::DemuxStage(std::unique_ptr<Demuxer> d, PacketQueue *video, PacketQueue *audio, Waiter &wake,
                       std::atomic<bool> &interrupt)
    : demux_(std::move(d)), video_(video), audio_(audio), wake_(wake), quit_(interrupt) {}

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

bool DemuxStage::pushWhenAllowed(PacketQueue &q, const QueueBounds &b, PacketQueue *other, PacketItem &it,
                                 uint32_t gen) {
    for (;;) {
        if (quit_.load(std::memory_order_acquire) || seekPending(gen)) return false;
        const bool soft = q.bytes() < b.softBytes && (q.durationNs() < b.softNs || q.size() < 8);
        const bool starving = other && other->consumerWaiting();
        const bool hard = q.bytes() < b.hardBytes;
        // Control items always go in (they are tiny, and a consumer waits for them).
        const bool control = !std::holds_alternative<PacketRef>(it);
        if ((soft || (starving && hard) || control || q.empty()) && q.tryPush(it)) return true;
        const uint32_t seen = wake_.prepare();
        const bool soft2 = q.bytes() < b.softBytes && (q.durationNs() < b.softNs || q.size() < 8);
        if (quit_.load(std::memory_order_acquire) || seekPending(gen) || (soft2 && !q.full()) ||
            (other && other->consumerWaiting() && !q.full() && q.bytes() < b.hardBytes)) {
            wake_.cancel();
            continue;
        }
        wake_.wait(seen);
    }
}

void DemuxStage::run() {
    pthread_setname_np(pthread_self(), "qv-demux");
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
        const bool got = demux_->read(pkt);
        readNs_.fetch_add(monotonicNs() - t0, std::memory_order_relaxed);
        if (!got) {
            ended = true;
            pushBoth([&] { return PacketItem(PacketEnd{gen}); });
            continue;
        }
        if (rec_) rec_->write(pkt);
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
