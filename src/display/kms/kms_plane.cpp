#include "kms_plane.h"

#include <cstdio>

extern "C" {
#include <libavutil/pixfmt.h>
}

#include <algorithm>

namespace qv::kms {
namespace {

FormatInfo yuv(char a, char b, char c, char d, const char *name, int av, int depth, int bytes, int cw, int ch, int planes,
               bool swap = false) {
    FormatInfo f;
    f.fourcc = fourcc(a, b, c, d);
    f.name = name;
    f.avFmt = av;
    f.yuv = true;
    f.depth = depth;
    f.bytes = bytes;
    f.log2ChromaW = cw;
    f.log2ChromaH = ch;
    f.planes = planes;
    f.swapUV = swap;
    return f;
}

const std::vector<FormatInfo> &table() {
    static const std::vector<FormatInfo> t = [] {
        std::vector<FormatInfo> v;
        FormatInfo x;
        x.fourcc = kXRGB8888;
        x.name = "XRGB8888";
        x.avFmt = AV_PIX_FMT_BGR0;   // XRGB8888 in memory order
        x.packedBpp = 4;
        v.push_back(x);
        v.push_back(yuv('Y', 'U', '1', '2', "YUV420", AV_PIX_FMT_YUV420P, 8, 1, 1, 1, 3));
        v.push_back(yuv('N', 'V', '1', '2', "NV12", AV_PIX_FMT_NV12, 8, 1, 1, 1, 2));
        v.push_back(yuv('Y', 'V', '1', '2', "YVU420", AV_PIX_FMT_YUV420P, 8, 1, 1, 1, 3, true));
        v.push_back(yuv('N', 'V', '2', '1', "NV21", AV_PIX_FMT_NV21, 8, 1, 1, 1, 2));
        v.push_back(yuv('Y', 'U', '1', '6', "YUV422", AV_PIX_FMT_YUV422P, 8, 1, 1, 0, 3));
        v.push_back(yuv('N', 'V', '1', '6', "NV16", AV_PIX_FMT_NV16, 8, 1, 1, 0, 2));
        v.push_back(yuv('Y', 'V', '1', '6', "YVU422", AV_PIX_FMT_YUV422P, 8, 1, 1, 0, 3, true));
        v.push_back(yuv('Y', 'U', '2', '4', "YUV444", AV_PIX_FMT_YUV444P, 8, 1, 0, 0, 3));
        v.push_back(yuv('N', 'V', '2', '4', "NV24", AV_PIX_FMT_NV24, 8, 1, 0, 0, 2));
        v.push_back(yuv('Y', 'V', '2', '4', "YVU444", AV_PIX_FMT_YUV444P, 8, 1, 0, 0, 3, true));
        v.push_back(yuv('N', 'V', '4', '2', "NV42", AV_PIX_FMT_NV42, 8, 1, 0, 0, 2));
        v.push_back(yuv('P', '0', '1', '0', "P010", AV_PIX_FMT_P010LE, 10, 2, 1, 1, 2));
        v.push_back(yuv('P', '0', '1', '6', "P016", AV_PIX_FMT_P016LE, 16, 2, 1, 1, 2));
        return v;
    }();
    return t;
}

// Lower is better. Loss (depth or chroma below the source's) costs most.
int cost(const FormatInfo &f, const SourceFormat &s) {
    int c = 0;
    if (f.depth < s.depth) c += 1000;
    if (f.log2ChromaW > s.log2ChromaW || f.log2ChromaH > s.log2ChromaH) c += 2000;
    c += 10 * ((s.log2ChromaW - f.log2ChromaW) + (s.log2ChromaH - f.log2ChromaH) > 0
                   ? (s.log2ChromaW - f.log2ChromaW) + (s.log2ChromaH - f.log2ChromaH)
                   : 0);                                  // more chroma than needed: more to write
    if (f.depth > s.depth) c += f.depth - s.depth > 6 ? 60 : 50;   // wider samples than needed
    const bool planar = f.planes == 3;
    if (planar != s.planar) c += 1;                       // one interleave (or de-interleave)
    if (f.swapUV) c += 2;
    if (f.planes == 2 && (f.fourcc == fourcc('N', 'V', '2', '1') || f.fourcc == fourcc('N', 'V', '4', '2'))) c += 2;
    return c;
}

bool lists(const PlaneInfo &p, uint32_t fourcc) { return std::find(p.formats.begin(), p.formats.end(), fourcc) != p.formats.end(); }

} // namespace

const FormatInfo *formatInfo(uint32_t fourcc) {
    for (const auto &f : table())
        if (f.fourcc == fourcc) return &f;
    return nullptr;
}

const std::vector<FormatInfo> &yuvFormats() {
    static const std::vector<FormatInfo> v = [] {
        std::vector<FormatInfo> out;
        for (const auto &f : table())
            if (f.yuv) out.push_back(f);
        return out;
    }();
    return v;
}

int planeRowBytes(const FormatInfo &f, int p, int w) {
    if (!f.yuv) return w * f.packedBpp;
    if (p == 0) return w * f.bytes;
    const int cw = (w + (1 << f.log2ChromaW) - 1) >> f.log2ChromaW;
    return cw * f.bytes * (f.planes == 2 ? 2 : 1);
}

int planeRows(const FormatInfo &f, int p, int h) {
    if (!f.yuv || p == 0) return h;
    return (h + (1 << f.log2ChromaH) - 1) >> f.log2ChromaH;
}

std::vector<const FormatInfo *> rankFormats(const SourceFormat &src, bool (*canWrite)(int)) {
    std::vector<const FormatInfo *> out;
    if (!src.yuv) return out;
    for (const auto &f : table())
        if (f.yuv && (!canWrite || canWrite(f.avFmt))) out.push_back(formatInfo(f.fourcc));
    std::stable_sort(out.begin(), out.end(),
                     [&](const FormatInfo *a, const FormatInfo *b) { return cost(*a, src) < cost(*b, src); });
    return out;
}

bool parsePlanePref(const std::string &s, PlanePref &out) {
    for (PlanePref p : {PlanePref::Auto, PlanePref::Primary, PlanePref::Overlay, PlanePref::Rgb})
        if (s == planePrefName(p)) {
            out = p;
            return true;
        }
    return false;
}

const char *planePrefName(PlanePref p) {
    switch (p) {
    case PlanePref::Auto: return "auto";
    case PlanePref::Primary: return "primary";
    case PlanePref::Overlay: return "overlay";
    case PlanePref::Rgb: return "rgb";
    }
    return "?";
}

PlaneChoice choosePlanes(const std::vector<PlaneInfo> &planes, const SourceFormat &src, PlanePref pref,
                         Orientation orientation, bool (*canWrite)(int), size_t maxCandidates) {
    PlaneChoice c;
    if (pref == PlanePref::Rgb) {
        c.why = "--kms-plane=rgb";
        return c;
    }
    if (!src.yuv) {
        c.why = "the video is RGB";
        return c;
    }
    if (orientation != Orientation::Normal) {
        c.why = std::string("the picture is turned (") + orientationName(orientation) +
                ") and the scale stage turns packed RGB only";
        return c;
    }
    const auto formats = rankFormats(src, canWrite);
    std::vector<const PlaneInfo *> order;   // overlays first, then the primary
    for (PlaneType t : {PlaneType::Overlay, PlaneType::Primary}) {
        if ((t == PlaneType::Overlay && pref == PlanePref::Primary) || (t == PlaneType::Primary && pref == PlanePref::Overlay))
            continue;
        for (const auto &p : planes)
            if (p.type == t && p.onCrtc) order.push_back(&p);
    }
    if (order.empty()) {
        c.why = pref == PlanePref::Overlay ? "no overlay plane on this CRTC"
                                           : pref == PlanePref::Primary ? "no primary plane on this CRTC" : "no plane on this CRTC";
        return c;
    }
    bool anyYuv = false, anyColour = false;
    for (const FormatInfo *f : formats)
        for (const PlaneInfo *p : order) {
            if (!lists(*p, f->fourcc)) continue;
            anyYuv = true;
            if (!p->colorEncoding || !p->colorRange) continue;
            anyColour = true;
            if (c.candidates.size() < maxCandidates) c.candidates.push_back({p->id, p->type == PlaneType::Overlay, f});
        }
    if (c.candidates.empty()) {
        c.why = !anyYuv ? std::string("no ") + (pref == PlanePref::Auto ? "" : planePrefName(pref)) +
                              (pref == PlanePref::Auto ? "" : " ") + "plane takes a YUV format qv writes"
                : !anyColour ? "the planes with YUV formats lack COLOR_ENCODING/COLOR_RANGE"
                             : "no candidate";
        return c;
    }
    const Candidate &b = c.candidates.front();
    c.why = std::string(b.format->name) + " on " + (b.overlay ? "overlay" : "primary") + " plane " +
            std::to_string(b.planeId) + ": the closest format to the video's" +
            (b.overlay ? " (an overlay: the primary stays black under it)" : "");
    return c;
}

std::string fourccText(uint32_t f) {
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>((f >> (8 * i)) & 0xff);
        if (c != ' ' && c != '\0') s += c >= 32 && c < 127 ? c : '?';
    }
    return s;
}

PlaneChoice choosePrimePlanes(const std::vector<PlaneInfo> &planes, uint32_t fourcc, uint64_t modifier, PlanePref pref,
                              Orientation orientation) {
    PlaneChoice c;
    const std::string name = fourccText(fourcc);
    if (pref == PlanePref::Rgb) {
        c.why = "--kms-plane=rgb";
        return c;
    }
    if (orientation != Orientation::Normal) {
        c.why = std::string("the picture is turned (") + orientationName(orientation) + ")";
        return c;
    }
    const FormatInfo *info = formatInfo(fourcc);
    const bool yuv = !info || info->yuv;   // a format qv does not know is a decoder's YUV one
    const bool linear = modifier == kModifierLinear || modifier == kModifierInvalid;
    bool anyFormat = false, anyModifier = false;
    for (PlaneType t : {PlaneType::Overlay, PlaneType::Primary}) {
        if ((t == PlaneType::Overlay && pref == PlanePref::Primary) || (t == PlaneType::Primary && pref == PlanePref::Overlay))
            continue;
        for (const auto &p : planes) {
            if (p.type != t || !p.onCrtc || !lists(p, fourcc)) continue;
            anyFormat = true;
            bool takes = !p.inFormats && linear;
            for (const auto &fm : p.modifiers)
                if (fm.first == fourcc && (fm.second == modifier || (modifier == kModifierInvalid && fm.second == kModifierLinear)))
                    takes = true;
            if (!takes) continue;
            anyModifier = true;
            if (yuv && (!p.colorEncoding || !p.colorRange)) continue;
            c.candidates.push_back({p.id, t == PlaneType::Overlay, info});
        }
    }
    char mod[24];
    std::snprintf(mod, sizeof mod, "0x%llx", static_cast<unsigned long long>(modifier));
    if (c.candidates.empty()) {
        c.why = !anyFormat ? "no " + std::string(pref == PlanePref::Auto ? "" : planePrefName(pref)) +
                                 (pref == PlanePref::Auto ? "" : " ") + "plane on this CRTC takes " + name
                : !anyModifier ? "no plane takes " + name + " with modifier " + mod
                               : "the planes that take " + name + " lack COLOR_ENCODING/COLOR_RANGE";
        return c;
    }
    const Candidate &b = c.candidates.front();
    c.why = name + " (modifier " + mod + ") on " + (b.overlay ? "overlay" : "primary") + " plane " +
            std::to_string(b.planeId) + ", as the decoder made it";
    return c;
}

const char *colorEncodingName(int cs, int height) {
    switch (cs) {
    case AVCOL_SPC_BT709: return "ITU-R BT.709 YCbCr";
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
    case AVCOL_SPC_FCC: return "ITU-R BT.601 YCbCr";
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return "ITU-R BT.2020 YCbCr";
    default: return height >= 720 ? "ITU-R BT.709 YCbCr" : "ITU-R BT.601 YCbCr";
    }
}

const char *colorRangeName(int range) {
    return range == AVCOL_RANGE_JPEG ? "YCbCr full range" : "YCbCr limited range";
}

} // namespace qv::kms
