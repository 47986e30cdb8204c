#include "qv/core/signals.h"

#include <atomic>
#include <csignal>
#include <mutex>
#include <sys/signalfd.h>
#include <unistd.h>

namespace qv::sig {
namespace {
std::atomic<RestoreFn> gRestore{nullptr};
thread_local sigjmp_buf *tlsBusJump = nullptr;

void fatalHandler(int sig, siginfo_t *, void *) {
    if (sig == SIGBUS && tlsBusJump) {
        sigjmp_buf *target = tlsBusJump;
        tlsBusJump = nullptr;
        siglongjmp(*target, 1);
    }
    RestoreFn fn = gRestore.load();
    if (fn) fn();
    // SA_RESETHAND gave us the default action back: re-raise.
    signal(sig, SIG_DFL);
    raise(sig);
}
} // namespace

sigjmp_buf *&busJumpTarget() { return tlsBusJump; }

void setFatalRestore(RestoreFn fn) { gRestore.store(fn); }

void installFatalHandlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = fatalHandler;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        for (int s : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(s, &sa, nullptr);
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
