// Where the vulkan display's frames go (--vk-surface):
//   window:   an SDL2 window's Vulkan surface (X11, Wayland), a swapchain;
//   display:  VK_KHR_display, straight to a screen on the console, a swapchain;
//   headless: no surface, one offscreen image (tests, GPUs without a screen).
// Swapchains present in FIFO: the scheduler decides when a frame is
// presented, FIFO never tears and never drops a presented frame.
//
// Threads: the display thread only (SDL's window too).
#pragma once

#include "vk_context.h"

#include "qv/display/display.h"

#include <memory>
#include <string>
#include <vector>

struct SDL_Window;

namespace qv::vk {

// The image to draw a frame into.
struct Target {
    VkImage image = VK_NULL_HANDLE;
    VkFramebuffer framebuffer = VK_NULL_HANDLE;
    VkExtent2D extent{};
    VkSemaphore acquired = VK_NULL_HANDLE;   // wait for it before drawing (swapchains)
    VkSemaphore rendered = VK_NULL_HANDLE;   // signal it; present waits for it (swapchains)
    uint32_t index = 0;
    bool present = false;                    // a swapchain image: ends in PRESENT_SRC
};

enum class Presented { Ok, Rebuild };   // Rebuild: out of date or suboptimal (resized)

class Output {
public:
    virtual ~Output() = default;
    virtual const char *kind() const = 0;
    // Instance extensions it needs (before the instance).
    virtual std::vector<std::string> instanceExtensions() { return {}; }
    virtual bool khrDisplay() const { return false; }
    // After the instance: its surface (none for headless).
    virtual Result<void> createSurface(Context &ctx) = 0;
    virtual VkSurfaceKHR surface() const { return VK_NULL_HANDLE; }
    // After the device: the colour format frames are drawn in.
    virtual Result<VkFormat> chooseFormat(Context &ctx) = 0;
    // (Re)makes the images for the render pass at the current size.
    virtual Result<void> build(Context &ctx, VkRenderPass pass) = 0;
    // The image for the next frame; false: out of date (build() first).
    virtual Result<bool> acquire(Context &ctx, Target &t) = 0;
    virtual Result<Presented> present(Context &ctx, const Target &t, uint64_t presentId) {
        (void)ctx, (void)t, (void)presentId;
        return Presented::Ok;
    }
    // Waits until presentId is on screen (VK_KHR_present_wait); false when
    // this output cannot tell.
    virtual bool waitPresented(Context &ctx, uint64_t presentId, uint64_t timeoutNs) {
        (void)ctx, (void)presentId, (void)timeoutNs;
        return false;
    }
    virtual VkExtent2D extent() const = 0;
    // The size changed (a window resized): build() before the next frame.
    virtual bool stale() const { return false; }
    virtual void destroy(Context &ctx) = 0;   // before the device goes
    virtual SDL_Window *window() { return nullptr; }
    virtual std::string describe() const { return kind(); }
};

std::unique_ptr<Output> makeHeadlessOutput(int width, int height);
// A window of w x h at x, y (SDL_WINDOWPOS_UNDEFINED: anywhere); SDL's video
// part is initialised here and quit in the destructor.
Result<std::unique_ptr<Output>> makeWindowOutput(const std::string &title, int x, int y, int w, int h);
// VK_KHR_display: the first display the device offers (or the one whose
// name contains connector), its mode of modeRequest (WxH[@HZ]) or its
// preferred one. On a VT it sets KD_GRAPHICS and puts KD_TEXT back.
std::unique_ptr<Output> makeDisplayOutput(const std::string &connector, const std::string &modeRequest);

} // namespace qv::vk
