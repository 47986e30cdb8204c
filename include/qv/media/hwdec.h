// Hardware decoding: what --hwdec asks for, what the linked FFmpeg offers,
// and what really ran (detected from the frames' pixel format, never from
// what was asked).
//
// Contract: parseHwdec and the HwdecStatus text are pure. The queries
// (hwaccelNames, wrapperDecoders, ...) read FFmpeg's static tables and the
// machine's driver files; callable from any thread. The decoding itself is
// in VideoDecoder (video_decoder.h), the download in hw_download.h.
#pragma once

#include "qv/core/result.h"

#include <string>
#include <vector>

namespace qv {

struct HwdecRequest {
    enum class Mode {
        Default,   // no --hwdec: hardware only where `qv hwdec-probe` found it exact here, silently
        No,        // --hwdec=no
        Auto,      // --hwdec=auto: FFmpeg's own hwaccels (its parser, its reordering), never wrappers
        List,      // --hwdec=NAME[,NAME...]: tried in order (hwaccels, wrapper decoders, or any decoder by name)
    };
    Mode mode = Mode::Default;
    std::vector<std::string> names;   // List only
    // Surfaces beyond the decoder's own, for frames kept on the GPU (they
    // travel the pipeline's links and sit on the screen before they come
    // back): set where the display may take dma-bufs. 0: frames are always
    // downloaded, never kept (a few surfaces suffice).
    int keepSurfaces = 0;
    // CUDA frames kept as they are (not mapped to DRM PRIME): the display
    // takes them through FFmpeg's Vulkan hwcontext.
    bool keepHwFrames = false;
    // Other hardware frames mapped to DRM PRIME and kept (the display takes
    // dma-bufs); false: they come down.
    bool keepPrimeFrames = true;
};

// "no", "auto", "cuda,vaapi", "h264_v4l2m2m". A syntax check only (names are
// [a-z0-9_-]+, no empty entry, auto/no alone): whether this FFmpeg has a name
// is told at open, with the fallback line.
Result<HwdecRequest> parseHwdec(const std::string &s);
std::string hwdecRequestText(const HwdecRequest &r);

// The hwaccel device types this FFmpeg was built with ("cuda", "vaapi", ...),
// in FFmpeg's order.
std::vector<std::string> hwaccelNames();
// Whether name is an hwaccel device type this FFmpeg knows.
bool isHwaccelName(const std::string &name);
// Whether name is a decoder of this FFmpeg that is not the native one for its
// codec (a wrapper: h264_cuvid, h264_v4l2m2m, ...); codec: its codec's name.
bool isWrapperDecoder(const std::string &name, std::string *codec = nullptr);
// The wrapper decoders this FFmpeg has for a codec ("h264" -> h264_cuvid, ...).
std::vector<std::string> wrapperDecoders(const std::string &codec);
// The hwaccels the native decoder of a codec can use, in FFmpeg's order.
std::vector<std::string> codecHwaccels(const std::string &codec);

// What the machine's driver for an hwaccel says about itself (the NVIDIA
// driver version, the DRM render node's kernel driver and PCI ids, ...):
// part of the verdict cache's key. "unknown" when nothing can be read.
std::string hwDeviceDescription(const std::string &hwdec);
// The linked FFmpeg: "FFmpeg 5.1.8 lavc 59.37.100 lavu 57.28.100".
std::string ffmpegVersions();

// The decoders a request tries for a codec, in order: List its names; No
// none; Default and Auto read the verdict cache (hwdec_verdicts.h): Default
// only the hwaccels it says are exact here, Auto every hwaccel of the codec
// but those it says differ, exact ones first. Never wrappers unless named.
std::vector<std::string> hwdecCandidates(const HwdecRequest &req, const std::string &codec);

// The same pointer for the same name, valid for the life of the process
// (names travel in FrameInfo and SourceStats). Thread-safe; allocates only
// for a name not seen before.
const char *internName(const std::string &name);

// What a decoder did with --hwdec (the decode stage's, also for qv info and
// the probe). running: "software", an hwaccel name, or a wrapper decoder's name.
struct HwdecStatus {
    std::string asked;      // hwdecRequestText()
    std::string tried;      // the candidate that opened ("" when none did)
    std::string running = "software";
    std::string why;        // why it is software when hardware was asked for
};

} // namespace qv
