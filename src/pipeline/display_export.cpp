// DisplayStage: marks and the export of the marked range (the work itself is
// on the ExportWorker's thread; this is the display thread's side).
#include "display_stage.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace qv {

bool DisplayStage::mark(bool in, int64_t &ordinal, std::string &why) {
    if (!current_.frame) {
        why = "no frame on screen to mark";
        return false;
    }
    RangePoint p;
    const FrameInfo &i = current_.info;
    if (i.ordinalExact && fileIndex()) {
        p.ordinal = true;
        p.value = i.ordinal;
        ordinal = i.ordinal;
    } else {
        p.value = i.ptsNs;
        ordinal = -1;
    }
    (in ? markIn_ : markOut_) = p;
    (in ? haveIn_ : haveOut_) = true;
    char msg[96];
    if (p.ordinal) std::snprintf(msg, sizeof msg, "mark %s: frame %" PRId64, in ? "in" : "out", p.value);
    else std::snprintf(msg, sizeof msg, "mark %s: %.3f s", in ? "in" : "out", static_cast<double>(p.value) / 1e9);
    say(msg);
    return true;
}

bool DisplayStage::startExport(uint64_t tag, const std::string &path, bool stills, std::string &why) {
    if (opt_.input.empty() || opt_.input == "-" || opt_.input.find("://") != std::string::npos) {
        why = "export needs a file";
        return false;
    }
    if (!haveIn_ || !haveOut_) {
        why = "mark in and out first: ( and )";
        return false;
    }
    if (exports_.busy()) {
        why = "an export is still running";
        return false;
    }
    ExportRequest req;
    req.from = markIn_;
    req.to = markOut_;
    req.output = path;
    if (req.output.empty()) {
        const char *slash = std::strrchr(opt_.input.c_str(), '/');
        std::string base = slash ? slash + 1 : opt_.input, ext = ".mkv";
        if (auto dot = base.rfind('.'); dot != std::string::npos && dot > 0) {
            ext = base.substr(dot);
            base.resize(dot);
        }
        char range[64];
        auto part = [](const RangePoint &p) {
            char b[32];
            if (p.ordinal) std::snprintf(b, sizeof b, "f%06" PRId64, p.value);
            else std::snprintf(b, sizeof b, "t%.3f", static_cast<double>(p.value) / 1e9);
            return std::string(b);
        };
        std::snprintf(range, sizeof range, "-%s-%s", part(markIn_).c_str(), part(markOut_).c_str());
        // Stills: a directory of PNGs, one a frame (frame-NNNNNN.png).
        req.output = opt_.screenshotDir + "/" + base + range + (stills ? std::string("/") : ext);
    }
    if (!exports_.start(opt_.input, req, index_.shared(), tag)) {
        why = "an export is still running";
        return false;
    }
    exportPercent_ = -1;
    exportPath_ = req.output;
    say("exporting " + req.output);
    return true;
}

void DisplayStage::takeExport() {
    if (!exports_.busy()) return;
    uint64_t tag = 0;
    std::string path, summary, error;
    if (exports_.take(tag, path, summary, error)) {
        ctl_.exportDone(tag, path, summary, error);
        return;
    }
    const int pct = exports_.percent();
    if (pct == exportPercent_) return;
    exportPercent_ = pct;
    say("exporting " + exportPath_ + ": " + std::to_string(pct) + "%");
}

} // namespace qv
