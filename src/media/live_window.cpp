#include "qv/media/live_window.h"

#include "qv/media/demuxer.h"
#include "qv/media/ts_math.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/buffer.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cstring>

namespace qv {

bool LiveSnapshot::packet(size_t i, PacketRef &out) const {
    if (i >= pkts_.size() || !pkts_[i].pkt) return false;
    if (!out.pkt) out.pkt = allocPacket();
    if (!out.pkt) return false;
    av_packet_unref(out.pkt.get());
    if (av_packet_ref(out.pkt.get(), pkts_[i].pkt.get()) < 0) return false;
    out.pkt->pos = -1;   // the index finds it by its timestamps (a stream's byte positions are not kept)
    out.kind = StreamKind::Video;
    out.key = pkts_[i].key;
    out.size = pkts_[i].size;
    out.ptsNs = pkts_[i].ptsNs;
    out.durationNs = pkts_[i].durationNs;
    out.recvNs = pkts_[i].recvNs;
    return true;
}

LiveWindow::LiveWindow(LiveWindowLimits lim, int tbNum, int tbDen, int64_t startPts, int64_t frameNs)
    : lim_(lim), tbNum_(tbNum > 0 ? tbNum : 1), tbDen_(tbDen > 0 ? tbDen : 1), startPts_(startPts), frameNs_(frameNs) {
    lim_.packets = std::max<size_t>(lim_.packets, 2);
    ring_.resize(lim_.packets);   // the slots now; each slot's AVPacket on first use, then reused
}

std::unique_ptr<LiveWindow> LiveWindow::forVideo(const Demuxer &d, LiveWindowLimits lim) {
    const AVStream *st = d.videoStream();
    if (!st) return nullptr;
    const StreamSpec &spec = d.videoSpec();
    const int64_t frameNs = spec.fpsNum > 0 && spec.fpsDen > 0 ? av_rescale(1000000000, spec.fpsDen, spec.fpsNum) : 40000000;
    auto w = std::make_unique<LiveWindow>(lim, st->time_base.num, st->time_base.den,
                                          st->start_time != AV_NOPTS_VALUE ? st->start_time : INT64_MIN, frameNs);
    AVCodecParameters *par = avcodec_parameters_alloc();
    if (par && avcodec_parameters_copy(par, st->codecpar) >= 0)
        w->par_ = std::shared_ptr<const AVCodecParameters>(par, [](const AVCodecParameters *p) {
            auto *q = const_cast<AVCodecParameters *>(p);
            avcodec_parameters_free(&q);
        });
    else avcodec_parameters_free(&par);
    return w;
}

Result<void> LiveSnapshot::writeSpan(const std::string &path, size_t first, size_t last) const {
    if (!par_ || first > last || last >= pkts_.size())
        return Error::make(ErrorKind::Internal, "no such span of the live window");
    AVFormatContext *oc = nullptr;
    int r = avformat_alloc_output_context2(&oc, nullptr, "nut", path.c_str());
    if (r < 0 || !oc) return Error::make(ErrorKind::Output, "cannot write " + path + ": no NUT muxer");
    std::unique_ptr<AVFormatContext, void (*)(AVFormatContext *)> guard(oc, [](AVFormatContext *c) {
        if (c->pb) avio_closep(&c->pb);
        avformat_free_context(c);
    });
    AVStream *st = avformat_new_stream(oc, nullptr);
    if (!st || avcodec_parameters_copy(st->codecpar, par_.get()) < 0)
        return Error::make(ErrorKind::Internal, "cannot write " + path + ": out of memory");
    st->codecpar->codec_tag = 0;
    st->time_base = AVRational{tbNum_, tbDen_};
    if ((r = avio_open(&oc->pb, path.c_str(), AVIO_FLAG_WRITE)) < 0 || (r = avformat_write_header(oc, nullptr)) < 0)
        return Error::make(ErrorKind::Output, "cannot write " + path);
    AvPacketPtr pkt = allocPacket();
    for (size_t i = first; pkt && i <= last; ++i) {
        av_packet_unref(pkt.get());
        if (av_packet_ref(pkt.get(), pkts_[i].pkt.get()) < 0) return Error::make(ErrorKind::Internal, "out of memory");
        pkt->stream_index = 0;
        pkt->pos = -1;
        if (pkts_[i].key) pkt->flags |= AV_PKT_FLAG_KEY;
        av_packet_rescale_ts(pkt.get(), AVRational{tbNum_, tbDen_}, st->time_base);
        if ((r = av_write_frame(oc, pkt.get())) < 0) return Error::make(ErrorKind::Output, "cannot write " + path);
    }
    if (av_write_trailer(oc) < 0 || avio_closep(&oc->pb) < 0) return Error::make(ErrorKind::Output, "cannot write " + path);
    return {};
}

LiveWindow::~LiveWindow() {
    clear();
    for (auto &s : ring_) s.pkt.reset();
    av_buffer_pool_uninit(&pool_);   // freed once the last buffer (a snapshot's) comes back
}

bool LiveWindow::copyInto(AVPacket *dst, const AVPacket *src) {
    const int need = src->size + AV_INPUT_BUFFER_PADDING_SIZE;
    if (need > poolSize_ || !pool_) {
        // A larger packet than any before (MJPEG sizes vary): a new pool a
        // quarter larger; the old one goes when its buffers have come back.
        av_buffer_pool_uninit(&pool_);
        poolSize_ = need + need / 4;
        pool_ = av_buffer_pool_init(poolSize_, nullptr);   // int (FFmpeg 4) or size_t (5 on)
        if (!pool_) {
            poolSize_ = 0;
            return false;
        }
    }
    AVBufferRef *buf = av_buffer_pool_get(pool_);
    if (!buf) return false;
    if (av_packet_copy_props(dst, src) < 0) {
        av_buffer_unref(&buf);
        return false;
    }
    std::memcpy(buf->data, src->data, static_cast<size_t>(src->size));
    std::memset(buf->data + src->size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
    dst->buf = buf;
    dst->data = buf->data;
    dst->size = src->size;
    return true;
}

void LiveWindow::clear() {
    for (size_t i = 0; i < n_; ++i) av_packet_unref(at(i).pkt.get());
    head_ = n_ = keys_ = 0;
    bytes_ = 0;
    maxKeyNs_ = INT64_MIN;
}

void LiveWindow::dropGop() {
    size_t k = 1;
    while (k < n_ && !at(k).keyframe) ++k;
    for (size_t i = 0; i < k; ++i) {
        Slot &s = at(0);
        bytes_ -= s.cost;
        keys_ -= s.keyframe ? 1 : 0;
        av_packet_unref(s.pkt.get());
        head_ = (head_ + 1) % ring_.size();
        --n_;
    }
    ++droppedGops_;
    if (n_ == 0) {
        head_ = 0;
        maxKeyNs_ = INT64_MIN;
    }
}

void LiveWindow::add(const PacketRef &p) {
    if (!p.pkt) return;
    const AVPacket *src = p.pkt.get();
    const int64_t pts = src->pts != AV_NOPTS_VALUE ? src->pts : INT64_MIN;
    const int64_t dts = src->dts != AV_NOPTS_VALUE ? src->dts : INT64_MIN;
    const int64_t key = pts != INT64_MIN ? pts : dts;
    std::lock_guard<std::mutex> lk(m_);
    const int64_t inOrder = nextOrdinal_++;
    if (key == INT64_MIN) {
        // No timestamps: no presentation order to follow. The window starts
        // again at the next keyframe that has them.
        ++untimed_;
        clear();
        return;
    }
    // Packets that came before it with a later pts (it is a B-frame) are
    // shown after it: each moves one up.
    int64_t later = 0;
    for (size_t k = 0; k < n_ && k < static_cast<size_t>(kLookBack); ++k) {
        Slot &s = at(n_ - 1 - k);
        if (s.key > key) {
            ++s.ordinal;
            ++later;
        }
    }
    const int32_t size = src->size;
    if (size > lim_.bytes) {   // one packet over the whole bound: its GOP cannot be kept
        clear();
        return;
    }
    // What the packet costs: its size, or a copy's pooled buffer (a quarter
    // over the largest packet so far: copyInto).
    const int need = size + AV_INPUT_BUFFER_PADDING_SIZE;
    const int64_t cost = !lim_.copyData ? size : need > poolSize_ ? need + need / 4 : poolSize_;
    while (n_ > 0 && (n_ >= ring_.size() || bytes_ + cost > lim_.bytes)) dropGop();
    if (n_ == 0 && !p.key) return;   // a window starts at a keyframe
    Slot &s = at(n_);
    if (!s.pkt) s.pkt = allocPacket();
    if (!s.pkt) return;
    av_packet_unref(s.pkt.get());
    if (lim_.copyData ? !copyInto(s.pkt.get(), src) : av_packet_ref(s.pkt.get(), src) < 0) return;
    s.pts = pts;
    s.dts = dts;
    s.key = key;
    s.keyNs = ts::toNs(key, AVRational{tbNum_, tbDen_});
    s.ordinal = inOrder - later;
    s.size = size;
    s.keyframe = p.key;
    s.recvNs = p.recvNs;
    ++n_;
    keys_ += p.key ? 1 : 0;
    s.cost = cost;
    bytes_ += cost;
    maxKeyNs_ = std::max(maxKeyNs_, s.keyNs);
    if (held_) return;
    // Older than the window: the oldest GOP goes, as long as another
    // keyframe follows it.
    while (keys_ > 1 && ts::sub(maxKeyNs_, at(0).keyNs) > lim_.durationNs) dropGop();
}

int64_t LiveWindow::ordinalOf(int64_t pts, int64_t dts) const {
    if (pts == INT64_MIN && dts == INT64_MIN) return -1;
    std::lock_guard<std::mutex> lk(m_);
    for (size_t k = 0; k < n_; ++k) {
        const Slot &s = at(n_ - 1 - k);
        if (s.pts == pts && s.dts == dts) return s.ordinal;
    }
    return -1;
}

std::shared_ptr<const LiveSnapshot> LiveWindow::snapshot() const {
    auto snap = std::make_shared<LiveSnapshot>();
    std::vector<IndexEntry> entries;
    std::vector<int64_t> ordinals;
    int64_t first = INT64_MAX;
    {
        std::lock_guard<std::mutex> lk(m_);
        if (n_ == 0) return nullptr;
        entries.reserve(n_);
        ordinals.reserve(n_);
        snap->pkts_.reserve(n_);
        for (size_t i = 0; i < n_; ++i) {
            const Slot &s = at(i);
            IndexEntry e;
            e.pts = s.pts;
            e.dts = s.dts;
            e.pos = -1;   // found again by its timestamps
            e.size = s.size;
            e.key = s.keyframe;
            entries.push_back(e);
            ordinals.push_back(s.ordinal);
            first = std::min(first, s.ordinal);
            PacketRef r;
            r.pkt = allocPacket();
            if (!r.pkt || av_packet_ref(r.pkt.get(), s.pkt.get()) < 0) return nullptr;
            r.key = s.keyframe;
            r.size = s.size;
            r.recvNs = s.recvNs;
            snap->pkts_.push_back(std::move(r));
        }
    }
    auto idx = std::make_shared<PacketIndex>();
    idx->tbNum = tbNum_;
    idx->tbDen = tbDen_;
    idx->startPts = startPts_;
    idx->frameNs = frameNs_;
    idx->build(std::move(entries), true, first);
    snap->par_ = par_;
    snap->tbNum_ = tbNum_;
    snap->tbDen_ = tbDen_;
    // The index ranks the window's packets by pts from its first ordinal;
    // the window numbered them as they came. Those agree unless a packet
    // came further out of order than kLookBack, or one before the window
    // belongs among its frames: then there is no snapshot (counted).
    for (size_t i = 0; i < ordinals.size(); ++i) {
        if (idx->packets()[i].ordinal != ordinals[i]) {
            std::lock_guard<std::mutex> lk(m_);
            ++mismatches_;
            return nullptr;
        }
    }
    for (size_t i = 0; i < snap->pkts_.size(); ++i) {
        const int64_t k = idx->packets()[i].ordinal;
        snap->pkts_[i].ptsNs = idx->ptsNsOf(k);
    }
    snap->index = std::move(idx);
    return snap;
}

void LiveWindow::hold(bool on) {
    std::lock_guard<std::mutex> lk(m_);
    held_ = on;
}

LiveWindow::Stats LiveWindow::stats() const {
    std::lock_guard<std::mutex> lk(m_);
    Stats s;
    s.packets = static_cast<int64_t>(n_);
    s.bytes = bytes_;
    s.droppedGops = droppedGops_;
    s.received = nextOrdinal_;
    s.untimed = untimed_;
    s.mismatches = mismatches_;
    int64_t lo = INT64_MAX, hi = INT64_MIN, lk2 = INT64_MAX;
    for (size_t i = 0; i < n_; ++i) {
        lo = std::min(lo, at(i).ordinal);
        hi = std::max(hi, at(i).ordinal);
        lk2 = std::min(lk2, at(i).keyNs);
    }
    if (n_ > 0) {
        s.firstOrdinal = lo;
        s.lastOrdinal = hi;
        s.spanNs = ts::sub(maxKeyNs_, lk2);
    }
    return s;
}

} // namespace qv
