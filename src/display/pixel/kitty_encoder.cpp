#include "kitty_encoder.h"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <zlib.h>

namespace qv::pixel {

void base64Append(const uint8_t *d, size_t n, std::string &out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = (uint32_t(d[i]) << 16) | (uint32_t(d[i + 1]) << 8) | d[i + 2];
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i < n) {
        uint32_t v = uint32_t(d[i]) << 16;
        if (i + 1 < n) v |= uint32_t(d[i + 1]) << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += i + 1 < n ? t[(v >> 6) & 63] : '=';
        out += '=';
    }
}

void KittyEncoder::encode(const uint8_t *rgb, int stride, int w, int h, uint32_t imageId, std::string &out) {
    const size_t row = static_cast<size_t>(w) * 3;
    raw_.resize(row * static_cast<size_t>(h));
    for (int y = 0; y < h; ++y) std::memcpy(raw_.data() + row * static_cast<size_t>(y), rgb + static_cast<ptrdiff_t>(y) * stride, row);
    uLongf packedLen = compressBound(static_cast<uLong>(raw_.size()));
    packed_.resize(packedLen);
    if (compress2(packed_.data(), &packedLen, raw_.data(), static_cast<uLong>(raw_.size()), level_) != Z_OK) return;
    // Chunks of 4096 base64 characters = 3072 payload bytes each.
    constexpr size_t kChunk = 3072;
    char head[160];
    for (size_t off = 0; off < packedLen; off += kChunk) {
        const size_t n = packedLen - off < kChunk ? packedLen - off : kChunk;
        const bool more = off + n < packedLen;
        int k;
        if (off == 0)
            k = std::snprintf(head, sizeof head, "\x1b_Ga=T,f=24,o=z,s=%d,v=%d,i=%u,p=1,q=2,C=1,m=%d;", w, h,
                              imageId, more ? 1 : 0);
        else
            k = std::snprintf(head, sizeof head, "\x1b_Gm=%d;", more ? 1 : 0);
        out.append(head, static_cast<size_t>(k));
        base64Append(packed_.data() + off, n, out);
        out += "\x1b\\";
    }
}

void KittyEncoder::encodeShm(const char *name, int w, int h, uint32_t imageId, std::string &out) {
    char head[160];
    const int k = std::snprintf(head, sizeof head, "\x1b_Ga=T,f=24,t=s,s=%d,v=%d,S=%d,i=%u,p=1,q=2,C=1;", w, h, w * h * 3,
                                imageId);
    out.append(head, static_cast<size_t>(k));
    base64Append(reinterpret_cast<const uint8_t *>(name), std::strlen(name), out);
    out += "\x1b\\";
}

void KittyEncoder::remove(uint32_t imageId, std::string &out) {
    char b[64];
    int k = std::snprintf(b, sizeof b, "\x1b_Ga=d,d=I,i=%u,q=2\x1b\\", imageId);
    out.append(b, static_cast<size_t>(k));
}

} // namespace qv::pixel
