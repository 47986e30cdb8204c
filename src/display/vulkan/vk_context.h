// The Vulkan instance, physical device, device and queue of the vulkan
// display.
//
// Threads: created, used and destroyed by one owner at a time (the display
// thread while it plays; the main thread destroys it after every thread has
// joined). The validation messenger may be called on any thread the driver
// uses: it only counts and logs.
#pragma once

#include "vk_api.h"

#include "qv/core/result.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace qv::vk {

// The Error for a failed Vulkan call: "vulkan: WHAT failed (VK_...)", the
// VkResult kept in Error::native.
Error vkFail(const std::string &what, VkResult r);

struct ContextOptions {
    // VK_LAYER_KHRONOS_validation with a messenger that counts every warning
    // and error (QV_VK_VALIDATION=1; the tests run with it).
    bool validation = false;
    std::vector<std::string> instanceExtensions;   // what the surface needs
    bool khrDisplay = false;                       // VK_KHR_display on the instance
    std::string deviceHint;                        // QV_VK_DEVICE: part of a device's name
    // FFmpeg's Vulkan hwcontext over this device (vk_frames.h: CUDA frames,
    // Vulkan frames): a Vulkan 1.2+ instance, timeline semaphores, the
    // external memory and semaphore fds where the device has them.
    bool ffmpegFrames = false;
};

// Whether validation was asked for in the environment (QV_VK_VALIDATION=1).
bool validationFromEnv();

class Context {
public:
    ~Context();
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    static Result<std::unique_ptr<Context>> createInstance(const ContextOptions &o);
    // Picks the device (a discrete GPU before an integrated one, a virtual
    // one, then a CPU one like lavapipe; QV_VK_DEVICE narrows by name) with a
    // graphics queue that can present to surface (when not null), and creates
    // it with the extensions it has of those qv uses.
    Result<void> createDevice(VkSurfaceKHR surface, bool swapchain);

    VkInstance instance = VK_NULL_HANDLE;
    VkPhysicalDevice phys = VK_NULL_HANDLE;
    VkDevice device = VK_NULL_HANDLE;
    VkQueue queue = VK_NULL_HANDLE;
    uint32_t family = 0;
    VkPhysicalDeviceProperties props{};
    VkPhysicalDeviceMemoryProperties memProps{};
    uint32_t apiVersion = 0;            // the instance's (loader's)
    bool presentWait = false;           // VK_KHR_present_id + VK_KHR_present_wait enabled
    bool calibrated = false;            // VK_EXT_calibrated_timestamps with CLOCK_MONOTONIC
    // dma-buf import (VK_KHR_external_memory_fd, VK_EXT_external_memory_dma_buf):
    // DRM PRIME frames copied on the GPU into the plane images; with
    // VK_EXT_image_drm_format_modifier too, sampled in place.
    bool primeImport = false;
    bool primeModifiers = false;
    bool foreignQueue = false;          // VK_EXT_queue_family_foreign
    // Created for FFmpeg's Vulkan hwcontext (ContextOptions::ffmpegFrames),
    // and what that hwcontext is told (ffFeatures chains ff12_, ff13_).
    bool ffmpegFrames = false;
    std::string ffmpegWhy;              // why not, when asked for
    VkPhysicalDeviceFeatures2 ffFeatures{};
    std::vector<const char *> enabledInstanceExtensions, enabledDeviceExtensions;
    bool timestamps = false;            // the queue writes timestamps
    bool validation = false;

    // A memory type with these properties among typeBits (-1: none).
    int memoryType(uint32_t typeBits, VkMemoryPropertyFlags want) const;
    // Sampled, filtered (linear) and a transfer destination with optimal tiling.
    bool canSample(VkFormat f, bool &linear) const;
    // "llvmpipe (LLVM 15.0.6, 256 bits), CPU, Vulkan 1.3.230, Mesa 22.3.6 (LLVM 15.0.6)"
    std::string describe() const;
    std::string driverInfo;   // the driver's own words (Vulkan 1.2 devices), else empty
    bool isCpu() const { return props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU; }

    // Warnings and errors the validation layer reported so far, and the last one.
    int validationMessages() const { return messages_.load(); }
    std::string lastValidationMessage() const;

private:
    Context() = default;
    bool wantFfmpeg_ = false;
    uint32_t instanceApi_ = VK_API_VERSION_1_1;   // what the instance was created for
    std::vector<std::string> instanceExtNames_;
    VkPhysicalDeviceVulkan12Features ff12_{};
    VkPhysicalDeviceVulkan13Features ff13_{};
    static VKAPI_ATTR VkBool32 VKAPI_CALL onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                    VkDebugUtilsMessageTypeFlagsEXT types,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data, void *user);
    VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
    std::atomic<int> messages_{0};
    mutable std::mutex lastMutex_;
    std::string last_;
};

// VK_KHR_display, for --display=help and the display surface: the displays
// the best device offers, one line each; empty with why when there are none.
std::vector<std::string> listKhrDisplays(Context &ctx, std::string &why);

// Probes what the vulkan display can use here (for --display=help and
// --display=vulkan): the loader, an instance, a device. Main thread; one
// short-lived instance.
struct VulkanProbe {
    bool usable = false;
    std::string why;          // the device, or why not
    bool cpu = false;
    bool dmabuf = false;      // the device imports dma-bufs (DRM PRIME frames taken as they are)
    int displays = -1;        // VK_KHR_display displays (-1: not asked)
    std::string displayWhy;
};
VulkanProbe probeVulkan(bool askDisplays);

} // namespace qv::vk
