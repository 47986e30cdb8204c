// DisplayStage: marks and the export of the marked range (the work itself is
// on the ExportWorker's thread; this is the display thread's side).
#include "display_stage.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace qv {

bool DisplayStage::mark(bool in, int64_t &ordinal, std::string &why) {
    if (!current_.frame) {
        why = "no frame on screen to mark";
        return false;
    }
    RangePoint p;
    const FrameInfo &i = current_.info;
    // A live source's marks are ordinals too (they count the frames
    // received): the export finds them in the live window.
    if (i.ordinalExact && (fileIndex() || liveWindow_)) {
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
    const bool live = nav_.live();
    if (live && !liveWindow_) {
        why = "a live source exports from its live window: --live-window is 0";
        return false;
    }
    if (!live && (opt_.input.empty() || opt_.input.find("://") != std::string::npos)) {
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
        std::string base, ext = ".mkv";
        if (live) {
            base = liveName();
        } else {
            const char *slash = std::strrchr(opt_.input.c_str(), '/');
            base = slash ? slash + 1 : opt_.input;
            if (auto dot = base.rfind('.'); dot != std::string::npos && dot > 0) {
                ext = base.substr(dot);
                base.resize(dot);
            }
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
    if (live) {
        if (!startLiveExport(req, tag, why)) return false;
    } else if (!exports_.start(opt_.input, req, index_.shared(), tag)) {
        why = "an export is still running";
        return false;
    }
    exportPercent_ = -1;
    exportPath_ = req.output;
    say("exporting " + req.output);
    return true;
}

// A live source: the GOPs that hold the marked frames, from the window's
// packets, go to a file first (the source cannot be read again); the export
// runs on that file, its frames counted from the span's first.
bool DisplayStage::startLiveExport(ExportRequest &req, uint64_t tag, std::string &why) {
    if (!req.from.ordinal || !req.to.ordinal) {
        why = "mark frames the live window holds (its frames have exact ordinals)";
        return false;
    }
    auto snap = liveWindow_->snapshot();
    const PacketIndex *idx = snap ? snap->index.get() : nullptr;
    const int64_t lo = std::min(req.from.value, req.to.value), hi = std::max(req.from.value, req.to.value);
    if (!idx || lo < idx->firstOrdinal() || hi >= idx->frameCount()) {
        why = "the marked frames are no longer in the live window";
        return false;
    }
    // From the keyframe the first marked frame decodes from, to the last
    // packet (in decode order) of a marked frame: every marked frame and
    // what it references (in an open GOP a frame shown before a keyframe
    // may be decoded after it, the keyframe with it), and every ordinal
    // from the span's first to the last marked one.
    const int64_t first = idx->keyFor(lo, 0);
    int64_t end = -1;
    for (int64_t o = lo; o <= hi; ++o) end = std::max(end, idx->decodeIndexOf(o));
    if (first < 0 || end < first) {
        why = "the marked frames are no longer in the live window";
        return false;
    }
    int64_t base = INT64_MAX;
    const auto &pk = idx->packets();
    for (int64_t d = first; d <= end; ++d)
        if (pk[static_cast<size_t>(d)].ordinal >= 0) base = std::min(base, pk[static_cast<size_t>(d)].ordinal);
    req.from.value -= base;
    req.to.value -= base;
    req.ordinalBase = base;
    char tmp[64];
    std::snprintf(tmp, sizeof tmp, "/.qv-live-%d-%" PRIu64 ".nut", static_cast<int>(::getpid()), tag);
    if (!exports_.startLive(snap, static_cast<size_t>(first), static_cast<size_t>(end), opt_.screenshotDir + tmp, req,
                            tag)) {
        why = "an export is still running";
        return false;
    }
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
