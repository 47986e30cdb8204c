// Live sources (issue 14): what the status line says while a source is
// silent, when --timeout ends it, and the latency log's medians.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "pipeline/live.h"
#include "qv/media/capture.h"
#include "qv/media/demuxer.h"

using namespace qv;

namespace {
constexpr int64_t kS = 1000000000LL, kMs = 1000000LL;
}

TEST_CASE("a read that waits less than a second shows nothing, and looks again at the second") {
    const LiveWait w = liveWait(100 * kS + 300 * kMs, 100 * kS, 0);
    CHECK(w.waitingNs == 0);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == 101 * kS);
}

TEST_CASE("no read waiting: nothing to do") {
    const LiveWait w = liveWait(5 * kS, 0, 2 * kS);
    CHECK(w.waitingNs == 0);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == -1);
}

TEST_CASE("a silent source counts whole seconds") {
    const LiveWait w = liveWait(10 * kS + 3500 * kMs, 10 * kS, 0);
    CHECK(w.waitingNs == 3500 * kMs);
    CHECK(waitingText(w.waitingNs) == "waiting for data (3 s)");
    CHECK(w.nextCheckNs == 14 * kS);
}

TEST_CASE("the timeout comes before the next second when it is nearer, and then ends it") {
    LiveWait w = liveWait(10 * kS + 1200 * kMs, 10 * kS, 1500 * kMs);
    CHECK_FALSE(w.timedOut);
    CHECK(w.nextCheckNs == 10 * kS + 1500 * kMs);
    w = liveWait(10 * kS + 1500 * kMs, 10 * kS, 1500 * kMs);
    CHECK(w.timedOut);
}

TEST_CASE("latency log: medians of the recent frames and of all, by step") {
    LatencyLog log;
    // recv, decoded +5 ms, scaled +1 ms, shown +10 ms, and one slow frame.
    for (int i = 0; i < 99; ++i) {
        const int64_t r = i * 33 * kMs + 1;
        log.add(r, r + 5 * kMs, r + 6 * kMs, r + 16 * kMs);
    }
    const int64_t r = 99 * 33 * kMs;
    log.add(r, r + 50 * kMs, r + 51 * kMs, r + 61 * kMs);
    CHECK(log.count() == 100);
    int64_t m[LatencyLog::kParts];
    log.recentMedians(30, m);
    CHECK(m[LatencyLog::kTotal] == 16 * kMs);
    CHECK(m[LatencyLog::kDecode] == 5 * kMs);
    CHECK(m[LatencyLog::kScale] == 1 * kMs);
    CHECK(m[LatencyLog::kDisplay] == 10 * kMs);
    int64_t med[LatencyLog::kParts], p99[LatencyLog::kParts];
    log.summary(med, p99);
    CHECK(med[LatencyLog::kTotal] == 16 * kMs);
    CHECK(p99[LatencyLog::kTotal] == 61 * kMs);
    CHECK(p99[LatencyLog::kDecode] == 50 * kMs);
}

TEST_CASE("latency log: frames without their times are left out, an unscaled one counts no scale time") {
    LatencyLog log;
    log.add(0, 5, 6, 16);                      // no receive time (the demo, a step)
    log.add(100, 90, 95, 200);                 // decoded before received: nonsense
    CHECK(log.count() == 0);
    log.add(100, 105, 0, 120);                 // never scaled
    CHECK(log.count() == 1);
    int64_t m[LatencyLog::kParts];
    log.recentMedians(30, m);
    CHECK(m[LatencyLog::kScale] == 0);
    CHECK(m[LatencyLog::kDisplay] == 15);
}

// Cameras: what names a capture device, and how its parameters become the
// video4linux2 input's options.
TEST_CASE("capture: /dev/videoN and v4l2:// name a camera; other paths do not") {
    CaptureInput c;
    std::string err;
    CHECK(parseCaptureInput("/dev/video0", c, err));
    CHECK(c.device == "/dev/video0");
    CHECK(c.options.empty());
    CHECK(parseCaptureInput("/dev/video12", c, err));
    CHECK_FALSE(parseCaptureInput("/dev/videox", c, err));
    CHECK(err.empty());
    CHECK_FALSE(parseCaptureInput("/dev/video", c, err));
    CHECK_FALSE(parseCaptureInput("clip.mp4", c, err));
    CHECK_FALSE(parseCaptureInput("udp://127.0.0.1:5000", c, err));
    CHECK(parseCaptureInput("v4l2://", c, err));
    CHECK(c.device == "/dev/video0");
    CHECK(isLiveUrl("/dev/video0"));
    CHECK(isLiveUrl("v4l2:///dev/video2?fps=30"));
    CHECK_FALSE(isLiveUrl("/dev/videos/clip.mp4"));
}

TEST_CASE("capture: size, fps and format become video_size, framerate and input_format") {
    CaptureInput c;
    std::string err;
    REQUIRE(parseCaptureInput("v4l2:///dev/video2?size=1280x720&fps=30000/1001&format=yuyv", c, err));
    CHECK(c.device == "/dev/video2");
    REQUIRE(c.options.size() == 3);
    CHECK(c.options[0] == std::make_pair(std::string("video_size"), std::string("1280x720")));
    CHECK(c.options[1] == std::make_pair(std::string("framerate"), std::string("30000/1001")));
    CHECK(c.options[2] == std::make_pair(std::string("input_format"), std::string("yuyv422")));
    REQUIRE(parseCaptureInput("v4l2:///dev/video0?format=mjpeg&fps=12.5", c, err));
    CHECK(c.options[0].second == "mjpeg");
    CHECK(c.options[1].second == "12.5");
}

TEST_CASE("capture: a malformed parameter is refused with a line that names it") {
    CaptureInput c;
    std::string err;
    CHECK_FALSE(parseCaptureInput("v4l2:///dev/video0?size=big", c, err));
    CHECK(err.find("size") != std::string::npos);
    CHECK_FALSE(parseCaptureInput("v4l2:///dev/video0?fps=0", c, err));
    CHECK(err.find("fps") != std::string::npos);
    CHECK_FALSE(parseCaptureInput("v4l2:///dev/video0?zoom=2", c, err));
    CHECK(err.find("zoom") != std::string::npos);
    CHECK_FALSE(parseCaptureInput("v4l2:///dev/video0?format=", c, err));
    CHECK_FALSE(parseCaptureInput("v4l2://video0", c, err));
    CHECK(err.find("device path") != std::string::npos);
}
