#include "qv/core/signals.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <ctime>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qv::sig {
namespace {
// A slot is claimed by CAS on fn; ctx and order are written before fn is
// published, so the handler never sees a half-filled slot.
struct Slot {
    std::atomic<RestoreFn> fn{nullptr};
    std::atomic<void *> ctx{nullptr};
    std::atomic<int> order{0};
    std::atomic<int> seq{0};
    std::atomic<bool> claimed{false};
};
Slot gSlots[kMaxSlots];
std::atomic<int> gSeq{0};
std::atomic<int> gWriters{0};     // picture writes in flight (outputEnter)
std::atomic<bool> gDying{false};  // a fatal signal came: no more picture output

// Waits for the picture writes in flight, at most 300 ms (nanosleep is
// async-signal-safe); the faulting thread may be one of them.
void quiesceOutput() {
    gDying.store(true);
    for (int i = 0; i < 300 && gWriters.load() > 0; ++i) {
        struct timespec ms{0, 1000000};
        nanosleep(&ms, nullptr);
    }
}
thread_local sigjmp_buf *tlsBusJump = nullptr;

// One thread_local stack per thread that asked, freed at thread exit.
struct AltStack {
    void *mem = nullptr;
    ~AltStack() {
        if (!mem) return;
        stack_t off {};
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, nullptr);
        std::free(mem);
    }
};
thread_local AltStack tlsAltStack;

void runSlots() {
    bool done[kMaxSlots] = {};
    for (;;) {   // at most kMaxSlots passes, no allocation
        int best = -1;
        for (int i = 0; i < kMaxSlots; ++i) {
            if (done[i] || !gSlots[i].fn.load()) continue;
            if (best < 0 || gSlots[i].order.load() < gSlots[best].order.load() ||
                (gSlots[i].order.load() == gSlots[best].order.load() && gSlots[i].seq.load() > gSlots[best].seq.load()))
                best = i;
        }
        if (best < 0) return;
        done[best] = true;
        if (RestoreFn fn = gSlots[best].fn.load()) fn(gSlots[best].ctx.load());
    }
}

// What was installed before qv's handler (a sanitizer's, say): run after the
// slots, so ASan still reports a SEGV or a stack overflow with its stack trace.
constexpr int kFatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
struct sigaction gPrevious[NSIG];

void fatalHandler(int sig, siginfo_t *info, void *uctx) {
    if (sig == SIGBUS && tlsBusJump) {
        sigjmp_buf *target = tlsBusJump;
        tlsBusJump = nullptr;
        siglongjmp(*target, 1);
    }
    static std::atomic<bool> once{false};
    if (!once.exchange(true)) {   // a second fault inside a slot: do not loop
        quiesceOutput();
        runSlots();
    }
    const struct sigaction &prev = gPrevious[sig];
    if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
        prev.sa_sigaction(sig, info, uctx);   // a sanitizer's handler reports and exits
    } else if (!(prev.sa_flags & SA_SIGINFO) && prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
    }
    // The default action back, then re-raise (blocked until we return).
    signal(sig, SIG_DFL);
    raise(sig);
}
} // namespace

sigjmp_buf *&busJumpTarget() { return tlsBusJump; }

bool outputEnter() {
    gWriters.fetch_add(1);
    if (!gDying.load()) return true;
    gWriters.fetch_sub(1);
    return false;
}

void outputLeave() { gWriters.fetch_sub(1); }

int addFatalRestore(RestoreFn fn, void *ctx, int order) {
    if (!fn) return -1;
    for (int i = 0; i < kMaxSlots; ++i) {
        bool expect = false;
        if (!gSlots[i].claimed.compare_exchange_strong(expect, true)) continue;
        gSlots[i].ctx.store(ctx);
        gSlots[i].order.store(order);
        gSlots[i].seq.store(gSeq.fetch_add(1) + 1);
        gSlots[i].fn.store(fn);
        return i;
    }
    return -1;
}

void removeFatalRestore(int slot) {
    if (slot < 0 || slot >= kMaxSlots) return;
    gSlots[slot].fn.store(nullptr);
    gSlots[slot].ctx.store(nullptr);
    gSlots[slot].claimed.store(false);
}

void installAltStack() {
    if (tlsAltStack.mem) return;
    // Keep one the thread has already (ASan gives every thread its own).
    stack_t cur {};
    if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= 16 * 1024) return;
    // SIGSTKSZ is not a constant in newer glibc; 64 KiB is plenty for the slots.
    const size_t size = 64 * 1024;
    void *mem = std::malloc(size);
    if (!mem) return;
    stack_t ss {};
    ss.ss_sp = mem;
    ss.ss_size = size;
    if (sigaltstack(&ss, nullptr) != 0) {
        std::free(mem);
        return;
    }
    tlsAltStack.mem = mem;
}

void installFatalHandlers() {
    installAltStack();
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = fatalHandler;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        for (int s : kFatal) sigaction(s, &sa, &gPrevious[s]);
    });
}

int blockAndOpenSignalFd() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGWINCH, SIGQUIT}) sigaddset(&set, s);
    // SIGUSR1/2 are blocked too but read elsewhere: they are the VT switch
    // signals of the kms display (VT_PROCESS), which reads them from its own
    // signalfd.
    sigset_t blocked = set;
    sigaddset(&blocked, SIGUSR1);
    sigaddset(&blocked, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

} // namespace qv::sig
