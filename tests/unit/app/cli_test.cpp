#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "app/cli.h"

#include <cctype>
#include <fstream>
#include <sstream>

using namespace qv::app;
using qv::Result;

namespace {
// "--name" as a whole option name in text (not "--frame" inside "--frames").
bool hasOption(const std::string &text, const std::string &name) {
    const std::string needle = "--" + name;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        const size_t end = at + needle.size();
        const bool before = at == 0 || text[at - 1] == ' ' || text[at - 1] == '`' || text[at - 1] == '\n';
        const char c = end < text.size() ? text[end] : ' ';
        const bool after = !(std::isalnum(static_cast<unsigned char>(c)) || c == '-');
        if (before && after) return true;
    }
    return false;
}

Result<ParsedArgs> parse(std::vector<const char *> v) {
    v.insert(v.begin(), "qv");
    return parseArgs(static_cast<int>(v.size()), const_cast<char **>(v.data()));
}
} // namespace

TEST_CASE("every option in the table is in --help") {
    const std::string h = helpText();
    for (const auto &o : optionTable()) {
        CAPTURE(o.longName);
        CHECK(hasOption(h, o.longName));
        CHECK(h.find(o.help) != std::string::npos);
    }
}

TEST_CASE("the README lists every option of the table") {
    std::ifstream f(QV_SOURCE_ROOT "/README.md");
    REQUIRE(f.good());
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string readme = ss.str();
    for (const auto &o : optionTable()) {
        CAPTURE(o.longName);
        CHECK(hasOption(readme, o.longName));
    }
}

TEST_CASE("a name inside a longer one does not count") {
    CHECK(hasOption("  --frames=N  stop", "frames"));
    CHECK_FALSE(hasOption("  --frames=N  stop", "frame"));
    CHECK_FALSE(hasOption("  --frame-log=FILE", "frame"));
    CHECK(hasOption("`--frame N`", "frame"));
}

TEST_CASE("options with values, flags, commands") {
    auto a = parse({"info", "f.mp4", "--json"});
    REQUIRE(a.ok());
    CHECK(a.value().command == "info");
    CHECK(a.value().positional.size() == 1);
    CHECK(a.value().has("json"));
    auto b = parse({"clip.mkv", "--display=null", "--frames", "10", "-vv"});
    REQUIRE(b.ok());
    CHECK(b.value().command == "play");
    CHECK(b.value().get("display") == "null");
    CHECK(b.value().get("frames") == "10");
    CHECK(b.value().verbose == 2);
    auto c = parse({"thumb", "x.mp4", "-o", "out.png", "--at=1.5"});
    REQUIRE(c.ok());
    CHECK(c.value().get("output") == "out.png");
}

TEST_CASE("bad command lines are usage errors") {
    CHECK_FALSE(parse({"--bogus"}).ok());
    CHECK_FALSE(parse({"--frames"}).ok());
    CHECK_FALSE(parse({"--stats=yes"}).ok());
    CHECK_FALSE(parse({"info", "x", "--frames=3"}).ok());   // not an info option
    CHECK(parse({"--bogus"}).error().kind == qv::ErrorKind::Usage);
}

TEST_CASE("values are checked against the table's type and range") {
    CHECK_FALSE(parse({"--threads=abc"}).ok());
    CHECK_FALSE(parse({"--threads=65"}).ok());
    CHECK_FALSE(parse({"--threads=-1"}).ok());
    CHECK(parse({"--threads=2"}).value().integer("threads") == 2);
    CHECK_FALSE(parse({"--speed=nan"}).ok());
    CHECK_FALSE(parse({"--speed=0.05"}).ok());
    CHECK(parse({"--speed=1.5"}).value().real("speed") == 1.5);
    CHECK_FALSE(parse({"--frames=0"}).ok());
    CHECK_FALSE(parse({"--seek=sideways"}).ok());
    CHECK(parse({"--seek", "exact"}).ok());
    CHECK_FALSE(parse({"--max-bandwidth=10"}).ok());
    CHECK(parse({"--max-bandwidth=2M"}).value().bytes("max-bandwidth") == 2 * 1024 * 1024);
    CHECK_FALSE(parse({"--latency=lowest"}).ok());
    CHECK(parse({"--latency=low"}).value().get("latency") == "low");
    CHECK_FALSE(parse({"--reconnect=maybe"}).ok());
    CHECK(parse({"--timeout=2.5"}).value().timeNs("timeout") == 2500000000LL);
    CHECK_FALSE(parse({"--timeout=-1"}).ok());
    // --demuxer-opt gathers its values (one per line), in order.
    CHECK(parse({"--demuxer-opt=fifo_size=1", "--demuxer-opt", "rtsp_transport=tcp"}).value().get("demuxer-opt") ==
          "fifo_size=1\nrtsp_transport=tcp");
    CHECK_FALSE(parse({"--start=-3"}).ok());
    CHECK(parse({"--start=1:30"}).value().timeNs("start") == 90000000000LL);
    CHECK_FALSE(parse({"thumb", "x", "-o", "o.png", "--width=0"}).ok());
    auto e = parse({"--volume=151"});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message == "--volume needs an integer from 0 to 150 (not '151')");
    // Every typed option's range is sane.
    for (const auto &o : optionTable()) {
        CAPTURE(o.longName);
        if (o.type == OptType::Int || o.type == OptType::Real || o.type == OptType::Time || o.type == OptType::Size)
            CHECK(o.min < o.max);
        if (o.type == OptType::Choice) CHECK(o.choices != nullptr);
        if (o.type != OptType::Text) CHECK(o.argName != nullptr);
    }
}

TEST_CASE("times and sizes") {
    CHECK(parseTime("90").value() == 90000000000LL);
    CHECK(parseTime("1:30").value() == 90000000000LL);
    CHECK(parseTime("1:02:03.5").value() == 3723500000000LL);
    CHECK(parseTime("0.04").value() == 40000000LL);
    CHECK_FALSE(parseTime("abc").ok());
    CHECK_FALSE(parseTime("-1").ok());
    CHECK(parseSize("256MiB").value() == 256LL * 1024 * 1024);
    CHECK(parseSize("1M").value() == 1024LL * 1024);
    CHECK_FALSE(parseSize("x").ok());
}

TEST_CASE("times and sizes: no NaN, infinity or overflow (found by tools/fuzz cli)") {
    for (const char *t : {"inf", "nan", "-nan", "infinity", "1e300", "1:inf", "9e18", "1e10"})
        CHECK_MESSAGE(!parseTime(t).ok(), t);
    CHECK(parseTime("1000000000").ok());
    for (const char *s : {"inf", "nan", "infG", "1e300", "1e10G"}) CHECK_MESSAGE(!parseSize(s).ok(), s);
}
