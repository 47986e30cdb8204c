#include "qv/batch/work_pool.h"

#include <chrono>
#include <csignal>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qv::batch {
namespace {
thread_local int tWorker = -1;
int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

int WorkPool::defaultWorkers() {
    const unsigned n = std::thread::hardware_concurrency();
    return n ? static_cast<int>(n) : 1;
}

int WorkPool::currentWorker() { return tWorker; }

WorkPool::WorkPool(int workers) {
    if (workers <= 0) workers = defaultWorkers();
    workers_.reserve(static_cast<size_t>(workers));
    for (int i = 0; i < workers; ++i) workers_.push_back(std::make_unique<Worker>());
    for (int i = 0; i < workers; ++i) workers_[static_cast<size_t>(i)]->thread = std::thread([this, i] { run(i); });
}

WorkPool::~WorkPool() {
    cancel();
    {
        std::lock_guard<std::mutex> lk(idleM_);
        stop_.store(true);
    }
    idleCv_.notify_all();
    for (auto &w : workers_) w->thread.join();
}

void WorkPool::push(int w, Job job, bool front) {
    unfinished_.fetch_add(1);
    {
        Worker &wk = *workers_[static_cast<size_t>(w)];
        std::lock_guard<std::mutex> lk(wk.m);
        if (front) wk.jobs.push_front(std::move(job));
        else wk.jobs.push_back(std::move(job));
    }
    {
        // Under idleM_ so a worker about to sleep cannot miss it.
        std::lock_guard<std::mutex> lk(idleM_);
        queued_.fetch_add(1);
    }
    idleCv_.notify_one();
}

void WorkPool::submit(Job job) {
    if (tWorker >= 0) return push(tWorker, std::move(job), true);
    push(static_cast<int>(next_.fetch_add(1) % workers_.size()), std::move(job), false);
}

void WorkPool::submitTo(int w, Job job) { push(w % size(), std::move(job), false); }

bool WorkPool::take(int self, Job &out, bool &stole) {
    const int n = size();
    for (int k = 0; k < n; ++k) {
        const int v = (self + k) % n;
        Worker &wk = *workers_[static_cast<size_t>(v)];
        std::lock_guard<std::mutex> lk(wk.m);
        if (wk.jobs.empty()) continue;
        if (k == 0) {   // own end
            out = std::move(wk.jobs.front());
            wk.jobs.pop_front();
        } else {        // the other end of another's
            out = std::move(wk.jobs.back());
            wk.jobs.pop_back();
        }
        queued_.fetch_sub(1);
        stole = k != 0;
        return true;
    }
    return false;
}

void WorkPool::finishOne() {
    if (unfinished_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(idleM_);
        doneCv_.notify_all();
    }
}

void WorkPool::run(int self) {
    tWorker = self;
    Worker &me = *workers_[static_cast<size_t>(self)];
    for (;;) {
        Job job;
        bool stole = false;
        if (take(self, job, stole)) {
            if (cancelled()) {
                dropped_.fetch_add(1);
            } else {
                const int64_t t0 = nowNs();
                try {
                    job();
                } catch (...) {
                    // Jobs report their own errors; one that throws is counted as run.
                }
                me.busyNs.fetch_add(nowNs() - t0, std::memory_order_relaxed);
                me.executed.fetch_add(1, std::memory_order_relaxed);
                if (stole) me.stolen.fetch_add(1, std::memory_order_relaxed);
            }
            job = nullptr;   // release what it captured before the count drops
            finishOne();
            continue;
        }
        std::unique_lock<std::mutex> lk(idleM_);
        idleCv_.wait(lk, [&] { return stop_.load() || queued_.load() > 0; });
        if (stop_.load() && queued_.load() == 0) return;
    }
}

void WorkPool::wait() {
    std::unique_lock<std::mutex> lk(idleM_);
    doneCv_.wait(lk, [&] { return unfinished_.load() == 0; });
}

int WorkPool::waitOrSignal(int sigFd, const std::function<void()> &tick) {
    for (;;) {
        bool done;
        {
            std::unique_lock<std::mutex> lk(idleM_);
            done = doneCv_.wait_for(lk, std::chrono::milliseconds(kPollMs), [&] { return unfinished_.load() == 0; });
        }
        if (tick) tick();
        if (done) return 0;
        if (sigFd < 0) continue;
        pollfd p{sigFd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) continue;
        signalfd_siginfo si{};
        if (::read(sigFd, &si, sizeof si) != static_cast<ssize_t>(sizeof si)) continue;
        const int sig = static_cast<int>(si.ssi_signo);
        if (sig != SIGINT && sig != SIGTERM && sig != SIGHUP) continue;   // SIGPIPE, SIGWINCH: not a stop
        cancel();
        wait();
        return sig;
    }
}

void WorkPool::cancel() {
    {
        std::lock_guard<std::mutex> lk(idleM_);
        cancel_.store(true);
    }
    idleCv_.notify_all();
}

WorkPool::Stats WorkPool::stats() const {
    Stats s;
    for (const auto &w : workers_)
        s.workers.push_back({w->executed.load(), w->stolen.load(), w->busyNs.load()});
    s.dropped = dropped_.load();
    return s;
}

} // namespace qv::batch
