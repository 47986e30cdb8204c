// Hardware frames kept on the GPU (private to src/media): when the display
// takes DRM PRIME frames (the kms display's planes), a hardware decoder's
// frames go to it as dma-bufs instead of being downloaded.
//
//   - AV_PIX_FMT_DRM_PRIME frames (v4l2m2m, rkmpp, --hwdec=drm) pass as
//     they are;
//   - other hardware frames are mapped to DRM PRIME through FFmpeg's
//     hwcontext (av_hwframe_map: VA-API exports its surface's dma-bufs);
//     the mapped frame holds the surface until it is released;
//   - a frame that cannot be mapped says why, and the caller downloads it
//     (and stops trying).
//
// PrimeStandIn (test only, QV_TEST_HWDEC_PRIME=/dev/dri/cardN): software
// decoding stands in for a hardware decoder that hands out dma-bufs. Each
// yuv420p frame is copied into a dumb buffer of that DRM device (vgem in
// the kms test's VM: another device's memory, as a decoder's would be),
// from a small pool reused like a decoder's surfaces, and handed on as a
// DRM PRIME frame, so the whole path (the decoder's choice, the scale
// stage passing it on, the kms display's import, plane choice and commit,
// the step cache refusing to hold surfaces) runs on a real kernel.
// QV_TEST_HWDEC_PRIME_MODIFIER=0x... makes its frames claim that DRM
// format modifier (a tiling): the displays' refusal and the downloads after.
//
// Contract: the decoder's thread. Frames handed out stay valid after the
// objects here are gone (their buffers are refcounted).
#pragma once

#include "qv/media/ffcompat.h"

#include <memory>
#include <string>

namespace qv {

// in (a hardware frame; unreferenced when true is returned) -> out (empty
// on entry) as a DRM PRIME frame with in's properties. False with why set
// (in untouched) when this frame has no PRIME form.
bool keepAsPrime(AVFrame *in, AVFrame *out, std::string &why);

class PrimeStandIn {
public:
    // The DRM device whose dumb buffers hold the frames; null with why set
    // when it cannot be opened.
    static std::unique_ptr<PrimeStandIn> open(const std::string &device, std::string &why);
    ~PrimeStandIn();
    PrimeStandIn(const PrimeStandIn &) = delete;
    PrimeStandIn &operator=(const PrimeStandIn &) = delete;

    // in (a yuv420p software frame; unreferenced when true is returned) ->
    // out (empty on entry), a DRM PRIME frame (YU12, one object, linear).
    bool wrap(AVFrame *in, AVFrame *out, std::string &why);

    struct Slot;    // one dumb buffer: its mapping, dma-buf and descriptor
    struct State;   // the device and the slots, shared with the frames handed out

private:
    PrimeStandIn() = default;
    State *st_ = nullptr;
};

} // namespace qv
