#include "qv/media/export_plan.h"

#include <cctype>

#include <algorithm>

namespace qv {

const char *methodName(ExportMethod m) {
    switch (m) {
    case ExportMethod::Copy: return "stream copy";
    case ExportMethod::EditList: return "edit list";
    case ExportMethod::SmartCut: return "smart cut";
    case ExportMethod::Reencode: return "re-encode";
    }
    return "?";
}

namespace {
bool isKey(const PacketIndex &idx, int64_t o) {
    return std::binary_search(idx.keyOrdinals().begin(), idx.keyOrdinals().end(), o);
}
// Open GOP: packets after the key (before the next) shown before it. Such a
// key's GOP was coded against the frames before it (the decoder's reference
// state, not only the leading frames themselves): after re-encoded frames
// it decodes wrong (H.264 MMCO failures, measured on x264's open GOP).
bool hasLeadingFrames(const PacketIndex &idx, int64_t key) {
    const auto &p = idx.packets();
    for (size_t d = static_cast<size_t>(idx.decodeIndexOf(key)) + 1; d < p.size() && !p[d].key; ++d)
        if (p[d].ordinal >= 0 && p[d].ordinal < key) return true;
    return false;
}
} // namespace

int64_t lastCleanCut(const PacketIndex &idx, int64_t c0, int64_t limit) {
    const int64_t d0 = idx.decodeIndexOf(c0);
    if (d0 < 0 || !isKey(idx, c0)) return -1;
    const auto &p = idx.packets();
    int64_t seen = 0, maxOrd = -1, best = -1;
    for (size_t d = static_cast<size_t>(d0); d < p.size(); ++d) {
        const int64_t o = p[d].ordinal;
        if (o < c0) continue;            // not shown (-1), or a leading frame of c0: left out
        if (o > limit) break;            // every later cut would take it along
        ++seen;
        maxOrd = std::max(maxOrd, o);
        if (seen == maxOrd - c0 + 1) best = maxOrd;
    }
    return best;
}

Result<ExportPlan> planExport(const PacketIndex &idx, int64_t from, int64_t to, bool editList, bool reencodeAll) {
    if (!idx.timestamped())
        return Error::make(ErrorKind::Format, "a raw stream without timestamps cannot be cut (remux it into a container first)");
    if (from < 0 || to < from || to >= idx.frameCount())
        return Error::make(ErrorKind::Usage, "bad range: frames " + std::to_string(from) + ".." + std::to_string(to) +
                                                 " (the file has frames 0.." + std::to_string(idx.frameCount() - 1) + ")");
    ExportPlan pl;
    pl.from = from;
    pl.to = to;
    auto reencodeRange = [&](ExportMethod m) {
        pl.method = m;
        pl.headFrom = from;
        pl.headTo = to;
        return pl;
    };
    if (reencodeAll) return reencodeRange(ExportMethod::Reencode);
    auto copyFromKey = [&](int64_t key, int64_t shownFrom) -> bool {
        const int64_t c1 = lastCleanCut(idx, key, to);
        if (c1 < shownFrom) return false;
        pl.copyKey = key;
        pl.copyFrom = shownFrom;
        pl.copyTo = c1;
        pl.copyDecFirst = idx.decodeIndexOf(key);
        pl.copyDecLast = pl.copyDecFirst;
        for (int64_t o = key; o <= c1; ++o) pl.copyDecLast = std::max(pl.copyDecLast, idx.decodeIndexOf(o));
        if (c1 < to) {
            pl.tailFrom = c1 + 1;
            pl.tailTo = to;
        }
        return true;
    };
    if (isKey(idx, from)) {
        if (copyFromKey(from, from)) {
            pl.method = pl.tailTo >= pl.tailFrom ? ExportMethod::SmartCut : ExportMethod::Copy;
            return pl;
        }
        return reencodeRange(ExportMethod::Reencode);
    }
    if (editList) {
        const int64_t key = idx.prevKey(from);
        // The key must be decoded before from's packet (not an open-GOP key
        // whose leading frames from is one of).
        if (key >= 0 && idx.decodeIndexOf(key) <= idx.decodeIndexOf(from) && copyFromKey(key, from)) {
            pl.method = ExportMethod::EditList;
            return pl;
        }
    }
    // The copy after re-encoded frames starts at a key with no leading frames.
    int64_t k1 = idx.nextKey(from);
    while (k1 >= 0 && k1 <= to && hasLeadingFrames(idx, k1)) k1 = idx.nextKey(k1);
    if (k1 < 0 || k1 > to || !copyFromKey(k1, k1)) return reencodeRange(ExportMethod::Reencode);
    pl.method = ExportMethod::SmartCut;
    pl.headFrom = from;
    pl.headTo = k1 - 1;
    return pl;
}

namespace {
bool endsWithPng(const std::string &s) {
    if (s.size() < 4) return false;
    std::string e = s.substr(s.size() - 4);
    for (char &c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e == ".png";
}
} // namespace

bool stillsPattern(const std::string &out, bool isDirectory, bool oneFrame, std::string &pattern, std::string &why) {
    why.clear();
    if (out.empty()) return false;
    if (isDirectory || out.back() == '/') {
        // The directory's own name is taken as it is (a '%' in it doubled).
        pattern.clear();
        for (char c : out) pattern += c == '%' ? std::string("%%") : std::string(1, c);
        pattern += std::string(out.back() == '/' ? "" : "/") + "frame-%06d.png";
        return true;
    }
    if (!endsWithPng(out)) return false;
    // Exactly one %d or %0Nd (N 1..18); %% stands for itself.
    int conversions = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] != '%') continue;
        if (i + 1 < out.size() && out[i + 1] == '%') {
            ++i;
            continue;
        }
        size_t j = i + 1;
        if (j < out.size() && out[j] == '0') ++j;
        const size_t digits = j;
        while (j < out.size() && std::isdigit(static_cast<unsigned char>(out[j]))) ++j;
        if (j >= out.size() || out[j] != 'd' || j - digits > 2) {
            why = out + ": only %d or %0Nd (and %% for a per cent sign) may stand in the name";
            return true;
        }
        ++conversions;
        i = j;
    }
    if (conversions > 1) {
        why = out + ": one %d for the frame number, not " + std::to_string(conversions);
        return true;
    }
    if (conversions == 0 && !oneFrame) {
        why = out + ": a range of frames needs %d in the name for the frame number (e.g. shot-%06d.png), or a directory";
        return true;
    }
    pattern = out;
    return true;
}

std::string stillName(const std::string &pattern, int64_t ordinal) {
    std::string r;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') {
            r += pattern[i];
            continue;
        }
        if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
            r += '%';
            ++i;
            continue;
        }
        size_t j = i + 1;
        int width = 0;
        while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j])))
            width = std::min(width * 10 + (pattern[j++] - '0'), 99);   // stillsPattern allows two digits
        std::string n = std::to_string(ordinal);
        if (static_cast<int>(n.size()) < width) n.insert(0, static_cast<size_t>(width) - n.size(), '0');
        r += n;
        i = j;   // the 'd'
    }
    return r;
}

} // namespace qv
