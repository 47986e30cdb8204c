// qv's own RTSP client (issue 14): URLs, answers, authentication (RFC 2617's
// own example), control URLs, Session and Transport. Pure text work; the
// client itself is checked against GStreamer's RTSP server in live_test.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/media/demuxer.h"
#include "qv/media/rtsp.h"

using namespace qv;

TEST_CASE("rtsp URLs") {
    RtspUrl u;
    std::string why;
    REQUIRE(parseRtspUrl("rtsp://cam.local/live/main", u, why));
    CHECK(u.host == "cam.local");
    CHECK(u.port == 554);
    CHECK(u.user.empty());
    CHECK(u.url == "rtsp://cam.local/live/main");
    REQUIRE(parseRtspUrl("rtsp://admin:p%40ss:w@192.168.1.9:8554/s?x=1", u, why));
    CHECK(u.user == "admin");
    CHECK(u.pass == "p@ss:w");
    CHECK(u.host == "192.168.1.9");
    CHECK(u.port == 8554);
    CHECK(u.url == "rtsp://192.168.1.9:8554/s?x=1");   // the password never in what is sent or logged
    REQUIRE(parseRtspUrl("rtsp://[::1]:9000", u, why));
    CHECK(u.host == "::1");
    CHECK(u.port == 9000);
    CHECK_FALSE(parseRtspUrl("http://x/y", u, why));
    CHECK_FALSE(parseRtspUrl("rtsp://host:99999/x", u, why));
    CHECK(why == "the port is not a number from 1 to 65535");
    CHECK_FALSE(parseRtspUrl("rtsp://[::1/x", u, why));
}

TEST_CASE("answers") {
    RtspResponse r;
    REQUIRE(parseRtspHead("RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n"
                          "content-length: 12", r));
    CHECK(r.status == 401);
    CHECK(r.reason == "Unauthorized");
    REQUIRE(r.header("cseq"));
    CHECK(*r.header("CSeq") == "2");
    CHECK(r.contentLength() == 12);
    CHECK(r.header("Session") == nullptr);
    CHECK_FALSE(parseRtspHead("GET_PARAMETER rtsp://x RTSP/1.0\r\nCSeq: 1", r));   // a request of the server's
    CHECK_FALSE(parseRtspHead("HTTP/1.1 200 OK", r));
}

TEST_CASE("authentication") {
    // RFC 2617, 3.5 (qop=auth).
    const std::string c = "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
                          "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    const std::string h = rtspAuthorization(c, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", 1);
    CHECK(h.find("response=\"6629fae49393a05397450978507c4ef1\"") != std::string::npos);
    CHECK(h.find("nc=00000001") != std::string::npos);
    CHECK(h.find("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"") != std::string::npos);
    // Without qop (as GStreamer's server and most cameras ask).
    const std::string h2 = rtspAuthorization("Digest realm=\"qvrealm\", nonce=\"abc123\"", "qv", "s3cret", "DESCRIBE",
                                             "rtsp://cam/live", "", 1);
    CHECK(h2 == "Digest username=\"qv\", realm=\"qvrealm\", nonce=\"abc123\", uri=\"rtsp://cam/live\", "
                "response=\"d4efbfcdae70017b5d14fbf1cf05a1a1\"");
    CHECK(rtspAuthorization("Basic realm=\"cam\"", "qv", "s3cret", "DESCRIBE", "rtsp://cam/live", "", 1) ==
          "Basic cXY6czNjcmV0");
    CHECK(rtspAuthorization("Bearer x", "qv", "s3cret", "DESCRIBE", "rtsp://cam/live", "", 1).empty());
    CHECK(rtspAuthorization("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", "a", "b", "DESCRIBE", "u", "", 1).empty());
}

TEST_CASE("control URLs, Session, Transport") {
    CHECK(resolveControl("rtsp://cam/live/", "trackID=0") == "rtsp://cam/live/trackID=0");
    CHECK(resolveControl("rtsp://cam/live", "stream=0") == "rtsp://cam/live/stream=0");
    CHECK(resolveControl("rtsp://cam/live/", "rtsp://cam/other/track1") == "rtsp://cam/other/track1");
    CHECK(resolveControl("rtsp://cam/live/", "*") == "rtsp://cam/live/");
    CHECK(resolveControl("rtsp://cam/live/", "") == "rtsp://cam/live/");
    std::string id;
    int t = 0;
    parseSession("47112344;timeout=30", id, t);
    CHECK(id == "47112344");
    CHECK(t == 30);
    parseSession("abc", id, t);
    CHECK(id == "abc");
    CHECK(t == 60);
    CHECK(transportParam("RTP/AVP/TCP;unicast;interleaved=2-3;mode=\"PLAY\"", "interleaved") == 2);
    CHECK(transportParam("RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971", "server_port") == 6970);
    CHECK(transportParam("RTP/AVP;unicast;client_port=5000-5001", "interleaved") == -1);
    CHECK(md5Hex("") == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("URLs are shown without their user and password") {
    CHECK(withoutCredentials("rtsp://admin:s3cret@cam:554/live") == "rtsp://cam:554/live");
    CHECK(withoutCredentials("rtsp://admin@cam") == "rtsp://cam");
    CHECK(withoutCredentials("rtsp://cam/a@b") == "rtsp://cam/a@b");   // an @ in the path is the path's
    CHECK(withoutCredentials("http://h/x?mail=a@b") == "http://h/x?mail=a@b");
    CHECK(withoutCredentials("clip@2x.mp4") == "clip@2x.mp4");
}
