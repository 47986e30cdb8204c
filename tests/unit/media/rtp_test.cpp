// qv's own RTP receiver (issue 14): the SDP file's video stream, and the
// RFC 6184 / RFC 7798 depacketizer that ends each access unit on its marker
// bit. Packets built here byte by byte (pure logic; live_test and tools/bench
// latency send real ones to the real socket).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/rtp.h"

#include <cstdint>
#include <vector>

using namespace qv;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes rtp(uint16_t seq, uint32_t ts, bool marker, const Bytes &payload, int pt = 96, uint32_t ssrc = 0x1234) {
    Bytes p = {0x80, static_cast<uint8_t>((marker ? 0x80 : 0) | pt), static_cast<uint8_t>(seq >> 8),
               static_cast<uint8_t>(seq), static_cast<uint8_t>(ts >> 24), static_cast<uint8_t>(ts >> 16),
               static_cast<uint8_t>(ts >> 8), static_cast<uint8_t>(ts), static_cast<uint8_t>(ssrc >> 24),
               static_cast<uint8_t>(ssrc >> 16), static_cast<uint8_t>(ssrc >> 8), static_cast<uint8_t>(ssrc)};
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes annexB(const std::vector<Bytes> &nals) {
    Bytes out;
    for (const Bytes &n : nals) {
        out.insert(out.end(), {0, 0, 0, 1});
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

Bytes nalOf(uint8_t header, size_t size, uint8_t seed) {
    Bytes n(size);
    n[0] = header;
    for (size_t i = 1; i < size; ++i) n[i] = static_cast<uint8_t>(seed + i * 7);
    return n;
}

// RFC 6184 FU-A fragments of one NAL unit, at most `chunk` bytes of it each.
std::vector<Bytes> fuA(const Bytes &nal, size_t chunk) {
    std::vector<Bytes> out;
    const uint8_t ind = static_cast<uint8_t>((nal[0] & 0xe0) | 28), type = nal[0] & 0x1f;
    for (size_t off = 1; off < nal.size(); off += chunk) {
        const size_t n = std::min(chunk, nal.size() - off);
        Bytes p = {ind, static_cast<uint8_t>((off == 1 ? 0x80 : 0) | (off + n == nal.size() ? 0x40 : 0) | type)};
        p.insert(p.end(), nal.begin() + static_cast<long>(off), nal.begin() + static_cast<long>(off + n));
        out.push_back(p);
    }
    return out;
}

Bytes stapA(const std::vector<Bytes> &nals) {
    Bytes p = {24};
    for (const Bytes &n : nals) {
        p.push_back(static_cast<uint8_t>(n.size() >> 8));
        p.push_back(static_cast<uint8_t>(n.size()));
        p.insert(p.end(), n.begin(), n.end());
    }
    return p;
}

int push(RtpDepacketizer &d, const Bytes &p) { return d.push(p.data(), p.size()); }

} // namespace

TEST_CASE("base64") {
    Bytes out;
    CHECK(base64Decode("Z0LAHtkA", out));
    CHECK(out == Bytes{0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00});
    CHECK(base64Decode("aM4xsg==", out));
    CHECK(out == Bytes{0x68, 0xce, 0x31, 0xb2});
    CHECK_FALSE(base64Decode("a*b", out));
}

TEST_CASE("SDP: the video stream qv receives itself") {
    SdpVideo v;
    const std::string h264 =
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHtkA,aM4xsg==; profile-level-id=42C01E\r\n"
        "a=framerate:30\r\n";
    CHECK(parseSdpVideo(h264, v) == "");
    CHECK(v.codec == RtpCodec::H264);
    CHECK(v.port == 5004);
    CHECK(v.payloadType == 96);
    CHECK(v.clockRate == 90000);
    CHECK(v.address == "127.0.0.1");
    CHECK(v.packetizationMode == 1);
    CHECK(v.fps == doctest::Approx(30));
    CHECK(v.paramSets == annexB({{0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00}, {0x68, 0xce, 0x31, 0xb2}}));

    SUBCASE("multicast at media level, HEVC") {
        const std::string s = "v=0\nc=IN IP4 10.0.0.1\nm=video 6000/2 RTP/AVP 97\nc=IN IP4 239.1.2.3/16\n"
                              "a=rtpmap:97 H265/90000\na=fmtp:97 sprop-max-don-diff=0\n";
        CHECK(parseSdpVideo(s, v) == "");
        CHECK(v.codec == RtpCodec::Hevc);
        CHECK(v.address == "239.1.2.3");
        CHECK(v.port == 6000);
        CHECK_FALSE(v.donl);
    }
    SUBCASE("what FFmpeg receives instead") {
        const std::string withSound = h264 + "m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n";
        CHECK(parseSdpVideo(withSound, v) == "audio or data beside the video (--no-audio leaves it aside)");
        CHECK(parseSdpVideo(withSound, v, true) == "");   // --no-audio: the video alone
        CHECK(v.port == 5004);
        CHECK(v.payloadType == 96);
        CHECK(parseSdpVideo("m=video 5004 TCP/RTP/AVP 96\na=rtpmap:96 H264/90000\n", v) == "not RTP over UDP");
        CHECK(parseSdpVideo("m=video 5004 RTP/AVP 33\n", v) == "payload without an rtpmap is not H.264 or HEVC");
        CHECK(parseSdpVideo("m=video 5004 RTP/AVP 96\na=rtpmap:96 VP8/90000\n", v) == "payload VP8 is not H.264 or HEVC");
        CHECK(parseSdpVideo("m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=2\n", v) ==
              "interleaved packetization (mode 2)");
        CHECK(parseSdpVideo("m=audio 5004 RTP/AVP 0\n", v) == "no video stream in the SDP");
        CHECK(parseSdpVideo("m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 sprop-parameter-sets=Z*\n", v) ==
              "a parameter set is not base64 (sprop-parameter-sets)");
    }
}

TEST_CASE("H.264: an access unit ends on its marker packet") {
    RtpDepacketizer d(RtpCodec::H264, 96);
    const Bytes sps = nalOf(0x67, 12, 1), pps = nalOf(0x68, 5, 2), idr = nalOf(0x65, 3000, 3), p1 = nalOf(0x41, 700, 4);
    // Keyframe: parameter sets in a STAP-A, the IDR slice in FU-A fragments.
    CHECK(push(d, rtp(100, 9000, false, stapA({sps, pps}))) == 0);
    const auto frags = fuA(idr, 1000);
    REQUIRE(frags.size() == 3);
    CHECK(push(d, rtp(101, 9000, false, frags[0])) == 0);
    CHECK(push(d, rtp(102, 9000, false, frags[1])) == 0);
    REQUIRE(push(d, rtp(103, 9000, true, frags[2])) == 1);   // whole now, not at the next frame
    CHECK(d.unit(0).data == annexB({sps, pps, idr}));
    CHECK(d.unit(0).timestamp == 9000);
    CHECK(d.unit(0).key);
    CHECK(d.unit(0).paramSets);
    CHECK_FALSE(d.unit(0).broken);
    // A P frame in one packet.
    REQUIRE(push(d, rtp(104, 12000, true, p1)) == 1);
    CHECK(d.unit(0).data == annexB({p1}));
    CHECK_FALSE(d.unit(0).key);
    CHECK_FALSE(d.unit(0).paramSets);
    CHECK(d.counters().packets == 5);
    CHECK(d.counters().lost == 0);
}

TEST_CASE("H.264: losses, a lost marker, late packets, wraps, a new sender") {
    RtpDepacketizer d(RtpCodec::H264, 96);
    const Bytes idr = nalOf(0x65, 2500, 5), p1 = nalOf(0x41, 300, 6), p2 = nalOf(0x41, 200, 7);
    const auto frags = fuA(idr, 1000);
    SUBCASE("a fragment lost: the unit is marked, the cut NAL unit left out") {
        CHECK(push(d, rtp(65534, 0, false, p1)) == 0);   // another slice of the same picture
        CHECK(push(d, rtp(65535, 0, false, frags[0])) == 0);
        REQUIRE(push(d, rtp(1, 0, true, frags[2])) == 1);   // 0 lost (and the wrap)
        CHECK(d.unit(0).broken);
        CHECK(d.unit(0).data == annexB({p1}));
        CHECK(d.counters().lost == 1);
        REQUIRE(push(d, rtp(2, 3000, true, p2)) == 1);
        CHECK_FALSE(d.unit(0).broken);
    }
    SUBCASE("the marker packet lost: the next timestamp ends the unit") {
        CHECK(push(d, rtp(10, 0, false, p1)) == 0);
        REQUIRE(push(d, rtp(12, 3000, true, p2)) == 2);
        CHECK(d.unit(0).data == annexB({p1}));
        CHECK(d.unit(0).timestamp == 0);
        CHECK(d.unit(1).data == annexB({p2}));
        CHECK(d.unit(1).timestamp == 3000);
        CHECK(d.counters().noMarker == 1);
        CHECK(d.counters().lost == 1);
    }
    SUBCASE("late and duplicated packets are dropped") {
        REQUIRE(push(d, rtp(20, 0, true, p1)) == 1);
        CHECK(push(d, rtp(20, 0, true, p1)) == 0);
        CHECK(push(d, rtp(19, 0, true, p1)) == 0);
        CHECK(d.counters().late == 2);
        REQUIRE(push(d, rtp(21, 3000, true, p2)) == 1);
        CHECK(d.counters().lost == 0);
    }
    SUBCASE("a new SSRC (a restarted sender) starts over") {
        CHECK(push(d, rtp(500, 0, false, frags[0])) == 0);
        // The old sender's cut fragment is left out: nothing of it to hand on.
        REQUIRE(push(d, rtp(7, 90000, true, p2, 96, 0x9999)) == 1);
        CHECK(d.unit(0).data == annexB({p2}));
        CHECK(d.unit(0).timestamp == 90000);
        CHECK(d.counters().lost == 0);
    }
    SUBCASE("not RTP, another payload type, unsupported structures") {
        CHECK(push(d, Bytes{0x80, 96, 0, 1}) == 0);
        CHECK(push(d, rtp(1, 0, true, p1, 97)) == 0);
        Bytes bad = rtp(1, 0, true, p1);
        bad[0] = 0x40;   // version 1
        CHECK(push(d, bad) == 0);
        CHECK(d.counters().invalid == 3);
        CHECK(push(d, rtp(2, 0, true, Bytes{29, 0x85, 1, 2})) == 0);   // FU-B
        CHECK(d.counters().unsupported == 1);
        Bytes stap = stapA({p1});
        stap.resize(stap.size() - 10);   // a size past the end
        CHECK(push(d, rtp(3, 3000, true, stap)) == 0);
        CHECK(d.counters().invalid == 4);
    }
}

TEST_CASE("RTP header: CSRCs, an extension and padding are skipped") {
    RtpDepacketizer d(RtpCodec::H264, 96);
    const Bytes p1 = nalOf(0x41, 40, 9);
    Bytes pkt = rtp(1, 0, true, {});
    pkt[0] = 0x80 | 0x20 | 0x10 | 2;   // padding, extension, 2 CSRCs
    pkt.insert(pkt.end(), 8, 0xcc);   // the CSRCs
    pkt.insert(pkt.end(), {0xbe, 0xde, 0, 1, 1, 2, 3, 4});   // an extension of one word
    pkt.insert(pkt.end(), p1.begin(), p1.end());
    pkt.insert(pkt.end(), {0, 0, 3});   // three bytes of padding
    REQUIRE(d.push(pkt.data(), pkt.size()) == 1);
    CHECK(d.unit(0).data == annexB({p1}));
}

TEST_CASE("HEVC: aggregation and fragmentation units") {
    RtpDepacketizer d(RtpCodec::Hevc, 97);
    auto hevcNal = [](int type, size_t size, uint8_t seed) {
        Bytes n = nalOf(static_cast<uint8_t>(type << 1), size, seed);
        n[1] = 1;   // layer 0, temporal id 1
        return n;
    };
    const Bytes vps = hevcNal(32, 20, 1), sps = hevcNal(33, 30, 2), pps = hevcNal(34, 8, 3), idr = hevcNal(19, 2000, 4);
    Bytes ap = {48 << 1, 1};
    for (const Bytes *n : {&vps, &sps, &pps}) {
        ap.push_back(static_cast<uint8_t>(n->size() >> 8));
        ap.push_back(static_cast<uint8_t>(n->size()));
        ap.insert(ap.end(), n->begin(), n->end());
    }
    CHECK(push(d, rtp(1, 0, false, ap, 97)) == 0);
    int out = 0;
    for (size_t off = 2, k = 2; off < idr.size(); off += 900, ++k) {
        const size_t n = std::min<size_t>(900, idr.size() - off);
        Bytes fu = {49 << 1, 1, static_cast<uint8_t>((off == 2 ? 0x80 : 0) | (off + n == idr.size() ? 0x40 : 0) | 19)};
        fu.insert(fu.end(), idr.begin() + static_cast<long>(off), idr.begin() + static_cast<long>(off + n));
        out = push(d, rtp(static_cast<uint16_t>(k), 0, off + n == idr.size(), fu, 97));
    }
    REQUIRE(out == 1);
    CHECK(d.unit(0).data == annexB({vps, sps, pps, idr}));
    CHECK(d.unit(0).key);
    CHECK(d.unit(0).paramSets);
    CHECK_FALSE(d.unit(0).broken);
}

TEST_CASE("the parameter sets of an access unit (extradata for muxers)") {
    const Bytes sps = nalOf(0x67, 12, 1), pps = nalOf(0x68, 5, 2), sei = nalOf(0x06, 9, 3), idr = nalOf(0x65, 300, 4);
    Bytes au = annexB({sei, sps, pps, idr});
    au.erase(au.begin() + 4 + 9);   // the SPS after a 3-byte start code (00 00 01)
    CHECK(paramSetsOf(RtpCodec::H264, au.data(), au.size()) == annexB({sps, pps}));
    const Bytes none = annexB({idr});
    CHECK(paramSetsOf(RtpCodec::H264, none.data(), none.size()).empty());
    Bytes vps = nalOf(32 << 1, 20, 5), hsps = nalOf(33 << 1, 30, 6), hpps = nalOf(34 << 1, 6, 7), cra = nalOf(21 << 1, 90, 8);
    const Bytes hau = annexB({vps, hsps, hpps, cra});
    CHECK(paramSetsOf(RtpCodec::Hevc, hau.data(), hau.size()) == annexB({vps, hsps, hpps}));
}

TEST_CASE("decode times from presentation times") {
    SUBCASE("no reordering: dts = pts") {
        DtsFromPts d(0, 3000);
        for (int64_t p : {0, 3000, 6000, 9000}) CHECK(d.next(p) == p);
    }
    SUBCASE("B-frames, two of reordering (I P B B P B B)") {
        DtsFromPts d(2, 1);
        std::vector<int64_t> got;
        for (int64_t p : {2, 5, 3, 4, 8, 6, 7}) got.push_back(d.next(p));
        CHECK(got == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6});
        CHECK(d.misses() == 0);
    }
    SUBCASE("one of reordering") {
        DtsFromPts d(1, 1);
        std::vector<int64_t> got;
        for (int64_t p : {2, 5, 3, 4, 8, 6, 7}) got.push_back(d.next(p));
        CHECK(got == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7});
    }
    SUBCASE("more reordering than said: those frames have none, the depth grows until it fits") {
        DtsFromPts d(0, 1);
        // I P B B, with pyramid B-frames later (P b B b): two of reordering.
        const std::vector<int64_t> pts = {0, 3, 1, 2, 7, 5, 4, 6, 11, 9, 8, 10, 15, 13, 12, 14};
        std::vector<int64_t> got;
        int64_t last = INT64_MIN;
        for (int64_t p : pts) {
            const int64_t t = d.next(p);
            got.push_back(t);
            if (t == INT64_MIN) continue;
            CHECK(t <= p);
            CHECK(t > last);
            last = t;
        }
        CHECK(d.misses() >= 1);
        CHECK(d.reorder() >= 1);
        CHECK(got.back() != INT64_MIN);   // decode times again once deep enough
        CHECK(got[got.size() - 2] != INT64_MIN);
        d.restart();   // a sender that restarted: as new, its first frame extrapolated
        CHECK(d.next(100) == 100 - d.reorder());
    }
}

TEST_CASE("review: restarts, a lost first packet, DONL, the size cap") {
    const Bytes p1 = nalOf(0x41, 300, 6), p2 = nalOf(0x41, 200, 7);
    SUBCASE("sequence numbers started again by the same sender (RFC 3550 A.1)") {
        RtpDepacketizer d(RtpCodec::H264, 96);
        REQUIRE(push(d, rtp(3, 0, true, p1)) == 1);
        CHECK(push(d, rtp(40000, 3000, true, p2)) == 0);   // far behind: late, for now
        REQUIRE(push(d, rtp(40001, 6000, true, p2)) == 1);   // the next in sequence: a restart
        CHECK(d.counters().restarts == 1);
        REQUIRE(push(d, rtp(40002, 9000, true, p1)) == 1);
        CHECK(d.counters().late == 1);
    }
    SUBCASE("a unit whose first packet was lost is marked") {
        RtpDepacketizer d(RtpCodec::H264, 96);
        REQUIRE(push(d, rtp(1, 0, true, p1)) == 1);
        REQUIRE(push(d, rtp(3, 3000, true, p2)) == 1);   // 2 lost: the start of this one, maybe
        CHECK(d.unit(0).broken);
        REQUIRE(push(d, rtp(4, 6000, true, p2)) == 1);
        CHECK_FALSE(d.unit(0).broken);
    }
    SUBCASE("HEVC with DONL: single units lose theirs") {
        RtpDepacketizer d(RtpCodec::Hevc, 97, true);
        const Bytes body = {0xaa, 0xbb, 0xcc};
        Bytes pkt = {0x02, 0x01, 0x00, 0x07};   // TRAIL_R header, DONL 7
        pkt.insert(pkt.end(), body.begin(), body.end());
        REQUIRE(push(d, rtp(1, 0, true, pkt, 97)) == 1);
        CHECK(d.unit(0).data == annexB({{0x02, 0x01, 0xaa, 0xbb, 0xcc}}));
    }
    SUBCASE("a unit that never ends is not kept growing") {
        RtpDepacketizer d(RtpCodec::H264, 96);
        const Bytes big = nalOf(0x41, 60000, 1);
        for (int k = 0; k < 1200; ++k) CHECK(push(d, rtp(static_cast<uint16_t>(k), 0, false, big)) == 0);
        CHECK(d.counters().invalid > 0);
        REQUIRE(push(d, rtp(1200, 0, true, p1)) == 1);
        CHECK(d.unit(0).data.size() < (64u << 20));
        CHECK(d.unit(0).broken);
    }
    SUBCASE("interleaved HEVC is FFmpeg's") {
        SdpVideo v;
        CHECK(parseSdpVideo("m=video 5004 RTP/AVP 97\na=rtpmap:97 H265/90000\na=fmtp:97 sprop-depack-buf-nalus=2\n", v) ==
              "interleaved packetization (sprop-depack-buf-nalus)");
    }
}
