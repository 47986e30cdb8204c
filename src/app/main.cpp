// qv: the command-line entry. Parses, dispatches to play / info / thumb, and
// maps every failure to one line on stderr and a documented exit code.
#include "cli.h"
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/log.h"
#include "qv/media/demuxer.h"
#include "qv/media/probe.h"
#include "qv/pipeline/pipeline.h"
#include "qv/tui/term_detect.h"
#include "display/kms/kms_choose.h"
#include "pipeline/open_watch.h"
#include "display/kms/kms_display.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#ifndef QV_VERSION
#define QV_VERSION "0.1.0"
#endif

namespace qv {
void initFfmpegLogging(int verbose);
}

using namespace qv;

namespace {

int usage(const std::string &msg) {
    log::error("%s", msg.c_str());
    return static_cast<int>(ExitCode::Usage);
}

// --demuxer-opt K=V, repeated (the parser joins them with newlines).
bool demuxerOpts(const app::ParsedArgs &a, std::vector<std::pair<std::string, std::string>> &out) {
    if (!a.has("demuxer-opt")) return true;
    const std::string all = a.get("demuxer-opt");
    for (size_t start = 0; start <= all.size();) {
        const size_t nl = std::min(all.find('\n', start), all.size());
        const std::string kv = all.substr(start, nl - start);
        const size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            usage("--demuxer-opt needs K=V (not '" + kv + "')");
            return false;
        }
        out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        start = nl + 1;
    }
    return true;
}

int runInfo(const app::ParsedArgs &a) {
    if (a.positional.size() != 1) return usage("info needs exactly one FILE");
    const std::string &path = a.positional[0];
    HwdecRequest hw;
    if (!app::hwdecFromArgs(a, hw)) return static_cast<int>(ExitCode::Usage);
    std::vector<std::pair<std::string, std::string>> opts;
    if (!demuxerOpts(a, opts)) return static_cast<int>(ExitCode::Usage);
    // A live source that never answers must not hang `qv info`: 10 s
    // unless --timeout says otherwise.
    const int64_t timeoutNs = a.timeNs("timeout", isLiveUrl(path) ? 10000000000LL : 0);
    std::atomic<bool> interrupt{false};
    OpenWatch deadline(-1, timeoutNs, interrupt);   // no signal fd: only the deadline
    auto f = probeFile(path, !a.has("no-mmap"), true, &interrupt, &opts);
    deadline.stop();
    if (!f && deadline.timedOut()) {
        log::error("%s: no data for %g s (--timeout)", path.c_str(), timeoutNs / 1e9);
        return static_cast<int>(ExitCode::Timeout);
    }
    if (!f) {
        log::error("%s: %s", path.c_str(), f.error().message.c_str());
        return static_cast<int>(exitCodeFor(f.error().kind));
    }
    app::addDecoderFacts(a, hw, f.value());
    std::string out = a.has("json") ? factsToJson(f.value()) : factsToText(f.value());
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

int runThumb(const app::ParsedArgs &a) {
    if (a.positional.size() != 1) return usage("thumb needs exactly one FILE");
    if (!a.has("output")) return usage("thumb needs -o OUT.png");
    if (a.has("at") && a.has("frame")) return usage("thumb takes --at or --frame, not both");
    ThumbRequest req;
    req.useMmap = !a.has("no-mmap");
    req.atNs = a.timeNs("at", 0);
    req.frame = a.integer("frame", -1);
    req.width = static_cast<int>(a.integer("width", 0));
    req.threads = static_cast<int>(a.integer("threads", 0));
    const std::string &path = a.positional[0];
    auto r = writeThumb(path, a.get("output"), req);
    if (!r) {
        log::error("%s: %s", path.c_str(), r.error().message.c_str());
        return static_cast<int>(exitCodeFor(r.error().kind));
    }
    return 0;
}

int runPlay(const app::ParsedArgs &a) {
    if (a.positional.size() > 1) return usage("play takes one FILE or URL");
    PlayOptions o;
    if (!a.positional.empty()) o.input = a.positional[0];
    o.display = a.get("display", "auto");
    if (const char *env = std::getenv("QV_DISPLAY"); env && *env && !a.has("display")) o.display = env;
    o.sync = !a.has("no-sync");
    o.stats = a.has("stats");
    o.loop = a.has("loop");
    o.useMmap = !a.has("no-mmap");
    o.maxFrames = a.integer("frames", -1);
    o.startNs = a.timeNs("start", 0);
    o.speed = a.real("speed", 1.0);
    if (a.has("size")) {
        int c = 0, r = 0;
        char x = 0;
        if (std::sscanf(a.get("size").c_str(), "%d%c%d", &c, &x, &r) != 3 || (x != 'x' && x != 'X') || c < 2 ||
            r < 2 || c > 4000 || r > 2000)
            return usage("--size needs COLSxROWS, e.g. 160x48");
        o.displayOpt.sizeCols = c;
        o.displayOpt.sizeRows = r;
    }
    const std::string colors = a.get("colors", "auto");
    o.displayOpt.colorMode = colors == "truecolor" || colors == "24bit" ? 24 : colors == "256" ? 256 : 0;
    o.displayOpt.tolerance = static_cast<int>(a.integer("block-tolerance", -1));
    o.threads = static_cast<int>(a.integer("threads", 0));
    {
        const std::string et = a.get("encode-threads", "auto");
        o.encodeThreads = et == "auto" ? -1 : std::atoi(et.c_str());
    }
    if (!app::hwdecFromArgs(a, o.hwdec)) return static_cast<int>(ExitCode::Usage);
    o.displayOpt.hwFrames = o.hwdec.mode == HwdecRequest::Mode::Auto;
    for (const auto &n : o.hwdec.names)
        if (n == "cuda" || n == "nvdec" || n.find("cuvid") != std::string::npos) o.displayOpt.hwFrames = true;
    o.displayOpt.maxBandwidth = a.bytes("max-bandwidth", 0);
    o.seekExact = a.get("seek") == "exact";
    if (a.has("start-frame") && a.has("start")) return usage("--start and --start-frame cannot both be given");
    o.startFrame = a.integer("start-frame", -1);
    o.stepCacheBytes = a.bytes("step-cache", o.stepCacheBytes);
    o.displayOpt.kmsDevice = a.get("kms-device");
    o.displayOpt.kmsConnector = a.get("kms-connector");
    o.displayOpt.kmsMode = a.get("kms-mode");
    o.displayOpt.fbDevice = a.get("fb-device");
    o.displayOpt.vkSurface = a.get("vk-surface", "auto");
    if (a.has("kms-mode")) {
        int w = 0, h = 0, hz = 0;
        if (!kms::parseModeRequest(o.displayOpt.kmsMode, w, h, hz)) return usage("--kms-mode needs WxH or WxH@HZ, e.g. 1920x1080@60");
    }
    o.displayOpt.kmsPlane = a.get("kms-plane");
    if (a.has("kms-list")) {
#if QV_HAVE_KMS
        return kmsList(o.displayOpt, stdout);
#else
        return usage("this qv was built without KMS (libdrm)");
#endif
    }
    o.audio = !a.has("no-audio");
    o.volume = static_cast<int>(a.integer("volume", 100));
    o.audioDelayNs = static_cast<int64_t>(a.real("audio-delay", 0) * 1e9);
    if (a.has("geometry")) {
        int w = 0, h = 0, x = -1, y = -1;
        const int n = std::sscanf(a.get("geometry").c_str(), "%dx%d+%d+%d", &w, &h, &x, &y);
        if ((n != 2 && n != 4) || w < 16 || h < 16 || w > 16384 || h > 16384 || (n == 4 && (x < 0 || y < 0)))
            return usage("--geometry needs WxH or WxH+X+Y, e.g. 1280x720+0+0");
        o.displayOpt.windowW = w;
        o.displayOpt.windowH = h;
        if (n == 4) {
            o.displayOpt.windowX = x;
            o.displayOpt.windowY = y;
        }
    }
    o.startPaused = a.has("pause");
    o.ipcPath = a.get("input-ipc");
    o.frameLogPath = a.get("frame-log");
    o.record.path = a.get("record");
    if (!o.record.path.empty() && o.input.empty()) return usage("--record needs a FILE or URL to record");
    if (a.has("record-split")) {
        if (!a.has("record")) return usage("--record-split needs --record=FILE");
        // A size when it has a unit (50M, 1G), else a duration (seconds, mm:ss).
        const std::string v = a.get("record-split");
        const char u = v.empty() ? 0 : v.back();
        if (u == 'K' || u == 'k' || u == 'M' || u == 'G' || u == 'B' || v.find("iB") != std::string::npos) {
            auto b = app::parseSize(v);
            if (!b || b.value() < 4096) return usage("--record-split needs a size of at least 4K or a duration, not '" + v + "'");
            o.record.splitBytes = b.value();
        } else {
            auto t = app::parseTime(v);
            if (!t || t.value() < 500000000) return usage("--record-split needs a duration of at least 0.5 s or a size, not '" + v + "'");
            o.record.splitNs = t.value();
        }
    }
    if (a.has("screenshot-dir")) o.screenshotDir = a.get("screenshot-dir");
    o.lowLatency = a.get("latency") == "low";
    if (o.lowLatency && !o.input.empty() && !isLiveUrl(o.input)) {
        // A file has no latency to cut: read ahead, shown as decoded it
        // would run as fast as the decoder (and shed, its packets looking
        // old). Pipes and FIFOs stay low: what comes through them is live.
        struct stat st;
        if (::stat(o.input.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            log::warn("%s: --latency=low is for live sources and pipes; a file plays paced by its timestamps",
                      o.input.c_str());
            o.lowLatency = false;
        }
    }
    o.ownRtp = a.get("rtp") != "ffmpeg";
    o.timeoutNs = a.timeNs("timeout", 0);
    o.liveWindowNs = a.timeNs("live-window", o.liveWindowNs);
    o.reconnect = a.get("reconnect") == "on" ? 1 : a.get("reconnect") == "off" ? 0 : -1;
    o.driftGuard = a.get("drift-guard") == "on" ? 1 : a.get("drift-guard") == "off" ? 0 : -1;
    if (!demuxerOpts(a, o.demuxerOpts)) return static_cast<int>(ExitCode::Usage);
    if (o.display == "auto" || o.display == "help" || o.display == "kitty" || o.display == "sixel") {
        // Ask the terminal what it can draw (a few tens of ms, answers never
        // shown): auto picks kitty, then sixel, then blocks.
        if (isatty(o.displayOpt.outFd) || o.display == "help") {
            const tui::TermCaps caps = tui::detectTerminal();
            o.displayOpt.detected = caps.probed;
            o.displayOpt.kittyGraphics = caps.kitty;
            o.displayOpt.kittyShm = caps.kittyShm;
            o.displayOpt.sixelGraphics = caps.sixel;
            o.displayOpt.termXpix = caps.xpix;
            o.displayOpt.termYpix = caps.ypix;
            o.displayOpt.detectWhy = caps.why;
        }
    }
    if (o.display == "help") {
        std::string h = displayHelp(o.displayOpt);
        std::fwrite(h.data(), 1, h.size(), stdout);
        return 0;
    }
    return static_cast<int>(play(o));
}

} // namespace

int main(int argc, char **argv) {
    auto parsed = app::parseArgs(argc, argv);
    if (!parsed) return usage(parsed.error().message);
    const app::ParsedArgs &a = parsed.value();
    log::setVerbose(a.verbose);
    initFfmpegLogging(a.verbose);
    if (a.has("help")) {
        std::string h = app::helpText();
        std::fwrite(h.data(), 1, h.size(), stdout);
        return 0;
    }
    if (a.has("version")) {
        std::printf("qv %s\n", QV_VERSION);
        return 0;
    }
    if (a.command != "play" && app::wantsBatch(a)) return app::runBatch(a);
    if (a.command == "info") return runInfo(a);
    if (a.command == "thumb") return runThumb(a);
    if (a.command == "frames") return app::runFrames(a);
    if (a.command == "sheet") return app::runSheet(a);
    if (a.command == "hwdec-probe") return app::runHwdecProbe(a);
    if (a.command == "export") return app::runExport(a);
    return runPlay(a);
}
