// PrimeSurfaces: DRM PRIME frames (a hardware decoder's dma-bufs: v4l2m2m,
// rkmpp, VA-API mapped by the decoder, hw_keep.h) imported into Vulkan
// (VK_EXT_external_memory_dma_buf), two ways:
//
//   - images (the device has VK_EXT_image_drm_format_modifier): each plane
//     becomes an image over the dma-buf with the plane's offset, pitch and
//     the buffer's modifier, in the format the renderer samples for that
//     plane (R8, RG8, R16, RG16): sampled in place, no copy at all;
//   - buffers (without it): each dma-buf becomes a transfer source, and the
//     uploader copies the planes into its own plane images on the GPU, as it
//     does from staging (one GPU copy, none on the CPU).
//
// A decoder reuses a small pool of surfaces: each is imported once and found
// again by its dma-bufs' inodes (at most kMaxSurfaces kept; the least
// recently shown goes first, never the one on screen). The display waits for
// each frame's fence, so no surface is in use by the GPU when one is evicted.
//
// Threads: the display thread only.
#pragma once

#include "vk_context.h"
#include "vk_layout.h"

#include "qv/media/prime.h"

#include <memory>
#include <string>
#include <vector>

namespace qv::vk {

// The renderer's layout for a PRIME format: YU12 as yuv420p, NV12, P010;
// false for others.
bool primeLayout(uint32_t fourcc, UploadLayout &out);
// A DRM format modifier as text (0x...).
std::string modifierText(uint64_t modifier);

class PrimeSurfaces {
public:
    static constexpr int kMaxSurfaces = 64;

    struct Plane {
        VkImage image = VK_NULL_HANDLE;
        VkDeviceMemory memory = VK_NULL_HANDLE;
        VkImageView view = VK_NULL_HANDLE;
        int w = 0, h = 0;
        bool linear = false;   // filtered by the sampler (never here: in the shader)
    };
    struct Surface {
        uint64_t key[6] = {0, 0, 0, 0, 0, 0};   // the objects' inodes, fourcc, size
        UploadLayout layout;
        int w = 0, h = 0;
        bool images = false;     // planes imported as images (else objects as buffers)
        bool ffmpeg = false;     // FFmpeg's Vulkan frame on this device (vk_frames.h): its images, not imported
        Plane plane[3];
        VkBuffer buffer[4] = {VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE};
        VkDeviceMemory bufferMemory[4] = {VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE};
        int buffers = 0;
        uint64_t used = 0;
    };

    explicit PrimeSurfaces(Context &ctx) : ctx_(ctx) {}
    ~PrimeSurfaces() { destroy(); }
    PrimeSurfaces(const PrimeSurfaces &) = delete;
    PrimeSurfaces &operator=(const PrimeSurfaces &) = delete;

    // The surface holding this frame, imported the first time (as images,
    // or as buffers). keep (the surface on screen) is never evicted.
    Result<Surface *> get(const PrimeFrame &f, bool images, const Surface *keep);
    // Before the device goes.
    void destroy();

    bool empty() const { return surfaces_.empty(); }
    int64_t imported() const { return imported_; }
    int64_t reused() const { return reused_; }

private:
    Result<void> importPlane(const PrimeFrame &f, int p, VkFormat fmt, int w, int h, Plane &out);
    Result<void> importBuffer(const PrimeFrame &f, int o, Surface &s);
    Result<VkDeviceMemory> importMemory(int fd, const VkMemoryRequirements &req, VkImage image, VkBuffer buffer,
                                        const std::string &what);
    void free(Surface &s);

    Context &ctx_;
    std::vector<std::unique_ptr<Surface>> surfaces_;
    uint64_t clock_ = 0;
    int64_t imported_ = 0, reused_ = 0;
};

} // namespace qv::vk
