#include "vk_prime.h"

#include "vk_uploader.h"

extern "C" {
#include <libavutil/pixfmt.h>
}

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qv::vk {

bool primeLayout(uint32_t fourcc, UploadLayout &out) {
    if (fourcc == primeFourcc('Y', 'U', '1', '2')) return layoutFor(AV_PIX_FMT_YUV420P, out);
    if (fourcc == primeFourcc('N', 'V', '1', '2')) return layoutFor(AV_PIX_FMT_NV12, out);
    if (fourcc == primeFourcc('P', '0', '1', '0')) return layoutFor(AV_PIX_FMT_P010LE, out);
    return false;
}

namespace {
std::string fourccText(uint32_t f) {
    std::string s;
    for (int i = 0; i < 4; ++i) s += static_cast<char>((f >> (8 * i)) & 0xff);
    return s;
}

} // namespace

std::string modifierText(uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

void PrimeSurfaces::free(Surface &s) {
    for (Plane &p : s.plane) {
        if (p.view) vkDestroyImageView(ctx_.device, p.view, nullptr);
        if (p.image) vkDestroyImage(ctx_.device, p.image, nullptr);
        if (p.memory) vkFreeMemory(ctx_.device, p.memory, nullptr);
        p = Plane{};
    }
    for (int o = 0; o < 4; ++o) {
        if (s.buffer[o]) vkDestroyBuffer(ctx_.device, s.buffer[o], nullptr);
        if (s.bufferMemory[o]) vkFreeMemory(ctx_.device, s.bufferMemory[o], nullptr);
        s.buffer[o] = VK_NULL_HANDLE;
        s.bufferMemory[o] = VK_NULL_HANDLE;
    }
}

// The dma-buf (fd, a duplicate: Vulkan owns it once the import succeeds)
// as the memory of image or buffer (one of them).
Result<VkDeviceMemory> PrimeSurfaces::importMemory(int fd, const VkMemoryRequirements &req, VkImage image,
                                                   VkBuffer buffer, const std::string &what) {
    VkMemoryFdPropertiesKHR fdp{};
    fdp.sType = VK_STRUCTURE_TYPE_MEMORY_FD_PROPERTIES_KHR;
    VkResult r = vkGetMemoryFdPropertiesKHR(ctx_.device, VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT, fd, &fdp);
    if (r != VK_SUCCESS) {
        close(fd);
        return vkFail("vkGetMemoryFdPropertiesKHR (" + what + ")", r);
    }
    const int type = ctx_.memoryType(req.memoryTypeBits & fdp.memoryTypeBits, 0);
    if (type < 0) {
        close(fd);
        return Error::make(ErrorKind::Display, "vulkan: no memory type imports " + what);
    }
    VkMemoryDedicatedAllocateInfo ded{};
    ded.sType = VK_STRUCTURE_TYPE_MEMORY_DEDICATED_ALLOCATE_INFO;
    ded.image = image;
    ded.buffer = buffer;
    VkImportMemoryFdInfoKHR imp{};
    imp.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_FD_INFO_KHR;
    imp.pNext = &ded;
    imp.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
    imp.fd = fd;
    VkMemoryAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    ai.pNext = &imp;
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = static_cast<uint32_t>(type);
    VkDeviceMemory mem = VK_NULL_HANDLE;
    r = vkAllocateMemory(ctx_.device, &ai, nullptr, &mem);
    if (r != VK_SUCCESS) {
        close(fd);
        return vkFail("vkAllocateMemory (import of " + what + ")", r);
    }
    return mem;
}

Result<void> PrimeSurfaces::importBuffer(const PrimeFrame &f, int o, Surface &s) {
    const PrimeFrame::Object &ob = f.object[o];
    const std::string what = "dma-buf " + std::to_string(o) + " of a " + fourccText(f.fourcc) + " frame";
    VkPhysicalDeviceExternalBufferInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_BUFFER_INFO;
    bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    bi.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
    VkExternalBufferProperties bp{};
    bp.sType = VK_STRUCTURE_TYPE_EXTERNAL_BUFFER_PROPERTIES;
    vkGetPhysicalDeviceExternalBufferProperties(ctx_.phys, &bi, &bp);
    if (!(bp.externalMemoryProperties.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
        return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName +
                                                   " imports no dma-buf as a buffer");
    uint64_t size = ob.size;
    if (size == 0) {
        const off_t end = lseek(ob.fd, 0, SEEK_END);
        if (end <= 0) return Error::make(ErrorKind::Display, "vulkan: the size of " + what + " is unknown");
        size = static_cast<uint64_t>(end);
    }
    VkExternalMemoryBufferCreateInfo ebi{};
    ebi.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO;
    ebi.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
    VkBufferCreateInfo ci{};
    ci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    ci.pNext = &ebi;
    ci.size = size;
    ci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    ci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkResult r = vkCreateBuffer(ctx_.device, &ci, nullptr, &s.buffer[o]);
    if (r != VK_SUCCESS) return vkFail("vkCreateBuffer (" + what + ")", r);
    const int fd = fcntl(ob.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Error::make(ErrorKind::Display, std::string("vulkan: dup of a dma-buf: ") + std::strerror(errno));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx_.device, s.buffer[o], &req);
    auto mem = importMemory(fd, req, VK_NULL_HANDLE, s.buffer[o], what);
    if (!mem) return mem.takeError();
    s.bufferMemory[o] = mem.value();
    r = vkBindBufferMemory(ctx_.device, s.buffer[o], s.bufferMemory[o], 0);
    if (r != VK_SUCCESS) return vkFail("vkBindBufferMemory (" + what + ")", r);
    return {};
}

void PrimeSurfaces::destroy() {
    if (ctx_.device)
        for (auto &s : surfaces_) free(*s);
    surfaces_.clear();
}

Result<void> PrimeSurfaces::importPlane(const PrimeFrame &f, int p, VkFormat fmt, int w, int h, Plane &out) {
    const PrimeFrame::Plane &pl = f.plane[p];
    const PrimeFrame::Object &ob = f.object[pl.object];
    const std::string what = "plane " + std::to_string(p) + " of " + fourccText(f.fourcc) + " (format " +
                             std::to_string(fmt) + ", modifier " + modifierText(ob.modifier) + ")";
    // Is the modifier one this device lists for the format, sampled, in one
    // plane? (Drivers may answer the import query below for any value.)
    {
        VkDrmFormatModifierPropertiesListEXT ml{};
        ml.sType = VK_STRUCTURE_TYPE_DRM_FORMAT_MODIFIER_PROPERTIES_LIST_EXT;
        VkFormatProperties2 fp2{};
        fp2.sType = VK_STRUCTURE_TYPE_FORMAT_PROPERTIES_2;
        fp2.pNext = &ml;
        vkGetPhysicalDeviceFormatProperties2(ctx_.phys, fmt, &fp2);
        std::vector<VkDrmFormatModifierPropertiesEXT> mods(ml.drmFormatModifierCount);
        ml.pDrmFormatModifierProperties = mods.data();
        if (!mods.empty()) vkGetPhysicalDeviceFormatProperties2(ctx_.phys, fmt, &fp2);
        mods.resize(ml.drmFormatModifierCount);
        bool listed = false;
        for (const auto &m : mods)
            listed = listed || (m.drmFormatModifier == ob.modifier && m.drmFormatModifierPlaneCount == 1 &&
                                (m.drmFormatModifierTilingFeatures & VK_FORMAT_FEATURE_SAMPLED_IMAGE_BIT));
        if (!listed)
            return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName + " cannot import " + what +
                                                       " (the device lists " + std::to_string(mods.size()) +
                                                       " modifiers for it, not this one)");
    }
    // Can this device import such an image from a dma-buf?
    VkPhysicalDeviceImageDrmFormatModifierInfoEXT mi{};
    mi.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_DRM_FORMAT_MODIFIER_INFO_EXT;
    mi.drmFormatModifier = ob.modifier;
    mi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkPhysicalDeviceExternalImageFormatInfo ei{};
    ei.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_IMAGE_FORMAT_INFO;
    ei.pNext = &mi;
    ei.handleType = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
    VkPhysicalDeviceImageFormatInfo2 fi{};
    fi.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_IMAGE_FORMAT_INFO_2;
    fi.pNext = &ei;
    fi.format = fmt;
    fi.type = VK_IMAGE_TYPE_2D;
    fi.tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT;
    fi.usage = VK_IMAGE_USAGE_SAMPLED_BIT;
    VkExternalImageFormatProperties ep{};
    ep.sType = VK_STRUCTURE_TYPE_EXTERNAL_IMAGE_FORMAT_PROPERTIES;
    VkImageFormatProperties2 fp{};
    fp.sType = VK_STRUCTURE_TYPE_IMAGE_FORMAT_PROPERTIES_2;
    fp.pNext = &ep;
    VkResult r = vkGetPhysicalDeviceImageFormatProperties2(ctx_.phys, &fi, &fp);
    if (r != VK_SUCCESS || !(ep.externalMemoryProperties.externalMemoryFeatures & VK_EXTERNAL_MEMORY_FEATURE_IMPORTABLE_BIT))
        return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName + " cannot import " + what +
                                                   " from a dma-buf" + (r != VK_SUCCESS ? std::string(" (") + resultName(r) + ")" : ""));
    if (static_cast<uint32_t>(w) > fp.imageFormatProperties.maxExtent.width ||
        static_cast<uint32_t>(h) > fp.imageFormatProperties.maxExtent.height)
        return Error::make(ErrorKind::Display, "vulkan: " + what + " is larger than the device imports");
    // Filtered in the shader (nearest sampler): drivers and the validation
    // layer disagree on which filters modifier tilings allow (lavapipe lists
    // linear filtering for LINEAR, the layer then refuses it).
    out.linear = false;

    VkSubresourceLayout sl{};
    sl.offset = static_cast<VkDeviceSize>(pl.offset);
    sl.rowPitch = static_cast<VkDeviceSize>(pl.pitch);
    VkImageDrmFormatModifierExplicitCreateInfoEXT xi{};
    xi.sType = VK_STRUCTURE_TYPE_IMAGE_DRM_FORMAT_MODIFIER_EXPLICIT_CREATE_INFO_EXT;
    xi.drmFormatModifier = ob.modifier;
    xi.drmFormatModifierPlaneCount = 1;
    xi.pPlaneLayouts = &sl;
    VkExternalMemoryImageCreateInfo emi{};
    emi.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_IMAGE_CREATE_INFO;
    emi.pNext = &xi;
    emi.handleTypes = VK_EXTERNAL_MEMORY_HANDLE_TYPE_DMA_BUF_BIT_EXT;
    VkImageCreateInfo ii{};
    ii.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
    ii.pNext = &emi;
    ii.imageType = VK_IMAGE_TYPE_2D;
    ii.format = fmt;
    ii.extent = {static_cast<uint32_t>(w), static_cast<uint32_t>(h), 1};
    ii.mipLevels = 1;
    ii.arrayLayers = 1;
    ii.samples = VK_SAMPLE_COUNT_1_BIT;
    ii.tiling = VK_IMAGE_TILING_DRM_FORMAT_MODIFIER_EXT;
    ii.usage = VK_IMAGE_USAGE_SAMPLED_BIT;
    ii.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    ii.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;   // the only one external memory allows
    r = vkCreateImage(ctx_.device, &ii, nullptr, &out.image);
    if (r != VK_SUCCESS) return vkFail("vkCreateImage (" + what + ")", r);

    // The memory: the dma-buf itself.
    const int fd = fcntl(ob.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Error::make(ErrorKind::Display, std::string("vulkan: dup of a dma-buf: ") + std::strerror(errno));
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(ctx_.device, out.image, &req);
    auto mem = importMemory(fd, req, out.image, VK_NULL_HANDLE, what);
    if (!mem) return mem.takeError();
    out.memory = mem.value();
    r = vkBindImageMemory(ctx_.device, out.image, out.memory, 0);
    if (r != VK_SUCCESS) return vkFail("vkBindImageMemory (" + what + ")", r);
    VkImageViewCreateInfo vi{};
    vi.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
    vi.image = out.image;
    vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vi.format = fmt;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    r = vkCreateImageView(ctx_.device, &vi, nullptr, &out.view);
    if (r != VK_SUCCESS) return vkFail("vkCreateImageView (" + what + ")", r);
    out.w = w;
    out.h = h;
    return {};
}

Result<PrimeSurfaces::Surface *> PrimeSurfaces::get(const PrimeFrame &f, bool images, const Surface *keep) {
    uint64_t key[6] = {0, 0, 0, 0, f.fourcc, (static_cast<uint64_t>(f.width) << 32) | static_cast<uint32_t>(f.height)};
    for (int o = 0; o < f.objects && o < 4; ++o) {
        struct stat st {};
        if (fstat(f.object[o].fd, &st) != 0)
            return Error::make(ErrorKind::Display, std::string("vulkan: a PRIME frame's dma-buf: ") + std::strerror(errno));
        key[o] = static_cast<uint64_t>(st.st_ino);
    }
    for (auto &s : surfaces_)
        if (std::memcmp(s->key, key, sizeof key) == 0 && s->images == images) {
            s->used = ++clock_;
            ++reused_;
            return s.get();
        }
    UploadLayout l;
    if (!primeLayout(f.fourcc, l))
        return Error::make(ErrorKind::Display, "vulkan: PRIME frames in " + fourccText(f.fourcc) +
                                                   " cannot be sampled here (YU12, NV12 and P010 can)");
    if (f.planes != l.planes)
        return Error::make(ErrorKind::Display, "vulkan: a " + fourccText(f.fourcc) + " PRIME frame with " +
                                                   std::to_string(f.planes) + " planes");
    if (static_cast<int>(surfaces_.size()) >= kMaxSurfaces) {
        auto victim = surfaces_.end();
        for (auto it = surfaces_.begin(); it != surfaces_.end(); ++it)
            if (it->get() != keep && (victim == surfaces_.end() || (*it)->used < (*victim)->used)) victim = it;
        if (victim != surfaces_.end()) {
            free(**victim);
            surfaces_.erase(victim);
        }
    }
    auto s = std::make_unique<Surface>();
    std::memcpy(s->key, key, sizeof key);
    s->layout = l;
    s->w = f.width;
    s->h = f.height;
    s->images = images;
    if (images) {
        const StagingLayout st = stagingLayout(l, f.width, f.height, 1, 1);
        for (int p = 0; p < l.planes; ++p)
            if (auto r = importPlane(f, p, vkFormatOf(l.plane[p].format), st.width[p], st.height[p], s->plane[p]); !r) {
                free(*s);
                return r.takeError();
            }
    } else {
        for (int o = 0; o < f.objects && o < 4; ++o)
            if (auto r = importBuffer(f, o, *s); !r) {
                free(*s);
                return r.takeError();
            }
        s->buffers = f.objects;
    }
    s->used = ++clock_;
    ++imported_;
    surfaces_.push_back(std::move(s));
    return surfaces_.back().get();
}

} // namespace qv::vk
