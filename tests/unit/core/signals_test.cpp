// The fatal-restore registry: every slot runs on a fatal signal, in order,
// on the alternate stack too (a stack overflow), and the process still dies
// of the signal. Each case runs in a forked child.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/core/signals.h"
#include "qv/core/test_faults.h"

#include <csignal>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {
int gPipe = -1;
void say(void *ctx) { (void)!::write(gPipe, ctx, std::strlen(static_cast<const char *>(ctx))); }

// Runs body in a child; returns what the slots wrote and how it ended.
std::string inChild(void (*body)(), int &status) {
    int p[2];
    REQUIRE(pipe(p) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        gPipe = p[1];
        body();
        _exit(0);
    }
    close(p[1]);
    std::string out;
    char buf[64];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(p[0]);
    waitpid(pid, &status, 0);
    return out;
}

// Killed by SIGSEGV; under a sanitizer, whose handler qv's chains to, its
// report ends the process with the sanitizer's exit code instead.
bool diedOfSegv(int status) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    if (WIFEXITED(status)) return WEXITSTATUS(status) != 0;
#endif
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

int recurse(int n) {   // a stack overflow the compiler cannot turn into a loop
    volatile char pad[4096];
    pad[0] = static_cast<char>(n);
    return n > 1 << 30 ? pad[0] : recurse(n + 1) + pad[0];
}
} // namespace

TEST_CASE("slots run in order on SIGSEGV, then the process dies of it") {
    int status = 0;
    const std::string out = inChild(
        [] {
            qv::sig::installFatalHandlers();
            static char t[] = "T", s[] = "S", c[] = "C", gone[] = "X";
            qv::sig::addFatalRestore(say, t, qv::sig::kOrderTerminal);
            const int x = qv::sig::addFatalRestore(say, gone, qv::sig::kOrderScreen);
            qv::sig::addFatalRestore(say, c, qv::sig::kOrderConsole);
            qv::sig::addFatalRestore(say, s, qv::sig::kOrderScreen);
            qv::sig::removeFatalRestore(x);   // removed: never runs
            raise(SIGSEGV);
        },
        status);
    CHECK(out == "SCT");
    CHECK(diedOfSegv(status));
}

TEST_CASE("a stack overflow still runs the slots (alternate stack)") {
    int status = 0;
    const std::string out = inChild(
        [] {
            qv::sig::installFatalHandlers();
            static char s[] = "overflow";
            qv::sig::addFatalRestore(say, s, qv::sig::kOrderScreen);
            recurse(0);
        },
        status);
    CHECK(out == "overflow");
    CHECK(diedOfSegv(status));
}

TEST_CASE("the handler installed before qv's runs after the slots (ASan's report)") {
    int status = 0;
    const std::string out = inChild(
        [] {
            struct sigaction sa {};
            sa.sa_sigaction = [](int sig, siginfo_t *, void *) {
                (void)!::write(gPipe, "P", 1);
                _exit(sig == SIGSEGV ? 42 : 43);
            };
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGSEGV, &sa, nullptr);
            qv::sig::installFatalHandlers();
            static char s[] = "S";
            qv::sig::addFatalRestore(say, s, qv::sig::kOrderScreen);
            recurse(0);
        },
        status);
    CHECK(out == "SP");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 42);
}

TEST_CASE("slots are limited and reusable") {
    static char a[] = "a";
    int ids[qv::sig::kMaxSlots];
    for (int &id : ids) id = qv::sig::addFatalRestore(say, a, 0);
    for (int id : ids) CHECK(id >= 0);
    CHECK(qv::sig::addFatalRestore(say, a, 0) == -1);
    qv::sig::removeFatalRestore(ids[3]);
    CHECK(qv::sig::addFatalRestore(say, a, 0) == ids[3]);
    for (int id : ids) qv::sig::removeFatalRestore(id);
}

TEST_CASE("QV_TEST_FAULT plans: KIND[:THREAD[:N]], anything else refused") {
    using qv::sig::FaultSite;
    qv::sig::FaultPlan p;
    REQUIRE(qv::sig::parseFaultPlan("segv", p));
    CHECK(!p.overflow);
    CHECK(p.site == FaultSite::Display);
    CHECK(p.after == 5);
    REQUIRE(qv::sig::parseFaultPlan("stack-overflow:demux:20", p));
    CHECK(p.overflow);
    CHECK(p.site == FaultSite::Demux);
    CHECK(p.after == 20);
    REQUIRE(qv::sig::parseFaultPlan("segv:main", p));
    CHECK(p.site == FaultSite::Main);
    REQUIRE(qv::sig::parseFaultPlan("stack-overflow:decode:1", p));
    CHECK(p.site == FaultSite::Decode);
    for (const char *bad : {"", "seg", "segvx", "stack", "segv:", "segv:gpu", "segv:display:", "segv:display:0",
                            "segv:display:-3", "segv:display:5x", "stack-overflow:displayx"})
        CHECK_MESSAGE(!qv::sig::parseFaultPlan(bad, p), bad);
}
