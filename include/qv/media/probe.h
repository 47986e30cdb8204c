// qv info and qv thumb: facts about a file, and one exact frame as PNG.
#pragma once

#include <atomic>
#include <utility>
#include <vector>

#include "qv/core/result.h"
#include "qv/media/stream_spec.h"

#include <cstdint>
#include <string>
#include <vector>

struct AVFrame;

namespace qv {

struct StreamFacts {
    int index = 0;
    std::string type;          // video, audio, subtitle, data, attachment
    std::string codec, codecLong, profile;
    int width = 0, height = 0;
    int sarNum = 0, sarDen = 0, darNum = 0, darDen = 0;
    double rotation = 0;       // degrees, as ffprobe reports it
    std::string pixFmt;
    int fpsNum = 0, fpsDen = 0;          // average frame rate
    int sampleRate = 0, channels = 0;
    std::string channelLayout, sampleFmt;
    int64_t bitRate = 0;
    int64_t durationMs = -1, startMs = 0;
    int64_t frames = 0;        // from the container, 0 when unknown
    // Video stream qv plays, from the packet scan: the exact frame count and
    // the ordinals of the keyframes (frameCount -1: no scan).
    int64_t exactFrames = -1;
    std::vector<int64_t> keyframes;
    double scanMs = 0;         // how long the packet scan took
    bool attachedPic = false;
};

struct MediaFacts {
    std::string path, format, formatLong;
    int64_t durationMs = -1, startMs = 0, bitRate = 0, sizeBytes = 0;
    std::vector<StreamFacts> streams;
    // The video decoder --hwdec gives this file here (what made its first
    // frame); empty asked: not looked at (no video).
    std::string decoderAsked, decoderRunning, decoderWhy;
};

// interrupt: an open or read that blocks gives up once it reads true (a
// live source); avOptions: demuxer and protocol options. A live source (not
// a regular file) is not scanned for exact frame counts: it has no end.
Result<MediaFacts> probeFile(const std::string &path, bool useMmap, bool scan = true,
                             const std::atomic<bool> *interrupt = nullptr,
                             const std::vector<std::pair<std::string, std::string>> *avOptions = nullptr);
std::string factsToText(const MediaFacts &f);
std::string factsToJson(const MediaFacts &f);

struct ThumbRequest {
    int64_t atNs = 0;
    int64_t frame = -1;        // >= 0: by frame number instead of time
    int width = 0;             // 0: the display width
    int threads = 0;
    bool useMmap = true;
};

Result<void> writeThumb(const std::string &path, const std::string &outPng, const ThumbRequest &req);
// A decoded frame, full size with spec's rotation and SAR applied, as a PNG.
Result<void> writePngFrame(const std::string &outPng, const AVFrame *frame, const StreamSpec &spec);
// An RGB24 picture (stride bytes a row) as a PNG file (FFmpeg's encoder).
Result<void> writePngRgb(const std::string &outPng, const uint8_t *rgb, int w, int h, int stride);

} // namespace qv
