#include "term_out.h"

#include "qv/core/log.h"
#include "qv/core/signals.h"
#include "qv/sync/clock.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace qv {
Result<void> TermOut::write(const std::string &s) {
    one_.clear();   // grows once
    one_.push_back(iovec{const_cast<char *>(s.data()), s.size()});
    return write(one_);
}

Result<void> TermOut::write(std::vector<iovec> &iov) {
    const int64_t t0 = monotonicNs();
    int64_t total = 0;
    size_t i = 0;
    while (i < iov.size() && iov[i].iov_len == 0) ++i;
    while (i < iov.size()) {
        const int n = static_cast<int>(std::min<size_t>(iov.size() - i, 512));   // IOV_MAX is at least 1024
        if (!sig::outputEnter()) return {};   // dying: the terminal is being put back
        ssize_t w = ::writev(fd_, iov.data() + i, n);
        sig::outputLeave();
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd pfd{fd_, POLLOUT, 0};
                poll(&pfd, 1, 100);
                continue;
            }
            Error e = Error::make(ErrorKind::Display, std::strerror(errno), "write(terminal)");
            e.source = ErrorSource::Posix;
            e.native = errno;
            return e;
        }
        bytes_ += w;
        total += w;
        size_t left = static_cast<size_t>(w);
        while (i < iov.size() && left >= iov[i].iov_len) {
            left -= iov[i].iov_len;
            ++i;
        }
        if (left > 0) {
            iov[i].iov_base = static_cast<char *>(iov[i].iov_base) + left;
            iov[i].iov_len -= left;
        }
        while (i < iov.size() && iov[i].iov_len == 0) ++i;
    }
    const int64_t t1 = monotonicNs();
    gov_.wrote(t1, total, t1 - t0);
    return {};
}

void TermOut::noteLevel() {
    const int l = gov_.level();
    if (l == loggedLevel_) return;
    loggedLevel_ = l;
    log::info("terminal link: level %d, picture at %.2f of its size%s", l, LinkGovernor::scaleOf(l),
              LinkGovernor::coarseAt(l) ? ", coarse colours (the cheaper encoding)" : "");
}

bool TermOut::ready(int64_t now) {
    int queued = -1;
    if (::ioctl(fd_, TIOCOUTQ, &queued) != 0) queued = -1;
    queued_ = queued;
    return gov_.ready(now, queued);
}

void TermOut::decided(int64_t now, bool sent) { gov_.decided(now, queued_, sent); }

bool TermOut::appendStatus(std::string &out, const std::string &status, std::string &last, int row, int cols) {
    if (status == last) return false;
    last = status;
    char pos[32];
    int n = std::snprintf(pos, sizeof pos, "\x1b[0m\x1b[%d;1H", row);
    out.append(pos, static_cast<size_t>(n));
    out.append(status, 0, std::min(status.size(), static_cast<size_t>(cols > 0 ? cols : 0)));
    out += "\x1b[K";
    return true;
}

} // namespace qv
