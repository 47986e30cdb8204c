#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "app/cli.h"

#include <fstream>
#include <sstream>

using namespace qv::app;
using qv::Result;

namespace {
Result<ParsedArgs> parse(std::vector<const char *> v) {
    v.insert(v.begin(), "qv");
    return parseArgs(static_cast<int>(v.size()), const_cast<char **>(v.data()));
}
} // namespace

TEST_CASE("every option in the table is in --help") {
    const std::string h = helpText();
    for (const auto &o : optionTable()) {
        CAPTURE(o.longName);
        CHECK(h.find(std::string("--") + o.longName) != std::string::npos);
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
        CHECK(readme.find(std::string("--") + o.longName) != std::string::npos);
    }
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
