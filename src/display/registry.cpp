#include "qv/display/display.h"

#include "blocks/blocks_display.h"
#include "hash/hash_display.h"
#include "null/null_display.h"
#include "pixel/pixel_display.h"
#if QV_HAVE_SDL2
#include "sdl/sdl_display.h"
#endif
#include "kms/kms_display.h"

#include <unistd.h>

namespace qv {

const std::vector<DisplayEntry> &displayRegistry() {
    static const std::vector<DisplayEntry> all = {
        blocksDisplayEntry(),
        sixelDisplayEntry(),
        kittyDisplayEntry(),
        nullDisplayEntry(),
        hashDisplayEntry(),
#if QV_HAVE_SDL2
        sdlDisplayEntry(),
#endif
#if QV_HAVE_KMS
        kmsDisplayEntry(),
#endif
        fbdevDisplayEntry(),
    };
    return all;
}

Result<std::unique_ptr<Display>> createDisplay(const std::string &name, const DisplayOptions &opt) {
    const auto &all = displayRegistry();
    if (name == "auto") {
        // The best usable back-end by priority; null when nothing else runs
        // (stdout is not a terminal).
        const DisplayEntry *best = nullptr;
        for (const auto &e : all) {
            if (e.autoPriority < 0) continue;
            const ProbeResult p = e.probe(opt);
            if (!p.usable || !p.autoPick) continue;
            if (!best || e.autoPriority > best->autoPriority) best = &e;
        }
        if (best) return best->create(opt);
        return Error::make(ErrorKind::Display, "no display can run here (see --display=help)");
    }
    for (const auto &e : all) {
        if (name != e.name) continue;
        ProbeResult p = e.probe(opt);
        if (!p.usable) return Error::make(ErrorKind::Display, std::string("display '") + e.name + "' cannot run here: " + p.why);
        return e.create(opt);
    }
    std::string names;
    for (const auto &e : all) names += std::string(names.empty() ? "" : ", ") + e.name;
    return Error::make(ErrorKind::Usage, "unknown display '" + name + "' (choices: auto, " + names + ", help)");
}

std::string displayHelp(const DisplayOptions &opt) {
    std::string out = "displays compiled in (auto picks the usable one with the highest priority):\n";
    char line[512];
    const DisplayEntry *best = nullptr;
    for (const auto &e : displayRegistry()) {
        ProbeResult p = e.probe(opt);
        if (e.autoPriority >= 0 && p.usable && p.autoPick && (!best || e.autoPriority > best->autoPriority)) best = &e;
        std::snprintf(line, sizeof line, "  %-8s %-4s prio %3d  %s\n           %s\n", e.name,
                      p.usable ? "yes" : "no", e.autoPriority, e.description, p.why.c_str());
        out += line;
    }
    out += std::string("terminal detection: ") + (opt.detected ? opt.detectWhy : "not run (no terminal)") + "\n";
    out += std::string("auto: ") + (best ? best->name : "nothing") + "\n";
    return out;
}

} // namespace qv
