#include "vk_api.h"

#include <dlfcn.h>
#include <mutex>

namespace qv::vk {

#define QV_VK_DEFINE(name) PFN_##name name = nullptr;
QV_VK_GLOBAL_FNS(QV_VK_DEFINE)
QV_VK_INSTANCE_FNS(QV_VK_DEFINE)
QV_VK_DEVICE_FNS(QV_VK_DEFINE)
#undef QV_VK_DEFINE

PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;

bool loadLoader(std::string &why) {
    static std::once_flag once;
    static std::string error;
    std::call_once(once, [] {
        void *lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) lib = dlopen("libvulkan.so", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char *e = dlerror();
            error = std::string("no Vulkan loader (libvulkan.so.1: ") + (e ? e : "not found") + ")";
            return;
        }
        vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
        if (!vkGetInstanceProcAddr) {
            error = "the Vulkan loader has no vkGetInstanceProcAddr";
            return;
        }
#define QV_VK_LOAD(name) name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(VK_NULL_HANDLE, #name));
        QV_VK_GLOBAL_FNS(QV_VK_LOAD)
#undef QV_VK_LOAD
        if (!vkCreateInstance) error = "the Vulkan loader has no vkCreateInstance";
    });
    why = error;
    return error.empty();
}

void loadInstance(VkInstance instance) {
#define QV_VK_LOAD(name) name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name));
    QV_VK_INSTANCE_FNS(QV_VK_LOAD)
#undef QV_VK_LOAD
}

void loadDevice(VkDevice device) {
#define QV_VK_LOAD(name) name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name));
    QV_VK_DEVICE_FNS(QV_VK_LOAD)
#undef QV_VK_LOAD
}

const char *resultName(VkResult r) {
    switch (r) {
#define QV_CASE(x) case x: return #x;
        QV_CASE(VK_SUCCESS)
        QV_CASE(VK_NOT_READY)
        QV_CASE(VK_TIMEOUT)
        QV_CASE(VK_INCOMPLETE)
        QV_CASE(VK_SUBOPTIMAL_KHR)
        QV_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
        QV_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
        QV_CASE(VK_ERROR_INITIALIZATION_FAILED)
        QV_CASE(VK_ERROR_DEVICE_LOST)
        QV_CASE(VK_ERROR_MEMORY_MAP_FAILED)
        QV_CASE(VK_ERROR_LAYER_NOT_PRESENT)
        QV_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
        QV_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
        QV_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
        QV_CASE(VK_ERROR_TOO_MANY_OBJECTS)
        QV_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
        QV_CASE(VK_ERROR_SURFACE_LOST_KHR)
        QV_CASE(VK_ERROR_NATIVE_WINDOW_IN_USE_KHR)
        QV_CASE(VK_ERROR_OUT_OF_DATE_KHR)
        QV_CASE(VK_ERROR_INCOMPATIBLE_DISPLAY_KHR)
        QV_CASE(VK_ERROR_VALIDATION_FAILED_EXT)
#undef QV_CASE
    default: return "VK_ERROR_(other)";
    }
}

} // namespace qv::vk
