// HelperThread: a second encoder thread for one frame's work split in two
// (kitty's zlib in two halves). The caller posts one half, does the other,
// and waits: the frame's bytes come out in order, nothing is reordered.
// Started on first use; a mutex and a condition variable per hand-over.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace qv::pixel {

class HelperThread {
public:
    HelperThread() = default;
    HelperThread(const HelperThread &) = delete;
    HelperThread &operator=(const HelperThread &) = delete;
    ~HelperThread();
    // Runs fn(arg) on the helper thread (started the first time).
    void post(void (*fn)(void *), void *arg);
    // Until what was posted has run.
    void wait();
    bool started() const { return t_.joinable(); }

private:
    void loop();
    std::thread t_;
    std::mutex m_;
    std::condition_variable cv_;
    void (*fn_)(void *) = nullptr;
    void *arg_ = nullptr;
    bool pending_ = false, quit_ = false;
};

} // namespace qv::pixel
