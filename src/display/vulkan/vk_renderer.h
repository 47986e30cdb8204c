// Renderer: draws the uploader's plane images into a colour target: the
// letterbox cleared to black, the picture's rectangle by one fragment shader
// (YUV to RGB with the frame's matrix and range, chroma siting, scaling,
// orientation; shaders/video.frag).
//
// Threads: the display thread only. One frame in flight: the caller waits for
// a frame's fence before recording the next, so the parameters and the
// descriptors are written in place.
#pragma once

#include "vk_context.h"
#include "vk_layout.h"
#include "vk_uploader.h"

namespace qv::vk {

class Renderer {
public:
    explicit Renderer(Context &ctx) : ctx_(ctx) {}
    ~Renderer();
    Renderer(const Renderer &) = delete;
    Renderer &operator=(const Renderer &) = delete;

    // For targets of this format.
    Result<void> init(VkFormat target);
    VkFormat format() const { return format_; }
    // finalPresent: the target is presented next (PRESENT_SRC), else read
    // back (TRANSFER_SRC). Compatible passes: one pipeline serves both.
    VkRenderPass pass(bool finalPresent) const { return finalPresent ? passPresent_ : passReadback_; }

    // The shader's parameters for the uploader's picture with these colour
    // facts, drawn at rect (in the target) with this orientation.
    void setPicture(const Uploader &u, const ColourFacts &c, const Rect &rect, Orientation o);
    // Records the render pass into fb (extent): clear, then the picture.
    void record(VkCommandBuffer cmd, VkFramebuffer fb, VkExtent2D extent, bool finalPresent, Uploader &u);
    void destroy();

private:
    Result<VkRenderPass> makePass(VkImageLayout finalLayout);

    Context &ctx_;
    VkFormat format_ = VK_FORMAT_UNDEFINED;
    VkRenderPass passPresent_ = VK_NULL_HANDLE, passReadback_ = VK_NULL_HANDLE;
    VkDescriptorSetLayout setLayout_ = VK_NULL_HANDLE;
    VkPipelineLayout pipeLayout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_[2] = {VK_NULL_HANDLE, VK_NULL_HANDLE};   // bilinear, filtered in the shader
    bool filter_ = false;
    VkDescriptorPool pool_ = VK_NULL_HANDLE;
    VkDescriptorSet set_ = VK_NULL_HANDLE;
    VkSampler linear_ = VK_NULL_HANDLE, nearest_ = VK_NULL_HANDLE;
    VkBuffer ubo_ = VK_NULL_HANDLE;
    VkDeviceMemory uboMem_ = VK_NULL_HANDLE;
    void *uboMap_ = nullptr;
    bool uboCoherent_ = true;
    bool descriptorsSet_ = false;
    Rect rect_;
    int planes_ = 1;
};

} // namespace qv::vk
