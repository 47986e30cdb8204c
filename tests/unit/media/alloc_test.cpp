// After warm-up, qv's code makes no heap allocation per frame: every
// operator new in this process is counted, and the count must not move
// while frames 100..400 go through the whole pipeline (decode, scale to the
// blocks layout, encode, blocks encoder writing to /dev/null).
// One thread is left out: qv-index, the one-time background scan that builds
// the packet index for stepping. It runs once per file, alongside playback,
// and on a loaded machine it can still be running between frames 100 and 400
// (CI saw that once on Debian 13); it is not per-frame work.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/pipeline/pipeline.h"

#include <atomic>
#include <cstdlib>
#include <fcntl.h>
#include <cstring>
#include <new>
#include <sys/prctl.h>
#include <unistd.h>

// The replacement operators pair malloc with free on purpose.
#pragma GCC diagnostic ignored "-Wpragmas"   // GCC 10 has no -Wmismatched-new-delete
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> gNews{0};
void count() {
    char name[17] = {};
    if (::prctl(PR_GET_NAME, name) == 0 && std::strcmp(name, "qv-index") == 0) return;
    gNews.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

void *operator new(std::size_t n) {
    count();
    if (void *p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void *operator new[](std::size_t n) {
    count();
    if (void *p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

namespace {
long allocationsDuring(const char *display, const char *input) {
    int devnull = ::open("/dev/null", O_WRONLY);
    REQUIRE(devnull >= 0);
    qv::PlayOptions o;
    o.input = input ? input : "";
    o.display = display;
    o.sync = false;
    o.maxFrames = 420;
    o.displayOpt.outFd = devnull;
    o.displayOpt.sizeCols = 120;
    o.displayOpt.sizeRows = 40;
    o.displayOpt.colorMode = 24;
    long atStart = -1, atEnd = -1;
    o.onPresented = [&](int64_t n) {
        if (n == 100) atStart = gNews.load();
        if (n == 400) atEnd = gNews.load();
    };
    qv::ExitCode rc = qv::play(o);
    ::close(devnull);
    CHECK(rc == qv::ExitCode::Ok);
    REQUIRE(atStart >= 0);
    REQUIRE(atEnd >= 0);
    return atEnd - atStart;
}
} // namespace

TEST_CASE("the counter sees allocations (the test can fail)") {
    long before = gNews.load();
    void *volatile p = ::operator new(16);   // a call the compiler cannot elide
    ::operator delete(p);
    CHECK(gNews.load() == before + 1);
}

TEST_CASE("no allocation per frame: demo source, blocks display") {
    CHECK(allocationsDuring("blocks", nullptr) == 0);
}

TEST_CASE("no allocation per frame: demo source, hash display") {
    int saved = ::dup(1);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    long n = allocationsDuring("hash", nullptr);
    ::dup2(saved, 1);
    ::close(saved);
    ::close(devnull);
    CHECK(n == 0);
}

TEST_CASE("no allocation per frame: an H.264 file, blocks display") {
    const char *clip = std::getenv("QV_ALLOC_CLIP");
    REQUIRE_MESSAGE(clip != nullptr, "QV_ALLOC_CLIP names the generated clip");
    CHECK(allocationsDuring("blocks", clip) == 0);
}
