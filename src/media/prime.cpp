#include "qv/media/prime.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/hwcontext_drm.h>
#include <libavutil/pixfmt.h>
}

namespace qv {

namespace {
constexpr uint32_t kR8 = primeFourcc('R', '8', ' ', ' ');
constexpr uint32_t kGR88 = primeFourcc('G', 'R', '8', '8');
constexpr uint32_t kR16 = primeFourcc('R', '1', '6', ' ');
constexpr uint32_t kGR1616 = primeFourcc('G', 'R', '3', '2');
constexpr uint32_t kNV12 = primeFourcc('N', 'V', '1', '2');
constexpr uint32_t kP010 = primeFourcc('P', '0', '1', '0');
} // namespace

bool isPrimeFrame(const AVFrame *f) { return f && f->format == AV_PIX_FMT_DRM_PRIME && f->data[0]; }

bool isHwSurfaceFrame(const AVFrame *f) {
    return f && f->hw_frames_ctx && f->data[0] && (f->format == AV_PIX_FMT_CUDA || f->format == AV_PIX_FMT_VULKAN);
}

bool composePrimeLayers(const PrimeLayer *layers, int count, PrimeFrame &out, std::string &why) {
    out.planes = 0;
    if (count == 1) {
        if (layers[0].planes < 1 || layers[0].planes > 4) {
            why = "a layer with " + std::to_string(layers[0].planes) + " planes";
            return false;
        }
        out.fourcc = layers[0].fourcc;
        for (int p = 0; p < layers[0].planes; ++p) out.plane[out.planes++] = layers[0].plane[p];
        return true;
    }
    if (count == 2 && layers[0].planes == 1 && layers[1].planes == 1) {
        const uint32_t a = layers[0].fourcc, b = layers[1].fourcc;
        if ((a == kR8 && b == kGR88) || (a == kR16 && b == kGR1616)) {
            out.fourcc = a == kR8 ? kNV12 : kP010;
            out.plane[out.planes++] = layers[0].plane[0];
            out.plane[out.planes++] = layers[1].plane[0];
            return true;
        }
    }
    why = std::to_string(count) + " layers that make no single scan-out format";
    return false;
}

bool primeFrame(const AVFrame *f, PrimeFrame &out, std::string &why) {
    if (!isPrimeFrame(f)) {
        why = "not a DRM PRIME frame";
        return false;
    }
    const auto *d = reinterpret_cast<const AVDRMFrameDescriptor *>(f->data[0]);
    if (d->nb_objects < 1 || d->nb_objects > 4 || d->nb_layers < 1 || d->nb_layers > 4) {
        why = "a descriptor with " + std::to_string(d->nb_objects) + " objects and " + std::to_string(d->nb_layers) +
              " layers";
        return false;
    }
    out = PrimeFrame{};
    out.objects = d->nb_objects;
    for (int o = 0; o < d->nb_objects; ++o) {
        out.object[o].fd = d->objects[o].fd;
        out.object[o].size = d->objects[o].size;
        out.object[o].modifier = d->objects[o].format_modifier;
    }
    PrimeLayer layers[4];
    for (int l = 0; l < d->nb_layers; ++l) {
        layers[l].fourcc = d->layers[l].format;
        layers[l].planes = d->layers[l].nb_planes;
        for (int p = 0; p < d->layers[l].nb_planes && p < 4; ++p) {
            const auto &src = d->layers[l].planes[p];
            if (src.object_index < 0 || src.object_index >= d->nb_objects) {
                why = "a plane in object " + std::to_string(src.object_index) + " of " + std::to_string(d->nb_objects);
                return false;
            }
            layers[l].plane[p] = PrimeFrame::Plane{src.object_index, src.offset, src.pitch};
        }
    }
    if (!composePrimeLayers(layers, d->nb_layers, out, why)) return false;
    out.width = f->width;
    out.height = f->height;
    out.colorspace = f->colorspace;
    out.range = f->color_range;
    return true;
}

} // namespace qv
