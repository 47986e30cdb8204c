#include "rtp_source.h"

#include "qv/core/log.h"
#include "qv/sync/clock.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace qv {

RtpSource::RtpSource(const SdpVideo &v, const std::atomic<bool> *interrupt)
    : sdp_(v), interrupt_(interrupt), depack_(v.codec, v.payloadType, v.donl), buf_(65536) {
    for (auto &p : ready_) p.reset(av_packet_alloc());
}

RtpSource::~RtpSource() {
    if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<RtpSource>> RtpSource::open(const std::string &path, const std::atomic<bool> *interrupt,
                                                   std::string &whyNot) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        Error e = Error::make(ErrorKind::Open, std::strerror(errno), "open(" + path + ")");
        e.source = ErrorSource::Posix;
        e.native = errno;
        return e;
    }
    std::string text(64 * 1024, '\0');
    f.read(&text[0], static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(f.gcount()));
    SdpVideo v;
    whyNot = parseSdpVideo(text, v);
    if (!whyNot.empty()) return std::unique_ptr<RtpSource>();
    std::unique_ptr<RtpSource> s(new RtpSource(v, interrupt));
    s->path_ = path;
    s->fmt_.reset(avformat_alloc_context());
    if (!s->fmt_) return Error::make(ErrorKind::Internal, "out of memory");
    AVStream *st = avformat_new_stream(s->fmt_.get(), nullptr);
    if (!st) return Error::make(ErrorKind::Internal, "out of memory");
    st->time_base = AVRational{1, v.clockRate};
    st->start_time = 0;   // timestamps count from the first packet received
    AVCodecParameters *p = st->codecpar;
    p->codec_type = AVMEDIA_TYPE_VIDEO;
    p->codec_id = v.codec == RtpCodec::H264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC;
    if (!v.paramSets.empty()) {
        p->extradata = static_cast<uint8_t *>(av_mallocz(v.paramSets.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!p->extradata) return Error::make(ErrorKind::Internal, "out of memory");
        std::memcpy(p->extradata, v.paramSets.data(), v.paramSets.size());
        p->extradata_size = static_cast<int>(v.paramSets.size());
    }
    if (v.fps > 0) st->avg_frame_rate = st->r_frame_rate = av_d2q(v.fps, 100000);
    auto r = s->listen();
    if (!r) return r.takeError();
    log::info("%s: receiving its RTP session on port %d (%s, frames end on the marker bit)", path.c_str(), v.port,
              v.codec == RtpCodec::H264 ? "H.264" : "HEVC");
    if (!s->probe()) return Error::make(ErrorKind::Open, "interrupted", "rtp(" + path + ")");
    return s;
}

Result<void> RtpSource::listen() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    const std::string port = std::to_string(sdp_.port);
    const bool named = !sdp_.address.empty();
    if (getaddrinfo(named ? sdp_.address.c_str() : nullptr, port.c_str(), &hints, &res) != 0 || !res)
        return Error::make(ErrorKind::Format, "the SDP's address " + sdp_.address + " is not an IP address");
    const int family = res->ai_family;
    bool multicast = false;
    ip_mreq m4{};
    ipv6_mreq m6{};
    sockaddr_storage bindAddr{};
    socklen_t bindLen = static_cast<socklen_t>(res->ai_addrlen);
    std::memcpy(&bindAddr, res->ai_addr, res->ai_addrlen);
    if (family == AF_INET) {
        auto *a = reinterpret_cast<sockaddr_in *>(&bindAddr);
        multicast = IN_MULTICAST(ntohl(a->sin_addr.s_addr));
        if (multicast) m4.imr_multiaddr = a->sin_addr;
        else a->sin_addr.s_addr = htonl(INADDR_ANY);   // a unicast c= names the receiver: listen on all
    } else if (family == AF_INET6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&bindAddr);
        multicast = IN6_IS_ADDR_MULTICAST(&a->sin6_addr);
        if (multicast) m6.ipv6mr_multiaddr = a->sin6_addr;
        else a->sin6_addr = in6addr_any;
    }
    freeaddrinfo(res);
    fd_ = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Error::make(ErrorKind::Open, std::strerror(errno), "socket(" + path_ + ")");
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // Room for a keyframe's burst (FFmpeg's udp protocol asks for less, then
    // keeps a thread of its own draining it).
    const int rcvbuf = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    if (::bind(fd_, reinterpret_cast<sockaddr *>(&bindAddr), bindLen) != 0) {
        const int e = errno;
        return Error::make(ErrorKind::Open, "cannot listen on port " + std::to_string(sdp_.port) + " (" + std::strerror(e) + ")",
                           "bind(" + path_ + ")");
    }
    if (multicast) {
        const int r = family == AF_INET ? ::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4)
                                        : ::setsockopt(fd_, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6);
        if (r != 0)
            return Error::make(ErrorKind::Open, "cannot join the multicast group " + sdp_.address + " (" +
                                                    std::strerror(errno) + ")", "setsockopt(" + path_ + ")");
    }
    return {};
}

void RtpSource::queue(const RtpAccessUnit &au, int64_t now) {
    // The timeline: the first unit's timestamp is 0, 32-bit wraps unfolded.
    if (!haveBase_) {
        haveBase_ = true;
        lastTs_ = au.timestamp;
    }
    unwrapped_ += static_cast<int32_t>(au.timestamp - lastTs_);
    lastTs_ = au.timestamp;
    // Until a keyframe with its parameter sets (in band, or the SDP's),
    // nothing can be decoded.
    if (!keySeen_) {
        if (!au.key || !(au.paramSets || !sdp_.paramSets.empty())) return;
        keySeen_ = true;
    }
    if (count_ == kReady) {   // not taken: cannot happen (next() takes before receiving more)
        ++broken_;
        return;
    }
    AVPacket *p = ready_[(head_ + count_) % kReady].get();
    av_packet_unref(p);
    if (av_new_packet(p, static_cast<int>(au.data.size())) < 0) return;
    std::memcpy(p->data, au.data.data(), au.data.size());
    p->pts = unwrapped_;   // the dts when it is handed on (next())
    if (au.key) p->flags |= AV_PKT_FLAG_KEY;
    if (au.broken) {
        p->flags |= AV_PKT_FLAG_CORRUPT;
        ++broken_;
    }
    readyNs_[(head_ + count_) % kReady] = now;
    ++count_;
}

bool RtpSource::receive(int64_t deadlineNs) {
    for (;;) {
        if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) return false;
        if (deadlineNs && monotonicNs() >= deadlineNs) return false;
        pollfd pf{fd_, POLLIN, 0};
        const int r = ::poll(&pf, 1, 50);
        if (r < 0 && errno != EINTR) return false;
        if (r <= 0) continue;
        const ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNREFUSED) continue;
            log::info("%s: receive error, treating as end: %s", path_.c_str(), std::strerror(errno));
            return false;
        }
        const int64_t now = monotonicNs();
        const int k = depack_.push(buf_.data(), static_cast<size_t>(n));
        for (int i = 0; i < k; ++i) queue(depack_.unit(i), now);
        return true;
    }
}

bool RtpSource::next(AVPacket *pkt, int64_t &recvNs) {
    while (count_ == 0)
        if (!receive()) return false;
    av_packet_unref(pkt);
    av_packet_move_ref(pkt, ready_[head_].get());
    // RTP carries presentation times only: decode times made from them.
    const int64_t dts = dts_.next(pkt->pts);
    pkt->dts = dts == INT64_MIN ? AV_NOPTS_VALUE : dts;
    if (dts == INT64_MIN && !warnedOrder_) {
        warnedOrder_ = true;
        log::info("%s: frames reordered more than the stream said: no decode times from here", path_.c_str());
    }
    recvNs = readyNs_[head_];
    head_ = (head_ + 1) % kReady;
    --count_;
    return true;
}

bool RtpSource::probe() {
    AVStream *st = fmt_->streams[0];
    AVCodecParameters *par = st->codecpar;
    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    int reorder = 0;
    for (;;) {
        while (count_ == 0)
            if (!receive()) return false;
        AVPacket *first = ready_[head_].get();
        if (!codec) break;   // the decoder's open says it
        CodecCtxPtr ctx(avcodec_alloc_context3(codec));
        if (!ctx || avcodec_parameters_to_context(ctx.get(), par) < 0) break;
        ctx->pkt_timebase = st->time_base;
        ctx->thread_count = 1;
        AVFrame *fr = av_frame_alloc();
        bool got = false;
        if (fr && avcodec_open2(ctx.get(), codec, nullptr) >= 0 && avcodec_send_packet(ctx.get(), first) >= 0) {
            avcodec_send_packet(ctx.get(), nullptr);
            if (avcodec_receive_frame(ctx.get(), fr) >= 0) {
                got = true;
                par->width = fr->width;
                par->height = fr->height;
                par->format = fr->format;
                par->sample_aspect_ratio = fr->sample_aspect_ratio;
                st->sample_aspect_ratio = fr->sample_aspect_ratio;
            }
        }
        av_frame_free(&fr);
        if (got) {
            if (par->extradata_size == 0) {   // for muxers (--record): the keyframe's parameter sets
                const std::vector<uint8_t> ps = paramSetsOf(sdp_.codec, first->data, static_cast<size_t>(first->size));
                par->extradata = static_cast<uint8_t *>(av_mallocz(ps.size() + AV_INPUT_BUFFER_PADDING_SIZE));
                if (par->extradata) {
                    std::memcpy(par->extradata, ps.data(), ps.size());
                    par->extradata_size = static_cast<int>(ps.size());
                }
            }
            // The frame rate from the next frames' timestamps (the SDP did
            // not say): the smallest step between them, over two frames, or
            // three when the decoder said frames are reordered (the second
            // in decode order is then a later picture). Waited for at most
            // a second, once.
            reorder = ctx->has_b_frames;
            if (st->avg_frame_rate.num <= 0) {
                const int want = reorder > 0 ? 3 : 2;
                const int64_t until = monotonicNs() + 1000000000LL;
                while (count_ < want && receive(until)) {}
                int64_t step = 0;
                for (int a = 0; a < count_; ++a)
                    for (int b = a + 1; b < count_; ++b) {
                        const int64_t d = std::llabs(ready_[(head_ + b) % kReady]->pts - ready_[(head_ + a) % kReady]->pts);
                        if (d > 0 && (step == 0 || d < step)) step = d;
                    }
                if (step > 0 && step < st->time_base.den) {
                    av_reduce(&st->avg_frame_rate.num, &st->avg_frame_rate.den, st->time_base.den, step, 1 << 30);
                    st->r_frame_rate = st->avg_frame_rate;
                }
            }
            break;
        }
        // Not decodable (a piece lost): wait for the next keyframe.
        av_packet_unref(first);
        head_ = (head_ + 1) % kReady;
        --count_;
        keySeen_ = false;
        while (count_ > 0) {   // its followers
            av_packet_unref(ready_[head_].get());
            head_ = (head_ + 1) % kReady;
            --count_;
        }
    }
    const char *slash = std::strrchr(path_.c_str(), '/');
    spec_.title = slash ? slash + 1 : path_;
    spec_.width = par->width;
    spec_.height = par->height;
    spec_.pixFmt = par->format;
    const AVRational sar = par->sample_aspect_ratio;
    spec_.sarNum = sar.num > 0 && sar.den > 0 ? sar.num : 0;
    spec_.sarDen = sar.num > 0 && sar.den > 0 ? sar.den : 1;
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0) {
        spec_.fpsNum = st->avg_frame_rate.num;
        spec_.fpsDen = st->avg_frame_rate.den;
    }
    spec_.codec = sdp_.codec == RtpCodec::H264 ? "h264" : "hevc";
    const int64_t step = st->avg_frame_rate.num > 0
                             ? av_rescale_q(1, AVRational{st->avg_frame_rate.den, st->avg_frame_rate.num}, st->time_base)
                             : 1;
    dts_ = DtsFromPts(reorder, step);
    return true;
}

} // namespace qv
