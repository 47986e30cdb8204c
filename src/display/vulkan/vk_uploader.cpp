#include "vk_uploader.h"

#include "qv/core/log.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstring>

namespace qv::vk {

VkFormat vkFormatOf(TexFormat f) {
    switch (f) {
    case TexFormat::R8: return VK_FORMAT_R8_UNORM;
    case TexFormat::RG8: return VK_FORMAT_R8G8_UNORM;
    case TexFormat::RGBA8: return VK_FORMAT_R8G8B8A8_UNORM;
    case TexFormat::R16: return VK_FORMAT_R16_UNORM;
    case TexFormat::RG16: return VK_FORMAT_R16G16_UNORM;
    case TexFormat::RGBA16: return VK_FORMAT_R16G16B16A16_UNORM;
    }
    return VK_FORMAT_UNDEFINED;
}

Uploader::~Uploader() {
    destroyImages();
    for (auto &g : gens_)
        for (auto &s : g->slots) freeSlot(s);
    freeSlot(copySlot_);
}

void Uploader::slotFree(void *opaque, uint8_t *) { static_cast<Slot *>(opaque)->state.store(0); }

Result<void> Uploader::makeSlot(Slot &s, size_t bytes) {
    VkBufferCreateInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bi.size = bytes;
    bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    VkResult r = vkCreateBuffer(ctx_.device, &bi, nullptr, &s.buffer);
    if (r != VK_SUCCESS) return vkFail("vkCreateBuffer (staging)", r);
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx_.device, s.buffer, &req);
    // Host-visible and coherent where there is such memory (no flushes);
    // else host-visible, flushed before each copy.
    int type = ctx_.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    s.coherent = type >= 0;
    if (type < 0) type = ctx_.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
    if (type < 0) return Error::make(ErrorKind::Display, "vulkan: no host-visible memory for staging");
    VkMemoryAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = static_cast<uint32_t>(type);
    r = vkAllocateMemory(ctx_.device, &ai, nullptr, &s.memory);
    if (r != VK_SUCCESS) return vkFail("vkAllocateMemory (staging, " + std::to_string(bytes >> 20) + " MiB)", r);
    r = vkBindBufferMemory(ctx_.device, s.buffer, s.memory, 0);
    if (r != VK_SUCCESS) return vkFail("vkBindBufferMemory", r);
    void *p = nullptr;
    r = vkMapMemory(ctx_.device, s.memory, 0, VK_WHOLE_SIZE, 0, &p);
    if (r != VK_SUCCESS) return vkFail("vkMapMemory", r);
    s.map = static_cast<uint8_t *>(p);
    s.size = bytes;
    s.state.store(0);
    stagingBytes_ += bytes;
    return {};
}

void Uploader::freeSlot(Slot &s) {
    if (!ctx_.device) return;
    if (s.map) vkUnmapMemory(ctx_.device, s.memory);
    if (s.buffer) vkDestroyBuffer(ctx_.device, s.buffer, nullptr);
    if (s.memory) vkFreeMemory(ctx_.device, s.memory, nullptr);
    s.map = nullptr;
    s.buffer = VK_NULL_HANDLE;
    s.memory = VK_NULL_HANDLE;
    s.size = 0;
}

Result<void> Uploader::configure(int avFormat, int width, int height) {
    Generation *cur = current_.load();
    if (cur && cur->format == avFormat && cur->width == width && cur->height == height) return {};
    UploadLayout l;
    if (!layoutFor(avFormat, l))
        return Error::make(ErrorKind::Internal, std::string("vulkan: no upload layout for ") +
                                                    pixelFormatName(avFormat));
    const VkDeviceSize rowAlign = std::max<VkDeviceSize>(64, ctx_.props.limits.optimalBufferCopyRowPitchAlignment);
    const VkDeviceSize planeAlign = std::max<VkDeviceSize>(64, ctx_.props.limits.optimalBufferCopyOffsetAlignment);
    rowAlign_ = static_cast<int>(rowAlign);
    planeAlign_ = static_cast<int>(planeAlign);
    auto g = std::make_unique<Generation>();
    g->format = avFormat;
    g->width = width;
    g->height = height;
    g->staging = stagingLayout(l, width, height, rowAlign_, planeAlign_);
    for (auto &s : g->slots)
        if (auto r = makeSlot(s, g->staging.total); !r) {
            for (auto &t : g->slots) freeSlot(t);
            return r;
        }
    current_.store(g.get(), std::memory_order_release);
    gens_.push_back(std::move(g));
    log::info("vulkan: %d staging slots of %.1f MiB for %dx%d %s", kSinkSlots, gens_.back()->staging.total / 1048576.0,
              width, height, pixelFormatName(avFormat));
    return {};
}

bool Uploader::acquire(const ScaleTarget &t, AVFrame *dst) {
    Generation *g = current_.load(std::memory_order_acquire);
    if (!g || t.width != g->width || t.height != g->height || t.pixFmt != g->format ||
        t.orientation != Orientation::Normal)
        return false;
    for (Slot &s : g->slots) {
        int expect = 0;
        if (!s.map || !s.state.compare_exchange_strong(expect, 1)) continue;
        if (!wrapExternalBuffer(dst, s.map, s.size, &Uploader::slotFree, &s)) {
            s.state.store(0);
            return false;
        }
        const StagingLayout &st = g->staging;
        for (int p = 0; p < 3; ++p) {
            dst->data[p] = st.stride[p] ? s.map + st.offset[p] : nullptr;
            dst->linesize[p] = st.stride[p];
        }
        dst->width = g->width;
        dst->height = g->height;
        dst->format = g->format;
        return true;
    }
    return false;
}

const Uploader::Slot *Uploader::slotOf(const AVFrame *f) const {
    if (!f->buf[0] || f->buf[1]) return nullptr;
    void *opaque = externalBufferOpaque(f);
    if (!opaque) return nullptr;
    for (const auto &g : gens_)
        for (const Slot &s : g->slots)
            if (opaque == &s && f->data[0] >= s.map && f->data[0] < s.map + s.size) return &s;
    return nullptr;
}

Result<void> Uploader::makeImage(PlaneImage &im, VkFormat f, int w, int h) {
    VkImageCreateInfo ii{};
    ii.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
    ii.imageType = VK_IMAGE_TYPE_2D;
    ii.format = f;
    ii.extent = {static_cast<uint32_t>(w), static_cast<uint32_t>(h), 1};
    ii.mipLevels = 1;
    ii.arrayLayers = 1;
    ii.samples = VK_SAMPLE_COUNT_1_BIT;
    ii.tiling = VK_IMAGE_TILING_OPTIMAL;
    ii.usage = VK_IMAGE_USAGE_TRANSFER_DST_BIT | VK_IMAGE_USAGE_SAMPLED_BIT;
    ii.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    ii.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    VkResult r = vkCreateImage(ctx_.device, &ii, nullptr, &im.image);
    if (r != VK_SUCCESS) return vkFail("vkCreateImage", r);
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(ctx_.device, im.image, &req);
    int type = ctx_.memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (type < 0) type = ctx_.memoryType(req.memoryTypeBits, 0);
    if (type < 0) return Error::make(ErrorKind::Display, "vulkan: no memory type for a plane image");
    VkMemoryAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = static_cast<uint32_t>(type);
    r = vkAllocateMemory(ctx_.device, &ai, nullptr, &im.memory);
    if (r != VK_SUCCESS) return vkFail("vkAllocateMemory (plane image)", r);
    r = vkBindImageMemory(ctx_.device, im.image, im.memory, 0);
    if (r != VK_SUCCESS) return vkFail("vkBindImageMemory", r);
    VkImageViewCreateInfo vi{};
    vi.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
    vi.image = im.image;
    vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vi.format = f;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    r = vkCreateImageView(ctx_.device, &vi, nullptr, &im.view);
    if (r != VK_SUCCESS) return vkFail("vkCreateImageView", r);
    im.w = w;
    im.h = h;
    return {};
}

void Uploader::freeImage(PlaneImage &im) {
    if (!ctx_.device) return;
    if (im.view) vkDestroyImageView(ctx_.device, im.view, nullptr);
    if (im.image) vkDestroyImage(ctx_.device, im.image, nullptr);
    if (im.memory) vkFreeMemory(ctx_.device, im.memory, nullptr);
    im = PlaneImage{};
}

void Uploader::destroyImages() {
    dropPrime();
    dropFfmpeg();
    for (auto &im : images_) freeImage(im);
    freeImage(placeholder_);
    placeholderReady_ = false;
    hasPicture_ = false;
    layout_ = UploadLayout{};
}

VkImageView Uploader::view(int p) const {
    if (p >= layout().planes) return placeholder_.view;
    return active_ ? active_->plane[p].view : images_[p].view;
}

Result<void> Uploader::ensureImages(const UploadLayout &l, int w, int h) {
    if (!placeholder_.image)
        if (auto r = makeImage(placeholder_, VK_FORMAT_R8_UNORM, 1, 1); !r) return r;
    bool same = layout_.avFormat == l.avFormat && width_ == w && height_ == h;
    if (same) return {};
    for (auto &im : images_) freeImage(im);
    const StagingLayout st = stagingLayout(l, w, h, 1, 1);
    for (int p = 0; p < l.planes; ++p) {
        const VkFormat f = vkFormatOf(l.plane[p].format);
        bool lin = false;
        if (!ctx_.canSample(f, lin))
            return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName + " cannot sample " +
                                                       pixelFormatName(l.avFormat) +
                                                       " planes (format " + std::to_string(f) + ")");
        if (auto r = makeImage(images_[p], f, st.width[p], st.height[p]); !r) return r;
        images_[p].linear = lin;
    }
    layout_ = l;
    width_ = w;
    height_ = h;
    imagesChanged_ = true;
    hasPicture_ = false;
    return {};
}

Result<void> Uploader::record(VkCommandBuffer cmd, const AVFrame *f) {
    UploadLayout l;
    if (!layoutFor(f->format, l))
        return Error::make(ErrorKind::Internal, std::string("vulkan: frames in ") +
                                                    pixelFormatName(f->format) +
                                                    " cannot go up as they are");
    if (active_) {   // back from a PRIME surface to the uploaded images
        active_ = nullptr;
        imagesChanged_ = true;
    }
    // Frames come in memory now (the display refused dma-bufs, or the
    // decoder fell back): the imported surfaces go (the last draw that
    // used them was waited for).
    if (prime_ && !prime_->empty()) dropPrime();
    if (auto r = ensureImages(l, f->width, f->height); !r) return r;

    // Where the planes are: the slot the scale stage drew into, else the
    // display's own slot, filled here.
    const Slot *src = slotOf(f);
    size_t offset[3] = {0, 0, 0};
    int stride[3] = {0, 0, 0};
    if (src) {
        for (int p = 0; p < l.planes; ++p) {
            offset[p] = static_cast<size_t>(f->data[p] - src->map);
            stride[p] = f->linesize[p];
        }
        ++direct_;
    } else {
        const StagingLayout st = stagingLayout(l, f->width, f->height, rowAlign_, planeAlign_);
        if (copySlot_.size < st.total) {
            freeSlot(copySlot_);
            if (auto r = makeSlot(copySlot_, st.total); !r) return r;
        }
        uint8_t *dst[4] = {nullptr, nullptr, nullptr, nullptr};
        int ls[4] = {0, 0, 0, 0};
        for (int p = 0; p < l.planes; ++p) {
            dst[p] = copySlot_.map + st.offset[p];
            ls[p] = st.stride[p];
            offset[p] = st.offset[p];
            stride[p] = st.stride[p];
        }
        copyPicture(dst, ls, f);
        src = &copySlot_;
        ++copied_;
    }
    if (!src->coherent) {
        VkMappedMemoryRange mr{};
        mr.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE;
        mr.memory = src->memory;
        mr.offset = 0;
        mr.size = VK_WHOLE_SIZE;
        vkFlushMappedMemoryRanges(ctx_.device, 1, &mr);
    }

    const VkBuffer bufs[3] = {src->buffer, src->buffer, src->buffer};
    recordCopy(cmd, l, bufs, offset, stride);
    return {};
}

// The planes (in buf[p] at offset[p], stride[p] bytes a row) into the plane
// images; the placeholder from buf[0]'s first byte the first time.
void Uploader::recordCopy(VkCommandBuffer cmd, const UploadLayout &l, const VkBuffer buf[3], const size_t offset[3],
                          const int stride[3]) {
    // Every plane image (and the placeholder, the first time) to transfer
    // destination; their old contents are dropped.
    VkImageMemoryBarrier pre[4]{};
    uint32_t npre = 0;
    for (int p = 0; p < l.planes + (placeholderReady_ ? 0 : 1); ++p) {
        VkImageMemoryBarrier &b = pre[npre++];
        b.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
        b.srcAccessMask = 0;
        b.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        b.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
        b.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
        b.srcQueueFamilyIndex = b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
        b.image = p < l.planes ? images_[p].image : placeholder_.image;
        b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    }
    // The previous frame's fragment shader reads finish before the writes.
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                         nullptr, npre, pre);
    for (int p = 0; p < l.planes; ++p) {
        const int texel = texFormatBytes(l.plane[p].format);
        VkBufferImageCopy c{};
        c.bufferOffset = offset[p];
        c.bufferRowLength = static_cast<uint32_t>(stride[p] / texel);
        c.bufferImageHeight = 0;
        c.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        c.imageExtent = {static_cast<uint32_t>(images_[p].w), static_cast<uint32_t>(images_[p].h), 1};
        vkCmdCopyBufferToImage(cmd, buf[p], images_[p].image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &c);
    }
    if (!placeholderReady_) {
        // The placeholder bound where a format has fewer than three planes,
        // once: given the staging buffer's first byte (the shader never
        // samples it; it only has to be a valid image).
        VkBufferImageCopy c{};
        c.bufferOffset = 0;
        c.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        c.imageExtent = {1, 1, 1};
        vkCmdCopyBufferToImage(cmd, buf[0], placeholder_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &c);
    }
    VkImageMemoryBarrier post[4]{};
    for (uint32_t i = 0; i < npre; ++i) {
        post[i] = pre[i];
        post[i].srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        post[i].dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        post[i].oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
        post[i].newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
    }
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 0, nullptr, 0,
                         nullptr, npre, post);
    placeholderReady_ = true;
    hasPicture_ = true;
}

// Everything about a PRIME frame that can refuse it (the display then
// has the decoder download): import at all, the layout, and the import of
// its surface (the first time). The surface is kept for recordPrime().
Result<void> Uploader::preparePrime(const PrimeFrame &f) {
    prepared_ = nullptr;
    if (!ctx_.primeImport)
        return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName +
                                                   " imports no dma-bufs (no VK_EXT_external_memory_dma_buf)");
    const bool images = ctx_.primeModifiers;
    if (!images) {
        // A copy reads the planes by offset and pitch: linear ones only.
        for (int o = 0; o < f.objects && o < 4; ++o)
            if (f.object[o].modifier != 0)
                return Error::make(ErrorKind::Display, std::string("vulkan: ") + ctx_.props.deviceName +
                                                           " copies only linear dma-bufs (no VK_EXT_image_drm_format_modifier), "
                                                           "and the decoder's have modifier " + modifierText(f.object[o].modifier));
        UploadLayout l;
        if (primeLayout(f.fourcc, l))
            for (int p = 0; p < l.planes && p < f.planes; ++p) {
                const int texel = texFormatBytes(l.plane[p].format);
                const PrimeFrame::Plane &pl = f.plane[p];
                if (pl.pitch <= 0 || pl.pitch % texel != 0 || pl.offset % texel != 0)
                    return Error::make(ErrorKind::Display, "vulkan: a PRIME plane at offset " + std::to_string(pl.offset) +
                                                               " with pitch " + std::to_string(pl.pitch) +
                                                               " cannot be copied (not whole texels)");
            }
    }
    if (!prime_) prime_ = std::make_unique<PrimeSurfaces>(ctx_);
    auto got = prime_->get(f, images, active_);
    if (!got) return got.takeError();
    prepared_ = got.value();
    return {};
}

Result<void> Uploader::recordPrime(VkCommandBuffer cmd, const PrimeFrame &f) {
    if (!prepared_)
        if (auto r = preparePrime(f); !r) return r;
    PrimeSurfaces::Surface *s = std::exchange(prepared_, nullptr);
    const uint32_t foreign = foreignFamily();
    if (!s->images) {
        // One GPU copy: the dma-bufs are the transfer's source, taken over
        // from the decoder (its writes are done: it handed the frame over)
        // and given back after the copy.
        const UploadLayout &l = s->layout;
        if (active_) {
            active_ = nullptr;
            imagesChanged_ = true;
        }
        if (auto r = ensureImages(l, f.width, f.height); !r) return r;
        VkBuffer buf[3] = {VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE};
        size_t offset[3] = {0, 0, 0};
        int stride[3] = {0, 0, 0};
        for (int p = 0; p < l.planes; ++p) {
            const PrimeFrame::Plane &pl = f.plane[p];
            buf[p] = s->buffer[pl.object];
            offset[p] = static_cast<size_t>(pl.offset);
            stride[p] = static_cast<int>(pl.pitch);
        }
        VkBufferMemoryBarrier b[4]{};
        for (int o = 0; o < s->buffers; ++o) {
            b[o].sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER;
            b[o].dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
            b[o].srcQueueFamilyIndex = foreign;
            b[o].dstQueueFamilyIndex = ctx_.family;
            b[o].buffer = s->buffer[o];
            b[o].size = VK_WHOLE_SIZE;
        }
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr,
                             static_cast<uint32_t>(s->buffers), b, 0, nullptr);
        if (!placeholder_.image)
            if (auto r = makeImage(placeholder_, VK_FORMAT_R8_UNORM, 1, 1); !r) return r;
        recordCopy(cmd, l, buf, offset, stride);
        for (int o = 0; o < s->buffers; ++o) {
            b[o].srcAccessMask = VK_ACCESS_TRANSFER_READ_BIT;
            b[o].dstAccessMask = 0;
            b[o].srcQueueFamilyIndex = ctx_.family;
            b[o].dstQueueFamilyIndex = foreign;
        }
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, nullptr,
                             static_cast<uint32_t>(s->buffers), b, 0, nullptr);
        return {};
    }
    if (auto r = ensurePlaceholder(cmd); !r) return r;
    if (active_ != s) imagesChanged_ = true;
    active_ = s;
    hasPicture_ = true;
    return {};
}

Result<void> Uploader::ensurePlaceholder(VkCommandBuffer cmd) {
    if (!placeholder_.image)
        if (auto r = makeImage(placeholder_, VK_FORMAT_R8_UNORM, 1, 1); !r) return r;
    // The placeholder cleared the first time.
    if (!placeholderReady_) {
        VkImageMemoryBarrier m{};
        m.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
        m.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        m.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
        m.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
        m.srcQueueFamilyIndex = m.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
        m.image = placeholder_.image;
        m.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                             nullptr, 1, &m);
        const VkClearColorValue black{};
        const VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        vkCmdClearColorImage(cmd, placeholder_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, &black, 1, &range);
        m.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        m.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        m.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
        m.newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 0, nullptr, 0,
                             nullptr, 1, &m);
        placeholderReady_ = true;
    }
    return {};
}

Result<void> Uploader::recordFfmpeg(VkCommandBuffer cmd, const VkPicture &pic) {
    UploadLayout l;
    if (!layoutFor(pic.swFormat, l) || l.planes != pic.planes)
        return Error::make(ErrorKind::Display, std::string("vulkan: FFmpeg's Vulkan frames in ") + pixelFormatName(pic.swFormat) +
                                                   " have planes qv does not sample");
    for (int p = 0; p < l.planes; ++p)
        if (vkFormatOf(l.plane[p].format) != pic.format[p])
            return Error::make(ErrorKind::Display, std::string("vulkan: FFmpeg's Vulkan frames in ") +
                                                       pixelFormatName(pic.swFormat) + " have plane " + std::to_string(p) +
                                                       " in format " + std::to_string(pic.format[p]) + ", not the one qv samples");
    if (pic.generation != ffmpegGeneration_) {
        // A new pool: the old one's images go with the frames that hold them.
        if (active_ && active_->ffmpeg) {
            active_ = nullptr;
            imagesChanged_ = true;
        }
        dropFfmpeg();
        ffmpegGeneration_ = pic.generation;
    }
    PrimeSurfaces::Surface *s = nullptr;
    for (auto &x : ffmpeg_)
        if (x->key[0] == reinterpret_cast<uint64_t>(pic.image[0]) && x->w == pic.width && x->h == pic.height) s = x.get();
    if (!s) {
        if (ffmpeg_.size() >= static_cast<size_t>(PrimeSurfaces::kMaxSurfaces)) {
            // The least recently shown goes (never the one on screen).
            auto old = ffmpeg_.end();
            for (auto it = ffmpeg_.begin(); it != ffmpeg_.end(); ++it)
                if (it->get() != active_ && (old == ffmpeg_.end() || (*it)->used < (*old)->used)) old = it;
            if (old != ffmpeg_.end()) {
                for (auto &pl : (*old)->plane)
                    if (pl.view) vkDestroyImageView(ctx_.device, pl.view, nullptr);
                ffmpeg_.erase(old);
            }
        }
        auto n = std::make_unique<PrimeSurfaces::Surface>();
        n->key[0] = reinterpret_cast<uint64_t>(pic.image[0]);
        n->layout = l;
        n->w = pic.width;
        n->h = pic.height;
        n->images = true;
        n->ffmpeg = true;
        const StagingLayout st = stagingLayout(l, pic.width, pic.height, 1, 1);
        for (int p = 0; p < l.planes; ++p) {
            bool lin = false;
            ctx_.canSample(pic.format[p], lin);
            VkImageViewCreateInfo vi{};
            vi.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
            vi.image = pic.image[p];
            vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
            vi.format = pic.format[p];
            vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
            VkImageView view = VK_NULL_HANDLE;
            const VkResult r = vkCreateImageView(ctx_.device, &vi, nullptr, &view);
            if (r != VK_SUCCESS) {
                for (auto &pl : n->plane)
                    if (pl.view) vkDestroyImageView(ctx_.device, pl.view, nullptr);
                return vkFail("vkCreateImageView (an FFmpeg frame's plane)", r);
            }
            n->plane[p].image = pic.image[p];
            n->plane[p].view = view;
            n->plane[p].w = st.width[p];
            n->plane[p].h = st.height[p];
            n->plane[p].linear = lin;
        }
        s = n.get();
        ffmpeg_.push_back(std::move(n));
    }
    s->used = ++ffmpegClock_;
    if (auto r = ensurePlaceholder(cmd); !r) return r;
    // FFmpeg's copy is done (the bridge waited for its semaphores, and it
    // was submitted to this queue before): its writes made visible to the
    // fragment shader, each plane in the layout it samples.
    VkImageMemoryBarrier b[3]{};
    for (int p = 0; p < l.planes; ++p) {
        VkImageMemoryBarrier &m = b[p];
        m.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
        m.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
        m.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
        m.oldLayout = pic.layout[p];
        m.newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
        m.srcQueueFamilyIndex = m.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
        m.image = pic.image[p];
        m.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    }
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 0, nullptr, 0,
                         nullptr, static_cast<uint32_t>(l.planes), b);
    if (active_ != s) imagesChanged_ = true;
    active_ = s;
    hasPicture_ = true;
    return {};
}

void Uploader::dropFfmpeg() {
    if (active_ && active_->ffmpeg) active_ = nullptr;
    for (auto &x : ffmpeg_)
        for (auto &pl : x->plane)
            if (pl.view && ctx_.device) vkDestroyImageView(ctx_.device, pl.view, nullptr);
    ffmpeg_.clear();
}

uint32_t Uploader::foreignFamily() const { return ctx_.foreignQueue ? VK_QUEUE_FAMILY_FOREIGN_EXT : VK_QUEUE_FAMILY_EXTERNAL; }

// The sampled surface's planes, around each draw that samples them: taken
// over from the decoder (a queue family acquire from GENERAL, the layout a
// foreign owner leaves, not UNDEFINED, which may discard the picture) and
// given back in GENERAL after the draw.
void Uploader::primeBarriers(VkCommandBuffer cmd, bool acquire) {
    if (!active_ || active_->ffmpeg) return;   // FFmpeg's frames are this queue's own
    VkImageMemoryBarrier b[3]{};
    uint32_t n = 0;
    for (int p = 0; p < active_->layout.planes && p < 3; ++p) {
        VkImageMemoryBarrier &m = b[n++];
        m.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER;
        m.srcAccessMask = acquire ? 0 : VK_ACCESS_SHADER_READ_BIT;
        m.dstAccessMask = acquire ? VK_ACCESS_SHADER_READ_BIT : 0;
        m.oldLayout = acquire ? VK_IMAGE_LAYOUT_GENERAL : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
        m.newLayout = acquire ? VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL : VK_IMAGE_LAYOUT_GENERAL;
        m.srcQueueFamilyIndex = acquire ? foreignFamily() : ctx_.family;
        m.dstQueueFamilyIndex = acquire ? ctx_.family : foreignFamily();
        m.image = active_->plane[p].image;
        m.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    }
    if (acquire)
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 0, nullptr, 0,
                             nullptr, n, b);
    else
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0, 0, nullptr,
                             0, nullptr, n, b);
}

void Uploader::dropPrime() {
    active_ = nullptr;
    prepared_ = nullptr;
    if (prime_) prime_->destroy();
}

} // namespace qv::vk
