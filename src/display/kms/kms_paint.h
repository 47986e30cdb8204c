// Pixels in the kms display's buffers, in any format of kms_plane.h
// (XRGB8888 and the YUV formats, 8 or 16 bits a sample): black borders,
// the status band (saved, darkened, text in the console's font), and the
// copy of a picture that did not come through the frame sink. Pure memory
// work, unit-tested.
#pragma once

#include "kms_choose.h"
#include "kms_plane.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv::kms {

// A buffer: DRM plane p starts at base + offset[p]; every plane's rows are
// pitch bytes apart; w x h pixels.
struct Surface {
    const FormatInfo *fmt = nullptr;
    uint8_t *base = nullptr;
    uint32_t pitch = 0;
    uint32_t offset[3] = {0, 0, 0};
    int w = 0, h = 0;
    uint8_t *row(int p, int y) const { return base + offset[p] + static_cast<size_t>(y) * pitch; }
};

// A console font: glyph c's row y is bytesPerRow bytes at
// data + (c * 32 + y) * bytesPerRow, most significant bit left (KDFONTOP).
struct Font {
    const uint8_t *data = nullptr;
    int w = 0, h = 0, count = 0;
};

// Fills r (clipped, rounded out to whole chroma samples) with black.
void fillBlack(const Surface &s, Rect r, bool fullRange);
// Fills everything outside pic with black.
void fillBorders(const Surface &s, const Rect &pic, bool fullRange);

// Rows [y, y + rows) of every plane (luma rows; chroma rows that hold
// them) into save, or back from it.
void saveRows(const Surface &s, int y, int rows, std::vector<uint8_t> &save);
void restoreRows(const Surface &s, int y, int rows, const std::vector<uint8_t> &save);

// Darkens r to a quarter, toward black (chroma toward grey); outside pic,
// where the letterbox is, to black.
void darken(const Surface &s, Rect r, const Rect &pic, bool fullRange);

// text in white with its top-left corner at (x, y) of the surface
// (negative or partly outside: clipped), glyph pixels only.
void drawText(const Surface &s, int x, int y, const std::string &text, const Font &font, bool fullRange);

// Copies a w x h picture in the surface's format (FFmpeg's plane order:
// data[0] Y, data[1] U or UV, data[2] V) to its place at (x, y).
void copyPicture(const Surface &s, int x, int y, const uint8_t *const data[4], const int linesize[4], int w, int h);

} // namespace qv::kms
