#include "cache_filler.h"

#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/media/demuxer.h"
#include "qv/media/video_decoder.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace qv {

CacheFiller::CacheFiller(std::string path, bool useMmap, bool background)
    : path_(std::move(path)), useMmap_(useMmap), background_(background) {
    thread_ = std::thread([this] { run(); });
}

CacheFiller::CacheFiller(const Demuxer &d, bool background) : useMmap_(false), background_(background), live_(true) {
    DecoderOptions fo;
    fo.hwdec.mode = HwdecRequest::Mode::No;
    auto v = VideoDecoder::open(d, fo);
    if (v) liveDec_ = std::move(v.value());
    else log::info("step cache filler: no decoder for the live window: %s", v.error().message.c_str());
    thread_ = std::thread([this] { run(); });
}

CacheFiller::~CacheFiller() {
    quit_.store(true);
    job_.fetch_add(1);
    wake_.notify();
    out_.abort();
    if (thread_.joinable()) thread_.join();
}

void CacheFiller::fill(std::shared_ptr<const PacketIndex> idx, int64_t firstKept, int64_t last, const ScaleTarget &target,
                       std::shared_ptr<const LiveSnapshot> live) {
    {
        std::lock_guard<std::mutex> lk(m_);
        idx_ = std::move(idx);
        snap_ = std::move(live);
        first_ = firstKept;
        last_ = last;
        target_ = target;
        busy_.store(true, std::memory_order_release);
        job_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify();
    out_.wakeAll();
}

void CacheFiller::cancel() {
    job_.fetch_add(1, std::memory_order_acq_rel);
    busy_.store(false, std::memory_order_release);
    wake_.notify();
    out_.wakeAll();
    FrameRef f;
    while (out_.tryPop(f)) f = FrameRef{};   // frames of the old job
}

void CacheFiller::run() {
    pthread_setname_np(pthread_self(), background_ ? "qv-fill-bg" : "qv-fill");
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    // The background one at low priority: it works while the picture is
    // paused, and must never slow anything else down. Its decoder's
    // threads (made when the decoder opens, below) inherit it.
    if (background_) setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
    std::unique_ptr<Demuxer> demux;
    std::unique_ptr<VideoDecoder> dec = std::move(liveDec_);   // live: opened by the constructor
    Scaler scaler;
    PacketRef pkt;
    uint64_t done = 0;
    while (!quit_.load()) {
        const uint32_t seen = wake_.prepare();
        const uint64_t job = job_.load(std::memory_order_acquire);
        if (job == done || !busy()) {
            if (quit_.load() || job_.load() != job) {
                wake_.cancel();
                continue;
            }
            wake_.wait(seen);
            continue;
        }
        wake_.cancel();
        done = job;
        std::shared_ptr<const PacketIndex> idx;
        std::shared_ptr<const LiveSnapshot> snap;
        ScaleTarget t;
        int64_t first, last;
        {
            std::lock_guard<std::mutex> lk(m_);
            idx = idx_;
            snap = snap_;
            t = target_;
            first = first_;
            last = last_;
        }
        auto give_up = [&] {
            std::lock_guard<std::mutex> lk(m_);
            if (job_.load() == job) busy_.store(false);
        };
        if (live_ && (!dec || !snap || !idx)) {
            give_up();
            continue;
        }
        if (!live_ && !demux) {
            DemuxOptions o;
            o.useMmap = useMmap_;
            o.audio = false;
            o.interrupt = &quit_;
            auto d = Demuxer::open(path_, o);
            if (d) {
                DecoderOptions fo;
                fo.hwdec.mode = HwdecRequest::Mode::No;   // software: an exact hardware decoder gives the same frames
                auto v = VideoDecoder::open(*d.value(), fo);
                if (v) {
                    demux = std::move(d.value());
                    dec = std::move(v.value());
                }
            }
            if (!dec) {
                log::info("step cache filler: cannot open %s", path_.c_str());
                give_up();
                continue;
            }
        }
        dec->setIndex(idx);
        size_t next = 0;   // live: the snapshot's next packet
        if (live_) {
            const int64_t k = idx->keyFor(last, 0);
            if (k < 0) {
                give_up();
                continue;
            }
            next = static_cast<size_t>(k);
        } else if (!demux->seekToPacket(*idx, idx->keyFor(last, 0))) {
            give_up();
            continue;
        }
        dec->flush(false);
        bool ended = false, reached = false;
        while (!reached && !cancelled(job)) {
            FrameRef fr;
            const auto got = dec->receive(fr);
            if (got == VideoDecoder::Got::Frame) {
                decoded_.fetch_add(1, std::memory_order_relaxed);
                const int64_t o = fr.info.ordinal;
                if (!fr.info.ordinalExact || o < first) continue;
                if (o >= last) reached = true;
                if (o > last) break;
                if (t.width > 0) {
                    FrameRef out;
                    out.frame = allocFrame();
                    if (!scaler.convert(fr.frame.get(), t, out.frame.get())) break;
                    out.info = fr.info;
                    fr = std::move(out);
                }
                fr.info.cacheOnly = true;
                if (!out_.push(fr, [&] { return cancelled(job); })) break;
                continue;
            }
            if (got != VideoDecoder::Got::NeedInput || ended) break;
            if (live_ ? !snap->packet(next++, pkt) : !demux->read(pkt)) {
                ended = true;
                dec->sendEnd();
                continue;
            }
            dec->send(pkt);
        }
        {
            std::lock_guard<std::mutex> lk(m_);
            if (job_.load() == job) busy_.store(false, std::memory_order_release);
        }
        out_.wakeAll();
    }
}

} // namespace qv
