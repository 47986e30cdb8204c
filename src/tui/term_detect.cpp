#include "qv/tui/term_detect.h"

#include "qv/core/unique_fd.h"

#include "display/pixel/kitty_encoder.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace qv::tui {

void parseAnswers(const std::string &s, TermCaps &c) {
    // kitty: ESC _ G i=31;OK ESC \  (an error answer means no usable support)
    size_t k = s.find("\x1b_Gi=31;");
    if (k != std::string::npos) c.kitty = s.compare(k + 8, 2, "OK") == 0;
    // kitty, shared memory (t=s): only a terminal on this machine can read it
    size_t m = s.find("\x1b_Gi=32;");
    if (m != std::string::npos) c.kittyShm = s.compare(m + 8, 2, "OK") == 0;
    // DA1: ESC [ ? a ; b ; ... c
    size_t d = s.find("\x1b[?");
    while (d != std::string::npos) {
        size_t e = d + 3;
        while (e < s.size() && ((s[e] >= '0' && s[e] <= '9') || s[e] == ';')) ++e;
        if (e < s.size() && s[e] == 'c') {
            c.answered = true;
            const std::string attrs = ";" + s.substr(d + 3, e - d - 3) + ";";
            c.sixel = attrs.find(";4;") != std::string::npos;
            break;
        }
        d = s.find("\x1b[?", d + 1);
    }
    // XTVERSION: ESC P > | text ESC \ .
    size_t v = s.find("\x1bP>|");
    if (v != std::string::npos) {
        size_t e = s.find("\x1b\\", v);
        if (e != std::string::npos) c.version = s.substr(v + 4, e - v - 4);
    }
    // 14t: ESC [ 4 ; height ; width t
    size_t p = s.find("\x1b[4;");
    if (p != std::string::npos) {
        int h = 0, w = 0;
        if (std::sscanf(s.c_str() + p, "\x1b[4;%d;%dt", &h, &w) == 2 && h > 0 && w > 0) {
            c.xpix = w;
            c.ypix = h;
        }
    }
    char why[256];
    std::snprintf(why, sizeof why, "terminal%s%s answered: kitty graphics %s, sixel %s%s%s",
                  c.version.empty() ? "" : " ", c.version.c_str(), c.kitty ? "yes" : "no",
                  c.sixel ? "yes (DA1 attribute 4)" : "no", c.answered ? "" : " (no DA1 answer in time)",
                  c.xpix > 0 ? ", pixel size known" : "");
    c.why = why;
}

void applyHints(TermCaps &c, const char *term, const char *termProgram) {
    const std::string t = term ? term : "", p = termProgram ? termProgram : "";
    bool kitty = false, sixel = false;
    const char *said = nullptr;
    if (t.find("kitty") != std::string::npos || p == "WezTerm" || p == "ghostty") {
        kitty = true;
        said = "kitty graphics";
    } else if (t == "foot" || t.rfind("foot-", 0) == 0 || t.rfind("mlterm", 0) == 0 || p == "iTerm.app" ||
               t.rfind("yaft", 0) == 0 || t == "contour") {
        sixel = true;
        said = "sixel";
    }
    if (!said) return;
    if (c.answered) {
        c.why += std::string("; TERM/TERM_PROGRAM suggest ") + said + " (the answers decide)";
        return;
    }
    c.kitty = c.kitty || kitty;
    c.sixel = c.sixel || sixel;
    c.why += std::string("; no answer in time, so TERM/TERM_PROGRAM decide: ") + said;
}

TermCaps detectTerminal(int timeoutMs) {
    TermCaps caps;
    const UniqueFd tty(::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
    const int fd = tty.get();
    if (fd < 0) {
        caps.why = "no controlling terminal";
        return caps;
    }
    termios saved{};
    if (tcgetattr(fd, &saved) != 0) {
        caps.why = "no controlling terminal";
        return caps;
    }
    termios raw = saved;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(fd, TCSANOW, &raw);
    caps.probed = true;
    std::string q = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\";   // kitty graphics query
    // Shared memory (t=s) is worth asking about only when qv is not over
    // SSH: a 1x1 object the terminal must open itself (kitty unlinks it).
    char shmName[64] = {0};
    const bool ssh = std::getenv("SSH_CONNECTION") || std::getenv("SSH_CLIENT") || std::getenv("SSH_TTY");
    if (!ssh) {
        std::snprintf(shmName, sizeof shmName, "/qv-probe-%d", static_cast<int>(getpid()));
        const UniqueFd sfd(shm_open(shmName, O_CREAT | O_RDWR | O_TRUNC, 0600));
        if (sfd.valid()) {
            const uint8_t px[3] = {0, 0, 0};
            if (::write(sfd.get(), px, 3) == 3) {
                q += "\x1b_Gi=32,s=1,v=1,a=q,t=s,f=24,S=3;";
                pixel::base64Append(reinterpret_cast<const uint8_t *>(shmName), std::strlen(shmName), q);
                q += "\x1b\\";
            }
        } else {
            shmName[0] = 0;
        }
    }
    q += "\x1b[>q"     // XTVERSION
         "\x1b[14t"    // text area in pixels
         "\x1b[c";     // DA1, answered by all
    ssize_t w = ::write(fd, q.data(), q.size());
    (void)w;
    std::string got;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
        if (left <= 0) break;
        struct pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
        char buf[256];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
        TermCaps probe;
        parseAnswers(got, probe);
        if (probe.answered) break;   // DA1 comes last
    }
    tcsetattr(fd, TCSANOW, &saved);
    parseAnswers(got, caps);
    if (shmName[0]) shm_unlink(shmName);   // when the terminal did not take it
    if (caps.kittyShm) caps.why += ", shared memory works (local)";
    applyHints(caps, std::getenv("TERM"), std::getenv("TERM_PROGRAM"));
    return caps;
}

} // namespace qv::tui
