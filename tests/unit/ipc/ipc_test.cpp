#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/ipc/args.h"
#include "qv/ipc/ipc.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace qv;
using namespace qv::ipc;

TEST_CASE("a command with typed arguments and a request id") {
    Request r = parseRequest(R"({"command": ["seek", 5.5, "absolute+exact", 3, true], "request_id": 42})");
    REQUIRE(r.ok);
    CHECK(r.command == "seek");
    REQUIRE(r.args.size() == 4);
    CHECK(r.args[0].isReal());
    CHECK(r.args[0].asDouble() == 5.5);
    CHECK(r.args[1].asString() == "absolute+exact");
    CHECK(r.args[2].isInt());
    CHECK(r.args[3].isBool());
    CHECK(r.arg(3)->asBool());
    CHECK(r.arg(4) == nullptr);
    CHECK(r.requestId == 42);
}

TEST_CASE("other members are ignored; escapes decoded") {
    Request r = parseRequest(R"( {"async": true, "x": {"a": [1, {"b": null}]}, "command": ["set", "pause", true]} )");
    REQUIRE(r.ok);
    CHECK(r.command == "set");
    CHECK(r.args.size() == 2);
    r = parseRequest(R"({"command": ["keypress", "a\"b\\c\n\u00e9"]})");
    REQUIRE(r.ok);
    CHECK(r.args[0].asString() == "a\"b\\c\n\xc3\xa9");
    CHECK(r.requestId == 0);
    CHECK(parseRequest("{\"command\": [\"quit\"]}\r").ok);   // a CRLF line
}

TEST_CASE("bad requests say why, and keep the request id where they can") {
    CHECK(parseRequest("").error == "empty line: expected a JSON object with a command");
    CHECK(parseRequest("  \t\r").error == "empty line: expected a JSON object with a command");
    CHECK(parseRequest("frame-step").error == "invalid JSON: byte 0: expected a value");
    CHECK(parseRequest("[\"quit\"]").error == "expected a JSON object, got an array");
    CHECK(parseRequest(R"({"command": []})").error == "no command: the command array is empty");
    CHECK(parseRequest(R"({"request_id": 3})").error == "no command");
    CHECK(parseRequest(R"({"request_id": 3})").requestId == 3);
    CHECK(parseRequest(R"({"command": "quit"})").error == "command must be an array");
    CHECK(parseRequest(R"({"command": [5]})").error ==
          "the command name (the array's first element) must be a string");
    CHECK(parseRequest(R"({"command": ["quit"], "request_id": "7"})").error == "request_id must be an integer");
    CHECK(parseRequest(R"({"command": ["quit"], "request_id": 7.5})").error == "request_id must be an integer");
    CHECK_FALSE(parseRequest(R"({"command": ["quit")").ok);
    // Trailing junk after the object.
    CHECK(parseRequest(R"({"command": ["quit"]} x)").error ==
          "invalid JSON: byte 22: trailing characters after the JSON value");
    CHECK_FALSE(parseRequest(R"({"command": ["quit"]}{"command": ["quit"]})").ok);
    // Duplicate members (which "command" would count?).
    CHECK_FALSE(parseRequest(R"({"command": ["quit"], "command": ["frame-step"]})").ok);
    // Nested objects as arguments are kept, typed (the command decides).
    Request r = parseRequest(R"({"command": ["x", {"a": 1}]})");
    CHECK(r.ok);
    CHECK(r.args[0].isObject());
}

TEST_CASE("deep nesting and long lines are refused cleanly") {
    Request r = parseRequest("{\"x\":" + std::string(100000, '['));
    CHECK_FALSE(r.ok);
    CHECK(r.error == "invalid JSON: byte 0: longer than 65536 bytes");
    r = parseRequest("{\"x\":" + std::string(1000, '['));
    CHECK(r.error == "invalid JSON: byte 20: nested deeper than 16 levels");
    std::string longLine = R"({"command": ["keypress", ")" + std::string(kMaxLineBytes, 'a') + "\"]}";
    CHECK(parseRequest(longLine).error.find("longer than") != std::string::npos);
}

TEST_CASE("replies") {
    CHECK(successReply(7) == R"({"request_id": 7, "error": "success"})");
    CHECK(successReply(-1, R"({"ordinal": 3})") == R"({"request_id": -1, "error": "success", "data": {"ordinal": 3}})");
    CHECK(successReply(1, "\"/tmp/a b.png\"") == R"({"request_id": 1, "error": "success", "data": "/tmp/a b.png"})");
    CHECK(errorReply(2, "no \"such\" frame\n") == R"({"request_id": 2, "error": "no \"such\" frame\n"})");
    auto back = json::parse(errorReply(INT64_MAX, "x\xff"));
    REQUIRE(back.ok());
    CHECK(back.value().find("request_id")->asInt() == INT64_MAX);
}

// ---- argument readers ----

namespace {
json::Value val(const char *text) { return json::parse(text).value(); }
std::string msg(const Error &e) { return e.message; }
} // namespace

TEST_CASE("numberArg: NaN, infinities, huge values, junk refused") {
    json::Value v = val("2.5");
    CHECK(numberArg(&v, "speed", 0.1, 16).value() == 2.5);
    v = val("\"2.5\"");
    CHECK(numberArg(&v, "speed", 0.1, 16).value() == 2.5);
    v = val("16");
    CHECK(numberArg(&v, "speed", 0.1, 16).value() == 16);
    for (const char *bad : {"16.5", "0.05", "1e300", "-1e300", "\"nan\"", "\"NaN\"", "\"inf\"", "\"-inf\"",
                            "\"Infinity\"", "\"0x10\"", "\"2.5x\"", "\"\"", "\" \"", "\"2.5 3\"", "null", "true",
                            "[2]", "{}", "\"1e400\""}) {
        v = val(bad);
        auto r = numberArg(&v, "speed", 0.1, 16);
        CHECK_MESSAGE(!r.ok(), bad);
        if (!r.ok()) CHECK(msg(r.error()).rfind("speed: expected a number from 0.1 to 16, got ", 0) == 0);
    }
    v = val("1e300");
    CHECK(msg(numberArg(&v, "speed", 0.1, 16).error()) == "speed: expected a number from 0.1 to 16, got 1e+300");
    CHECK(msg(numberArg(nullptr, "speed", 0.1, 16).error()) == "speed: expected a number from 0.1 to 16, got nothing");
    const std::string longStr = "\"" + std::string(100, 'x') + "\"";
    v = val(longStr.c_str());
    CHECK(msg(numberArg(&v, "speed", 0.1, 16).error()).find("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"") !=
          std::string::npos);
}

TEST_CASE("integerArg: whole numbers only, in range") {
    json::Value v = val("12");
    CHECK(integerArg(&v, "goto-frame", 0, INT64_MAX).value() == 12);
    v = val("\"12\"");
    CHECK(integerArg(&v, "goto-frame", 0, INT64_MAX).value() == 12);
    for (const char *bad : {"-1", "12.0", "1e3", "12.5", "\"12.5\"", "9223372036854775808", "\"abc\"", "false"}) {
        v = val(bad);
        CHECK_MESSAGE(!integerArg(&v, "goto-frame", 0, INT64_MAX).ok(), bad);
    }
    v = val("151");
    CHECK(msg(integerArg(&v, "volume", 0, 150).error()) == "volume: expected a whole number from 0 to 150, got 151");
}

TEST_CASE("flagArg: yes or no, nothing else") {
    json::Value v = val("true");
    CHECK(flagArg(&v, "pause").value());
    v = val("false");
    CHECK_FALSE(flagArg(&v, "pause").value());
    v = val("\"yes\"");
    CHECK(flagArg(&v, "pause").value());
    v = val("\"no\"");
    CHECK_FALSE(flagArg(&v, "pause").value());
    for (const char *bad : {"\"maybe\"", "1", "0", "\"on\"", "\"true\"", "\"YES\"", "null", "\"\""}) {
        v = val(bad);
        CHECK_MESSAGE(!flagArg(&v, "pause").ok(), bad);
    }
    v = val("\"maybe\"");
    CHECK(msg(flagArg(&v, "pause").error()) == "pause: expected yes or no, got \"maybe\"");
    CHECK(msg(flagArg(nullptr, "pause").error()) == "pause: expected yes or no, got nothing");
}

TEST_CASE("secondsArg: range-checked, exact nanoseconds") {
    json::Value v = val("1.5");
    CHECK(secondsArg(&v, "seek target").value() == 1500000000);
    v = val("-2");
    CHECK(secondsArg(&v, "seek target").value() == -2000000000);
    v = val("0.000000001");
    CHECK(secondsArg(&v, "seek target").value() == 1);
    v = val("1000000000");
    CHECK(secondsArg(&v, "seek target").value() == 1000000000LL * 1000000000LL);
    for (const char *bad : {"1e300", "9e18", "9000000000000000000", "-1e300", "1000000000.5", "\"nan\"", "\"inf\"",
                            "\"5s\"", "null"}) {
        v = val(bad);
        CHECK_MESSAGE(!secondsArg(&v, "seek target").ok(), bad);
    }
    v = val("9e18");
    CHECK(msg(secondsArg(&v, "seek target").error()) ==
          "seek target: expected a number of seconds from -1000000000 to 1000000000, got 9e+18");
}

TEST_CASE("seekFlags: known flags only, no contradictions") {
    auto flags = [](const char *a, const char *b = nullptr) {
        json::Value va = a ? val(a) : json::Value(), vb = b ? val(b) : json::Value();
        return seekFlags(a ? &va : nullptr, b ? &vb : nullptr);
    };
    using P = SeekFlags::Precision;
    auto f = flags(nullptr);
    REQUIRE(f.ok());
    CHECK_FALSE(f->absolute);
    CHECK(f->precision == P::Default);
    f = flags("\"absolute+exact\"");
    CHECK((f->absolute && f->precision == P::Exact));
    f = flags("\"relative+keyframes\"");
    CHECK((!f->absolute && f->precision == P::Keyframes));
    f = flags("\"exact\"");
    CHECK((!f->absolute && f->precision == P::Exact));
    f = flags("\"absolute\"", "\"exact\"");   // mpv's older two-argument form
    CHECK((f->absolute && f->precision == P::Exact));
    for (auto [a, b] : std::initializer_list<std::pair<const char *, const char *>>{
             {"\"absolute+bogus\"", nullptr}, {"\"keyframe\"", nullptr}, {"\"absolute-percent\"", nullptr},
             {"\"\"", nullptr}, {"\"absolute+\"", nullptr}, {"\"+exact\"", nullptr},
             {"\"relative+absolute\"", nullptr}, {"\"exact+keyframes\"", nullptr}, {"\"absolute\"", "\"absolute\""},
             {"5", nullptr}, {"\"absolute\"", "true"}, {"\"ABSOLUTE\"", nullptr}}) {
        CHECK_MESSAGE(!flags(a, b).ok(), a, " ", (b ? b : ""));
    }
    CHECK(msg(flags("\"absolute+bogus\"").error()) ==
          "seek flags: unknown flag \"bogus\" (relative, absolute, exact, keyframes)");
}

TEST_CASE("argCount") {
    Request r = parseRequest(R"({"command": ["frame-step", 1]})");
    CHECK_FALSE(argCount(r, 0, 0).ok());
    CHECK(msg(argCount(r, 0, 0).error()) == "frame-step: expected 0 arguments, got 1");
    CHECK(argCount(r, 0, 1).ok());
    CHECK(msg(argCount(r, 2, 3).error()) == "frame-step: expected 2 to 3 arguments, got 1");
}

// ---- the server, over real sockets ----

namespace {

struct TestServer {
    std::string path = "/tmp/qv-ipc-unit-" + std::to_string(::getpid()) + ".sock";
    Server server;
    explicit TestServer(ServerLimits l = {}) : server(l) {
        std::string e;
        REQUIRE(server.listen(path, e));
    }
    int connect() {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0);
        return fd;
    }
    // Runs the server until it gave n lines (or a second passed).
    std::vector<Server::Line> lines(size_t n) {
        std::vector<Server::Line> out;
        for (int k = 0; k < 1000 && out.size() < n; ++k) {
            std::vector<pollfd> fds;
            server.pollFds(fds);
            ::poll(fds.data(), fds.size(), 1);
            server.read(out);
        }
        return out;
    }
    void spin(int times = 20) {
        std::vector<Server::Line> out;
        for (int k = 0; k < times; ++k) {
            server.read(out);
            ::usleep(1000);
        }
        CHECK(out.empty());
    }
};

void send(int fd, const std::string &s) { REQUIRE(::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size())); }

// What the socket has now (waits up to a second for the first byte).
std::string recvSome(int fd, int ms = 1000) {
    std::string got;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return got;
    char b[65536];
    for (;;) {
        ssize_t n = ::recv(fd, b, sizeof b, MSG_DONTWAIT);
        if (n <= 0) break;
        got.append(b, size_t(n));
    }
    return got;
}

bool closedByPeer(int fd) {
    pollfd p{fd, POLLIN, 0};
    for (int k = 0; k < 100; ++k) {
        if (::poll(&p, 1, 10) > 0) {
            char b[4096];
            ssize_t n = ::recv(fd, b, sizeof b, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("server: lines in order, every one handed out (empty ones too), ids never reused") {
    TestServer t;
    int a = t.connect();
    send(a, "{\"command\": [\"one\"]}\n\n  \nlast");
    auto got = t.lines(3);
    REQUIRE(got.size() == 3);
    CHECK(got[0].text == "{\"command\": [\"one\"]}");
    CHECK(got[1].text == "");
    CHECK(got[2].text == "  ");
    const ClientId first = got[0].client;
    CHECK(first != 0);
    ::shutdown(a, SHUT_WR);   // the last line, without its newline, counts at EOF
    got = t.lines(1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].text == "last");
    // Half-closed: it still reads its answers; closed once all four are answered.
    for (int k = 0; k < 4; ++k) t.server.reply(first, errorReply(k, "x"));
    CHECK(recvSome(a).size() > 4 * 20);
    CHECK(closedByPeer(a));
    ::close(a);
    // Later clients get new ids, even when they get the same fd.
    std::vector<ClientId> ids{first};
    for (int k = 0; k < 5; ++k) {
        int c = t.connect();
        send(c, "x\n");
        auto l = t.lines(1);
        REQUIRE(l.size() == 1);
        CHECK(std::find(ids.begin(), ids.end(), l[0].client) == ids.end());
        ids.push_back(l[0].client);
        ::close(c);
        t.spin(3);
    }
}

TEST_CASE("server: a reply for a client that has gone is dropped, not given to the next") {
    TestServer t;
    int a = t.connect();
    send(a, "{\"command\": [\"goto-frame\", 5]}\n");
    auto got = t.lines(1);
    REQUIRE(got.size() == 1);
    const ClientId old = got[0].client;
    ::close(a);
    t.spin(5);   // the server sees the hang-up
    int b = t.connect();
    send(b, "{\"command\": [\"get\", \"ordinal\"], \"request_id\": 2}\n");
    auto got2 = t.lines(1);
    REQUIRE(got2.size() == 1);
    CHECK(got2[0].client != old);
    t.server.reply(old, errorReply(1, "old"));   // the answer for the client that left
    CHECK_FALSE(t.server.connected(old));
    t.server.reply(got2[0].client, successReply(2));
    CHECK(recvSome(b) == "{\"request_id\": 2, \"error\": \"success\"}\n");
    ::close(b);
}

TEST_CASE("server: an over-long line is answered with an error, then the connection closes") {
    ServerLimits l;
    l.maxLineBytes = 1000;
    TestServer t(l);
    int a = t.connect();
    std::string big(5000, 'x');
    ::send(a, big.data(), big.size(), MSG_NOSIGNAL);
    auto got = t.lines(1);
    CHECK(got.empty());
    std::string r = recvSome(a);
    CHECK(r == "{\"request_id\": 0, \"error\": \"line too long: a request is at most 1000 bytes\"}\n");
    CHECK(closedByPeer(a));
    CHECK(t.server.clientCount() == 0);
    ::close(a);
    // Exactly at the limit is a line.
    int b = t.connect();
    send(b, std::string(1000, 'y') + "\n");
    got = t.lines(1);
    REQUIRE(got.size() == 1);
    CHECK(got[0].text.size() == 1000);
    ::close(b);
}

TEST_CASE("server: a client that does not read is disconnected, never waited for") {
    ServerLimits l;
    l.maxQueuedBytes = 64 * 1024;
    TestServer t(l);
    int slow = t.connect();
    int fast = t.connect();
    send(slow, "a\n");
    send(fast, "b\n");
    auto got = t.lines(2);
    REQUIRE(got.size() == 2);
    const ClientId s = got[0].text == "a" ? got[0].client : got[1].client;
    const ClientId f = got[0].text == "a" ? got[1].client : got[0].client;
    // Far more than the socket buffer and the queue: reply() returns at once
    // every time, and at some point the slow client is cut off.
    const std::string reply = errorReply(1, std::string(1000, 'z'));
    int sent = 0;
    while (t.server.connected(s) && sent < 100000) {
        t.server.reply(s, reply);
        ++sent;
    }
    CHECK_FALSE(t.server.connected(s));
    CHECK(sent < 100000);
    std::vector<pollfd> fds;
    t.server.pollFds(fds);
    CHECK(std::none_of(fds.begin(), fds.end(), [](const pollfd &p) { return (p.events & POLLOUT) != 0; }));
    // The other client is served as ever.
    t.server.reply(f, successReply(3));
    CHECK(recvSome(fast) == "{\"request_id\": 3, \"error\": \"success\"}\n");
    ::close(slow);
    ::close(fast);
}

TEST_CASE("server: replies that do not fit wait for POLLOUT and then go out") {
    ServerLimits l;
    l.maxQueuedBytes = 4 << 20;
    TestServer t(l);
    int a = t.connect();
    send(a, "a\n");
    auto got = t.lines(1);
    REQUIRE(got.size() == 1);
    const std::string reply = errorReply(1, std::string(500000, 'q'));
    for (int k = 0; k < 3; ++k) t.server.reply(got[0].client, reply);
    std::vector<pollfd> fds;
    t.server.pollFds(fds);
    CHECK(std::any_of(fds.begin(), fds.end(), [](const pollfd &p) { return (p.events & POLLOUT) != 0; }));
    std::string all;
    for (int k = 0; k < 2000 && all.size() < 3 * (reply.size() + 1); ++k) {
        all += recvSome(a, 5);
        std::vector<Server::Line> none;
        t.server.read(none);
    }
    CHECK(all.size() == 3 * (reply.size() + 1));
    CHECK(t.server.connected(got[0].client));
    ::close(a);
}

TEST_CASE("server: a burst of clients is taken, past the cap they are told so") {
    ServerLimits l;
    l.maxClients = 40;
    TestServer t(l);
    std::vector<int> fds;
    for (int k = 0; k < 50; ++k) fds.push_back(t.connect());   // the backlog holds them all
    for (int fd : fds) send(fd, "x\n");
    auto got = t.lines(40);
    CHECK(got.size() == 40);
    int refused = 0;
    ::usleep(50000);
    for (int fd : fds) {
        std::string r = recvSome(fd, 0);
        if (r.find("too many clients") != std::string::npos) ++refused;
        ::close(fd);
    }
    CHECK(refused == 10);
}
