// Shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp). Each target is
// built twice: with clang and -fsanitize=fuzzer in the fuzz build (tools/fuzz),
// and with replay_main.cpp in every normal build, where a unit test replays
// tests/fuzz/regressions/TARGET and the seed corpus through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

// A broken invariant: abort, so libFuzzer records the input as a crash.
#define QV_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
