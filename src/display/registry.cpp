#include "qv/display/display.h"

#include "blocks/blocks_display.h"
#include "hash/hash_display.h"
#include "null/null_display.h"
#include "pixel/pixel_display.h"
#if QV_HAVE_SDL2
#include "sdl/sdl_display.h"
#endif
#include "kms/kms_display.h"
#if QV_HAVE_VULKAN
#include "vulkan/vulkan_display.h"
#endif

#include "qv/core/log.h"

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
#if QV_HAVE_VULKAN
        vulkanDisplayEntry(),
#endif
        fbdevDisplayEntry(),
    };
    return all;
}

bool screenUnavailable(const std::string &name, const Error &e) {
    return (name == "kms" || name == "fbdev") && e.kind == ErrorKind::Display;
}

Result<std::vector<std::unique_ptr<Display>>> createDisplays(const std::string &list, const DisplayOptions &opt) {
    std::vector<std::unique_ptr<Display>> parts;
    if (list.find(',') == std::string::npos) {
        auto d = createDisplay(list, opt);
        if (!d) return d.takeError();
        parts.push_back(std::move(d.value()));
        return parts;
    }
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        const std::string part = list.substr(start, comma - start);
        start = comma + 1;
        if (part.empty() || part == "help")
            return Error::make(ErrorKind::Usage, "--display: a list needs display names, e.g. kms,auto");
        DisplayOptions o = opt;
        if (part == "auto") o.skipScreens = true;   // in a list, auto is the terminal's choice
        auto d = createDisplay(part, o);
        if (!d && screenUnavailable(part, d.error())) {
            log::warn("%s; the others play", d.error().message.c_str());
            continue;
        }
        if (!d) return d.takeError();
        parts.push_back(std::move(d.value()));
    }
    if (parts.empty()) return Error::make(ErrorKind::Display, "no display of " + list + " can run here");
    return parts;
}

Result<std::unique_ptr<Display>> createDisplay(const std::string &name, const DisplayOptions &opt) {
    if (name.find(',') != std::string::npos)
        return Error::make(ErrorKind::Usage, "--display: one display expected here, not a list");
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
