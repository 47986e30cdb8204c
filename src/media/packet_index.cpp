#include "qv/media/packet_index.h"

#include "input.h"
#include "qv/core/signals.h"
#include "qv/core/unique_fd.h"
#include "qv/media/ts_math.h"
#include "qv/sync/clock.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace qv {
namespace {
int64_t sortKey(const IndexEntry &e) { return e.pts != INT64_MIN ? e.pts : e.dts; }
} // namespace

void PacketIndex::build(std::vector<IndexEntry> packets, bool timestamped, int64_t firstOrdinal) {
    packets_ = std::move(packets);
    timestamped_ = timestamped;
    firstOrdinal_ = 0;
    byOrdinal_.clear();
    ptsNs_.clear();
    keyOrdinals_.clear();
    keyDecode_.clear();
    byPos_.clear();
    byTs_.clear();
    const int64_t n = static_cast<int64_t>(packets_.size());
    if (timestamped_) {
        for (int64_t i = 0; i < n; ++i)
            if (!packets_[i].discard && sortKey(packets_[i]) == INT64_MIN) timestamped_ = false;
    }
    if (timestamped_) {
        for (int64_t i = 0; i < n; ++i)
            if (!packets_[i].discard) byOrdinal_.push_back(i);
        std::stable_sort(byOrdinal_.begin(), byOrdinal_.end(), [&](int64_t a, int64_t b) {
            return sortKey(packets_[a]) < sortKey(packets_[b]);
        });
        firstOrdinal_ = std::max<int64_t>(firstOrdinal, 0);
        const int64_t n = static_cast<int64_t>(byOrdinal_.size());
        frameCount_ = firstOrdinal_ + n;
        if (startPts == INT64_MIN && n > 0) startPts = sortKey(packets_[byOrdinal_[0]]);
        ptsNs_.resize(byOrdinal_.size());
        for (int64_t o = 0; o < n; ++o) {
            IndexEntry &e = packets_[byOrdinal_[o]];
            e.ordinal = firstOrdinal_ + o;
            // pts - start in ns, rounded to nearest, halves away from zero
            // (av_rescale_q: a 128-bit product without __int128, which
            // 32-bit targets lack), saturated (ts_math.h): still sorted.
            ptsNs_[o] = ts::toNs(ts::sub(sortKey(e), startPts), AVRational{tbNum, tbDen});
        }
    } else {
        int64_t count = 0;
        for (int64_t i = 0; i < n; ++i) {
            IndexEntry &e = packets_[i];
            e.ordinal = -1;
            if (e.discard) continue;
            if (e.key) e.ordinal = count;
            ++count;
        }
        frameCount_ = count;
    }
    for (int64_t i = 0; i < n; ++i) {
        const IndexEntry &e = packets_[i];
        if (e.key && e.ordinal >= 0) {
            keyOrdinals_.push_back(e.ordinal);
            keyDecode_.push_back(i);
        }
        if (e.pos >= 0) byPos_.emplace(e.pos, i);
        else if (sortKey(e) != INT64_MIN) byTs_.emplace(sortKey(e), i);
    }
    // Keys sorted by ordinal (they nearly always are already).
    std::vector<size_t> order(keyOrdinals_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return keyOrdinals_[a] < keyOrdinals_[b]; });
    std::vector<int64_t> ko(order.size()), kd(order.size());
    for (size_t i = 0; i < order.size(); ++i) {
        ko[i] = keyOrdinals_[order[i]];
        kd[i] = keyDecode_[order[i]];
    }
    keyOrdinals_ = std::move(ko);
    keyDecode_ = std::move(kd);
}

int64_t PacketIndex::find(int64_t pos, int64_t pts, int64_t dts) const {
    if (pos >= 0) {
        auto it = byPos_.find(pos);
        if (it != byPos_.end()) return it->second;
        return -1;
    }
    const int64_t k = pts != INT64_MIN ? pts : dts;
    if (k == INT64_MIN) return -1;
    auto it = byTs_.find(k);
    return it != byTs_.end() ? it->second : -1;
}

int64_t PacketIndex::decodeIndexOf(int64_t ordinal) const {
    ordinal -= firstOrdinal_;
    if (!timestamped_ || ordinal < 0 || ordinal >= static_cast<int64_t>(byOrdinal_.size())) return -1;
    return byOrdinal_[ordinal];
}

int64_t PacketIndex::ptsNsOf(int64_t ordinal) const {
    if (timestamped_) {
        if (ptsNs_.empty()) return 0;
        ordinal = std::clamp<int64_t>(ordinal - firstOrdinal_, 0, static_cast<int64_t>(ptsNs_.size()) - 1);
        return ptsNs_[ordinal];
    }
    return ordinal * frameNs;
}

int64_t PacketIndex::ordinalAt(int64_t ns) const {
    if (frameCount_ <= 0) return 0;
    if (!timestamped_) return std::clamp<int64_t>(ts::add(ns, frameNs / 2) / std::max<int64_t>(frameNs, 1), 0, frameCount_ - 1);
    auto it = std::upper_bound(ptsNs_.begin(), ptsNs_.end(), ns);
    if (it == ptsNs_.begin()) return firstOrdinal_;
    int64_t o = (it - ptsNs_.begin()) - 1;
    // Past the middle of the gap to the next frame: that one. In unsigned
    // arithmetic (ptsNs_[o] <= ns < ptsNs_[o + 1]): the timestamps of a
    // damaged file can be far enough apart to overflow a signed difference.
    if (static_cast<size_t>(o + 1) < ptsNs_.size()) {
        const uint64_t gap = static_cast<uint64_t>(ptsNs_[o + 1]) - static_cast<uint64_t>(ptsNs_[o]);
        const uint64_t into = static_cast<uint64_t>(ns) - static_cast<uint64_t>(ptsNs_[o]);
        if (into >= gap / 2) ++o;
    }
    return firstOrdinal_ + o;
}

int64_t PacketIndex::keyFor(int64_t ordinal, int back) const {
    if (keyOrdinals_.empty()) return packets_.empty() ? -1 : 0;
    auto it = std::upper_bound(keyOrdinals_.begin(), keyOrdinals_.end(), ordinal);
    int64_t i = (it - keyOrdinals_.begin()) - 1;
    const int64_t d = decodeIndexOf(ordinal);
    // A leading frame (decoded after the key, shown before it) needs an
    // earlier key; so does a key decoded after the target.
    while (i >= 0 && d >= 0 && keyDecode_[i] > d) --i;
    i -= back;
    if (i < 0) return back > static_cast<int>(keyOrdinals_.size()) + 1 ? -1 : 0;
    return keyDecode_[i];
}

int64_t PacketIndex::prevKey(int64_t ordinal) const {
    auto it = std::lower_bound(keyOrdinals_.begin(), keyOrdinals_.end(), ordinal);
    return it == keyOrdinals_.begin() ? -1 : *(it - 1);
}

int64_t PacketIndex::nextKey(int64_t ordinal) const {
    auto it = std::upper_bound(keyOrdinals_.begin(), keyOrdinals_.end(), ordinal);
    return it == keyOrdinals_.end() ? -1 : *it;
}

Result<std::shared_ptr<const PacketIndex>> scanPackets(const std::string &path, const std::atomic<bool> &cancel) {
    const int64_t t0 = monotonicNs();
    // Read with read(), not mapped: the player maps the file already, and
    // two mappings of one file count twice in its resident memory.
    auto in = Input::open(path, false, &cancel);
    if (!in) return in.takeError();
    AVFormatContext *fmt = in.value()->fmt();
    const int vidx = in.value()->bestVideoStream();
    if (vidx < 0) return Error::make(ErrorKind::NoVideo, "no video stream");
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (static_cast<int>(i) != vidx) fmt->streams[i]->discard = AVDISCARD_ALL;
    AVStream *st = fmt->streams[vidx];
    auto idx = std::make_shared<PacketIndex>();
    idx->tbNum = st->time_base.num;
    idx->tbDen = st->time_base.den;
    idx->startPts = st->start_time != AV_NOPTS_VALUE ? st->start_time : INT64_MIN;
    const StreamSpec spec = in.value()->videoSpec(vidx);
    idx->frameNs = av_rescale(1000000000, spec.fpsDen, spec.fpsNum);
    std::vector<IndexEntry> packets;
    if (spec.frameCountEstimate > 0 && spec.frameCountEstimate < (1 << 24))
        packets.reserve(static_cast<size_t>(spec.frameCountEstimate) + 16);
    PacketPtr pkt(av_packet_alloc());
    if (!pkt) return Error::make(ErrorKind::Internal, "out of memory");
    bool timestamped = false;
    int64_t lastPos = 0;
    for (;;) {
        if (cancel.load(std::memory_order_relaxed)) return Error::make(ErrorKind::Internal, "cancelled");
        int r = av_read_frame(fmt, pkt.get());
        if (r == AVERROR(EAGAIN)) continue;
        if (r < 0) break;
        if (pkt->stream_index == vidx) {
            IndexEntry e;
            e.pts = pkt->pts == AV_NOPTS_VALUE ? INT64_MIN : pkt->pts;
            e.dts = pkt->dts == AV_NOPTS_VALUE ? INT64_MIN : pkt->dts;
            e.pos = pkt->pos;
            e.size = pkt->size;
            e.key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
            e.discard = (pkt->flags & AV_PKT_FLAG_DISCARD) != 0;
            if (e.pts != INT64_MIN || e.dts != INT64_MIN) timestamped = true;
            if (pkt->pos >= 0) lastPos = pkt->pos + pkt->size;
            packets.push_back(e);
        }
        av_packet_unref(pkt.get());
    }
    idx->bytes = lastPos;
    idx->build(std::move(packets), timestamped);
    idx->scanNs = monotonicNs() - t0;
    return std::shared_ptr<const PacketIndex>(std::move(idx));
}

struct IndexBuilder::State {
    std::string path;
    UniqueFd ready{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
    std::shared_ptr<const PacketIndex> index;
    std::mutex m;
    std::condition_variable cv;
    std::thread thread;
};

IndexBuilder::IndexBuilder(std::string path) : state_(std::make_shared<State>()) {
    state_->path = std::move(path);
    State *s = state_.get();
    std::atomic<bool> *failed = &failed_;
    s->thread = std::thread([s, failed] {
        pthread_setname_np(pthread_self(), "qv-index");
        sig::installAltStack();   // the fatal handler runs even after a stack overflow
        auto r = scanPackets(s->path, s->cancel);
        std::lock_guard<std::mutex> lk(s->m);
        if (r) s->index = std::move(r.value());
        else failed->store(true, std::memory_order_release);
        s->done.store(true, std::memory_order_release);
        s->cv.notify_all();
        const uint64_t one = 1;
        if (s->ready.valid()) (void)!::write(s->ready.get(), &one, sizeof one);
    });
}

IndexBuilder::~IndexBuilder() {
    state_->cancel.store(true);
    if (state_->thread.joinable()) state_->thread.join();
}

std::shared_ptr<const PacketIndex> IndexBuilder::ready() const {
    if (!state_->done.load(std::memory_order_acquire)) return nullptr;
    return state_->index;
}

int IndexBuilder::readyFd() const { return state_->ready.get(); }

std::shared_ptr<const PacketIndex> IndexBuilder::wait() const {
    std::unique_lock<std::mutex> lk(state_->m);
    state_->cv.wait(lk, [&] { return state_->done.load(); });
    return state_->index;
}

} // namespace qv
