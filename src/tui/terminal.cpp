#include "qv/tui/terminal.h"

#include "qv/core/signals.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace qv::tui {
namespace {

// Enter: alternate screen, hide cursor, clear, no autowrap.
constexpr char kEnter[] = "\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[2J";
// Leave: end a synchronized update if one was open, reset colours, autowrap
// on, show cursor, leave the alternate screen.
constexpr char kLeave[] = "\x1b[?2026l\x1b[0m\x1b[?7h\x1b[?25h\x1b[?1049l";

// Copies for the fatal-signal path (no allocation, no locks there).
struct termios gSaved;
volatile int gSavedFd = -1;
volatile int gOutFd = -1;
volatile bool gHaveSaved = false;
int gSlot = -1;   // our fatal-restore slot (sig::addFatalRestore)

void writeAll(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return;
        }
        s += w;
        n -= static_cast<size_t>(w);
    }
}

void asyncRestore(void *) {
    if (gOutFd >= 0) writeAll(gOutFd, kLeave, sizeof kLeave - 1);
    if (gHaveSaved && gSavedFd >= 0) tcsetattr(gSavedFd, TCSANOW, &gSaved);
}
} // namespace

bool queryTermSize(int fd, TermSize &out) {
    struct winsize ws {};
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) return false;
    out.cols = ws.ws_col;
    out.rows = ws.ws_row;
    out.xpix = ws.ws_xpixel;
    out.ypix = ws.ws_ypixel;
    return true;
}

Result<std::unique_ptr<TerminalGuard>> TerminalGuard::enter(int outFd, bool screen) {
    std::unique_ptr<TerminalGuard> g(new TerminalGuard());
    g->outFd_ = screen ? outFd : -1;
    if (isatty(0)) {
        g->inFd_ = 0;
    } else {
        g->ownIn_.reset(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
        g->inFd_ = g->ownIn_.get();
    }
    if (g->inFd_ >= 0) {
        struct termios t {};
        if (tcgetattr(g->inFd_, &t) == 0) {
            gSaved = t;
            gSavedFd = g->inFd_;
            gHaveSaved = true;
            t.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
            t.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
            t.c_cflag |= CS8;
            t.c_cc[VMIN] = 0;
            t.c_cc[VTIME] = 0;
            tcsetattr(g->inFd_, TCSANOW, &t);
        }
        // No O_NONBLOCK: stdin often shares its file description with
        // stdout, and VMIN=0/VTIME=0 already makes read() return at once.
    }
    gOutFd = g->outFd_;
    if (gSlot < 0) gSlot = sig::addFatalRestore(asyncRestore, nullptr, sig::kOrderTerminal);
    sig::installFatalHandlers();
    if (screen) writeAll(outFd, kEnter, sizeof kEnter - 1);
    g->active_ = true;
    return g;
}

void TerminalGuard::restore() {
    if (!active_) return;
    active_ = false;
    if (outFd_ >= 0) writeAll(outFd_, kLeave, sizeof kLeave - 1);
    if (gHaveSaved && gSavedFd == inFd_) tcsetattr(inFd_, TCSADRAIN, &gSaved);
    gHaveSaved = false;
    gOutFd = -1;
    sig::removeFatalRestore(gSlot);
    gSlot = -1;
}

TerminalGuard::~TerminalGuard() {
    restore();
}

} // namespace qv::tui
