// A small built-in 5x7 bitmap font and an RGB24 canvas to draw it on (contact
// sheet labels and headers). Upper-case letters, digits and common
// punctuation; lower case is drawn as upper case, anything else as '?'.
// Pure code, no allocation after the canvas; any thread, one canvas per
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv::font {

constexpr int kGlyphW = 5, kGlyphH = 7;
constexpr int kAdvance = 6;      // glyph plus one column of space
constexpr int kLineH = 10;       // glyph plus three rows of space

// The glyph's rows (bit 4 = leftmost column); nullptr for a character the
// font does not have (text() draws those as '?').
const uint8_t *glyph(char c);

struct Rgb {
    uint8_t r, g, b;
};

class Canvas {
public:
    Canvas(int w, int h, Rgb fill);
    int width() const { return w_; }
    int height() const { return h_; }
    int stride() const { return w_ * 3; }
    const uint8_t *data() const { return px_.data(); }
    uint8_t *row(int y) { return px_.data() + static_cast<size_t>(y) * stride(); }
    // Copies an RGB24 picture with its top-left at (x, y), clipped.
    void blit(int x, int y, const uint8_t *rgb, int w, int h, int srcStride);
    void fillRect(int x, int y, int w, int h, Rgb c);
    // Draws text with its top-left at (x, y), each font pixel scale x scale,
    // clipped at maxW pixels wide (0: to the canvas edge); returns the width drawn.
    int text(int x, int y, const std::string &s, Rgb c, int scale = 1, int maxW = 0);

private:
    int w_, h_;
    std::vector<uint8_t> px_;
};

// Width in pixels of s at this scale.
inline int textWidth(const std::string &s, int scale = 1) {
    return s.empty() ? 0 : (static_cast<int>(s.size()) * kAdvance - 1) * scale;
}

} // namespace qv::font
