#include "vk_context.h"

#include "qv/core/log.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace qv::vk {

namespace {

// QV_VK_NO_MODIFIERS=1 (test only): dma-bufs copied on the GPU even where
// the driver could sample them in place.
bool noModifiers() {
    const char *e = std::getenv("QV_VK_NO_MODIFIERS");
    return e && *e && std::strcmp(e, "0") != 0;
}

bool hasExtension(const std::vector<VkExtensionProperties> &all, const char *name) {
    for (const auto &e : all)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

std::vector<VkExtensionProperties> deviceExtensions(VkPhysicalDevice pd) {
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> v(n);
    if (n) vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, v.data());
    v.resize(n);
    return v;
}

int typeRank(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

const char *typeName(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

} // namespace

bool validationFromEnv() {
    const char *v = std::getenv("QV_VK_VALIDATION");
    return v && *v && std::strcmp(v, "0") != 0;
}

Context::~Context() {
    if (device) {
        vkDeviceWaitIdle(device);
        vkDestroyDevice(device, nullptr);
    }
    if (messenger_ && vkDestroyDebugUtilsMessengerEXT) vkDestroyDebugUtilsMessengerEXT(instance, messenger_, nullptr);
    if (instance) vkDestroyInstance(instance, nullptr);
}

VKAPI_ATTR VkBool32 VKAPI_CALL Context::onMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                  VkDebugUtilsMessageTypeFlagsEXT, const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                  void *user) {
    auto *c = static_cast<Context *>(user);
    const char *msg = data && data->pMessage ? data->pMessage : "?";
    const bool error = severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    log::error("vulkan validation %s: %s", error ? "error" : "warning", msg);
    if (c) {
        c->messages_.fetch_add(1);
        std::lock_guard<std::mutex> lk(c->lastMutex_);
        c->last_ = msg;
    }
    return VK_FALSE;
}

std::string Context::lastValidationMessage() const {
    std::lock_guard<std::mutex> lk(lastMutex_);
    return last_;
}

Result<std::unique_ptr<Context>> Context::createInstance(const ContextOptions &o) {
    std::string why;
    if (!loadLoader(why)) return Error::make(ErrorKind::Display, why);
    std::unique_ptr<Context> c(new Context());
    uint32_t version = VK_API_VERSION_1_0;
    if (vkEnumerateInstanceVersion) vkEnumerateInstanceVersion(&version);
    if (version < VK_API_VERSION_1_1)
        return Error::make(ErrorKind::Display, "vulkan: the loader offers Vulkan 1.0 only (1.1 needed)");
    c->apiVersion = version;

    uint32_t n = 0;
    vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> have(n);
    if (n) vkEnumerateInstanceExtensionProperties(nullptr, &n, have.data());
    have.resize(n);
    std::vector<const char *> exts;
    for (const auto &e : o.instanceExtensions) {
        if (!hasExtension(have, e.c_str()))
            return Error::make(ErrorKind::Display, "vulkan: the instance has no " + e);
        exts.push_back(e.c_str());
    }
    if (o.khrDisplay) {
        for (const char *e : {VK_KHR_SURFACE_EXTENSION_NAME, VK_KHR_DISPLAY_EXTENSION_NAME}) {
            if (!hasExtension(have, e)) return Error::make(ErrorKind::Display, std::string("vulkan: the instance has no ") + e);
            if (std::find_if(exts.begin(), exts.end(), [&](const char *x) { return std::strcmp(x, e) == 0; }) == exts.end())
                exts.push_back(e);
        }
    }
    std::vector<const char *> layers;
    VkDebugUtilsMessengerCreateInfoEXT dbg{};
    dbg.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
    dbg.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    dbg.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    dbg.pfnUserCallback = &Context::onMessage;
    dbg.pUserData = c.get();
    if (o.validation) {
        uint32_t ln = 0;
        vkEnumerateInstanceLayerProperties(&ln, nullptr);
        std::vector<VkLayerProperties> ls(ln);
        if (ln) vkEnumerateInstanceLayerProperties(&ln, ls.data());
        bool found = false;
        for (uint32_t i = 0; i < ln; ++i) found = found || std::strcmp(ls[i].layerName, "VK_LAYER_KHRONOS_validation") == 0;
        if (!found)
            return Error::make(ErrorKind::Display,
                               "vulkan: validation asked for (QV_VK_VALIDATION) but VK_LAYER_KHRONOS_validation is not installed");
        layers.push_back("VK_LAYER_KHRONOS_validation");
        exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
        c->validation = true;
    }

    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "qv";
    app.pEngineName = "qv";
    // FFmpeg's Vulkan hwcontext calls Vulkan 1.2 functions by their core
    // names (vkWaitSemaphores): a 1.2 or 1.3 instance where it is asked for.
    c->wantFfmpeg_ = o.ffmpegFrames;
    app.apiVersion = o.ffmpegFrames && version >= VK_API_VERSION_1_2
                         ? (version >= VK_API_VERSION_1_3 ? VK_API_VERSION_1_3 : VK_API_VERSION_1_2)
                         : VK_API_VERSION_1_1;
    for (const char *e : exts) c->instanceExtNames_.push_back(e);
    for (const auto &e : c->instanceExtNames_) c->enabledInstanceExtensions.push_back(e.c_str());
    c->instanceApi_ = app.apiVersion;
    VkInstanceCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    ci.pNext = o.validation ? &dbg : nullptr;   // messages from creation itself too
    ci.pApplicationInfo = &app;
    ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
    ci.ppEnabledLayerNames = layers.data();
    ci.enabledExtensionCount = static_cast<uint32_t>(exts.size());
    ci.ppEnabledExtensionNames = exts.data();
    VkResult r = vkCreateInstance(&ci, nullptr, &c->instance);
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER) return Error::make(ErrorKind::Display, "vulkan: no Vulkan driver (ICD) is installed");
    if (r != VK_SUCCESS) return vkFail("vkCreateInstance", r);
    loadInstance(c->instance);
    if (o.validation) {
        if (!vkCreateDebugUtilsMessengerEXT) return Error::make(ErrorKind::Display, "vulkan: no VK_EXT_debug_utils");
        r = vkCreateDebugUtilsMessengerEXT(c->instance, &dbg, nullptr, &c->messenger_);
        if (r != VK_SUCCESS) return vkFail("vkCreateDebugUtilsMessengerEXT", r);
    }
    uint32_t devs = 0;
    vkEnumeratePhysicalDevices(c->instance, &devs, nullptr);
    std::vector<VkPhysicalDevice> pds(devs);
    if (devs) vkEnumeratePhysicalDevices(c->instance, &devs, pds.data());
    pds.resize(devs);
    int best = -1;
    for (size_t i = 0; i < pds.size(); ++i) {
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pds[i], &p);
        if (p.apiVersion < VK_API_VERSION_1_1) continue;
        if (!o.deviceHint.empty() && !std::strstr(p.deviceName, o.deviceHint.c_str())) continue;
        int rank = typeRank(p.deviceType);
        if (best < 0 || rank > best) {
            best = rank;
            c->phys = pds[i];
            c->props = p;
        }
    }
    if (!c->phys) {
        if (!o.deviceHint.empty())
            return Error::make(ErrorKind::Display, "vulkan: no Vulkan 1.1 device named like '" + o.deviceHint + "' (QV_VK_DEVICE)");
        return Error::make(ErrorKind::Display, devs ? "vulkan: no device offers Vulkan 1.1" : "vulkan: no Vulkan device");
    }
    vkGetPhysicalDeviceMemoryProperties(c->phys, &c->memProps);
    if (c->props.apiVersion >= VK_API_VERSION_1_2 && vkGetPhysicalDeviceProperties2) {
        VkPhysicalDeviceDriverProperties dp{};
        dp.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES;
        VkPhysicalDeviceProperties2 p2{};
        p2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
        p2.pNext = &dp;
        vkGetPhysicalDeviceProperties2(c->phys, &p2);
        c->driverInfo = dp.driverInfo;
    }
    return c;
}

Result<void> Context::createDevice(VkSurfaceKHR surface, bool swapchain) {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, nullptr);
    std::vector<VkQueueFamilyProperties> fams(n);
    if (n) vkGetPhysicalDeviceQueueFamilyProperties(phys, &n, fams.data());
    int found = -1;
    for (uint32_t i = 0; i < n && found < 0; ++i) {
        if (!(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) continue;
        if (surface) {
            VkBool32 ok = VK_FALSE;
            if (vkGetPhysicalDeviceSurfaceSupportKHR(phys, i, surface, &ok) != VK_SUCCESS || !ok) continue;
        }
        found = static_cast<int>(i);
    }
    if (found < 0)
        return Error::make(ErrorKind::Display, std::string("vulkan: ") + props.deviceName +
                                                   (surface ? " has no graphics queue that can present to this surface"
                                                            : " has no graphics queue"));
    family = static_cast<uint32_t>(found);
    timestamps = fams[family].timestampValidBits > 0 && props.limits.timestampPeriod > 0;

    const auto have = deviceExtensions(phys);
    std::vector<const char *> exts;
    if (swapchain) {
        if (!hasExtension(have, VK_KHR_SWAPCHAIN_EXTENSION_NAME))
            return Error::make(ErrorKind::Display, std::string("vulkan: ") + props.deviceName + " has no VK_KHR_swapchain");
        exts.push_back(VK_KHR_SWAPCHAIN_EXTENSION_NAME);
    }
    // The real present time, where the driver reports it.
    VkPhysicalDevicePresentIdFeaturesKHR idFeat{};
    idFeat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PRESENT_ID_FEATURES_KHR;
    VkPhysicalDevicePresentWaitFeaturesKHR waitFeat{};
    waitFeat.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PRESENT_WAIT_FEATURES_KHR;
    waitFeat.pNext = &idFeat;
    VkPhysicalDeviceFeatures2 feats{};
    feats.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    if (swapchain && hasExtension(have, VK_KHR_PRESENT_ID_EXTENSION_NAME) &&
        hasExtension(have, VK_KHR_PRESENT_WAIT_EXTENSION_NAME)) {
        feats.pNext = &waitFeat;
        vkGetPhysicalDeviceFeatures2(phys, &feats);
        if (idFeat.presentId && waitFeat.presentWait) {
            exts.push_back(VK_KHR_PRESENT_ID_EXTENSION_NAME);
            exts.push_back(VK_KHR_PRESENT_WAIT_EXTENSION_NAME);
            presentWait = true;
        }
    }
    // GPU timestamps on the CPU's clock (GPU time per frame, and when a frame
    // was done where present times are not reported).
    if (timestamps && hasExtension(have, VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME) &&
        vkGetPhysicalDeviceCalibrateableTimeDomainsEXT) {
        uint32_t dn = 0;
        vkGetPhysicalDeviceCalibrateableTimeDomainsEXT(phys, &dn, nullptr);
        std::vector<VkTimeDomainEXT> ds(dn);
        if (dn) vkGetPhysicalDeviceCalibrateableTimeDomainsEXT(phys, &dn, ds.data());
        bool dev = false, mono = false;
        for (uint32_t i = 0; i < dn; ++i) {
            dev = dev || ds[i] == VK_TIME_DOMAIN_DEVICE_EXT;
            mono = mono || ds[i] == VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT;
        }
        if (dev && mono) {
            exts.push_back(VK_EXT_CALIBRATED_TIMESTAMPS_EXTENSION_NAME);
            calibrated = true;
        }
    }
    // A hardware decoder's dma-bufs sampled where they are (vk_prime.h).
    if (hasExtension(have, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME) &&
        hasExtension(have, VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME) && vkGetPhysicalDeviceExternalBufferProperties) {
        exts.push_back(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
        exts.push_back(VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME);
        primeImport = true;
        if (hasExtension(have, VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME) &&
            hasExtension(have, VK_KHR_IMAGE_FORMAT_LIST_EXTENSION_NAME) &&   // the instance asks for Vulkan 1.1
            vkGetPhysicalDeviceImageFormatProperties2 && vkGetPhysicalDeviceFormatProperties2 && !noModifiers()) {
            exts.push_back(VK_EXT_IMAGE_DRM_FORMAT_MODIFIER_EXTENSION_NAME);
            exts.push_back(VK_KHR_IMAGE_FORMAT_LIST_EXTENSION_NAME);
            primeModifiers = true;
        }
        if (hasExtension(have, VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME)) {
            exts.push_back(VK_EXT_QUEUE_FAMILY_FOREIGN_EXTENSION_NAME);
            foreignQueue = true;
        }
    }
    // FFmpeg's Vulkan hwcontext over this device (vk_frames.h): Vulkan
    // 1.2's timeline semaphores (every FFmpeg frame carries them), 1.3's
    // synchronization2 where there (FFmpeg 7 records with it), the external
    // memory fd (5.x needs its functions) and semaphore fd (CUDA imports
    // the frames' memory and semaphores through them).
    if (wantFfmpeg_) {
        VkPhysicalDeviceVulkan13Features have13{};
        have13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
        VkPhysicalDeviceVulkan12Features have12{};
        have12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
        const bool v13 = instanceApi_ >= VK_API_VERSION_1_3 && props.apiVersion >= VK_API_VERSION_1_3;
        have12.pNext = v13 ? &have13 : nullptr;
        VkPhysicalDeviceFeatures2 f2{};
        f2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
        f2.pNext = &have12;
        if (instanceApi_ >= VK_API_VERSION_1_2 && props.apiVersion >= VK_API_VERSION_1_2) vkGetPhysicalDeviceFeatures2(phys, &f2);
        const bool memFd = hasExtension(have, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
        if (instanceApi_ < VK_API_VERSION_1_2 || props.apiVersion < VK_API_VERSION_1_2)
            ffmpegWhy = "a Vulkan 1.2 device and loader are needed";
        else if (!have12.timelineSemaphore)
            ffmpegWhy = std::string(props.deviceName) + " has no timeline semaphores";
        else if (!memFd)
            ffmpegWhy = std::string(props.deviceName) + " has no VK_KHR_external_memory_fd";
        else {
            ffmpegFrames = true;
            ff12_.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
            ff12_.timelineSemaphore = VK_TRUE;
            ff13_.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
            ff13_.synchronization2 = v13 && have13.synchronization2;
            ff12_.pNext = v13 ? &ff13_ : nullptr;
            if (std::find_if(exts.begin(), exts.end(), [](const char *x) {
                    return std::strcmp(x, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME) == 0;
                }) == exts.end())
                exts.push_back(VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME);
            if (hasExtension(have, VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME))
                exts.push_back(VK_KHR_EXTERNAL_SEMAPHORE_FD_EXTENSION_NAME);
        }
    }
    // Enable exactly the features asked for (present id and wait, and
    // FFmpeg's above).
    VkPhysicalDevicePresentIdFeaturesKHR idOn{};
    idOn.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PRESENT_ID_FEATURES_KHR;
    idOn.presentId = VK_TRUE;
    VkPhysicalDevicePresentWaitFeaturesKHR waitOn{};
    waitOn.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PRESENT_WAIT_FEATURES_KHR;
    waitOn.presentWait = VK_TRUE;
    waitOn.pNext = &idOn;

    const float prio = 1.0f;
    VkDeviceQueueCreateInfo qi{};
    qi.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    qi.queueFamilyIndex = family;
    qi.queueCount = 1;
    qi.pQueuePriorities = &prio;
    VkDeviceCreateInfo di{};
    di.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    di.pNext = presentWait ? &waitOn : nullptr;
    if (ffmpegFrames) {
        if (ff12_.pNext == &ff13_) ff13_.pNext = const_cast<void *>(di.pNext);
        else ff12_.pNext = const_cast<void *>(di.pNext);
        di.pNext = &ff12_;
    }
    di.queueCreateInfoCount = 1;
    di.pQueueCreateInfos = &qi;
    di.enabledExtensionCount = static_cast<uint32_t>(exts.size());
    di.ppEnabledExtensionNames = exts.data();
    VkResult r = vkCreateDevice(phys, &di, nullptr, &device);
    if (r != VK_SUCCESS) return vkFail("vkCreateDevice", r);
    loadDevice(device);
    vkGetDeviceQueue(device, family, 0, &queue);
    enabledDeviceExtensions = exts;   // string literals
    if (ffmpegFrames) {
        // What FFmpeg is told the device has: the same chain, minus
        // present id and wait (not FFmpeg's business, and on the stack).
        if (ff12_.pNext == &ff13_) ff13_.pNext = nullptr;
        else ff12_.pNext = nullptr;
        ffFeatures.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
        ffFeatures.pNext = &ff12_;
    }
    return {};
}

int Context::memoryType(uint32_t typeBits, VkMemoryPropertyFlags want) const {
    for (uint32_t i = 0; i < memProps.memoryTypeCount; ++i)
        if ((typeBits & (1u << i)) && (memProps.memoryTypes[i].propertyFlags & want) == want) return static_cast<int>(i);
    return -1;
}

bool Context::canSample(VkFormat f, bool &linear) const {
    VkFormatProperties p{};
    vkGetPhysicalDeviceFormatProperties(phys, f, &p);
    const VkFormatFeatureFlags need = VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT | VK_FORMAT_FEATURE_TRANSFER_DST_BIT;
    linear = (p.optimalTilingFeatures & VK_FORMAT_FEATURE_SAMPLED_IMAGE_FILTER_LINEAR_BIT) != 0;
    return (p.optimalTilingFeatures & need) == need;
}

std::string Context::describe() const {
    char b[400];
    std::snprintf(b, sizeof b, "%s, %s, Vulkan %u.%u.%u", props.deviceName, typeName(props.deviceType),
                  VK_API_VERSION_MAJOR(props.apiVersion), VK_API_VERSION_MINOR(props.apiVersion),
                  VK_API_VERSION_PATCH(props.apiVersion));
    return driverInfo.empty() ? std::string(b) : std::string(b) + ", " + driverInfo;
}

std::vector<std::string> listKhrDisplays(Context &ctx, std::string &why) {
    std::vector<std::string> out;
    if (!vkGetPhysicalDeviceDisplayPropertiesKHR) {
        why = "the instance has no VK_KHR_display";
        return out;
    }
    uint32_t n = 0;
    VkResult r = vkGetPhysicalDeviceDisplayPropertiesKHR(ctx.phys, &n, nullptr);
    if (r != VK_SUCCESS) {
        why = std::string("vkGetPhysicalDeviceDisplayPropertiesKHR: ") + resultName(r);
        return out;
    }
    std::vector<VkDisplayPropertiesKHR> ds(n);
    if (n) vkGetPhysicalDeviceDisplayPropertiesKHR(ctx.phys, &n, ds.data());
    for (uint32_t i = 0; i < n; ++i) {
        char b[256];
        std::snprintf(b, sizeof b, "%s (%ux%u)", ds[i].displayName ? ds[i].displayName : "unnamed display",
                      ds[i].physicalResolution.width, ds[i].physicalResolution.height);
        out.push_back(b);
    }
    if (out.empty())
        why = std::string(ctx.props.deviceName) + " offers no display through VK_KHR_display (no screen attached to it, "
                                                  "or a display server holds it)";
    return out;
}

VulkanProbe probeVulkan(bool askDisplays) {
    VulkanProbe p;
    ContextOptions o;
    o.khrDisplay = askDisplays;
    if (const char *h = std::getenv("QV_VK_DEVICE")) o.deviceHint = h;
    auto c = Context::createInstance(o);
    if (!c && askDisplays) {   // an instance without VK_KHR_display still tells about the device
        o.khrDisplay = false;
        askDisplays = false;
        c = Context::createInstance(o);
    }
    if (!c) {
        p.why = c.error().message;
        if (p.why.rfind("vulkan: ", 0) == 0) p.why = p.why.substr(8);
        return p;
    }
    p.usable = true;
    p.cpu = c.value()->isCpu();
    {
        const auto have = deviceExtensions(c.value()->phys);
        p.dmabuf = hasExtension(have, VK_KHR_EXTERNAL_MEMORY_FD_EXTENSION_NAME) &&
                   hasExtension(have, VK_EXT_EXTERNAL_MEMORY_DMA_BUF_EXTENSION_NAME) &&
                   vkGetPhysicalDeviceExternalBufferProperties;
    }
    p.why = c.value()->describe();
    if (askDisplays) {
        auto ds = listKhrDisplays(*c.value(), p.displayWhy);
        p.displays = static_cast<int>(ds.size());
        if (!ds.empty()) p.displayWhy = ds[0];
    }
    return p;
}

Error vkFail(const std::string &what, VkResult r) {
    Error e = Error::make(ErrorKind::Display, "vulkan: " + what + " failed (" + resultName(r) + ")");
    e.native = static_cast<int>(r);
    return e;
}

} // namespace qv::vk
