#include "vk_renderer.h"

#include <cstdint>
#include <cstring>

namespace qv::vk {

namespace {
// SPIR-V from shaders/, compiled at build time.
const uint32_t kVideoVert[] = {
#include "video_vert.spv.inc"
};
const uint32_t kVideoFrag[] = {
#include "video_frag.spv.inc"
};

// The fragment shader's uniform block (std140, shaders/video.frag).
struct Params {
    float orient0[4];
    float orient1[4];
    float lumaSize[4];
    float planeSize[3][4];
    float planeMap[3][4];
    float footprint[3][4];
    float coef[3][4][4];   // mat4 per plane, column c = channel c
    float bias[4];
    int32_t mode[4];
};
} // namespace

Renderer::~Renderer() { destroy(); }

void Renderer::destroy() {
    VkDevice d = ctx_.device;
    if (!d) return;
    for (VkPipeline &p : pipeline_)
        if (p) vkDestroyPipeline(d, p, nullptr);
    if (pipeLayout_) vkDestroyPipelineLayout(d, pipeLayout_, nullptr);
    if (pool_) vkDestroyDescriptorPool(d, pool_, nullptr);
    if (setLayout_) vkDestroyDescriptorSetLayout(d, setLayout_, nullptr);
    if (passPresent_) vkDestroyRenderPass(d, passPresent_, nullptr);
    if (passReadback_) vkDestroyRenderPass(d, passReadback_, nullptr);
    if (linear_) vkDestroySampler(d, linear_, nullptr);
    if (nearest_) vkDestroySampler(d, nearest_, nullptr);
    if (uboMap_) vkUnmapMemory(d, uboMem_);
    if (ubo_) vkDestroyBuffer(d, ubo_, nullptr);
    if (uboMem_) vkFreeMemory(d, uboMem_, nullptr);
    pipeline_[0] = pipeline_[1] = VK_NULL_HANDLE;
    pipeLayout_ = VK_NULL_HANDLE;
    pool_ = VK_NULL_HANDLE;
    set_ = VK_NULL_HANDLE;
    setLayout_ = VK_NULL_HANDLE;
    passPresent_ = passReadback_ = VK_NULL_HANDLE;
    linear_ = nearest_ = VK_NULL_HANDLE;
    uboMap_ = nullptr;
    ubo_ = VK_NULL_HANDLE;
    uboMem_ = VK_NULL_HANDLE;
    descriptorsSet_ = false;
}

Result<VkRenderPass> Renderer::makePass(VkImageLayout finalLayout) {
    VkAttachmentDescription a{};
    a.format = format_;
    a.samples = VK_SAMPLE_COUNT_1_BIT;
    a.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
    a.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    a.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    a.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    a.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    a.finalLayout = finalLayout;
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription sp{};
    sp.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    sp.colorAttachmentCount = 1;
    sp.pColorAttachments = &ref;
    // The image acquired from the swapchain (its semaphore waited at the
    // colour output stage) is written only after that wait; a read-back
    // copy waits for the pass's writes.
    VkSubpassDependency deps[2]{};
    deps[0].srcSubpass = VK_SUBPASS_EXTERNAL;
    deps[0].dstSubpass = 0;
    deps[0].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[0].dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[0].srcAccessMask = 0;
    deps[0].dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    deps[1].srcSubpass = 0;
    deps[1].dstSubpass = VK_SUBPASS_EXTERNAL;
    deps[1].srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    deps[1].dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT;
    deps[1].srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    deps[1].dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
    VkRenderPassCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO;
    ci.attachmentCount = 1;
    ci.pAttachments = &a;
    ci.subpassCount = 1;
    ci.pSubpasses = &sp;
    ci.dependencyCount = 2;
    ci.pDependencies = deps;
    VkRenderPass p = VK_NULL_HANDLE;
    VkResult r = vkCreateRenderPass(ctx_.device, &ci, nullptr, &p);
    if (r != VK_SUCCESS) return vkFail("vkCreateRenderPass", r);
    return p;
}

Result<void> Renderer::init(VkFormat target) {
    format_ = target;
    VkDevice d = ctx_.device;
    auto pp = makePass(VK_IMAGE_LAYOUT_PRESENT_SRC_KHR);
    if (!pp) return pp.takeError();
    passPresent_ = pp.value();
    auto pr = makePass(VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL);
    if (!pr) return pr.takeError();
    passReadback_ = pr.value();

    VkSamplerCreateInfo si{};
    si.sType = VK_STRUCTURE_TYPE_SAMPLER_CREATE_INFO;
    si.magFilter = si.minFilter = VK_FILTER_LINEAR;
    si.mipmapMode = VK_SAMPLER_MIPMAP_MODE_NEAREST;
    si.addressModeU = si.addressModeV = si.addressModeW = VK_SAMPLER_ADDRESS_MODE_CLAMP_TO_EDGE;
    si.maxLod = 0;
    VkResult r = vkCreateSampler(d, &si, nullptr, &linear_);
    if (r != VK_SUCCESS) return vkFail("vkCreateSampler", r);
    si.magFilter = si.minFilter = VK_FILTER_NEAREST;
    r = vkCreateSampler(d, &si, nullptr, &nearest_);
    if (r != VK_SUCCESS) return vkFail("vkCreateSampler", r);

    VkDescriptorSetLayoutBinding b[4]{};
    for (uint32_t i = 0; i < 3; ++i) {
        b[i].binding = i;
        b[i].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
        b[i].descriptorCount = 1;
        b[i].stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
    }
    b[3].binding = 3;
    b[3].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
    b[3].descriptorCount = 1;
    b[3].stageFlags = VK_SHADER_STAGE_FRAGMENT_BIT;
    VkDescriptorSetLayoutCreateInfo li{};
    li.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
    li.bindingCount = 4;
    li.pBindings = b;
    r = vkCreateDescriptorSetLayout(d, &li, nullptr, &setLayout_);
    if (r != VK_SUCCESS) return vkFail("vkCreateDescriptorSetLayout", r);
    VkPipelineLayoutCreateInfo pli{};
    pli.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &setLayout_;
    r = vkCreatePipelineLayout(d, &pli, nullptr, &pipeLayout_);
    if (r != VK_SUCCESS) return vkFail("vkCreatePipelineLayout", r);
    VkDescriptorPoolSize sizes[2] = {{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 3}, {VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER, 1}};
    VkDescriptorPoolCreateInfo dpi{};
    dpi.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
    dpi.maxSets = 1;
    dpi.poolSizeCount = 2;
    dpi.pPoolSizes = sizes;
    r = vkCreateDescriptorPool(d, &dpi, nullptr, &pool_);
    if (r != VK_SUCCESS) return vkFail("vkCreateDescriptorPool", r);
    VkDescriptorSetAllocateInfo dai{};
    dai.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    dai.descriptorPool = pool_;
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &setLayout_;
    r = vkAllocateDescriptorSets(d, &dai, &set_);
    if (r != VK_SUCCESS) return vkFail("vkAllocateDescriptorSets", r);

    // The uniform buffer: host-visible, mapped for good.
    VkBufferCreateInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bi.size = sizeof(Params);
    bi.usage = VK_BUFFER_USAGE_UNIFORM_BUFFER_BIT;
    bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    r = vkCreateBuffer(d, &bi, nullptr, &ubo_);
    if (r != VK_SUCCESS) return vkFail("vkCreateBuffer (uniforms)", r);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(d, ubo_, &req);
    int type = ctx_.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    uboCoherent_ = type >= 0;
    if (type < 0) type = ctx_.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
    if (type < 0) return Error::make(ErrorKind::Display, "vulkan: no host-visible memory for uniforms");
    VkMemoryAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = static_cast<uint32_t>(type);
    r = vkAllocateMemory(d, &ai, nullptr, &uboMem_);
    if (r != VK_SUCCESS) return vkFail("vkAllocateMemory (uniforms)", r);
    vkBindBufferMemory(d, ubo_, uboMem_, 0);
    r = vkMapMemory(d, uboMem_, 0, VK_WHOLE_SIZE, 0, &uboMap_);
    if (r != VK_SUCCESS) return vkFail("vkMapMemory (uniforms)", r);
    std::memset(uboMap_, 0, sizeof(Params));

    // The pipeline.
    VkShaderModule vs = VK_NULL_HANDLE, fs = VK_NULL_HANDLE;
    VkShaderModuleCreateInfo smi{};
    smi.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
    smi.codeSize = sizeof kVideoVert;
    smi.pCode = kVideoVert;
    r = vkCreateShaderModule(d, &smi, nullptr, &vs);
    if (r != VK_SUCCESS) return vkFail("vkCreateShaderModule", r);
    smi.codeSize = sizeof kVideoFrag;
    smi.pCode = kVideoFrag;
    r = vkCreateShaderModule(d, &smi, nullptr, &fs);
    if (r != VK_SUCCESS) {
        vkDestroyShaderModule(d, vs, nullptr);
        return vkFail("vkCreateShaderModule", r);
    }
    VkPipelineShaderStageCreateInfo st[2]{};
    st[0].sType = st[1].sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    st[0].stage = VK_SHADER_STAGE_VERTEX_BIT;
    st[0].module = vs;
    st[0].pName = "main";
    st[1].stage = VK_SHADER_STAGE_FRAGMENT_BIT;
    st[1].module = fs;
    st[1].pName = "main";
    VkPipelineVertexInputStateCreateInfo vi{};
    vi.sType = VK_STRUCTURE_TYPE_PIPELINE_VERTEX_INPUT_STATE_CREATE_INFO;
    VkPipelineInputAssemblyStateCreateInfo ia{};
    ia.sType = VK_STRUCTURE_TYPE_PIPELINE_INPUT_ASSEMBLY_STATE_CREATE_INFO;
    ia.topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP;
    VkPipelineViewportStateCreateInfo vp{};
    vp.sType = VK_STRUCTURE_TYPE_PIPELINE_VIEWPORT_STATE_CREATE_INFO;
    vp.viewportCount = 1;
    vp.scissorCount = 1;
    VkPipelineRasterizationStateCreateInfo rs{};
    rs.sType = VK_STRUCTURE_TYPE_PIPELINE_RASTERIZATION_STATE_CREATE_INFO;
    rs.polygonMode = VK_POLYGON_MODE_FILL;
    rs.cullMode = VK_CULL_MODE_NONE;
    rs.frontFace = VK_FRONT_FACE_COUNTER_CLOCKWISE;
    rs.lineWidth = 1.0f;
    VkPipelineMultisampleStateCreateInfo ms{};
    ms.sType = VK_STRUCTURE_TYPE_PIPELINE_MULTISAMPLE_STATE_CREATE_INFO;
    ms.rasterizationSamples = VK_SAMPLE_COUNT_1_BIT;
    VkPipelineColorBlendAttachmentState cba{};
    cba.colorWriteMask = VK_COLOR_COMPONENT_R_BIT | VK_COLOR_COMPONENT_G_BIT | VK_COLOR_COMPONENT_B_BIT | VK_COLOR_COMPONENT_A_BIT;
    VkPipelineColorBlendStateCreateInfo cb{};
    cb.sType = VK_STRUCTURE_TYPE_PIPELINE_COLOR_BLEND_STATE_CREATE_INFO;
    cb.attachmentCount = 1;
    cb.pAttachments = &cba;
    VkDynamicState dyn[2] = {VK_DYNAMIC_STATE_VIEWPORT, VK_DYNAMIC_STATE_SCISSOR};
    VkPipelineDynamicStateCreateInfo ds{};
    ds.sType = VK_STRUCTURE_TYPE_PIPELINE_DYNAMIC_STATE_CREATE_INFO;
    ds.dynamicStateCount = 2;
    ds.pDynamicStates = dyn;
    VkGraphicsPipelineCreateInfo gi{};
    gi.sType = VK_STRUCTURE_TYPE_GRAPHICS_PIPELINE_CREATE_INFO;
    gi.stageCount = 2;
    gi.pStages = st;
    gi.pVertexInputState = &vi;
    gi.pInputAssemblyState = &ia;
    gi.pViewportState = &vp;
    gi.pRasterizationState = &rs;
    gi.pMultisampleState = &ms;
    gi.pColorBlendState = &cb;
    gi.pDynamicState = &ds;
    gi.layout = pipeLayout_;
    gi.renderPass = passPresent_;
    gi.subpass = 0;
    // Two variants: kFilter false (bilinear) and true (the shader's filter).
    VkGraphicsPipelineCreateInfo gis[2] = {gi, gi};
    VkPipelineShaderStageCreateInfo sts[2][2] = {{st[0], st[1]}, {st[0], st[1]}};
    const VkBool32 on[2] = {VK_FALSE, VK_TRUE};
    VkSpecializationMapEntry entry{0, 0, sizeof(VkBool32)};
    VkSpecializationInfo spec[2]{};
    for (int i = 0; i < 2; ++i) {
        spec[i].mapEntryCount = 1;
        spec[i].pMapEntries = &entry;
        spec[i].dataSize = sizeof(VkBool32);
        spec[i].pData = &on[i];
        sts[i][1].pSpecializationInfo = &spec[i];
        gis[i].pStages = sts[i];
    }
    r = vkCreateGraphicsPipelines(d, VK_NULL_HANDLE, 2, gis, nullptr, pipeline_);
    vkDestroyShaderModule(d, vs, nullptr);
    vkDestroyShaderModule(d, fs, nullptr);
    if (r != VK_SUCCESS) return vkFail("vkCreateGraphicsPipelines", r);
    return {};
}

void Renderer::setPicture(const Uploader &u, const ColourFacts &c, const Rect &rect, Orientation o) {
    Params p{};
    const auto om = orientationMap(o);
    for (int i = 0; i < 3; ++i) {
        p.orient0[i] = om[static_cast<size_t>(i)];
        p.orient1[i] = om[static_cast<size_t>(i + 3)];
    }
    p.lumaSize[0] = static_cast<float>(u.width());
    p.lumaSize[1] = static_cast<float>(u.height());
    const UploadLayout &l = u.layout();
    float fx = 1, fy = 1;
    footprint(u.width(), u.height(), rect, o, fx, fy);
    // Downscaling: every plane through the shader's filter (chroma too, even
    // where its own plane is enlarged), so luma and chroma stay alike; also
    // when a plane's format cannot be filtered by the sampler.
    filter_ = fx > 1.0f || fy > 1.0f;
    for (int i = 0; i < l.planes; ++i) filter_ = filter_ || !u.linear(i);
    for (int i = 0; i < l.planes; ++i) {
        const float w = static_cast<float>(u.planeWidth(i)), h = static_cast<float>(u.planeHeight(i));
        p.planeSize[i][0] = w;
        p.planeSize[i][1] = h;
        p.planeSize[i][2] = 1 / w;
        p.planeSize[i][3] = 1 / h;
        const PlaneMap pm = planeMap(l.plane[i], c);
        p.planeMap[i][0] = pm.scaleX;
        p.planeMap[i][1] = pm.scaleY;
        p.planeMap[i][2] = pm.offsetX;
        p.planeMap[i][3] = pm.offsetY;
        p.footprint[i][0] = fx * pm.scaleX;
        p.footprint[i][1] = fy * pm.scaleY;
    }
    const ColourMap cm = colourMap(l, c);
    for (int i = 0; i < 3; ++i)
        for (int ch = 0; ch < 4; ++ch)
            for (int r = 0; r < 3; ++r) p.coef[i][ch][r] = cm.coef[i][ch][r];
    for (int r = 0; r < 3; ++r) p.bias[r] = cm.bias[r];
    p.mode[0] = l.planes;
    std::memcpy(uboMap_, &p, sizeof p);
    if (!uboCoherent_) {
        VkMappedMemoryRange mr{};
        mr.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE;
        mr.memory = uboMem_;
        mr.size = VK_WHOLE_SIZE;
        vkFlushMappedMemoryRanges(ctx_.device, 1, &mr);
    }
    rect_ = rect;
    planes_ = l.planes;
}

void Renderer::record(VkCommandBuffer cmd, VkFramebuffer fb, VkExtent2D extent, bool finalPresent, Uploader &u) {
    if (u.imagesChanged() || !descriptorsSet_) {
        VkDescriptorImageInfo img[3]{};
        VkWriteDescriptorSet w[4]{};
        for (int i = 0; i < 3; ++i) {
            img[i].sampler = u.linear(i) ? linear_ : nearest_;
            img[i].imageView = u.view(i);
            img[i].imageLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
            w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
            w[i].dstSet = set_;
            w[i].dstBinding = static_cast<uint32_t>(i);
            w[i].descriptorCount = 1;
            w[i].descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
            w[i].pImageInfo = &img[i];
        }
        VkDescriptorBufferInfo bi{ubo_, 0, sizeof(Params)};
        w[3].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
        w[3].dstSet = set_;
        w[3].dstBinding = 3;
        w[3].descriptorCount = 1;
        w[3].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_BUFFER;
        w[3].pBufferInfo = &bi;
        vkUpdateDescriptorSets(ctx_.device, 4, w, 0, nullptr);
        descriptorsSet_ = true;
    }
    VkClearValue clear{};
    clear.color = {{0.0f, 0.0f, 0.0f, 1.0f}};
    VkRenderPassBeginInfo rb{};
    rb.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO;
    rb.renderPass = pass(finalPresent);
    rb.framebuffer = fb;
    rb.renderArea = {{0, 0}, extent};
    rb.clearValueCount = 1;
    rb.pClearValues = &clear;
    vkCmdBeginRenderPass(cmd, &rb, VK_SUBPASS_CONTENTS_INLINE);
    if (u.hasPicture() && rect_.w > 0 && rect_.h > 0) {
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeline_[filter_ ? 1 : 0]);
        vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipeLayout_, 0, 1, &set_, 0, nullptr);
        VkViewport v{static_cast<float>(rect_.x), static_cast<float>(rect_.y), static_cast<float>(rect_.w),
                     static_cast<float>(rect_.h), 0.0f, 1.0f};
        VkRect2D s{{rect_.x, rect_.y}, {static_cast<uint32_t>(rect_.w), static_cast<uint32_t>(rect_.h)}};
        vkCmdSetViewport(cmd, 0, 1, &v);
        vkCmdSetScissor(cmd, 0, 1, &s);
        vkCmdDraw(cmd, 4, 1, 0, 0);
    }
    vkCmdEndRenderPass(cmd);
}

} // namespace qv::vk
