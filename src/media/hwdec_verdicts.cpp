// The verdict cache (hwdec_verdicts.h): pure text logic and the file.
#include "qv/media/hwdec_verdicts.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace qv {

namespace {
constexpr const char *kMagic = "qv-hwdec-verdicts 1";

// Fields are tab-separated; a tab or newline inside one becomes a space.
std::string clean(const std::string &s) {
    std::string r = s;
    for (char &c : r)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return r;
}

bool knownVerdict(const std::string &v) { return v == "exact" || v == "differs" || v == "unavailable"; }

bool sameKey(const HwVerdict &a, const HwVerdict &b) {
    return a.decoder == b.decoder && a.codec == b.codec && a.device == b.device && a.ffmpeg == b.ffmpeg;
}
} // namespace

VerdictCache VerdictCache::parse(const std::string &text) {
    VerdictCache c;
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != kMagic) return c;   // another version: no verdicts
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        size_t start = 0;
        for (;;) {
            const size_t tab = line.find('\t', start);
            f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        if (f.size() != 6 || f[0].empty() || f[1].empty() || !knownVerdict(f[4])) continue;
        c.put(HwVerdict{f[0], f[1], f[2], f[3], f[4], f[5]});
    }
    return c;
}

std::string VerdictCache::serialize() const {
    std::string s = std::string(kMagic) + "\n";
    for (const auto &v : entries_)
        s += clean(v.decoder) + "\t" + clean(v.codec) + "\t" + clean(v.device) + "\t" + clean(v.ffmpeg) + "\t" +
             clean(v.verdict) + "\t" + clean(v.detail) + "\n";
    return s;
}

void VerdictCache::put(const HwVerdict &v) {
    for (auto &e : entries_)
        if (sameKey(e, v)) {
            e = v;
            return;
        }
    entries_.push_back(v);
}

const HwVerdict *VerdictCache::find(const std::string &decoder, const std::string &codec, const std::string &device,
                                    const std::string &ffmpeg) const {
    for (const auto &e : entries_)
        if (e.decoder == decoder && e.codec == codec && e.device == device && e.ffmpeg == ffmpeg) return &e;
    return nullptr;
}

bool VerdictCache::exact(const std::string &decoder, const std::string &codec, const std::string &device,
                         const std::string &ffmpeg) const {
    const HwVerdict *v = find(decoder, codec, device, ffmpeg);
    return v && v->verdict == "exact";
}

std::string verdictCachePath() {
    const char *xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && *xdg == '/') return std::string(xdg) + "/qv/hwdec-verdicts";
    const char *home = std::getenv("HOME");
    if (home && *home) return std::string(home) + "/.cache/qv/hwdec-verdicts";
    return {};
}

Result<VerdictCache> loadVerdicts(const std::string &path) {
    std::ifstream f(path);
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR) return VerdictCache{};
        return Error::make(ErrorKind::Open, path + ": cannot read the hwdec verdicts: " + std::strerror(errno));
    }
    std::ostringstream s;
    s << f.rdbuf();
    return VerdictCache::parse(s.str());
}

Result<void> saveVerdicts(const std::string &path, const VerdictCache &c) {
    if (path.empty()) return Error::make(ErrorKind::Output, "no cache directory (neither XDG_CACHE_HOME nor HOME is set)");
    // mkdir -p of the directories above the file.
    for (size_t p = path.find('/', 1); p != std::string::npos; p = path.find('/', p + 1)) {
        const std::string dir = path.substr(0, p);
        if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
            return Error::make(ErrorKind::Output, dir + ": cannot create the cache directory: " + std::strerror(errno));
    }
    const std::string tmp = path + ".tmp." + std::to_string(getpid());
    const std::string text = c.serialize();
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f) return Error::make(ErrorKind::Output, tmp + ": cannot write the hwdec verdicts: " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        std::remove(tmp.c_str());
        return Error::make(ErrorKind::Output, path + ": cannot write the hwdec verdicts: " + std::strerror(e));
    }
    return {};
}

} // namespace qv
