#include "kitty_encoder.h"

#include "helper_thread.h"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <zlib.h>
#if QV_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif

namespace qv::pixel {

void base64Append(const uint8_t *d, size_t n, std::string &out) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Twelve bits at a time: two characters from one table entry.
    static const auto pairs = [] {
        struct Table {
            char c[4096][2];
        } p{};
        for (int v = 0; v < 4096; ++v) {
            p.c[v][0] = t[v >> 6];
            p.c[v][1] = t[v & 63];
        }
        return p;
    }();
    const size_t whole = n / 3, at = out.size();
    out.resize(at + (n + 2) / 3 * 4);   // grows the string, not the loop
    char *o = &out[at];
    for (size_t k = 0; k < whole; ++k, d += 3, o += 4) {
        const uint32_t v = (uint32_t(d[0]) << 16) | (uint32_t(d[1]) << 8) | d[2];
        std::memcpy(o, pairs.c[v >> 12], 2);
        std::memcpy(o + 2, pairs.c[v & 4095], 2);
    }
    if (const size_t rest = n - whole * 3) {
        uint32_t v = uint32_t(d[0]) << 16;
        if (rest > 1) v |= uint32_t(d[1]) << 8;
        o[0] = t[v >> 18];
        o[1] = t[(v >> 12) & 63];
        o[2] = rest > 1 ? t[(v >> 6) & 63] : '=';
        o[3] = '=';
    }
}

namespace {
// One half of the pixels as raw deflate: the first ends at a sync flush (a
// byte boundary, not final), the last finishes the stream.
void deflateHalf(void *p) {
    KittyEncoder::Half &h = *static_cast<KittyEncoder::Half *>(p);
    h.ok = false;
#if QV_HAVE_LIBDEFLATE
    if (h.fast) {
        if (!h.ld) h.ld = libdeflate_alloc_compressor(h.level);
        if (!h.ld || !h.last) return;
        const size_t bound = libdeflate_deflate_compress_bound(h.ld, h.n);
        if (h.out.size() < bound) h.out.resize(bound);
        h.len = libdeflate_deflate_compress(h.ld, h.data, h.n, h.out.data(), h.out.size());
        h.ok = h.len > 0;
        h.adler = libdeflate_adler32(1, h.data, h.n);
        return;
    }
#endif
    if (!h.z) {
        h.z = new z_stream{};
        if (deflateInit2(h.z, h.level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            delete h.z;
            h.z = nullptr;
            return;
        }
    } else if (deflateReset(h.z) != Z_OK) {
        return;
    }
    const size_t bound = deflateBound(h.z, static_cast<uLong>(h.n)) + 64;
    if (h.out.size() < bound) h.out.resize(bound);
    h.z->next_in = const_cast<Bytef *>(h.data);
    h.z->avail_in = static_cast<uInt>(h.n);
    h.z->next_out = h.out.data();
    h.z->avail_out = static_cast<uInt>(h.out.size());
    const int r = deflate(h.z, h.last ? Z_FINISH : Z_SYNC_FLUSH);
    // The sync flush must have had room to finish (avail_out left over).
    h.ok = h.last ? r == Z_STREAM_END : r == Z_OK && h.z->avail_in == 0 && h.z->avail_out > 0;
    h.len = h.out.size() - h.z->avail_out;
    h.adler = adler32(adler32(0L, Z_NULL, 0), h.data, static_cast<uInt>(h.n));
}
} // namespace

KittyEncoder::~KittyEncoder() {
#if QV_HAVE_LIBDEFLATE
    if (whole_) libdeflate_free_compressor(whole_);
    for (Half &h : halves_)
        if (h.ld) libdeflate_free_compressor(h.ld);
#endif
    for (Half &h : halves_)
        if (h.z) {
            deflateEnd(h.z);
            delete h.z;
        }
}

void KittyEncoder::encode(const uint8_t *rgb, int stride, int w, int h, uint32_t imageId, std::string &out,
                          HelperThread *helper) {
    const size_t row = static_cast<size_t>(w) * 3;
    const uint8_t *data = rgb;
    if (stride != static_cast<int>(row)) {
        raw_.resize(row * static_cast<size_t>(h));
        for (int y = 0; y < h; ++y) std::memcpy(raw_.data() + row * static_cast<size_t>(y), rgb + static_cast<ptrdiff_t>(y) * stride, row);
        data = raw_.data();
    }
    const size_t total = row * static_cast<size_t>(h);
    const bool split = helper && h >= 2;
    bool packed = false;
#if QV_HAVE_LIBDEFLATE
    // One thread: libdeflate, the zlib stream whole (header, data, adler32).
    if (!split) {
        if (!whole_) whole_ = libdeflate_alloc_compressor(level_);
        if (whole_) {
            const size_t bound = libdeflate_zlib_compress_bound(whole_, total);
            if (packed_.size() < bound) packed_.resize(bound);   // grows, never shrinks
            const size_t n = libdeflate_zlib_compress(whole_, data, total, packed_.data(), packed_.size());
            if (n == 0) return;
            packedLen_ = n;
            packed = true;
        }
    }
#endif
    if (!packed && !deflateSplit(data, total, row, h, split, helper)) return;
    emitChunks(w, h, imageId, out);
}

bool KittyEncoder::deflateSplit(const uint8_t *data, size_t total, size_t row, int h, bool split, HelperThread *helper) {
    // Split: halves with zlib alone; with libdeflate (about 1.5 times as
    // fast) zlib's first 40% of the rows, libdeflate's the rest.
    const bool fast = QV_HAVE_LIBDEFLATE != 0;
    const size_t cut = !split ? total : row * static_cast<size_t>(fast ? h * 2 / 5 : h / 2);
    halves_[0].data = data;
    halves_[0].n = cut;
    halves_[0].last = !split;
    halves_[0].level = level_;
    halves_[0].fast = false;
    if (split) {
        halves_[1].data = data + cut;
        halves_[1].n = total - cut;
        halves_[1].last = true;
        halves_[1].level = level_;
        halves_[1].fast = fast;
        helper->post(deflateHalf, &halves_[1]);
    }
    deflateHalf(&halves_[0]);
    if (split) helper->wait();
    if (!halves_[0].ok || (split && !halves_[1].ok)) return false;
    // zlib: the header (deflate, 32K window, fastest), the deflate data, the
    // adler32 of all the pixels (big-endian).
    uLong adler = halves_[0].adler;
    if (split) adler = adler32_combine(adler, halves_[1].adler, static_cast<z_off_t>(halves_[1].n));
    packed_.clear();
    packed_.push_back(0x78);
    packed_.push_back(level_ <= 1 ? 0x01 : level_ < 6 ? 0x5e : level_ == 6 ? 0x9c : 0xda);
    packed_.insert(packed_.end(), halves_[0].out.begin(), halves_[0].out.begin() + static_cast<ptrdiff_t>(halves_[0].len));
    if (split)
        packed_.insert(packed_.end(), halves_[1].out.begin(), halves_[1].out.begin() + static_cast<ptrdiff_t>(halves_[1].len));
    for (int s = 24; s >= 0; s -= 8) packed_.push_back(static_cast<uint8_t>(adler >> s));
    packedLen_ = packed_.size();
    return true;
}

void KittyEncoder::emitChunks(int w, int h, uint32_t imageId, std::string &out) const {
    const size_t packedLen = packedLen_;
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
