#include "block_encoder.h"

#include <cstdlib>

namespace qv::term {
namespace {

constexpr uint32_t rgbOf(const uint8_t *p) {
    return (uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | uint32_t(p[2]);
}
constexpr int chan(uint32_t c, int shift) { return int((c >> shift) & 0xff); }

void appendUint(std::string &out, unsigned v) {
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = char('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) out.push_back(tmp[--n]);
}

constexpr int kCube[6] = {0, 95, 135, 175, 215, 255};

int nearestCube(int v) {
    int best = 0, bestD = 1 << 30;
    for (int i = 0; i < 6; ++i) {
        int d = std::abs(kCube[i] - v);
        if (d < bestD) { bestD = d; best = i; }
    }
    return best;
}
} // namespace

int BlockEncoder::paletteIndex(uint32_t c) {
    int r = chan(c, 16), g = chan(c, 8), b = chan(c, 0);
    int ri = nearestCube(r), gi = nearestCube(g), bi = nearestCube(b);
    int cubeIdx = 16 + 36 * ri + 6 * gi + bi;
    int dr = kCube[ri] - r, dg = kCube[gi] - g, db = kCube[bi] - b;
    int cubeD = dr * dr + dg * dg + db * db;
    int avg = (r + g + b) / 3;
    int gi2 = avg < 8 ? 0 : avg > 238 ? 23 : (avg - 8 + 5) / 10;
    if (gi2 > 23) gi2 = 23;
    int gv = 8 + 10 * gi2;
    int grayD = (gv - r) * (gv - r) + (gv - g) * (gv - g) + (gv - b) * (gv - b);
    return grayD < cubeD ? 232 + gi2 : cubeIdx;
}

uint32_t BlockEncoder::paletteRgb(int i) {
    if (i >= 232) {
        uint32_t v = uint32_t(8 + 10 * (i - 232));
        return (v << 16) | (v << 8) | v;
    }
    i -= 16;
    return (uint32_t(kCube[i / 36]) << 16) | (uint32_t(kCube[(i / 6) % 6]) << 8) | uint32_t(kCube[i % 6]);
}

void BlockEncoder::reset(int cols, int rows, int row0, int col0, const BlockEncoderConfig &cfg) {
    cols_ = cols;
    rows_ = rows;
    row0_ = row0;
    col0_ = col0;
    cfg_ = cfg;
    const size_t n = size_t(cols > 0 ? cols : 0) * size_t(rows > 0 ? rows : 0);
    top_.assign(n, 0);
    bottom_.assign(n, 0);
    valid_.assign(n, 0);
    fgKnown_ = bgKnown_ = false;
}

void BlockEncoder::invalidate() {
    std::fill(valid_.begin(), valid_.end(), 0);
    fgKnown_ = bgKnown_ = false;
}

bool BlockEncoder::close(uint32_t a, uint32_t b) const {
    if (a == b) return true;
    const int t = cfg_.tolerance;
    if (t <= 0) return false;
    return std::abs(chan(a, 16) - chan(b, 16)) <= t && std::abs(chan(a, 8) - chan(b, 8)) <= t &&
           std::abs(chan(a, 0) - chan(b, 0)) <= t;
}

void BlockEncoder::appendColor(std::string &out, bool fg, uint32_t c) {
    if (cfg_.truecolor) {
        out += fg ? "38;2;" : "48;2;";
        appendUint(out, unsigned(chan(c, 16)));
        out.push_back(';');
        appendUint(out, unsigned(chan(c, 8)));
        out.push_back(';');
        appendUint(out, unsigned(chan(c, 0)));
    } else {
        out += fg ? "38;5;" : "48;5;";
        appendUint(out, unsigned(paletteIndex(c)));
    }
}

void BlockEncoder::setColors(std::string &out, bool wantFg, uint32_t fg, bool wantBg, uint32_t bg, bool exact) {
    const bool needFg = wantFg && !(fgKnown_ && (exact ? curFg_ == fg : close(curFg_, fg)));
    const bool needBg = wantBg && !(bgKnown_ && (exact ? curBg_ == bg : close(curBg_, bg)));
    if (!needFg && !needBg) return;
    out += "\x1b[";
    if (needFg) {
        appendColor(out, true, fg);
        curFg_ = fg;
        fgKnown_ = true;
    }
    if (needBg) {
        if (needFg) out.push_back(';');
        appendColor(out, false, bg);
        curBg_ = bg;
        bgKnown_ = true;
    }
    out.push_back('m');
}

void BlockEncoder::putCell(std::string &out, int r, int c, uint32_t t, uint32_t b, int &cursorCol,
                           std::vector<WireCell> *changes, bool exact) {
    // exact: the colours go on screen as they are (a colour already set is
    // reused only when it is the same); else within the tolerance.
    const auto near = [&](uint32_t x, uint32_t y) { return exact ? x == y : close(x, y); };
    const size_t idx = size_t(r) * size_t(cols_) + size_t(c);
    // Move the cursor here: a relative move in the row, else absolute.
    if (cursorCol != c) {
        if (cursorCol >= 0 && c - cursorCol <= 3) {
            // Cheaper to step with CUF than CUP for short gaps.
            out += "\x1b[";
            if (c - cursorCol > 1) appendUint(out, unsigned(c - cursorCol));
            out.push_back('C');
        } else {
            out += "\x1b[";
            appendUint(out, unsigned(row0_ + r));
            out.push_back(';');
            appendUint(out, unsigned(col0_ + c));
            out.push_back('H');
        }
    }
    uint32_t shownTop, shownBottom;
    if (near(t, b)) {
        // One colour: a space on bg, or a full block on fg, whichever
        // needs no colour change.
        if (fgKnown_ && near(curFg_, t) && !(bgKnown_ && near(curBg_, t))) {
            out += "\xe2\x96\x88";   // U+2588 full block
            shownTop = shownBottom = curFg_;
        } else {
            setColors(out, false, 0, true, t, exact);
            out.push_back(' ');
            shownTop = shownBottom = curBg_;
        }
    } else {
        // Upper half (fg=top, bg=bottom) or lower half (fg=bottom,
        // bg=top): pick the one needing fewer colour changes.
        int costUpper = !(fgKnown_ && near(curFg_, t)) + !(bgKnown_ && near(curBg_, b));
        int costLower = !(fgKnown_ && near(curFg_, b)) + !(bgKnown_ && near(curBg_, t));
        if (costLower < costUpper) {
            setColors(out, true, b, true, t, exact);
            out += "\xe2\x96\x84";   // U+2584 lower half block
            shownTop = curBg_;
            shownBottom = curFg_;
        } else {
            setColors(out, true, t, true, b, exact);
            out += "\xe2\x96\x80";   // U+2580 upper half block
            shownTop = curFg_;
            shownBottom = curBg_;
        }
    }
    top_[idx] = shownTop;
    bottom_[idx] = shownBottom;
    valid_[idx] = 1;
    if (changes) changes->push_back(WireCell{static_cast<uint32_t>(idx), shownTop, shownBottom});
    cursorCol = c + 1;
}

int BlockEncoder::encode(const uint8_t *rgb, int stride, std::string &out, std::vector<WireCell> *changes) {
    int written = 0;
    fgKnown_ = bgKnown_ = false;   // SGR state is unknown between frames
    for (int r = 0; r < rows_; ++r) {
        const uint8_t *topRow = rgb + size_t(2 * r) * size_t(stride);
        const uint8_t *botRow = topRow + stride;
        int cursorCol = -1;   // column the cursor is at in this row, -1: unknown
        for (int c = 0; c < cols_; ++c) {
            uint32_t t = rgbOf(topRow + 3 * c);
            uint32_t b = rgbOf(botRow + 3 * c);
            if (!cfg_.truecolor) {
                t = paletteRgb(paletteIndex(t));
                b = paletteRgb(paletteIndex(b));
            }
            const size_t idx = size_t(r) * size_t(cols_) + size_t(c);
            if (valid_[idx] && close(top_[idx], t) && close(bottom_[idx], b)) continue;
            putCell(out, r, c, t, b, cursorCol, changes, false);
            ++written;
        }
    }
    if (fgKnown_ || bgKnown_) out += "\x1b[0m";
    return written;
}

void BlockEncoder::paintCells(const WireCell *cells, size_t n, std::string &out) {
    if (n == 0 || cols_ <= 0) return;
    fgKnown_ = bgKnown_ = false;
    int row = -1, cursorCol = -1;
    for (size_t i = 0; i < n; ++i) {
        const int r = static_cast<int>(cells[i].idx / static_cast<uint32_t>(cols_));
        const int c = static_cast<int>(cells[i].idx % static_cast<uint32_t>(cols_));
        if (r >= rows_) continue;
        if (r != row) {
            row = r;
            cursorCol = -1;
        }
        putCell(out, r, c, cells[i].top, cells[i].bottom, cursorCol, nullptr, true);
    }
    if (fgKnown_ || bgKnown_) out += "\x1b[0m";
}

} // namespace qv::term
