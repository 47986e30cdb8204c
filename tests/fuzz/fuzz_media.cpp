// Demux, packet index and decode on mutated media. The input is put in an
// anonymous memory file (memfd) and opened by its /proc/self/fd path, so
// every real path runs: the mmap AVIO, the probe, the packet scan, the
// source's decode and its ordinal seek. Invariants: no crash or sanitizer
// report; qv info --json output parses; index facts are consistent.
// (Only qv's code is instrumented for coverage: Debian's FFmpeg is not.)
#include "fuzz.h"

#include "qv/core/json.h"
#include "qv/core/signals.h"
#include "qv/media/probe.h"
#include "qv/media/source.h"

#include "media/input.h"

#include <csignal>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace qv;

namespace {

void decodeSome(VideoSource &s, int frames) {
    FrameRef fr;
    for (int k = 0; k < frames; ++k) {
        auto r = s.next(fr);
        if (!r.ok() || r.value() == NextStatus::End) break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const bool once = [] {
        initFfmpegLogging(0);
        // qv installs its fatal-signal handlers when it first maps a file;
        // here they are installed now and the ones before them (libFuzzer's,
        // the sanitizers') put back, so a crash is recorded as one.
        const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        struct sigaction before[5];
        for (int k = 0; k < 5; ++k) sigaction(sigs[k], nullptr, &before[k]);
        sig::installFatalHandlers();
        for (int k = 0; k < 5; ++k) sigaction(sigs[k], &before[k], nullptr);
        return true;
    }();
    (void)once;
    const int fd = memfd_create("qv-fuzz", MFD_CLOEXEC);
    if (fd < 0) return 0;
    size_t off = 0;
    while (off < size) {
        const ssize_t w = ::write(fd, data + off, size - off);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
    }
    const std::string path = "/proc/self/fd/" + std::to_string(fd);

    auto facts = probeFile(path, true, true);
    if (facts.ok()) {
        auto back = json::parse(factsToJson(facts.value()));
        QV_FUZZ_CHECK(back.ok());
    }
    SourceOptions so;
    so.threads = 1;
    so.useMmap = (size & 1) == 0;   // both readers: mmap and FFmpeg's file protocol
    auto src = openFileSource(path, so);
    if (src.ok()) {
        VideoSource &s = *src.value();
        decodeSome(s, 8);
        s.startIndex();
        auto index = s.waitIndex();
        if (index) {
            const int64_t n = index->frameCount();
            QV_FUZZ_CHECK(n >= 0);
            for (int64_t k : index->keyOrdinals()) QV_FUZZ_CHECK(k >= 0);
            if (n > 0 && s.seekToOrdinal(n / 2, 0).ok()) decodeSome(s, 4);
            if (n > 0) {
                (void)index->ordinalAt(index->ptsNsOf(n - 1));
                (void)index->keyFor(n - 1, 1);
            }
        }
        (void)s.seek(0);
        decodeSome(s, 2);
    }
    ::close(fd);
    return 0;
}
