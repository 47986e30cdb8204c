// The player's export (keys ( ) X, IPC mark-in / mark-out / export): the
// marked range written by exportRange() on its own thread (qv-export, nice
// 10), so the display thread never waits and playback goes on. One export at
// a time. Progress and completion are one eventfd the display loop polls
// (written at most once per percent, and at the end).
#pragma once

#include "qv/core/unique_fd.h"
#include "qv/media/export.h"
#include "qv/media/live_window.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace qv {

class ExportWorker {
public:
    ExportWorker();
    ~ExportWorker();   // cancels a running export (no file is left) and joins

    bool busy() const { return busy_; }
    // Display thread. False when an export is running.
    bool start(const std::string &input, const ExportRequest &req, std::shared_ptr<const PacketIndex> idx, uint64_t tag);
    // A live source: packets first..last of the window's snapshot are
    // written to tmp (a NUT file, removed after) and exported from there;
    // req's range counts that file's frames.
    bool startLive(std::shared_ptr<const LiveSnapshot> snap, size_t first, size_t last, const std::string &tmp,
                   const ExportRequest &req, uint64_t tag);
    int eventFd() const { return event_.get(); }
    // Display thread, after eventFd() turned readable: the percentage done,
    // and true with the result when finished (summary or error).
    int percent() const { return percent_.load(std::memory_order_relaxed); }
    bool take(uint64_t &tag, std::string &path, std::string &summary, std::string &error);

private:
    // The export on its thread: job(req) with req's cancel and progress set.
    bool run(const ExportRequest &req, uint64_t tag, std::function<Result<ExportReport>(const ExportRequest &)> job);

    UniqueFd event_;
    std::thread thread_;
    std::atomic<bool> cancel_{false};
    std::atomic<int> percent_{0};
    bool busy_ = false;
    std::mutex m_;
    bool finished_ = false;
    uint64_t tag_ = 0;
    std::string path_, summary_, error_;
};

} // namespace qv
