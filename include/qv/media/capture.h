// Capture devices (issue 14): a V4L2 camera named "/dev/videoN" or
// "v4l2://PATH[?size=WxH&fps=N&format=F]", opened through libavdevice's
// video4linux2 input. A raw format (YUYV, NV12, ...) goes through FFmpeg's
// rawvideo "decoder", which references the packet's buffer where it can
// rather than copying it; MJPEG and H.264 go through their decoders. A capture device
// is a live source: no index scan, no second open for audio, latency shown.
//
// parseCaptureInput is pure (unit-tested); openCaptureFormat needs a build
// with libavdevice (meson finds it; without it the open fails with one line).
#pragma once

#include "qv/media/ffcompat.h"

#include <string>
#include <utility>
#include <vector>

namespace qv {

struct CaptureInput {
    std::string device;                                        // "/dev/video0"
    std::vector<std::pair<std::string, std::string>> options;   // video4linux2's: video_size, framerate, input_format
};

// True when `input` names a capture device. err is set (and false returned)
// when it does but a parameter is malformed: "size=abc", an unknown key.
bool parseCaptureInput(const std::string &input, CaptureInput &out, std::string &err);
// True for "/dev/videoN" and "v4l2://..." (without checking the parameters).
bool looksLikeCapture(const std::string &input);

// libavdevice's video4linux2 input (registered once), or nullptr when this
// qv was built without libavdevice or FFmpeg has no V4L2 support.
ff::InputFormatPtr captureFormat();
// Whether this build has capture support at all.
bool captureBuiltIn();

} // namespace qv
