#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/core/json.h"

#include <clocale>
#include <cmath>
#include <limits>

using namespace qv::json;

namespace {

Value ok(std::string_view text, const Limits &l = {}) {
    auto r = parse(text, l);
    INFO(text);
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return std::move(r).value();
}

std::string err(std::string_view text, const Limits &l = {}) {
    auto r = parse(text, l);
    if (r.ok()) return "(parsed)";
    return r.error().message;
}

} // namespace

TEST_CASE("scalars keep their types; integers stay integers") {
    CHECK(ok("null").isNull());
    CHECK(ok("true").asBool());
    CHECK_FALSE(ok("false").asBool());
    CHECK(ok("false").isBool());
    Value i = ok("-42");
    CHECK(i.isInt());
    CHECK(i.asInt() == -42);
    CHECK(ok("0").isInt());
    CHECK(ok("-0").isInt());
    CHECK(ok("5.0").isReal());
    CHECK(ok("5e0").isReal());
    CHECK(ok("5E+2").asDouble() == 500);
    CHECK(ok("2.5").asDouble() == 2.5);
    CHECK(ok("9223372036854775807").asInt() == INT64_MAX);
    CHECK(ok("-9223372036854775808").asInt() == INT64_MIN);
    // Past int64: a Real, not a wrapped integer.
    Value big = ok("9223372036854775808");
    CHECK(big.isReal());
    CHECK(big.asDouble() == 9223372036854775808.0);
    CHECK(ok("-99999999999999999999999").isReal());
    CHECK(ok("1e-400").asDouble() == 0);
    CHECK(ok(" \t\r\n \"x\" \n").asString() == "x");
}

TEST_CASE("strict: malformed JSON is refused with the byte offset") {
    CHECK(err("") == "byte 0: no JSON value");
    CHECK(err("   ") == "byte 3: no JSON value");
    CHECK(err("{\"a\": 1} x") == "byte 9: trailing characters after the JSON value");
    CHECK(err("[1] [2]") == "byte 4: trailing characters after the JSON value");
    CHECK(err("[1,]").find("expected a value") != std::string::npos);
    CHECK(err("[1 2]") == "byte 3: expected ',' or ']'");
    CHECK(err("{\"a\" 1}") == "byte 5: expected ':' after a member name");
    CHECK(err("{a: 1}") == "byte 1: expected a member name in quotes");
    CHECK(err("{\"a\": 1,}") == "byte 8: expected a member name in quotes");
    CHECK(err("{\"a\": 1, \"a\": 2}").find("duplicate member name \"a\"") != std::string::npos);
    CHECK(err("[") == "byte 1: the text ends inside a value");
    CHECK(err("[1") == "byte 2: expected ',' or ']'");
    CHECK(err("\"abc") == "byte 0: a string is not closed");
    CHECK(err("tru") == "byte 0: expected a value");
    CHECK(err("True") == "byte 0: expected a value");
    CHECK(err("NaN") == "byte 0: expected a value");
    CHECK(err("Infinity") == "byte 0: expected a value");
    CHECK(err("-Infinity") == "byte 0: a number needs digits");
    CHECK(err("01") == "byte 0: a number with a leading zero");
    CHECK(err("1.") == "byte 0: a number needs digits after '.'");
    CHECK(err(".5") == "byte 0: expected a value");
    CHECK(err("1e") == "byte 0: a number needs digits in its exponent");
    CHECK(err("+1") == "byte 0: expected a value");
    CHECK(err("0x10") == "byte 1: trailing characters after the JSON value");
    CHECK(err("1e400") == "byte 0: a number too large for a double");
    CHECK(err("-1e400") == "byte 0: a number too large for a double");
    CHECK(err("\"a\tb\"") == "byte 2: a control character inside a string (escape it)");
    CHECK(err(std::string("\"a\0b\"", 5)) == "byte 2: a control character inside a string (escape it)");
    CHECK(err(std::string("[1]\0", 4)) == "byte 3: trailing characters after the JSON value");
    CHECK(err("\"\\x\"") == "byte 1: an unknown escape \\x");
    CHECK(err("\"\\u12\"") == "byte 3: \\u needs four hex digits");
    CHECK(err("\"\\u12g4\"") == "byte 3: \\u needs four hex digits");
}

TEST_CASE("\\u escapes decode to UTF-8, surrogate pairs included") {
    CHECK(ok(R"("\u0041")").asString() == "A");
    CHECK(ok(R"("\u00e9")").asString() == "\xc3\xa9");         // é: two bytes, not cut to 7 bits
    CHECK(ok(R"("\u20AC")").asString() == "\xe2\x82\xac");     // €
    CHECK(ok(R"("\uD83D\uDE00")").asString() == "\xf0\x9f\x98\x80");   // 😀
    CHECK(ok(R"("\udbff\udfff")").asString() == "\xf4\x8f\xbf\xbf");   // U+10FFFF
    CHECK(ok(R"("\u0000")").asString() == std::string("\0", 1));
    CHECK(ok(R"("\"\\\/\b\f\n\r\t")").asString() == "\"\\/\b\f\n\r\t");
    CHECK(err(R"("\ud83d")") == "byte 1: a high surrogate without its low half");
    CHECK(err(R"("\ud83dx")") == "byte 1: a high surrogate without its low half");
    CHECK(err(R"("\ud83d\u0041")") == "byte 1: a high surrogate without its low half");
    CHECK(err(R"("\ude00")") == "byte 1: a lone low surrogate (\\udc00..\\udfff)");
    // Raw UTF-8 passes through; bytes that are not UTF-8 are refused.
    CHECK(ok("\"\xc3\xa9\xf0\x9f\x98\x80\"").asString() == "\xc3\xa9\xf0\x9f\x98\x80");
    CHECK(err("\"\xff\"") == "byte 1: a string is not valid UTF-8");
    CHECK(err("\"\xc3\"") == "byte 1: a string is not valid UTF-8");
    CHECK(err("\"\xc0\xaf\"") == "byte 1: a string is not valid UTF-8");         // overlong '/'
    CHECK(err("\"\xed\xa0\x80\"") == "byte 1: a string is not valid UTF-8");     // encoded surrogate
    CHECK(err("\"\xf4\x90\x80\x80\"") == "byte 1: a string is not valid UTF-8"); // past U+10FFFF
}

TEST_CASE("arrays and objects, members in order") {
    Value v = ok(R"({"command": ["seek", 5.5, "absolute"], "request_id": 7, "x": {"y": [true, null, {}]}})");
    REQUIRE(v.isObject());
    CHECK(v.size() == 3);
    CHECK(v.keyAt(0) == "command");
    CHECK(v.keyAt(2) == "x");
    const Value *c = v.find("command");
    REQUIRE(c);
    REQUIRE(c->isArray());
    CHECK(c->size() == 3);
    CHECK(c->at(0).asString() == "seek");
    CHECK(c->at(1).isReal());
    CHECK(c->at(1).asDouble() == 5.5);
    CHECK(c->at(3).isNull());   // past the end
    CHECK(v.find("request_id")->asInt() == 7);
    CHECK(v.find("nope") == nullptr);
    CHECK(v.find("x")->find("y")->at(2).isObject());
    CHECK(ok("[]").isArray());
    CHECK(ok("{}").size() == 0);
    CHECK(ok(" [ ] ").isArray());
}

TEST_CASE("limits: depth and size refused cleanly, never a crash") {
    // 100000 '[' (the issue's stack overflow): refused at the depth limit.
    std::string deep(100000, '[');
    CHECK(err(deep) == "byte 64: nested deeper than 64 levels");
    CHECK(err("{\"x\":" + deep) == "byte 68: nested deeper than 64 levels");
    // Even with the limit lifted the parser does not recurse: it ends at
    // the end of the text.
    Limits wide;
    wide.maxDepth = 1 << 30;
    CHECK(err(deep, wide) == "byte 100000: the text ends inside a value");
    // And a deep value that does parse is destroyed, copied, compared and
    // written without recursion either.
    std::string closed = std::string(100000, '[') + std::string(100000, ']');
    Value d = ok(closed, wide);
    Value copy = d;
    CHECK(copy == d);
    CHECK(write(copy) == closed);
    // Exactly at the limit is fine.
    Limits three;
    three.maxDepth = 3;
    CHECK(ok("[[[1]]]", three).isArray());
    CHECK(err("[[[[1]]]]", three) == "byte 3: nested deeper than 3 levels");
    CHECK(err("{\"a\":{\"b\":{\"c\":{}}}}", three) == "byte 15: nested deeper than 3 levels");
    Limits zero;
    zero.maxDepth = 0;
    CHECK(ok("5", zero).asInt() == 5);
    CHECK(err("[]", zero) == "byte 0: nested deeper than 0 levels");
    // Size: refused before it is read.
    Limits small;
    small.maxBytes = 10;
    CHECK(ok("[1,2,3,4]", small).size() == 4);
    CHECK(err("[1,2,3,4,5]", small) == "byte 0: longer than 10 bytes");
}

TEST_CASE("values: build, copy, move, compare") {
    Value o = Value::object();
    o.set("a", Value::integer(1));
    o.set("b", Value::array()).push(Value::string("x"));
    o.set("a", Value::real(2.5));   // replaces
    CHECK(o.size() == 2);
    CHECK(o.find("a")->asDouble() == 2.5);
    Value c = o;
    CHECK(c == o);
    c.set("a", Value::integer(2));
    CHECK(c != o);
    CHECK(Value::integer(1) != Value::real(1.0));
    Value m = std::move(c);
    CHECK(m.find("b")->at(0).asString() == "x");
    // Assigning a value its own descendant.
    Value nest = ok("[[1, [2]], 3]");
    nest = Value(nest.at(0));
    CHECK(write(nest) == "[1, [2]]");
    Value nest2 = ok("[[1, [2]], 3]");
    nest2 = nest2.at(0).at(1);
    CHECK(write(nest2) == "[2]");
}

TEST_CASE("writer: qv's separators, escapes, numbers") {
    Writer w;
    w.beginObject();
    w.key("path").string("a\"b\\c\n\t\x01\x1f");
    w.key("n").integer(-5);
    w.key("big").integer(INT64_MIN);
    w.key("r").real(90);
    w.key("r2").real(-0.1);
    w.key("r3").real(1234567.0);
    w.key("r4").real(1e21);
    w.key("r5").real(0.1 + 0.2);
    w.key("z").real(-0.0);
    w.key("g").real(-90.00000250447816, 6);
    w.key("f").fixed(0.48, 6);
    w.key("f1").fixed(12.34, 1);
    w.key("nan").real(std::nan(""));
    w.key("inf").fixed(std::numeric_limits<double>::infinity(), 3);
    w.key("list").beginArray().integer(1).boolean(true).null().beginArray().endArray().endArray();
    w.key("empty").beginObject().endObject();
    w.key("raw").raw("{\"x\": 1}");
    w.endObject();
    CHECK(w.complete());
    CHECK(w.str() ==
          "{\"path\": \"a\\\"b\\\\c\\n\\t\\u0001\\u001f\", \"n\": -5, \"big\": -9223372036854775808, \"r\": 90, "
          "\"r2\": -0.1, \"r3\": 1234567, \"r4\": 1e+21, \"r5\": 0.30000000000000004, \"z\": 0, \"g\": -90, "
          "\"f\": 0.480000, \"f1\": 12.3, \"nan\": null, \"inf\": null, \"list\": [1, true, null, []], "
          "\"empty\": {}, \"raw\": {\"x\": 1}}");
    // What it writes parses back to the same values.
    Value back = ok(w.str());
    CHECK(back.find("r5")->asDouble() == 0.1 + 0.2);
    CHECK(back.find("big")->asInt() == INT64_MIN);
    CHECK(back.find("path")->asString() == "a\"b\\c\n\t\x01\x1f");
}

TEST_CASE("writer: output is always valid UTF-8 JSON") {
    CHECK(qv::json::quoted("\xc3\xa9") == "\"\xc3\xa9\"");
    CHECK(qv::json::quoted("a\xff" "b") == "\"a\xef\xbf\xbd" "b\"");
    CHECK(qv::json::quoted("\xc3") == "\"\xef\xbf\xbd\"");
    CHECK(ok(qv::json::quoted("\xed\xa0\x80 \xf0\x9f\x98")).isString());
    CHECK(qv::json::quoted(std::string("\0", 1)) == "\"\\u0000\"");
}

TEST_CASE("numbers ignore the process locale") {
    // de_DE writes 0,5; qv must not. Only checked where the locale exists.
    const char *set = std::setlocale(LC_NUMERIC, "de_DE.UTF-8");
    if (!set) set = std::setlocale(LC_NUMERIC, "fr_FR.UTF-8");
    Writer w;
    w.beginArray().real(0.5).fixed(0.25, 2).endArray();
    CHECK(w.str() == "[0.5, 0.25]");
    CHECK(ok("2.5").asDouble() == 2.5);
    std::setlocale(LC_NUMERIC, "C");
    MESSAGE("locale for the check: ", std::string(set ? set : "(none installed, C only)"));
}

TEST_CASE("round trip of what the parser reads") {
    for (const char *t : {R"({"a": [1, 2.5, "x", true, false, null, {"b": {}}], "c": "\u00e9\ud83d\ude00"})",
                          "[]", "{}", "0", "-1.5e-7", "\"\""}) {
        Value v = ok(t);
        CHECK(ok(write(v)) == v);
    }
}
