// qv info|frames|thumb|sheet over many inputs: each file is one job on the
// work-stealing pool (include/qv/batch/work_pool.h); one JSON line per file,
// in input order (or as they finish with --unordered), printed by the main
// thread; a progress bar on stderr when it is a terminal; SIGINT/SIGTERM
// cancel the pool (no half-written PNG: writePngRgb renames a finished file).
#include "batch.h"
#include "commands.h"

#include "qv/batch/work_pool.h"
#include "qv/core/exit_code.h"
#include "qv/core/json.h"
#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/media/probe.h"
#include "qv/media/sheet.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace qv::app {
namespace {

const char *kindName(ErrorKind k) {
    switch (k) {
    case ErrorKind::Usage: return "usage";
    case ErrorKind::Open: return "open";
    case ErrorKind::Format: return "format";
    case ErrorKind::NoVideo: return "no-video";
    case ErrorKind::Decode: return "decode";
    case ErrorKind::Display: return "display";
    case ErrorKind::Output: return "output";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Encode: return "encode";
    case ErrorKind::Internal: break;
    }
    return "internal";
}

std::string errorJson(const std::string &path, const Error &e) {
    json::Writer w;
    w.beginObject();
    w.key("path").string(path);
    w.key("error").string(e.message);
    w.key("kind").string(kindName(e.kind));
    w.key("exit_code").integer(static_cast<int>(exitCodeFor(e.kind)));
    w.endObject();
    return w.take();
}

// A long file's sheet is split into parts (jobs) when the pool has workers
// to spare for it: at least this many frames, two tiles a part at least.
constexpr int64_t kSplitFrames = 1500;

struct Batch {
    const ParsedArgs &a;
    const std::atomic<bool> &cancel;
    int threads = 0;   // decoder threads per job
    std::vector<std::string> outputs;
    batch::WorkPool *pool = nullptr;
    // An input's result, when it comes later than run() returns (a split sheet).
    std::function<void(size_t i, std::string line, bool failed)> complete;

    // A sheet in parts: the other parts go onto the pool (this worker's own
    // deque, where idle workers steal them), this one renders the first;
    // whichever part ends last writes the PNG and gives the result.
    struct Parts {
        std::unique_ptr<SheetJob> job;
        std::atomic<int> left{0};
        int parts = 0;
        std::mutex m;
        bool failed = false;
        Error error;
    };
    void partDone(const std::shared_ptr<Parts> &st, Result<void> r, const std::string &path, size_t i) const {
        if (!r) {
            std::lock_guard<std::mutex> lk(st->m);
            if (!st->failed) st->error = r.error();
            st->failed = true;
        }
        if (st->left.fetch_sub(1) != 1) return;
        if (st->failed) return complete(i, errorJson(path, st->error), true);
        auto res = st->job->finish(outputs[i]);
        if (!res) return complete(i, errorJson(path, res.error()), true);
        res.value().parts = st->parts;
        complete(i, sheetToJson(path, outputs[i], res.value()), false);
    }

    // One input's JSON line (no newline); failed says whether it is an error.
    // deferred: complete() will give it (a sheet split into parts).
    std::string run(const std::string &path, size_t i, bool &failed, bool &deferred) const {
        failed = false;
        deferred = false;
        const bool mmap = !a.has("no-mmap");
        auto fail = [&](const Error &e) {
            failed = true;
            return errorJson(path, e);
        };
        HwdecRequest hw;   // as the single commands read --hwdec
        if (!hwdecFromArgs(a, hw)) return fail(Error::make(ErrorKind::Usage, "bad --hwdec"));
        if (a.command == "info") {
            auto f = probeFile(path, mmap);
            if (!f) return fail(f.error());
            addDecoderFacts(a, hw, f.value());
            std::string s = factsToJson(f.value());
            while (!s.empty() && s.back() == '\n') s.pop_back();
            return s;
        }
        if (a.command == "frames") {
            FramesOptions o;
            o.json = true;
            o.hash = a.has("hash");
            o.useMmap = mmap;
            o.hwdec = hw;
            o.threads = threads;
            o.cancel = &cancel;
            json::Writer w;
            w.beginObject().key("path").string(path);
            std::string list = w.take() + ",\"frames\":[";
            bool first = true;
            auto r = listFrames(path, o, [&](const std::string &line) {
                if (!first) list += ',';
                first = false;
                list.append(line.data(), line.size() - 1);   // without its newline
                return true;
            });
            if (!r) return fail(r.error());
            return list + "]}";
        }
        if (a.command == "thumb") {
            ThumbRequest req;
            req.useMmap = mmap;
            req.atNs = a.timeNs("at", 0);
            req.frame = a.integer("frame", -1);
            req.width = static_cast<int>(a.integer("width", 0));
            req.threads = threads;
            if (auto r = writeThumb(path, outputs[i], req); !r) return fail(r.error());
            json::Writer w;
            w.beginObject().key("path").string(path).key("output").string(outputs[i]).endObject();
            return w.take();
        }
        SheetRequest req;
        parseGrid(a.get("grid", "4x4"), req.cols, req.rows);
        req.width = static_cast<int>(a.integer("width", req.width));
        req.exact = a.has("exact");
        req.threads = threads;
        req.useMmap = mmap;
        req.cancel = &cancel;
        auto job = SheetJob::plan(path, req);
        if (!job) return fail(job.error());
        const int n = job.value()->tiles();
        const int parts = pool && pool->size() > 1 && job.value()->frames() >= kSplitFrames
                              ? std::min(pool->size(), n / 2) : 1;
        if (parts <= 1) {
            if (auto r = job.value()->render(0, n); !r) return fail(r.error());
            auto r = job.value()->finish(outputs[i]);
            if (!r) return fail(r.error());
            return sheetToJson(path, outputs[i], r.value());
        }
        auto st = std::make_shared<Parts>();
        st->job = std::move(job.value());
        st->left = parts;
        st->parts = parts;
        const int per = (n + parts - 1) / parts;
        for (int k = 1; k < parts; ++k)
            pool->submit([this, st, k, per, n, path, i] { partDone(st, st->job->render(k * per, std::min(n, (k + 1) * per)), path, i); });
        deferred = true;
        partDone(st, st->job->render(0, std::min(n, per)), path, i);
        return {};
    }
};

struct Progress {
    bool tty = false;
    size_t total = 0;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last;
    void draw(size_t done, bool final) {
        if (!tty) return;
        const auto now = std::chrono::steady_clock::now();
        if (!final && now - last < std::chrono::milliseconds(100)) return;
        last = now;
        if (final) {
            std::fputs("\r\033[K", stderr);
            return;
        }
        const double secs = std::chrono::duration<double>(now - start).count();
        const double rate = secs > 0 ? done / secs : 0;
        constexpr int kBar = 24;
        const int filled = total ? static_cast<int>(done * kBar / total) : 0;
        char bar[kBar + 1];
        for (int k = 0; k < kBar; ++k) bar[k] = k < filled ? '#' : '.';
        bar[kBar] = 0;
        char eta[32] = "--";
        if (rate > 0) std::snprintf(eta, sizeof eta, "%.0fs", (total - done) / rate);
        std::fprintf(stderr, "\r\033[K[%s] %zu/%zu files  %.1f/s  ETA %s", bar, done, total, rate, eta);
        std::fflush(stderr);
    }
};

} // namespace

bool wantsBatch(const ParsedArgs &a) {
    if (a.positional.size() > 1) return true;
    for (const auto &p : a.positional) {
        struct stat st {};
        if (p == "-" || (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode))) return true;
    }
    return false;
}

int runBatch(const ParsedArgs &a) {
    const bool png = a.command == "thumb" || a.command == "sheet";
    if (png && !a.has("output")) {
        log::error("%s with many inputs needs -o DIR (one PNG per input)", a.command.c_str());
        return static_cast<int>(ExitCode::Usage);
    }
    if (a.has("at") && a.has("frame")) {
        log::error("thumb takes --at or --frame, not both");
        return static_cast<int>(ExitCode::Usage);
    }
    int cols = 0, rows = 0;
    if (a.has("grid") && !parseGrid(a.get("grid"), cols, rows)) {
        log::error("--grid needs CxR, 1 to 32 each, e.g. 4x4 (not '%s')", a.get("grid").c_str());
        return static_cast<int>(ExitCode::Usage);
    }
    InputSpec spec;
    spec.recursive = a.has("recursive");
    if (a.has("ext")) spec.exts = parseExtList(a.get("ext"));
    const std::vector<std::string> inputs = expandInputs(a.positional, spec, stdin);
    if (inputs.empty()) {
        log::error("no input files (directories are searched for video files; see --ext)");
        return static_cast<int>(ExitCode::Usage);
    }
    const int sigFd = sig::blockAndOpenSignalFd();   // before the pool's threads: they inherit the mask
    const int jobs = static_cast<int>(a.integer("jobs", batch::WorkPool::defaultWorkers()));
    const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(jobs), inputs.size()));
    batch::WorkPool pool(workers);
    Batch b{a, pool.cancelFlag(), 0, {}, &pool, {}};
    // The pool is the parallelism: each decoder gets its share of the cores.
    b.threads = a.has("threads") ? static_cast<int>(a.integer("threads", 0))
                                 : std::max(1, batch::WorkPool::defaultWorkers() / workers);
    if (png) {
        const std::string dir = a.get("output");
        if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
            log::error("%s: cannot make the output directory: %s", dir.c_str(), std::strerror(errno));
            if (sigFd >= 0) ::close(sigFd);
            return static_cast<int>(ExitCode::Output);
        }
        b.outputs = outputNames(inputs, dir);
    }

    struct Slot {
        std::string line;
        bool done = false, failed = false;
    };
    std::vector<Slot> slots(inputs.size());
    std::deque<size_t> finished;   // completion order
    std::mutex m;
    b.complete = [&](size_t i, std::string line, bool failed) {
        std::lock_guard<std::mutex> lk(m);
        slots[i].line = std::move(line);
        slots[i].failed = failed;
        slots[i].done = true;
        finished.push_back(i);
    };
    for (size_t i = 0; i < inputs.size(); ++i)
        pool.submit([&, i] {
            bool failed = false, deferred = false;
            std::string line = b.run(inputs[i], i, failed, deferred);
            if (!deferred) b.complete(i, std::move(line), failed);
        });

    const bool unordered = a.has("unordered");
    Progress progress;
    progress.tty = isatty(STDERR_FILENO);
    progress.total = inputs.size();
    size_t next = 0, doneCount = 0;
    bool anyFailed = false, outputGone = false;
    std::string out;
    auto flush = [&] {
        out.clear();
        {
            std::lock_guard<std::mutex> lk(m);
            doneCount += finished.size();
            auto take = [&](size_t i) {
                out += slots[i].line;
                out += '\n';
                anyFailed = anyFailed || slots[i].failed;
            };
            if (unordered) {
                for (size_t i : finished) take(i);
            } else {
                for (; next < slots.size() && slots[next].done; ++next) take(next);
            }
            finished.clear();
        }
        if (!out.empty() && !outputGone) {
            if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
                outputGone = true;   // EPIPE: the reader went away, stop the rest
                pool.cancel();
            }
        }
        progress.draw(doneCount, false);
    };
    const int sig = pool.waitOrSignal(sigFd, flush);
    // Cancelled: the jobs still running (they see the flag and stop soon)
    // write into slots and the batch's state: none may outlive them.
    if (sig) pool.wait();
    if (!sig) flush();
    progress.draw(doneCount, true);
    if (sigFd >= 0) ::close(sigFd);
    if (sig) return 128 + sig;
    if (outputGone) return 128 + SIGPIPE;
    return anyFailed ? static_cast<int>(ExitCode::Batch) : 0;
}

} // namespace qv::app
