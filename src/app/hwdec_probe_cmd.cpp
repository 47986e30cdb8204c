// qv hwdec-probe [FILE...] [--hwdec=LIST] [--json]: for each hardware
// decoder here (or the named ones) and each file (or a built-in clip), the
// frames against software: exact, differs (at which frame), or unavailable
// (why). Verdicts go to the cache that --hwdec reads (hwdec_verdicts.h).
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/json.h"
#include "qv/core/log.h"
#include "qv/media/hwdec_probe.h"
#include "qv/media/hwdec_verdicts.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace qv::app {

bool hwdecFromArgs(const ParsedArgs &a, HwdecRequest &out) {
    out = HwdecRequest{};
    if (!a.has("hwdec")) return true;
    auto r = parseHwdec(a.get("hwdec"));
    if (!r) {
        log::error("%s", r.error().message.c_str());
        return false;
    }
    out = r.value();
    return true;
}

void addDecoderFacts(const ParsedArgs &a, const HwdecRequest &req, MediaFacts &f) {
    std::string codec;
    for (const auto &s : f.streams)
        if (s.type == "video" && !s.attachedPic) {
            codec = s.codec;
            break;
        }
    if (codec.empty()) return;
    f.decoderAsked = hwdecRequestText(req);
    f.decoderRunning = "software";
    if (hwdecCandidates(req, codec).empty()) return;   // nothing to try: software, no need to decode
    auto run = decodeAll(f.path, req, !a.has("no-mmap"), 1);
    if (!run) {
        f.decoderWhy = run.error().message;
        return;
    }
    f.decoderRunning = run.value().status.running;
    f.decoderWhy = run.value().status.why;
}

namespace {

struct Row {
    std::string name, kind, device, verdict, detail;
    int64_t frames = 0, firstDifference = -1;
    double fps = 0;
};

double fps(const DecodeRun &r) { return r.seconds > 0 ? static_cast<double>(r.frames.size()) / r.seconds : 0; }

} // namespace

int runHwdecProbe(const ParsedArgs &a) {
    HwdecRequest req;
    if (!hwdecFromArgs(a, req)) return static_cast<int>(ExitCode::Usage);
    if (req.mode == HwdecRequest::Mode::No) {
        log::error("hwdec-probe: --hwdec=no leaves nothing to probe");
        return static_cast<int>(ExitCode::Usage);
    }
    const bool json = a.has("json");
    const bool mmap = !a.has("no-mmap");
    std::vector<std::string> files = a.positional;
    std::string tmpClip;
    if (files.empty()) {
        const char *t = std::getenv("TMPDIR");
        tmpClip = std::string(t && *t ? t : "/tmp") + "/qv-hwdec-probe-" + std::to_string(getpid()) + ".mkv";
        if (auto r = writeProbeClip(tmpClip); !r) {
            log::error("hwdec-probe: %s", r.error().message.c_str());
            std::remove(tmpClip.c_str());
            return static_cast<int>(exitCodeFor(r.error().kind));
        }
        files.push_back(tmpClip);
    }
    const std::string cachePath = verdictCachePath();
    VerdictCache cache;
    if (!cachePath.empty())
        if (auto c = loadVerdicts(cachePath)) cache = std::move(c.value());
    const std::string versions = ffmpegVersions();
    json::Writer w;
    if (json) {
        w.beginObject();
        w.key("ffmpeg").string(versions);
        w.key("cache").string(cachePath);
        w.key("files").beginArray();
    } else {
        std::printf("qv hwdec-probe: %s; hwaccels in this FFmpeg: ", versions.c_str());
        const auto names = hwaccelNames();
        for (size_t k = 0; k < names.size(); ++k) std::printf("%s%s", k ? ", " : "", names[k].c_str());
        std::printf("%s\n", names.empty() ? "none" : "");
    }
    int rc = 0;
    for (const auto &path : files) {
        const std::string shown = path == tmpClip ? std::string("built-in clip") : path;
        auto sw = decodeAll(path, HwdecRequest{HwdecRequest::Mode::No, {}}, mmap, -1);
        if (!sw) {
            log::error("%s: %s", path.c_str(), sw.error().message.c_str());
            rc = static_cast<int>(exitCodeFor(sw.error().kind));
            continue;
        }
        const DecodeRun &s = sw.value();
        std::vector<std::string> names = req.names;
        if (req.mode != HwdecRequest::Mode::List) {   // every hwaccel of this FFmpeg, and its wrappers for the codec
            names = hwaccelNames();
            for (const auto &n : wrapperDecoders(s.codec)) names.push_back(n);
        }
        std::vector<Row> rows;
        for (const auto &n : names) {
            Row row;
            row.name = n;
            row.kind = decoderKind(n);
            row.device = hwDeviceDescription(n);
            auto hw = decodeAll(path, HwdecRequest{HwdecRequest::Mode::List, {n}}, mmap, -1);
            ProbeVerdict v;
            if (!hw) {
                v.verdict = "unavailable";
                v.detail = n + ": " + hw.error().message;
            } else {
                v = judgeRuns(n, s, hw.value());
                row.frames = static_cast<int64_t>(hw.value().frames.size());
                if (v.verdict != "unavailable") row.fps = fps(hw.value());
            }
            row.verdict = v.verdict;
            row.detail = v.detail;
            row.firstDifference = v.firstDifference;
            rows.push_back(row);
            if (row.kind != "unknown") cache.put(HwVerdict{n, s.codec, row.device, versions, v.verdict, v.detail});
        }
        if (json) {
            w.beginObject();
            w.key("path").string(shown);
            w.key("codec").string(s.codec);
            w.key("software").beginObject();
            w.key("frames").integer(static_cast<int64_t>(s.frames.size()));
            w.key("fps").fixed(fps(s), 1);
            w.endObject();
            w.key("decoders").beginArray();
            for (const auto &r : rows) {
                w.beginObject();
                w.key("name").string(r.name);
                w.key("kind").string(r.kind);
                w.key("device").string(r.device);
                w.key("verdict").string(r.verdict);
                w.key("detail").string(r.detail);
                w.key("frames").integer(r.frames);
                w.key("first_difference");
                if (r.firstDifference >= 0) w.integer(r.firstDifference);
                else w.null();
                w.key("fps").fixed(r.fps, 1);
                w.endObject();
            }
            w.endArray();
            w.endObject();
        } else {
            std::printf("%s (%s, %zu frames, software %.1f fps):\n", shown.c_str(), s.codec.c_str(), s.frames.size(), fps(s));
            for (const auto &r : rows) {
                if (r.verdict == "exact") std::printf("  %-16s exact        %s, %.1f fps\n", r.name.c_str(), r.detail.c_str(), r.fps);
                else std::printf("  %-16s %-12s %s\n", r.name.c_str(), r.verdict.c_str(), r.detail.c_str());
            }
            if (rows.empty()) std::printf("  (no hardware decoder to try)\n");
        }
    }
    if (!tmpClip.empty()) std::remove(tmpClip.c_str());
    if (json) {
        w.endArray();
        w.endObject();
        const std::string out = w.take() + "\n";
        std::fwrite(out.data(), 1, out.size(), stdout);
    }
    if (auto r = saveVerdicts(cachePath, cache); !r) log::warn("%s", r.error().message.c_str());
    else if (!json) std::printf("verdicts written to %s\n", cachePath.c_str());
    return rc;
}

} // namespace qv::app
