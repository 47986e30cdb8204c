// Kitty graphics protocol for video: RGB24 pixels, zlib-compressed (o=z),
// base64 in chunks of 4096, transmitted and shown in one command (a=T) with
// a fixed image id and placement id, so every frame replaces the previous
// image in place (no pile-up, no flicker). Pure apart from zlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qv::pixel {

class KittyEncoder {
public:
    explicit KittyEncoder(int level = 1) : level_(level) {}
    // Appends the escape sequences that show the picture at the cursor
    // (which the terminal leaves where it is: C=1).
    void encode(const uint8_t *rgb, int stride, int w, int h, uint32_t imageId, std::string &out);
    // The same through a POSIX shared-memory object the terminal reads (and
    // unlinks) itself: only a few dozen bytes go down the tty. name is the
    // object's name ("/qv-..."); the pixels must already be in it.
    static void encodeShm(const char *name, int w, int h, uint32_t imageId, std::string &out);
    // Deletes the image and its placements (on exit).
    static void remove(uint32_t imageId, std::string &out);

private:
    int level_;
    std::vector<uint8_t> raw_, packed_;
};

// Standard base64 (RFC 4648, with padding); appends to out.
void base64Append(const uint8_t *data, size_t n, std::string &out);

} // namespace qv::pixel
