#include "qv/ipc/ipc.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace qv::ipc {
namespace {

struct Cursor {
    const std::string &s;
    size_t i = 0;
    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    }
    bool eat(char c) {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool string(std::string &out) {
        ws();
        if (i >= s.size() || s[i] != '"') return false;
        ++i;
        out.clear();
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c == '\\' && i < s.size()) {
                char e = s[i++];
                switch (e) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case 'u':
                    if (i + 4 > s.size()) return false;
                    c = static_cast<char>(std::strtol(s.substr(i, 4).c_str(), nullptr, 16) & 0x7f);
                    i += 4;
                    break;
                default: c = e; break;
                }
            }
            out += c;
        }
        if (i >= s.size()) return false;
        ++i;
        return true;
    }
    // A scalar as text: string, number, true/false/null.
    bool scalar(std::string &out) {
        ws();
        if (i < s.size() && s[i] == '"') return string(out);
        size_t start = i;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '+' ||
                                s[i] == '.'))
            ++i;
        if (i == start) return false;
        out = s.substr(start, i - start);
        if (out == "true") out = "yes";
        else if (out == "false") out = "no";
        return true;
    }
    // Skips any JSON value.
    bool skip() {
        ws();
        if (i >= s.size()) return false;
        if (s[i] == '{' || s[i] == '[') {
            const char close = s[i] == '{' ? '}' : ']';
            ++i;
            if (eat(close)) return true;
            for (;;) {
                if (close == '}') {
                    std::string k;
                    if (!string(k) || !eat(':')) return false;
                }
                if (!skip()) return false;
                if (eat(',')) continue;
                return eat(close);
            }
        }
        std::string v;
        return scalar(v);
    }
};

} // namespace

Request parseRequest(const std::string &line) {
    Request r;
    Cursor c{line};
    if (!c.eat('{')) {
        r.error = "not a JSON object";
        return r;
    }
    bool haveCommand = false;
    if (!c.eat('}')) {
        for (;;) {
            std::string key;
            if (!c.string(key) || !c.eat(':')) {
                r.error = "bad JSON";
                return r;
            }
            if (key == "command") {
                if (!c.eat('[')) {
                    r.error = "command must be an array";
                    return r;
                }
                if (!c.eat(']')) {
                    for (;;) {
                        std::string v;
                        if (!c.scalar(v)) {
                            r.error = "command arguments must be strings or numbers";
                            return r;
                        }
                        r.args.push_back(v);
                        if (c.eat(',')) continue;
                        if (c.eat(']')) break;
                        r.error = "bad JSON";
                        return r;
                    }
                }
                haveCommand = true;
            } else if (key == "request_id") {
                std::string v;
                if (!c.scalar(v)) {
                    r.error = "bad request_id";
                    return r;
                }
                r.requestId = std::strtoll(v.c_str(), nullptr, 10);
            } else if (!c.skip()) {
                r.error = "bad JSON";
                return r;
            }
            if (c.eat(',')) continue;
            if (c.eat('}')) break;
            r.error = "bad JSON";
            return r;
        }
    }
    if (!haveCommand || r.args.empty()) {
        r.error = "no command";
        return r;
    }
    r.ok = true;
    return r;
}


Server::~Server() {
    for (auto &c : clients_) ::close(c.fd);
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
    if (::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0 ||
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

void Server::pollFds(std::vector<int> &fds) const {
    if (fd_ >= 0) fds.push_back(fd_);
    for (const auto &c : clients_) fds.push_back(c.fd);
}

void Server::read(std::vector<Line> &out) {
    if (fd_ < 0) return;
    for (;;) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) break;
        clients_.push_back(Client{c, {}});
    }
    for (size_t k = 0; k < clients_.size();) {
        Client &cl = clients_[k];
        bool gone = false;
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(cl.fd, buf, sizeof buf);
            if (n > 0) {
                cl.buf.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) gone = true;
            break;
        }
        size_t nl;
        while ((nl = cl.buf.find('\n')) != std::string::npos) {
            std::string line = cl.buf.substr(0, nl);
            cl.buf.erase(0, nl + 1);
            if (line.find_first_not_of(" \t\r") != std::string::npos) out.push_back(Line{cl.fd, line});
        }
        if (gone) {
            ::close(cl.fd);
            clients_.erase(clients_.begin() + static_cast<long>(k));
            continue;
        }
        ++k;
    }
}

void Server::reply(int client, const std::string &json) {
    std::string s = json + "\n";
    size_t off = 0;
    int spins = 0;
    while (off < s.size()) {
        ssize_t w = ::send(client, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += static_cast<size_t>(w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EINTR) && ++spins < 1000) {
            usleep(1000);
            continue;
        }
        break;   // the client is gone or stuck: drop the reply
    }
}

} // namespace qv::ipc
