// VkFrameBridge: hardware frames that are not dma-bufs (CUDA from NVDEC,
// FFmpeg's own Vulkan frames) onto the vulkan display's device, through
// FFmpeg's Vulkan hwcontext built over that device (not a second one):
//
//   - a CUDA frame: av_hwframe_transfer_data into a Vulkan frame of the
//     display's device, one copy on the GPU (CUDA imports the Vulkan
//     image's memory and semaphores; the same GPU is needed);
//   - a Vulkan frame already on this device: taken as it is;
//   - a software frame: uploaded the same way (test only:
//     QV_TEST_VKFRAMES=1 sends every frame of the vulkan display through
//     here, so the path CUDA frames take runs on lavapipe).
//
// The display samples the frame's images in place (one image per plane,
// never FFmpeg's multi-plane images) after the frame's timeline semaphores
// reached their values (waited for here, on the CPU). Every FFmpeg call
// that submits to the queue (the transfers) runs on the display thread,
// the only other user of that queue: FFmpeg 5.x has no queue lock.
//
// FFmpeg 5.0 and newer (timeline semaphores); older ones say why not.
// Threads: the display thread only.
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct AVFrame;

namespace qv {

// The display's device, as FFmpeg's hwcontext needs it. The lists and the
// feature chain must outlive the bridge.
struct VkDeviceShare {
    PFN_vkGetInstanceProcAddr getInstanceProcAddr = nullptr;
    VkInstance instance = VK_NULL_HANDLE;
    VkPhysicalDevice phys = VK_NULL_HANDLE;
    VkDevice device = VK_NULL_HANDLE;
    uint32_t family = 0;         // graphics, compute and transfer
    uint32_t queues = 1;
    std::vector<const char *> instanceExtensions, deviceExtensions;
    VkPhysicalDeviceFeatures2 features{};   // what the device was created with (pNext chain included)
    uint64_t waitNs = 5000000000ull;        // a transfer not done in this long: refused
};

// One frame on the display's device: an image per plane, in layout[p].
struct VkPicture {
    int planes = 0;
    VkImage image[3] = {VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE};
    VkFormat format[3] = {VK_FORMAT_UNDEFINED, VK_FORMAT_UNDEFINED, VK_FORMAT_UNDEFINED};
    VkImageLayout layout[3] = {VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_UNDEFINED};
    int width = 0, height = 0;
    int swFormat = -1;          // AVPixelFormat of the planes (yuv420p, nv12, p010le, ...)
    uint64_t generation = 0;    // changes when the images before may be gone (new pool)
};

// Whether this FFmpeg has the Vulkan hwcontext the bridge needs; why not.
bool vkBridgeAvailable(std::string &why);

class VkFrameBridge {
public:
    // Null with why set: an FFmpeg without the Vulkan hwcontext, older than
    // 5.0, or the device refused.
    static std::unique_ptr<VkFrameBridge> open(const VkDeviceShare &dev, std::string &why);
    ~VkFrameBridge();
    VkFrameBridge(const VkFrameBridge &) = delete;
    VkFrameBridge &operator=(const VkFrameBridge &) = delete;

    // f onto the device: out describes it until the next take() or drop().
    // False with why set (the frame cannot come this way; nothing held).
    bool take(const AVFrame *f, VkPicture &out, std::string &why);
    // The caller moved the taken frame's planes to this layout (and access)
    // in work submitted after take(): FFmpeg's next use starts from there.
    void setLayout(VkImageLayout layout, VkAccessFlags access);
    // Lets go of every frame held (their images may go): the device has
    // finished with them.
    void drop();

    int64_t transfers() const { return transfers_; }
    int64_t direct() const { return direct_; }

    struct State;

private:
    VkFrameBridge() = default;
    std::unique_ptr<State> st_;
    int64_t transfers_ = 0, direct_ = 0;
};

} // namespace qv
