// The parser of what a terminal answers to qv's queries (kitty graphics,
// DA1, XTVERSION, 14t). Invariants: no crash; pixel sizes are positive or 0.
#include "fuzz.h"

#include "qv/tui/term_detect.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string bytes(reinterpret_cast<const char *>(data), size);
    qv::tui::TermCaps caps;
    caps.probed = true;
    qv::tui::parseAnswers(bytes, caps);
    QV_FUZZ_CHECK(caps.xpix >= 0 && caps.ypix >= 0);
    QV_FUZZ_CHECK((caps.xpix > 0) == (caps.ypix > 0));
    QV_FUZZ_CHECK(caps.version.size() <= bytes.size());
    qv::tui::applyHints(caps, "xterm-kitty", "WezTerm");
    qv::tui::applyHints(caps, bytes.c_str(), bytes.c_str());
    return 0;
}
