// The key parser (terminal bytes to keys), fed in chunks the input chooses,
// with and without the ESC flush. Invariants: no crash; every byte is
// consumed in the end (a flush leaves nothing pending).
#include "fuzz.h"

#include "qv/tui/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    const size_t chunk = 1 + data[0] % 16;   // how the bytes arrive
    const bool flushEach = data[0] & 0x80;
    ++data;
    --size;
    qv::tui::KeyParser p;
    qv::tui::Key k;
    size_t keys = 0;
    for (size_t off = 0; off < size; off += chunk) {
        const size_t n = off + chunk <= size ? chunk : size - off;
        p.feed(reinterpret_cast<const char *>(data + off), n);
        while (p.next(k, flushEach)) {
            (void)qv::tui::commandFor(k);
            ++keys;
        }
    }
    while (p.next(k, true)) {
        (void)qv::tui::commandFor(k);
        ++keys;
    }
    QV_FUZZ_CHECK(!p.pendingEscape());
    QV_FUZZ_CHECK(keys <= size);
    return 0;
}
