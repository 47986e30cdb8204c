// The work-stealing pool: every job runs exactly once (also with jobs that
// submit jobs), idle workers steal from a loaded one, and a SIGINT stops the
// pool: running jobs see the flag, queued jobs are dropped. Runs under TSan
// too (tools/test's tsan suite).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "qv/batch/work_pool.h"
#include "qv/core/signals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>
#include <vector>

using qv::batch::WorkPool;
using Clock = std::chrono::steady_clock;

TEST_CASE("every job runs exactly once, also jobs submitted by jobs") {
    for (int workers : {1, 2, 4, 7}) {
        constexpr int kTop = 2000, kChildren = 3;
        std::vector<std::atomic<int>> hits(kTop * (1 + kChildren));
        WorkPool pool(workers);
        for (int i = 0; i < kTop; ++i)
            pool.submit([&pool, &hits, i] {
                hits[static_cast<size_t>(i)].fetch_add(1);
                CHECK(WorkPool::currentWorker() >= 0);
                for (int c = 0; c < kChildren; ++c)
                    pool.submit([&hits, i, c] { hits[static_cast<size_t>(kTop + i * kChildren + c)].fetch_add(1); });
            });
        pool.wait();
        int wrong = 0;
        for (auto &h : hits) wrong += h.load() != 1;
        CHECK(wrong == 0);
        const auto st = pool.stats();
        int64_t total = 0;
        for (const auto &w : st.workers) total += w.executed;
        CHECK(total == kTop * (1 + kChildren));
        CHECK(st.dropped == 0);
        CHECK(WorkPool::currentWorker() == -1);
    }
}

TEST_CASE("the pool can be waited on again after more submissions") {
    WorkPool pool(3);
    std::atomic<int> n{0};
    for (int round = 1; round <= 3; ++round) {
        for (int i = 0; i < 100; ++i) pool.submit([&] { n.fetch_add(1); });
        pool.wait();
        CHECK(n.load() == round * 100);
    }
}

TEST_CASE("idle workers steal from a loaded worker's deque") {
    WorkPool pool(4);
    std::vector<std::atomic<int>> hits(200);
    // Every job on worker 0's deque; each takes a little while, so the
    // others run out of their own work at once and must steal.
    for (int i = 0; i < 200; ++i)
        pool.submitTo(0, [&hits, i] {
            hits[static_cast<size_t>(i)].fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
    pool.wait();
    for (auto &h : hits) CHECK(h.load() == 1);
    const auto st = pool.stats();
    REQUIRE(st.workers.size() == 4);
    CHECK(st.workers[0].stolen == 0);   // the owner takes from its own end only
    int helpers = 0;
    int64_t stolen = 0;
    for (size_t w = 1; w < st.workers.size(); ++w) {
        CHECK(st.workers[w].stolen == st.workers[w].executed);   // nothing was dealt to them
        stolen += st.workers[w].stolen;
        helpers += st.workers[w].executed > 0;
    }
    CHECK(stolen > 0);
    CHECK(helpers >= 1);
    CHECK(st.workers[0].executed + stolen == 200);
}

TEST_CASE("a long job does not hold the rest: the others are taken by other workers") {
    WorkPool pool(2);
    std::atomic<int> shortDone{0};
    std::atomic<bool> longRunning{false}, release{false};
    pool.submitTo(0, [&] {
        longRunning = true;
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    for (int i = 0; i < 50; ++i) pool.submitTo(0, [&] { shortDone.fetch_add(1); });
    // While the long job occupies one worker (whichever took it), the other
    // finishes all the short ones.
    const auto until = Clock::now() + std::chrono::seconds(30);
    while (shortDone.load() < 50 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    CHECK(shortDone.load() == 50);
    release = true;
    pool.wait();
}

TEST_CASE("SIGINT cancels: running jobs stop, queued jobs are dropped") {
    const int sfd = qv::sig::blockAndOpenSignalFd();   // SIGINT now only readable here
    REQUIRE(sfd >= 0);
    WorkPool pool(3);
    std::atomic<int> started{0}, finished{0};
    constexpr int kJobs = 300;
    for (int i = 0; i < kJobs; ++i)
        pool.submit([&] {
            started.fetch_add(1);
            // A "long decode" that polls the flag, as the batch jobs do.
            for (int k = 0; k < 100 && !pool.cancelled(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            finished.fetch_add(1);
        });
    std::thread killer([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::kill(::getpid(), SIGINT);
    });
    const auto t0 = Clock::now();
    const int sig = pool.waitOrSignal(sfd);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    killer.join();
    ::close(sfd);
    CHECK(sig == SIGINT);
    CHECK(pool.cancelled());
    const auto st = pool.stats();
    CHECK(started.load() == finished.load());          // nothing left running
    CHECK(started.load() < kJobs);                      // most never started
    CHECK(st.dropped + started.load() == kJobs);        // every job ran or was dropped, once
    // Uncancelled, the jobs would take 300 x 0.5 s / 3 workers = 50 s; the
    // goal is 200 ms after the signal (tools/bench measures it), loosely here.
    CHECK(ms < 5000);
}

TEST_CASE("waitOrSignal returns 0 when the jobs finish") {
    WorkPool pool(2);
    std::atomic<int> n{0};
    for (int i = 0; i < 10; ++i) pool.submit([&] { n.fetch_add(1); });
    CHECK(pool.waitOrSignal(-1) == 0);
    CHECK(n.load() == 10);
    CHECK_FALSE(pool.cancelled());
}
