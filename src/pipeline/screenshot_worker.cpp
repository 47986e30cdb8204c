#include "screenshot_worker.h"

#include "qv/core/signals.h"
#include "qv/media/video_decoder.h"
#include "qv/pipeline/waiter.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace qv {

ScreenshotWorker::ScreenshotWorker() : done_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ScreenshotWorker::~ScreenshotWorker() {
    cancel_.store(true);
    if (thread_.joinable()) thread_.join();
}

bool ScreenshotWorker::run(const std::string &png, uint64_t tag, std::function<Result<void>()> job) {
    if (busy_) return false;
    if (thread_.joinable()) thread_.join();
    busy_ = true;
    thread_ = std::thread([this, png, tag, job = std::move(job)] {
        pthread_setname_np(pthread_self(), "qv-shot");
        sig::installAltStack();   // the fatal handler runs even after a stack overflow
        auto r = job();
        {
            std::lock_guard<std::mutex> lk(m_);
            finished_ = true;
            tag_ = tag;
            path_ = png;
            error_ = r ? std::string() : r.error().message;
        }
        const uint64_t one = 1;
        (void)!::write(done_.get(), &one, sizeof one);
    });
    return true;
}

bool ScreenshotWorker::start(const std::string &input, const std::string &png, const ThumbRequest &req, uint64_t tag,
                             std::shared_ptr<std::vector<uint8_t>> rgb, int w, int h) {
    return run(png, tag, [input, png, req, rgb, w, h]() -> Result<void> {
        return rgb ? writePngRgb(png, rgb->data(), w, h, w * 3) : writeThumb(input, png, req);
    });
}

bool ScreenshotWorker::startLive(const std::string &png, uint64_t tag, std::shared_ptr<const LiveSnapshot> snap,
                                 int64_t ordinal, const StreamSpec &spec, const AVFrame *shown) {
    if (busy_) return false;
    VideoDecoder *dec = liveDec_;
    // The picture as shown, copied (a KMS or Vulkan display's buffer is freed
    // with the display, which may go before this thread ends).
    auto held = std::make_shared<FrameRef>();
    if (shown) held->frame = deepCopyFrame(shown);
    return run(png, tag, [this, png, snap, ordinal, spec, dec, held]() -> Result<void> {
        const AVFrame *pic = nullptr;
        StreamSpec as = spec;
        Result<AvFramePtr> decoded = Error::make(ErrorKind::Decode, "no live window");
        if (dec && snap) decoded = decodeFromSnapshot(*dec, *snap, ordinal, &cancel_);
        if (decoded) {
            pic = decoded.value().get();
            liveDecoded_.fetch_add(1, std::memory_order_relaxed);
        } else if (held->frame) {
            // The picture as shown: already scaled, rotated and square-pixelled.
            pic = held->frame.get();
            as = StreamSpec{};
            liveAsShown_.fetch_add(1, std::memory_order_relaxed);
        } else {
            return decoded.takeError();
        }
        return writePngFrame(png, pic, as);
    });
}

bool ScreenshotWorker::take(uint64_t &tag, std::string &path, std::string &error) {
    drainEventFd(done_.get());
    std::lock_guard<std::mutex> lk(m_);
    if (!finished_) return false;
    finished_ = false;
    busy_ = false;
    tag = tag_;
    path = path_;
    error = error_;
    return true;
}

Result<AvFramePtr> decodeFromSnapshot(VideoDecoder &dec, const LiveSnapshot &snap, int64_t ordinal,
                                      const std::atomic<bool> *cancel) {
    const int64_t k = snap.index ? snap.index->keyFor(ordinal, 0) : -1;
    if (k < 0) return Error::make(ErrorKind::Decode, "the live window no longer holds that frame");
    dec.setIndex(snap.index);
    dec.flush(false);
    size_t next = static_cast<size_t>(k);
    PacketRef pkt;
    bool ended = false;
    while (!(cancel && cancel->load())) {
        FrameRef fr;
        const auto got = dec.receive(fr);
        if (got == VideoDecoder::Got::Frame) {
            if (!fr.info.ordinalExact || fr.info.ordinal < ordinal) continue;
            if (fr.info.ordinal > ordinal) break;
            return std::move(fr.frame);
        }
        if (got != VideoDecoder::Got::NeedInput || ended) break;
        if (!snap.packet(next++, pkt)) {
            ended = true;
            dec.sendEnd();
            continue;
        }
        dec.send(pkt);
    }
    return Error::make(ErrorKind::Decode, "that frame did not decode from the live window");
}

} // namespace qv
