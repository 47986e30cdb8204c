// Opening a decoder for --hwdec (private to src/media): the candidates of a
// request, tried in order, each either opened or given a reason.
#pragma once

#include "input.h"
#include "qv/media/hwdec.h"

#include <string>

namespace qv {

// What get_format chose (the decoder context's opaque points here; it must
// outlive the context).
struct HwFormatChoice {
    int hwFmt = -1;          // the hardware pixel format asked for
    bool refused = false;    // get_format was not offered it: software frames
    std::string offered;     // what it was offered instead
};

struct HwOpen {
    CodecCtxPtr ctx;         // null: nothing opened, decode in software
    std::string name;        // the candidate that opened
    bool wrapper = false;
    bool asked = false;      // hardware was asked for (a fallback is worth a line)
    std::string why;         // each candidate that did not open, and why
};

HwOpen openHardware(const std::string &path, AVStream *st, const HwdecRequest &req, HwFormatChoice &choice);

} // namespace qv
