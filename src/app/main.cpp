// qv: the command-line entry. Parses, dispatches to play / info / thumb, and
// maps every failure to one line on stderr and a documented exit code.
#include "cli.h"
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/log.h"
#include "qv/media/probe.h"
#include "qv/pipeline/pipeline.h"
#include "qv/tui/term_detect.h"
#include "display/kms/kms_choose.h"
#include "display/kms/kms_plane.h"
#include "display/kms/kms_display.h"

#include <cstdio>
#include <cmath>
#include <cstdlib>
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

int runInfo(const app::ParsedArgs &a) {
    if (a.positional.size() != 1) return usage("info needs exactly one FILE");
    const std::string &path = a.positional[0];
    auto f = probeFile(path, !a.has("no-mmap"));
    if (!f) {
        log::error("%s: %s", path.c_str(), f.error().message.c_str());
        return static_cast<int>(exitCodeFor(f.error().kind));
    }
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
    if (a.has("at")) {
        auto t = app::parseTime(a.get("at"));
        if (!t) return usage(t.error().message);
        req.atNs = t.value();
    }
    if (a.has("frame")) {
        char *end = nullptr;
        long long n = std::strtoll(a.get("frame").c_str(), &end, 10);
        if (!end || *end || n < 0) return usage("--frame needs a frame number >= 0");
        req.frame = n;
    }
    if (a.has("width")) {
        int w = std::atoi(a.get("width").c_str());
        if (w <= 0 || w > 16384) return usage("--width needs 1 to 16384");
        req.width = w;
    }
    if (a.has("threads")) req.threads = std::atoi(a.get("threads").c_str());
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
    if (a.has("frames")) {
        char *end = nullptr;
        long long n = std::strtoll(a.get("frames").c_str(), &end, 10);
        if (!end || *end || n <= 0) return usage("--frames needs a number > 0");
        o.maxFrames = n;
    }
    if (a.has("start")) {
        auto t = app::parseTime(a.get("start"));
        if (!t) return usage(t.error().message);
        o.startNs = t.value();
    }
    if (a.has("speed")) {
        char *end = nullptr;
        double s = std::strtod(a.get("speed").c_str(), &end);
        if (!end || *end || s < 0.1 || s > 16) return usage("--speed needs a factor from 0.1 to 16");
        o.speed = s;
    }
    if (a.has("size")) {
        int c = 0, r = 0;
        char x = 0;
        if (std::sscanf(a.get("size").c_str(), "%d%c%d", &c, &x, &r) != 3 || (x != 'x' && x != 'X') || c < 2 ||
            r < 2 || c > 4000 || r > 2000)
            return usage("--size needs COLSxROWS, e.g. 160x48");
        o.displayOpt.sizeCols = c;
        o.displayOpt.sizeRows = r;
    }
    if (a.has("colors")) {
        std::string c = a.get("colors");
        if (c == "truecolor" || c == "24bit") o.displayOpt.colorMode = 24;
        else if (c == "256") o.displayOpt.colorMode = 256;
        else if (c != "auto") return usage("--colors needs auto, truecolor or 256");
    }
    if (a.has("block-tolerance")) {
        int t = std::atoi(a.get("block-tolerance").c_str());
        if (t < 0 || t > 255) return usage("--block-tolerance needs 0 to 255");
        o.displayOpt.tolerance = t;
    }
    if (a.has("threads")) o.threads = std::atoi(a.get("threads").c_str());
    if (a.has("max-bandwidth")) {
        auto b = app::parseSize(a.get("max-bandwidth"));
        if (!b || b.value() < 1000) return usage("--max-bandwidth needs a rate of at least 1000 bytes/s (e.g. 500K, 2M)");
        o.displayOpt.maxBandwidth = b.value();
    }
    if (a.has("seek")) {
        const std::string m = a.get("seek");
        if (m != "exact" && m != "keyframe") return usage("--seek needs exact or keyframe");
        o.seekExact = m == "exact";
    }
    if (a.has("start-frame")) {
        if (a.has("start")) return usage("--start and --start-frame cannot both be given");
        char *end = nullptr;
        long long n = std::strtoll(a.get("start-frame").c_str(), &end, 10);
        if (!end || *end || n < 0) return usage("--start-frame needs a frame number >= 0");
        o.startFrame = n;
    }
    if (a.has("step-cache")) {
        auto b = app::parseSize(a.get("step-cache"));
        if (!b) return usage("--step-cache: " + b.error().message);
        o.stepCacheBytes = b.value();
    }
    o.displayOpt.kmsDevice = a.get("kms-device");
    o.displayOpt.kmsConnector = a.get("kms-connector");
    o.displayOpt.kmsMode = a.get("kms-mode");
    o.displayOpt.fbDevice = a.get("fb-device");
    if (a.has("kms-mode")) {
        int w = 0, h = 0, hz = 0;
        if (!kms::parseModeRequest(o.displayOpt.kmsMode, w, h, hz)) return usage("--kms-mode needs WxH or WxH@HZ, e.g. 1920x1080@60");
    }
    o.displayOpt.kmsPlane = a.get("kms-plane");
    if (kms::PlanePref pp; a.has("kms-plane") && !kms::parsePlanePref(o.displayOpt.kmsPlane, pp))
        return usage("--kms-plane needs auto, primary, overlay or rgb");
    if (a.has("kms-list")) {
#if QV_HAVE_KMS
        return kmsList(o.displayOpt, stdout);
#else
        return usage("this qv was built without KMS (libdrm)");
#endif
    }
    o.audio = !a.has("no-audio");
    if (a.has("volume")) {
        char *end = nullptr;
        long v = std::strtol(a.get("volume").c_str(), &end, 10);
        if (!end || *end || v < 0 || v > 150) return usage("--volume needs 0 to 150");
        o.volume = static_cast<int>(v);
    }
    if (a.has("audio-delay")) {
        char *end = nullptr;
        double d = std::strtod(a.get("audio-delay").c_str(), &end);
        if (!end || *end || std::fabs(d) > 60) return usage("--audio-delay needs seconds from -60 to 60");
        o.audioDelayNs = static_cast<int64_t>(d * 1e9);
    }
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
    if (a.has("screenshot-dir")) o.screenshotDir = a.get("screenshot-dir");
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
    if (a.command == "info") return runInfo(a);
    if (a.command == "thumb") return runThumb(a);
    if (a.command == "frames") return app::runFrames(a);
    return runPlay(a);
}
