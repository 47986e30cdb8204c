// The plane choice of the kms display, pure (no libdrm, no device): which
// plane shows the video, in which DRM format, and why. The display feeds it
// what the planes said (formats, properties) and tries its candidates in
// order with atomic TEST_ONLY commits; the first the driver takes wins, and
// when none does (or none fits) the picture goes to the primary plane as
// XRGB8888, the way every KMS driver takes it. Unit-tested with tables.
#pragma once

#include "qv/media/stream_spec.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qv::kms {

constexpr uint32_t fourcc(char a, char b, char c, char d) {
    return uint32_t(uint8_t(a)) | uint32_t(uint8_t(b)) << 8 | uint32_t(uint8_t(c)) << 16 | uint32_t(uint8_t(d)) << 24;
}
constexpr uint32_t kXRGB8888 = fourcc('X', 'R', '2', '4');

// A DRM format qv can write: its memory layout (for dumb buffers, the
// status band, copies) and the FFmpeg pixel format the scale stage writes.
struct FormatInfo {
    uint32_t fourcc = 0;
    const char *name = "";
    int avFmt = -1;            // AVPixelFormat the scale stage writes
    bool yuv = false;
    int depth = 8;             // significant bits per sample
    int bytes = 1;             // bytes per sample (2: 16-bit, MSB-aligned as P010)
    int log2ChromaW = 0, log2ChromaH = 0;
    int planes = 1;            // DRM planes: 1 packed, 2 semi-planar, 3 planar
    bool swapUV = false;       // planar: DRM plane 1 is V (YV12): FFmpeg's data[1]/[2] swapped
    int packedBpp = 0;         // packed formats: bytes per pixel
};
// nullptr when qv does not write this fourcc.
const FormatInfo *formatInfo(uint32_t fourcc);
// The YUV formats qv writes, in no particular order.
const std::vector<FormatInfo> &yuvFormats();

// Bytes per row and rows of DRM plane p of a w x h picture in format f.
int planeRowBytes(const FormatInfo &f, int p, int w);
int planeRows(const FormatInfo &f, int p, int h);

// What the source frames are (from their FFmpeg pixel format).
struct SourceFormat {
    bool yuv = true;
    int depth = 8;
    int log2ChromaW = 1, log2ChromaH = 1;
    bool planar = true;   // Y, U, V in three planes (yuv420p), not NV12-like
};

// The formats qv would put a source in, best first: no loss of depth or
// chroma first (the exact layout, then the interleaved neighbour: NV12 for
// yuv420p is one interleave, then more chroma than the source has, then
// more depth), then formats that lose depth or chroma (still better than
// RGB on the CPU). canWrite(avFmt) says what the scale stage can write.
std::vector<const FormatInfo *> rankFormats(const SourceFormat &src, bool (*canWrite)(int avFmt));

enum class PlaneType { Overlay = 0, Primary = 1, Cursor = 2 };   // DRM_PLANE_TYPE_* values

// What a plane said about itself.
struct PlaneInfo {
    uint32_t id = 0;
    PlaneType type = PlaneType::Overlay;
    bool onCrtc = false;   // can show on our CRTC (possible_crtcs)
    std::vector<uint32_t> formats;
    bool colorEncoding = false, colorRange = false;   // has COLOR_ENCODING / COLOR_RANGE
    bool rotation = false;
    // IN_FORMATS: the (fourcc, modifier) pairs it scans out; when the plane
    // has no IN_FORMATS (inFormats false), linear buffers of its formats.
    bool inFormats = false;
    std::vector<std::pair<uint32_t, uint64_t>> modifiers;
};

enum class PlanePref { Auto, Primary, Overlay, Rgb };
// "auto", "primary", "overlay", "rgb" (false: none of them).
bool parsePlanePref(const std::string &s, PlanePref &out);
const char *planePrefName(PlanePref p);

// One way to show the video on a YUV plane.
struct Candidate {
    uint32_t planeId = 0;
    bool overlay = false;
    const FormatInfo *format = nullptr;   // null for a PRIME format qv does not write itself
};

struct PlaneChoice {
    std::vector<Candidate> candidates;   // to test in this order (empty: RGB)
    std::string why;                     // one line: why these, or why RGB
};

// The candidates for this source, best first: for each format in rank
// order, overlays (auto, overlay) then the primary (auto, primary). A plane
// must be on our CRTC, list the format, and have COLOR_ENCODING and
// COLOR_RANGE (else the driver guesses the matrix). Orientation other than
// Normal: RGB (the scale stage turns packed pictures only). At most
// maxCandidates.
PlaneChoice choosePlanes(const std::vector<PlaneInfo> &planes, const SourceFormat &src, PlanePref pref,
                         Orientation orientation, bool (*canWrite)(int avFmt), size_t maxCandidates = 6);

// DRM PRIME frames (a hardware decoder's dma-bufs) go on a plane as they
// are: no scaling by the CPU, no format change. The planes for a picture
// of this fourcc and modifier, best first: overlays then the primary
// (auto), or only those pref names; a plane must be on our CRTC, list the
// format with this modifier (IN_FORMATS; without it, linear only) and, for
// YUV, have COLOR_ENCODING and COLOR_RANGE. --kms-plane=rgb and turned
// pictures: none (the frames are then downloaded and scaled as any other).
constexpr uint64_t kModifierLinear = 0;
constexpr uint64_t kModifierInvalid = 0x00ffffffffffffffULL;   // DRM_FORMAT_MOD_INVALID: "implicit"
PlaneChoice choosePrimePlanes(const std::vector<PlaneInfo> &planes, uint32_t fourcc, uint64_t modifier, PlanePref pref,
                              Orientation orientation);
// "NV12", "XR24": a fourcc's four characters (pure, for messages).
std::string fourccText(uint32_t fourcc);

// COLOR_ENCODING / COLOR_RANGE enum entry names for a frame's colour space
// and range (FFmpeg's AVColorSpace / AVColorRange values). Unknown spaces
// follow the scale stage's guess: BT.709 from 720 rows up, else BT.601.
const char *colorEncodingName(int avColorSpace, int height);
const char *colorRangeName(int avColorRange);

} // namespace qv::kms
