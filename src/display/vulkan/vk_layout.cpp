#include "vk_layout.h"

#include "qv/media/pixfmt.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <algorithm>
#include <cmath>

namespace qv::vk {

int texFormatBytes(TexFormat f) {
    switch (f) {
    case TexFormat::R8: return 1;
    case TexFormat::RG8: return 2;
    case TexFormat::RGBA8: return 4;
    case TexFormat::R16: return 2;
    case TexFormat::RG16: return 4;
    case TexFormat::RGBA16: return 8;
    }
    return 1;
}

bool layoutFor(int avFormat, UploadLayout &out) {
    PixFmtDesc desc;
    if (!describePixelFormat(avFormat, desc) || desc.components < 1) return false;
    const PixFmtDesc *d = &desc;
    if (d->bigEndian || d->palette || d->bitstream || d->hwaccel || d->isFloat || d->bayer) return false;
    if (avFormat == AV_PIX_FMT_XYZ12LE) return false;   // XYZ, not RGB or YUV
    UploadLayout l;
    l.avFormat = avFormat;
    l.family = d->rgb ? Family::Rgb : d->components <= 2 ? Family::Gray : Family::Yuv;
    const int depth = d->comp[0].depth, shift = d->comp[0].shift;
    if (depth < 8 || depth > 16) return false;
    const int bytes = depth > 8 ? 2 : 1;
    int channels[4] = {0, 0, 0, 0};
    int planes = 0;
    for (int i = 0; i < d->components; ++i) {
        const PixFmtComponent &c = d->comp[i];
        if (c.plane > 2) return false;   // an alpha plane of its own (yuva): dropped by the scale stage
        if (c.depth != depth || c.shift != shift || c.depth + c.shift > 8 * bytes) return false;
        if (c.step % bytes || c.offset % bytes) return false;
        const int ch = c.step / bytes;
        if (ch != 1 && ch != 2 && ch != 4) return false;   // 24-bit RGB, packed 4:2:2
        if (channels[c.plane] && channels[c.plane] != ch) return false;
        channels[c.plane] = ch;
        planes = std::max(planes, c.plane + 1);
    }
    const int used = l.family == Family::Gray ? 1 : 3;
    for (int i = 0; i < used; ++i) {
        l.compPlane[i] = d->comp[i].plane;
        l.compChannel[i] = d->comp[i].offset / bytes;
        if (l.compChannel[i] >= channels[d->comp[i].plane]) return false;
    }
    l.planes = planes;
    for (int p = 0; p < planes; ++p) {
        if (!channels[p]) return false;
        const TexFormat f8[] = {TexFormat::R8, TexFormat::RG8, TexFormat::RGBA8, TexFormat::RGBA8};
        const TexFormat f16[] = {TexFormat::R16, TexFormat::RG16, TexFormat::RGBA16, TexFormat::RGBA16};
        const int k = channels[p] == 1 ? 0 : channels[p] == 2 ? 1 : 2;
        l.plane[p].format = bytes == 1 ? f8[k] : f16[k];
        const bool chroma = l.family == Family::Yuv &&
                            (d->comp[1].plane == p || d->comp[2].plane == p) && d->comp[0].plane != p;
        l.plane[p].log2W = chroma ? d->log2ChromaW : 0;
        l.plane[p].log2H = chroma ? d->log2ChromaH : 0;
    }
    l.bits = depth;
    l.shift = shift;
    l.fullRangeFormat = avFormat == AV_PIX_FMT_YUVJ420P || avFormat == AV_PIX_FMT_YUVJ422P ||
                        avFormat == AV_PIX_FMT_YUVJ444P || avFormat == AV_PIX_FMT_YUVJ440P ||
                        avFormat == AV_PIX_FMT_YUVJ411P;
    out = l;
    return true;
}

int uploadFormatFor(int avFormat) {
    UploadLayout l;
    if (layoutFor(avFormat, l)) return avFormat;
    // Formats the renderer takes, from which FFmpeg picks the least lossy
    // (it counts a change between YUV and RGB as a loss, so the family stays).
    static const int kTaken[] = {
        AV_PIX_FMT_YUV420P,     AV_PIX_FMT_YUV422P,     AV_PIX_FMT_YUV444P,     AV_PIX_FMT_YUV420P10LE,
        AV_PIX_FMT_YUV422P10LE, AV_PIX_FMT_YUV444P10LE, AV_PIX_FMT_YUV420P16LE, AV_PIX_FMT_YUV422P16LE,
        AV_PIX_FMT_YUV444P16LE, AV_PIX_FMT_GRAY8,       AV_PIX_FMT_GRAY16LE,    AV_PIX_FMT_GBRP,
        AV_PIX_FMT_GBRP16LE,    AV_PIX_FMT_RGB0,        AV_PIX_FMT_BGR0,        AV_PIX_FMT_RGBA64LE,
    };
    PixFmtDesc d;
    if (!describePixelFormat(avFormat, d)) return AV_PIX_FMT_YUV420P;
    return leastLossyPixelFormat(avFormat, kTaken, sizeof kTaken / sizeof kTaken[0]);
}

StagingLayout stagingLayout(const UploadLayout &l, int w, int h, int rowAlign, int planeAlign) {
    StagingLayout s;
    auto up = [](size_t v, size_t a) { return (v + a - 1) / a * a; };
    size_t at = 0;
    for (int p = 0; p < l.planes; ++p) {
        const PlaneDesc &d = l.plane[p];
        s.width[p] = -((-w) >> d.log2W);   // rounded up, as FFmpeg sizes chroma planes
        s.height[p] = -((-h) >> d.log2H);
        s.stride[p] = static_cast<int>(up(static_cast<size_t>(s.width[p]) * texFormatBytes(d.format), rowAlign));
        at = up(at, planeAlign);
        s.offset[p] = at;
        at += static_cast<size_t>(s.stride[p]) * s.height[p];
    }
    s.total = up(at, planeAlign);
    return s;
}

const char *matrixName(Matrix m) {
    switch (m) {
    case Matrix::Bt601: return "BT.601";
    case Matrix::Bt709: return "BT.709";
    case Matrix::Bt2020: return "BT.2020";
    case Matrix::Smpte240: return "SMPTE 240M";
    case Matrix::Fcc: return "FCC";
    }
    return "?";
}

ColourFacts colourFactsOf(const AVFrame *f, const UploadLayout &l) {
    ColourFacts c;
    switch (f->colorspace) {
    case AVCOL_SPC_BT709: c.matrix = Matrix::Bt709; break;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: c.matrix = Matrix::Bt601; break;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: c.matrix = Matrix::Bt2020; break;   // constant luminance shown as NCL
    case AVCOL_SPC_SMPTE240M: c.matrix = Matrix::Smpte240; break;
    case AVCOL_SPC_FCC: c.matrix = Matrix::Fcc; break;
    default: c.matrix = f->height >= 720 ? Matrix::Bt709 : Matrix::Bt601; break;   // as the scale stage guesses
    }
    c.fullRange = l.fullRangeFormat || f->color_range == AVCOL_RANGE_JPEG;
    switch (f->chroma_location) {
    case AVCHROMA_LOC_LEFT: c.chromaX = 0; c.chromaY = 0.5; break;
    case AVCHROMA_LOC_CENTER: c.chromaX = 0.5; c.chromaY = 0.5; break;
    case AVCHROMA_LOC_TOPLEFT: c.chromaX = 0; c.chromaY = 0; break;
    case AVCHROMA_LOC_TOP: c.chromaX = 0.5; c.chromaY = 0; break;
    case AVCHROMA_LOC_BOTTOMLEFT: c.chromaX = 0; c.chromaY = 1; break;
    case AVCHROMA_LOC_BOTTOM: c.chromaX = 0.5; c.chromaY = 1; break;
    default:
        c.chromaX = l.fullRangeFormat ? 0.5 : 0;
        c.chromaY = 0.5;
        break;
    }
    return c;
}

ColourMap colourMap(const UploadLayout &l, const ColourFacts &c) {
    ColourMap m;
    const int bytes = l.bits > 8 ? 2 : 1;
    const double container = bytes == 1 ? 255.0 : 65535.0;
    const double toCode = container / double(1 << l.shift);   // sampled 0..1 -> the integer code
    const double unit = double(1 << (l.bits - 8));              // 8-bit steps at this depth
    const double maxCode = double((1 << l.bits) - 1);
    // gain[k], off[k]: component k as a normalised value = sample * gain + off.
    double gain[3] = {0, 0, 0}, off[3] = {0, 0, 0};
    double mat[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};   // rows r, g, b; columns components
    if (l.family == Family::Rgb) {
        for (int k = 0; k < 3; ++k) gain[k] = toCode / maxCode;
    } else {
        if (c.fullRange) {
            gain[0] = toCode / maxCode;
            gain[1] = gain[2] = toCode / maxCode;
            off[1] = off[2] = -double(1 << (l.bits - 1)) / maxCode;
        } else {
            gain[0] = toCode / (219.0 * unit);
            off[0] = -16.0 / 219.0;
            gain[1] = gain[2] = toCode / (224.0 * unit);
            off[1] = off[2] = -128.0 / 224.0;
        }
        double kr = 0.299, kb = 0.114;
        switch (c.matrix) {
        case Matrix::Bt601: break;
        case Matrix::Bt709: kr = 0.2126; kb = 0.0722; break;
        case Matrix::Bt2020: kr = 0.2627; kb = 0.0593; break;
        case Matrix::Smpte240: kr = 0.212; kb = 0.087; break;
        case Matrix::Fcc: kr = 0.30; kb = 0.11; break;
        }
        const double kg = 1 - kr - kb;
        const double yuv[3][3] = {
            {1, 0, 2 * (1 - kr)},
            {1, -2 * kb * (1 - kb) / kg, -2 * kr * (1 - kr) / kg},
            {1, 2 * (1 - kb), 0},
        };
        for (int r = 0; r < 3; ++r)
            for (int k = 0; k < 3; ++k) mat[r][k] = yuv[r][k];
        if (l.family == Family::Gray) gain[1] = gain[2] = off[1] = off[2] = 0;
    }
    for (int k = 0; k < 3; ++k) {
        const int p = l.compPlane[k];
        if (p < 0) continue;
        for (int r = 0; r < 3; ++r) {
            m.coef[p][l.compChannel[k]][r] += static_cast<float>(mat[r][k] * gain[k]);
            m.bias[r] += static_cast<float>(mat[r][k] * off[k]);
        }
    }
    return m;
}

PlaneMap planeMap(const PlaneDesc &p, const ColourFacts &c) {
    PlaneMap m;
    const double nx = double(1 << p.log2W), ny = double(1 << p.log2H);
    // The centre of the plane's first sample, in luma pixels (continuous,
    // luma texel centres at +0.5).
    const double x0 = 0.5 + (p.log2W ? c.chromaX * (nx - 1) : 0);
    const double y0 = 0.5 + (p.log2H ? c.chromaY * (ny - 1) : 0);
    m.scaleX = static_cast<float>(1 / nx);
    m.scaleY = static_cast<float>(1 / ny);
    m.offsetX = static_cast<float>(0.5 - x0 / nx);
    m.offsetY = static_cast<float>(0.5 - y0 / ny);
    return m;
}

void displaySize(const StreamSpec &spec, int &w, int &h) {
    const double sar = spec.sarNum > 0 && spec.sarDen > 0 ? double(spec.sarNum) / spec.sarDen : 1.0;
    w = std::max(1, static_cast<int>(std::lround(spec.width * sar)));
    h = std::max(1, spec.height);
    if (swapsAxes(spec.orientation)) std::swap(w, h);
}

Rect fitPicture(int dispW, int dispH, int outW, int outH) {
    Rect r;
    if (dispW <= 0 || dispH <= 0 || outW <= 0 || outH <= 0) return r;
    r.w = outW;
    r.h = outH;
    if (int64_t(dispW) * outH > int64_t(dispH) * outW)
        r.h = std::max(1, std::min(outH, static_cast<int>(std::lround(double(outW) * dispH / dispW))));
    else
        r.w = std::max(1, std::min(outW, static_cast<int>(std::lround(double(outH) * dispW / dispH))));
    r.x = (outW - r.w) / 2;
    r.y = (outH - r.h) / 2;
    return r;
}

std::array<float, 6> orientationMap(Orientation o) {
    switch (o) {
    case Orientation::Normal: break;
    case Orientation::Rotate90Cw: return {0, 1, 0, -1, 0, 1};
    case Orientation::Rotate90Ccw: return {0, -1, 1, 1, 0, 0};
    case Orientation::Transpose: return {0, 1, 0, 1, 0, 0};
    case Orientation::AntiTranspose: return {0, -1, 1, -1, 0, 1};
    case Orientation::Rotate180: return {-1, 0, 1, 0, -1, 1};
    case Orientation::HFlip: return {-1, 0, 1, 0, 1, 0};
    case Orientation::VFlip: return {1, 0, 0, 0, -1, 1};
    }
    return {1, 0, 0, 0, 1, 0};
}

void footprint(int srcW, int srcH, const Rect &r, Orientation o, float &fx, float &fy) {
    const bool swap = swapsAxes(o);
    const int alongX = std::max(1, swap ? r.h : r.w), alongY = std::max(1, swap ? r.w : r.h);
    fx = static_cast<float>(double(srcW) / alongX);
    fy = static_cast<float>(double(srcH) / alongY);
}

} // namespace qv::vk
