// mirror: --display=A,B[,...] shows one decoded stream on several displays,
// e.g. the board's screen and the SSH terminal (--display=kms,auto).
//
// The first display is the primary: the pipeline's clock paces it and the
// scale stage scales for it, exactly as when it is alone. Every other one
// runs on its own thread (qv-mirror-N) with a one-frame mailbox: the display
// thread drops a reference to each presented frame in it, replacing one the
// mirror has not taken yet (counted as skipped), and the mirror scales it
// once to its own size (from the primary's picture, already turned upright)
// and presents it when it can, asking its own link governor first. So a slow
// SSH link never holds the board's screen back, and the screen never waits
// for the terminal.
#include "qv/display/display.h"

#include "qv/core/log.h"
#include "qv/media/scaler.h"
#include "qv/sync/clock.h"

extern "C" {
#include <libavutil/frame.h>
}

#include <condition_variable>
#include <mutex>
#include <pthread.h>
#include <thread>

namespace qv {
namespace {

struct Mirror {
    std::unique_ptr<Display> d;
    std::thread thread;
    std::mutex m;                 // every call into d
    std::mutex box;               // the mailbox
    std::condition_variable cv;
    AvFramePtr pending = allocFrame();
    FrameInfo pendingInfo;
    bool has = false, quit = false;
    ScaleTarget target;
    std::string status;
    bool statusDirty = false;
    int64_t skipped = 0, shown = 0;
    Error error;
    bool failed = false;
};

class MirrorDisplay final : public Display {
public:
    explicit MirrorDisplay(std::vector<std::unique_ptr<Display>> all) {
        primary_ = std::move(all[0]);
        for (size_t i = 1; i < all.size(); ++i) {
            mirrors_.emplace_back(new Mirror);
            mirrors_.back()->d = std::move(all[i]);
        }
        name_ = primary_->name();
        for (auto &m : mirrors_) name_ += std::string(",") + m->d->name();
    }
    ~MirrorDisplay() override { stop(); }

    const char *name() const override { return name_.c_str(); }

    Result<ScaleTarget> configure(const StreamSpec &spec) override {
        auto t = primary_->configure(spec);
        if (!t) return t;
        // What the mirrors receive: the primary's picture, already upright.
        StreamSpec s = spec;
        if (t.value().width > 0) {
            s.width = t.value().width;
            s.height = t.value().height;
            s.pixFmt = t.value().pixFmt;
            s.sarNum = s.sarDen = 1;
            s.orientation = Orientation::Normal;
        }
        for (auto &m : mirrors_) {
            std::lock_guard<std::mutex> lk(m->m);
            auto mt = m->d->configure(s);
            if (!mt) return mt.takeError();
            m->target = mt.value();
            if (m->target.width > 0 && t.value().width == 0) m->target.orientation = spec.orientation;
        }
        if (!started_) {
            started_ = true;
            for (size_t i = 0; i < mirrors_.size(); ++i) {
                Mirror *m = mirrors_[i].get();
                m->thread = std::thread([this, m, i] { run(*m, static_cast<int>(i + 1)); });
            }
        }
        return t;
    }

    Result<void> present(const FrameRef &fr) override {
        for (auto &m : mirrors_) {
            std::lock_guard<std::mutex> lk(m->box);
            if (m->failed) continue;
            if (m->has) ++m->skipped;   // the mirror had not taken the last one
            av_frame_unref(m->pending.get());
            if (av_frame_ref(m->pending.get(), fr.frame.get()) < 0) continue;
            m->pendingInfo = fr.info;
            m->has = true;
            m->cv.notify_one();
        }
        return primary_->present(fr);
    }

    void setStatus(const std::string &line) override {
        primary_->setStatus(line);
        for (auto &m : mirrors_) {
            std::lock_guard<std::mutex> lk(m->box);
            m->status = line;
        }
    }
    Result<void> drawStatus(const std::string &line) override {
        for (auto &m : mirrors_) {
            {
                std::lock_guard<std::mutex> lk(m->box);
                m->status = line;
                m->statusDirty = true;   // drawn by its own thread
            }
            m->cv.notify_one();
        }
        return primary_->drawStatus(line);
    }
    bool wantsStatus() const override { return anyDisplay(&Display::wantsStatus); }
    bool relayout() override {
        bool any = primary_->relayout();
        for (auto &m : mirrors_) {
            std::lock_guard<std::mutex> lk(m->m);
            any = m->d->relayout() || any;
        }
        return any;
    }
    int64_t bytesWritten() const override {
        int64_t n = primary_->bytesWritten();
        for (auto &m : mirrors_) n += m->d->bytesWritten();
        return n;
    }
    bool wantsFrame(int64_t now) override { return primary_->wantsFrame(now); }
    Result<void> finish() override {
        stop();
        for (auto &m : mirrors_) {
            if (m->shown + m->skipped > 0)
                log::info("mirror %s: %lld frames shown, %lld skipped", m->d->name(), static_cast<long long>(m->shown),
                          static_cast<long long>(m->skipped));
            if (auto r = m->d->finish(); !r) log::warn("%s: %s", m->d->name(), r.error().message.c_str());
        }
        return primary_->finish();
    }
    bool isTerminal() const override { return anyDisplay(&Display::isTerminal); }
    int pollIntervalMs() const override { return primary_->pollIntervalMs(); }
    void pollInput(std::string &keys) override { primary_->pollInput(keys); }
    void toggleFullscreen() override { primary_->toggleFullscreen(); }
    bool readsTerminalKeys() const override { return anyDisplay(&Display::readsTerminalKeys); }
    bool handleSignal(int sig) override { return primary_->handleSignal(sig); }
    bool away() const override { return primary_->away(); }
    int64_t presentLatencyNs() const override { return primary_->presentLatencyNs(); }
    bool readBack(std::vector<uint8_t> &rgb, int &w, int &h) override { return primary_->readBack(rgb, w, h); }
    void release() override {
        stop();
        for (auto &m : mirrors_) m->d->release();
        primary_->release();
    }

private:
    // Whether the primary or any mirror says yes.
    bool anyDisplay(bool (Display::*ask)() const) const {
        if ((primary_.get()->*ask)()) return true;
        for (auto &m : mirrors_)
            if ((m->d.get()->*ask)()) return true;
        return false;
    }

    void stop() {
        for (auto &m : mirrors_) {
            {
                std::lock_guard<std::mutex> lk(m->box);
                m->quit = true;
            }
            m->cv.notify_one();
            if (m->thread.joinable()) m->thread.join();
        }
    }

    void run(Mirror &m, int n) {
        char name[16];
        std::snprintf(name, sizeof name, "qv-mirror-%d", n);
        pthread_setname_np(pthread_self(), name);
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
                    av_frame_unref(in.frame.get());
                    av_frame_move_ref(in.frame.get(), m.pending.get());
                    in.info = m.pendingInfo;
                    m.has = false;
                } else {
                    drawOnly = true;
                }
                m.statusDirty = false;
            }
            std::lock_guard<std::mutex> lk(m.m);
            if (drawOnly) {
                (void)m.d->drawStatus(status);
                continue;
            }
            const int64_t now = monotonicNs();
            if (!m.d->wantsFrame(now)) {   // its own link cannot take it now
                std::lock_guard<std::mutex> b(m.box);
                ++m.skipped;
                continue;
            }
            const FrameRef *show = &in;
            if (m.target.width > 0) {
                av_frame_unref(out.frame.get());
                if (auto r = scaler.convert(in.frame.get(), m.target, out.frame.get()); !r) return fail(r.error());
                out.info = in.info;
                show = &out;
            }
            m.d->setStatus(status);
            if (auto r = m.d->present(*show); !r) return fail(r.error());
            ++m.shown;
        }
    }

    std::unique_ptr<Display> primary_;
    std::vector<std::unique_ptr<Mirror>> mirrors_;
    std::string name_;
    bool started_ = false;
};

} // namespace

std::unique_ptr<Display> makeMirrorDisplay(std::vector<std::unique_ptr<Display>> all) {
    return std::unique_ptr<Display>(new MirrorDisplay(std::move(all)));
}

} // namespace qv
