// qv frames FILE [--json] [--hash]: one line per decoded frame, in
// presentation order, with the facts ffprobe -show_frames and
// ffmpeg -f framemd5 give for it.
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/json.h"
#include "qv/core/log.h"
#include "qv/media/frame_hash.h"
#include "qv/media/source.h"

#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace qv::app {

int runFrames(const ParsedArgs &a) {
    if (a.positional.size() != 1) {
        log::error("frames needs exactly one FILE");
        return static_cast<int>(ExitCode::Usage);
    }
    const std::string &path = a.positional[0];
    const bool json = a.has("json");
    const bool hash = a.has("hash");
    SourceOptions so;
    so.useMmap = !a.has("no-mmap");
    so.fast = !hash;   // no picture is looked at: skip the loop filter
    if (a.has("threads")) so.threads = std::atoi(a.get("threads").c_str());
    if (!hwdecFromArgs(a, so.hwdec)) return static_cast<int>(ExitCode::Usage);
    auto src = openFileSource(path, so);
    if (!src) {
        log::error("%s: %s", path.c_str(), src.error().message.c_str());
        return static_cast<int>(exitCodeFor(src.error().kind));
    }
    VideoSource &s = *src.value();
    // Ordinals come from the packet index; the scan is much faster than
    // decoding, so waiting for it costs little.
    s.startIndex();
    s.waitIndex();
    std::unique_ptr<FrameHasher> md5(hash ? new FrameHasher() : nullptr);
    static char outBuf[1 << 16];
    std::setvbuf(stdout, outBuf, _IOFBF, sizeof outBuf);
    if (!json)
        std::printf("# ordinal, pts, pts_time, dts, type, key, size, pos%s\n", hash ? ", md5" : "");
    FrameRef fr;
    std::string line;   // one JSON line, its buffer reused
    int64_t n = 0;
    int code = 0;
    for (;;) {
        auto r = s.next(fr);
        if (!r) {
            log::error("%s: %s", path.c_str(), r.error().message.c_str());
            code = static_cast<int>(exitCodeFor(r.error().kind));
            break;
        }
        if (r.value() != NextStatus::Frame) break;
        const FrameInfo &i = fr.info;
        char hex[33] = "";
        if (md5 && !md5->hash(fr.frame.get(), hex, nullptr)) std::strcpy(hex, "-");
        char pts[32] = "N/A", ptsTime[32] = "N/A", dts[32] = "N/A";
        if (i.pts != kNoTs) {
            std::snprintf(pts, sizeof pts, "%" PRId64, i.pts);
            std::snprintf(ptsTime, sizeof ptsTime, "%.6f", static_cast<double>(i.pts) * i.tbNum / i.tbDen);
        }
        if (i.dts != kNoTs) std::snprintf(dts, sizeof dts, "%" PRId64, i.dts);
        const char *ordMark = i.ordinalExact ? "" : "~";
        if (json) {
            line.clear();
            json::Writer w(std::move(line));
            w.beginObject().key("ordinal");
            if (i.ordinalExact) w.integer(i.ordinal);
            else w.string("~" + std::to_string(i.ordinal));   // estimated: "~N", as the text form
            w.key("pts");
            if (i.pts != kNoTs) w.integer(i.pts);
            else w.null();
            w.key("pts_time");
            if (i.pts != kNoTs) w.fixed(static_cast<double>(i.pts) * i.tbNum / i.tbDen, 6);
            else w.null();
            w.key("dts");
            if (i.dts != kNoTs) w.integer(i.dts);
            else w.null();
            w.key("type").string(std::string_view(&i.pictType, 1));
            w.key("key").boolean(i.key);
            w.key("size").integer(i.pktSize);
            w.key("pos").integer(i.pktPos);
            if (md5) w.key("md5").string(hex);
            w.endObject();
            line = w.take();
            line += '\n';
            std::fwrite(line.data(), 1, line.size(), stdout);
        } else {
            std::printf("%s%" PRId64 ", %s, %s, %s, %c, %d, %d, %" PRId64 "%s%s\n", ordMark, i.ordinal, pts, ptsTime,
                        dts, i.pictType, i.key ? 1 : 0, i.pktSize, i.pktPos, md5 ? ", " : "", md5 ? hex : "");
        }
        if (std::ferror(stdout)) break;
        ++n;
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        if (errno == EPIPE) return 128 + SIGPIPE;
        log::error("%s: cannot write the frame list: %s", path.c_str(), std::strerror(errno));
        return static_cast<int>(ExitCode::Output);
    }
    if (code == 0 && n == 0) {
        log::error("%s: no frame could be decoded", path.c_str());
        return static_cast<int>(ExitCode::Decode);
    }
    return code;
}

} // namespace qv::app
