// Sixel encoder for video: a fixed 252-colour palette (6 red x 7 green x 6
// blue levels), so colours never shift from frame to frame (no palette
// flicker), with optional 4x4 ordered dithering (position-based, so a
// still area dithers the same way every frame). Run-length coded; per
// 6-row band only the colours present are emitted. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv::pixel {

class SixelEncoder {
public:
    explicit SixelEncoder(bool dither = false);
    // Appends one complete sixel image (DCS ... ST) of the RGB24 picture.
    void encode(const uint8_t *rgb, int stride, int w, int h, std::string &out);
    // The palette entry of a colour index, in 0..255 per channel.
    static void paletteRgb(int index, uint8_t rgb[3]);
    static constexpr int kColors = 252;

private:
    void emitRun(std::string &out, char ch, int n);
    bool dither_;
    uint8_t lut_[3][16][256];   // [channel][threshold][value] -> level index
    std::vector<uint8_t> bits_;         // [colour][x] six-bit masks of the band
    std::vector<int> minx_, maxx_;
    std::vector<int> used_;
    std::vector<uint8_t> anyUsed_;      // per colour: used in this picture
    std::vector<uint8_t> all_;          // the picture as colour indices
};

} // namespace qv::pixel
