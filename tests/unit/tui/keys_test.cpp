#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/tui/keys.h"
#include "qv/tui/status_line.h"

using namespace qv::tui;

TEST_CASE("plain keys and arrows") {
    KeyParser p;
    p.feed(" .q\x1b[C\x1b[D\x1b[A\x1b[B", 15);
    Key k;
    REQUIRE(p.next(k));
    CHECK(commandFor(k) == Command::TogglePause);
    REQUIRE(p.next(k));
    CHECK(commandFor(k) == Command::StepForward);
    REQUIRE(p.next(k));
    CHECK(commandFor(k) == Command::Quit);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::Right);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::Left);
    REQUIRE(p.next(k));
    CHECK(commandFor(k) == Command::SeekForwardLong);
    REQUIRE(p.next(k));
    CHECK(commandFor(k) == Command::SeekBackLong);
    CHECK_FALSE(p.next(k));
}

TEST_CASE("shift arrows, SS3 arrows and page keys") {
    KeyParser p;
    const char seq[] = "\x1b[1;2C\x1bOD\x1b[5~\x1b[6~";
    p.feed(seq, sizeof seq - 1);
    Key k;
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::ShiftRight);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::Left);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::PageUp);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::PageDown);
}

TEST_CASE("a lone ESC waits for the timeout, a split sequence is joined") {
    KeyParser p;
    p.feed("\x1b", 1);
    Key k;
    CHECK_FALSE(p.next(k));          // could be the start of a sequence
    CHECK(p.pendingEscape());
    p.feed("[C", 2);                 // the rest arrived
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::Right);
    p.feed("\x1b", 1);
    CHECK_FALSE(p.next(k));
    REQUIRE(p.next(k, true));        // timeout passed
    CHECK(k.code == KeyCode::Escape);
    CHECK(commandFor(k) == Command::Quit);
}

TEST_CASE("status line shows the frame facts") {
    StatusInfo s;
    s.posNs = 61500000000LL;
    s.durationNs = 120000000000LL;
    s.ordinal = 1537;
    s.totalFrames = 3000;
    s.ptsNs = 61480000000LL;
    s.pictType = 'B';
    s.pktSize = 1234;
    s.fps = 25;
    s.drops = 3;
    s.driftNs = 1500000;
    s.paused = true;
    std::string out;
    formatStatus(s, out);
    s.hasDts = true;
    s.dtsSec = 61.4;
    s.decodeNs = 2300000;
    s.queues[0] = 3;
    s.queues[1] = 1;
    s.queues[2] = 2;
    CHECK(out.empty() == false);
    formatStatus(s, out);
    CHECK(out == "|| 01:01.5/02:00.0 frame 1537/3000 B 1234 B pts 61.480 dts 61.400 dec 2.3 ms  "
                 "25.0 fps drop 3 q 3/1/2 drift +1.5 ms 1.00x");
    char map[25];
    formatGopMap({0, 1500, 1550, 1600}, 3000, 1537, 24, map);
    s.gopMap = map;
    s.message = "saved x.png";
    formatStatus(s, out);
    CHECK(out.find("dec 2.3 ms  saved x.png  K") != std::string::npos);
    CHECK(out.find(map) < 100);
    s.queues[1] = -1;   // no encode stage
    formatStatus(s, out);
    CHECK(out.find(" q 3/2 ") != std::string::npos);
    s.decoder = "cuda";   // which decoder made the frame (hwdec)
    formatStatus(s, out);
    CHECK(out.size() > 10);
    CHECK(out.substr(out.size() - 10) == "1.00x cuda");   // last: a narrow terminal cuts it first
    // Trick play: first on the line, after the pause mark.
    s.trick = ">> 16x keyframes";
    formatStatus(s, out);
    CHECK(out.rfind("|| >> 16x keyframes 01:01.5", 0) == 0);
    s.paused = false;
    formatStatus(s, out);
    CHECK(out.rfind(">> 16x keyframes 01:01.5", 0) == 0);
    s.trick = nullptr;
    s.paused = true;
    s.queues[1] = 1;
    CHECK(out.find(map) != std::string::npos);
    s.gopMap = nullptr;
    s.message = nullptr;
    s.hasDts = false;
    s.ordinalExact = false;
    s.key = true;
    s.pictType = 'I';
    s.paused = false;
    formatStatus(s, out);
    CHECK(out.find("> 01:01.5") == 0);
    CHECK(out.find("frame ~1537/3000") != std::string::npos);
    CHECK(out.find(" I* ") != std::string::npos);
    CHECK(out.find("dts -") != std::string::npos);
}

TEST_CASE("GOP map marks the keyframes around the frame") {
    char m[33];
    // keys 0, 100, 200, 300; frame 150: span 0..300 over 31 columns
    formatGopMap({0, 100, 200, 300}, 400, 150, 31, m);
    CHECK(std::string(m) == "K---------K----|----K---------K");
    // on a keyframe: '#'
    formatGopMap({0, 100, 200, 300}, 400, 100, 31, m);
    CHECK(std::string(m) == "K---------#---------K---------K");
    // last GOP: runs to the last frame
    formatGopMap({0, 100}, 200, 150, 21, m);
    CHECK(std::string(m) == "K---------K----|-----");
    // no keyframes known: empty
    formatGopMap({}, 0, 5, 21, m);
    CHECK(std::string(m).empty());
}

TEST_CASE("navigation keys") {
    CHECK(commandFor(Key{KeyCode::Char, ','}) == Command::StepBack);
    CHECK(commandFor(Key{KeyCode::ShiftLeft, 0}) == Command::SeekBackExact);
    CHECK(commandFor(Key{KeyCode::Char, 'j'}) == Command::SeekBackExact);
    CHECK(commandFor(Key{KeyCode::Char, 'l'}) == Command::SeekForwardExact);
    CHECK(commandFor(Key{KeyCode::PageUp, 0}) == Command::PrevKeyframe);
    CHECK(commandFor(Key{KeyCode::Char, '>'}) == Command::NextKeyframe);
    CHECK(commandFor(Key{KeyCode::Char, 'g'}) == Command::GotoFrame);
    CHECK(commandFor(Key{KeyCode::Home, 0}) == Command::FirstFrame);
    CHECK(commandFor(Key{KeyCode::Char, 's'}) == Command::Screenshot);
    // Speed: [ ] steps, { } halve / double, r reverses, \ is 1x.
    CHECK(commandFor(Key{KeyCode::Char, ']'}) == Command::SpeedUp);
    CHECK(commandFor(Key{KeyCode::Char, '{'}) == Command::SpeedHalve);
    CHECK(commandFor(Key{KeyCode::Char, '}'}) == Command::SpeedDouble);
    CHECK(commandFor(Key{KeyCode::Char, 'r'}) == Command::Reverse);
    CHECK(commandFor(Key{KeyCode::Char, '\\'}) == Command::SpeedReset);
    KeyParser p;
    p.feed("\x1b[1;2D\x1b[6~", 10);
    Key k;
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::ShiftLeft);
    REQUIRE(p.next(k));
    CHECK(k.code == KeyCode::PageDown);
}

TEST_CASE("volume, mute and fullscreen keys") {
    CHECK(commandFor(Key{KeyCode::Char, '9'}) == Command::VolumeDown);
    CHECK(commandFor(Key{KeyCode::Char, '0'}) == Command::VolumeUp);
    CHECK(commandFor(Key{KeyCode::Char, '/'}) == Command::VolumeDown);
    CHECK(commandFor(Key{KeyCode::Char, '*'}) == Command::VolumeUp);
    CHECK(commandFor(Key{KeyCode::Char, 'm'}) == Command::Mute);
    CHECK(commandFor(Key{KeyCode::Char, 'f'}) == Command::Fullscreen);
}
