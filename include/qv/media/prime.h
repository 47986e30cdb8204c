// DRM PRIME frames (AV_PIX_FMT_DRM_PRIME, from --hwdec=drm, v4l2m2m or
// rkmpp decoders): the dma-bufs of a hardware-decoded picture, described in
// qv's own terms so the kms display can put them on a plane without a copy
// and without including FFmpeg. Pure: reads the frame's descriptor only.
#pragma once

#include <cstdint>
#include <string>

struct AVFrame;

namespace qv {

struct PrimeFrame {
    struct Object {
        int fd = -1;            // the dma-buf (owned by the frame: valid while it lives)
        uint64_t size = 0;
        uint64_t modifier = 0;  // DRM format modifier (0: linear)
    };
    struct Plane {
        int object = 0;         // index into objects
        int64_t offset = 0;
        int64_t pitch = 0;
    };
    uint32_t fourcc = 0;        // one scan-out format for the whole picture (NV12, P010, ...)
    int width = 0, height = 0;
    int objects = 0, planes = 0;
    Object object[4];
    Plane plane[4];
    int colorspace = 2, range = 0;   // AVColorSpace / AVColorRange of the frame
};

// True when the frame's picture lives in dma-bufs (AV_PIX_FMT_DRM_PRIME).
bool isPrimeFrame(const AVFrame *f);
// A CUDA or Vulkan hardware frame, kept on the GPU for the vulkan
// display's FFmpeg bridge (qv/media/vk_frames.h).
bool isHwSurfaceFrame(const AVFrame *f);
// A frame kept on the GPU either way (the pipeline passes it on as it is,
// and the step cache does not hold it).
inline bool isKeptFrame(const AVFrame *f) { return isPrimeFrame(f) || isHwSurfaceFrame(f); }

// One layer's format and planes, as FFmpeg describes them, for compose().
struct PrimeLayer {
    uint32_t fourcc = 0;
    int planes = 0;
    PrimeFrame::Plane plane[4];
};
// FFmpeg may describe a picture as several layers (VA-API exports NV12 as
// an R8 layer and a GR88 layer); a plane scans out one format. compose()
// gives that format: one layer as it is; R8 + GR88 as NV12, R16 + GR1616
// as P010. False (why set) for other combinations.
bool composePrimeLayers(const PrimeLayer *layers, int count, PrimeFrame &out, std::string &why);

// The frame's descriptor in qv's terms; false with why when it is not a
// PRIME frame or its layers make no single scan-out format.
bool primeFrame(const AVFrame *f, PrimeFrame &out, std::string &why);

// DRM fourcc codes used here (drm_fourcc.h's values, without libdrm).
constexpr uint32_t primeFourcc(char a, char b, char c, char d) {
    return uint32_t(uint8_t(a)) | uint32_t(uint8_t(b)) << 8 | uint32_t(uint8_t(c)) << 16 | uint32_t(uint8_t(d)) << 24;
}

} // namespace qv
