#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "display/kms/kms_choose.h"

using namespace qv;
using namespace qv::kms;

TEST_CASE("connector: the named one, else the first connected one with modes") {
    std::vector<ConnectorInfo> c = {{"DP-1", false, 0}, {"HDMI-A-1", true, 0}, {"HDMI-A-2", true, 5}, {"VGA-1", true, 3}};
    CHECK(chooseConnector(c, "") == 2);
    CHECK(chooseConnector(c, "VGA-1") == 3);
    CHECK(chooseConnector(c, "DP-1") == 0);   // named: taken even when disconnected (the user asked)
    CHECK(chooseConnector(c, "DSI-1") == -1);
    CHECK(chooseConnector({{"DP-1", false, 0}}, "") == -1);
}

TEST_CASE("mode: kept unless asked; asked by size and refresh") {
    std::vector<ModeInfo> m = {{1920, 1080, 60000, true}, {1920, 1080, 50000, false}, {1280, 720, 60000, false},
                               {1024, 768, 75000, false}};
    CHECK(chooseMode(m, "", 3) == 3);          // the current mode stays
    CHECK(chooseMode(m, "", -1) == 0);         // none current: the preferred one
    CHECK(chooseMode(m, "1920x1080", 3) == 0); // the highest refresh of that size
    CHECK(chooseMode(m, "1920x1080@50", 3) == 1);
    CHECK(chooseMode(m, "1280x720@30", 3) == -1);
    CHECK(chooseMode(m, "800x600", 3) == -1);
    CHECK(chooseMode(m, "junk", 3) == -1);
    CHECK(chooseMode({}, "", -1) == -1);
    std::vector<ModeInfo> nopref = {{800, 600, 60000, false}, {640, 480, 60000, false}};
    CHECK(chooseMode(nopref, "", -1) == 0);
}

TEST_CASE("mode requests parse") {
    int w, h, hz;
    CHECK(parseModeRequest("1920x1080", w, h, hz));
    CHECK((w == 1920 && h == 1080 && hz == 0));
    CHECK(parseModeRequest("1280X720@60", w, h, hz));
    CHECK(hz == 60);
    CHECK_FALSE(parseModeRequest("1280x", w, h, hz));
    CHECK_FALSE(parseModeRequest("1280x720@", w, h, hz));
    CHECK_FALSE(parseModeRequest("0x720", w, h, hz));
}

TEST_CASE("letterbox: fitted, centred, even; SAR and rotation count") {
    StreamSpec s;
    s.width = 640;
    s.height = 360;
    Rect r = letterbox(s, 1024, 768);   // 16:9 into 4:3: bars above and below
    CHECK(r.w == 1024);
    CHECK(r.h == 576);
    CHECK(r.x == 0);
    CHECK(r.y == 96);
    s.width = 320;
    s.height = 240;
    r = letterbox(s, 1920, 1080);   // 4:3 into 16:9: bars left and right
    CHECK(r.h == 1080);
    CHECK(r.w == 1440);
    CHECK(r.x == 240);
    s.orientation = Orientation::Rotate90Cw;   // shown 240x320
    r = letterbox(s, 1920, 1080);
    CHECK(r.h == 1080);
    CHECK(r.w == 810);
    CHECK(r.x % 2 == 0);
    s.orientation = Orientation::Normal;
    s.width = 720;
    s.height = 576;
    s.sarNum = 16;
    s.sarDen = 11;   // 1047x576 on screen
    r = letterbox(s, 1280, 720);
    CHECK(r.w == 1280);
    CHECK(r.h == 704);   // 1280 * 576 / 1047.27 = 704.0
    Rect none = letterbox(s, 0, 0);
    CHECK(none.w == 0);
}
