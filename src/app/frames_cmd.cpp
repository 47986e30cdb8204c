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
#include <functional>
#include <memory>

namespace qv::app {

Result<int64_t> listFrames(const std::string &path, const FramesOptions &o, const std::function<bool(const std::string &)> &sink) {
    SourceOptions so;
    so.useMmap = o.useMmap;
    so.fast = !o.hash;   // no picture is looked at: skip the loop filter
    so.threads = o.threads;
    so.hwdec = o.hwdec;
    auto src = openFileSource(path, so);
    if (!src) return src.takeError();
    VideoSource &s = *src.value();
    // Ordinals come from the packet index; the scan is much faster than
    // decoding, so waiting for it costs little.
    s.startIndex();
    s.waitIndex();
    std::unique_ptr<FrameHasher> md5(o.hash ? new FrameHasher() : nullptr);
    if (!o.json && !sink(std::string("# ordinal, pts, pts_time, dts, type, key, size, pos") + (o.hash ? ", md5\n" : "\n")))
        return int64_t(0);
    FrameRef fr;
    std::string line;   // one line, its buffer reused
    int64_t n = 0;
    for (;;) {
        if (o.cancel && o.cancel->load(std::memory_order_relaxed)) return Error::make(ErrorKind::Internal, "cancelled");
        auto r = s.next(fr);
        if (!r) return r.takeError();
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
        if (o.json) {
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
        } else {
            char b[320];
            std::snprintf(b, sizeof b, "%s%" PRId64 ", %s, %s, %s, %c, %d, %d, %" PRId64 "%s%s\n", ordMark, i.ordinal, pts,
                          ptsTime, dts, i.pictType, i.key ? 1 : 0, i.pktSize, i.pktPos, md5 ? ", " : "", md5 ? hex : "");
            line = b;
        }
        if (!sink(line)) return n;   // the reader went away (EPIPE): not a decoding failure
        ++n;
    }
    if (n == 0) return Error::make(ErrorKind::Decode, "no frame could be decoded");
    return n;
}

int runFrames(const ParsedArgs &a) {
    if (a.positional.size() != 1) {
        log::error("frames needs exactly one FILE");
        return static_cast<int>(ExitCode::Usage);
    }
    const std::string &path = a.positional[0];
    FramesOptions o;
    o.json = a.has("json");
    o.hash = a.has("hash");
    o.useMmap = !a.has("no-mmap");
    o.threads = static_cast<int>(a.integer("threads", 0));
    if (!hwdecFromArgs(a, o.hwdec)) return static_cast<int>(ExitCode::Usage);
    static char outBuf[1 << 16];
    std::setvbuf(stdout, outBuf, _IOFBF, sizeof outBuf);
    auto r = listFrames(path, o, [](const std::string &line) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        return !std::ferror(stdout);
    });
    int code = 0;
    if (!r) {
        log::error("%s: %s", path.c_str(), r.error().message.c_str());
        code = static_cast<int>(exitCodeFor(r.error().kind));
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        if (errno == EPIPE) return 128 + SIGPIPE;
        log::error("%s: cannot write the frame list: %s", path.c_str(), std::strerror(errno));
        return static_cast<int>(ExitCode::Output);
    }
    return code;
}

} // namespace qv::app
