// qv export FILE --from A --to B -o OUT [--reencode[=ENCODER]]
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/log.h"
#include "qv/media/export.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace qv::app {

namespace {
// "#12" -> frame 12, "1.5" / "0:01.5" -> a time (the option table's time syntax).
Result<RangePoint> parseRangePoint(const std::string &s) {
    RangePoint p;
    if (!s.empty() && s[0] == '#') {
        char *end = nullptr;
        errno = 0;
        const long long v = std::strtoll(s.c_str() + 1, &end, 10);
        if (s.size() < 2 || !end || *end || errno == ERANGE || v < 0)
            return Error::make(ErrorKind::Usage, "bad frame '" + s + "' (#N: frame N, 0-based)");
        p.ordinal = true;
        p.value = v;
        return p;
    }
    auto t = parseTime(s);
    if (!t) return Error::make(ErrorKind::Usage, "bad time '" + s + "' (seconds, [[hh:]mm:]ss[.frac], or #FRAME)");
    p.value = t.value();
    return p;
}

// A bar on stderr, redrawn when the percentage moves.
struct ProgressBar {
    int last = -1;
    void operator()(double f) {
        const int pct = static_cast<int>(f * 100);
        if (pct == last) return;
        last = pct;
        char bar[41];
        for (int i = 0; i < 40; ++i) bar[i] = i < pct * 40 / 100 ? '#' : '.';
        bar[40] = 0;
        std::fprintf(stderr, "\rexport [%s] %3d%%", bar, pct);
        std::fflush(stderr);
    }
    void end() {
        if (last >= 0) std::fprintf(stderr, "\r\033[K");
    }
};
} // namespace

int runExport(const ParsedArgs &a) {
    auto usage = [](const std::string &m) {
        log::error("%s", m.c_str());
        return static_cast<int>(ExitCode::Usage);
    };
    if (a.positional.size() != 1) return usage("export needs exactly one FILE");
    if (!a.has("from") || !a.has("to") || !a.has("output")) return usage("export needs --from A --to B -o OUT");
    const std::string &path = a.positional[0];
    ExportRequest req;
    for (auto [name, point] : {std::pair<const char *, RangePoint *>{"from", &req.from}, {"to", &req.to}}) {
        auto p = parseRangePoint(a.get(name));
        if (!p) return usage(std::string("--") + name + ": " + p.error().message);
        *point = p.value();
    }
    req.output = a.get("output");
    req.reencode = a.has("reencode");
    req.encoder = a.get("reencode");
    req.threads = static_cast<int>(a.integer("threads", 0));
    ProgressBar bar;
    if (isatty(STDERR_FILENO)) req.progress = [&bar](double f) { bar(f); };
    auto r = exportRange(path, req);
    bar.end();
    if (!r) {
        // Output errors name the output file already.
        if (r.error().kind == ErrorKind::Output) log::error("%s", r.error().message.c_str());
        else log::error("%s: %s", path.c_str(), r.error().message.c_str());
        return static_cast<int>(exitCodeFor(r.error().kind));
    }
    std::printf("%s: %s\n", req.output.c_str(), r.value().summary().c_str());
    return 0;
}

} // namespace qv::app
