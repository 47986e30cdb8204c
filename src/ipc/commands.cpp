#include "commands.h"

#include "qv/ipc/args.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace qv::ipc {
bool toIntent(const Request &r, Intent &out, std::string &error) {
    out = Intent{};
    const std::string &c = r.command;
    // Each reader says what was wrong in one line; the first failure wins.
    auto fail = [&](const Error &e) {
        error = e.message;
        return false;
    };
    auto count = [&](size_t lo, size_t hi) {
        auto n = argCount(r, lo, hi);
        return n ? true : fail(n.error());
    };
    auto simple = [&](IntentKind k) {
        if (!count(0, 0)) return false;
        out.kind = k;
        return true;
    };
    if (c == "quit") return simple(IntentKind::Quit);
    if (c == "frame-step") return simple(IntentKind::StepForward);
    if (c == "frame-back-step") return simple(IntentKind::StepBack);
    if (c == "prev-keyframe") return simple(IntentKind::PrevKeyframe);
    if (c == "next-keyframe") return simple(IntentKind::NextKeyframe);
    if (c == "screenshot") return simple(IntentKind::Screenshot);
    if (c == "mark-in") return simple(IntentKind::MarkIn);
    if (c == "mark-out") return simple(IntentKind::MarkOut);
    if (c == "export") {
        if (!count(0, 1)) return false;
        out.kind = IntentKind::Export;
        if (r.arg(0)) {
            auto v = stringArg(r.arg(0), "the output file");
            if (!v) return fail(v.error());
            if (v.value().empty()) return fail(Error::make(ErrorKind::Usage, "the output file is empty"));
            out.text = v.value();
        }
        return true;
    }
    if (c == "goto-frame") {
        if (!count(1, 1)) return false;
        auto n = integerArg(r.arg(0), "goto-frame's frame number", 0, int64_t(1) << 53);
        if (!n) return fail(n.error());
        out.kind = IntentKind::GotoFrame;
        out.n = n.value();
        return true;
    }
    if (c == "seek") {
        if (!count(1, 3)) return false;
        auto ns = secondsArg(r.arg(0), "seek target");
        if (!ns) return fail(ns.error());
        auto f = seekFlags(r.arg(1), r.arg(2));
        if (!f) return fail(f.error());
        if (f.value().absolute && ns.value() < 0) {
            error = "seek absolute needs a time >= 0";
            return false;
        }
        out.kind = f.value().absolute ? IntentKind::SeekAbsolute : IntentKind::SeekRelative;
        out.value = static_cast<double>(ns.value()) / 1e9;
        const auto p = f.value().precision;
        out.mode = p == SeekFlags::Precision::Exact       ? SeekMode::Exact
                 : p == SeekFlags::Precision::Keyframes ? SeekMode::Keyframe
                                                         : SeekMode::Default;
        return true;
    }
    if (c == "set" || c == "set_property") {
        if (!count(2, 2)) return false;
        auto name = stringArg(r.arg(0), "the property");
        if (!name) return fail(name.error());
        const std::string &p = name.value();
        if (p == "pause" || p == "mute") {
            auto v = flagArg(r.arg(1), p.c_str());
            if (!v) return fail(v.error());
            out.kind = p == "pause" ? IntentKind::SetPause : IntentKind::MuteSet;
            out.flag = v.value();
            return true;
        }
        if (p == "speed" || p == "volume") {
            auto v = p == "speed" ? numberArg(r.arg(1), "speed", -64, 64) : numberArg(r.arg(1), "volume", 0, 150);
            if (!v) return fail(v.error());
            out.kind = p == "speed" ? IntentKind::SpeedSet : IntentKind::VolumeSet;
            out.value = v.value();
            return true;
        }
        if (p == "latency") {
            auto v = stringArg(r.arg(1), "latency");
            if (!v) return fail(v.error());
            if (v.value() != "low" && v.value() != "normal") {
                error = "latency is low or normal";
                return false;
            }
            out.kind = IntentKind::LatencySet;
            out.flag = v.value() == "low";
            return true;
        }
        error = "pause, speed, volume, mute and latency can be set";
        return false;
    }
    if (c == "cycle") {
        if (!count(1, 1)) return false;
        auto name = stringArg(r.arg(0), "the property");
        if (!name) return fail(name.error());
        if (name.value() == "pause") out.kind = IntentKind::TogglePause;
        else if (name.value() == "mute") out.kind = IntentKind::MuteToggle;
        else {
            error = "pause and mute can be cycled";
            return false;
        }
        return true;
    }
    if (c == "get" || c == "get_property" || c == "keypress") {
        if (!count(1, 1)) return false;
        auto v = stringArg(r.arg(0), c == "keypress" ? "the keys" : "the property");
        if (!v) return fail(v.error());
        out.kind = c == "keypress" ? IntentKind::Keypress : IntentKind::GetProperty;
        out.text = v.value();
        return true;
    }
    error = "unknown command " + c;
    return false;
}

std::string frameJson(const PlayerSnapshot &s) {
    const FrameInfo &i = s.frame;
    json::Writer w;
    w.beginObject();
    w.key("ordinal").integer(i.ordinal);
    w.key("exact").boolean(i.ordinalExact);
    w.key("pts").fixed(static_cast<double>(i.ptsNs) / 1e9, 6);
    w.key("type").string(std::string(1, i.pictType));
    w.key("key").boolean(i.key);
    w.key("paused").boolean(s.paused);
    w.endObject();
    return w.take();
}

bool property(const std::string &name, const PlayerSnapshot &s, std::string &out) {
    const FrameInfo &i = s.frame;
    json::Writer w;
    auto done = [&] {
        out = w.take();
        return true;
    };
    if (name == "ordinal" || name == "frame" || name == "estimated-frame-number") w.integer(i.ordinal);
    else if (name == "ordinal-exact") w.boolean(i.ordinalExact);
    else if (name == "pts" || name == "time-pos" || name == "playback-time") w.fixed(i.ptsNs / 1e9, 6);
    else if (name == "dts") {
        if (i.dts == kNoTs) w.null();
        else w.fixed(static_cast<double>(i.dts) * i.tbNum / i.tbDen, 6);
    } else if (name == "pict-type") w.string(std::string(1, i.pictType));
    else if (name == "key") w.boolean(i.key);
    else if (name == "pkt-size") w.integer(i.pktSize);
    else if (name == "pause" || name == "paused") w.boolean(s.paused);
    else if (name == "frame-count" || name == "estimated-frame-count") w.integer(s.frameCount);
    else if (name == "index-ready") w.boolean(s.indexReady);
    else if (name == "duration") w.fixed(s.durationNs / 1e9, 6);
    else if (name == "presented") w.integer(s.presented);
    else if (name == "dropped") w.integer(s.dropped);
    else if (name == "dropped-link") w.integer(s.droppedLink);
    else if (name == "step-cache-bytes") w.integer(s.cacheBytes);
    else if (name == "step-cache-frames") w.integer(s.cacheFrames);
    else if (name == "step-cache-budget") w.integer(s.cacheBudget);
    else if (name == "step-cache-hits") w.integer(s.cacheHits);
    else if (name == "decoded") w.integer(s.decoded);
    else if (name == "speed") w.fixed(s.speed, 6);
    else if (name == "volume") w.integer(s.volume);
    else if (name == "mute") w.boolean(s.mute);
    else if (name == "audio") w.boolean(s.audio);
    else if (name == "shed-level") w.integer(s.shedLevel);
    else if (name == "latency") w.string(s.lowLatency ? "low" : "normal");
    else if (name == "filename") w.string(s.filename);
    else if (name == "frame-info") w.raw(frameJson(s));
    else return false;
    return done();
}

} // namespace qv::ipc
