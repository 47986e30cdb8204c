// Presenter: one frame at a time from the uploader through the renderer to
// an output (window, display or headless), and back (screenshots).
//
// Per frame (show()): acquire the output's image, record the plane copies
// and the draw into one command buffer, submit, present (FIFO), then wait:
// for the present itself where the driver reports it (VK_KHR_present_wait),
// and for the frame's fence. That wait gives the present latency the
// scheduler learns (presentLatencyNs), keeps one frame in flight (so staging
// slots, uniforms and descriptors are never in use when written) and makes a
// lost device known at the frame that lost it.
//
// Threads: the display thread (open() to close()); the destructor, which
// frees the staging memory, the device and the instance, runs after every
// frame came home (the uploader's contract).
#pragma once

#include "vk_context.h"
#include "vk_layout.h"
#include "vk_output.h"
#include "vk_renderer.h"
#include "vk_uploader.h"

#include "qv/media/stream_spec.h"
#include "qv/sync/clock.h"

#include <memory>
#include <vector>

namespace qv::vk {

class Presenter {
public:
    explicit Presenter(std::unique_ptr<Output> out) : out_(std::move(out)) {}
    ~Presenter();
    Presenter(const Presenter &) = delete;
    Presenter &operator=(const Presenter &) = delete;

    // The instance (with the output's extensions), its surface, the device,
    // the renderer and the output's images.
    Result<void> open(bool validation, const std::string &deviceHint, bool ffmpegFrames = false);
    // The stream to show: staging for the scale stage's target (the decoded
    // size, in uploadFormatFor(spec.pixFmt)), and SAR and orientation.
    Result<ScaleTarget> configure(const StreamSpec &spec);
    FrameSink *sink() { return uploader_.get(); }

    // Uploads f and presents it.
    Result<void> show(const AVFrame *f);
    // f, a DRM PRIME frame described by pf: sampled in place (its dma-bufs
    // imported, vk_prime.h), presented.
    // What can refuse a PRIME frame (vk_uploader.h), before showPrime():
    // an error means this display cannot take the decoder's frames.
    Result<void> preparePrime(const PrimeFrame &pf);
    Result<void> showPrime(const AVFrame *f, const PrimeFrame &pf);
    // f, a frame FFmpeg's Vulkan hwcontext put on this device (pic,
    // vk_frames.h): its planes sampled in place, presented.
    Result<void> showFfmpeg(const AVFrame *f, const VkPicture &pic);
    // Before the frames whose images the uploader made views of go.
    void dropFfmpegViews() {
        if (uploader_) uploader_->destroyFfmpegViews();
    }
    bool primeImport() const { return ctx_ && ctx_->primeImport; }
    bool primeInPlace() const { return ctx_ && ctx_->primeModifiers; }
    // Presents the picture it has again (resized, exposed).
    Result<void> redraw();
    // The output's size may have changed: rebuild before the next draw.
    void resized() { rebuild_ = true; }
    // The picture as the output shows it, drawn again offscreen at the
    // output's size and read back: RGB24 rows of w * 3 bytes.
    Result<void> readBack(std::vector<uint8_t> &rgb, int &w, int &h);
    // Display thread, at the end: waits for the GPU, destroys the output and
    // everything drawn with (the staging memory, device and instance stay).
    void close();

    Output &output() { return *out_; }
    Context *context() { return ctx_.get(); }
    int64_t latencyNs() const { return latency_.value(); }
    int64_t frames() const { return frames_; }
    double gpuMsPerFrame() const { return gpuFrames_ ? gpuNs_ / 1e6 / double(gpuFrames_) : -1; }
    bool presentTimesReported() const { return presentTimes_; }
    const Uploader *uploader() const { return uploader_.get(); }
    // The colour facts of the frame shown last.
    const ColourFacts &colour() const { return colour_; }

private:
    Result<void> draw(const AVFrame *upload);
    Result<void> drawOnce(const AVFrame *upload, Presented &outcome);
    Result<void> rebuild();
    Result<void> submit(VkSemaphore wait, VkSemaphore signal);
    Error fail(const std::string &what, VkResult r);
    Result<void> checkValidation();
    uint64_t fenceTimeoutNs() const;
    Rect pictureRect(VkExtent2D e) const;

    std::unique_ptr<Output> out_;
    std::unique_ptr<Context> ctx_;
    std::unique_ptr<Uploader> uploader_;
    std::unique_ptr<Renderer> renderer_;
    VkCommandPool pool_ = VK_NULL_HANDLE;
    VkCommandBuffer cmd_ = VK_NULL_HANDLE;
    VkFence fence_ = VK_NULL_HANDLE;
    VkQueryPool queries_ = VK_NULL_HANDLE;
    // read-back target
    VkImage rbImage_ = VK_NULL_HANDLE;
    VkDeviceMemory rbMemory_ = VK_NULL_HANDLE;
    VkImageView rbView_ = VK_NULL_HANDLE;
    VkFramebuffer rbFramebuffer_ = VK_NULL_HANDLE;
    VkBuffer rbBuffer_ = VK_NULL_HANDLE;
    VkDeviceMemory rbBufferMemory_ = VK_NULL_HANDLE;
    void *rbMap_ = nullptr;
    bool rbCoherent_ = true;
    VkExtent2D rbExtent_{};
    void destroyReadback();

    StreamSpec spec_;
    ColourFacts colour_;
    const PrimeFrame *prime_ = nullptr;   // showPrime()'s frame, during its draw
    const VkPicture *ffmpeg_ = nullptr;   // showFfmpeg()'s frame, during its draw
    bool rebuild_ = false, lost_ = false, closed_ = false;
    uint64_t presentId_ = 0;
    LatencyEstimator latency_;
    bool presentTimes_ = false;
    int64_t frames_ = 0, gpuFrames_ = 0;
    double gpuNs_ = 0;
    uint64_t tsMask_ = ~0ull;
};

} // namespace qv::vk
