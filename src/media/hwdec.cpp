// --hwdec parsing and what the linked FFmpeg and the machine offer (hwdec.h).
#include "qv/media/hwdec.h"

#include "qv/media/ffcompat.h"

#include <algorithm>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <mutex>
#include <set>
#include <sys/utsname.h>
#include <unistd.h>

namespace qv {

Result<HwdecRequest> parseHwdec(const std::string &s) {
    HwdecRequest r;
    if (s == "no") {
        r.mode = HwdecRequest::Mode::No;
        return r;
    }
    if (s == "auto") {
        r.mode = HwdecRequest::Mode::Auto;
        return r;
    }
    r.mode = HwdecRequest::Mode::List;
    size_t start = 0;
    for (;;) {
        const size_t comma = s.find(',', start);
        std::string n = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        bool ok = !n.empty() && n.size() <= 64 && n[0] != '-';
        for (char c : n) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
        if (!ok || n == "no" || n == "auto")
            return Error::make(ErrorKind::Usage, "--hwdec needs auto, no, or a list of decoder names such as "
                                                 "cuda,vaapi,h264_v4l2m2m (not '" + s + "')");
        r.names.push_back(n);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return r;
}

std::string hwdecRequestText(const HwdecRequest &r) {
    switch (r.mode) {
    case HwdecRequest::Mode::Default: return "default";
    case HwdecRequest::Mode::No: return "no";
    case HwdecRequest::Mode::Auto: return "auto";
    case HwdecRequest::Mode::List: break;
    }
    std::string t;
    for (const auto &n : r.names) t += (t.empty() ? "" : ",") + n;
    return t;
}

std::vector<std::string> hwaccelNames() {
    std::vector<std::string> out;
    for (AVHWDeviceType t = av_hwdevice_iterate_types(AV_HWDEVICE_TYPE_NONE); t != AV_HWDEVICE_TYPE_NONE;
         t = av_hwdevice_iterate_types(t))
        out.push_back(av_hwdevice_get_type_name(t));
    return out;
}

bool isHwaccelName(const std::string &name) { return av_hwdevice_find_type_by_name(name.c_str()) != AV_HWDEVICE_TYPE_NONE; }

bool isWrapperDecoder(const std::string &name, std::string *codec) {
    ff::CodecPtr c = avcodec_find_decoder_by_name(name.c_str());
    if (!c || !ff::wrapperName(c)) return false;
    if (codec) *codec = avcodec_get_name(c->id);
    return true;
}

std::vector<std::string> wrapperDecoders(const std::string &codec) {
    std::vector<std::string> out;
    void *it = nullptr;
    while (const AVCodec *c = av_codec_iterate(&it))
        if (av_codec_is_decoder(c) && ff::wrapperName(c) && codec == avcodec_get_name(c->id)) out.push_back(c->name);
    return out;
}

std::vector<std::string> codecHwaccels(const std::string &codec) {
    std::vector<std::string> out;
    const AVCodecDescriptor *d = avcodec_descriptor_get_by_name(codec.c_str());
    ff::CodecPtr c = d ? avcodec_find_decoder(d->id) : nullptr;
    if (!c) return out;
    for (const auto &n : hwaccelNames())
        if (ff::hwaccelPixFmt(c, av_hwdevice_find_type_by_name(n.c_str())) != AV_PIX_FMT_NONE) out.push_back(n);
    return out;
}

namespace {
std::string firstLine(const std::string &path) {
    std::ifstream f(path);
    std::string l;
    if (f) std::getline(f, l);
    return l;
}
std::string linkName(const std::string &path) {
    char buf[256];
    const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    if (n <= 0) return {};
    buf[n] = 0;
    const char *slash = std::strrchr(buf, '/');
    return slash ? slash + 1 : buf;
}
// The DRM render nodes: "renderD128 i915 0x8086:0x9a49" ...
std::string renderNodes() {
    std::string out;
    DIR *d = opendir("/sys/class/drm");
    if (!d) return out;
    std::vector<std::string> names;
    while (dirent *e = readdir(d))
        if (std::string(e->d_name).rfind("renderD", 0) == 0) names.push_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto &n : names) {
        const std::string dev = "/sys/class/drm/" + n + "/device/";
        out += (out.empty() ? "" : "; ") + n + " " + linkName(dev + "driver") + " " + firstLine(dev + "vendor") + ":" +
               firstLine(dev + "device");
    }
    return out;
}
} // namespace

std::string hwDeviceDescription(const std::string &hwdec) {
    utsname u{};
    const std::string kernel = uname(&u) == 0 ? std::string("linux ") + u.release : "linux";
    std::string d;
    if (hwdec == "cuda" || hwdec.find("cuvid") != std::string::npos || hwdec.find("nvmpi") != std::string::npos ||
        hwdec == "vdpau") {
        d = firstLine("/proc/driver/nvidia/version");
    } else if (hwdec.find("v4l2m2m") != std::string::npos) {
        DIR *dir = opendir("/sys/class/video4linux");
        if (dir) {
            std::vector<std::string> names;
            while (dirent *e = readdir(dir))
                if (e->d_name[0] != '.') names.push_back(e->d_name);
            closedir(dir);
            std::sort(names.begin(), names.end());
            for (const auto &n : names) d += (d.empty() ? "" : "; ") + n + " " + firstLine("/sys/class/video4linux/" + n + "/name");
        }
    } else {
        d = renderNodes();
    }
    return (d.empty() ? std::string("unknown") : d) + "; " + kernel;
}

const char *internName(const std::string &name) {
    static std::mutex mu;
    static std::set<std::string> names{"software"};
    std::lock_guard<std::mutex> lock(mu);
    return names.insert(name).first->c_str();
}

std::string ffmpegVersions() { return ff::versions(); }

} // namespace qv
