// null: takes frames and drops them (benchmarks, headless runs).
#include "null_display.h"

namespace qv {
namespace {
class NullDisplay final : public Display {
public:
    const char *name() const override { return "null"; }
    Result<ScaleTarget> configure(const StreamSpec &) override { return ScaleTarget{}; }
    Result<Shown> present(const FrameRef &) override { return Shown::Yes; }
};
} // namespace

DisplayEntry nullDisplayEntry() {
    return {"null", "discard frames (benchmarks, headless runs)", 0,
            [](const DisplayOptions &) { return ProbeResult{true, "always available"}; },
            [](const DisplayOptions &) -> Result<std::unique_ptr<Display>> {
                return std::unique_ptr<Display>(new NullDisplay());
            }};
}

} // namespace qv
