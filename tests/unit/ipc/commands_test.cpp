// Control-socket commands become intents strictly; properties read a snapshot.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "ipc/commands.h"

using namespace qv;

namespace {
bool intent(const char *line, Intent &i, std::string &err) {
    const ipc::Request r = ipc::parseRequest(line);
    REQUIRE(r.ok);
    return ipc::toIntent(r, i, err);
}
} // namespace

TEST_CASE("seeks: relative by default, absolute, exact or keyframes") {
    Intent i;
    std::string e;
    REQUIRE(intent(R"({"command": ["seek", 5.5]})", i, e));
    CHECK(i.kind == IntentKind::SeekRelative);
    CHECK(i.value == 5.5);
    CHECK(i.mode == SeekMode::Default);
    REQUIRE(intent(R"({"command": ["seek", 8, "absolute", "exact"]})", i, e));
    CHECK(i.kind == IntentKind::SeekAbsolute);
    CHECK(i.mode == SeekMode::Exact);
    REQUIRE(intent(R"({"command": ["seek", -3, "relative+keyframes"]})", i, e));
    CHECK(i.kind == IntentKind::SeekRelative);
    CHECK(i.mode == SeekMode::Keyframe);
}

TEST_CASE("seek targets out of range, not numbers, or with unknown flags are refused") {
    Intent i;
    std::string e;
    CHECK_FALSE(intent(R"({"command": ["seek", 1e300]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", 9e18, "absolute", "exact"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", "nan"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", "inf"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", "5s"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", 5, "sideways"]})", i, e));
    CHECK(e.find("sideways") != std::string::npos);
    CHECK_FALSE(intent(R"({"command": ["seek", 5, "exact+keyframes"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek", -5, "absolute"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["seek"]})", i, e));
}

TEST_CASE("set and cycle take known properties and values only") {
    Intent i;
    std::string e;
    REQUIRE(intent(R"({"command": ["set", "pause", true]})", i, e));
    CHECK(i.kind == IntentKind::SetPause);
    CHECK(i.flag);
    REQUIRE(intent(R"({"command": ["set_property", "pause", "no"]})", i, e));
    CHECK_FALSE(i.flag);
    CHECK_FALSE(intent(R"({"command": ["set", "pause", "maybe"]})", i, e));
    REQUIRE(intent(R"({"command": ["set", "speed", 1.5]})", i, e));
    CHECK(i.kind == IntentKind::SpeedSet);
    CHECK(i.value == 1.5);
    REQUIRE(intent(R"({"command": ["set", "speed", -16]})", i, e));   // backwards: trick play
    CHECK(i.value == -16);
    CHECK_FALSE(intent(R"({"command": ["set", "speed", 100]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["set", "speed", -65]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["set", "speed", "nan"]})", i, e));
    REQUIRE(intent(R"({"command": ["set", "volume", 80]})", i, e));
    CHECK(i.kind == IntentKind::VolumeSet);
    CHECK_FALSE(intent(R"({"command": ["set", "volume", 151]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["set", "colour", "red"]})", i, e));
    REQUIRE(intent(R"({"command": ["set", "latency", "low"]})", i, e));
    CHECK(i.kind == IntentKind::LatencySet);
    CHECK(i.flag);
    REQUIRE(intent(R"({"command": ["set", "latency", "normal"]})", i, e));
    CHECK_FALSE(i.flag);
    CHECK_FALSE(intent(R"({"command": ["set", "latency", "lowest"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["set", "latency", 1]})", i, e));
    REQUIRE(intent(R"({"command": ["cycle", "mute"]})", i, e));
    CHECK(i.kind == IntentKind::MuteToggle);
}

TEST_CASE("frame commands, go-to, stray arguments and unknown commands") {
    Intent i;
    std::string e;
    REQUIRE(intent(R"({"command": ["frame-back-step"]})", i, e));
    CHECK(i.kind == IntentKind::StepBack);
    REQUIRE(intent(R"({"command": ["goto-frame", 120]})", i, e));
    CHECK(i.kind == IntentKind::GotoFrame);
    CHECK(i.n == 120);
    CHECK_FALSE(intent(R"({"command": ["goto-frame", -1]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["goto-frame", 1.5]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["goto-frame", "99999999999999999999999"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["frame-step", 3]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["launch"]})", i, e));
    CHECK(e == "unknown command launch");
}

TEST_CASE("properties come from the snapshot as JSON") {
    PlayerSnapshot s;
    s.frame.ordinal = 12;
    s.frame.ptsNs = 480000000;
    s.frame.pictType = 'B';
    s.frame.dts = 10;
    s.frame.tbNum = 1;
    s.frame.tbDen = 25;
    s.paused = true;
    s.frameCount = 50;
    s.filename = "a\"b.mp4";
    std::string j;
    REQUIRE(ipc::property("ordinal", s, j));
    CHECK(j == "12");
    REQUIRE(ipc::property("pause", s, j));
    CHECK(j == "true");
    REQUIRE(ipc::property("pict-type", s, j));
    CHECK(j == "\"B\"");
    REQUIRE(ipc::property("dts", s, j));
    CHECK(j == "0.400000");
    REQUIRE(ipc::property("filename", s, j));
    CHECK(j == "\"a\\\"b.mp4\"");
    REQUIRE(ipc::property("frame-info", s, j));
    CHECK(j == R"({"ordinal": 12, "exact": true, "pts": 0.480000, "type": "B", "key": false, "paused": true})");
    CHECK_FALSE(ipc::property("no-such-thing", s, j));
}

TEST_CASE("the key map: every command a key gives becomes the same intent IPC would") {
    CHECK(intentForCommand(tui::Command::StepBack).kind == IntentKind::StepBack);
    const Intent j = intentForCommand(tui::Command::SeekBackExact);
    CHECK(j.kind == IntentKind::SeekRelative);
    CHECK(j.value == -1);
    CHECK(j.mode == SeekMode::Exact);
    CHECK(intentForCommand(tui::Command::SpeedUp).kind == IntentKind::SpeedStep);
    CHECK(intentForCommand(tui::Command::SpeedUp).value == 1);
    CHECK(intentForCommand(tui::Command::SpeedDown).value == -1);
    CHECK(intentForCommand(tui::Command::SpeedDouble).kind == IntentKind::SpeedScale);
    CHECK(intentForCommand(tui::Command::SpeedDouble).value == 2);
    CHECK(intentForCommand(tui::Command::Reverse).kind == IntentKind::SpeedReverse);
    CHECK(intentForCommand(tui::Command::None).kind == IntentKind::None);
}

TEST_CASE("marks and export: the keys ( ) X and the commands give the same intents") {
    Intent i;
    std::string e;
    REQUIRE(intent(R"({"command": ["mark-in"]})", i, e));
    CHECK(i.kind == IntentKind::MarkIn);
    REQUIRE(intent(R"({"command": ["mark-out"]})", i, e));
    CHECK(i.kind == IntentKind::MarkOut);
    REQUIRE(intent(R"({"command": ["export"]})", i, e));
    CHECK(i.kind == IntentKind::Export);
    CHECK(i.text.empty());
    REQUIRE(intent(R"({"command": ["export", "/tmp/cut.mkv"]})", i, e));
    CHECK(i.text == "/tmp/cut.mkv");
    CHECK_FALSE(intent(R"({"command": ["export", ""]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["export", 5]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["export", "a", "b"]})", i, e));
    CHECK_FALSE(intent(R"({"command": ["mark-in", 3]})", i, e));
    tui::Key k;
    k.code = tui::KeyCode::Char;
    for (auto [c, want] : {std::pair<char, IntentKind>{'(', IntentKind::MarkIn}, {')', IntentKind::MarkOut},
                           {'X', IntentKind::Export}}) {
        k.ch = c;
        CHECK(intentForCommand(tui::commandFor(k)).kind == want);
    }
}
