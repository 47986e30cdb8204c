// The command line: one option table is the source of truth for the parser,
// --help and the README's option list (tests check all three agree).
#pragma once

#include "qv/core/result.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qv::app {

// What an option's value must be; the parser checks it, so a command never
// sees a value out of range.
enum class OptType {
    Text,     // anything (checked by its user: a path, a geometry)
    Int,      // an integer in [min, max]
    Real,     // a finite number in [min, max]
    Time,     // seconds or [[hh:]mm:]ss[.frac], in [min, max] seconds
    Size,     // bytes with an optional K/M/G suffix, in [min, max] bytes
    Choice,   // one of `choices` ("a|b|c")
};

struct OptionSpec {
    const char *longName;    // without the leading "--"
    char shortName;          // 0: none
    const char *argName;     // nullptr: a flag
    const char *commands;    // which commands take it: "play", "info", "thumb", "export", "all"
    const char *help;
    OptType type = OptType::Text;
    double min = 0, max = 0;
    const char *choices = nullptr;
    bool optionalValue = false;   // --name or --name=VALUE (never takes the next word)
};

const std::vector<OptionSpec> &optionTable();
// The sub-commands, "play" first (the parser, --help and the completion use it).
const std::vector<std::string> &commandNames();
bool isCommand(const std::string &s);

struct ParsedArgs {
    std::string command = "play";
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;   // long name -> value ("" for flags)
    int verbose = 0;
    bool has(const char *name) const { return values.count(name) != 0; }
    std::string get(const char *name, const std::string &def = {}) const {
        auto it = values.find(name);
        return it == values.end() ? def : it->second;
    }
    // Typed values (checked by parseArgs against the table's type and range).
    int64_t integer(const char *name, int64_t def = 0) const;
    double real(const char *name, double def = 0) const;
    int64_t timeNs(const char *name, int64_t def = 0) const;
    int64_t bytes(const char *name, int64_t def = 0) const;
};

Result<ParsedArgs> parseArgs(int argc, char **argv);
std::string helpText();

// "90", "1.5", "01:30", "1:02:03.5" -> nanoseconds.
Result<int64_t> parseTime(const std::string &s);
// "1M", "256MiB", "1000000" -> bytes.
Result<int64_t> parseSize(const std::string &s);

} // namespace qv::app
