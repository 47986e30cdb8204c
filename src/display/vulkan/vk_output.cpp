#include "vk_output.h"

#include "display/status_tty.h"
#include "qv/core/log.h"

#if QV_HAVE_SDL2
#include "display/sdl/sdl_vulkan.h"
#endif

#include <algorithm>
#include <cstring>
#include <linux/kd.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace qv::vk {

namespace {

VkSemaphore makeSemaphore(Context &ctx) {
    VkSemaphoreCreateInfo si{};
    si.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO;
    VkSemaphore s = VK_NULL_HANDLE;
    vkCreateSemaphore(ctx.device, &si, nullptr, &s);
    return s;
}

Result<VkFramebuffer> makeFramebuffer(Context &ctx, VkRenderPass pass, VkImageView view, VkExtent2D e) {
    VkFramebufferCreateInfo fi{};
    fi.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO;
    fi.renderPass = pass;
    fi.attachmentCount = 1;
    fi.pAttachments = &view;
    fi.width = e.width;
    fi.height = e.height;
    fi.layers = 1;
    VkFramebuffer fb = VK_NULL_HANDLE;
    VkResult r = vkCreateFramebuffer(ctx.device, &fi, nullptr, &fb);
    if (r != VK_SUCCESS) return vkFail("vkCreateFramebuffer", r);
    return fb;
}

Result<VkImageView> makeView(Context &ctx, VkImage image, VkFormat f) {
    VkImageViewCreateInfo vi{};
    vi.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
    vi.image = image;
    vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vi.format = f;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VkImageView v = VK_NULL_HANDLE;
    VkResult r = vkCreateImageView(ctx.device, &vi, nullptr, &v);
    if (r != VK_SUCCESS) return vkFail("vkCreateImageView", r);
    return v;
}

// ---- swapchains (window, display) ----

class SwapchainOutput : public Output {
public:
    VkSurfaceKHR surface() const override { return surface_; }
    VkExtent2D extent() const override { return extent_; }

    Result<VkFormat> chooseFormat(Context &ctx) override {
        uint32_t n = 0;
        vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.phys, surface_, &n, nullptr);
        std::vector<VkSurfaceFormatKHR> fs(n);
        if (n) vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.phys, surface_, &n, fs.data());
        if (n == 0) return Error::make(ErrorKind::Display, "vulkan: the surface offers no format");
        // 8-bit UNORM (the video's values are already gamma-encoded: an sRGB
        // format would encode them twice).
        for (VkFormat want : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_A8B8G8R8_UNORM_PACK32}) {
            for (const auto &f : fs)
                if (f.format == want && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) {
                    format_ = f.format;
                    colorSpace_ = f.colorSpace;
                    return format_;
                }
        }
        if (n == 1 && fs[0].format == VK_FORMAT_UNDEFINED) {
            format_ = VK_FORMAT_B8G8R8A8_UNORM;
            colorSpace_ = fs[0].colorSpace;
            return format_;
        }
        return Error::make(ErrorKind::Display, "vulkan: the surface offers no 8-bit UNORM format");
    }

    Result<void> build(Context &ctx, VkRenderPass pass) override {
        vkDeviceWaitIdle(ctx.device);
        VkSurfaceCapabilitiesKHR caps{};
        VkResult r = vkGetPhysicalDeviceSurfaceCapabilitiesKHR(ctx.phys, surface_, &caps);
        if (r != VK_SUCCESS) return vkFail("vkGetPhysicalDeviceSurfaceCapabilitiesKHR", r);
        VkExtent2D e = caps.currentExtent;
        if (e.width == 0xFFFFFFFFu) {   // the surface takes the swapchain's size (Wayland)
            e = wantedExtent();
            e.width = std::clamp(e.width, caps.minImageExtent.width, caps.maxImageExtent.width);
            e.height = std::clamp(e.height, caps.minImageExtent.height, caps.maxImageExtent.height);
        }
        destroyImages(ctx);
        if (e.width == 0 || e.height == 0) {   // minimised: nothing to draw until it comes back
            extent_ = e;
            return {};
        }
        uint32_t count = std::max(caps.minImageCount + 1, 3u);
        if (caps.maxImageCount > 0) count = std::min(count, caps.maxImageCount);
        VkCompositeAlphaFlagBitsKHR alpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
        if (!(caps.supportedCompositeAlpha & alpha))
            for (VkCompositeAlphaFlagBitsKHR a : {VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR, VK_COMPOSITE_ALPHA_PRE_MULTIPLIED_BIT_KHR,
                                                  VK_COMPOSITE_ALPHA_POST_MULTIPLIED_BIT_KHR})
                if (caps.supportedCompositeAlpha & a) {
                    alpha = a;
                    break;
                }
        VkSwapchainCreateInfoKHR si{};
        si.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR;
        si.surface = surface_;
        si.minImageCount = count;
        si.imageFormat = format_;
        si.imageColorSpace = colorSpace_;
        si.imageExtent = e;
        si.imageArrayLayers = 1;
        si.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT;
        si.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
        si.preTransform = (caps.supportedTransforms & VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR)
                              ? VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR
                              : caps.currentTransform;
        si.compositeAlpha = alpha;
        si.presentMode = VK_PRESENT_MODE_FIFO_KHR;   // always there; the scheduler paces
        si.clipped = VK_TRUE;
        si.oldSwapchain = swapchain_;
        VkSwapchainKHR sc = VK_NULL_HANDLE;
        r = vkCreateSwapchainKHR(ctx.device, &si, nullptr, &sc);
        if (swapchain_) vkDestroySwapchainKHR(ctx.device, swapchain_, nullptr);
        swapchain_ = sc;
        if (r != VK_SUCCESS) return vkFail("vkCreateSwapchainKHR", r);
        extent_ = e;
        uint32_t n = 0;
        vkGetSwapchainImagesKHR(ctx.device, swapchain_, &n, nullptr);
        images_.resize(n);
        vkGetSwapchainImagesKHR(ctx.device, swapchain_, &n, images_.data());
        for (uint32_t i = 0; i < n; ++i) {
            auto v = makeView(ctx, images_[i], format_);
            if (!v) return v.takeError();
            views_.push_back(v.value());
            auto fb = makeFramebuffer(ctx, pass, v.value(), e);
            if (!fb) return fb.takeError();
            framebuffers_.push_back(fb.value());
            rendered_.push_back(makeSemaphore(ctx));
        }
        // One acquire semaphore more than images: a fresh one for each acquire.
        while (acquired_.size() < n + 1) acquired_.push_back(makeSemaphore(ctx));
        if (++builds_ > 1) log::info("vulkan: swapchain rebuilt at %ux%u", e.width, e.height);
        return {};
    }

    Result<bool> acquire(Context &ctx, Target &t) override {
        if (!swapchain_) return false;
        VkSemaphore sem = acquired_[nextAcquire_ % acquired_.size()];
        uint32_t index = 0;
        // A second at a time, 10 s in all: a software device (lavapipe) on a
        // loaded machine, or in an emulated VM, can take over a second to
        // give an image back; only a swapchain that gives none in 10 s is
        // stuck (seen in CI: Mesa 22.3's lavapipe in the QEMU VM).
        VkResult r = VK_TIMEOUT;
        for (int tries = 0; tries < 10 && (r == VK_TIMEOUT || r == VK_NOT_READY); ++tries) {
            r = vkAcquireNextImageKHR(ctx.device, swapchain_, 1000000000ull, sem, VK_NULL_HANDLE, &index);
            if ((r == VK_TIMEOUT || r == VK_NOT_READY) && tries == 0) log::info("vulkan: the swapchain is slow to give an image back");
        }
        if (r == VK_ERROR_OUT_OF_DATE_KHR) return false;
        if (r != VK_SUCCESS && r != VK_SUBOPTIMAL_KHR) return vkFail("vkAcquireNextImageKHR", r);
        ++nextAcquire_;
        if (r == VK_SUBOPTIMAL_KHR) stale_ = true;
        t.image = images_[index];
        t.framebuffer = framebuffers_[index];
        t.extent = extent_;
        t.acquired = sem;
        t.rendered = rendered_[index];
        t.index = index;
        t.present = true;
        return true;
    }

    Result<Presented> present(Context &ctx, const Target &t, uint64_t presentId) override {
        VkPresentInfoKHR pi{};
        pi.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR;
        pi.waitSemaphoreCount = 1;
        pi.pWaitSemaphores = &t.rendered;
        pi.swapchainCount = 1;
        pi.pSwapchains = &swapchain_;
        pi.pImageIndices = &t.index;
        VkPresentIdKHR pid{};
        if (ctx.presentWait) {
            pid.sType = VK_STRUCTURE_TYPE_PRESENT_ID_KHR;
            pid.swapchainCount = 1;
            pid.pPresentIds = &presentId;
            pi.pNext = &pid;
        }
        VkResult r = vkQueuePresentKHR(ctx.queue, &pi);
        if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR || stale_) {
            stale_ = false;
            lastPresented_ = r == VK_SUBOPTIMAL_KHR || r == VK_SUCCESS;
            return Presented::Rebuild;
        }
        if (r != VK_SUCCESS) return vkFail("vkQueuePresentKHR", r);
        lastPresented_ = true;
        return Presented::Ok;
    }

    bool waitPresented(Context &ctx, uint64_t presentId, uint64_t timeoutNs) override {
        if (!ctx.presentWait || !swapchain_ || !lastPresented_) return false;
        return vkWaitForPresentKHR(ctx.device, swapchain_, presentId, timeoutNs) == VK_SUCCESS;
    }

    void destroy(Context &ctx) override {
        if (!ctx.device) return;
        vkDeviceWaitIdle(ctx.device);
        destroyImages(ctx);
        for (VkSemaphore s : acquired_) vkDestroySemaphore(ctx.device, s, nullptr);
        acquired_.clear();
        if (swapchain_) vkDestroySwapchainKHR(ctx.device, swapchain_, nullptr);
        swapchain_ = VK_NULL_HANDLE;
        if (surface_) vkDestroySurfaceKHR(ctx.instance, surface_, nullptr);
        surface_ = VK_NULL_HANDLE;
    }

protected:
    virtual VkExtent2D wantedExtent() = 0;

    void destroyImages(Context &ctx) {
        for (VkFramebuffer f : framebuffers_) vkDestroyFramebuffer(ctx.device, f, nullptr);
        for (VkImageView v : views_) vkDestroyImageView(ctx.device, v, nullptr);
        for (VkSemaphore s : rendered_) vkDestroySemaphore(ctx.device, s, nullptr);
        framebuffers_.clear();
        views_.clear();
        rendered_.clear();
        images_.clear();
    }

    VkSurfaceKHR surface_ = VK_NULL_HANDLE;
    VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
    VkFormat format_ = VK_FORMAT_B8G8R8A8_UNORM;
    VkColorSpaceKHR colorSpace_ = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    VkExtent2D extent_{};
    std::vector<VkImage> images_;
    std::vector<VkImageView> views_;
    std::vector<VkFramebuffer> framebuffers_;
    std::vector<VkSemaphore> rendered_, acquired_;
    size_t nextAcquire_ = 0;
    bool stale_ = false, lastPresented_ = false;
    int builds_ = 0;
};

#if QV_HAVE_SDL2
class WindowOutput final : public SwapchainOutput {
public:
    const char *kind() const override { return "window"; }
    SDL_Window *window() override { return win_.window(); }

    Result<void> open(const std::string &title, int x, int y, int w, int h) { return win_.open(title, x, y, w, h); }
    std::vector<std::string> instanceExtensions() override { return win_.instanceExtensions(); }
    Result<void> createSurface(Context &ctx) override { return win_.createSurface(ctx.instance, &surface_); }
    std::string describe() const override { return "window (" + win_.driver() + ")"; }

    void destroy(Context &ctx) override {
        SwapchainOutput::destroy(ctx);
        win_.close();
    }

protected:
    VkExtent2D wantedExtent() override {
        int w = 0, h = 0;
        win_.drawableSize(w, h);
        return {static_cast<uint32_t>(std::max(w, 0)), static_cast<uint32_t>(std::max(h, 0))};
    }

private:
    SdlVulkanWindow win_;
};
#endif

class DisplayOutput final : public SwapchainOutput {
public:
    DisplayOutput(std::string connector, std::string mode) : connector_(std::move(connector)), modeRequest_(std::move(mode)) {}
    ~DisplayOutput() override { restoreVt(); }
    const char *kind() const override { return "display"; }
    bool khrDisplay() const override { return true; }
    std::string describe() const override { return "display " + described_; }

    Result<void> createSurface(Context &ctx) override {
        std::string why;
        uint32_t n = 0;
        VkResult r = vkGetPhysicalDeviceDisplayPropertiesKHR(ctx.phys, &n, nullptr);
        if (r != VK_SUCCESS) return vkFail("vkGetPhysicalDeviceDisplayPropertiesKHR", r);
        std::vector<VkDisplayPropertiesKHR> ds(n);
        if (n) vkGetPhysicalDeviceDisplayPropertiesKHR(ctx.phys, &n, ds.data());
        if (n == 0) {
            listKhrDisplays(ctx, why);
            return Error::make(ErrorKind::Display, "vulkan: " + why);
        }
        int pick = connector_.empty() ? 0 : -1;
        for (uint32_t i = 0; i < n && pick < 0; ++i)
            if (ds[i].displayName && std::strstr(ds[i].displayName, connector_.c_str())) pick = static_cast<int>(i);
        if (pick < 0) return Error::make(ErrorKind::Display, "vulkan: no display named like " + connector_);
        const VkDisplayPropertiesKHR &dp = ds[static_cast<size_t>(pick)];
        VkDisplayKHR display = dp.display;

        uint32_t mn = 0;
        vkGetDisplayModePropertiesKHR(ctx.phys, display, &mn, nullptr);
        std::vector<VkDisplayModePropertiesKHR> modes(mn);
        if (mn) vkGetDisplayModePropertiesKHR(ctx.phys, display, &mn, modes.data());
        if (mn == 0) return Error::make(ErrorKind::Display, "vulkan: the display has no modes");
        int wantW = 0, wantH = 0, wantHz = 0;
        if (!modeRequest_.empty()) std::sscanf(modeRequest_.c_str(), "%dx%d@%d", &wantW, &wantH, &wantHz);
        int best = -1;
        auto better = [&](const VkDisplayModePropertiesKHR &a, const VkDisplayModePropertiesKHR &b) {
            return a.parameters.refreshRate > b.parameters.refreshRate;
        };
        for (uint32_t i = 0; i < mn; ++i) {
            const auto &p = modes[i].parameters;
            const bool fits = wantW ? (int(p.visibleRegion.width) == wantW && int(p.visibleRegion.height) == wantH &&
                                       (!wantHz || (p.refreshRate + 500) / 1000 == uint32_t(wantHz)))
                                    : (p.visibleRegion.width == dp.physicalResolution.width &&
                                       p.visibleRegion.height == dp.physicalResolution.height);
            if (fits && (best < 0 || better(modes[i], modes[static_cast<size_t>(best)]))) best = static_cast<int>(i);
        }
        if (best < 0 && wantW) return Error::make(ErrorKind::Display, "vulkan: the display has no mode " + modeRequest_);
        if (best < 0) best = 0;
        const VkDisplayModePropertiesKHR &mode = modes[static_cast<size_t>(best)];

        uint32_t pn = 0;
        vkGetPhysicalDeviceDisplayPlanePropertiesKHR(ctx.phys, &pn, nullptr);
        std::vector<VkDisplayPlanePropertiesKHR> planes(pn);
        if (pn) vkGetPhysicalDeviceDisplayPlanePropertiesKHR(ctx.phys, &pn, planes.data());
        int plane = -1;
        for (uint32_t i = 0; i < pn && plane < 0; ++i) {
            if (planes[i].currentDisplay != VK_NULL_HANDLE && planes[i].currentDisplay != display) continue;
            uint32_t sn = 0;
            vkGetDisplayPlaneSupportedDisplaysKHR(ctx.phys, i, &sn, nullptr);
            std::vector<VkDisplayKHR> sup(sn);
            if (sn) vkGetDisplayPlaneSupportedDisplaysKHR(ctx.phys, i, &sn, sup.data());
            if (std::find(sup.begin(), sup.end(), display) != sup.end()) plane = static_cast<int>(i);
        }
        if (plane < 0) return Error::make(ErrorKind::Display, "vulkan: no display plane can show on this display");
        VkDisplayPlaneCapabilitiesKHR pc{};
        vkGetDisplayPlaneCapabilitiesKHR(ctx.phys, mode.displayMode, static_cast<uint32_t>(plane), &pc);
        VkDisplaySurfaceCreateInfoKHR si{};
        si.sType = VK_STRUCTURE_TYPE_DISPLAY_SURFACE_CREATE_INFO_KHR;
        si.displayMode = mode.displayMode;
        si.planeIndex = static_cast<uint32_t>(plane);
        si.planeStackIndex = planes[static_cast<size_t>(plane)].currentStackIndex;
        si.transform = VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR;
        si.globalAlpha = 1.0f;
        si.alphaMode = (pc.supportedAlpha & VK_DISPLAY_PLANE_ALPHA_OPAQUE_BIT_KHR) ? VK_DISPLAY_PLANE_ALPHA_OPAQUE_BIT_KHR
                                                                                    : VK_DISPLAY_PLANE_ALPHA_GLOBAL_BIT_KHR;
        si.imageExtent = mode.parameters.visibleRegion;
        r = vkCreateDisplayPlaneSurfaceKHR(ctx.instance, &si, nullptr, &surface_);
        if (r != VK_SUCCESS) return vkFail("vkCreateDisplayPlaneSurfaceKHR", r);
        modeExtent_ = mode.parameters.visibleRegion;
        char b[256];
        std::snprintf(b, sizeof b, "%s, %ux%u@%.2f, plane %d", dp.displayName ? dp.displayName : "?",
                      modeExtent_.width, modeExtent_.height, mode.parameters.refreshRate / 1000.0, plane);
        described_ = b;
        // On a console: no console text or cursor over the picture.
        if (isVirtualConsole(0) && ioctl(0, KDSETMODE, KD_GRAPHICS) == 0) vtGraphics_ = true;
        return {};
    }

    void destroy(Context &ctx) override {
        SwapchainOutput::destroy(ctx);
        restoreVt();
    }

protected:
    VkExtent2D wantedExtent() override { return modeExtent_; }

private:
    void restoreVt() {
        if (vtGraphics_) ioctl(0, KDSETMODE, KD_TEXT);
        vtGraphics_ = false;
    }
    std::string connector_, modeRequest_, described_;
    VkExtent2D modeExtent_{};
    bool vtGraphics_ = false;
};

// ---- headless ----

class HeadlessOutput final : public Output {
public:
    HeadlessOutput(int w, int h) : extent_{static_cast<uint32_t>(w), static_cast<uint32_t>(h)} {}
    const char *kind() const override { return "headless"; }
    VkExtent2D extent() const override { return extent_; }
    std::string describe() const override {
        return "headless " + std::to_string(extent_.width) + "x" + std::to_string(extent_.height);
    }
    Result<void> createSurface(Context &) override { return {}; }
    Result<VkFormat> chooseFormat(Context &) override { return VK_FORMAT_R8G8B8A8_UNORM; }

    Result<void> build(Context &ctx, VkRenderPass pass) override {
        destroy(ctx);
        VkImageCreateInfo ii{};
        ii.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
        ii.imageType = VK_IMAGE_TYPE_2D;
        ii.format = VK_FORMAT_R8G8B8A8_UNORM;
        ii.extent = {extent_.width, extent_.height, 1};
        ii.mipLevels = 1;
        ii.arrayLayers = 1;
        ii.samples = VK_SAMPLE_COUNT_1_BIT;
        ii.tiling = VK_IMAGE_TILING_OPTIMAL;
        ii.usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
        ii.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
        VkResult r = vkCreateImage(ctx.device, &ii, nullptr, &image_);
        if (r != VK_SUCCESS) return vkFail("vkCreateImage (headless)", r);
        VkMemoryRequirements req;
        vkGetImageMemoryRequirements(ctx.device, image_, &req);
        int type = ctx.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
        if (type < 0) type = ctx.memoryType(req.memoryTypeBits, 0);
        VkMemoryAllocateInfo ai{};
        ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        ai.allocationSize = req.size;
        ai.memoryTypeIndex = static_cast<uint32_t>(type);
        r = vkAllocateMemory(ctx.device, &ai, nullptr, &memory_);
        if (r != VK_SUCCESS) return vkFail("vkAllocateMemory (headless)", r);
        vkBindImageMemory(ctx.device, image_, memory_, 0);
        auto v = makeView(ctx, image_, VK_FORMAT_R8G8B8A8_UNORM);
        if (!v) return v.takeError();
        view_ = v.value();
        auto fb = makeFramebuffer(ctx, pass, view_, extent_);
        if (!fb) return fb.takeError();
        framebuffer_ = fb.value();
        return {};
    }

    Result<bool> acquire(Context &, Target &t) override {
        t.image = image_;
        t.framebuffer = framebuffer_;
        t.extent = extent_;
        t.present = false;
        return true;
    }

    void destroy(Context &ctx) override {
        if (!ctx.device) return;
        if (framebuffer_) vkDestroyFramebuffer(ctx.device, framebuffer_, nullptr);
        if (view_) vkDestroyImageView(ctx.device, view_, nullptr);
        if (image_) vkDestroyImage(ctx.device, image_, nullptr);
        if (memory_) vkFreeMemory(ctx.device, memory_, nullptr);
        framebuffer_ = VK_NULL_HANDLE;
        view_ = VK_NULL_HANDLE;
        image_ = VK_NULL_HANDLE;
        memory_ = VK_NULL_HANDLE;
    }

private:
    VkExtent2D extent_;
    VkImage image_ = VK_NULL_HANDLE;
    VkDeviceMemory memory_ = VK_NULL_HANDLE;
    VkImageView view_ = VK_NULL_HANDLE;
    VkFramebuffer framebuffer_ = VK_NULL_HANDLE;
};

} // namespace

std::unique_ptr<Output> makeHeadlessOutput(int width, int height) {
    return std::make_unique<HeadlessOutput>(std::max(1, width), std::max(1, height));
}

Result<std::unique_ptr<Output>> makeWindowOutput(const std::string &title, int x, int y, int w, int h) {
#if QV_HAVE_SDL2
    auto o = std::make_unique<WindowOutput>();
    if (auto r = o->open(title, x, y, w, h); !r) return r.takeError();
    return std::unique_ptr<Output>(std::move(o));
#else
    (void)title, (void)x, (void)y, (void)w, (void)h;
    return Error::make(ErrorKind::Display, "vulkan: this qv was built without SDL2: no window surface");
#endif
}

std::unique_ptr<Output> makeDisplayOutput(const std::string &connector, const std::string &modeRequest) {
    return std::make_unique<DisplayOutput>(connector, modeRequest);
}

} // namespace qv::vk
