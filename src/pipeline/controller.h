// Controller: keys (from the terminal or a window) and control-socket lines
// become Intents, carried out through the PlayerPort; requests are answered
// when done (commands that change the picture: when the new frame is on
// screen; screenshots: when the PNG is written). Display thread only.
#pragma once

#include "player_port.h"
#include "qv/ipc/ipc.h"
#include "qv/pipeline/intent.h"
#include "qv/tui/keys.h"

#include <cstdint>
#include <string>
#include <vector>

namespace qv {

class Controller {
public:
    explicit Controller(PlayerPort &port) : port_(port) {}

    // Listens on the control socket (--input-ipc); false with a reason.
    bool listen(const std::string &path, std::string &error);
    ipc::Server &server() { return server_; }

    // A key, from any display. The `g` prompt takes keys first.
    void key(const tui::Key &k);
    // Every complete line the socket has: each one is answered.
    void readSocket();
    // A frame was presented: answer whoever waited for one.
    void frameShown();
    // Nothing will be shown (a step at the last frame, say): answer now.
    void answerWaiting() { frameShown(); }
    // The packet index arrived: go-tos that waited for it go now.
    void indexReady();
    void shotDone(uint64_t tag, const std::string &path, const std::string &error);
    // An export finished: summary (its one line) or error.
    void exportDone(uint64_t tag, const std::string &path, const std::string &summary, const std::string &error);
    // The `g` prompt while it is open ("go to frame: 12_"), else null.
    const char *prompt() const { return promptOpen_ ? prompt_ : nullptr; }
    // Answers everyone still waiting (the player stops).
    void finish();

private:
    using ClientId = ipc::ClientId;
    struct Origin {
        bool ipc = false;
        ClientId client{};
        int64_t requestId = 0;
    };
    struct Waiting {
        ClientId client;
        int64_t requestId;
    };
    void apply(const Intent &i, const Origin &o);
    void navigate(const NavAction &a, const Origin &o);
    void ok(const Origin &o, const std::string &data = {});
    void fail(const Origin &o, const std::string &message);
    void promptKey(const tui::Key &k);

    PlayerPort &port_;
    ipc::Server server_;
    std::vector<ipc::Server::Line> lines_;
    std::vector<Waiting> waitingFrame_;
    struct WaitingIndex {
        Origin origin;
        int64_t frame;
    };
    std::vector<WaitingIndex> waitingIndex_;
    struct WaitingShot {
        Origin origin;
        uint64_t tag;
    };
    std::vector<WaitingShot> waitingShot_;
    uint64_t shotTag_ = 0;
    std::vector<WaitingShot> waitingExport_;
    uint64_t exportTag_ = 0;
    bool promptOpen_ = false;
    char digits_[20] = {0};
    char prompt_[48] = {0};
};

} // namespace qv
