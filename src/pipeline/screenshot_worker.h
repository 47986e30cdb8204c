// Screenshots (`s`, IPC `screenshot`): the exact frame on screen written as
// a full-size PNG by a worker thread, so the display thread never waits for
// an encoder. A file's frame is decoded again from the file (rotation and
// SAR applied, as `qv thumb` does); a live source's, which cannot be read
// again, from the live window's packets with a decoder of the worker's own,
// or else the picture on screen as it is shown. One at a time; its
// completion is an eventfd the display loop polls.
#pragma once

#include "qv/core/unique_fd.h"
#include "qv/media/frame.h"
#include "qv/media/live_window.h"
#include "qv/media/probe.h"
#include "qv/media/stream_spec.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qv {

class VideoDecoder;

class ScreenshotWorker {
public:
    ScreenshotWorker();
    ~ScreenshotWorker();

    // A live source: the decoder its frames are decoded again with (opened
    // from the playing demuxer's stream, software; it outlives the worker);
    // used on the worker's thread only, one shot at a time.
    void setLiveDecoder(VideoDecoder *dec) { liveDec_ = dec; }

    bool busy() const { return busy_; }
    // Starts writing; false when one is still being written. With rgb (the
    // picture a display read back, w x h RGB24) that picture is written;
    // without, the frame is decoded again from input, full size.
    bool start(const std::string &input, const std::string &png, const ThumbRequest &req, uint64_t tag,
               std::shared_ptr<std::vector<uint8_t>> rgb = nullptr, int w = 0, int h = 0);
    // A live source's frame `ordinal`: decoded again from snap (full size,
    // spec's rotation and SAR) when it holds the frame and there is a live
    // decoder; otherwise `shown`, the picture on screen, as it is shown (a
    // copy is taken now: a display's own buffers go with the display).
    bool startLive(const std::string &png, uint64_t tag, std::shared_ptr<const LiveSnapshot> snap, int64_t ordinal,
                   const StreamSpec &spec, const AVFrame *shown);
    // Readable when a shot finished.
    int doneFd() const { return done_.get(); }
    // The finished shot: its tag, and "" or the error. False when none.
    bool take(uint64_t &tag, std::string &path, std::string &error);
    // Shots of a live source decoded from the window / written as shown.
    int64_t liveDecoded() const { return liveDecoded_.load(std::memory_order_relaxed); }
    int64_t liveAsShown() const { return liveAsShown_.load(std::memory_order_relaxed); }

private:
    bool run(const std::string &png, uint64_t tag, std::function<Result<void>()> job);

    UniqueFd done_;
    std::thread thread_;
    std::mutex m_;
    bool busy_ = false;          // display thread
    bool finished_ = false;      // under m_
    uint64_t tag_ = 0;
    std::string path_, error_;
    VideoDecoder *liveDec_ = nullptr;
    std::atomic<bool> cancel_{false};   // the destructor: a decode from the window stops
    std::atomic<int64_t> liveDecoded_{0}, liveAsShown_{0};
};

// Decodes frame `ordinal` of a live window's snapshot with dec (from the
// keyframe before it); an error when the snapshot does not hold it or it
// does not decode.
Result<AvFramePtr> decodeFromSnapshot(VideoDecoder &dec, const LiveSnapshot &snap, int64_t ordinal,
                                      const std::atomic<bool> *cancel = nullptr);

} // namespace qv
