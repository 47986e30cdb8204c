#include "controller.h"

#include "ipc/commands.h"
#include "qv/pipeline/trick.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qv {

bool Controller::listen(const std::string &path, std::string &error) { return server_.listen(path, error); }

void Controller::ok(const Origin &o, const std::string &data) {
    if (o.ipc) server_.reply(o.client, ipc::successReply(o.requestId, data));
}

void Controller::fail(const Origin &o, const std::string &message) {
    if (!o.ipc) {
        port_.say(message);
        return;
    }
    server_.reply(o.client, ipc::errorReply(o.requestId, message));
}

void Controller::frameShown() {
    if (waitingFrame_.empty()) return;
    const std::string data = ipc::frameJson(port_.snapshot());
    for (const Waiting &w : waitingFrame_) ok(Origin{true, w.client, w.requestId}, data);
    waitingFrame_.clear();
}

void Controller::finish() {
    frameShown();
    for (const auto &w : waitingIndex_) fail(w.origin, "stopped before the packet index was ready");
    waitingIndex_.clear();
    for (const auto &w : waitingShot_) fail(w.origin, "stopped before the screenshot was written");
    waitingShot_.clear();
    for (const auto &w : waitingExport_) fail(w.origin, "stopped before the export was written");
    waitingExport_.clear();
}

void Controller::exportDone(uint64_t tag, const std::string &path, const std::string &summary, const std::string &error) {
    port_.say(error.empty() ? "exported " + path + " (" + summary + ")" : "export failed: " + error);
    for (size_t k = 0; k < waitingExport_.size();) {
        if (waitingExport_[k].tag != tag) {
            ++k;
            continue;
        }
        if (error.empty()) ok(waitingExport_[k].origin, "{\"path\": " + json::quoted(path) + ", \"method\": " + json::quoted(summary) + "}");
        else fail(waitingExport_[k].origin, error);
        waitingExport_.erase(waitingExport_.begin() + static_cast<long>(k));
    }
    port_.redrawStatus();
}

void Controller::indexReady() {
    std::vector<WaitingIndex> w;
    w.swap(waitingIndex_);
    for (const auto &x : w) {
        Intent i;
        i.kind = IntentKind::GotoFrame;
        i.n = x.frame;
        apply(i, x.origin);
    }
}

void Controller::shotDone(uint64_t tag, const std::string &path, const std::string &error) {
    port_.say(error.empty() ? "saved " + path : "screenshot failed: " + error);
    for (size_t k = 0; k < waitingShot_.size();) {
        if (waitingShot_[k].tag != tag) {
            ++k;
            continue;
        }
        if (error.empty()) ok(waitingShot_[k].origin, json::quoted(path));
        else fail(waitingShot_[k].origin, error);
        waitingShot_.erase(waitingShot_.begin() + static_cast<long>(k));
    }
    port_.redrawStatus();
}

void Controller::navigate(const NavAction &a, const Origin &o) {
    if (o.ipc) waitingFrame_.push_back(Waiting{o.client, o.requestId});
    port_.navigate(a);
    if (a.message) port_.say(a.message);
    if (a.answerNow) frameShown();
}

void Controller::apply(const Intent &i, const Origin &o) {
    const Navigator &nav = port_.navigator();
    const PlayerSnapshot s = port_.snapshot();
    const bool paused = port_.paused();
    auto exactFor = [&](SeekMode m) { return m == SeekMode::Exact || (m == SeekMode::Default && port_.seekExactByDefault()); };
    switch (i.kind) {
    case IntentKind::None: return;
    case IntentKind::Quit:
        ok(o);
        port_.quit();
        return;
    case IntentKind::TogglePause:
    case IntentKind::SetPause: {
        const bool want = i.kind == IntentKind::TogglePause ? !paused : i.flag;
        if (want != paused) {
            if (want) port_.pause();
            else port_.resume();
        }
        ok(o);
        break;
    }
    case IntentKind::StepForward:
        port_.pause();
        navigate(nav.stepForward(port_.here()), o);
        break;
    case IntentKind::StepBack:
        port_.pause();
        navigate(nav.stepBack(port_.here()), o);
        break;
    case IntentKind::SeekRelative:
        navigate(nav.seekBy(port_.here(), static_cast<int64_t>(i.value * 1e9), exactFor(i.mode), paused, port_.durationNs()), o);
        break;
    case IntentKind::SeekAbsolute:
        navigate(nav.seekTo(port_.here(), static_cast<int64_t>(i.value * 1e9), exactFor(i.mode), paused, port_.durationNs()), o);
        break;
    case IntentKind::GotoFrame:
        if (!s.indexReady) {
            if (port_.indexPending()) {
                waitingIndex_.push_back(WaitingIndex{o, i.n});   // goes when the scan is done
                return;
            }
            return fail(o, "this input has no packet index");
        }
        if (i.n >= s.frameCount) {
            char m[96];
            std::snprintf(m, sizeof m, "no frame %" PRId64 " (%" PRId64 " frames)", i.n, s.frameCount);
            return fail(o, o.ipc ? std::string("no such frame") : std::string(m));
        }
        if (paused && s.haveFrame && s.frame.ordinalExact && s.frame.ordinal == i.n) {
            if (o.ipc) waitingFrame_.push_back(Waiting{o.client, o.requestId});
            frameShown();
            break;
        }
        navigate(nav.gotoOrdinal(i.n, paused), o);
        break;
    case IntentKind::PrevKeyframe:
    case IntentKind::NextKeyframe:
        navigate(nav.jumpKey(port_.here(), i.kind == IntentKind::NextKeyframe, paused), o);
        break;
    case IntentKind::FirstFrame: navigate(nav.first(paused), o); break;
    case IntentKind::LastFrame: navigate(nav.last(paused), o); break;
    case IntentKind::GotoPrompt:
        promptOpen_ = true;
        digits_[0] = 0;
        break;
    case IntentKind::Screenshot: {
        std::string why;
        const uint64_t tag = ++shotTag_;
        if (!port_.screenshot(tag, why)) return fail(o, why);
        if (o.ipc) waitingShot_.push_back(WaitingShot{o, tag});
        break;
    }
    case IntentKind::MarkIn:
    case IntentKind::MarkOut: {
        std::string why;
        int64_t ordinal = -1;
        if (!port_.mark(i.kind == IntentKind::MarkIn, ordinal, why)) return fail(o, why);
        ok(o, "{\"ordinal\": " + std::to_string(ordinal) + "}");
        break;
    }
    case IntentKind::Export: {
        std::string why;
        const uint64_t tag = ++exportTag_;
        if (!port_.startExport(tag, i.text, i.flag, why)) return fail(o, why);
        if (o.ipc) waitingExport_.push_back(WaitingShot{o, tag});
        break;
    }
    case IntentKind::SpeedSet:
    case IntentKind::SpeedScale:
    case IntentKind::SpeedStep:
    case IntentKind::SpeedReverse:
    case IntentKind::SpeedReset: {
        const double cur = port_.speed();
        double sp = 1.0;
        switch (i.kind) {
        case IntentKind::SpeedSet: sp = i.value; break;
        case IntentKind::SpeedScale: sp = cur * i.value; break;
        case IntentKind::SpeedStep: sp = i.value > 0 ? speedUp(cur) : speedDown(cur); break;
        case IntentKind::SpeedReverse: sp = -cur; break;
        default: break;
        }
        port_.setSpeed(sp);
        ok(o);
        break;
    }
    case IntentKind::LatencySet:
        port_.setLowLatency(i.flag);
        ok(o);
        break;
    case IntentKind::ToggleStatus:
        port_.toggleStatus();
        ok(o);
        break;
    case IntentKind::Fullscreen:
        port_.toggleFullscreen();
        ok(o);
        break;
    case IntentKind::VolumeSet:
    case IntentKind::VolumeAdd:
    case IntentKind::MuteSet:
    case IntentKind::MuteToggle: {
        AudioPlayer *a = port_.audio();
        if (!a) return fail(o, "no audio");
        if (i.kind == IntentKind::VolumeSet || i.kind == IntentKind::VolumeAdd) {
            a->setVolume(static_cast<int>(i.kind == IntentKind::VolumeSet ? i.value : a->volume() + i.value));
            if (i.kind == IntentKind::VolumeAdd) a->setMuted(false);
        } else {
            a->setMuted(i.kind == IntentKind::MuteSet ? i.flag : !a->muted());
        }
        char m[48];
        if (a->muted()) std::snprintf(m, sizeof m, "muted");
        else std::snprintf(m, sizeof m, "volume %d%%", a->volume());
        if (!o.ipc) port_.say(m);
        ok(o);
        break;
    }
    case IntentKind::GetProperty: {
        std::string json;
        if (!ipc::property(i.text, s, json)) return fail(o, "property unavailable");
        ok(o, json);
        return;
    }
    case IntentKind::Keypress: {
        tui::KeyParser kp;
        kp.feed(i.text.data(), i.text.size());
        tui::Key k;
        while (kp.next(k, true)) key(k);
        ok(o);
        return;
    }
    }
    port_.redrawStatus();
}

void Controller::promptKey(const tui::Key &k) {
    const size_t n = std::strlen(digits_);
    if (k.code == tui::KeyCode::Char && k.ch >= '0' && k.ch <= '9') {
        if (n + 1 < sizeof digits_) {
            digits_[n] = k.ch;
            digits_[n + 1] = 0;
        }
    } else if (k.code == tui::KeyCode::Backspace) {
        if (n > 0) digits_[n - 1] = 0;
    } else if (k.code == tui::KeyCode::Enter) {
        promptOpen_ = false;
        if (n > 0) {
            Intent i;
            i.kind = IntentKind::GotoFrame;
            i.n = std::strtoll(digits_, nullptr, 10);
            if (!port_.snapshot().indexReady && !port_.indexPending()) port_.say("go to frame needs the packet index");
            else apply(i, Origin{});
        }
    } else {
        promptOpen_ = false;   // ESC or any other key cancels
    }
    std::snprintf(prompt_, sizeof prompt_, "go to frame: %s_", digits_);
    port_.redrawStatus();
}

void Controller::key(const tui::Key &k) {
    if (promptOpen_) return promptKey(k);
    apply(intentForCommand(tui::commandFor(k)), Origin{});
    if (promptOpen_) {
        std::snprintf(prompt_, sizeof prompt_, "go to frame: %s_", digits_);
        port_.redrawStatus();
    }
}

void Controller::readSocket() {
    if (!server_.listening()) return;
    lines_.clear();
    server_.read(lines_);
    for (const auto &l : lines_) {
        const ipc::Request r = ipc::parseRequest(l.text);
        const Origin o{true, l.client, r.requestId};
        if (!r.ok) {
            fail(o, r.error);
            continue;
        }
        Intent i;
        std::string error;
        if (!ipc::toIntent(r, i, error)) {
            fail(o, error);
            continue;
        }
        apply(i, o);
    }
}

} // namespace qv
