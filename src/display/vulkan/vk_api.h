// The Vulkan entry points qv uses, loaded at run time from the loader
// (libvulkan.so.1, dlopen), so a machine without a Vulkan loader still runs
// qv and --display=help says why vulkan cannot run there.
//
// Contract: one instance and one device at a time in the process (the probe's
// short-lived instance, or the display's); loadInstance()/loadDevice() fill
// the pointers below for it. Called on the thread that owns the instance.
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <string>

namespace qv::vk {

#define QV_VK_GLOBAL_FNS(X)                 \
    X(vkCreateInstance)                     \
    X(vkEnumerateInstanceExtensionProperties) \
    X(vkEnumerateInstanceLayerProperties)   \
    X(vkEnumerateInstanceVersion)

#define QV_VK_INSTANCE_FNS(X)                        \
    X(vkDestroyInstance)                             \
    X(vkEnumeratePhysicalDevices)                    \
    X(vkGetPhysicalDeviceProperties)                 \
    X(vkGetPhysicalDeviceProperties2)                \
    X(vkGetPhysicalDeviceFeatures2)                  \
    X(vkGetPhysicalDeviceQueueFamilyProperties)      \
    X(vkGetPhysicalDeviceMemoryProperties)           \
    X(vkGetPhysicalDeviceFormatProperties)           \
    X(vkGetPhysicalDeviceFormatProperties2)          \
    X(vkGetPhysicalDeviceImageFormatProperties2)     \
    X(vkGetPhysicalDeviceExternalBufferProperties)   \
    X(vkEnumerateDeviceExtensionProperties)          \
    X(vkCreateDevice)                                \
    X(vkGetDeviceProcAddr)                           \
    X(vkDestroySurfaceKHR)                           \
    X(vkGetPhysicalDeviceSurfaceSupportKHR)          \
    X(vkGetPhysicalDeviceSurfaceCapabilitiesKHR)     \
    X(vkGetPhysicalDeviceSurfaceFormatsKHR)          \
    X(vkGetPhysicalDeviceSurfacePresentModesKHR)     \
    X(vkGetPhysicalDeviceDisplayPropertiesKHR)       \
    X(vkGetPhysicalDeviceDisplayPlanePropertiesKHR)  \
    X(vkGetDisplayPlaneSupportedDisplaysKHR)         \
    X(vkGetDisplayModePropertiesKHR)                 \
    X(vkGetDisplayPlaneCapabilitiesKHR)              \
    X(vkCreateDisplayPlaneSurfaceKHR)                \
    X(vkCreateDebugUtilsMessengerEXT)                \
    X(vkDestroyDebugUtilsMessengerEXT)               \
    X(vkGetPhysicalDeviceCalibrateableTimeDomainsEXT)

#define QV_VK_DEVICE_FNS(X)                 \
    X(vkDestroyDevice)                      \
    X(vkGetDeviceQueue)                     \
    X(vkDeviceWaitIdle)                     \
    X(vkQueueSubmit)                        \
    X(vkQueueWaitIdle)                      \
    X(vkAllocateMemory)                     \
    X(vkFreeMemory)                         \
    X(vkMapMemory)                          \
    X(vkUnmapMemory)                        \
    X(vkFlushMappedMemoryRanges)            \
    X(vkInvalidateMappedMemoryRanges)       \
    X(vkCreateBuffer)                       \
    X(vkDestroyBuffer)                      \
    X(vkGetBufferMemoryRequirements)        \
    X(vkBindBufferMemory)                   \
    X(vkCreateImage)                        \
    X(vkDestroyImage)                       \
    X(vkGetImageMemoryRequirements)         \
    X(vkBindImageMemory)                    \
    X(vkCreateImageView)                    \
    X(vkDestroyImageView)                   \
    X(vkCreateSampler)                      \
    X(vkDestroySampler)                     \
    X(vkCreateShaderModule)                 \
    X(vkDestroyShaderModule)                \
    X(vkCreateDescriptorSetLayout)          \
    X(vkDestroyDescriptorSetLayout)         \
    X(vkCreatePipelineLayout)               \
    X(vkDestroyPipelineLayout)              \
    X(vkCreateGraphicsPipelines)            \
    X(vkDestroyPipeline)                    \
    X(vkCreateDescriptorPool)               \
    X(vkDestroyDescriptorPool)              \
    X(vkAllocateDescriptorSets)             \
    X(vkUpdateDescriptorSets)               \
    X(vkCreateRenderPass)                   \
    X(vkDestroyRenderPass)                  \
    X(vkCreateFramebuffer)                  \
    X(vkDestroyFramebuffer)                 \
    X(vkCreateCommandPool)                  \
    X(vkDestroyCommandPool)                 \
    X(vkAllocateCommandBuffers)             \
    X(vkResetCommandBuffer)                 \
    X(vkBeginCommandBuffer)                 \
    X(vkEndCommandBuffer)                   \
    X(vkCreateFence)                        \
    X(vkDestroyFence)                       \
    X(vkResetFences)                        \
    X(vkWaitForFences)                      \
    X(vkGetFenceStatus)                     \
    X(vkCreateSemaphore)                    \
    X(vkDestroySemaphore)                   \
    X(vkCreateQueryPool)                    \
    X(vkDestroyQueryPool)                   \
    X(vkGetQueryPoolResults)                \
    X(vkCmdResetQueryPool)                  \
    X(vkCmdWriteTimestamp)                  \
    X(vkCmdPipelineBarrier)                 \
    X(vkCmdCopyBufferToImage)               \
    X(vkCmdClearColorImage)                 \
    X(vkGetMemoryFdPropertiesKHR)           \
    X(vkCmdCopyImageToBuffer)               \
    X(vkCmdBeginRenderPass)                 \
    X(vkCmdEndRenderPass)                   \
    X(vkCmdBindPipeline)                    \
    X(vkCmdBindDescriptorSets)              \
    X(vkCmdSetViewport)                     \
    X(vkCmdSetScissor)                      \
    X(vkCmdDraw)                            \
    X(vkCreateSwapchainKHR)                 \
    X(vkDestroySwapchainKHR)                \
    X(vkGetSwapchainImagesKHR)              \
    X(vkAcquireNextImageKHR)                \
    X(vkQueuePresentKHR)                    \
    X(vkWaitForPresentKHR)                  \
    X(vkGetCalibratedTimestampsEXT)

#define QV_VK_DECLARE(name) extern PFN_##name name;
QV_VK_GLOBAL_FNS(QV_VK_DECLARE)
QV_VK_INSTANCE_FNS(QV_VK_DECLARE)
QV_VK_DEVICE_FNS(QV_VK_DECLARE)
#undef QV_VK_DECLARE

extern PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;

// Opens the loader once per process; false with why (no libvulkan.so.1).
bool loadLoader(std::string &why);
// Entry points of this instance (those it lacks stay null).
void loadInstance(VkInstance instance);
void loadDevice(VkDevice device);

// "VK_ERROR_DEVICE_LOST" and the like.
const char *resultName(VkResult r);

} // namespace qv::vk
