#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cstdlib>

#include "qv/pipeline/spsc_ring.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

using qv::SpscRing;

TEST_CASE("ring keeps order and capacity") {
    SpscRing<int, 3> r;
    int v = 1;
    CHECK(r.tryPush(v));
    v = 2;
    CHECK(r.tryPush(v));
    v = 3;
    CHECK(r.tryPush(v));
    v = 4;
    CHECK_FALSE(r.tryPush(v));   // full
    CHECK(v == 4);               // untouched when refused
    CHECK(r.size() == 3);
    CHECK(r.highWater() == 3);
    int out = 0;
    CHECK(r.tryPop(out));
    CHECK(out == 1);
    CHECK(*r.peek() == 2);
    CHECK(r.tryPop(out));
    CHECK(out == 2);
    CHECK(r.tryPop(out));
    CHECK(out == 3);
    CHECK_FALSE(r.tryPop(out));
    CHECK(r.empty());
}

TEST_CASE("ring moves move-only items") {
    SpscRing<std::unique_ptr<int>, 2> r;
    auto p = std::make_unique<int>(42);
    CHECK(r.push(p));
    CHECK(p == nullptr);
    std::unique_ptr<int> out;
    CHECK(r.pop(out));
    CHECK(*out == 42);
}

TEST_CASE("close lets the consumer drain, then pop returns false") {
    SpscRing<int, 4> r;
    int v = 7;
    r.push(v);
    r.close();
    int out = 0;
    CHECK(r.pop(out));
    CHECK(out == 7);
    CHECK_FALSE(r.pop(out));
}

TEST_CASE("close wakes a blocked consumer") {
    SpscRing<int, 2> r;
    std::atomic<bool> returned{false};
    std::thread t([&] {
        int out;
        bool got = r.pop(out);
        CHECK_FALSE(got);
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(returned.load());
    r.close();
    t.join();
    CHECK(returned.load());
}

TEST_CASE("abort wakes a blocked producer") {
    SpscRing<int, 1> r;
    int v = 1;
    r.push(v);
    std::atomic<bool> returned{false};
    std::thread t([&] {
        int w = 2;
        bool pushed = r.push(w);
        CHECK_FALSE(pushed);
        returned = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(returned.load());
    r.abort();
    t.join();
    CHECK(returned.load());
}

TEST_CASE("a cancel predicate cuts a blocked push short after wakeAll") {
    SpscRing<int, 1> r;
    int v = 1;
    r.push(v);
    std::atomic<bool> cancel{false};
    std::thread t([&] {
        int w = 2;
        CHECK_FALSE(r.push(w, [&] { return cancel.load(); }));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    cancel = true;
    r.wakeAll();
    t.join();
    int out;
    CHECK(r.tryPop(out));
    CHECK(out == 1);
    CHECK_FALSE(r.tryPop(out));
}

namespace {
template <size_t N>
void stress(uint64_t items) {
    SpscRing<uint64_t, N> r;
    std::thread producer([&] {
        for (uint64_t i = 0; i < items; ++i) {
            uint64_t v = i;
            REQUIRE(r.push(v));
        }
        r.close();
    });
    uint64_t expect = 0, sum = 0, got = 0;
    bool inOrder = true;
    while (r.pop(got)) {
        if (got != expect) inOrder = false;
        ++expect;
        sum += got;
    }
    producer.join();
    CHECK(inOrder);
    CHECK(expect == items);
    CHECK(sum == items * (items - 1) / 2);
}
} // namespace

// QV_STRESS_DIVISOR=N runs 1/N of the items: tools/test sets it for the
// builds that run many times slower (sanitizers, qemu-user), where the
// full count costs CI minutes and adds nothing (TSan sees a race on the
// first crossing, not the millionth).
static uint64_t stressItems(uint64_t n) {
    const char *d = std::getenv("QV_STRESS_DIVISOR");
    const long div = d ? std::strtol(d, nullptr, 10) : 1;
    return div > 1 ? n / static_cast<uint64_t>(div) : n;
}

TEST_CASE("two-thread stress: 4 million items (1/QV_STRESS_DIVISOR of them) arrive in order") {
    stress<256>(stressItems(4000000));
}

TEST_CASE("two-thread stress at the pipeline's capacity (3): every item blocks") {
    stress<3>(stressItems(100000));
}

TEST_CASE("the data waiter's eventfd becomes readable on push") {
    SpscRing<int, 2> r;
    int fd = r.dataWaiter().eventFd();
    REQUIRE(fd >= 0);
    r.dataWaiter().prepare();
    int v = 5;
    r.tryPush(v);
    uint64_t n = 0;
    CHECK(::read(fd, &n, sizeof n) == sizeof n);
    CHECK(n >= 1);
    r.dataWaiter().cancel();
}
