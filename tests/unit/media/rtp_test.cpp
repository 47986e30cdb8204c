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
        const std::string withSound = h264 + "m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 MP4A-LATM/48000/2\r\n";
        CHECK(parseSdpVideo(withSound, v) == "sound in MP4A-LATM beside the video (qv receives PCMU, PCMA, L16, Opus and "
                                             "AAC itself) (--no-audio leaves it aside)");
        CHECK(v.audio.codec == RtpAudioCodec::None);
        CHECK(parseSdpVideo(withSound, v, true) == "");   // --no-audio: the video alone
        CHECK(v.audio.codec == RtpAudioCodec::None);
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

TEST_CASE("SDP: the sound beside the video") {
    const std::string h264 = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
    SdpVideo v;
    SUBCASE("Opus: always 48000/2 in the rtpmap") {
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\na=control:streamid=1\r\n"
                                   "m=application 5008 RTP/AVP 107\r\n", v) == "");
        CHECK(v.codec == RtpCodec::H264);
        CHECK(v.audio.codec == RtpAudioCodec::Opus);
        CHECK(v.audio.port == 5006);
        CHECK(v.audio.payloadType == 97);
        CHECK(v.audio.clockRate == 48000);
        CHECK(v.audio.channels == 2);
        CHECK(v.audio.address == "127.0.0.1");
        CHECK(v.audio.control == "streamid=1");
        CHECK(v.control.empty());   // the audio's a=control is not the video's
    }
    SUBCASE("static payload types, and an address of its own") {
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 0\r\nc=IN IP4 239.0.0.9/8\r\n", v) == "");
        CHECK(v.audio.codec == RtpAudioCodec::Pcmu);
        CHECK(v.audio.clockRate == 8000);
        CHECK(v.audio.channels == 1);
        CHECK(v.audio.address == "239.0.0.9");
        CHECK(v.address == "127.0.0.1");
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 8\r\n", v) == "");
        CHECK(v.audio.codec == RtpAudioCodec::Pcma);
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 10\r\n", v) == "");
        CHECK(v.audio.codec == RtpAudioCodec::L16);
        CHECK(v.audio.clockRate == 44100);
        CHECK(v.audio.channels == 2);
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 98\r\na=rtpmap:98 L16/48000/2\r\n", v) == "");
        CHECK(v.audio.clockRate == 48000);
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 14\r\n", v) ==
              "sound of payload type 14 without an rtpmap beside the video (--no-audio leaves it aside)");
    }
    SUBCASE("AAC (mpeg4-generic), as FFmpeg writes it") {
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 97\r\nb=AS:128\r\na=rtpmap:97 MPEG4-GENERIC/44100/2\r\n"
                                   "a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
                                   "indexdeltalength=3; config=121056E500\r\n", v) == "");
        CHECK(v.audio.codec == RtpAudioCodec::Aac);
        CHECK(v.audio.clockRate == 44100);
        CHECK(v.audio.channels == 2);
        CHECK(v.audio.sizeLength == 13);
        CHECK(v.audio.indexLength == 3);
        CHECK(v.audio.indexDeltaLength == 3);
        CHECK(v.audio.frameSamples == 1024);
        CHECK(v.audio.config == Bytes{0x12, 0x10, 0x56, 0xe5, 0x00});
        const std::string aac = h264 + "m=audio 5006 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/48000/2\r\na=fmtp:97 ";
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=1190;"
                                  "CTSDeltaLength=3\r\n", v) ==
              "AAC with CTSDeltaLength (an AU header qv does not read) (--no-audio leaves it aside)");
        CHECK(parseSdpVideo(aac + "mode=CELP-cbr;config=1190\r\n", v) ==
              "mpeg4-generic sound that is not AAC-hbr or AAC-lbr (--no-audio leaves it aside)");
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;indexlength=3;config=1190\r\n", v) ==
              "AAC without usable AU header sizes (--no-audio leaves it aside)");
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;sizelength=13;config=11\r\n", v) ==
              "AAC without a usable config (--no-audio leaves it aside)");
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;sizelength=13;config=-119\r\n", v) ==
              "the AAC config is not hexadecimal (--no-audio leaves it aside)");
        // HE-AAC: a 24 kHz core in a 48 kHz RTP clock: access units 2048 apart.
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=2B2310\r\n", v) == "");
        CHECK(v.audio.frameSamples == 1024);
        CHECK(v.audio.auDuration == 2048);
        CHECK(parseSdpVideo(aac + "mode=AAC-hbr;sizelength=13;config=1190;constantDuration=960\r\n", v) == "");
        CHECK(v.audio.auDuration == 960);
    }
    SUBCASE("the first m=audio is the one") {
        CHECK(parseSdpVideo(h264 + "m=audio 5006 RTP/AVP 0\r\nm=audio 5008 RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n", v) == "");
        CHECK(v.audioStreams == 2);
        CHECK(v.audio.codec == RtpAudioCodec::Pcmu);
        CHECK(v.audio.port == 5006);
    }
}

TEST_CASE("AAC config, Opus table of contents") {
    int ch = 0, frame = 0;
    CHECK(parseAacConfig({0x11, 0x90}, ch, frame));   // LC, 48 kHz, 2 ch
    CHECK(ch == 2);
    CHECK(frame == 1024);
    CHECK(parseAacConfig({0x11, 0x8c}, ch, frame));   // LC, 48 kHz, 1 ch, 960 samples
    CHECK(ch == 1);
    CHECK(frame == 960);
    CHECK(parseAacConfig({0x2b, 0x92, 0x08, 0x00}, ch, frame));   // HE-AAC (SBR) 24 kHz core, 2 ch
    CHECK(ch == 2);
    int core = 0;
    CHECK(parseAacConfig({0x11, 0x90}, ch, frame, &core));
    CHECK(core == 48000);
    CHECK(parseAacConfig({0x2b, 0x23, 0x10}, ch, frame, &core));   // SBR: 24 kHz core, 48 kHz out
    CHECK(core == 24000);
    CHECK(frame == 1024);
    CHECK(parseAacConfig({0xb9, 0x88}, ch, frame, &core));   // AAC-LD, 48 kHz, 1 ch: 512 samples
    CHECK(frame == 512);
    CHECK(ch == 1);
    CHECK_FALSE(parseAacConfig({0x11}, ch, frame));
    CHECK_FALSE(parseAacConfig({0x17, 0x10}, ch, frame));   // sampling index 14: reserved
    CHECK_FALSE(parseAacConfig({0x17, 0x90}, ch, frame));   // index 15: a 24-bit rate that is not there
    const uint8_t celt20[] = {0xfc}, silk60x2[] = {0x19 | 0x01 << 0}, code3[] = {0xfb, 0x03}, bad[] = {0xfb, 0x3f};
    CHECK(opusPacketSamples(celt20, 1) == 960);       // config 31: CELT 20 ms, one frame
    CHECK(opusPacketSamples(silk60x2, 1) == 2 * 2880);   // config 3: SILK 60 ms, two frames
    CHECK(opusPacketSamples(code3, 2) == 3 * 960);    // config 31, code 3, 3 frames
    CHECK(opusPacketSamples(bad, 2) == 0);            // 63 frames of 20 ms: over 120 ms
    CHECK(opusPacketSamples(bad, 0) == 0);
}

TEST_CASE("sound: PCM, Opus and AAC depacketized") {
    SUBCASE("PCMA: a packet's samples are one frame; lost and late counted") {
        SdpAudio a;
        a.codec = RtpAudioCodec::Pcma;
        a.payloadType = 8;
        a.clockRate = 8000;
        RtpAudioDepacketizer d(a);
        const Bytes s160(160, 0xd5);
        REQUIRE(d.push(rtp(10, 1000, true, s160, 8).data(), 172) == 1);
        CHECK(d.frame(0).timestamp == 1000);
        CHECK(d.frame(0).samples == 160);
        CHECK(d.frame(0).data == s160);
        CHECK(d.push(rtp(12, 1320, false, s160, 8).data(), 172) == 1);
        CHECK(d.counters().lost == 1);
        CHECK(d.push(rtp(11, 1160, false, s160, 8).data(), 172) == 0);
        CHECK(d.counters().late == 1);
        CHECK(d.push(rtp(13, 1480, false, s160, 96).data(), 172) == 0);   // another payload type
        CHECK(d.counters().invalid == 1);
    }
    SUBCASE("L16 stereo: whole samples only") {
        SdpAudio a;
        a.codec = RtpAudioCodec::L16;
        a.payloadType = 98;
        a.clockRate = 48000;
        a.channels = 2;
        RtpAudioDepacketizer d(a);
        const Bytes p(4 * 120 + 3, 1);
        REQUIRE(d.push(rtp(1, 0, false, p, 98).data(), 12 + p.size()) == 1);
        CHECK(d.frame(0).samples == 120);
        CHECK(d.frame(0).data.size() == 480);
    }
    SUBCASE("Opus: its duration from the table of contents") {
        SdpAudio a;
        a.codec = RtpAudioCodec::Opus;
        a.payloadType = 97;
        a.clockRate = 48000;
        RtpAudioDepacketizer d(a);
        const Bytes p = {0xfc, 1, 2, 3};
        REQUIRE(d.push(rtp(1, 5, true, p, 97).data(), 16) == 1);
        CHECK(d.frame(0).samples == 960);
        CHECK(d.frame(0).data == p);
    }
    SdpAudio a;
    a.codec = RtpAudioCodec::Aac;
    a.payloadType = 97;
    a.clockRate = 48000;
    a.sizeLength = 13;
    a.indexLength = 3;
    a.indexDeltaLength = 3;
    a.frameSamples = 1024;
    a.auDuration = 1024;
    auto auHeader = [](size_t size) {   // 13 bits size, 3 bits index (0)
        return Bytes{static_cast<uint8_t>(size >> 5), static_cast<uint8_t>((size & 0x1f) << 3)};
    };
    SUBCASE("AAC-hbr: three access units in one packet, 1024 samples apart") {
        RtpAudioDepacketizer d(a);
        const Bytes au1(100, 1), au2(7, 2), au3(300, 3);
        Bytes p = {0, 48};   // AU-headers-length: 3 x 16 bits
        for (const Bytes *au : {&au1, &au2, &au3}) {
            const Bytes h = auHeader(au->size());
            p.insert(p.end(), h.begin(), h.end());
        }
        for (const Bytes *au : {&au1, &au2, &au3}) p.insert(p.end(), au->begin(), au->end());
        REQUIRE(d.push(rtp(1, 90000, true, p, 97).data(), 12 + p.size()) == 3);
        CHECK(d.frame(0).data == au1);
        CHECK(d.frame(1).data == au2);
        CHECK(d.frame(2).data == au3);
        CHECK(d.frame(0).timestamp == 90000);
        CHECK(d.frame(1).timestamp == 91024);
        CHECK(d.frame(2).timestamp == 92048);
        CHECK(d.frame(2).samples == 1024);
        p[0] = 0x40;   // 16384 bits of headers: more than the packet holds
        p[1] = 0;
        CHECK(d.push(rtp(2, 93072, true, p, 97).data(), 12 + p.size()) == 0);
        CHECK(d.counters().invalid == 1);
    }
    SUBCASE("AAC-hbr: one access unit in fragments, whole on the marker; a lost fragment drops it") {
        RtpAudioDepacketizer d(a);
        Bytes au(3000);
        for (size_t i = 0; i < au.size(); ++i) au[i] = static_cast<uint8_t>(i * 13);
        auto frag = [&](uint16_t seq, size_t from, size_t to, bool marker) {
            Bytes p = {0, 16};
            const Bytes h = auHeader(au.size());
            p.insert(p.end(), h.begin(), h.end());
            p.insert(p.end(), au.begin() + static_cast<long>(from), au.begin() + static_cast<long>(to));
            return rtp(seq, 4000, marker, p, 97);
        };
        Bytes f1 = frag(1, 0, 1400, false), f2 = frag(2, 1400, 2800, false), f3 = frag(3, 2800, 3000, true);
        CHECK(d.push(f1.data(), f1.size()) == 0);
        CHECK(d.push(f2.data(), f2.size()) == 0);
        REQUIRE(d.push(f3.data(), f3.size()) == 1);
        CHECK(d.frame(0).data == au);
        CHECK(d.frame(0).timestamp == 4000);
        Bytes g1 = frag(4, 0, 1400, false), g3 = frag(6, 2800, 3000, true);
        CHECK(d.push(g1.data(), g1.size()) == 0);
        CHECK(d.push(g3.data(), g3.size()) == 0);   // the middle one lost: nothing
        CHECK(d.counters().lost == 1);
        // And the next whole packet is read as before.
        Bytes p = {0, 16};
        const Bytes h = auHeader(5);
        p.insert(p.end(), h.begin(), h.end());
        p.insert(p.end(), {9, 9, 9, 9, 9});
        REQUIRE(d.push(rtp(7, 6048, true, p, 97).data(), 12 + p.size()) == 1);
        CHECK(d.frame(0).data == Bytes{9, 9, 9, 9, 9});
    }
}

TEST_CASE("RTCP sender reports and RTSP's RTP-Info") {
    // A compound packet: a receiver report first, then the sender report.
    Bytes rr = {0x80, 201, 0, 1, 0, 0, 0, 7};
    Bytes sr = {0x80, 200, 0, 6, 0xaa, 0xbb, 0xcc, 0xdd, 0x11, 0x22, 0x33, 0x44, 0x80, 0, 0, 0,
                0, 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 9};
    Bytes both = rr;
    both.insert(both.end(), sr.begin(), sr.end());
    RtcpSenderReport r;
    REQUIRE(parseRtcpSenderReport(both.data(), both.size(), r));
    CHECK(r.ssrc == 0xaabbccdd);
    CHECK(r.ntp == 0x1122334480000000ULL);
    CHECK(r.rtpTs == 65536);
    CHECK_FALSE(parseRtcpSenderReport(rr.data(), rr.size(), r));
    CHECK_FALSE(parseRtcpSenderReport(sr.data(), sr.size() - 4, r));   // its length runs past the end
    const auto e = parseRtpInfo("url=rtsp://127.0.0.1:8554/test/stream=0;seq=2761;rtptime=1503337913,"
                                "url=rtsp://127.0.0.1:8554/test/stream=1;seq=27409;rtptime=4294967295");
    REQUIRE(e.size() == 2);
    CHECK(e[0].url == "rtsp://127.0.0.1:8554/test/stream=0");
    CHECK(e[0].haveRtptime);
    CHECK(e[0].rtptime == 1503337913u);
    CHECK(e[1].rtptime == 4294967295u);
    const auto cased = parseRtpInfo("URL=rtsp://h/s/1;RTPTIME=5,  Url=rtsp://h/s/2;rtptime=6");
    REQUIRE(cased.size() == 2);
    CHECK(cased[0].rtptime == 5);
    CHECK(cased[1].url == "rtsp://h/s/2");
    const auto odd = parseRtpInfo("url=trackID=1;seq=5, url=rtsp://h/a,b/trackID=2;rtptime=7");
    REQUIRE(odd.size() == 2);
    CHECK_FALSE(odd[0].haveRtptime);
    CHECK(odd[1].url == "rtsp://h/a,b/trackID=2");
    CHECK(odd[1].rtptime == 7);
}

TEST_CASE("the sound on the picture's time line") {
    int64_t u = 0;
    SUBCASE("by arrival: audio 100 ms after the video's first unit") {
        RtpAvSync s(90000, 48000);
        CHECK(s.offset(u) == RtpAvSync::None);
        s.videoFirst(1000000, 5000000000LL);
        s.audioFirst(777, 5100000000LL);
        REQUIRE(s.offset(u) == RtpAvSync::Arrival);
        CHECK(u == 4800);   // its first sample at 0.1 s
    }
    SUBCASE("by sender reports: both clocks against one wall clock (wraps included)") {
        RtpAvSync s(90000, 48000);
        s.videoFirst(4294967000u, 0);     // the video's pts 0, just before its timestamps wrap
        s.audioFirst(1000, 999999999);    // (arrival: not used once the reports came)
        // Video: timestamp 4294967000 + 9000 (0.1 s in) at NTP 10.0 s;
        // audio: timestamp 1000 + 48000 at NTP 10.5 s.
        s.senderReport(false, 10ULL << 32, 4294967000u + 9000u);
        CHECK(s.offset(u) == RtpAvSync::Arrival);   // one report is not enough
        s.senderReport(true, (10ULL << 32) + (1ULL << 31), 1000 + 48000);
        s.senderReport(true, 99ULL << 32, 0);   // only the first counts
        REQUIRE(s.offset(u) == RtpAvSync::SenderReports);
        // Audio 48000 (from its first) is at wall 10.5 = video time 0.1 + 0.5 = 0.6 s:
        // pts = 48000 + u = 0.6 * 48000.
        CHECK(48000 + u == 28800);
    }
    SUBCASE("lined up again after a restart: against the running video pts") {
        RtpAvSync s(90000, 48000);
        s.videoFirst(123, 7000000000LL, 90000);   // this unit is at 1.0 s on the picture's time line
        s.audioFirst(5, 7100000000LL);
        REQUIRE(s.offset(u) == RtpAvSync::Arrival);
        CHECK(u == 52800);   // 1.1 s
    }
    SUBCASE("a source over 2 s away from the arrival is not believed") {
        RtpAvSync s(90000, 48000);
        s.videoFirst(0, 0);
        s.audioFirst(0, 0);
        s.rtpInfo(0, 48000 * 3);   // the sound's first packet 3 s before the picture's
        bool disbelieved = false;
        REQUIRE(s.offset(u, &disbelieved) == RtpAvSync::Arrival);
        CHECK(disbelieved);
        CHECK(u == 0);
        RtpAvSync t(90000, 48000);
        t.videoFirst(0, 0);
        t.audioFirst(0, 0);
        t.rtpInfo(0, 48000);   // 1 s: believed
        REQUIRE(t.offset(u, &disbelieved) == RtpAvSync::RtpInfo);
        CHECK_FALSE(disbelieved);
        CHECK(u == -48000);
    }
    SUBCASE("by RTP-Info: the timestamps of one instant") {
        RtpAvSync s(90000, 44100);
        s.videoFirst(500, 0);
        s.audioFirst(100, 0);
        s.senderReport(false, 1ULL << 32, 0);
        s.senderReport(true, 1ULL << 32, 0);
        s.rtpInfo(500 - 9000, 100 + 441);   // video -0.1 s and audio +441 at the same instant
        REQUIRE(s.offset(u) == RtpAvSync::RtpInfo);
        CHECK(u == -4410 - 441);   // audio 441 is at video time -0.1 s
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
