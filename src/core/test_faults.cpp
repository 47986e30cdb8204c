#include "qv/core/test_faults.h"

#include "qv/core/log.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace qv::sig {
namespace {
// Each level keeps 4 KiB of volatile stack alive across the call, so the
// compiler can neither drop the frames nor turn the recursion into a loop.
// The bound is never reached: 1 << 30 levels of 4 KiB is far past any stack.
__attribute__((noinline)) int recurse(int n) {
    volatile char pad[4096];
    pad[n & 4095] = static_cast<char>(n);
    return n > 1 << 30 ? pad[0] : recurse(n + 1) + pad[(n * 7) & 4095];
}

struct Armed {
    bool on = false;
    FaultPlan plan;
};

Armed readPlan() {
    Armed a;
    const char *s = std::getenv("QV_TEST_FAULT");
    if (!s || !*s) return a;
    if (!parseFaultPlan(s, a.plan)) {
        log::warn("QV_TEST_FAULT=%s: not KIND[:THREAD[:N]] (ignored)", s);
        return a;
    }
    a.on = true;
    return a;
}

std::atomic<long> gCount[4];
} // namespace

bool parseFaultPlan(const char *spec, FaultPlan &out) {
    FaultPlan p;
    const char *c1 = std::strchr(spec, ':');
    const size_t kindLen = c1 ? static_cast<size_t>(c1 - spec) : std::strlen(spec);
    if (kindLen == 4 && std::strncmp(spec, "segv", 4) == 0)
        p.overflow = false;
    else if (kindLen == 14 && std::strncmp(spec, "stack-overflow", 14) == 0)
        p.overflow = true;
    else
        return false;
    if (c1) {
        const char *t = c1 + 1;
        const char *c2 = std::strchr(t, ':');
        const size_t len = c2 ? static_cast<size_t>(c2 - t) : std::strlen(t);
        static const struct {
            const char *name;
            FaultSite site;
        } kSites[] = {{"main", FaultSite::Main}, {"display", FaultSite::Display},
                      {"demux", FaultSite::Demux}, {"decode", FaultSite::Decode}};
        bool found = false;
        for (const auto &k : kSites)
            if (std::strlen(k.name) == len && std::strncmp(t, k.name, len) == 0) {
                p.site = k.site;
                found = true;
            }
        if (!found) return false;
        if (c2) {
            char *end = nullptr;
            const long n = std::strtol(c2 + 1, &end, 10);
            if (end == c2 + 1 || *end || n < 1) return false;
            p.after = n;
        }
    }
    out = p;
    return true;
}

void testFault(FaultSite site) {
    static const Armed armed = readPlan();
    if (!armed.on || armed.plan.site != site) return;
    const long n = gCount[static_cast<int>(site)].fetch_add(1, std::memory_order_relaxed) + 1;
    if (site != FaultSite::Main && n < armed.plan.after) return;
    if (armed.plan.overflow) (void)recurse(0);
    raise(SIGSEGV);
}

} // namespace qv::sig
