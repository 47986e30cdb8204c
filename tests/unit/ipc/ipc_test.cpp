#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/ipc/ipc.h"

using namespace qv::ipc;

TEST_CASE("a command with arguments and a request id") {
    Request r = parseRequest(R"({"command": ["seek", 5.5, "absolute+exact"], "request_id": 42})");
    REQUIRE(r.ok);
    REQUIRE(r.args.size() == 3);
    CHECK(r.args[0] == "seek");
    CHECK(r.args[1] == "5.5");
    CHECK(r.args[2] == "absolute+exact");
    CHECK(r.requestId == 42);
}

TEST_CASE("booleans, escapes, other keys skipped") {
    Request r = parseRequest(R"( {"async": true, "x": {"a": [1, {"b": null}]}, "command": ["set", "pause", true]} )");
    REQUIRE(r.ok);
    CHECK(r.args == std::vector<std::string>{"set", "pause", "yes"});
    r = parseRequest(R"({"command": ["keypress", "a\"b\\c\n"]})");
    REQUIRE(r.ok);
    CHECK(r.args[1] == "a\"b\\c\n");
    CHECK(r.requestId == 0);
}

TEST_CASE("bad requests say why") {
    CHECK_FALSE(parseRequest("frame-step").ok);
    CHECK(parseRequest("frame-step").error == "not a JSON object");
    CHECK(parseRequest(R"({"command": []})").error == "no command");
    CHECK(parseRequest(R"({"request_id": 3})").error == "no command");
    CHECK(parseRequest(R"({"command": "quit"})").error == "command must be an array");
    CHECK_FALSE(parseRequest(R"({"command": ["quit")").ok);
    CHECK_FALSE(parseRequest(R"({"command": [{"a": 1}]})").ok);
}

TEST_CASE("json escaping") {
    CHECK(jsonEscape("a\"b\\c\x01") == "a\\\"b\\\\c\\u0001");
}
