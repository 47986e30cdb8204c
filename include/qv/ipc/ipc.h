// --input-ipc: JSON lines on a Unix socket, mpv-like.
//
// Request:  {"command": ["frame-step"], "request_id": 7}
// Reply:    {"request_id": 7, "error": "success", "data": {...}}
// A command that changes what is on screen is answered once the new frame is
// presented. The parser is pure (unit-tested); the server is non-blocking and
// is polled by the display thread.
#pragma once

#include "qv/core/json.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv::ipc {

struct Request {
    std::vector<std::string> args;   // command name first; numbers as text
    int64_t requestId = 0;
    bool ok = false;
    std::string error;               // when !ok
};

// Parses one JSON line with a "command" array of strings, numbers and
// booleans (booleans become "yes"/"no"). Pure.
Request parseRequest(const std::string &line);

using qv::jsonEscape;   // qv/core/json.h

class Server {
public:
    ~Server();
    // Listens at path (an existing socket file there is replaced).
    bool listen(const std::string &path, std::string &error);
    // Fds to poll for input (listen socket and clients).
    void pollFds(std::vector<int> &fds) const;
    // Accepts and reads what is ready; complete lines go to out (with the
    // client they came from).
    struct Line {
        int client;
        std::string text;
    };
    void read(std::vector<Line> &out);
    void reply(int client, const std::string &json);   // adds the newline
    bool listening() const { return fd_ >= 0; }

private:
    struct Client {
        int fd;
        std::string buf;
    };
    int fd_ = -1;
    std::string path_;
    std::vector<Client> clients_;
};

} // namespace qv::ipc
