// qv sheet FILE -o OUT.png [--grid CxR] [--width W] [--exact] [--json]
#include "commands.h"

#include "qv/core/exit_code.h"
#include "qv/core/log.h"
#include "qv/media/sheet.h"

#include <cstdio>

namespace qv::app {

bool parseGrid(const std::string &s, int &cols, int &rows) {
    char x = 0, extra = 0;
    int c = 0, r = 0;
    if (std::sscanf(s.c_str(), "%d%c%d%c", &c, &x, &r, &extra) != 3 || (x != 'x' && x != 'X')) return false;
    if (c < 1 || r < 1 || c > 32 || r > 32) return false;
    cols = c;
    rows = r;
    return true;
}

int runSheet(const ParsedArgs &a) {
    if (a.positional.size() != 1) {
        log::error("sheet needs exactly one FILE (or several, a directory, '-': see qv --help)");
        return static_cast<int>(ExitCode::Usage);
    }
    if (!a.has("output")) {
        log::error("sheet needs -o OUT.png");
        return static_cast<int>(ExitCode::Usage);
    }
    SheetRequest req;
    if (a.has("grid") && !parseGrid(a.get("grid"), req.cols, req.rows)) {
        log::error("--grid needs CxR, 1 to 32 each, e.g. 4x4 (not '%s')", a.get("grid").c_str());
        return static_cast<int>(ExitCode::Usage);
    }
    req.width = static_cast<int>(a.integer("width", req.width));
    req.exact = a.has("exact");
    req.threads = static_cast<int>(a.integer("threads", 0));
    req.useMmap = !a.has("no-mmap");
    const std::string &path = a.positional[0];
    auto r = writeSheet(path, a.get("output"), req);
    if (!r) {
        log::error("%s: %s", path.c_str(), r.error().message.c_str());
        return static_cast<int>(exitCodeFor(r.error().kind));
    }
    if (a.has("json")) std::printf("%s\n", sheetToJson(path, a.get("output"), r.value()).c_str());
    return 0;
}

} // namespace qv::app
