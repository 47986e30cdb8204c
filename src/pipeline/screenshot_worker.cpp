#include "screenshot_worker.h"

#include "qv/core/signals.h"

#include "qv/pipeline/waiter.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace qv {

ScreenshotWorker::ScreenshotWorker() : done_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ScreenshotWorker::~ScreenshotWorker() {
    if (thread_.joinable()) thread_.join();
}

bool ScreenshotWorker::start(const std::string &input, const std::string &png, const ThumbRequest &req, uint64_t tag,
                             std::shared_ptr<std::vector<uint8_t>> rgb, int w, int h) {
    if (busy_) return false;
    if (thread_.joinable()) thread_.join();
    busy_ = true;
    thread_ = std::thread([this, input, png, req, tag, rgb, w, h] {
        pthread_setname_np(pthread_self(), "qv-shot");
        sig::installAltStack();   // the fatal handler runs even after a stack overflow
        auto r = rgb ? writePngRgb(png, rgb->data(), w, h, w * 3) : writeThumb(input, png, req);
        {
            std::lock_guard<std::mutex> lk(m_);
            finished_ = true;
            tag_ = tag;
            path_ = png;
            error_ = r ? std::string() : r.error().message;
        }
        const uint64_t one = 1;
        (void)!::write(done_.get(), &one, sizeof one);
    });
    return true;
}

bool ScreenshotWorker::take(uint64_t &tag, std::string &path, std::string &error) {
    drainEventFd(done_.get());
    std::lock_guard<std::mutex> lk(m_);
    if (!finished_) return false;
    finished_ = false;
    busy_ = false;
    tag = tag_;
    path = path_;
    error = error_;
    return true;
}

} // namespace qv
