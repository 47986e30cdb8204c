#include "sixel_encoder.h"

#include "helper_thread.h"
#include "vec16.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace qv::pixel {
namespace {
constexpr int kLevels[3] = {6, 7, 6};
// Within this much (0..255 per channel) of the left neighbour's palette
// colour, a pixel takes that colour instead of its own nearest one: longer
// runs, fewer colour switches per band. About half a palette step.
constexpr int kKeep = 30;
// 4x4 Bayer matrix (0..15).
constexpr int kBayer[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};

void appendInt(std::string &out, int v) {
    char b[12];
    char *e = b + sizeof b, *p = e;
    unsigned u = v < 0 ? 0u - static_cast<unsigned>(v) : static_cast<unsigned>(v);
    do {
        *--p = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    out.append(p, static_cast<size_t>(e - p));
}
// The first i in [x, w) with o[i] != c (w when none): eight bytes at a time.
int sameEnd(const uint8_t *o, int x, int w, uint8_t c) {
    int e = x;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t pattern = 0x0101010101010101ULL * c;
    for (; e + 8 <= w; e += 8) {
        uint64_t v;
        std::memcpy(&v, o + e, 8);
        if (const uint64_t d = v ^ pattern) return e + (__builtin_ctzll(d) >> 3);
    }
#endif
    while (e < w && o[e] == c) ++e;
    return e;
}
// b[x..e) |= bit, eight bytes at a time.
void orRun(uint8_t *b, int x, int e, uint8_t bit) {
    const uint64_t wide = 0x0101010101010101ULL * bit;
    for (; x + 8 <= e; x += 8) {
        uint64_t v;
        std::memcpy(&v, b + x, 8);
        v |= wide;
        std::memcpy(b + x, &v, 8);
    }
    for (; x < e; ++x) b[x] |= bit;
}
// The end of the run of o[x]'s colour in o[x..w).
int runEnd(const uint8_t *o, int x, int w) { return sameEnd(o, x + 1, w, o[x]); }

} // namespace

SixelEncoder::SixelEncoder(bool dither, bool bgr) : dither_(dither), red_(bgr ? 2 : 0), blue_(bgr ? 0 : 2) {
    for (int c = 0; c < kColors; ++c) {
        levels_[c][0] = static_cast<uint8_t>(c / 42);
        levels_[c][1] = static_cast<uint8_t>((c / 6) % 7);
        levels_[c][2] = static_cast<uint8_t>(c % 6);
    }
    for (int ch = 0; ch < 3; ++ch)
        for (int l = 0; l < kLevels[ch]; ++l)
            for (int v = 0; v < 256; ++v) {
                const int pv = l * 255 / (kLevels[ch] - 1);
                keep_[ch][l][v] = std::abs(pv - v) <= kKeep ? 1 : 0;
                if (l == 0) keepMask_[ch][v] = 0;
                if (keep_[ch][l][v]) keepMask_[ch][v] = static_cast<uint8_t>(keepMask_[ch][v] | (1u << l));
            }
    for (int c = 0; c < 3; ++c) {
        const int top = kLevels[c] - 1;
        for (int t = 0; t < 16; ++t) {
            // Threshold offset in level units: (t + 0.5) / 16 - 0.5; none without dithering.
            const double off = dither ? (t + 0.5) / 16.0 - 0.5 : 0.0;
            for (int v = 0; v < 256; ++v) {
                int l = static_cast<int>(v * top / 255.0 + off + 0.5);
                lut_[c][t][v] = static_cast<uint8_t>(std::clamp(l, 0, top));
            }
        }
        static constexpr int kWeight[3] = {42, 6, 1};
        for (int v = 0; v < 256; ++v) part_[c][v] = static_cast<uint8_t>(lut_[c][0][v] * kWeight[c]);
        // A level is the number of thresholds a value is above (the table
        // is monotonic), which the vector path counts by comparing. lut[0]
        // is 0 for every threshold, so no level starts at 0.
        for (int row = 0; row < 4; ++row)
            for (int k = 1; k <= 6; ++k)
                for (int lane = 0; lane < 16; ++lane) {
                    const uint8_t *l = lut_[c][kBayer[row][lane & 3]];
                    int v = 1;
                    while (v < 256 && l[v] < k) ++v;
                    below_[row][c][k - 1][lane] = static_cast<uint8_t>(v - 1);   // 255: no value reaches k
                }
    }
    useVectors(true);
}

void SixelEncoder::useVectors(bool on) { vec_ = on && vectorsUsable(); }

void SixelEncoder::paletteRgb(int index, uint8_t rgb[3]) {
    const int r = index / 42, g = (index / 6) % 7, b = index % 6;
    rgb[0] = static_cast<uint8_t>(r * 255 / 5);
    rgb[1] = static_cast<uint8_t>(g * 255 / 6);
    rgb[2] = static_cast<uint8_t>(b * 255 / 5);
}

namespace {
void emitRun(std::string &out, char ch, int n) {
    if (n >= 4) {
        out += '!';
        appendInt(out, n);
        out += ch;
    } else {
        out.append(static_cast<size_t>(n), ch);
    }
}
// Halves worth splitting: a picture this tall or taller (in rows).
constexpr int kSplitRows = 96;
// Waits for the helper's half when it goes out of scope, even when this
// thread's half throws (the helper holds pointers into this frame).
struct Joined {
    HelperThread &h;
    ~Joined() { h.wait(); }
};
} // namespace

void SixelEncoder::quantize(const uint8_t *rgb, int stride, int w, int h, HelperThread *helper) {
    all_.resize(static_cast<size_t>(w) * static_cast<size_t>(h));
    if (!helper || h < kSplitRows) {
        quantizeRows(rgb, stride, w, 0, h);
        return;
    }
    // Rows are independent: the lower half on the helper.
    struct Job {
        SixelEncoder *self;
        const uint8_t *rgb;
        int stride, w, y0, y1;
    } job{this, rgb, stride, w, h / 2, h};
    helper->post([](void *a) {
        const Job &j = *static_cast<const Job *>(a);
        j.self->quantizeRows(j.rgb, j.stride, j.w, j.y0, j.y1);
    }, &job);
    const Joined joined{*helper};
    quantizeRows(rgb, stride, w, 0, h / 2);
}

#if QV_VEC
QV_VEC_TARGET void SixelEncoder::nearestVec(const uint8_t *row, int n, int y, uint8_t *o) const {
    // The colour index is 42 x red level + 6 x green level + blue level; a
    // level is the number of the channel's thresholds the value is above:
    // per threshold a comparison, masked to the channel's weight, added up.
    const uint8_t(*th)[6][16] = below_[y & 3];
    V16 t[3][6];
    for (int c = 0; c < 3; ++c)
        for (int k = 0; k < kLevels[c] - 1; ++k) std::memcpy(&t[c][k], th[c][k], 16);
    const V16 w42 = V16{} + 42, w6 = V16{} + 6, w1 = V16{} + 1;
    const bool rgbOrder = red_ == 0;
    for (int x = 0; x < n; x += 16) {
        const uint8_t *p = row + static_cast<ptrdiff_t>(x) * 3;
        V16 v0, v1, v2;
        std::memcpy(&v0, p, 16);
        std::memcpy(&v1, p + 16, 16);
        std::memcpy(&v2, p + 32, 16);
        // Byte k of each pixel (pixels are 3 bytes: 0..47 over v0, v1, v2):
        // what v0 and v1 hold, then the rest from v2.
        const V16 b0 = QV_SHUF(QV_SHUF(v0, v1, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0), v2,
                               0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
        const V16 b1 = QV_SHUF(QV_SHUF(v0, v1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0), v2,
                               0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
        const V16 b2 = QV_SHUF(QV_SHUF(v0, v1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0), v2,
                               0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
        const V16 r = rgbOrder ? b0 : b2, b = rgbOrder ? b2 : b0;
        V16 acc{};
        for (int k = 0; k < 5; ++k) acc += (V16)(r > t[0][k]) & w42;
        for (int k = 0; k < 6; ++k) acc += (V16)(b1 > t[1][k]) & w6;
        for (int k = 0; k < 5; ++k) acc += (V16)(b > t[2][k]) & w1;
        std::memcpy(o + x, &acc, 16);
    }
}
#else
void SixelEncoder::nearestVec(const uint8_t *, int, int, uint8_t *) const {}
#endif

void SixelEncoder::quantizeRows(const uint8_t *rgb, int stride, int w, int y0, int y1) {
    uint8_t *const all = all_.data();   // rows [y0, y1) are this call's alone
    // Locals, so that the stores into the index rows (uint8_t, which may
    // alias anything) do not make the compiler reload the tables' addresses.
    const bool dither = dither_;
    const uint8_t(*pr)[256] = part_;
    const uint8_t(*km)[256] = keepMask_;
    const uint8_t(*lv)[3] = levels_;
    const int rc = red_, bc = blue_;
    for (int y = y0; y < y1; ++y) {
        const uint8_t *row = rgb + static_cast<ptrdiff_t>(y) * stride;
        uint8_t *o = all + static_cast<size_t>(y) * static_cast<size_t>(w);
        // Each pixel's nearest colour, without a branch: sixteen at a time,
        // then the rest through the tables.
        const int x0 = vec_ ? w / 16 * 16 : 0;
        if (x0 > 0) nearestVec(row, x0, y, o);
        const uint8_t *p = row + static_cast<ptrdiff_t>(x0) * 3;
        if (dither) {
            const int *bayer = kBayer[y & 3];
            for (int x = x0; x < w; ++x, p += 3) {
                const int t = bayer[x & 3];
                o[x] = static_cast<uint8_t>(lut_[0][t][p[rc]] * 42 + lut_[1][t][p[1]] * 6 + lut_[2][t][p[bc]]);
            }
        } else {
            for (int x = x0; x < w; ++x, p += 3) o[x] = static_cast<uint8_t>(pr[0][p[rc]] + pr[1][p[1]] + pr[2][p[bc]]);
        }
        // Then, left to right: a pixel whose colour differs from its left
        // neighbour's keeps the neighbour's when that is close enough to it
        // (longer runs, fewer colour switches per band: a sixel's main
        // cost). Stretches that already hold the neighbour's colour are
        // skipped eight pixels at a time.
        int prev = o[0], l0 = lv[prev][0], l1 = lv[prev][1], l2 = lv[prev][2];
        for (int x = sameEnd(o, 1, w, static_cast<uint8_t>(prev)); x < w;
             x = sameEnd(o, x + 1, w, static_cast<uint8_t>(prev))) {
            const uint8_t *q = row + static_cast<ptrdiff_t>(x) * 3;
            if ((km[0][q[rc]] >> l0) & (km[1][q[1]] >> l1) & (km[2][q[bc]] >> l2) & 1) {
                o[x] = static_cast<uint8_t>(prev);
            } else {
                prev = o[x];
                l0 = lv[prev][0];
                l1 = lv[prev][1];
                l2 = lv[prev][2];
            }
        }
    }
}

void SixelEncoder::encode(const uint8_t *rgb, int stride, int w, int h, std::string &out, HelperThread *helper) {
    if (w <= 0 || h <= 0) return;
    quantize(rgb, stride, w, h, helper);
    emitImage(w, 0, h, out, helper);
}

bool SixelEncoder::encodeDiff(const uint8_t *rgb, int stride, int w, int h, int cellH, int row0, int col0,
                              std::string &out, std::vector<SixelRun> *runs, HelperThread *helper) {
    if (runs) runs->clear();
    if (w <= 0 || h <= 0 || cellH <= 0) return false;
    quantize(rgb, stride, w, h, helper);
    const int strips = (h + cellH - 1) / cellH;
    auto moveTo = [&](int row) {
        char b[32];
        int n = std::snprintf(b, sizeof b, "\x1b[%d;%dH", row, col0);
        out.append(b, static_cast<size_t>(n));
    };
    bool full = prevW_ != w || prevH_ != h;
    std::vector<uint8_t> &changed = stripChanged_;
    int nChanged = 0;
    if (!full) {
        changed.assign(static_cast<size_t>(strips), 0);
        const size_t row = static_cast<size_t>(w);
        for (int s = 0; s < strips; ++s) {
            const int y0 = s * cellH, y1 = std::min(h, y0 + cellH);
            const size_t off = static_cast<size_t>(y0) * row, len = static_cast<size_t>(y1 - y0) * row;
            if (std::memcmp(all_.data() + off, prev_.data() + off, len) != 0) {
                changed[static_cast<size_t>(s)] = 1;
                ++nChanged;
            }
        }
        full = nChanged * 4 > strips * 3;   // most rows changed: one image is cheaper
    }
    auto run = [&](int s0, int s1, size_t from) {
        if (runs) {
            SixelRun r;
            r.strip0 = s0;
            r.strip1 = s1;
            r.off = from;
            r.len = out.size() - from;
            runs->push_back(r);
        }
    };
    if (full) {
        const size_t from = out.size();
        moveTo(row0);
        emitImage(w, 0, h, out, helper);
        run(0, strips, from);
    } else {
        for (int s = 0; s < strips;) {
            if (!changed[static_cast<size_t>(s)]) {
                ++s;
                continue;
            }
            int e = s;
            while (e < strips && changed[static_cast<size_t>(e)]) ++e;
            const size_t from = out.size();
            moveTo(row0 + s);
            emitImage(w, s * cellH, std::min(h, e * cellH), out, helper);
            run(s, e, from);
            s = e;
        }
    }
    prev_.swap(all_);   // all_ is rewritten whole by the next quantize()
    prevW_ = w;
    prevH_ = h;
    return full;
}

void SixelEncoder::emitImage(int w, int yBegin, int yEnd, std::string &out, HelperThread *helper) {
    const int h = yEnd - yBegin;
    // DCS P1=0 (aspect from the raster attributes), P2=1 (unset pixels stay), q
    out += "\x1bP0;1;0q\"1;1;";
    appendInt(out, w);
    out += ';';
    appendInt(out, h);
    // The palette: only the colours this image uses.
    uint8_t seen[256] = {};
    const uint8_t *all = all_.data() + static_cast<size_t>(yBegin) * static_cast<size_t>(w);
    for (int y = 0; y < h; ++y) {   // a run at a time
        const uint8_t *o = all + static_cast<size_t>(y) * static_cast<size_t>(w);
        for (int x = 0; x < w; x = runEnd(o, x, w)) seen[o[x]] = 1;
    }
    for (int c = 0; c < kColors; ++c) {
        if (!seen[c]) continue;
        uint8_t v[3];
        paletteRgb(c, v);
        out += '#';
        appendInt(out, c);
        out += ";2;";
        appendInt(out, (v[0] * 100 + 127) / 255);
        out += ';';
        appendInt(out, (v[1] * 100 + 127) / 255);
        out += ';';
        appendInt(out, (v[2] * 100 + 127) / 255);
    }
    // Bands are independent: with a helper, the lower half of them goes
    // into tail_ there, appended after this thread's.
    const int mid = helper && h >= kSplitRows ? h / 2 / 6 * 6 : h;
    if (mid < h) {
        struct Job {
            const SixelEncoder *self;
            Bands *b;
            int w, y0, y1;
            std::string *out;
        } job{this, &bands_[1], w, yBegin + mid, yEnd, &tail_};
        tail_.clear();
        helper->post([](void *a) {
            const Job &j = *static_cast<const Job *>(a);
            j.self->emitBands(*j.b, j.w, j.y0, j.y1, *j.out);
        }, &job);
        {
            const Joined joined{*helper};
            emitBands(bands_[0], w, yBegin, yBegin + mid, out);
        }
        out += tail_;
    } else {
        emitBands(bands_[0], w, yBegin, yEnd, out);
    }
    out += "\x1b\\";
}

void SixelEncoder::emitBands(Bands &b, int w, int yBegin, int yEnd, std::string &out) const {
    const int h = yEnd - yBegin;
    // The band loop leaves bits, minx and maxx cleared after each band, so
    // they are set up only when the width changes.
    if (b.w != w) {
        b.bits.assign(static_cast<size_t>(kColors) * static_cast<size_t>(w), 0);
        b.minx.assign(kColors, w);
        b.maxx.assign(kColors, -1);
        b.w = w;
    }
    int *const minx = b.minx.data(), *const maxx = b.maxx.data();
    uint8_t *const bits = b.bits.data();
    std::vector<int> &used = b.used;
    const uint8_t *all = all_.data() + static_cast<size_t>(yBegin) * static_cast<size_t>(w);
    for (int y0 = 0; y0 < h; y0 += 6) {
        used.clear();
        const int rows = std::min(6, h - y0);
        for (int r = 0; r < rows; ++r) {
            const uint8_t *o = all + static_cast<size_t>(y0 + r) * static_cast<size_t>(w);
            const uint8_t bit = static_cast<uint8_t>(1u << r);
            // A run of one colour at a time (runs are long: quantize keeps
            // near colours): the bookkeeping once per run, the bits in a
            // tight loop.
            for (int x = 0; x < w;) {
                const int c = o[x];
                const int e = runEnd(o, x, w);
                if (maxx[c] < 0) used.push_back(c);
                if (x < minx[c]) minx[c] = x;
                if (e - 1 > maxx[c]) maxx[c] = e - 1;
                orRun(bits + static_cast<size_t>(c) * static_cast<size_t>(w), x, e, bit);
                x = e;
            }
        }
        std::sort(used.begin(), used.end());
        for (size_t k = 0; k < used.size(); ++k) {
            const int c = used[k];
            uint8_t *row = bits + static_cast<size_t>(c) * static_cast<size_t>(w);
            if (k > 0) out += '$';
            out += '#';
            appendInt(out, c);
            if (minx[c] > 0) emitRun(out, '?', minx[c]);
            // Runs of one sixel, found eight bytes at a time (most of a
            // colour's span is empty, '?'); the row is cleared for the next band.
            const int x0 = minx[c], x1 = maxx[c] + 1;
            for (int x = x0; x < x1;) {
                const int e = runEnd(row, x, x1);
                emitRun(out, static_cast<char>(63 + row[x]), e - x);
                x = e;
            }
            std::memset(row + x0, 0, static_cast<size_t>(x1 - x0));
            minx[c] = w;
            maxx[c] = -1;
        }
        out += '-';
    }
}

} // namespace qv::pixel
