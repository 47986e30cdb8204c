#include "batch.h"

#include <algorithm>
#include <cctype>
#include <dirent.h>
#include <map>
#include <sys/stat.h>

namespace qv::app {
namespace {

const char *const kVideoExts[] = {"mp4", "m4v", "mov", "mkv", "webm", "avi", "ts", "m2ts", "mts", "mpg", "mpeg", "ivf",
                                  "264", "h264", "265", "hevc", "flv", "wmv", "ogv", "y4m", "3gp", "mxf", "vob"};

std::string lower(std::string s) {
    for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool wanted(const std::string &name, const InputSpec &spec) {
    const size_t dot = name.find_last_of('.');
    if (dot == std::string::npos || dot + 1 == name.size()) return false;
    const std::string ext = lower(name.substr(dot + 1));
    if (spec.exts.empty()) return std::find(std::begin(kVideoExts), std::end(kVideoExts), ext) != std::end(kVideoExts);
    return std::find(spec.exts.begin(), spec.exts.end(), ext) != spec.exts.end();
}

bool isDir(const std::string &p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void walk(const std::string &dir, const InputSpec &spec, std::vector<std::string> &out) {
    DIR *d = ::opendir(dir.c_str());
    if (!d) {
        out.push_back(dir);   // fails as an input: "cannot open ... is a directory"
        return;
    }
    std::vector<std::string> names;
    while (dirent *e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    for (const auto &n : names) {
        const std::string p = base + n;
        if (isDir(p)) {
            if (spec.recursive) walk(p, spec, out);
        } else if (wanted(n, spec)) {
            out.push_back(p);
        }
    }
}

} // namespace

std::vector<std::string> parseExtList(const std::string &s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        std::string e = lower(s.substr(start, comma - start));
        while (!e.empty() && e[0] == '.') e.erase(0, 1);
        if (!e.empty()) out.push_back(e);
        start = comma + 1;
    }
    return out;
}

std::vector<std::string> expandInputs(const std::vector<std::string> &args, const InputSpec &spec, FILE *list) {
    std::vector<std::string> out;
    for (const auto &a : args) {
        if (a == "-") {
            char buf[4096];
            while (list && std::fgets(buf, sizeof buf, list)) {
                std::string l = buf;
                while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
                if (!l.empty()) out.push_back(l);
            }
        } else if (isDir(a)) {
            walk(a, spec, out);
        } else {
            out.push_back(a);
        }
    }
    return out;
}

std::vector<std::string> outputNames(const std::vector<std::string> &inputs, const std::string &dir) {
    std::map<std::string, int> seen;
    for (const auto &p : inputs) ++seen[p.substr(p.find_last_of('/') + 1)];
    std::vector<std::string> out;
    const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::string name = inputs[i].substr(inputs[i].find_last_of('/') + 1);
        out.push_back(base + name + (seen[name] > 1 ? "-" + std::to_string(i) : std::string()) + ".png");
    }
    return out;
}

} // namespace qv::app
