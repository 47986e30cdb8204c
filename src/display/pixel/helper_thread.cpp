#include "helper_thread.h"

#include <pthread.h>

namespace qv::pixel {

HelperThread::~HelperThread() {
    if (!t_.joinable()) return;
    {
        std::lock_guard<std::mutex> lk(m_);
        quit_ = true;
    }
    cv_.notify_all();
    t_.join();
}

void HelperThread::post(void (*fn)(void *), void *arg) {
    if (!t_.joinable()) t_ = std::thread([this] { loop(); });
    {
        std::lock_guard<std::mutex> lk(m_);
        fn_ = fn;
        arg_ = arg;
        pending_ = true;
    }
    cv_.notify_all();
}

void HelperThread::wait() {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait(lk, [this] { return !pending_; });
}

void HelperThread::loop() {
    pthread_setname_np(pthread_self(), "qv-encode2");
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
        cv_.wait(lk, [this] { return pending_ || quit_; });
        if (quit_) return;
        void (*fn)(void *) = fn_;
        void *arg = arg_;
        lk.unlock();
        fn(arg);
        lk.lock();
        pending_ = false;
        cv_.notify_all();
    }
}

} // namespace qv::pixel
