#define QV_FFCOMPAT_VULKAN 1
#include "qv/media/vk_frames.h"

#include "qv/media/ffcompat.h"
#include "qv/media/frame.h"

#include <deque>

namespace qv {

bool vkBridgeAvailable(std::string &why) {
#if QV_FF_VK_BRIDGE
    if (av_hwdevice_find_type_by_name("vulkan") == AV_HWDEVICE_TYPE_NONE) {
        why = "this FFmpeg was built without its Vulkan hwcontext";
        return false;
    }
    return true;
#else
    why = std::string("FFmpeg ") + av_version_info() + "'s Vulkan frames have no timeline semaphores (5.0 or newer needed)";
    return false;
#endif
}

struct VkFrameBridge::State {
    VkDeviceShare dev;
    AVBufferRef *device = nullptr;   // AVHWDeviceContext (VULKAN) over dev
    AVBufferRef *frames = nullptr;   // the pool transfers go into
    int poolFmt = -1, poolW = 0, poolH = 0;
    uint64_t generation = 1;
    std::deque<AVFrame *> held;      // the taken frames, the newest last
    PFN_vkWaitSemaphores waitSemaphores = nullptr;

    ~State() {
        for (AVFrame *f : held) av_frame_free(&f);
        av_buffer_unref(&frames);
        av_buffer_unref(&device);
    }
};

VkFrameBridge::~VkFrameBridge() = default;

std::unique_ptr<VkFrameBridge> VkFrameBridge::open(const VkDeviceShare &dev, std::string &why) {
    if (!vkBridgeAvailable(why)) return nullptr;
#if QV_FF_VK_BRIDGE
    std::unique_ptr<VkFrameBridge> b(new VkFrameBridge());
    b->st_ = std::make_unique<State>();
    State &s = *b->st_;
    s.dev = dev;
    auto gdpa = reinterpret_cast<PFN_vkGetDeviceProcAddr>(dev.getInstanceProcAddr(dev.instance, "vkGetDeviceProcAddr"));
    if (gdpa) s.waitSemaphores = reinterpret_cast<PFN_vkWaitSemaphores>(gdpa(dev.device, "vkWaitSemaphores"));
    if (!s.waitSemaphores) {
        why = "the device has no vkWaitSemaphores (Vulkan 1.2 timeline semaphores)";
        return nullptr;
    }
    s.device = av_hwdevice_ctx_alloc(AV_HWDEVICE_TYPE_VULKAN);
    if (!s.device) {
        why = "no Vulkan hwcontext";
        return nullptr;
    }
    auto *hw = reinterpret_cast<AVHWDeviceContext *>(s.device->data);
    auto *vk = static_cast<AVVulkanDeviceContext *>(hw->hwctx);
    vk->get_proc_addr = dev.getInstanceProcAddr;
    vk->inst = dev.instance;
    vk->phys_dev = dev.phys;
    vk->act_dev = dev.device;
    vk->device_features = s.dev.features;
    vk->enabled_inst_extensions = s.dev.instanceExtensions.data();
    vk->nb_enabled_inst_extensions = static_cast<int>(s.dev.instanceExtensions.size());
    vk->enabled_dev_extensions = s.dev.deviceExtensions.data();
    vk->nb_enabled_dev_extensions = static_cast<int>(s.dev.deviceExtensions.size());
    ff::vkSetQueueFamily(vk, static_cast<int>(dev.family), static_cast<int>(dev.queues));
    const int r = av_hwdevice_ctx_init(s.device);
    if (r < 0) {
        why = "FFmpeg's Vulkan hwcontext did not take the display's device (" + ff::errText(r) + ")";
        return nullptr;
    }
    return b;
#else
    (void)dev;
    return nullptr;
#endif
}

bool VkFrameBridge::take(const AVFrame *f, VkPicture &out, std::string &why) {
#if QV_FF_VK_BRIDGE
    State &s = *st_;
    AVFrame *vf = av_frame_alloc();
    if (!vf) {
        why = "out of memory";
        return false;
    }
    const auto fail = [&](std::string w) {
        av_frame_free(&vf);
        why = std::move(w);
        return false;
    };
    bool direct = false;
    if (f->format == AV_PIX_FMT_VULKAN && f->hw_frames_ctx) {
        // A Vulkan frame: on this device as it is; another device's cannot
        // come over (FFmpeg has no Vulkan to Vulkan transfer).
        const auto *fc = reinterpret_cast<const AVHWFramesContext *>(f->hw_frames_ctx->data);
        const auto *vk = static_cast<const AVVulkanDeviceContext *>(fc->device_ctx->hwctx);
        if (vk->act_dev != s.dev.device) return fail("Vulkan frames of another device");
        if (av_frame_ref(vf, f) < 0) return fail("out of memory");
        direct = true;
    } else {
        const int sw = f->hw_frames_ctx ? ff::hwFrameSwFormat(f) : f->format;
        if (!s.frames || s.poolFmt != sw || s.poolW != f->width || s.poolH != f->height) {
            av_buffer_unref(&s.frames);
            s.frames = av_hwframe_ctx_alloc(s.device);
            if (!s.frames) return fail("out of memory");
            auto *fc = reinterpret_cast<AVHWFramesContext *>(s.frames->data);
            fc->format = AV_PIX_FMT_VULKAN;
            fc->sw_format = static_cast<AVPixelFormat>(sw);
            fc->width = f->width;
            fc->height = f->height;
            auto *vfc = static_cast<AVVulkanFramesContext *>(fc->hwctx);
            vfc->tiling = VK_IMAGE_TILING_OPTIMAL;
            vfc->usage = static_cast<VkImageUsageFlagBits>(VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT |
                                                           VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
            ff::vkOneImagePerPlane(vfc);
            const int r = av_hwframe_ctx_init(s.frames);
            if (r < 0) {
                av_buffer_unref(&s.frames);
                return fail(std::string("no Vulkan frames in ") + pixelFormatName(sw) + " (" + ff::errText(r) + ")");
            }
            s.poolFmt = sw;
            s.poolW = f->width;
            s.poolH = f->height;
            ++s.generation;
        }
        int r = av_hwframe_get_buffer(s.frames, vf, 0);
        if (r < 0) return fail("no Vulkan frame (" + ff::errText(r) + ")");
        r = av_hwframe_transfer_data(vf, f, 0);
        if (r < 0)
            return fail(std::string("FFmpeg cannot move ") + pixelFormatName(f->format) + " frames onto the display's device (" +
                        ff::errText(r) + ")");
        av_frame_copy_props(vf, f);
    }
    const auto *fc = reinterpret_cast<const AVHWFramesContext *>(vf->hw_frames_ctx->data);
    auto *vkf = reinterpret_cast<AVVkFrame *>(vf->data[0]);
    const int planes = av_pix_fmt_count_planes(fc->sw_format);
    if (planes < 1 || planes > 3) return fail(std::string("frames in ") + pixelFormatName(fc->sw_format));
    const VkFormat *fmts = av_vkfmt_from_pixfmt(fc->sw_format);
    VkPicture p;
    p.planes = planes;
    for (int i = 0; i < planes; ++i) {
        if (!vkf->img[i] || !fmts || fmts[i] == VK_FORMAT_UNDEFINED)
            return fail(std::string("a multi-plane Vulkan image (") + pixelFormatName(fc->sw_format) + ")");
        p.image[i] = vkf->img[i];
        p.format[i] = fmts[i];
        p.layout[i] = vkf->layout[i];
    }
    // The transfer (or the decoder) done: the planes' semaphores at their values.
    VkSemaphoreWaitInfo wi{};
    wi.sType = VK_STRUCTURE_TYPE_SEMAPHORE_WAIT_INFO;
    wi.semaphoreCount = static_cast<uint32_t>(planes);
    wi.pSemaphores = vkf->sem;
    wi.pValues = vkf->sem_value;
    const VkResult w = s.waitSemaphores(s.dev.device, &wi, s.dev.waitNs);
    if (w != VK_SUCCESS)
        return fail(w == VK_TIMEOUT ? "the copy onto the display's device did not finish in time"
                                    : "vkWaitSemaphores failed (" + std::to_string(w) + ")");
    p.width = f->width;
    p.height = f->height;
    p.swFormat = fc->sw_format;
    p.generation = s.generation;
    s.held.push_back(vf);
    // The display waits for each frame's fence: the frame two before the
    // one taken now is no longer read.
    while (s.held.size() > 3) {
        AVFrame *old = s.held.front();
        s.held.pop_front();
        av_frame_free(&old);
    }
    if (direct) ++direct_;
    else ++transfers_;
    out = p;
    return true;
#else
    (void)f;
    (void)out;
    why = "not in this FFmpeg";
    return false;
#endif
}

void VkFrameBridge::setLayout(VkImageLayout layout, VkAccessFlags access) {
#if QV_FF_VK_BRIDGE
    if (st_->held.empty()) return;
    AVFrame *vf = st_->held.back();
    const auto *fc = reinterpret_cast<const AVHWFramesContext *>(vf->hw_frames_ctx->data);
    auto *vkf = reinterpret_cast<AVVkFrame *>(vf->data[0]);
    const int planes = av_pix_fmt_count_planes(fc->sw_format);
    for (int i = 0; i < planes && i < AV_NUM_DATA_POINTERS; ++i) {
        vkf->layout[i] = layout;
        vkf->access[i] = static_cast<VkAccessFlagBits>(access);
    }
#else
    (void)layout;
    (void)access;
#endif
}

void VkFrameBridge::drop() {
    for (AVFrame *f : st_->held) av_frame_free(&f);
    st_->held.clear();
}

} // namespace qv
