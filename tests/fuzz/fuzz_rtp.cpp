// What qv's own RTP receiver and RTSP client take from the network (issue
// 14): the first byte picks the parser. 0: the text as an SDP file and as an
// RTSP answer (head, Session, Transport, a Digest/Basic challenge, a URL,
// RTP-Info), and as RTCP, an AAC config and an Opus packet; with bit 4 set,
// RTP packets (2-byte lengths, then the packet) into the sound's
// depacketizer (PCMU, PCMA, L16, Opus or AAC by bits 5-7); else RTP packets
// into the H.264 or HEVC depacketizer, the units' timestamps into
// DtsFromPts. Invariants: no crash; every unit is Annex B (starts with a
// start code) and at most the bytes pushed; the decode times are increasing
// and never after their pts; a packet gives at most 64 audio frames, none
// larger than what was pushed.
#include "fuzz.h"

#include "qv/media/rtp.h"
#include "qv/media/rtsp.h"

#include <string>

using namespace qv;

namespace {
// The packets of the input: each a 2-byte length, then its bytes (cut at
// the end); f(packet, length, offset after it, bytes so far).
template <typename F> void eachPacket(const uint8_t *data, size_t size, F f) {
    size_t pushed = 0;
    for (size_t off = 0; off + 2 <= size;) {
        size_t n = (size_t(data[off]) << 8) | data[off + 1];
        off += 2;
        if (n > size - off) n = size - off;
        pushed += n;
        f(data + off, n, off + n, pushed);
        off += n;
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const uint8_t mode = data[0];
    ++data;
    --size;
    if (mode == 0) {
        const std::string text(reinterpret_cast<const char *>(data), size);
        SdpVideo v;
        const std::string why = parseSdpVideo(text, v);
        if (why.empty()) QV_FUZZ_CHECK(v.codec != RtpCodec::None);
        (void)paramSetsOf(RtpCodec::H264, data, size);
        (void)paramSetsOf(RtpCodec::Hevc, data, size);
        RtspResponse r;
        if (parseRtspHead(text, r)) {
            QV_FUZZ_CHECK(r.status >= 100 && r.status <= 999);
            QV_FUZZ_CHECK(r.contentLength() < (1u << 20));
        }
        std::string id;
        int timeout = 0;
        parseSession(text, id, timeout);
        QV_FUZZ_CHECK(timeout > 0);
        const int ch = transportParam(text, "interleaved");
        QV_FUZZ_CHECK(ch >= -1 && ch <= 65535);
        (void)rtspAuthorization(text, "u", "p", "DESCRIBE", "rtsp://h/x", "c", 1);
        RtspUrl u;
        std::string w;
        if (parseRtspUrl(text, u, w)) QV_FUZZ_CHECK(u.port >= 1 && u.port <= 65535 && !u.host.empty());
        (void)resolveControl("rtsp://h/x", text);
        for (const RtpInfoEntry &e : parseRtpInfo(text)) QV_FUZZ_CHECK(!e.url.empty());
        RtcpSenderReport sr;
        (void)parseRtcpSenderReport(data, size, sr);
        int channels = 0, frame = 0;
        if (parseAacConfig(std::vector<uint8_t>(data, data + size), channels, frame))
            QV_FUZZ_CHECK(channels >= 0 && channels <= 8 && (frame == 960 || frame == 1024 || frame == 480 || frame == 512));
        QV_FUZZ_CHECK(opusPacketSamples(data, size) >= 0 && opusPacketSamples(data, size) <= 5760);
        return 0;
    }
    if (mode & 0x10) {
        SdpAudio a;
        static const RtpAudioCodec kCodecs[] = {RtpAudioCodec::Pcmu, RtpAudioCodec::Pcma, RtpAudioCodec::L16,
                                                RtpAudioCodec::Opus, RtpAudioCodec::Aac};
        a.codec = kCodecs[(mode >> 5) % 5];
        a.payloadType = 96;
        a.clockRate = 48000;
        a.channels = 1 + (mode & 1);
        a.sizeLength = mode & 2 ? 6 : 13;   // AAC-lbr, AAC-hbr
        a.indexLength = a.indexDeltaLength = mode & 2 ? 2 : 3;
        RtpAudioDepacketizer d(a);
        RtpAvSync sync(90000, 48000);
        eachPacket(data, size, [&](const uint8_t *p, size_t n, size_t off, size_t pushed) {
            const int k = d.push(p, n);
            QV_FUZZ_CHECK(k >= 0 && k <= 64);
            for (int i = 0; i < k; ++i) {
                QV_FUZZ_CHECK(d.frame(i).data.size() <= pushed);
                sync.audioFirst(d.frame(i).timestamp, static_cast<int64_t>(off));
                sync.videoFirst(d.frame(i).timestamp * 2u, 0);
                if (n >= 8) sync.senderReport(i & 1, off * 0x9e3779b97f4a7c15ULL, d.frame(i).timestamp);
                int64_t units = 0;
                (void)sync.offset(units);
            }
        });
        return 0;
    }
    const RtpCodec codec = mode & 1 ? RtpCodec::H264 : RtpCodec::Hevc;
    RtpDepacketizer d(codec, 96, mode & 2);
    DtsFromPts dts((mode >> 2) & 3, 3000);
    int64_t lastDts = INT64_MIN;
    eachPacket(data, size, [&](const uint8_t *p, size_t n, size_t, size_t pushed) {
        const int k = d.push(p, n);
        QV_FUZZ_CHECK(k >= 0 && k <= 2);
        for (int i = 0; i < k; ++i) {
            const RtpAccessUnit &au = d.unit(i);
            QV_FUZZ_CHECK(au.data.size() >= 5 && au.data[0] == 0 && au.data[1] == 0 && au.data[2] == 0 && au.data[3] == 1);
            QV_FUZZ_CHECK(au.data.size() <= 2 * pushed + 64);   // start codes (4) for units of at least 2 bytes
            const int64_t pts = au.timestamp;
            const int64_t t = dts.next(pts);
            if (t != INT64_MIN) {
                QV_FUZZ_CHECK(t <= pts);
                QV_FUZZ_CHECK(lastDts == INT64_MIN || t > lastDts);
                lastDts = t;
            }
        }
    });
    return 0;
}
