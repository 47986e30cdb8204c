#include "nal_splice.h"

namespace qv {

namespace {
void putNal(std::vector<uint8_t> &out, int lengthSize, const uint8_t *nal, size_t n) {
    if (lengthSize == 0) {
        const uint8_t sc[4] = {0, 0, 0, 1};
        out.insert(out.end(), sc, sc + 4);
    } else {
        for (int i = lengthSize - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
    }
    out.insert(out.end(), nal, nal + n);
}
// Reads `count` (u16 length, bytes) entries at p; false when it runs out.
bool readNals(const uint8_t *&p, const uint8_t *end, int count, int lengthSize, std::vector<uint8_t> &out) {
    for (int i = 0; i < count; ++i) {
        if (end - p < 2) return false;
        const size_t n = (size_t(p[0]) << 8) | p[1];
        p += 2;
        if (static_cast<size_t>(end - p) < n) return false;
        putNal(out, lengthSize, p, n);
        p += n;
    }
    return true;
}
} // namespace

NalFraming nalFraming(bool hevc, const uint8_t *extra, size_t size) {
    NalFraming f;
    if (!extra || size == 0) return f;
    if (extra[0] != 1) {   // Annex B extradata: in band already, as it is
        f.paramSets.assign(extra, extra + size);
        return f;
    }
    const uint8_t *end = extra + size;
    std::vector<uint8_t> sets;
    if (!hevc) {
        if (size < 7) return f;
        f.lengthSize = (extra[4] & 3) + 1;
        const uint8_t *p = extra + 6;
        if (!readNals(p, end, extra[5] & 0x1f, f.lengthSize, sets) || p >= end) return f;
        const int pps = *p++;
        if (!readNals(p, end, pps, f.lengthSize, sets)) return f;
    } else {
        if (size < 23) return f;
        f.lengthSize = (extra[21] & 3) + 1;
        const uint8_t *p = extra + 23;
        for (int a = 0; a < extra[22]; ++a) {
            if (end - p < 3) return f;
            const int n = (p[1] << 8) | p[2];
            p += 3;
            if (!readNals(p, end, n, f.lengthSize, sets)) return f;
        }
    }
    f.paramSets = std::move(sets);
    return f;
}

std::vector<uint8_t> toFraming(const NalFraming &f, const uint8_t *data, size_t size) {
    if (f.lengthSize == 0) return std::vector<uint8_t>(data, data + size);
    std::vector<uint8_t> out;
    out.reserve(size + 16);
    size_t i = 0, start = SIZE_MAX;
    auto flush = [&](size_t endPos) {
        if (start == SIZE_MAX) return;
        size_t e = endPos;
        while (e > start && data[e - 1] == 0) --e;   // trailing zeros belong to the next start code
        if (e > start) putNal(out, f.lengthSize, data + start, e - start);
    };
    while (i + 3 <= size) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            flush(i);
            i += 3;
            start = i;
            continue;
        }
        ++i;
    }
    flush(size);
    return out;
}

} // namespace qv
