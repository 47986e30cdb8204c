// Kitty graphics protocol for video: RGB24 pixels, zlib-compressed (o=z),
// base64 in chunks of 4096, transmitted and shown in one command (a=T) with
// a fixed image id and placement id, so every frame replaces the previous
// image in place (no pile-up, no flicker). Pure apart from zlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

typedef struct z_stream_s z_stream;
struct libdeflate_compressor;

namespace qv::pixel {

class HelperThread;

class KittyEncoder {
public:
    explicit KittyEncoder(int level = 1) : level_(level) {}
    ~KittyEncoder();
    KittyEncoder(const KittyEncoder &) = delete;
    KittyEncoder &operator=(const KittyEncoder &) = delete;
    // Appends the escape sequences that show the picture at the cursor
    // (which the terminal leaves where it is: C=1). With a helper, the
    // pixels are compressed in two parts at once (two raw deflate streams
    // joined at a sync flush, one zlib header and adler32): the same
    // picture, a few bytes more. With libdeflate, one thread compresses
    // with it; split, zlib takes the first 40% of the rows and libdeflate
    // the rest (its stream can only end final), about equal times. The
    // compressors persist: nothing is allocated once the buffers have grown.
    void encode(const uint8_t *rgb, int stride, int w, int h, uint32_t imageId, std::string &out,
                HelperThread *helper = nullptr);
    // The same through a POSIX shared-memory object the terminal reads (and
    // unlinks) itself: only a few dozen bytes go down the tty. name is the
    // object's name ("/qv-..."); the pixels must already be in it.
    static void encodeShm(const char *name, int w, int h, uint32_t imageId, std::string &out);
    // Deletes the image and its placements (on exit).
    static void remove(uint32_t imageId, std::string &out);

    struct Half {
        z_stream *z = nullptr;
        const uint8_t *data = nullptr;
        size_t n = 0;
        int level = 1;
        bool last = true;
        bool ok = false;
        bool fast = false;                  // libdeflate (the last part only: its stream ends final)
        libdeflate_compressor *ld = nullptr;
        unsigned long adler = 1;
        std::vector<uint8_t> out;   // grows, never shrinks (no zero-filling a frame)
        size_t len = 0;             // of out, this frame
    };

private:
    // zlib, in two halves at once with a helper: the stream into packed_.
    bool deflateSplit(const uint8_t *data, size_t total, size_t row, int h, bool split, HelperThread *helper);
    // The commands carrying packed_'s first packedLen_ bytes.
    void emitChunks(int w, int h, uint32_t imageId, std::string &out) const;
    int level_;
    size_t packedLen_ = 0;
    libdeflate_compressor *whole_ = nullptr;   // one thread, with libdeflate (QV_HAVE_LIBDEFLATE)
    std::vector<uint8_t> raw_, packed_;
    Half halves_[2];
};

// Standard base64 (RFC 4648, with padding); appends to out.
void base64Append(const uint8_t *data, size_t n, std::string &out);

} // namespace qv::pixel
