#include "vk_presenter.h"

#include "qv/core/log.h"

extern "C" {
#include <libavutil/frame.h>
}

#include <algorithm>
#include <cstring>

namespace qv::vk {

namespace {
// A frame the GPU has not finished in 5 s: it hangs. A CPU device
// (lavapipe) compiles shader variants at the first draws and shares the
// cores with everything else; on a loaded machine, or in an emulated VM,
// a frame can legitimately take that long: a minute for it.
constexpr uint64_t kFenceTimeoutNs = 5000000000ull;
constexpr uint64_t kCpuFenceTimeoutNs = 60000000000ull;
constexpr uint64_t kPresentWaitNs = 100000000ull;     // longer than any refresh period
} // namespace

Presenter::~Presenter() {
    close();
    renderer_.reset();
    uploader_.reset();   // the staging memory: every frame came home (Player::releaseFrames)
    ctx_.reset();
}

uint64_t Presenter::fenceTimeoutNs() const { return ctx_ && ctx_->isCpu() ? kCpuFenceTimeoutNs : kFenceTimeoutNs; }

Error Presenter::fail(const std::string &what, VkResult r) {
    if (r == VK_ERROR_DEVICE_LOST) {
        lost_ = true;
        Error e = Error::make(ErrorKind::Display, "vulkan: the GPU device was lost (" + what +
                                                      "): a driver reset or crash; the picture stops here");
        e.native = static_cast<int>(r);
        return e;
    }
    return vkFail(what, r);
}

Result<void> Presenter::checkValidation() {
    if (!ctx_ || !ctx_->validation || ctx_->validationMessages() == 0) return {};
    return Error::make(ErrorKind::Display, "vulkan: the validation layer reported " +
                                               std::to_string(ctx_->validationMessages()) +
                                               " problem(s); the last: " + ctx_->lastValidationMessage());
}

Result<void> Presenter::open(bool validation, const std::string &deviceHint, bool ffmpegFrames) {
    ContextOptions o;
    o.validation = validation;
    o.ffmpegFrames = ffmpegFrames;
    o.instanceExtensions = out_->instanceExtensions();
    o.khrDisplay = out_->khrDisplay();
    o.deviceHint = deviceHint;
    auto c = Context::createInstance(o);
    if (!c) return c.takeError();
    ctx_ = std::move(c.value());
    if (auto r = out_->createSurface(*ctx_); !r) return r;
    if (auto r = ctx_->createDevice(out_->surface(), out_->surface() != VK_NULL_HANDLE); !r) return r;
    auto f = out_->chooseFormat(*ctx_);
    if (!f) return f.takeError();
    renderer_ = std::make_unique<Renderer>(*ctx_);
    if (auto r = renderer_->init(f.value()); !r) return r;
    uploader_ = std::make_unique<Uploader>(*ctx_);

    VkCommandPoolCreateInfo pi{};
    pi.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pi.queueFamilyIndex = ctx_->family;
    VkResult r = vkCreateCommandPool(ctx_->device, &pi, nullptr, &pool_);
    if (r != VK_SUCCESS) return fail("vkCreateCommandPool", r);
    VkCommandBufferAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ai.commandPool = pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    r = vkAllocateCommandBuffers(ctx_->device, &ai, &cmd_);
    if (r != VK_SUCCESS) return fail("vkAllocateCommandBuffers", r);
    VkFenceCreateInfo fi{};
    fi.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    r = vkCreateFence(ctx_->device, &fi, nullptr, &fence_);
    if (r != VK_SUCCESS) return fail("vkCreateFence", r);
    if (ctx_->timestamps) {
        VkQueryPoolCreateInfo qi{};
        qi.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
        qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qi.queryCount = 2;
        if (vkCreateQueryPool(ctx_->device, &qi, nullptr, &queries_) != VK_SUCCESS) queries_ = VK_NULL_HANDLE;
        uint32_t n = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(ctx_->phys, &n, nullptr);
        std::vector<VkQueueFamilyProperties> fams(n);
        vkGetPhysicalDeviceQueueFamilyProperties(ctx_->phys, &n, fams.data());
        const uint32_t bits = fams[ctx_->family].timestampValidBits;
        tsMask_ = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    }
    if (auto b = out_->build(*ctx_, renderer_->pass(out_->surface() != VK_NULL_HANDLE)); !b) return b;
    log::info("vulkan: %s on %s%s%s%s", out_->describe().c_str(), ctx_->describe().c_str(),
              ctx_->presentWait ? ", present times reported (VK_KHR_present_wait)" : "",
              !ctx_->primeImport      ? ""
              : ctx_->primeModifiers ? ", imports dma-bufs (sampled in place)"
                                     : ", imports dma-bufs (copied on the GPU: no VK_EXT_image_drm_format_modifier)", ctx_->validation ? ", validation on" : "");
    return checkValidation();
}

Result<ScaleTarget> Presenter::configure(const StreamSpec &spec) {
    spec_ = spec;
    ScaleTarget t;
    t.width = spec.width;
    t.height = spec.height;
    t.pixFmt = uploadFormatFor(spec.pixFmt);
    t.orientation = Orientation::Normal;   // the GPU turns the picture
    t.quality = ScaleQuality::Fast;        // same size: a copy or a repack
    if (auto r = uploader_->configure(t.pixFmt, t.width, t.height); !r) return r.takeError();
    return t;
}

Rect Presenter::pictureRect(VkExtent2D e) const {
    int dw = 0, dh = 0;
    StreamSpec s = spec_;
    // The picture uploaded may differ from the stream's first size.
    if (uploader_->hasPicture() && (uploader_->width() != s.width || uploader_->height() != s.height)) {
        s.width = uploader_->width();
        s.height = uploader_->height();
    }
    displaySize(s, dw, dh);
    return fitPicture(dw, dh, static_cast<int>(e.width), static_cast<int>(e.height));
}

Result<void> Presenter::rebuild() {
    rebuild_ = false;
    return out_->build(*ctx_, renderer_->pass(out_->surface() != VK_NULL_HANDLE));
}

Result<void> Presenter::submit(VkSemaphore wait, VkSemaphore signal) {
    const VkPipelineStageFlags stage = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    VkSubmitInfo si{};
    si.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    si.waitSemaphoreCount = wait ? 1 : 0;
    si.pWaitSemaphores = &wait;
    si.pWaitDstStageMask = &stage;
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd_;
    si.signalSemaphoreCount = signal ? 1 : 0;
    si.pSignalSemaphores = &signal;
    VkResult r = vkQueueSubmit(ctx_->queue, 1, &si, fence_);
    if (r != VK_SUCCESS) return fail("vkQueueSubmit", r);
    return {};
}

Result<void> Presenter::drawOnce(const AVFrame *upload, Presented &outcome) {
    outcome = Presented::Ok;
    if (lost_) return {};   // reported once, with the frame that lost it
    if (!ctx_ || closed_) return Error::make(ErrorKind::Internal, "vulkan: not open");
    Target t;
    bool got = false;
    for (int attempt = 0; attempt < 3 && !got; ++attempt) {
        if (rebuild_ || out_->stale())
            if (auto r = rebuild(); !r) return r;
        if (out_->extent().width == 0 || out_->extent().height == 0) return {};   // minimised
        auto a = out_->acquire(*ctx_, t);
        if (!a) {
            if (a.error().native == VK_ERROR_DEVICE_LOST) lost_ = true;
            return a.takeError();
        }
        got = a.value();
        if (!got) rebuild_ = true;
    }
    if (!got) return Error::make(ErrorKind::Display, "vulkan: the swapchain stays out of date");

    if (upload) colour_ = colourFactsOf(upload, [&] {
                    UploadLayout l;
                    if (prime_) primeLayout(prime_->fourcc, l);
                    else layoutFor(ffmpeg_ ? ffmpeg_->swFormat : upload->format, l);
                    return l;
                }());
    VkResult r = vkResetCommandBuffer(cmd_, 0);
    if (r != VK_SUCCESS) return fail("vkResetCommandBuffer", r);
    VkCommandBufferBeginInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd_, &bi);
    if (queries_) {
        vkCmdResetQueryPool(cmd_, queries_, 0, 2);
        vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, queries_, 0);
    }
    if (upload)
        if (auto u = prime_    ? uploader_->recordPrime(cmd_, *prime_)
                     : ffmpeg_ ? uploader_->recordFfmpeg(cmd_, *ffmpeg_)
                               : uploader_->record(cmd_, upload);
            !u) {
            vkEndCommandBuffer(cmd_);
            return u;
        }
    renderer_->setPicture(*uploader_, colour_, pictureRect(t.extent), spec_.orientation);
    uploader_->recordPrimeAcquire(cmd_);   // a surface sampled in place: the decoder's until now
    renderer_->record(cmd_, t.framebuffer, t.extent, t.present, *uploader_);
    uploader_->recordPrimeRelease(cmd_);
    if (queries_) vkCmdWriteTimestamp(cmd_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, queries_, 1);
    r = vkEndCommandBuffer(cmd_);
    if (r != VK_SUCCESS) return fail("vkEndCommandBuffer", r);

    r = vkResetFences(ctx_->device, 1, &fence_);
    if (r != VK_SUCCESS) return fail("vkResetFences", r);
    if (auto s = submit(t.acquired, t.rendered); !s) return s;
    const int64_t submitted = monotonicNs();
    ++presentId_;
    if (t.present) {
        auto p = out_->present(*ctx_, t, presentId_);
        if (!p) {
            vkWaitForFences(ctx_->device, 1, &fence_, VK_TRUE, fenceTimeoutNs());
            if (p.error().native == VK_ERROR_DEVICE_LOST) lost_ = true;
            return p.takeError();
        }
        outcome = p.value();
    }
    // On the glass: where the driver says so; else when the GPU finished.
    int64_t shown = -1;
    if (t.present && out_->waitPresented(*ctx_, presentId_, kPresentWaitNs)) {
        shown = monotonicNs();
        presentTimes_ = true;
    }
    r = vkWaitForFences(ctx_->device, 1, &fence_, VK_TRUE, fenceTimeoutNs());
    if (r == VK_TIMEOUT) {
        lost_ = true;
        return Error::make(ErrorKind::Display, fenceTimeoutNs() == kFenceTimeoutNs
                                                   ? "vulkan: the GPU did not finish a frame in 5 s (hung); the picture stops here"
                                                   : "vulkan: the device did not finish a frame in 60 s (hung); the picture stops here");
    }
    if (r != VK_SUCCESS) return fail("vkWaitForFences", r);
    const int64_t fenceSeen = monotonicNs();
    if (queries_) {
        uint64_t ts[2] = {0, 0};
        if (vkGetQueryPoolResults(ctx_->device, queries_, 0, 2, sizeof ts, ts, sizeof ts[0], VK_QUERY_RESULT_64_BIT) ==
            VK_SUCCESS) {
            const double period = ctx_->props.limits.timestampPeriod;
            const uint64_t d = (ts[1] - ts[0]) & tsMask_;
            gpuNs_ += double(d) * period;
            ++gpuFrames_;
            if (shown < 0 && ctx_->calibrated && vkGetCalibratedTimestampsEXT) {
                // The GPU's end-of-frame timestamp on CLOCK_MONOTONIC.
                VkCalibratedTimestampInfoEXT ci[2]{};
                ci[0].sType = ci[1].sType = VK_STRUCTURE_TYPE_CALIBRATED_TIMESTAMP_INFO_EXT;
                ci[0].timeDomain = VK_TIME_DOMAIN_DEVICE_EXT;
                ci[1].timeDomain = VK_TIME_DOMAIN_CLOCK_MONOTONIC_EXT;
                uint64_t now[2] = {0, 0}, dev = 0;
                if (vkGetCalibratedTimestampsEXT(ctx_->device, 2, ci, now, &dev) == VK_SUCCESS) {
                    const double ago = double((now[0] - ts[1]) & tsMask_) * period;
                    shown = static_cast<int64_t>(now[1]) - static_cast<int64_t>(ago);
                }
            }
        }
    }
    if (shown < 0 || shown > fenceSeen) shown = fenceSeen;
    latency_.add(submitted, shown);
    ++frames_;
    if (auto v = checkValidation(); !v) return v;
    return {};
}

Result<void> Presenter::draw(const AVFrame *upload) {
    Presented outcome = Presented::Ok;
    if (auto r = drawOnce(upload, outcome); !r) return r;
    if (outcome == Presented::Rebuild && !lost_) {
        // Resized or the mode changed: the next image at the new size at
        // once, so the window never shows a stretched or missing picture.
        rebuild_ = true;
        return drawOnce(nullptr, outcome);
    }
    return {};
}

Result<void> Presenter::show(const AVFrame *f) { return draw(f); }

Result<void> Presenter::preparePrime(const PrimeFrame &pf) {
    if (lost_ || !ctx_ || closed_) return {};   // showPrime() says what is wrong
    return uploader_->preparePrime(pf);
}

Result<void> Presenter::showPrime(const AVFrame *f, const PrimeFrame &pf) {
    prime_ = &pf;
    auto r = draw(f);
    prime_ = nullptr;
    return r;
}

Result<void> Presenter::showFfmpeg(const AVFrame *f, const VkPicture &pic) {
    ffmpeg_ = &pic;
    auto r = draw(f);
    ffmpeg_ = nullptr;
    return r;
}

Result<void> Presenter::redraw() {
    if (!uploader_ || !uploader_->hasPicture()) return {};
    return draw(nullptr);
}

void Presenter::destroyReadback() {
    if (!ctx_ || !ctx_->device) return;
    VkDevice d = ctx_->device;
    if (rbMap_) vkUnmapMemory(d, rbBufferMemory_);
    if (rbBuffer_) vkDestroyBuffer(d, rbBuffer_, nullptr);
    if (rbBufferMemory_) vkFreeMemory(d, rbBufferMemory_, nullptr);
    if (rbFramebuffer_) vkDestroyFramebuffer(d, rbFramebuffer_, nullptr);
    if (rbView_) vkDestroyImageView(d, rbView_, nullptr);
    if (rbImage_) vkDestroyImage(d, rbImage_, nullptr);
    if (rbMemory_) vkFreeMemory(d, rbMemory_, nullptr);
    rbMap_ = nullptr;
    rbBuffer_ = VK_NULL_HANDLE;
    rbBufferMemory_ = VK_NULL_HANDLE;
    rbFramebuffer_ = VK_NULL_HANDLE;
    rbView_ = VK_NULL_HANDLE;
    rbImage_ = VK_NULL_HANDLE;
    rbMemory_ = VK_NULL_HANDLE;
    rbExtent_ = {};
}

Result<void> Presenter::readBack(std::vector<uint8_t> &rgb, int &w, int &h) {
    if (lost_ || !ctx_ || closed_) return Error::make(ErrorKind::Display, "vulkan: no device to read back from");
    if (!uploader_->hasPicture()) return Error::make(ErrorKind::Display, "vulkan: no picture yet");
    const VkExtent2D e = out_->extent();
    if (e.width == 0 || e.height == 0) return Error::make(ErrorKind::Display, "vulkan: the window is minimised");
    VkDevice d = ctx_->device;
    const VkFormat fmt = renderer_->format();
    if (rbExtent_.width != e.width || rbExtent_.height != e.height) {
        destroyReadback();
        VkImageCreateInfo ii{};
        ii.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO;
        ii.imageType = VK_IMAGE_TYPE_2D;
        ii.format = fmt;
        ii.extent = {e.width, e.height, 1};
        ii.mipLevels = 1;
        ii.arrayLayers = 1;
        ii.samples = VK_SAMPLE_COUNT_1_BIT;
        ii.tiling = VK_IMAGE_TILING_OPTIMAL;
        ii.usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
        ii.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
        VkResult r = vkCreateImage(d, &ii, nullptr, &rbImage_);
        if (r != VK_SUCCESS) return fail("vkCreateImage (read-back)", r);
        VkMemoryRequirements req;
        vkGetImageMemoryRequirements(d, rbImage_, &req);
        int type = ctx_->memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
        if (type < 0) type = ctx_->memoryType(req.memoryTypeBits, 0);
        VkMemoryAllocateInfo ai{};
        ai.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
        ai.allocationSize = req.size;
        ai.memoryTypeIndex = static_cast<uint32_t>(type);
        r = vkAllocateMemory(d, &ai, nullptr, &rbMemory_);
        if (r != VK_SUCCESS) return fail("vkAllocateMemory (read-back)", r);
        vkBindImageMemory(d, rbImage_, rbMemory_, 0);
        VkImageViewCreateInfo vi{};
        vi.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO;
        vi.image = rbImage_;
        vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
        vi.format = fmt;
        vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        r = vkCreateImageView(d, &vi, nullptr, &rbView_);
        if (r != VK_SUCCESS) return fail("vkCreateImageView (read-back)", r);
        VkFramebufferCreateInfo fi{};
        fi.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO;
        fi.renderPass = renderer_->pass(false);
        fi.attachmentCount = 1;
        fi.pAttachments = &rbView_;
        fi.width = e.width;
        fi.height = e.height;
        fi.layers = 1;
        r = vkCreateFramebuffer(d, &fi, nullptr, &rbFramebuffer_);
        if (r != VK_SUCCESS) return fail("vkCreateFramebuffer (read-back)", r);
        VkBufferCreateInfo bi{};
        bi.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
        bi.size = VkDeviceSize(e.width) * e.height * 4;
        bi.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
        r = vkCreateBuffer(d, &bi, nullptr, &rbBuffer_);
        if (r != VK_SUCCESS) return fail("vkCreateBuffer (read-back)", r);
        vkGetBufferMemoryRequirements(d, rbBuffer_, &req);
        // Cached memory: the CPU reads it.
        type = ctx_->memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
        if (type < 0) type = ctx_->memoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT);
        if (type < 0) return Error::make(ErrorKind::Display, "vulkan: no host-visible memory to read back into");
        rbCoherent_ = ctx_->memProps.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
        ai.allocationSize = req.size;
        ai.memoryTypeIndex = static_cast<uint32_t>(type);
        r = vkAllocateMemory(d, &ai, nullptr, &rbBufferMemory_);
        if (r != VK_SUCCESS) return fail("vkAllocateMemory (read-back buffer)", r);
        vkBindBufferMemory(d, rbBuffer_, rbBufferMemory_, 0);
        r = vkMapMemory(d, rbBufferMemory_, 0, VK_WHOLE_SIZE, 0, &rbMap_);
        if (r != VK_SUCCESS) return fail("vkMapMemory (read-back)", r);
        rbExtent_ = e;
    }
    VkResult r = vkResetCommandBuffer(cmd_, 0);
    if (r != VK_SUCCESS) return fail("vkResetCommandBuffer", r);
    VkCommandBufferBeginInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkBeginCommandBuffer(cmd_, &bi);
    renderer_->setPicture(*uploader_, colour_, pictureRect(e), spec_.orientation);
    uploader_->recordPrimeAcquire(cmd_);   // as in drawOnce: a surface sampled in place is the decoder's
    renderer_->record(cmd_, rbFramebuffer_, e, false, *uploader_);
    uploader_->recordPrimeRelease(cmd_);
    VkBufferImageCopy c{};
    c.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    c.imageExtent = {e.width, e.height, 1};
    vkCmdCopyImageToBuffer(cmd_, rbImage_, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, rbBuffer_, 1, &c);
    VkBufferMemoryBarrier hb{};
    hb.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER;
    hb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    hb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    hb.srcQueueFamilyIndex = hb.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    hb.buffer = rbBuffer_;
    hb.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(cmd_, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, nullptr, 1, &hb, 0, nullptr);
    r = vkEndCommandBuffer(cmd_);
    if (r != VK_SUCCESS) return fail("vkEndCommandBuffer", r);
    vkResetFences(d, 1, &fence_);
    if (auto s = submit(VK_NULL_HANDLE, VK_NULL_HANDLE); !s) return s;
    r = vkWaitForFences(d, 1, &fence_, VK_TRUE, fenceTimeoutNs());
    if (r != VK_SUCCESS) return fail("vkWaitForFences (read-back)", r);
    if (!rbCoherent_) {
        VkMappedMemoryRange mr{};
        mr.sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE;
        mr.memory = rbBufferMemory_;
        mr.size = VK_WHOLE_SIZE;
        vkInvalidateMappedMemoryRanges(d, 1, &mr);
    }
    w = static_cast<int>(e.width);
    h = static_cast<int>(e.height);
    rgb.resize(size_t(w) * h * 3);
    const uint8_t *src = static_cast<const uint8_t *>(rbMap_);
    const bool bgr = fmt == VK_FORMAT_B8G8R8A8_UNORM;
    for (size_t i = 0, n = size_t(w) * h; i < n; ++i) {
        rgb[i * 3 + 0] = src[i * 4 + (bgr ? 2 : 0)];
        rgb[i * 3 + 1] = src[i * 4 + 1];
        rgb[i * 3 + 2] = src[i * 4 + (bgr ? 0 : 2)];
    }
    return checkValidation();
}

void Presenter::close() {
    if (closed_ || !ctx_) return;
    closed_ = true;
    if (ctx_->device) vkDeviceWaitIdle(ctx_->device);
    destroyReadback();
    if (out_) out_->destroy(*ctx_);
    if (renderer_) renderer_->destroy();
    if (uploader_) uploader_->destroyImages();
    if (queries_) vkDestroyQueryPool(ctx_->device, queries_, nullptr);
    if (fence_) vkDestroyFence(ctx_->device, fence_, nullptr);
    if (pool_) vkDestroyCommandPool(ctx_->device, pool_, nullptr);
    queries_ = VK_NULL_HANDLE;
    fence_ = VK_NULL_HANDLE;
    pool_ = VK_NULL_HANDLE;
    cmd_ = VK_NULL_HANDLE;
}

} // namespace qv::vk
