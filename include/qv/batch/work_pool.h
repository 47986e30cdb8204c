// A work-stealing thread pool for batch jobs (qv info/frames/thumb/sheet over
// many files, a sheet's tiles).
//
// - One deque per worker. A worker takes from the front of its own deque (its
//   end); an idle worker steals from the back of another's (the other end).
// - submit() from outside a worker deals jobs round-robin onto the backs of
//   the deques, so each worker runs its share in submission order (a batch
//   prints in input order as it goes, and a long file given first starts
//   first) and thieves take the jobs furthest from being reached.
// - submit() from inside a job pushes onto the front of the calling worker's
//   own deque: the work it just split off runs next, on the same worker,
//   unless an idle worker steals it first.
// - cancel() sets one atomic flag: jobs not yet started are dropped (counted
//   in Stats::dropped), running jobs see cancelled() and should return soon.
//   waitOrSignal() turns SIGINT/SIGTERM on a signalfd into cancel() within
//   its poll period (50 ms).
//
// Threads: submit/cancel/cancelled from any thread; wait/waitOrSignal/stats
// from the owning thread only. Jobs run on the pool's threads; a job must not
// call wait(). The destructor cancels what is left and joins the workers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace qv::batch {

class WorkPool {
public:
    using Job = std::function<void()>;

    struct WorkerStats {
        int64_t executed = 0;   // jobs this worker ran
        int64_t stolen = 0;     // of those, taken from another worker's deque
        int64_t busyNs = 0;     // time spent inside jobs
    };
    struct Stats {
        std::vector<WorkerStats> workers;
        int64_t dropped = 0;    // jobs discarded by cancel()
    };

    // workers <= 0: as many as the machine has cores.
    explicit WorkPool(int workers = 0);
    ~WorkPool();
    WorkPool(const WorkPool &) = delete;
    WorkPool &operator=(const WorkPool &) = delete;

    int size() const { return static_cast<int>(workers_.size()); }
    void submit(Job job);
    // Puts the job on worker w's deque (tests build skewed loads with it).
    void submitTo(int w, Job job);
    // Blocks until every submitted job has run or been dropped.
    void wait();
    // wait(), but a readable sigFd (a signalfd: SIGINT, SIGTERM, SIGHUP)
    // cancels the pool; returns the signal number, or 0 when the jobs simply
    // finished. tick (may be empty) runs on the calling thread every period
    // (50 ms) while waiting (the batch prints results and progress there).
    int waitOrSignal(int sigFd, const std::function<void()> &tick = {});
    static constexpr int kPollMs = 50;
    void cancel();
    bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }
    const std::atomic<bool> &cancelFlag() const { return cancel_; }
    Stats stats() const;
    // The calling worker's index, -1 outside the pool.
    static int currentWorker();

    static int defaultWorkers();

private:
    struct Worker {
        std::mutex m;
        std::deque<Job> jobs;   // own end: front; thieves: back
        std::thread thread;
        std::atomic<int64_t> executed{0}, stolen{0}, busyNs{0};
    };
    void run(int self);
    bool take(int self, Job &out, bool &stole);
    void push(int w, Job job, bool front);
    void finishOne();

    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> queued_{0};     // in deques, not yet taken
    std::atomic<int64_t> unfinished_{0}; // submitted, not yet run or dropped
    std::atomic<int64_t> dropped_{0};
    std::atomic<unsigned> next_{0};
    std::mutex idleM_;
    std::condition_variable idleCv_;     // workers wait here for jobs
    std::condition_variable doneCv_;     // wait() waits here
};

} // namespace qv::batch
