#include "qv/core/log.h"

#include <atomic>
#include <cstdio>
#include <unistd.h>

namespace qv::log {
namespace {
std::atomic<int> gVerbose{0};

void emit(const char *tag, const char *fmt, va_list ap) {
    char buf[1024];
    int n = std::snprintf(buf, sizeof buf, "qv: %s", tag);
    if (n < 0) return;
    int m = std::vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    if (m < 0) return;
    size_t len = static_cast<size_t>(n) + static_cast<size_t>(m);
    if (len > sizeof buf - 2) len = sizeof buf - 2;
    buf[len++] = '\n';
    ssize_t r = ::write(2, buf, len);
    (void)r;
}
} // namespace

void setVerbose(int level) { gVerbose.store(level); }
int verbose() { return gVerbose.load(std::memory_order_relaxed); }

#define QV_LOG_FN(name, tag, cond)                 \
    void name(const char *fmt, ...) {              \
        if (!(cond)) return;                       \
        va_list ap;                                \
        va_start(ap, fmt);                         \
        emit(tag, fmt, ap);                        \
        va_end(ap);                                \
    }
QV_LOG_FN(error, "", true)
QV_LOG_FN(warn, "warning: ", true)
QV_LOG_FN(info, "", verbose() >= 1)
QV_LOG_FN(debug, "debug: ", verbose() >= 2)
#undef QV_LOG_FN

} // namespace qv::log
