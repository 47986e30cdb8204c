// Screenshots (`s`, IPC `screenshot`): the exact frame on screen written as
// a full-size PNG by a worker thread (decoded again from the file with
// rotation and SAR applied, as `qv thumb` does), so the display thread never
// waits for an encoder. One at a time; its completion is an eventfd the
// display loop polls.
#pragma once

#include "qv/core/unique_fd.h"
#include "qv/media/probe.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qv {

class ScreenshotWorker {
public:
    ScreenshotWorker();
    ~ScreenshotWorker();

    bool busy() const { return busy_; }
    // Starts writing; false when one is still being written. With rgb (the
    // picture a display read back, w x h RGB24) that picture is written;
    // without, the frame is decoded again from input, full size.
    bool start(const std::string &input, const std::string &png, const ThumbRequest &req, uint64_t tag,
               std::shared_ptr<std::vector<uint8_t>> rgb = nullptr, int w = 0, int h = 0);
    // Readable when a shot finished.
    int doneFd() const { return done_.get(); }
    // The finished shot: its tag, and "" or the error. False when none.
    bool take(uint64_t &tag, std::string &path, std::string &error);

private:
    UniqueFd done_;
    std::thread thread_;
    std::mutex m_;
    bool busy_ = false;          // display thread
    bool finished_ = false;      // under m_
    uint64_t tag_ = 0;
    std::string path_, error_;
};

} // namespace qv
