#include "cli.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qv::app {

const std::vector<OptionSpec> &optionTable() {
    static const std::vector<OptionSpec> table = {
        {"display", 0, "NAME", "play", "where to show the video: auto, sdl, kms, fbdev, vulkan, blocks, sixel, kitty, null, hash, or help (list them and why each can or cannot run here)"},
        {"no-audio", 0, nullptr, "play", "play no sound (by default the best audio stream plays, and its clock leads the picture)"},
        {"volume", 0, "N", "play", "start at volume N percent (0 to 150, default 100)", OptType::Int, 0, 150},
        {"audio-delay", 0, "SECS", "play", "play the sound SECS seconds later than the picture (negative: earlier)", OptType::Real, -60, 60},
        {"geometry", 0, "WxH[+X+Y]", "play", "window displays: the window's size in pixels (and place)"},
        {"kms-device", 0, "PATH", "play", "kms: the DRM device (default /dev/dri/card0)"},
        {"kms-connector", 0, "NAME", "play", "kms: the connector to drive, e.g. HDMI-A-1 (default: the first connected)"},
        {"kms-mode", 0, "WxH[@HZ]", "play", "kms: set this mode (default: keep the mode the screen has)"},
        {"kms-plane", 0, "WHERE", "play", "kms: the video's plane: auto (a YUV plane when the driver takes one), primary, overlay, or rgb (XRGB8888 on the primary, converted by the CPU)", OptType::Choice, 0, 0, "auto|primary|overlay|rgb"},
        {"kms-list", 0, nullptr, "play", "kms: list connectors, modes and planes, say what qv would choose, and exit"},
        {"fb-device", 0, "PATH", "play", "fbdev: the framebuffer (default /dev/fb0)"},
        {"vk-surface", 0, "KIND", "play", "vulkan: auto (a window with a display server, the screen on a VT), window, display (VK_KHR_display) or headless (offscreen)", OptType::Choice, 0, 0, "auto|window|display|headless"},
        {"no-sync", 0, nullptr, "play", "present frames as fast as they come, no clock"},
        {"frames", 0, "N", "play", "stop after N presented frames", OptType::Int, 1, 9007199254740992.0},
        {"start", 0, "TIME", "play", "start at TIME (seconds, or [[hh:]mm:]ss[.frac]); lands on the exact frame", OptType::Time, 0, 1e7},
        {"speed", 0, "X", "play", "playback speed factor (0.1 to 64; past 4x keyframes only)", OptType::Real, 0.1, 64},
        {"size", 0, "COLSxROWS", "play", "terminal size to draw for, also when stdout is not a terminal"},
        {"colors", 0, "MODE", "play", "terminal colours: auto (truecolor when COLORTERM says so), truecolor, 256", OptType::Choice, 0, 0, "auto|truecolor|24bit|256"},
        {"max-bandwidth", 0, "RATE", "play", "terminal displays: send at most RATE bytes per second (e.g. 500K, 2M), skipping frames", OptType::Size, 1000, 1e12},
        {"block-tolerance", 0, "N", "play", "blocks: redraw a cell only when a colour moved by more than N (0-255, default 6; 0 exact)", OptType::Int, 0, 255},
        {"stats", 0, nullptr, "play", "at exit print frames decoded, presented, dropped by reason, busy time per stage, queue high-water marks"},
        {"loop", 0, nullptr, "play", "start again at the end"},
        {"latency", 0, "MODE", "play", "normal (default: paced by the timestamps) or low (live sources: no probe delay, each frame shown as soon as it is decoded, the newest when behind)", OptType::Choice, 0, 0, "normal|low"},
        {"timeout", 0, "TIME", "play,info", "a source silent for TIME (at the open or while playing) ends qv with exit code 10 (play: default 0, wait for ever; info: 10 s for a live source)", OptType::Time, 0, 1e7},
        {"drift-guard", 0, "WHEN", "play", "hold a live source's sound latency where it started, playing a fraction of a percent faster or slower as the sender's clock drifts from the sound card's: auto (default: for cameras and udp, rtp, srt, rtsp, rtmp, tcp URLs), on, off", OptType::Choice, 0, 0, "auto|on|off"},
        {"live-window", 0, "TIME", "play", "a live source or a pipe: keep the video packets of the last TIME (default 30s; 0: none; at most 128 MiB, 8192 packets) so that, paused, steps back and go-to reach into them", OptType::Time, 0, 3600},
        {"rtp", 0, "WHO", "play", "who receives RTP with --latency=low: auto (default: qv itself, for an SDP file or an rtsp:// URL of one H.264 or HEVC video stream, with PCMU, PCMA, L16, Opus or AAC sound or none, each frame handed on when its marker packet comes; FFmpeg for anything else) or ffmpeg (each frame then waits for the next one to begin)", OptType::Choice, 0, 0, "auto|ffmpeg"},
        {"reconnect", 0, "WHEN", "play", "open a source again when it ends or fails, with a backoff: auto (default: for udp, rtp, srt, rtsp, rtmp, tcp URLs), on, off", OptType::Choice, 0, 0, "auto|on|off"},
        {"demuxer-opt", 0, "K=V", "play,info", "pass option K=V to the demuxer and protocol (e.g. fifo_size=100000, rtsp_transport=tcp); repeat for more"},
        {"hwdec", 0, "LIST", "play,info,frames,hwdec-probe", "hardware decoding: no, auto (FFmpeg's own hwaccels that are here: cuda, vaapi, vdpau, drm, vulkan, ...; never wrapper decoders), or names tried in order, hwaccels or wrapper decoders (e.g. cuda,vaapi or h264_v4l2m2m). Default: software, unless qv hwdec-probe found a decoder exact on this machine. When none works: software, with one line saying why"},
        {"encode-threads", 0, "N", "play", "terminal displays (blocks, sixel, kitty): threads that encode frames ahead of the display: auto (default: one; a second splits sixel's and kitty's work once one cannot keep up), 0 (encode in the display thread), 1, 2", OptType::Choice, 0, 0, "auto|0|1|2"},
        {"threads", 0, "N", "all", "decoder threads (0 to 64; default 0: as many as the machine has cores)", OptType::Int, 0, 64},
        {"no-mmap", 0, nullptr, "all", "read local files with read() instead of mmap"},
        {"seek", 0, "MODE", "play", "what LEFT/RIGHT/UP/DOWN do: keyframe (default, fastest) or exact (land on the frame); SHIFT+LEFT/RIGHT always seek exactly 1 s", OptType::Choice, 0, 0, "keyframe|exact"},
        {"pause", 0, nullptr, "play", "start paused on the first frame"},
        {"start-frame", 0, "N", "play", "start at frame N (0-based, presentation order), exactly", OptType::Int, 0, 9007199254740992.0},
        {"step-cache", 0, "SIZE", "play", "memory for frames kept for back-stepping (default 256MiB; e.g. 64M, 1G)", OptType::Size, 0, 1099511627776.0},
        {"input-ipc", 0, "PATH", "play", "take JSON commands on a Unix socket at PATH (see the README)"},
        {"frame-log", 0, "FILE", "play", "write one line per presented or dropped frame to FILE"},
        {"record", 0, "FILE", "play", "record the input as it is read (stream copy of the video and sound, across pauses, steps and seeks) into FILE"},
        {"record-split", 0, "SIZE|DURATION", "play", "--record: start a new file (FILE-000, -001, ...) at the keyframe after SIZE bytes (50M, 1G) or DURATION seconds"},
        {"screenshot-dir", 0, "DIR", "play", "where the s key writes PNGs (default: the current directory)"},
        {"json", 0, nullptr, "info,frames,sheet,hwdec-probe", "info, frames, sheet, hwdec-probe: print JSON (the stable formats in the README)"},
        {"hash", 0, nullptr, "frames", "frames: add each picture's md5, as ffmpeg -f framemd5 computes it"},
        {"output", 'o', "FILE", "thumb,sheet,export", "thumb, sheet: the PNG file to write (many inputs: a directory, one PNG per input); export: the file to write (its name's extension picks the container)"},
        {"from", 0, "A", "export", "export: the first frame, a time (seconds or [[hh:]mm:]ss[.frac]: the frame on screen then) or #N (frame N, 0-based)"},
        {"to", 0, "B", "export", "export: the last frame (included), as --from"},
        {"reencode", 0, "ENCODER", "export", "export: re-encode every frame (with ENCODER, an FFmpeg encoder name; default: the source codec's)", OptType::Text, 0, 0, nullptr, true},
        {"at", 0, "TIME", "thumb", "thumb: the exact frame shown at TIME (default 0)", OptType::Time, 0, 1e7},
        {"frame", 0, "N", "thumb", "thumb: frame number N (0-based, presentation order)", OptType::Int, 0, 9007199254740992.0},
        {"width", 0, "W", "thumb,sheet", "thumb: scale to W pixels wide (default: the display width); sheet: the sheet's width (default 1280)", OptType::Int, 1, 16384},
        {"grid", 0, "CxR", "sheet", "sheet: C columns and R rows of tiles (1 to 32 each, default 4x4)"},
        {"exact", 0, nullptr, "sheet", "sheet: the exact frame at each tile's time (default: the keyframe at or before it, decoded alone)"},
        {"jobs", 'j', "N", "info,frames,thumb,sheet", "many inputs: files worked on at once (default: the cores)", OptType::Int, 1, 1024},
        {"recursive", 'r', nullptr, "info,frames,thumb,sheet", "many inputs: walk directories' subdirectories too"},
        {"ext", 0, "LIST", "info,frames,thumb,sheet", "many inputs: from directories take files ending in these extensions (comma list; default: common video ones)"},
        {"unordered", 0, nullptr, "info,frames,thumb,sheet", "many inputs: print each result as it finishes, not in input order"},
        {"verbose", 'v', nullptr, "all", "more messages (repeat for FFmpeg's own log)"},
        {"help", 'h', nullptr, "all", "show this help"},
        {"version", 0, nullptr, "all", "show the version"},
    };
    return table;
}

const std::vector<std::string> &commandNames() {
    static const std::vector<std::string> names = {"play", "info", "thumb", "frames", "sheet", "export", "hwdec-probe"};
    return names;
}

bool isCommand(const std::string &s) {
    for (const auto &c : commandNames())
        if (s == c) return true;
    return false;
}

namespace {
const OptionSpec *findLong(const std::string &n) {
    for (const auto &o : optionTable())
        if (n == o.longName) return &o;
    return nullptr;
}
const OptionSpec *findShort(char c) {
    for (const auto &o : optionTable())
        if (o.shortName == c) return &o;
    return nullptr;
}
// Checks a value against its option's type and range.
Result<void> checkValue(const OptionSpec &o, const std::string &v) {
    auto bad = [&](const std::string &want) {
        return Error::make(ErrorKind::Usage, std::string("--") + o.longName + " needs " + want + " (not '" + v + "')");
    };
    char range[96];
    auto fmt = [](double x) {
        char b[32];
        std::snprintf(b, sizeof b, "%g", x);
        return std::string(b);
    };
    if (o.max >= 1e12) std::snprintf(range, sizeof range, "of at least %s", fmt(o.min).c_str());
    else std::snprintf(range, sizeof range, "from %s to %s", fmt(o.min).c_str(), fmt(o.max).c_str());
    switch (o.type) {
    case OptType::Text: return {};
    case OptType::Int: {
        char *end = nullptr;
        errno = 0;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || !end || *end || errno == ERANGE || n < o.min || n > o.max)
            return bad(std::string("an integer ") + range);
        return {};
    }
    case OptType::Real: {
        char *end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || !end || *end || !std::isfinite(d) || d < o.min || d > o.max) return bad(std::string("a number ") + range);
        return {};
    }
    case OptType::Time: {
        auto t = parseTime(v);
        if (!t || t.value() / 1e9 < o.min || t.value() / 1e9 > o.max)
            return bad(std::string("a time in seconds or [[hh:]mm:]ss[.frac], ") + range + " s");
        return {};
    }
    case OptType::Size: {
        auto b = parseSize(v);
        if (!b || b.value() < o.min || b.value() > o.max) return bad(std::string("a size (e.g. 500K, 64M, 1G) ") + range + " bytes");
        return {};
    }
    case OptType::Choice: {
        const std::string c = std::string("|") + o.choices + "|";
        if (v.empty() || v.find('|') != std::string::npos || c.find("|" + v + "|") == std::string::npos) {
            std::string list = o.choices;
            for (char &ch : list)
                if (ch == '|') ch = ',';
            return bad("one of " + list);
        }
        return {};
    }
    }
    return {};
}
} // namespace

int64_t ParsedArgs::integer(const char *name, int64_t def) const {
    return has(name) ? std::strtoll(get(name).c_str(), nullptr, 10) : def;
}
double ParsedArgs::real(const char *name, double def) const { return has(name) ? std::strtod(get(name).c_str(), nullptr) : def; }
int64_t ParsedArgs::timeNs(const char *name, int64_t def) const {
    if (!has(name)) return def;
    auto t = parseTime(get(name));
    return t ? t.value() : def;
}
int64_t ParsedArgs::bytes(const char *name, int64_t def) const {
    if (!has(name)) return def;
    auto b = parseSize(get(name));
    return b ? b.value() : def;
}

Result<ParsedArgs> parseArgs(int argc, char **argv) {
    ParsedArgs a;
    bool commandSeen = false;
    bool noMoreOptions = false;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        if (!noMoreOptions && s == "--") {
            noMoreOptions = true;
            continue;
        }
        if (!noMoreOptions && s.size() > 2 && s[0] == '-' && s[1] == '-') {
            std::string name = s.substr(2), value;
            bool hasValue = false;
            if (auto eq = name.find('='); eq != std::string::npos) {
                value = name.substr(eq + 1);
                name = name.substr(0, eq);
                hasValue = true;
            }
            const OptionSpec *o = findLong(name);
            if (!o) return Error::make(ErrorKind::Usage, "unknown option --" + name + " (see qv --help)");
            if (o->argName && !hasValue && !o->optionalValue) {
                if (i + 1 >= argc) return Error::make(ErrorKind::Usage, "--" + name + " needs " + o->argName);
                value = argv[++i];
            } else if (!o->argName && hasValue) {
                return Error::make(ErrorKind::Usage, "--" + name + " takes no value");
            }
            if (name == "verbose") ++a.verbose;
            if (o->argName)
                if (auto r = checkValue(*o, value); !r) return r.takeError();
            // A repeatable option gathers its values, one per line.
            if (name == "demuxer-opt" && a.has("demuxer-opt")) value = a.get("demuxer-opt") + "\n" + value;
            a.values[name] = value;
            continue;
        }
        if (!noMoreOptions && s.size() >= 2 && s[0] == '-' && s[1] != '-') {
            for (size_t k = 1; k < s.size(); ++k) {
                const OptionSpec *o = findShort(s[k]);
                if (!o) return Error::make(ErrorKind::Usage, std::string("unknown option -") + s[k] + " (see qv --help)");
                std::string value;
                if (o->argName) {
                    if (k + 1 < s.size()) value = s.substr(k + 1);
                    else if (i + 1 < argc) value = argv[++i];
                    else return Error::make(ErrorKind::Usage, std::string("-") + s[k] + " needs " + o->argName);
                    k = s.size();
                }
                if (std::strcmp(o->longName, "verbose") == 0) ++a.verbose;
                if (o->argName)
                    if (auto r = checkValue(*o, value); !r) return r.takeError();
                a.values[o->longName] = value;
            }
            continue;
        }
        if (!commandSeen && a.positional.empty() && isCommand(s)) {
            a.command = s;
            commandSeen = true;
            continue;
        }
        a.positional.push_back(s);
    }
    for (const auto &kv : a.values) {
        const OptionSpec *o = findLong(kv.first);
        const std::string c = o->commands;
        if (c != "all" && ("," + c + ",").find("," + a.command + ",") == std::string::npos)
            return Error::make(ErrorKind::Usage, "--" + kv.first + " is an option of '" + c + "', not of '" + a.command + "'");
    }
    return a;
}

std::string helpText() {
    std::string h =
        "usage: qv [play] [FILE|URL] [options]   play (no FILE: the built-in demo)\n"
        "       qv info FILE [--json]            what the file holds\n"
        "       qv thumb FILE -o OUT.png [--at TIME | --frame N] [--width W]\n"
        "       qv frames FILE [--json] [--hash]     one line per frame, in presentation order\n"
        "       qv sheet FILE -o OUT.png [--grid CxR] [--width W] [--exact]   a contact sheet\n"
        "       qv info|frames|thumb|sheet FILE... DIR... - [-r] [--ext LIST] [-j N] [--unordered]\n"
        "                                        many inputs: one JSON line each\n"
        "       qv hwdec-probe [FILE...] [--hwdec=LIST] [--json]   is hardware decoding exact here?\n"
        "       qv export FILE --from A --to B -o OUT [--reencode[=ENCODER]]   frames A..B and their sound, frame-exact\n"
        "\noptions:\n";
    for (const auto &o : optionTable()) {
        std::string left = "  ";
        left += o.shortName ? std::string("-") + o.shortName + ", " : std::string("    ");
        left += std::string("--") + o.longName;
        if (o.argName) left += (o.optionalValue ? std::string("[=") + o.argName + "]" : std::string("=") + o.argName);
        if (left.size() < 28) left.resize(28, ' ');
        else left += "\n" + std::string(28, ' ');
        h += left + o.help + "\n";
    }
    h += "\nkeys: SPACE/p pause, . step, , step back, LEFT/RIGHT -5/+5 s, DOWN/UP -60/+60 s,\n"
         "      SHIFT+LEFT/RIGHT or j/l exact -1/+1 s, PGUP/PGDN or < > keyframes, HOME/END,\n"
         "      g N ENTER go to frame, s screenshot, [ ] { } speed, r reverse, \\ speed 1x, i status line, q/ESC quit,\n"
         "      ( ) mark in / out on the frame shown, X export the marked range (qv export, playback goes on)\n";
    return h;
}

Result<int64_t> parseTime(const std::string &s) {
    if (s.empty()) return Error::make(ErrorKind::Usage, "empty time");
    double total = 0;
    size_t start = 0;
    int parts = 0;
    while (true) {
        size_t colon = s.find(':', start);
        std::string part = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        char *end = nullptr;
        double v = std::strtod(part.c_str(), &end);
        if (part.empty() || !end || *end != 0 || !std::isfinite(v) || v < 0)   // NaN and inf too (fuzz)
            return Error::make(ErrorKind::Usage, "bad time '" + s + "' (seconds, or [[hh:]mm:]ss[.frac])");
        total = total * 60 + v;
        if (++parts > 3) return Error::make(ErrorKind::Usage, "bad time '" + s + "'");
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (total > 1e9) return Error::make(ErrorKind::Usage, "bad time '" + s + "' (over 1e9 seconds)");
    return static_cast<int64_t>(total * 1e9 + 0.5);
}

Result<int64_t> parseSize(const std::string &s) {
    char *end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!end || end == s.c_str() || !std::isfinite(v) || v < 0)   // NaN and inf too (fuzz)
        return Error::make(ErrorKind::Usage, "bad size '" + s + "'");
    std::string unit = end;
    double mul = 1;
    if (unit.empty() || unit == "B") mul = 1;
    else if (unit == "K" || unit == "KiB" || unit == "k") mul = 1024;
    else if (unit == "M" || unit == "MiB") mul = 1024.0 * 1024;
    else if (unit == "G" || unit == "GiB") mul = 1024.0 * 1024 * 1024;
    else return Error::make(ErrorKind::Usage, "bad size unit in '" + s + "'");
    if (v * mul > 4e18) return Error::make(ErrorKind::Usage, "bad size '" + s + "' (too large)");
    return static_cast<int64_t>(v * mul);
}

} // namespace qv::app
