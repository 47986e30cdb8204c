// BlockEncoder: RGB24 picture -> terminal bytes with Unicode half blocks.
// Each cell shows two vertically stacked pixels (upper half block: fg = top,
// bg = bottom). Only cells that changed since the previous frame are sent;
// SGR colour changes are sent only when the current colour is not already
// close enough. Pure logic: no I/O, no allocation after reset().
#pragma once

#include "qv/display/wire.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv::term {

struct BlockEncoderConfig {
    bool truecolor = true;   // false: xterm 256-colour palette
    // A cell is redrawn only when a colour moved by more than this (max
    // channel difference); the current SGR colour is reused within it too.
    // 0 = exact.
    int tolerance = 0;
};

class BlockEncoder {
public:
    // Picture of cols x rows cells placed at 1-based terminal (row0, col0).
    // Forgets what is on screen: the next encode() redraws every cell.
    void reset(int cols, int rows, int row0, int col0, const BlockEncoderConfig &cfg);
    // Forget what is on screen (after the terminal was cleared).
    void invalidate();
    // rgb: cols x (2*rows) pixels, RGB24 with the given stride. Appends the
    // bytes that bring the screen to this picture; ends with SGR reset.
    // Returns the number of cells written.
    // changes (when given) gets each cell written, with the colours put there.
    int encode(const uint8_t *rgb, int stride, std::string &out, std::vector<WireCell> *changes = nullptr);
    // Appends the bytes that paint these cells (of this layout, in order)
    // with exactly these colours (what an encoder recorded as put there);
    // SGR state unknown before, reset after.
    void paintCells(const WireCell *cells, size_t n, std::string &out);

    int cols() const { return cols_; }
    int rows() const { return rows_; }

    // xterm 256-colour index for an RGB colour, and that index's RGB.
    static int paletteIndex(uint32_t rgb);
    static uint32_t paletteRgb(int index);

private:
    bool close(uint32_t a, uint32_t b) const;
    // One cell (row r, column c) with top/bottom colours t and b; cursorCol:
    // where the cursor is in that row (-1: unknown), moved past the cell.
    // exact: those colours exactly (else a set colour within the tolerance
    // is reused).
    void putCell(std::string &out, int r, int c, uint32_t t, uint32_t b, int &cursorCol, std::vector<WireCell> *changes,
                 bool exact);
    void setColors(std::string &out, bool wantFg, uint32_t fg, bool wantBg, uint32_t bg, bool exact = false);
    void appendColor(std::string &out, bool fg, uint32_t c);

    int cols_ = 0, rows_ = 0, row0_ = 1, col0_ = 1;
    BlockEncoderConfig cfg_;
    std::vector<uint32_t> top_, bottom_;   // what is on screen, per cell
    std::vector<uint8_t> valid_;
    uint32_t curFg_ = 0, curBg_ = 0;
    bool fgKnown_ = false, bgKnown_ = false;
};

} // namespace qv::term
