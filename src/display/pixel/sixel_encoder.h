// Sixel encoder for video: a fixed 252-colour palette (6 red x 7 green x 6
// blue levels), so colours never shift from frame to frame (no palette
// flicker), with optional 4x4 ordered dithering (position-based, so a
// still area dithers the same way every frame). Run-length coded; per
// 6-row band only the colours present are emitted. Pure; given a
// HelperThread, a picture's work is split in two halves (quantizing and the
// bands), one on the helper, with the same bytes as one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv::pixel {

class HelperThread;

// One image of encodeDiff's output: cell rows [strip0, strip1) at bytes
// [off, off + len) of out.
struct SixelRun {
    int strip0 = 0, strip1 = 0;
    size_t off = 0, len = 0;
};

class SixelEncoder {
public:
    // bgr: the pictures are BGR24 (swscale's SIMD path from YUV, about twice
    // as fast as its RGB24 one), not RGB24.
    explicit SixelEncoder(bool dither = false, bool bgr = false);
    // Appends one complete sixel image (DCS ... ST) of the RGB24 (BGR24) picture.
    void encode(const uint8_t *rgb, int stride, int w, int h, std::string &out, HelperThread *helper = nullptr);
    // Video: the picture sits at cell (row0, col0) with cells cellH pixels
    // high. Only the cell rows whose pixels changed since the previous call
    // are sent, each run of them as its own image after a cursor move (the
    // whole picture when there is no previous one, the size changed, or most
    // rows changed). reset() forgets the previous picture. Returns true
    // when it sent the whole picture; runs (when given) gets each image.
    // helper: half of the work on that thread (the caller waits for it).
    bool encodeDiff(const uint8_t *rgb, int stride, int w, int h, int cellH, int row0, int col0, std::string &out,
                    std::vector<SixelRun> *runs = nullptr, HelperThread *helper = nullptr);
    void reset() { prevW_ = prevH_ = 0; }
    // The quantizer's first pass sixteen pixels at a time (SSSE3 on x86,
    // NEON on arm64; on by default where the processor has it), or through
    // the tables (tests compare the two).
    void useVectors(bool on);
    bool vectors() const { return vec_; }
    // The palette entry of a colour index, in 0..255 per channel.
    static void paletteRgb(int index, uint8_t rgb[3]);
    static constexpr int kColors = 252;

private:
    // What the band loop needs, one per thread that runs it.
    struct Bands {
        std::vector<uint8_t> bits;   // [colour][x] six-bit masks of the band
        std::vector<int> minx, maxx;
        std::vector<int> used;       // the colours of a band
        int w = -1;                  // width bits/minx/maxx are set up for
    };
    void quantize(const uint8_t *rgb, int stride, int w, int h, HelperThread *helper);
    void quantizeRows(const uint8_t *rgb, int stride, int w, int y0, int y1);
    // The nearest colours of a row's first n pixels (n a multiple of 16).
    void nearestVec(const uint8_t *row, int n, int y, uint8_t *o) const;
    // One DCS image of index rows [y0, y1) of all_.
    void emitImage(int w, int y0, int y1, std::string &out, HelperThread *helper);
    // The sixel bands of index rows [y0, y1) of all_ (y0 a band's start).
    void emitBands(Bands &b, int w, int y0, int y1, std::string &out) const;
    bool dither_;
    int red_, blue_;                 // byte offsets of red and blue in a pixel
    uint8_t lut_[3][16][256];        // [channel][threshold][value] -> level index
    uint8_t levels_[kColors][3];     // colour index -> level per channel
    uint8_t keep_[3][8][256];        // [channel][level][value]: close enough to keep the run
    uint8_t keepMask_[3][256];       // [channel][value]: bit l set when level l is close enough
    uint8_t part_[3][256];           // [channel][value]: its share of the colour index, no dithering
    // [row & 3][channel][level - 1][lane]: the highest value below that
    // level at pixel x = lane (mod 4) (255: never), for the vector path.
    uint8_t below_[4][3][6][16];
    bool vec_ = false;
    Bands bands_[2];                    // [0] this thread's, [1] the helper's
    std::string tail_;                  // the helper's bands, appended after this thread's
    std::vector<uint8_t> stripChanged_; // per cell row: changed since the previous picture
    std::vector<uint8_t> all_;          // the picture as colour indices
    std::vector<uint8_t> prev_;         // the previous picture (encodeDiff)
    int prevW_ = 0, prevH_ = 0;
};

} // namespace qv::pixel
