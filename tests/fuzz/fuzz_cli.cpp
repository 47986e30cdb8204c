// The command line parser: the input is argv, NUL-separated. Also the time
// and size parsers on every argument. Invariants: no crash; an accepted
// command line names a command; errors have a message.
#include "fuzz.h"

#include "app/cli.h"

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::vector<std::string> args{"qv"};
    std::string cur;
    for (size_t k = 0; k < size && args.size() < 64; ++k) {
        if (data[k] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(data[k]);
        }
    }
    if (!cur.empty() || size == 0) args.push_back(cur);
    std::vector<char *> argv;
    for (auto &a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto r = qv::app::parseArgs(static_cast<int>(args.size()), argv.data());
    if (r.ok()) QV_FUZZ_CHECK(!r.value().command.empty());
    else QV_FUZZ_CHECK(!r.error().message.empty());
    for (const auto &a : args) {
        auto t = qv::app::parseTime(a);
        if (!t.ok()) QV_FUZZ_CHECK(!t.error().message.empty());
        auto s = qv::app::parseSize(a);
        if (s.ok()) QV_FUZZ_CHECK(s.value() >= 0);
    }
    return 0;
}
