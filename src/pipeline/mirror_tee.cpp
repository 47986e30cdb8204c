#include "mirror_tee.h"

#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/media/scaler.h"
#include "qv/sync/clock.h"

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace qv {

struct MirrorTee::Mirror {
    std::unique_ptr<Display> d;
    std::thread thread;
    std::mutex call;              // every call into d
    std::mutex box;               // the mailbox
    std::condition_variable cv;
    FrameRef pending;
    bool has = false, quit = false;
    ScaleTarget target;
    std::string status;
    bool statusDirty = false;
    int64_t skipped = 0, shown = 0;
    bool failed = false;
};

MirrorTee::MirrorTee(std::vector<std::unique_ptr<Display>> all) {
    for (auto &d : all) {
        mirrors_.emplace_back(new Mirror);
        mirrors_.back()->d = std::move(d);
        mirrors_.back()->pending.frame = allocFrame();
    }
}

MirrorTee::~MirrorTee() { stop(); }

namespace {
void runMirror(MirrorTee::Mirror &m, int n);
}

Result<void> MirrorTee::configure(const StreamSpec &spec, const ScaleTarget &primary) {
    // What the mirrors receive: the primary's picture, already upright.
    StreamSpec s = spec;
    if (primary.width > 0) {
        s.width = primary.width;
        s.height = primary.height;
        s.pixFmt = primary.pixFmt;
        s.sarNum = s.sarDen = 1;
        s.orientation = Orientation::Normal;
    }
    for (auto &m : mirrors_) {
        std::lock_guard<std::mutex> lk(m->call);
        auto t = m->d->configure(s);
        if (!t) return t.takeError();
        m->target = t.value();
        if (m->target.width > 0 && primary.width == 0) m->target.orientation = spec.orientation;
    }
    if (!started_) {
        started_ = true;
        for (size_t i = 0; i < mirrors_.size(); ++i) {
            Mirror *m = mirrors_[i].get();
            m->thread = std::thread([m, i] { runMirror(*m, static_cast<int>(i + 1)); });
        }
    }
    return {};
}

void MirrorTee::offer(const FrameRef &shown) {
    for (auto &m : mirrors_) {
        std::lock_guard<std::mutex> lk(m->box);
        if (m->failed) continue;
        if (m->has) ++m->skipped;   // the mirror had not taken the last one
        if (!shown.refInto(m->pending)) continue;
        m->has = true;
        m->cv.notify_one();
    }
}

void MirrorTee::status(const std::string &line, bool now) {
    for (auto &m : mirrors_) {
        {
            std::lock_guard<std::mutex> lk(m->box);
            m->status = line;
            if (now) m->statusDirty = true;   // drawn by its own thread
        }
        if (now) m->cv.notify_one();
    }
}

bool MirrorTee::relayout() {
    bool any = false;
    for (auto &m : mirrors_) {
        std::lock_guard<std::mutex> lk(m->call);
        any = m->d->relayout() || any;
    }
    return any;
}

bool MirrorTee::anyCaps(bool DisplayCaps::*cap) const {
    for (auto &m : mirrors_)
        if (m->d->caps().*cap) return true;
    return false;
}

int64_t MirrorTee::bytesWritten() const {
    int64_t n = 0;
    for (auto &m : mirrors_) n += m->d->bytesWritten();
    return n;
}

void MirrorTee::stop() {
    for (auto &m : mirrors_) {
        {
            std::lock_guard<std::mutex> lk(m->box);
            m->quit = true;
        }
        m->cv.notify_one();
        if (m->thread.joinable()) m->thread.join();
    }
}

void MirrorTee::finish() {
    stop();
    for (auto &m : mirrors_) {
        if (m->shown + m->skipped > 0)
            log::info("mirror %s: %lld frames shown, %lld skipped", m->d->name(), static_cast<long long>(m->shown),
                      static_cast<long long>(m->skipped));
        if (auto r = m->d->finish(); !r) log::warn("%s: %s", m->d->name(), r.error().message.c_str());
    }
}

void MirrorTee::release() {
    stop();
    for (auto &m : mirrors_) {
        m->pending = FrameRef{};
        m->d->release();
    }
}

namespace {

void runMirror(MirrorTee::Mirror &m, int n) {
    char name[16];
    std::snprintf(name, sizeof name, "qv-mirror-%d", n);
    pthread_setname_np(pthread_self(), name);
    sig::installAltStack();   // the fatal handler runs even after a stack overflow
    Scaler scaler;
    FrameRef in, out;
    in.frame = allocFrame();
    out.frame = allocFrame();
    std::string status;
    auto fail = [&m](const Error &e) {
        std::lock_guard<std::mutex> b(m.box);
        m.failed = true;
        log::warn("%s: %s; this mirror stops", m.d->name(), e.message.c_str());
    };
    for (;;) {
        bool drawOnly = false;
        {
            std::unique_lock<std::mutex> lk(m.box);
            m.cv.wait(lk, [&] { return m.quit || m.has || m.statusDirty; });
            if (m.quit) return;
            status = m.status;
            if (m.has) {
                std::swap(in, m.pending);
                m.has = false;
            } else {
                drawOnly = true;
            }
            m.statusDirty = false;
        }
        std::lock_guard<std::mutex> lk(m.call);
        if (drawOnly) {
            (void)m.d->status(status, true);
            continue;
        }
        const int64_t now = monotonicNs();
        DisplayLink *link = m.d->link();
        if (link && !link->ready(now)) {   // its own link cannot take it now
            link->decided(now, false);
            std::lock_guard<std::mutex> b(m.box);
            ++m.skipped;
            continue;
        }
        if (link) link->decided(now, true);
        const FrameRef *show = &in;
        if (m.target.width > 0) {
            if (auto r = scaler.convert(in.frame.get(), m.target, out.frame.get()); !r) return fail(r.error());
            out.info = in.info;
            show = &out;
        }
        (void)m.d->status(status, false);
        auto r = m.d->present(*show);
        if (!r) return fail(r.error());
        if (r.value() == Shown::Yes) ++m.shown;
        else ++m.skipped;
    }
}

} // namespace
} // namespace qv
