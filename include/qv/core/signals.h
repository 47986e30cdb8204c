// Process-wide signal handling.
//
// - Ordinary signals (INT, TERM, HUP, PIPE, WINCH, QUIT) are blocked in every
//   thread and read from a signalfd by the display loop: no handler ever
//   calls exit().
// - Fatal signals (SEGV, BUS, ILL, FPE, ABRT) run a handler, on an alternate
//   signal stack where the thread has one (a stack overflow still restores),
//   that calls every registered restore slot (async-signal-safe code only:
//   the terminal's modes, the KMS screen, the VT), lowest order first, then
//   the handler that was installed before (ASan's: its report), then
//   re-raises with the default action.
// - SIGBUS inside a guarded mmap copy (media/mmap_io) jumps back to the copy
//   site instead, so a file shrinking under its mapping is not fatal.
#pragma once

#include <csetjmp>

namespace qv::sig {

// Block the ordinary signals in the calling thread (call before creating
// threads so they inherit the mask) and return a signalfd for them.
int blockAndOpenSignalFd();

// Install the fatal handlers (idempotent) and an alternate signal stack for
// the calling thread.
void installFatalHandlers();
// An alternate signal stack for the calling thread (idempotent per thread;
// freed when the thread ends; one the thread has already is kept). Every
// thread qv starts calls it first.
void installAltStack();

// Restore slots run on a fatal signal. fn(ctx) must be async-signal-safe
// (ioctl, write, tcsetattr: no malloc, no locks, no stdio) and must work on
// what ctx points to, which stays valid until the slot is removed. Slots run
// in ascending order (ties: the later added first); kOrder* below say who is
// where. addFatalRestore returns a slot id (-1: all kMaxSlots are taken).
// Any thread; removeFatalRestore waits for nothing.
using RestoreFn = void (*)(void *ctx);
constexpr int kMaxSlots = 8;
constexpr int kOrderScreen = 10;     // the KMS CRTC and planes, DRM master
constexpr int kOrderConsole = 20;    // the VT: KD_TEXT, VT_AUTO
constexpr int kOrderTerminal = 30;   // terminal modes (raw input, alternate screen)
int addFatalRestore(RestoreFn fn, void *ctx, int order);
void removeFatalRestore(int slot);

// Picture output to the terminal, one write at a time: the fatal handler
// waits (at most 300 ms) for writes in flight before the slots restore the
// terminal, and after a fatal signal outputEnter() says no, so no picture
// lands on the normal screen once the alternate one is left.
bool outputEnter();   // false: the process is dying, write nothing
void outputLeave();

// Used by the mmap reader: while set, SIGBUS in this thread longjmps here.
sigjmp_buf *&busJumpTarget();

} // namespace qv::sig
