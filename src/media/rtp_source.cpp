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
#include <netinet/tcp.h>
#include <poll.h>
#include <sstream>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qv {

RtpSource::RtpSource(const SdpVideo &v, const std::atomic<bool> *interrupt)
    : sdp_(v), interrupt_(interrupt), depack_(v.codec, v.payloadType, v.donl), buf_(65536) {
    for (auto &p : ready_) p.reset(av_packet_alloc());
}

RtpSource::~RtpSource() { closeAll(); }

void RtpSource::closeAll() {
    if (ctl_ >= 0 && !session_.empty()) {   // best effort: the server frees the session now, not at its timeout
        const std::string msg = requestText("TEARDOWN", playUrl_, "");
        ::send(ctl_, msg.data(), msg.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        session_.clear();
    }
    for (int *fd : {&fd_, &rtcpFd_, &aFd_, &aRtcpFd_, &ctl_})
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
}

Result<void> RtpSource::makeStream() {
    fmt_.reset(avformat_alloc_context());
    if (!fmt_) return Error::make(ErrorKind::Internal, "out of memory");
    AVStream *st = avformat_new_stream(fmt_.get(), nullptr);
    if (!st) return Error::make(ErrorKind::Internal, "out of memory");
    st->time_base = AVRational{1, sdp_.clockRate};
    st->start_time = 0;   // timestamps count from the first packet received
    AVCodecParameters *p = st->codecpar;
    p->codec_type = AVMEDIA_TYPE_VIDEO;
    p->codec_id = sdp_.codec == RtpCodec::H264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC;
    if (!sdp_.paramSets.empty()) {
        p->extradata = static_cast<uint8_t *>(av_mallocz(sdp_.paramSets.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!p->extradata) return Error::make(ErrorKind::Internal, "out of memory");
        std::memcpy(p->extradata, sdp_.paramSets.data(), sdp_.paramSets.size());
        p->extradata_size = static_cast<int>(sdp_.paramSets.size());
    }
    if (sdp_.fps > 0) st->avg_frame_rate = st->r_frame_rate = av_d2q(sdp_.fps, 100000);
    if (!adepack_) return {};
    const SdpAudio &a = sdp_.audio;
    AVStream *as = avformat_new_stream(fmt_.get(), nullptr);
    if (!as) return Error::make(ErrorKind::Internal, "out of memory");
    as->time_base = AVRational{1, a.clockRate};
    AVCodecParameters *ap = as->codecpar;
    ap->codec_type = AVMEDIA_TYPE_AUDIO;
    ap->sample_rate = a.clockRate;
    ff::setDefaultChannels(ap, a.channels);
    std::vector<uint8_t> extra;
    switch (a.codec) {
    case RtpAudioCodec::Pcmu: ap->codec_id = AV_CODEC_ID_PCM_MULAW; break;
    case RtpAudioCodec::Pcma: ap->codec_id = AV_CODEC_ID_PCM_ALAW; break;
    case RtpAudioCodec::L16: ap->codec_id = AV_CODEC_ID_PCM_S16BE; break;
    case RtpAudioCodec::Aac:
        ap->codec_id = AV_CODEC_ID_AAC;
        ap->frame_size = a.frameSamples;   // (the decoder's; its output rate may be twice the core's)
        extra = a.config;
        break;
    case RtpAudioCodec::Opus:
        // An OpusHead (RFC 7845 5.1): what Matroska and MP4 muxers want
        // (--record), and the decoder reads its channels from it.
        ap->codec_id = AV_CODEC_ID_OPUS;
        extra = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0};
        break;
    case RtpAudioCodec::None: break;
    }
    if (ap->codec_id == AV_CODEC_ID_PCM_MULAW || ap->codec_id == AV_CODEC_ID_PCM_ALAW) ap->bits_per_coded_sample = 8;
    if (ap->codec_id == AV_CODEC_ID_PCM_S16BE) ap->bits_per_coded_sample = 16;
    if (!extra.empty()) {
        ap->extradata = static_cast<uint8_t *>(av_mallocz(extra.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!ap->extradata) return Error::make(ErrorKind::Internal, "out of memory");
        std::memcpy(ap->extradata, extra.data(), extra.size());
        ap->extradata_size = static_cast<int>(extra.size());
    }
    return {};
}

void RtpSource::startAudio() {
    if (sdp_.audio.codec == RtpAudioCodec::None) return;
    adepack_.reset(new RtpAudioDepacketizer(sdp_.audio));
    sync_ = RtpAvSync(sdp_.clockRate, sdp_.audio.clockRate);
}

namespace {
const char *audioName(RtpAudioCodec c) {
    switch (c) {
    case RtpAudioCodec::Pcmu: return "PCMU";
    case RtpAudioCodec::Pcma: return "PCMA";
    case RtpAudioCodec::L16: return "L16";
    case RtpAudioCodec::Opus: return "Opus";
    case RtpAudioCodec::Aac: return "AAC";
    case RtpAudioCodec::None: break;
    }
    return "none";
}
std::string audioText(const SdpAudio &a) {
    if (a.codec == RtpAudioCodec::None) return std::string();
    return std::string(" with ") + audioName(a.codec) + " sound (" + std::to_string(a.clockRate) + " Hz, " +
           std::to_string(a.channels) + " ch)";
}
} // namespace

Result<std::unique_ptr<RtpSource>> RtpSource::open(const std::string &path, const std::atomic<bool> *interrupt,
                                                   bool soundIgnored, std::string &whyNot) {
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
    whyNot = parseSdpVideo(text, v, soundIgnored);
    if (whyNot.empty() && (v.port <= 0 || v.port > 65535)) whyNot = "no port";
    if (whyNot.empty() && v.audio.codec != RtpAudioCodec::None && (v.audio.port <= 0 || v.audio.port > 65535))
        whyNot = "no port for the sound";
    if (whyNot.empty() && v.audio.codec != RtpAudioCodec::None && v.audio.port == v.port)
        whyNot = "the sound and the picture on one port";
    for (const std::string *addr : {&v.address, &v.audio.address})
        if (whyNot.empty() && !addr->empty()) {   // a host name (RFC 4566 allows one): FFmpeg resolves it
            in6_addr a6;
            in_addr a4;
            if (inet_pton(AF_INET, addr->c_str(), &a4) != 1 && inet_pton(AF_INET6, addr->c_str(), &a6) != 1)
                whyNot = "the connection address " + *addr + " is a name";
        }
    if (!whyNot.empty()) return std::unique_ptr<RtpSource>();
    std::unique_ptr<RtpSource> s(new RtpSource(v, interrupt));
    s->path_ = path;
    s->startAudio();
    // (RTCP on the port after each, unless that is the other's RTP port)
    const bool sound = s->adepack_ != nullptr;
    auto r = s->listen(v.address, v.port, s->fd_, s->rtcpFd_, !sound || v.audio.port != v.port + 1);
    if (r && sound) {
        auto a = s->listen(v.audio.address, v.audio.port, s->aFd_, s->aRtcpFd_, v.audio.port + 1 != v.port);
        if (!a) s->dropAudio(a.error().message.c_str());
    }
    if (r) r = s->makeStream();
    if (!r) return r.takeError();
    log::info("%s: receiving its RTP session on port %d (%s, frames end on the marker bit)%s", path.c_str(), v.port,
              v.codec == RtpCodec::H264 ? "H.264" : "HEVC", audioText(s->sdp_.audio).c_str());
    if (!s->probe()) return Error::make(ErrorKind::Open, "interrupted", "rtp(" + path + ")");
    return s;
}

// ---- RTSP ----

namespace {
constexpr int64_t kRtspAnswerNs = 10000000000LL;   // a request unanswered this long fails the open
}

Result<std::unique_ptr<RtpSource>> RtpSource::openRtsp(const std::string &url,
                                                       const std::vector<std::pair<std::string, std::string>> &options,
                                                       const std::atomic<bool> *interrupt, bool soundIgnored,
                                                       std::string &whyNot) {
    RtspUrl u;
    if (!parseRtspUrl(url, u, whyNot)) return std::unique_ptr<RtpSource>();
    bool tcp = true;
    for (const auto &kv : options) {
        if (kv.first == "rtsp_transport") {
            if (kv.second == "tcp" || kv.second == "udp") {
                tcp = kv.second == "tcp";
            } else {
                whyNot = "rtsp_transport=" + kv.second;
                return std::unique_ptr<RtpSource>();
            }
        } else {
            log::warn("%s: option %s=%s is for FFmpeg's RTSP client; qv's own ignores it (--rtp=ffmpeg for FFmpeg's)",
                      u.url.c_str(), kv.first.c_str(), kv.second.c_str());
        }
    }
    std::unique_ptr<RtpSource> s(new RtpSource(SdpVideo{}, interrupt));
    s->rtsp_ = u;
    s->path_ = u.url;   // never the password
    s->playUrl_ = u.url;
    s->cnonce_ = md5Hex(std::to_string(monotonicNs()) + u.url).substr(0, 16);
    auto r = s->connectControl(u);
    if (!r) return r.takeError();
    RtspResponse resp;
    r = s->request("DESCRIBE", u.url, "Accept: application/sdp\r\n", resp);
    if (!r) return r.takeError();
    SdpVideo v;
    whyNot = parseSdpVideo(resp.body, v, soundIgnored);
    if (!whyNot.empty()) return std::unique_ptr<RtpSource>();
    s->sdp_ = v;
    s->depack_ = RtpDepacketizer(v.codec, v.payloadType, v.donl);
    const std::string *cb = resp.header("Content-Base");
    if (!cb) cb = resp.header("Content-Location");
    const std::string base = cb ? *cb : u.url;
    const std::string track = resolveControl(base, v.control);
    s->playUrl_ = v.sessionControl.empty() ? base : resolveControl(base, v.sessionControl);
    int port = 0;
    auto transport = s->transportHeader(tcp, 0, s->fd_, s->rtcpFd_, port);
    if (!transport) return transport.takeError();
    r = s->request("SETUP", track, transport.value(), resp);
    if (!r) return r.takeError();
    const std::string *sess = resp.header("Session");
    if (!sess) return Error::make(ErrorKind::Open, "the SETUP answer has no session", "rtsp(" + u.url + ")");
    parseSession(*sess, s->session_, s->timeoutS_);
    if (tcp) {
        s->interleaved_ = true;
        const std::string *t = resp.header("Transport");
        const int ch = t ? transportParam(*t, "interleaved") : -1;
        if (ch >= 0) s->rtpChannel_ = ch;
    }
    if (v.audio.codec != RtpAudioCodec::None) {
        r = s->setupAudio(base, tcp);
        if (!r) return r.takeError();
    }
    r = s->request("PLAY", s->playUrl_, "Range: npt=0.000-\r\n", resp);
    if (!r) return r.takeError();
    if (s->adepack_) {
        // The streams' timestamps at the same instant (the start of the
        // range): the sound lined up with the picture from its first packet.
        if (const std::string *info = resp.header("RTP-Info")) {
            const RtpInfoEntry *ve = nullptr, *ae = nullptr;
            const std::vector<RtpInfoEntry> entries = parseRtpInfo(*info);
            const std::string atrack = resolveControl(base, v.audio.control);
            auto same = [](const std::string &entry, const std::string &trackUrl, const std::string &control) {
                if (entry == trackUrl) return true;
                // Some servers answer with the control attribute, or a
                // path: compare the ends.
                const std::string &tail = entry.size() < trackUrl.size() ? entry : trackUrl;
                const std::string &whole = entry.size() < trackUrl.size() ? trackUrl : entry;
                return (!tail.empty() && whole.compare(whole.size() - tail.size(), tail.size(), tail) == 0 &&
                        (whole.size() == tail.size() || whole[whole.size() - tail.size() - 1] == '/')) ||
                       (!control.empty() && entry == control);
            };
            for (const RtpInfoEntry &e : entries) {
                if (!ve && same(e.url, track, v.control)) ve = &e;
                else if (!ae && same(e.url, atrack, v.audio.control)) ae = &e;
            }
            if (ve && ae && ve->haveRtptime && ae->haveRtptime) s->sync_.rtpInfo(ve->rtptime, ae->rtptime);
        }
    }
    s->nextKeepaliveNs_ = monotonicNs() + std::max(5, s->timeoutS_ / 2) * 1000000000LL;
    r = s->makeStream();
    if (!r) return r.takeError();
    log::info("%s: qv's RTSP client, %s over %s (frames end on the marker bit)%s", u.url.c_str(),
              v.codec == RtpCodec::H264 ? "H.264" : "HEVC",
              tcp ? "TCP (interleaved)" : ("UDP port " + std::to_string(port)).c_str(),
              audioText(s->sdp_.audio).c_str());
    if (!s->probe()) return Error::make(ErrorKind::Open, "interrupted", "rtsp(" + u.url + ")");
    return s;
}

Result<std::string> RtpSource::transportHeader(bool tcp, int channel, int &rtp, int &rtcp, int &port) {
    if (tcp)
        return "Transport: RTP/AVP/TCP;unicast;interleaved=" + std::to_string(channel) + "-" + std::to_string(channel + 1) +
               "\r\n";
    // UDP: a port pair of the control connection's address family.
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    ::getpeername(ctl_, reinterpret_cast<sockaddr *>(&peer), &len);
    auto r = bindUdpPair(peer.ss_family == AF_INET6 ? AF_INET6 : AF_INET, port, rtp, rtcp);
    if (!r) return r.takeError();
    return "Transport: RTP/AVP;unicast;client_port=" + std::to_string(port) + "-" + std::to_string(port + 1) + "\r\n";
}

void RtpSource::dropAudio(const char *why) {
    log::warn("%s: the sound cannot be received (%s); the picture plays without it", path_.c_str(), why);
    for (int *fd : {&aFd_, &aRtcpFd_})
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    adepack_.reset();
    sdp_.audio = SdpAudio{};
}

Result<void> RtpSource::setupAudio(const std::string &base, bool tcp) {
    int port = 0;
    auto transport = transportHeader(tcp, rtpChannel_ + 2, aFd_, aRtcpFd_, port);
    if (!transport) {
        dropAudio(transport.error().message.c_str());
        return {};
    }
    RtspResponse resp;
    auto r = request("SETUP", resolveControl(base, sdp_.audio.control), transport.value(), resp);
    if (!r) {
        if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) return r;
        // The picture alone, rather than nothing (the session goes on: a
        // refused SETUP leaves the connection as it was).
        dropAudio(("its SETUP: " + r.error().message).c_str());
        return {};
    }
    if (tcp) {
        const std::string *t = resp.header("Transport");
        const int ch = t ? transportParam(*t, "interleaved") : -1;
        audioChannel_ = ch >= 0 ? ch : rtpChannel_ + 2;
        if (audioChannel_ == rtpChannel_ || audioChannel_ == rtpChannel_ + 1 || audioChannel_ + 1 == rtpChannel_) {
            dropAudio("the server gave it the picture's interleaved channels");
            return {};
        }
    }
    startAudio();
    return {};
}

Result<void> RtpSource::connectControl(const RtspUrl &u) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    const std::string port = std::to_string(u.port);
    const int g = getaddrinfo(u.host.c_str(), port.c_str(), &hints, &res);
    if (g != 0 || !res) return Error::make(ErrorKind::Open, "cannot resolve " + u.host + " (" + gai_strerror(g) + ")");
    int err = ECONNREFUSED;
    const int64_t deadline = monotonicNs() + kRtspAnswerNs;
    for (addrinfo *a = res; a && ctl_ < 0; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            ctl_ = fd;
            break;
        }
        err = errno;
        while (err == EINPROGRESS) {
            if ((interrupt_ && interrupt_->load(std::memory_order_relaxed)) || monotonicNs() >= deadline) {
                err = ETIMEDOUT;
                break;
            }
            pollfd pf{fd, POLLOUT, 0};
            if (::poll(&pf, 1, 50) <= 0) continue;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err == 0) ctl_ = fd;
            break;
        }
        if (ctl_ != fd) ::close(fd);
    }
    freeaddrinfo(res);
    if (interrupt_ && interrupt_->load(std::memory_order_relaxed))
        return Error::make(ErrorKind::Open, "interrupted", "connect(" + rtsp_.url + ")");
    if (ctl_ < 0)
        return Error::make(ErrorKind::Open, "cannot connect to " + u.host + ":" + port + " (" + std::strerror(err) + ")",
                           "connect(" + rtsp_.url + ")");
    const int one = 1;
    ::setsockopt(ctl_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int rcvbuf = 4 << 20;
    ::setsockopt(ctl_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    return {};
}

bool RtpSource::sendAll(const std::string &text, int64_t deadlineNs) {
    size_t off = 0;
    while (off < text.size()) {
        const ssize_t n = ::send(ctl_, text.data() + off, text.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            off += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        if ((interrupt_ && interrupt_->load(std::memory_order_relaxed)) || monotonicNs() >= deadlineNs) return false;
        pollfd pf{ctl_, POLLOUT, 0};
        ::poll(&pf, 1, 50);
    }
    return true;
}

bool RtpSource::fill(int64_t deadlineNs) {
    if (inHead_ > 0 && inHead_ * 2 >= in_.size()) {   // what was taken goes
        in_.erase(in_.begin(), in_.begin() + static_cast<long>(inHead_));
        inHead_ = 0;
    }
    for (;;) {
        if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) return false;
        const size_t old = in_.size();
        in_.resize(old + 65536);
        const ssize_t n = ::recv(ctl_, in_.data() + old, 65536, MSG_DONTWAIT);
        in_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
        if (n > 0) return true;
        if (n == 0) {
            log::info("%s: the server closed the connection", path_.c_str());
            ended_ = true;
            return false;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            log::info("%s: receive error, treating as end: %s", path_.c_str(), std::strerror(errno));
            ended_ = true;
            return false;
        }
        const int64_t now = monotonicNs();
        if (deadlineNs && now >= deadlineNs) return false;
        pollfd pf{ctl_, POLLIN, 0};
        ::poll(&pf, 1, 50);
    }
}

bool RtpSource::readControl(RtspResponse *resp, bool &gotResponse, int64_t deadlineNs) {
    for (;;) {
        const size_t avail = in_.size() - inHead_;
        const uint8_t *p = in_.data() + inHead_;
        if (avail >= 4 && p[0] == '$') {   // an interleaved packet: $, channel, length
            const size_t len = (size_t(p[2]) << 8) | p[3];
            if (avail >= 4 + len) {
                const int64_t now = monotonicNs();
                if (p[1] == rtpChannel_) {
                    const int k = depack_.push(p + 4, len);
                    for (int i = 0; i < k; ++i) queue(depack_.unit(i), now);
                } else if (adepack_ && p[1] == audioChannel_) {
                    const int k = adepack_->push(p + 4, len);
                    for (int i = 0; i < k; ++i) queueAudio(adepack_->frame(i), now);
                } else if (adepack_ && (p[1] == rtpChannel_ + 1 || p[1] == audioChannel_ + 1)) {
                    rtcp(p + 4, len, p[1] == audioChannel_ + 1);
                }
                inHead_ += 4 + len;
                if (!resp) return true;
                continue;
            }
        } else if (avail > 0 && p[0] != '$') {
            const char *c = reinterpret_cast<const char *>(p);
            const std::string text(c, std::min<size_t>(avail, 65536));
            const size_t end = text.find("\r\n\r\n");
            if (end == std::string::npos && avail >= 65536) {   // not RTSP: nothing to resynchronise on
                log::info("%s: the server sent what is not RTSP, treating as end", path_.c_str());
                ended_ = true;
                return false;
            }
            if (end != std::string::npos) {
                RtspResponse r;
                const bool isResponse = parseRtspHead(text.substr(0, end), r);
                const size_t body = r.contentLength();
                if (avail >= end + 4 + body) {
                    r.body.assign(c + end + 4, body);
                    inHead_ += end + 4 + body;
                    if (isResponse && resp) {
                        *resp = std::move(r);
                        gotResponse = true;
                        return true;
                    }
                    if (!resp) return true;   // a keepalive's answer, or a request of the server's: dropped
                    continue;
                }
            }
        }
        if (!fill(deadlineNs)) return false;
    }
}

std::string RtpSource::requestText(const std::string &method, const std::string &uri, const std::string &headers) {
    std::string msg = method + " " + uri + " RTSP/1.0\r\nCSeq: " + std::to_string(++cseq_) + "\r\nUser-Agent: qv\r\n";
    if (!session_.empty()) msg += "Session: " + session_ + "\r\n";
    if (!challenge_.empty()) {
        const std::string auth = rtspAuthorization(challenge_, rtsp_.user, rtsp_.pass, method, uri, cnonce_, ++nonceCount_);
        if (!auth.empty()) msg += "Authorization: " + auth + "\r\n";
    }
    return msg + headers + "\r\n";
}

Result<void> RtpSource::request(const std::string &method, const std::string &uri, const std::string &headers,
                                RtspResponse &resp) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::string msg = requestText(method, uri, headers);
        const int64_t deadline = monotonicNs() + kRtspAnswerNs;
        if (!sendAll(msg, deadline))
            return Error::make(ErrorKind::Open, method + " could not be sent", "rtsp(" + path_ + ")");
        const std::string cseq = std::to_string(cseq_);
        for (;;) {
            bool got = false;
            if (!readControl(&resp, got, deadline)) {
                if (interrupt_ && interrupt_->load(std::memory_order_relaxed))
                    return Error::make(ErrorKind::Open, "interrupted", "rtsp(" + path_ + ")");
                return Error::make(ErrorKind::Open, "no answer to " + method + (monotonicNs() >= deadline ? " in 10 s" : ""),
                                   "rtsp(" + path_ + ")");
            }
            const std::string *c = resp.header("CSeq");
            if (!c || *c == cseq) break;   // (an answer to an earlier request: skipped)
        }
        if (resp.status == 401 && attempt == 0 && !rtsp_.user.empty()) {
            // The challenge: Digest preferred over Basic.
            std::string pick;
            for (const auto &h : resp.headers)
                if (strcasecmp(h.first.c_str(), "WWW-Authenticate") == 0 &&
                    (pick.empty() || strncasecmp(h.second.c_str(), "Digest", 6) == 0))
                    pick = h.second;
            if (!pick.empty() && !rtspAuthorization(pick, "", "", method, uri, cnonce_, 1).empty()) {
                challenge_ = pick;
                nonceCount_ = 0;
                continue;
            }
        }
        break;
    }
    if (resp.status == 401)
        return Error::make(ErrorKind::Open, rtsp_.user.empty() ? "the server asks for a user and password (rtsp://USER:PASS@HOST/...)"
                                                               : "the server refused the user and password",
                           "rtsp(" + path_ + ")");
    if (resp.status != 200)
        return Error::make(ErrorKind::Open, method + ": " + std::to_string(resp.status) + " " + resp.reason,
                           "rtsp(" + path_ + ")");
    return {};
}

void RtpSource::keepAlive(int64_t now) {
    if (session_.empty() || now < nextKeepaliveNs_) return;
    nextKeepaliveNs_ = now + std::max(5, timeoutS_ / 2) * 1000000000LL;
    sendAll(requestText("OPTIONS", playUrl_, ""), now + 200000000LL);   // its answer is dropped as it comes
}

Result<void> RtpSource::bindUdpPair(int family, int &port, int &rtp, int &rtcp) {
    // An even port for RTP and the next for RTCP (RFC 3550).
    for (int attempt = 0; attempt < 32; ++attempt) {
        int fds[2] = {-1, -1};
        int base = 0;
        bool ok = true;
        for (int k = 0; k < 2 && ok; ++k) {
            fds[k] = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            sockaddr_storage ss{};
            socklen_t len;
            if (family == AF_INET6) {
                auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
                a->sin6_family = AF_INET6;
                a->sin6_addr = in6addr_any;
                a->sin6_port = htons(static_cast<uint16_t>(k == 0 ? 0 : base + 1));
                len = sizeof *a;
            } else {
                auto *a = reinterpret_cast<sockaddr_in *>(&ss);
                a->sin_family = AF_INET;
                a->sin_addr.s_addr = htonl(INADDR_ANY);
                a->sin_port = htons(static_cast<uint16_t>(k == 0 ? 0 : base + 1));
                len = sizeof *a;
            }
            ok = fds[k] >= 0 && ::bind(fds[k], reinterpret_cast<sockaddr *>(&ss), len) == 0;
            if (ok && k == 0) {
                sockaddr_storage got{};
                socklen_t gl = sizeof got;
                ::getsockname(fds[0], reinterpret_cast<sockaddr *>(&got), &gl);
                base = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&got)->sin6_port
                                                : reinterpret_cast<sockaddr_in *>(&got)->sin_port);
                ok = base % 2 == 0 && base < 65535;   // odd: another try
            }
        }
        if (ok) {
            rtp = fds[0];
            rtcp = fds[1];
            port = base;
            const int rcvbuf = 4 << 20;
            ::setsockopt(rtp, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
            return {};
        }
        for (int fd : fds)
            if (fd >= 0) ::close(fd);
    }
    return Error::make(ErrorKind::Open, "no pair of UDP ports for RTP and RTCP", "bind(" + path_ + ")");
}

Result<void> RtpSource::listen(const std::string &address, int portNumber, int &fd, int &rtcp, bool wantRtcp) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    const std::string port = std::to_string(portNumber);
    const bool named = !address.empty();
    if (getaddrinfo(named ? address.c_str() : nullptr, port.c_str(), &hints, &res) != 0 || !res)
        return Error::make(ErrorKind::Format, "the SDP's address " + address + " is not an IP address");
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
        if (multicast) {
            m6.ipv6mr_multiaddr = a->sin6_addr;
            m6.ipv6mr_interface = a->sin6_scope_id;   // ff02::1%eth0: that interface; else the default
        }
        else a->sin6_addr = in6addr_any;
    }
    freeaddrinfo(res);
    for (int k = 0; k < (wantRtcp && portNumber < 65535 ? 2 : 1); ++k) {
        // k 0: RTP, which must be had; 1: RTCP on the port after it, for the
        // sender reports (without them the sound is lined up by arrival).
        int &sock = k == 0 ? fd : rtcp;
        sock = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0) {
            if (k == 1) break;
            return Error::make(ErrorKind::Open, std::strerror(errno), "socket(" + path_ + ")");
        }
        const int one = 1;
        ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        // Room for a keyframe's burst (FFmpeg's udp protocol asks for less,
        // then keeps a thread of its own draining it).
        const int rcvbuf = k == 0 ? 4 << 20 : 65536;
        ::setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        if (k == 1) {
            if (family == AF_INET) reinterpret_cast<sockaddr_in *>(&bindAddr)->sin_port = htons(static_cast<uint16_t>(portNumber + 1));
            else reinterpret_cast<sockaddr_in6 *>(&bindAddr)->sin6_port = htons(static_cast<uint16_t>(portNumber + 1));
        }
        if (::bind(sock, reinterpret_cast<sockaddr *>(&bindAddr), bindLen) != 0) {
            const int e = errno;
            ::close(sock);
            sock = -1;
            if (k == 1) break;
            return Error::make(ErrorKind::Open, "cannot listen on port " + port + " (" + std::strerror(e) + ")",
                               "bind(" + path_ + ")");
        }
        if (multicast) {
            const int r = family == AF_INET ? ::setsockopt(sock, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4)
                                            : ::setsockopt(sock, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6);
            if (r != 0) {
                if (k == 1) {
                    ::close(sock);
                    sock = -1;
                    break;
                }
                return Error::make(ErrorKind::Open, "cannot join the multicast group " + address + " (" +
                                                        std::strerror(errno) + ")", "setsockopt(" + path_ + ")");
            }
        }
    }
    return {};
}

AVPacket *RtpSource::slot(int stream, int64_t now) {
    if (count_ == kReady) {   // not taken: cannot happen (next() takes before receiving more)
        if (stream == 0) ++broken_;
        return nullptr;
    }
    const int i = (head_ + count_) % kReady;
    AVPacket *p = ready_[i].get();
    av_packet_unref(p);
    readyNs_[i] = now;
    readyStream_[i] = static_cast<int8_t>(stream);
    return p;
}

void RtpSource::drop() {
    av_packet_unref(ready_[head_].get());
    head_ = (head_ + 1) % kReady;
    --count_;
}

void RtpSource::queue(const RtpAccessUnit &au, int64_t now) {
    // The timeline: the first unit's timestamp is 0, 32-bit wraps unfolded.
    if (!haveBase_) {
        haveBase_ = true;
        lastTs_ = au.timestamp;
        sync_.videoFirst(au.timestamp, now);
        haveBaseSsrc_[0] = depack_.ssrc(baseSsrc_[0]);
        if (adepack_) takeReports();
    }
    const int32_t step = static_cast<int32_t>(au.timestamp - lastTs_);
    const bool restarted = depack_.counters().restarts != vRestarts_ || step < -sdp_.clockRate / 2 ||
                           step > 10LL * sdp_.clockRate;
    vRestarts_ = depack_.counters().restarts;
    unwrapped_ += step;
    lastTs_ = au.timestamp;
    lastVideoNs_ = now;
    if (restarted && adepack_) lineUpAgain(now);
    // Until a keyframe with its parameter sets (in band, or the SDP's),
    // nothing can be decoded.
    if (!keySeen_) {
        if (!au.key || !(au.paramSets || !sdp_.paramSets.empty())) return;
        keySeen_ = true;
        skipRasl_ = au.cra;
    }
    // HEVC started at a CRA: the RASL pictures after it refer to pictures
    // before it, never received (the decoder would drop them too).
    if (skipRasl_ && au.rasl) return;
    if (!au.cra) skipRasl_ = false;
    AVPacket *p = slot(0, now);
    if (!p || av_new_packet(p, static_cast<int>(au.data.size())) < 0) return;
    std::memcpy(p->data, au.data.data(), au.data.size());
    p->pts = unwrapped_;   // the dts when it is handed on (next())
    p->stream_index = 0;
    if (au.key) p->flags |= AV_PKT_FLAG_KEY;
    if (au.broken) {
        p->flags |= AV_PKT_FLAG_CORRUPT;
        ++broken_;
    }
    ++count_;
}

void RtpSource::lineUpAgain(int64_t now) {
    sync_ = RtpAvSync(sdp_.clockRate, sdp_.audio.clockRate);
    if (haveBase_) sync_.videoFirst(lastTs_, lastVideoNs_, unwrapped_);
    haveBaseSsrc_[0] = haveBase_ && depack_.ssrc(baseSsrc_[0]);
    aHaveBase_ = false;
    aWaitSinceNs_ = now;
    haveBaseSsrc_[1] = false;
    takeReports();
    if (syncSrc_ != RtpAvSync::None)
        log::info("%s: a sender started again: the sound is lined up with the picture anew", path_.c_str());
    syncSrc_ = RtpAvSync::None;
}

void RtpSource::queueAudio(const RtpAudioFrame &f, int64_t now) {
    const int rate = sdp_.audio.clockRate;
    if (aHaveBase_) {
        const int32_t step = static_cast<int32_t>(f.timestamp - aLastTs_);
        if (adepack_->counters().restarts != aRestarts_ || step < -rate / 2 || step > 10LL * rate) lineUpAgain(now);
    }
    aRestarts_ = adepack_->counters().restarts;
    if (!aHaveBase_) {
        // Its base is lined up against the latest video unit: one that came
        // since the sound started again (a restarting sender's sound comes
        // before its picture, whose time line the demuxer then folds over
        // the gap: lined up against the old picture, the new sound would
        // land after where the new picture puts it), and within 250 ms.
        // Frames until then are dropped.
        if (!haveBase_ || lastVideoNs_ < aWaitSinceNs_ || now - lastVideoNs_ > 250000000LL) return;
        aHaveBase_ = true;
        aLastTs_ = f.timestamp;
        aUnwrapped_ = 0;
        sync_.audioFirst(f.timestamp, now);
        haveBaseSsrc_[1] = adepack_->ssrc(baseSsrc_[1]);
        takeReports();
    }
    aUnwrapped_ += static_cast<int32_t>(f.timestamp - aLastTs_);
    aLastTs_ = f.timestamp;
    // The sound starts with the picture (the first keyframe): before it,
    // nothing would be shown with it.
    if (!keySeen_ || f.data.empty()) return;
    int64_t units = 0;
    bool disbelieved = false;
    const RtpAvSync::Source src = sync_.offset(units, &disbelieved);
    if (src == RtpAvSync::None) return;
    if (disbelieved && !disbelieved_) {
        disbelieved_ = true;
        log::info("%s: the sender's timestamps put the sound over 2 s away from when it comes; lined up by its arrival",
                  path_.c_str());
    }
    if (src != syncSrc_) {
        static const char *const kHow[] = {"", "by the arrival of their first packets", "by RTCP sender reports",
                                           "by RTSP's RTP-Info"};
        const double moveMs = (units - syncUnits_) * 1000.0 / rate;
        // A better source that comes later moves the sound (a skip or an
        // overlap heard once) only when it says more than a packet's worth.
        const int64_t keep = std::max<int64_t>(f.samples, rate / 50);
        if (syncSrc_ == RtpAvSync::None) {
            log::info("%s: the sound lined up with the picture %s", path_.c_str(), kHow[src]);
            syncUnits_ = units;
        } else if (std::llabs(units - syncUnits_) > keep) {
            log::info("%s: the sound lined up with the picture %s (moved %+.1f ms)", path_.c_str(), kHow[src], moveMs);
            syncUnits_ = units;
        } else {
            log::info("%s: %s agree with the sound's place within %.1f ms: kept", path_.c_str(), kHow[src] + 3, moveMs);
        }
        syncSrc_ = src;
    }
    AVPacket *p = slot(1, now);
    if (!p || av_new_packet(p, static_cast<int>(f.data.size())) < 0) return;
    std::memcpy(p->data, f.data.data(), f.data.size());
    p->pts = p->dts = aUnwrapped_ + syncUnits_;
    p->duration = f.samples;
    p->stream_index = 1;
    p->flags |= AV_PKT_FLAG_KEY;
    ++count_;
}

void RtpSource::rtcp(const uint8_t *p, size_t n, bool audio) {
    RtcpSenderReport sr;
    if (!parseRtcpSenderReport(p, n, sr)) return;
    // Only the sender's of the stream now received (a report can come
    // before its first packet: taken then).
    lastSr_[audio] = sr;
    haveLastSr_[audio] = true;
    takeReports();
}

void RtpSource::takeReports() {
    for (int k = 0; k < 2; ++k)
        if (haveLastSr_[k] && haveBaseSsrc_[k] && lastSr_[k].ssrc == baseSsrc_[k])
            sync_.senderReport(k == 1, lastSr_[k].ntp, lastSr_[k].rtpTs);   // (the first of each counts)
}

void RtpSource::readRtcp(int fd, bool audio) {
    uint8_t b[1500];
    ssize_t n;
    while ((n = ::recv(fd, b, sizeof b, MSG_DONTWAIT)) > 0)
        if (adepack_) rtcp(b, static_cast<size_t>(n), audio);
}

bool RtpSource::receive(int64_t deadlineNs) {
    for (;;) {
        if (interrupt_ && interrupt_->load(std::memory_order_relaxed)) return false;
        const int64_t now = monotonicNs();
        if (deadlineNs && now >= deadlineNs) return false;
        keepAlive(now);
        if (interleaved_) {   // RTSP over TCP: the RTP comes on the control connection
            bool got = false;
            const int64_t slice = now + 100000000LL;   // then the interrupt, keepalive and deadline again
            if (readControl(nullptr, got, deadlineNs ? std::min(deadlineNs, slice) : slice)) return true;
            if (ended_) return false;
            continue;
        }
        if (fd_ < 0) return false;
        pollfd pf[5] = {{fd_, POLLIN, 0}, {ctl_, POLLIN, 0}, {rtcpFd_, POLLIN, 0},
                        {aFd_, POLLIN, 0}, {aRtcpFd_, POLLIN, 0}};   // (-1: not polled)
        const int r = ::poll(pf, 5, 50);
        if (r < 0 && errno != EINTR) return false;
        if (r <= 0) continue;
        if (pf[2].revents) readRtcp(rtcpFd_, false);
        if (pf[4].revents) readRtcp(aRtcpFd_, true);
        if (pf[1].revents) {   // the RTSP connection (over UDP): answers to keepalives; its end ends the session
            bool got = false;
            while (readControl(nullptr, got, now)) {}
            if (ended_) return false;
        }
        bool any = false;
        for (int k : {3, 0}) {
            if (!pf[k].revents) continue;
            const int fd = k == 0 ? fd_ : aFd_;
            const ssize_t n = ::recv(fd, buf_.data(), buf_.size(), MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNREFUSED) continue;
                log::info("%s: receive error, treating as end: %s", path_.c_str(), std::strerror(errno));
                return false;
            }
            any = true;
            const int64_t got = monotonicNs();
            if (k == 0) {
                const int c = depack_.push(buf_.data(), static_cast<size_t>(n));
                for (int i = 0; i < c; ++i) queue(depack_.unit(i), got);
            } else {
                const int c = adepack_->push(buf_.data(), static_cast<size_t>(n));
                for (int i = 0; i < c; ++i) queueAudio(adepack_->frame(i), got);
            }
        }
        if (any) return true;
    }
}

bool RtpSource::next(AVPacket *pkt, int64_t &recvNs) {
    while (count_ == 0)
        if (!receive()) {
            closeAll();   // the end: an RTSP session is torn down, its ports freed
            return false;
        }
    av_packet_unref(pkt);
    av_packet_move_ref(pkt, ready_[head_].get());
    recvNs = readyNs_[head_];
    const bool video = readyStream_[head_] == 0;
    head_ = (head_ + 1) % kReady;
    --count_;
    if (!video) return true;
    // RTP carries presentation times only: decode times made from them.
    // A sender that restarted (a new SSRC, its numbers or its clock started
    // again): decode times start again too.
    const int64_t jump = pkt->pts - lastPts_;
    if (depack_.counters().restarts != restarts_ ||
        (lastPts_ != INT64_MIN && (jump < -sdp_.clockRate / 2 || jump > 10LL * sdp_.clockRate))) {
        restarts_ = depack_.counters().restarts;
        dts_.restart();
    }
    lastPts_ = pkt->pts;
    const int64_t misses = dts_.misses();
    const int64_t dts = dts_.next(pkt->pts);
    pkt->dts = dts == INT64_MIN ? AV_NOPTS_VALUE : dts;
    if (dts_.misses() > misses)
        log::info("%s: frames reordered more than the stream said: %d frames of reordering from here", path_.c_str(),
                  dts_.reorder());
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
            // the reordering depth + 2 when the decoder said frames are
            // reordered (the frames after the keyframe in decode order are
            // then later pictures first: with pyramid B-frames, I0 P4 B2
            // b1, the step of one frame shows only in the fourth). Waited
            // for at most a second, once.
            reorder = ctx->has_b_frames;
            if (st->avg_frame_rate.num <= 0) {
                const int want = reorder > 0 ? std::min(reorder, 8) + 2 : 2;
                const int64_t until = monotonicNs() + 1000000000LL;
                auto videoAt = [&](int k) { return readyStream_[(head_ + k) % kReady] == 0; };
                auto videos = [&] {
                    int n = 0;
                    for (int k = 0; k < count_; ++k) n += videoAt(k);
                    return n;
                };
                while (videos() < want && count_ < kReady - 70 && receive(until)) {}
                int64_t step = 0;
                for (int a = 0; a < count_; ++a)
                    for (int b = a + 1; b < count_; ++b) {
                        if (!videoAt(a) || !videoAt(b)) continue;
                        const int64_t d = std::llabs(ready_[(head_ + b) % kReady]->pts - ready_[(head_ + a) % kReady]->pts);
                        if (d > 0 && (step == 0 || d < step)) step = d;
                    }
                if (step > 0 && step < st->time_base.den) {
                    av_reduce(&st->avg_frame_rate.num, &st->avg_frame_rate.den, st->time_base.den, step, 1 << 30);
                    st->r_frame_rate = st->avg_frame_rate;
                    log::info("%s: %.3f frames a second, from the timestamps (%d frames of reordering)", path_.c_str(),
                              av_q2d(st->avg_frame_rate), reorder);
                }
            }
            break;
        }
        // Not decodable (a piece lost): wait for the next keyframe.
        keySeen_ = false;
        while (count_ > 0) drop();   // it and its followers
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
