// The pure part of the Vulkan display: how a decoded picture's planes go up
// as textures, and the arithmetic the fragment shader is given (colour
// matrix and range folded into one affine map per plane, chroma siting,
// orientation, the picture's place in the output). No Vulkan here, so the
// unit suite tests it without a GPU, and builds without Vulkan compile it too.
//
// Planes are uploaded in their own format, one texture per plane: 8-bit
// components as R8/RG8/RGBA8, 9..16-bit ones as R16/RG16/RGBA16 (UNORM), so
// NV12 is R8 + RG8 and P010 is R16 + RG16 with the value in the high bits.
// The shader samples each plane and converts; nothing is converted on the CPU.
#pragma once

#include "qv/media/stream_spec.h"

#include <array>
#include <cstddef>
#include <cstdint>

struct AVFrame;

namespace qv::vk {

enum class TexFormat { R8, RG8, RGBA8, R16, RG16, RGBA16 };
int texFormatBytes(TexFormat f);

enum class Family { Yuv, Rgb, Gray };

struct PlaneDesc {
    TexFormat format = TexFormat::R8;
    int log2W = 0, log2H = 0;   // subsampling against the picture (chroma planes)
};

// A pixel format the renderer takes as it is.
struct UploadLayout {
    int avFormat = -1;          // AVPixelFormat
    int planes = 0;             // 1..3
    PlaneDesc plane[3];
    // Where each component lies: YUV: 0 Y, 1 Cb, 2 Cr; RGB: 0 R, 1 G, 2 B;
    // gray: 0 Y only (plane -1: absent).
    int compPlane[3] = {-1, -1, -1};
    int compChannel[3] = {0, 0, 0};
    int bits = 8;               // significant bits per component
    int shift = 0;              // bits below the value in its container (P010: 6)
    Family family = Family::Yuv;
    bool fullRangeFormat = false;   // yuvj*: full range whatever the frame says
};

// False when the renderer does not take avFormat as it is (packed 4:2:2,
// 24-bit RGB, big-endian, paletted, float, alpha planes, hardware frames).
bool layoutFor(int avFormat, UploadLayout &out);

// The format the scale stage produces for a decoded format: the format
// itself when the renderer takes it, else the nearest one it takes (a
// repack, or dropping alpha; never a colour conversion between YUV and RGB
// when a format of the same family exists).
int uploadFormatFor(int avFormat);

// Where each plane of a w x h picture lies in staging memory: rows aligned
// to rowAlign bytes (a power of two), planes to planeAlign bytes.
struct StagingLayout {
    size_t offset[3] = {0, 0, 0};
    int stride[3] = {0, 0, 0};          // bytes per row
    int width[3] = {0, 0, 0}, height[3] = {0, 0, 0};   // texels
    size_t total = 0;
};
StagingLayout stagingLayout(const UploadLayout &l, int w, int h, int rowAlign, int planeAlign);

// ---- colour ----

enum class Matrix { Bt601, Bt709, Bt2020, Smpte240, Fcc };
const char *matrixName(Matrix m);

struct ColourFacts {
    Matrix matrix = Matrix::Bt601;
    bool fullRange = false;
    // Chroma sample position inside its block of luma samples, in luma
    // pixels from the centre of the block's first luma sample (left-cosited
    // 4:2:0: x 0, y 0.5; centred: x 0.5, y 0.5).
    double chromaX = 0, chromaY = 0.5;
};

// What a frame says (matrix, range, chroma location), with the guesses the
// scale stage makes where it says nothing: BT.709 from 720 lines up, else
// BT.601; limited range unless the format is yuvj; chroma left-cosited
// (MPEG-2, H.264, HEVC) unless the format is yuvj (centred, JPEG).
ColourFacts colourFactsOf(const AVFrame *f, const UploadLayout &l);

// The affine map the shader applies: rgb = sum over planes of
// coef[p] * texel(p) + bias, texel(p) the plane's RGBA as sampled (UNORM,
// 0..1). coef[p][c] is the contribution of channel c (a column: r, g, b).
struct ColourMap {
    float coef[3][4][3] = {};
    float bias[3] = {};
};
ColourMap colourMap(const UploadLayout &l, const ColourFacts &c);

// Per plane: texel coordinate = luma coordinate * scale + offset (both in
// the plane's texels, continuous, texel centres at +0.5), which puts each
// chroma sample where the chroma location says it is.
struct PlaneMap {
    float scaleX = 1, scaleY = 1, offsetX = 0, offsetY = 0;
};
PlaneMap planeMap(const PlaneDesc &p, const ColourFacts &c);

// ---- geometry ----

// The picture's size on screen before fitting: SAR and rotation applied.
void displaySize(const StreamSpec &spec, int &w, int &h);

struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
};
// The picture fitted into outW x outH, centred, aspect kept (any size, odd
// ones too: the GPU needs no even sizes).
Rect fitPicture(int dispW, int dispH, int outW, int outH);

// Output-space (u, v in 0..1 over the picture rectangle, v down) to source
// picture coordinates (s, t in 0..1, t down) for an orientation:
// s = m[0]*u + m[1]*v + m[2], t = m[3]*u + m[4]*v + m[5]. The same turn as
// the scale stage's orientPacked().
std::array<float, 6> orientationMap(Orientation o);

// The source's texels per output pixel along each plane axis (x, y of the
// source), > 1 when downscaling, for the picture drawn at rect (w x h) with
// this orientation.
void footprint(int srcW, int srcH, const Rect &r, Orientation o, float &fx, float &fy);

} // namespace qv::vk
