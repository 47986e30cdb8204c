#include "export_worker.h"

#include "qv/pipeline/waiter.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace qv {

ExportWorker::ExportWorker() : event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ExportWorker::~ExportWorker() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
}

bool ExportWorker::start(const std::string &input, const ExportRequest &req, std::shared_ptr<const PacketIndex> idx,
                         uint64_t tag) {
    if (busy_) return false;
    if (thread_.joinable()) thread_.join();
    busy_ = true;
    percent_.store(0);
    cancel_.store(false);
    thread_ = std::thread([this, input, req = ExportRequest(req), idx, tag]() mutable {
        pthread_setname_np(pthread_self(), "qv-export");
        // Below the playback threads: the export yields to the picture.
        (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
        auto poke = [this] {
            const uint64_t one = 1;
            (void)!::write(event_.get(), &one, sizeof one);
        };
        req.cancel = &cancel_;
        req.progress = [this, poke](double f) {
            const int p = static_cast<int>(f * 100);
            if (p != percent_.exchange(p, std::memory_order_relaxed)) poke();
        };
        auto r = exportRange(input, req, idx);
        {
            std::lock_guard<std::mutex> lk(m_);
            finished_ = true;
            tag_ = tag;
            path_ = req.output;
            summary_ = r ? r.value().summary() : std::string();
            error_ = r ? std::string() : r.error().message;
        }
        poke();
    });
    return true;
}

bool ExportWorker::take(uint64_t &tag, std::string &path, std::string &summary, std::string &error) {
    drainEventFd(event_.get());
    std::lock_guard<std::mutex> lk(m_);
    if (!finished_) return false;
    finished_ = false;
    busy_ = false;
    tag = tag_;
    path = path_;
    summary = summary_;
    error = error_;
    return true;
}

} // namespace qv
