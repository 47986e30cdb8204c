// Process-wide signal handling.
//
// - Ordinary signals (INT, TERM, HUP, PIPE, WINCH, QUIT) are blocked in every
//   thread and read from a signalfd by the display loop: no handler ever
//   calls exit().
// - Fatal signals (SEGV, BUS, ILL, FPE, ABRT) run a handler that calls the
//   registered async-signal-safe restore function (terminal modes), then
//   re-raises with the default action.
// - SIGBUS inside a guarded mmap copy (media/mmap_io) jumps back to the copy
//   site instead, so a file shrinking under its mapping is not fatal.
#pragma once

#include <csetjmp>

namespace qv::sig {

// Block the ordinary signals in the calling thread (call before creating
// threads so they inherit the mask) and return a signalfd for them.
int blockAndOpenSignalFd();

// Install the fatal handlers (idempotent).
void installFatalHandlers();

// The restore function run on a fatal signal (async-signal-safe code only).
using RestoreFn = void (*)();
void setFatalRestore(RestoreFn fn);

// Used by the mmap reader: while set, SIGBUS in this thread longjmps here.
sigjmp_buf *&busJumpTarget();

} // namespace qv::sig
