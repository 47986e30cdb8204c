#include "kms_paint.h"

#include <algorithm>
#include <cstring>

namespace qv::kms {
namespace {

int planes(const FormatInfo &f) { return f.yuv ? f.planes : 1; }
int shiftW(const FormatInfo &f, int p) { return p > 0 ? f.log2ChromaW : 0; }
int shiftH(const FormatInfo &f, int p) { return p > 0 ? f.log2ChromaH : 0; }
// Samples in one pixel column step of plane p (2: interleaved U and V).
int samplesPerColumn(const FormatInfo &f, int p) { return p > 0 && f.planes == 2 ? 2 : 1; }

// Sample values in the format's own scale (8-bit, or 16-bit MSB-aligned).
struct Levels {
    uint32_t black, white, mid;
};
Levels levels(const FormatInfo &f, bool full) {
    if (f.bytes == 1) return {full ? 0u : 16u, full ? 255u : 235u, 128u};
    const uint32_t top = 0xffffu & ~((1u << (16 - f.depth)) - 1u);
    return {full ? 0u : 16u << 8, full ? top : 235u << 8, 0x8000u};
}

uint32_t get(const FormatInfo &f, const uint8_t *p) {
    return f.bytes == 1 ? p[0] : uint32_t(p[0]) | uint32_t(p[1]) << 8;
}
void put(const FormatInfo &f, uint8_t *p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v);
    if (f.bytes == 2) p[1] = static_cast<uint8_t>(v >> 8);
}

Rect clip(Rect r, int w, int h) {
    const int x0 = std::max(r.x, 0), y0 = std::max(r.y, 0);
    const int x1 = std::min(r.x + r.w, w), y1 = std::min(r.y + r.h, h);
    return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

// Calls fn(sample pointer, luma x, luma y, is chroma) for every sample of
// the surface whose pixel area meets r.
template <class Fn>
void forSamples(const Surface &s, const Rect &r0, Fn fn) {
    const Rect r = clip(r0, s.w, s.h);
    if (r.w <= 0 || r.h <= 0) return;
    const FormatInfo &f = *s.fmt;
    if (!f.yuv) {
        for (int y = r.y; y < r.y + r.h; ++y)
            for (int x = r.x; x < r.x + r.w; ++x) fn(s.row(0, y) + static_cast<size_t>(x) * 4, x, y, false);
        return;
    }
    for (int p = 0; p < planes(f); ++p) {
        const int sw = shiftW(f, p), sh = shiftH(f, p), n = samplesPerColumn(f, p);
        const int cx0 = r.x >> sw, cx1 = (r.x + r.w - 1) >> sw;
        const int cy0 = r.y >> sh, cy1 = (r.y + r.h - 1) >> sh;
        for (int cy = cy0; cy <= cy1; ++cy) {
            uint8_t *row = s.row(p, cy);
            for (int cx = cx0; cx <= cx1; ++cx)
                for (int k = 0; k < n; ++k)
                    fn(row + (static_cast<size_t>(cx) * n + k) * f.bytes, cx << sw, cy << sh, p > 0);
        }
    }
}

} // namespace

void fillBlack(const Surface &s, Rect r, bool full) {
    const FormatInfo &f = *s.fmt;
    const Levels l = levels(f, full);
    forSamples(s, r, [&](uint8_t *p, int, int, bool chroma) {
        if (!f.yuv) std::memset(p, 0, 4);
        else put(f, p, chroma ? l.mid : l.black);
    });
}

void fillBorders(const Surface &s, const Rect &pic, bool full) {
    fillBlack(s, {0, 0, s.w, pic.y}, full);
    fillBlack(s, {0, pic.y + pic.h, s.w, s.h - pic.y - pic.h}, full);
    fillBlack(s, {0, pic.y, pic.x, pic.h}, full);
    fillBlack(s, {pic.x + pic.w, pic.y, s.w - pic.x - pic.w, pic.h}, full);
}

namespace {
template <class Fn>
void forBandRows(const Surface &s, int y, int rows, Fn fn) {
    const Rect r = clip({0, y, s.w, rows}, s.w, s.h);
    if (r.h <= 0) return;
    const FormatInfo &f = *s.fmt;
    for (int p = 0; p < planes(f); ++p) {
        const int sh = shiftH(f, p);
        const size_t bytes = static_cast<size_t>(planeRowBytes(f, p, s.w));
        for (int cy = r.y >> sh; cy <= (r.y + r.h - 1) >> sh; ++cy) fn(s.row(p, cy), bytes);
    }
}
} // namespace

void saveRows(const Surface &s, int y, int rows, std::vector<uint8_t> &save) {
    save.clear();
    forBandRows(s, y, rows, [&](uint8_t *row, size_t n) { save.insert(save.end(), row, row + n); });
}

void restoreRows(const Surface &s, int y, int rows, const std::vector<uint8_t> &save) {
    size_t at = 0;
    forBandRows(s, y, rows, [&](uint8_t *row, size_t n) {
        if (at + n > save.size()) return;
        std::memcpy(row, save.data() + at, n);
        at += n;
    });
}

void darken(const Surface &s, Rect r, const Rect &pic, bool full) {
    const FormatInfo &f = *s.fmt;
    const Levels l = levels(f, full);
    forSamples(s, r, [&](uint8_t *p, int x, int y, bool chroma) {
        const bool in = x >= pic.x && x < pic.x + pic.w && y >= pic.y && y < pic.y + pic.h;
        if (!f.yuv) {
            uint32_t v;
            std::memcpy(&v, p, 4);
            v = in ? (v >> 2) & 0x3f3f3fu : 0u;
            std::memcpy(p, &v, 4);
            return;
        }
        const int32_t base = static_cast<int32_t>(chroma ? l.mid : l.black);
        const int32_t v = static_cast<int32_t>(get(f, p));
        int32_t out = in ? base + (v - base) / 4 : base;
        if (!chroma && out < base) out = base;
        put(f, p, static_cast<uint32_t>(out));
    });
}

void drawText(const Surface &s, int x0, int y0, const std::string &text, const Font &font, bool full) {
    if (!font.data || font.w <= 0 || font.h <= 0) return;
    const FormatInfo &f = *s.fmt;
    const Levels l = levels(f, full);
    const int bpr = (font.w + 7) / 8;
    for (size_t i = 0; i < text.size(); ++i) {
        const int c = static_cast<unsigned char>(text[i]);
        if (c >= font.count) continue;
        const uint8_t *g = font.data + static_cast<size_t>(c) * 32 * static_cast<size_t>(bpr);
        for (int gy = 0; gy < font.h; ++gy) {
            const int y = y0 + gy;
            if (y < 0 || y >= s.h) continue;
            for (int gx = 0; gx < font.w; ++gx) {
                const int x = x0 + static_cast<int>(i) * font.w + gx;
                if (x < 0 || x >= s.w || !(g[gy * bpr + gx / 8] & (0x80 >> (gx % 8)))) continue;
                if (!f.yuv) {
                    const uint32_t white = 0xffffffu;
                    std::memcpy(s.row(0, y) + static_cast<size_t>(x) * 4, &white, 4);
                    continue;
                }
                put(f, s.row(0, y) + static_cast<size_t>(x) * f.bytes, l.white);
                for (int p = 1; p < f.planes; ++p) {   // the chroma under it: grey
                    uint8_t *row = s.row(p, y >> f.log2ChromaH);
                    const int n = samplesPerColumn(f, p);
                    for (int k = 0; k < n; ++k)
                        put(f, row + (static_cast<size_t>(x >> f.log2ChromaW) * n + k) * f.bytes, l.mid);
                }
            }
        }
    }
}

void copyPicture(const Surface &s, int x, int y, const uint8_t *const data[4], const int linesize[4], int w, int h) {
    const FormatInfo &f = *s.fmt;
    w = std::min(w, s.w - x);
    h = std::min(h, s.h - y);
    if (w <= 0 || h <= 0) return;
    for (int p = 0; p < planes(f); ++p) {
        const int sp = f.swapUV && p > 0 ? 3 - p : p;   // YV12: DRM plane 1 is V, FFmpeg's data[2]
        if (!data[sp]) return;
        const size_t bytes = static_cast<size_t>(planeRowBytes(f, p, w));
        const size_t col = static_cast<size_t>(f.yuv ? planeRowBytes(f, p, x) : x * 4);
        for (int r = 0; r < planeRows(f, p, h); ++r)
            std::memcpy(s.row(p, (y >> shiftH(f, p)) + r) + col, data[sp] + static_cast<ptrdiff_t>(r) * linesize[sp], bytes);
    }
}

} // namespace qv::kms
