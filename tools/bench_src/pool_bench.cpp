// qv-pool-bench: the work-stealing pool's own costs, for tools/bench batch.
//   overhead: 10,000 empty jobs submitted from outside, then waited for
//     (ns per job, best of 5);
//   balance: one job 100x longer than each of the others (sleeps: the
//     machine's load does not change the work), all dealt round-robin: when
//     does each worker finish, in units of a short job.
#include "qv/batch/work_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;
using qv::batch::WorkPool;

int main(int argc, char **argv) {
    const int workers = argc > 1 ? std::atoi(argv[1]) : 0;
    double best = 1e18;
    for (int rep = 0; rep < 5; ++rep) {
        WorkPool pool(workers);
        std::atomic<int> n{0};
        const auto t0 = Clock::now();
        for (int i = 0; i < 10000; ++i) pool.submit([&n] { n.fetch_add(1, std::memory_order_relaxed); });
        pool.wait();
        const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / 10000;
        best = std::min(best, ns);
    }
    std::printf("overhead: %d workers, 10000 empty jobs: %.0f ns per job (best of 5)\n",
                workers > 0 ? workers : WorkPool::defaultWorkers(), best);

    constexpr int kShortMs = 2, kShort = 200;
    WorkPool pool(workers);
    std::vector<double> lastEnd(static_cast<size_t>(pool.size()), 0);
    std::mutex m;
    const auto t0 = Clock::now();
    auto job = [&](int ms) {
        return [&, ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            std::lock_guard<std::mutex> lk(m);
            double &e = lastEnd[static_cast<size_t>(WorkPool::currentWorker())];
            e = std::max(e, t);
        };
    };
    pool.submit(job(100 * kShortMs));
    for (int i = 0; i < kShort; ++i) pool.submit(job(kShortMs));
    pool.wait();
    const auto st = pool.stats();
    const double hi = *std::max_element(lastEnd.begin(), lastEnd.end());
    const double lo = *std::min_element(lastEnd.begin(), lastEnd.end());
    int64_t stolen = 0;
    for (const auto &w : st.workers) stolen += w.stolen;
    // The best any schedule can do: the long job alone, or the work spread evenly.
    const double bound = std::max(100.0 * kShortMs, (100.0 + kShort) * kShortMs / pool.size());
    std::printf("balance: 1 job of %d ms + %d of %d ms on %d workers: workers finished %.0f..%.0f ms (spread %.1f short jobs), best possible "
                "%.0f ms: %.1f short jobs over it; %lld stolen\n",
                100 * kShortMs, kShort, kShortMs, pool.size(), lo, hi, (hi - lo) / kShortMs, bound, (hi - bound) / kShortMs,
                static_cast<long long>(stolen));
    return 0;
}
