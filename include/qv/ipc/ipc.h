// --input-ipc: JSON lines on a Unix socket, mpv-like.
//
// Request:  {"command": ["frame-step"], "request_id": 7}
// Reply:    {"request_id": 7, "error": "success", "data": {...}}
//           {"request_id": 7, "error": "what was wrong"}
// Every line gets exactly one reply (an empty or unparsable line an error);
// a command that changes what is on screen is answered once the new frame is
// presented. The request parser and the reply builders are pure
// (unit-tested, fuzzed); the argument readers are in qv/ipc/args.h.
//
// The server never blocks its caller (the display thread): sockets are
// non-blocking, replies wait in a bounded queue per client and go out when
// poll() says the client can take them; a client that lets its queue grow
// past the bound is disconnected, never waited for. A line longer than the
// line limit is answered with an error and its connection closed, so no
// client can make qv buffer more than the limit. Clients are named by a
// 64-bit id that is never reused, so a reply for a client that has gone is
// dropped, never delivered to a later client that got the same fd.
#pragma once

#include "qv/core/json.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct pollfd;

namespace qv::ipc {

// ---- requests and replies (pure) ----

struct Request {
    bool ok = false;
    std::string error;               // when !ok: the message for the error reply
    int64_t requestId = 0;           // also when !ok, where the line had a readable one
    std::string command;             // "command"[0]
    std::vector<json::Value> args;   // "command"[1..], typed as sent
    // Argument k (0 = the first after the command name); nullptr when absent.
    const json::Value *arg(size_t k) const { return k < args.size() ? &args[k] : nullptr; }
};

// Limits for one request line (the server refuses longer lines before this).
constexpr size_t kMaxLineBytes = 64 * 1024;
constexpr int kMaxRequestDepth = 16;

// One line: a JSON object with "command", a non-empty array whose first
// element is a string, and optionally "request_id", an integer. Other members
// are ignored (mpv's "async"). Strict: the line must be exactly one JSON
// value (trailing junk refused), within kMaxLineBytes and kMaxRequestDepth.
Request parseRequest(std::string_view line);

// {"request_id": N, "error": "success"} or, with dataJson (a JSON value
// written by json::Writer), {"request_id": N, "error": "success", "data": D}.
std::string successReply(int64_t requestId, std::string_view dataJson = {});
// {"request_id": N, "error": "MESSAGE"}
std::string errorReply(int64_t requestId, std::string_view message);

// ---- the socket ----

using ClientId = uint64_t;   // 1, 2, 3, ... never reused within a Server; 0: none

struct ServerLimits {
    size_t maxLineBytes = kMaxLineBytes;   // longer: an error reply, then the connection closes
    size_t maxQueuedBytes = 256 * 1024;    // replies waiting for one client; past this it is dropped
    size_t maxClients = 128;               // more at once are told so and closed
    int backlog = 128;                     // pending connections the kernel holds (bursts)
};

// Contract: one thread (the display thread) calls everything; no call blocks.
class Server {
public:
    explicit Server(ServerLimits limits = {});
    // Queued replies get one last non-blocking try; the socket file is removed.
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Listens at path (an existing socket file there is replaced).
    bool listen(const std::string &path, std::string &error);
    bool listening() const { return fd_ >= 0; }

    // Appends what to poll: the listening socket and the clients (POLLIN;
    // POLLOUT as well while replies wait for a client).
    void pollFds(std::vector<struct pollfd> &fds) const;

    struct Line {
        ClientId client;
        std::string text;   // without the newline
    };
    // Accepts new clients, sends what waits, reads what is there; complete
    // lines go to out, in order per client. Each line must get one reply().
    void read(std::vector<Line> &out);

    // Queues one reply line (json, the newline added) and sends what the
    // socket takes now. Dropped when the client has gone.
    void reply(ClientId client, std::string_view json);

    bool connected(ClientId client) const;
    size_t clientCount() const { return clients_.size(); }

private:
    struct Client {
        ClientId id = 0;
        int fd = -1;
        std::string in;         // bytes of an incomplete line
        std::string out;        // replies not yet sent, from outOff
        size_t outOff = 0;
        size_t unanswered = 0;  // lines handed out and not yet replied to
        bool eof = false;       // the client sent all it will send
    };
    Client *find(ClientId id);
    bool flush(Client &c);                // false: the client is gone
    void drop(size_t k);                  // closes and removes clients_[k]
    bool readClient(Client &c, std::vector<Line> &out);   // false: close it
    bool finished(const Client &c) const;

    ServerLimits limits_;
    int fd_ = -1;
    std::string path_;
    std::vector<Client> clients_;
    ClientId nextId_ = 1;
};

} // namespace qv::ipc
