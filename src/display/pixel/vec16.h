// Sixteen bytes as one vector, in the compiler's generic vectors, for the
// pixel encoders' byte shuffling: SSSE3 on x86 (checked at run time:
// functions marked QV_VEC_TARGET run only when vectorsUsable()), NEON on
// arm64; elsewhere QV_VEC is 0 and the callers keep their plain loops.
#pragma once

#include <cstdint>

namespace qv::pixel {

typedef uint8_t V16 __attribute__((vector_size(16)));

#if defined(__x86_64__) || defined(__i386__)
#define QV_VEC 1
#define QV_VEC_TARGET __attribute__((target("ssse3")))
inline bool vectorsUsable() {
    __builtin_cpu_init();   // (needed when called before the constructors have run)
    return __builtin_cpu_supports("ssse3");
}
#elif defined(__aarch64__)
#define QV_VEC 1
#define QV_VEC_TARGET
inline bool vectorsUsable() { return true; }
#else
#define QV_VEC 0
#define QV_VEC_TARGET
inline bool vectorsUsable() { return false; }
#endif

// Lane i of the result: lane idx[i] of a's and b's 32 bytes (constants).
#if defined(__clang__)
#define QV_SHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define QV_SHUF(a, b, ...) __builtin_shuffle(a, b, V16{__VA_ARGS__})
#endif

} // namespace qv::pixel
