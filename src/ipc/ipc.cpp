#include "qv/ipc/ipc.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace qv::ipc {

Request parseRequest(std::string_view line) {
    Request r;
    if (line.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        r.error = "empty line: expected a JSON object with a command";
        return r;
    }
    json::Limits lim;
    lim.maxBytes = kMaxLineBytes;
    lim.maxDepth = kMaxRequestDepth;
    auto parsed = json::parse(line, lim);
    if (!parsed) {
        r.error = "invalid JSON: " + parsed.error().message;
        return r;
    }
    const json::Value &o = parsed.value();
    if (!o.isObject()) {
        r.error = std::string("expected a JSON object, got ") + json::typeName(o.type());
        return r;
    }
    if (const json::Value *id = o.find("request_id")) {
        if (!id->isInt()) {
            r.error = "request_id must be an integer";
            return r;
        }
        r.requestId = id->asInt();
    }
    const json::Value *cmd = o.find("command");
    if (!cmd) {
        r.error = "no command";
        return r;
    }
    if (!cmd->isArray()) {
        r.error = "command must be an array";
        return r;
    }
    if (cmd->size() == 0) {
        r.error = "no command: the command array is empty";
        return r;
    }
    if (!cmd->at(0).isString()) {
        r.error = "the command name (the array's first element) must be a string";
        return r;
    }
    r.command = cmd->at(0).asString();
    r.args.reserve(cmd->size() - 1);
    for (size_t k = 1; k < cmd->size(); ++k) r.args.push_back(cmd->at(k));
    r.ok = true;
    return r;
}

std::string successReply(int64_t requestId, std::string_view dataJson) {
    json::Writer w;
    w.beginObject().key("request_id").integer(requestId).key("error").string("success");
    if (!dataJson.empty()) w.key("data").raw(dataJson);
    w.endObject();
    return w.take();
}

std::string errorReply(int64_t requestId, std::string_view message) {
    json::Writer w;
    w.beginObject().key("request_id").integer(requestId).key("error").string(message).endObject();
    return w.take();
}

// ---- the socket ----

Server::Server(ServerLimits limits) : limits_(limits) {}

Server::~Server() {
    for (auto &c : clients_) {
        flush(c);
        ::close(c.fd);
    }
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
}

bool Server::listen(const std::string &path, std::string &error) {
    // The socket is bound and listening under a temporary name, then renamed
    // into place: a client that sees the path can connect at once (binding
    // the final name directly leaves a moment where it exists but refuses).
    std::string tmp = path + ".tmp" + std::to_string(::getpid());
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path) {
        error = "socket path too long";
        return false;
    }
    const std::string &bound = tmp.size() < sizeof a.sun_path ? tmp : path;
    std::memcpy(a.sun_path, bound.c_str(), bound.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return false;
    }
    ::unlink(bound.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, limits_.backlog) != 0 ||
        (&bound != &path && ::rename(bound.c_str(), path.c_str()) != 0)) {
        error = std::strerror(errno);
        ::unlink(bound.c_str());
        ::close(fd);
        return false;
    }
    fd_ = fd;
    path_ = path;
    return true;
}

void Server::pollFds(std::vector<struct pollfd> &fds) const {
    if (fd_ >= 0) fds.push_back({fd_, POLLIN, 0});
    for (const auto &c : clients_) {
        short ev = c.eof ? 0 : POLLIN;
        if (c.outOff < c.out.size()) ev |= POLLOUT;
        // A client at EOF with nothing to send is not polled: its hang-up
        // would wake poll() at once, again and again.
        if (ev) fds.push_back({c.fd, ev, 0});
    }
}

Server::Client *Server::find(ClientId id) {
    for (auto &c : clients_)
        if (c.id == id) return &c;
    return nullptr;
}

bool Server::connected(ClientId client) const {
    return std::any_of(clients_.begin(), clients_.end(), [&](const Client &c) { return c.id == client; });
}

bool Server::flush(Client &c) {
    while (c.outOff < c.out.size()) {
        const ssize_t w = ::send(c.fd, c.out.data() + c.outOff, c.out.size() - c.outOff, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            c.outOff += static_cast<size_t>(w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        return false;   // the client is gone
    }
    if (c.outOff == c.out.size()) {
        c.out.clear();
        c.outOff = 0;
    } else if (c.outOff > 64 * 1024) {
        c.out.erase(0, c.outOff);
        c.outOff = 0;
    }
    return c.out.size() - c.outOff <= limits_.maxQueuedBytes;
}

void Server::drop(size_t k) {
    ::close(clients_[k].fd);
    clients_.erase(clients_.begin() + static_cast<std::ptrdiff_t>(k));
}

bool Server::finished(const Client &c) const { return c.eof && c.unanswered == 0 && c.outOff == c.out.size(); }

bool Server::readClient(Client &c, std::vector<Line> &out) {
    // At most this much per call, so one client sending without pause
    // cannot keep the display thread here.
    const size_t budget = limits_.maxLineBytes + 64 * 1024;
    size_t got = 0;
    char buf[16384];
    while (!c.eof && got < budget) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            got += static_cast<size_t>(n);
            size_t start = 0;
            for (;;) {
                const void *nl = std::memchr(buf + start, '\n', static_cast<size_t>(n) - start);
                const size_t end = nl ? static_cast<size_t>(static_cast<const char *>(nl) - buf)
                                      : static_cast<size_t>(n);
                if (c.in.size() + (end - start) > limits_.maxLineBytes) {
                    // Answered, then closed: the rest of the line is never
                    // buffered.
                    c.out.append(errorReply(0, "line too long: a request is at most " +
                                                   std::to_string(limits_.maxLineBytes) + " bytes"));
                    c.out += '\n';
                    flush(c);
                    return false;
                }
                c.in.append(buf + start, end - start);
                if (!nl) break;
                out.push_back(Line{c.id, std::move(c.in)});
                c.in.clear();
                ++c.unanswered;
                start = end + 1;
            }
            continue;
        }
        if (n == 0) {
            c.eof = true;   // it may still read the answers (a half-close)
            if (!c.in.empty()) {   // a last line without its newline
                out.push_back(Line{c.id, std::move(c.in)});
                c.in.clear();
                ++c.unanswered;
            }
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return false;
    }
    return true;
}

void Server::read(std::vector<Line> &out) {
    if (fd_ < 0) return;
    // Clients that have gone are let go first, so they do not count against
    // the cap when new ones come in the same moment.
    for (size_t k = 0; k < clients_.size();) {
        Client &c = clients_[k];
        if (!flush(c) || !readClient(c, out) || finished(c)) {
            drop(k);
            continue;
        }
        ++k;
    }
    for (;;) {
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            break;   // EAGAIN: none left; EMFILE and the like: try again next time
        }
        if (clients_.size() >= limits_.maxClients) {
            const std::string e = errorReply(0, "too many clients (at most " +
                                                    std::to_string(limits_.maxClients) + ")") + "\n";
            (void)!::send(fd, e.data(), e.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            ::close(fd);
            continue;
        }
        Client c;
        c.id = nextId_++;
        c.fd = fd;
        clients_.push_back(std::move(c));
        if (!readClient(clients_.back(), out) || finished(clients_.back())) drop(clients_.size() - 1);
    }
}

void Server::reply(ClientId client, std::string_view json) {
    Client *c = find(client);
    if (!c) return;   // gone: the reply is dropped
    if (c->unanswered > 0) --c->unanswered;
    c->out.append(json);
    c->out += '\n';
    if (!flush(*c) || finished(*c)) drop(static_cast<size_t>(c - clients_.data()));
}

} // namespace qv::ipc
