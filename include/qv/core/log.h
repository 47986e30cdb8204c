// Logging to stderr. One line per message, prefixed "qv: ".
// Thread-safe (a single write(2) per line). Verbose lines only with -v.
#pragma once

#include <cstdarg>

namespace qv::log {

void setVerbose(int level);
int verbose();
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   // -v
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  // -vv

} // namespace qv::log
