#include "export_worker.h"

#include "qv/pipeline/waiter.h"

#include <cstdio>
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

bool ExportWorker::run(const ExportRequest &req, uint64_t tag,
                       std::function<Result<ExportReport>(const ExportRequest &)> job) {
    if (busy_) return false;
    if (thread_.joinable()) thread_.join();
    busy_ = true;
    percent_.store(0);
    cancel_.store(false);
    thread_ = std::thread([this, req = ExportRequest(req), job = std::move(job), tag]() mutable {
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
        auto r = job(req);
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

bool ExportWorker::start(const std::string &input, const ExportRequest &req, std::shared_ptr<const PacketIndex> idx,
                         uint64_t tag) {
    return run(req, tag, [input, idx](const ExportRequest &r) { return exportRange(input, r, idx); });
}

bool ExportWorker::startLive(std::shared_ptr<const LiveSnapshot> snap, size_t first, size_t last,
                             const std::string &tmp, const ExportRequest &req, uint64_t tag) {
    return run(req, tag, [snap, first, last, tmp](const ExportRequest &r) -> Result<ExportReport> {
        auto w = snap->writeSpan(tmp, first, last);
        auto out = w ? exportRange(tmp, r) : Result<ExportReport>(w.takeError());
        std::remove(tmp.c_str());
        if (out) {   // the report in the live stream's numbers
            ExportReport &rep = out.value();
            // The file's time starts at its first packet (the keyframe; an
            // open GOP's leading frames, shown before it, come after it).
            const int64_t k = snap->index->packets()[first].ordinal;
            const double t0 = static_cast<double>(snap->index->ptsNsOf(k >= 0 ? k : r.ordinalBase)) / 1e9;
            rep.plan.from += r.ordinalBase;
            rep.plan.to += r.ordinalBase;
            rep.fromSec += t0;
            rep.toSec += t0;
        }
        return out;
    });
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
