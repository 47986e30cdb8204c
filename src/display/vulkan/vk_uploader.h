// Uploader: the decoded picture's planes into images of their own format
// (R8, RG8, R16, RG16, ...), through persistently mapped staging memory.
//
// Zero copy on the CPU side: the uploader is the display's FrameSink. The
// scale stage asks it (acquire(), on qv-scale) for a staging slot and writes
// the frame's planes straight into it (av_image_copy of the decoded planes,
// or a repack where the renderer does not take the decoded format); the
// display thread then only records a buffer-to-image copy per plane. A frame
// that did not come through a slot (all slots held: the step cache keeps
// frames while paused) is copied into the display's own slot first.
//
// Slots: kSinkSlots per picture size and format; one is free again when the
// frame holding it is released (its AVBufferRef's free callback, any thread).
// The GPU has finished reading a slot when present() returns (the display
// waits for each frame's fence), so a released slot is free at once.
//
// Threads: acquire() on qv-scale; everything else on the display thread. The
// staging memory stays mapped until the destructor, which runs after every
// frame came home (Player::releaseFrames()), as the kms display's buffers do.
#pragma once

#include "vk_context.h"
#include "vk_layout.h"
#include "vk_prime.h"

#include "qv/display/display.h"
#include "qv/media/vk_frames.h"

#include <atomic>
#include <memory>
#include <vector>

namespace qv::vk {

VkFormat vkFormatOf(TexFormat f);

class Uploader final : public FrameSink {
public:
    static constexpr int kSinkSlots = 6;   // qv-scale's, three in the ring, the one on screen, one spare

    explicit Uploader(Context &ctx) : ctx_(ctx) {}
    ~Uploader() override;

    // Display thread: staging slots for pictures of this format and size
    // (the scale stage's target); new ones when it changes (the old ones
    // stay until the destructor: frames may still hold them).
    Result<void> configure(int avFormat, int width, int height);

    // qv-scale: a free slot set up as dst for a picture of this target.
    bool acquire(const ScaleTarget &target, AVFrame *dst) override;

    // Display thread: records into cmd what puts frame f into the plane
    // images (barriers, one copy per plane). Images are (re)made when the
    // picture's size or format changes; cmd must be waited for before the
    // next call.
    Result<void> record(VkCommandBuffer cmd, const AVFrame *f);

    // Display thread: a DRM PRIME frame (a hardware decoder's dma-bufs)
    // becomes the picture (vk_prime.h): its surface is imported the first
    // time, then taken over from the decoder (a queue family acquire) and
    // sampled in place (images over the dma-bufs, until the next record()),
    // or copied on the GPU into the plane images (buffers).
    Result<void> recordPrime(VkCommandBuffer cmd, const PrimeFrame &f);
    // Display thread: a frame on this device from FFmpeg's Vulkan hwcontext
    // (vk_frames.h: a CUDA frame copied over, or a Vulkan one) becomes the
    // picture, its plane images sampled in place; moved from pic's layouts
    // to SHADER_READ_ONLY_OPTIMAL here (the bridge is told after).
    Result<void> recordFfmpeg(VkCommandBuffer cmd, const VkPicture &pic);
    // Display thread, before recordPrime(): what can refuse the frame (no
    // import, a layout this device cannot take, the import itself): an
    // error here means the frame cannot be shown by this display at all.
    Result<void> preparePrime(const PrimeFrame &f);
    // Around every draw that samples a PRIME surface in place: its planes
    // taken over from the decoder's queue family, then given back.
    void recordPrimeAcquire(VkCommandBuffer cmd) { primeBarriers(cmd, true); }
    void recordPrimeRelease(VkCommandBuffer cmd) { primeBarriers(cmd, false); }
    const PrimeSurfaces *prime() const { return prime_.get(); }

    bool hasPicture() const { return hasPicture_; }
    const UploadLayout &layout() const { return active_ ? active_->layout : layout_; }
    int width() const { return active_ ? active_->w : width_; }
    int height() const { return active_ ? active_->h : height_; }
    int planeWidth(int p) const { return active_ ? active_->plane[p].w : images_[p].w; }
    int planeHeight(int p) const { return active_ ? active_->plane[p].h : images_[p].h; }
    // The view to sample for plane p (a 1x1 placeholder beyond the planes).
    VkImageView view(int p) const;
    bool linear(int p) const {
        if (p >= layout().planes) return true;
        return active_ ? active_->plane[p].linear : images_[p].linear;
    }
    // True once after the plane images were made again (descriptors to update).
    bool imagesChanged() {
        const bool c = imagesChanged_;
        imagesChanged_ = false;
        return c;
    }

    // Display thread: the views of FFmpeg's images go (the frames holding
    // them are about to; none on screen is sampled any more).
    void destroyFfmpegViews() {
        const bool onScreen = active_ && active_->ffmpeg;
        dropFfmpeg();
        if (onScreen) {
            hasPicture_ = false;
            imagesChanged_ = true;
        }
    }
    // Display thread, before the device goes (release()).
    void destroyImages();

    int64_t direct() const { return direct_; }
    int64_t copied() const { return copied_; }
    size_t stagingBytes() const { return stagingBytes_; }

private:
    struct Slot {
        VkBuffer buffer = VK_NULL_HANDLE;
        VkDeviceMemory memory = VK_NULL_HANDLE;
        uint8_t *map = nullptr;
        size_t size = 0;
        bool coherent = true;
        std::atomic<int> state{0};   // 0 free, 1 held by a frame
    };
    struct Generation {
        int format = -1, width = 0, height = 0;
        StagingLayout staging;
        Slot slots[kSinkSlots];
    };
    struct PlaneImage {
        VkImage image = VK_NULL_HANDLE;
        VkDeviceMemory memory = VK_NULL_HANDLE;
        VkImageView view = VK_NULL_HANDLE;
        int w = 0, h = 0;
        bool linear = true;
    };

    static void slotFree(void *opaque, uint8_t *);
    Result<void> makeSlot(Slot &s, size_t bytes);
    void freeSlot(Slot &s);
    Result<void> makeImage(PlaneImage &im, VkFormat f, int w, int h);
    void freeImage(PlaneImage &im);
    Result<void> ensureImages(const UploadLayout &l, int w, int h);
    void recordCopy(VkCommandBuffer cmd, const UploadLayout &l, const VkBuffer buf[3], const size_t offset[3],
                    const int stride[3]);
    const Slot *slotOf(const AVFrame *f) const;
    uint32_t foreignFamily() const;
    void primeBarriers(VkCommandBuffer cmd, bool acquire);
    void dropPrime();   // the imported surfaces freed (none in use)
    Result<void> ensurePlaceholder(VkCommandBuffer cmd);   // made and cleared once (no upload to give it a byte)
    void dropFfmpeg();  // the views of FFmpeg's images (none in use)

    Context &ctx_;
    std::vector<std::unique_ptr<Generation>> gens_;   // the last is current
    std::atomic<Generation *> current_{nullptr};      // read by qv-scale
    Slot copySlot_;                                   // the display's own
    int rowAlign_ = 64, planeAlign_ = 64;
    UploadLayout layout_;
    int width_ = 0, height_ = 0;
    PlaneImage images_[3];
    PlaneImage placeholder_;
    bool placeholderReady_ = false;
    std::unique_ptr<PrimeSurfaces> prime_;
    PrimeSurfaces::Surface *active_ = nullptr;   // the PRIME surface sampled, or null: images_
    PrimeSurfaces::Surface *prepared_ = nullptr; // preparePrime()'s, for the next recordPrime()
    // FFmpeg's Vulkan frames seen, by their first image (views made once
    // for each image of the pool; all go when the pool is made again).
    std::vector<std::unique_ptr<PrimeSurfaces::Surface>> ffmpeg_;
    uint64_t ffmpegGeneration_ = 0, ffmpegClock_ = 0;
    bool hasPicture_ = false, imagesChanged_ = false;
    int64_t direct_ = 0, copied_ = 0;
    size_t stagingBytes_ = 0;
};

} // namespace qv::vk
