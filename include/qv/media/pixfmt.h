// What a pixel format is made of, read from FFmpeg's descriptors (the
// vulkan display lays its textures out from it without calling FFmpeg).
#pragma once

#include <cstddef>

namespace qv {

struct PixFmtComponent {
    int plane = 0, step = 0, offset = 0, shift = 0, depth = 0;
};

struct PixFmtDesc {
    int components = 0;
    PixFmtComponent comp[4];
    int log2ChromaW = 0, log2ChromaH = 0;
    bool rgb = false, bigEndian = false, palette = false, bitstream = false, hwaccel = false, isFloat = false,
         bayer = false;
};

// False for a format FFmpeg does not describe.
bool describePixelFormat(int pixFmt, PixFmtDesc &out);
// Of the candidates, the one FFmpeg loses least converting src to
// (it counts a change between YUV and RGB as a loss, so the family stays).
int leastLossyPixelFormat(int src, const int *candidates, size_t n);

} // namespace qv
