// The --input-ipc request parser, the JSON parser and writer, and the
// argument readers, on arbitrary lines. Invariants: no crash; whatever the
// parser accepts, the writer writes as JSON that parses back and writes the
// same again; every reply qv would send is valid JSON.
#include "fuzz.h"

#include "qv/core/json.h"
#include "qv/ipc/args.h"
#include "qv/ipc/ipc.h"

#include <string>
#include <string_view>

using namespace qv;

namespace {

void checkReply(const std::string &reply) {
    auto back = json::parse(reply);
    QV_FUZZ_CHECK(back.ok());
    QV_FUZZ_CHECK(back.value().isObject() && back.value().find("error") != nullptr);
}

void roundTrip(std::string_view text, const json::Limits &lim) {
    auto v = json::parse(text, lim);
    if (!v.ok()) return;
    const std::string once = json::write(v.value());
    json::Limits wide = lim;
    wide.maxBytes = once.size() + 1;
    auto again = json::parse(once, wide);
    QV_FUZZ_CHECK(again.ok());
    QV_FUZZ_CHECK(json::write(again.value()) == once);
    json::Value copy = again.value();
    QV_FUZZ_CHECK(copy == again.value());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    const ipc::Request r = ipc::parseRequest(text);
    if (!r.ok) {
        QV_FUZZ_CHECK(!r.error.empty());
        checkReply(ipc::errorReply(r.requestId, r.error));
    } else {
        checkReply(ipc::successReply(r.requestId));
        // Every reader on every argument: each says yes or gives a message.
        for (size_t k = 0; k <= r.args.size(); ++k) {
            const json::Value *a = r.arg(k);
            auto n = ipc::numberArg(a, "n", -1e6, 1e6);
            QV_FUZZ_CHECK(n.ok() ? (n.value() >= -1e6 && n.value() <= 1e6) : !n.error().message.empty());
            auto i = ipc::integerArg(a, "i", -5, INT64_MAX);
            QV_FUZZ_CHECK(!i.ok() || i.value() >= -5);
            auto s = ipc::secondsArg(a, "s");
            QV_FUZZ_CHECK(!s.ok() || (s.value() >= -1000000000000000000LL && s.value() <= 1000000000000000000LL));
            (void)ipc::flagArg(a, "f");
            (void)ipc::stringArg(a, "str");
            auto f = ipc::seekFlags(a, r.arg(k + 1));
            if (!f.ok()) checkReply(ipc::errorReply(r.requestId, f.error().message));
        }
        (void)ipc::argCount(r, 1, 2);
    }
    // The parser on its own: the IPC limits, and a deep limit.
    roundTrip(text, json::Limits{});
    json::Limits deep;
    deep.maxDepth = 100000;
    roundTrip(text, deep);
    return 0;
}
