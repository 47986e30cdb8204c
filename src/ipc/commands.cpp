#include "commands.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace qv::ipc {
namespace {

// The whole text as a finite number within [lo, hi].
bool number(const std::string &s, double lo, double hi, double &out) {
    if (s.empty()) return false;
    char *end = nullptr;
    errno = 0;
    const double v = std::strtod(s.c_str(), &end);
    if (!end || *end || errno == ERANGE || !std::isfinite(v) || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool integer(const std::string &s, int64_t lo, int64_t hi, int64_t &out) {
    if (s.empty()) return false;
    char *end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (!end || *end || errno == ERANGE || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool yesNo(const std::string &s, bool &out) {
    if (s == "yes" || s == "true" || s == "on" || s == "1") out = true;
    else if (s == "no" || s == "false" || s == "off" || s == "0") out = false;
    else return false;
    return true;
}

constexpr double kMaxSeekSeconds = 1e9;   // about 31 years: anything further is a mistake
constexpr int64_t kMaxFrame = int64_t(1) << 53;

} // namespace

bool toIntent(const Request &r, Intent &out, std::string &error) {
    out = Intent{};
    const std::string &c = r.args[0];
    const size_t n = r.args.size();
    auto arg = [&](size_t k) -> const std::string & {
        static const std::string none;
        return k < n ? r.args[k] : none;
    };
    auto args = [&](size_t lo, size_t hi) {
        if (n - 1 >= lo && n - 1 <= hi) return true;
        error = c + " takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                " argument" + (hi == 1 ? "" : "s");
        return false;
    };
    auto simple = [&](IntentKind k) {
        if (!args(0, 0)) return false;
        out.kind = k;
        return true;
    };
    if (c == "quit") return simple(IntentKind::Quit);
    if (c == "frame-step") return simple(IntentKind::StepForward);
    if (c == "frame-back-step") return simple(IntentKind::StepBack);
    if (c == "prev-keyframe") return simple(IntentKind::PrevKeyframe);
    if (c == "next-keyframe") return simple(IntentKind::NextKeyframe);
    if (c == "screenshot") return simple(IntentKind::Screenshot);
    if (c == "goto-frame") {
        if (!args(1, 1)) return false;
        if (!integer(arg(1), 0, kMaxFrame, out.n)) {
            error = "goto-frame needs a frame number";
            return false;
        }
        out.kind = IntentKind::GotoFrame;
        return true;
    }
    if (c == "seek") {
        if (!args(1, 3)) return false;
        if (!number(arg(1), -kMaxSeekSeconds, kMaxSeekSeconds, out.value)) {
            error = "seek needs a number of seconds";
            return false;
        }
        bool absolute = false, exact = false, keyframe = false;
        for (size_t k = 2; k < n; ++k) {
            const std::string &f = r.args[k];
            size_t start = 0;
            while (start <= f.size()) {
                size_t plus = f.find('+', start);
                if (plus == std::string::npos) plus = f.size();
                const std::string t = f.substr(start, plus - start);
                start = plus + 1;
                if (t == "relative") absolute = false;
                else if (t == "absolute") absolute = true;
                else if (t == "exact") exact = true;
                else if (t == "keyframes" || t == "keyframe") keyframe = true;
                else {
                    error = "unknown seek flag '" + t + "' (relative, absolute, exact, keyframes)";
                    return false;
                }
            }
        }
        if (exact && keyframe) {
            error = "seek: exact and keyframes exclude each other";
            return false;
        }
        if (absolute && out.value < 0) {
            error = "seek absolute needs a time >= 0";
            return false;
        }
        out.kind = absolute ? IntentKind::SeekAbsolute : IntentKind::SeekRelative;
        out.mode = exact ? SeekMode::Exact : keyframe ? SeekMode::Keyframe : SeekMode::Default;
        return true;
    }
    if (c == "set" || c == "set_property") {
        if (!args(2, 2)) return false;
        const std::string &p = arg(1), &v = arg(2);
        if (p == "pause") {
            if (!yesNo(v, out.flag)) {
                error = "pause needs yes or no";
                return false;
            }
            out.kind = IntentKind::SetPause;
            return true;
        }
        if (p == "speed") {
            if (!number(v, 0.1, 16, out.value)) {
                error = "speed needs 0.1 to 16";
                return false;
            }
            out.kind = IntentKind::SpeedSet;
            return true;
        }
        if (p == "volume") {
            if (!number(v, 0, 150, out.value)) {
                error = "volume needs 0 to 150";
                return false;
            }
            out.kind = IntentKind::VolumeSet;
            return true;
        }
        if (p == "mute") {
            if (!yesNo(v, out.flag)) {
                error = "mute needs yes or no";
                return false;
            }
            out.kind = IntentKind::MuteSet;
            return true;
        }
        error = "pause, speed, volume and mute can be set";
        return false;
    }
    if (c == "cycle") {
        if (!args(1, 1)) return false;
        if (arg(1) == "pause") out.kind = IntentKind::TogglePause;
        else if (arg(1) == "mute") out.kind = IntentKind::MuteToggle;
        else {
            error = "pause and mute can be cycled";
            return false;
        }
        return true;
    }
    if (c == "get" || c == "get_property") {
        if (!args(1, 1)) return false;
        out.kind = IntentKind::GetProperty;
        out.text = arg(1);
        return true;
    }
    if (c == "keypress") {
        if (!args(1, 1)) return false;
        out.kind = IntentKind::Keypress;
        out.text = arg(1);
        return true;
    }
    error = "unknown command " + c;
    return false;
}

std::string frameJson(const PlayerSnapshot &s) {
    const FrameInfo &i = s.frame;
    char b[256];
    std::snprintf(b, sizeof b,
                  "{\"ordinal\": %" PRId64 ", \"exact\": %s, \"pts\": %.6f, \"type\": \"%c\", \"key\": %s, \"paused\": %s}",
                  i.ordinal, i.ordinalExact ? "true" : "false", static_cast<double>(i.ptsNs) / 1e9,
                  i.pictType == '"' || i.pictType == '\\' ? '?' : i.pictType, i.key ? "true" : "false",
                  s.paused ? "true" : "false");
    return b;
}

bool property(const std::string &name, const PlayerSnapshot &s, std::string &json) {
    const FrameInfo &i = s.frame;
    char b[64];
    auto num = [&](int64_t v) {
        std::snprintf(b, sizeof b, "%" PRId64, v);
        json = b;
        return true;
    };
    auto real = [&](double v) {
        std::snprintf(b, sizeof b, "%.6f", v);
        json = b;
        return true;
    };
    auto boolean = [&](bool v) {
        json = v ? "true" : "false";
        return true;
    };
    if (name == "ordinal" || name == "frame" || name == "estimated-frame-number") return num(i.ordinal);
    if (name == "ordinal-exact") return boolean(i.ordinalExact);
    if (name == "pts" || name == "time-pos" || name == "playback-time") return real(i.ptsNs / 1e9);
    if (name == "dts") {
        if (i.dts == kNoTs) {
            json = "null";
            return true;
        }
        return real(static_cast<double>(i.dts) * i.tbNum / i.tbDen);
    }
    if (name == "pict-type") {
        json = std::string("\"") + (i.pictType == '"' || i.pictType == '\\' ? '?' : i.pictType) + "\"";
        return true;
    }
    if (name == "key") return boolean(i.key);
    if (name == "pkt-size") return num(i.pktSize);
    if (name == "pause" || name == "paused") return boolean(s.paused);
    if (name == "frame-count" || name == "estimated-frame-count") return num(s.frameCount);
    if (name == "index-ready") return boolean(s.indexReady);
    if (name == "duration") return real(s.durationNs / 1e9);
    if (name == "presented") return num(s.presented);
    if (name == "dropped") return num(s.dropped);
    if (name == "dropped-link") return num(s.droppedLink);
    if (name == "step-cache-bytes") return num(s.cacheBytes);
    if (name == "step-cache-frames") return num(s.cacheFrames);
    if (name == "step-cache-budget") return num(s.cacheBudget);
    if (name == "step-cache-hits") return num(s.cacheHits);
    if (name == "decoded") return num(s.decoded);
    if (name == "speed") return real(s.speed);
    if (name == "volume") return num(s.volume);
    if (name == "mute") return boolean(s.mute);
    if (name == "audio") return boolean(s.audio);
    if (name == "shed-level") return num(s.shedLevel);
    if (name == "filename") {
        json = "\"" + jsonEscape(std::string(s.filename)) + "\"";
        return true;
    }
    if (name == "frame-info") {
        json = frameJson(s);
        return true;
    }
    return false;
}

} // namespace qv::ipc
