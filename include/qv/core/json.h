// JSON for qv: one strict parser and one writer, used for every JSON qv
// reads or writes (the --input-ipc socket, qv info --json, qv frames --json).
// qv's own code, not a library: see docs/ARCHITECTURE.md for why.
//
// Parser: iterative (no recursion, so no input can exhaust the stack), with a
// byte limit and a nesting limit; strict RFC 8259 (trailing junk, raw control
// characters in strings, invalid UTF-8, lone surrogates, leading zeros,
// numbers that overflow a double and duplicate object keys are all refused);
// \u escapes decoded to UTF-8, surrogate pairs included. Numbers keep whether
// they were written as integers: "5" is Int, "5.0" and "5e0" are Real (and an
// integer beyond int64 is Real too).
//
// Value: a parsed (or built) JSON value. Destruction and copying are
// iterative as well, so a deep value built in code cannot overflow the stack
// either. Not thread-safe; a const Value may be read from several threads.
//
// Writer: appends JSON text to a string, with qv's separators (", " between
// items, ": " after a key), so the stable formats in the README stay byte for
// byte what they were. Pure; no I/O.
#pragma once

#include "qv/core/result.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qv::json {

enum class Type : uint8_t { Null, Bool, Int, Real, String, Array, Object };

// The name of a type as error messages use it ("a number", "a string", ...).
const char *typeName(Type t);

class Value {
public:
    Value() = default;   // null
    static Value boolean(bool b);
    static Value integer(int64_t i);
    static Value real(double d);
    static Value string(std::string s);
    static Value array();
    static Value object();

    Value(const Value &o);
    Value(Value &&o) noexcept;
    Value &operator=(const Value &o);
    Value &operator=(Value &&o) noexcept;
    ~Value();

    Type type() const { return type_; }
    bool isNull() const { return type_ == Type::Null; }
    bool isBool() const { return type_ == Type::Bool; }
    bool isInt() const { return type_ == Type::Int; }
    bool isReal() const { return type_ == Type::Real; }
    bool isNumber() const { return type_ == Type::Int || type_ == Type::Real; }
    bool isString() const { return type_ == Type::String; }
    bool isArray() const { return type_ == Type::Array; }
    bool isObject() const { return type_ == Type::Object; }

    // Each gives a neutral value (false, 0, "") for another type: check first.
    bool asBool() const { return type_ == Type::Bool && u_.b; }
    int64_t asInt() const { return type_ == Type::Int ? u_.i : 0; }
    double asDouble() const;   // Int or Real
    const std::string &asString() const { return s_; }

    // Arrays: items; objects: members in the order written.
    size_t size() const { return items_.size(); }
    const Value &at(size_t k) const;               // a null Value past the end
    const std::string &keyAt(size_t k) const;      // objects: member k's name
    const Value *find(std::string_view key) const;   // objects: nullptr when absent

    // Building. push: arrays; set: objects (replaces a member of that name).
    Value &push(Value v);
    Value &set(std::string key, Value v);

    bool operator==(const Value &o) const;   // deep, iterative; Int 1 != Real 1.0
    bool operator!=(const Value &o) const { return !(*this == o); }

private:
    void releaseChildren() noexcept;
    Value shallowCopy() const;   // everything but the children

    Type type_ = Type::Null;
    union {
        bool b;
        int64_t i;
        double d;
    } u_{};
    std::string s_;                  // String
    std::vector<Value> items_;       // Array items, Object member values
    std::vector<std::string> keys_;  // Object member names (parallel to items_)

    friend class Parser;
};

struct Limits {
    size_t maxBytes = 1 << 20;   // longer text is refused before it is read
    int maxDepth = 64;           // arrays and objects nested deeper are refused
};

// One JSON value: the whole of text, with surrounding whitespace only.
// Errors (ErrorKind::Format) name the byte offset: "byte 12: expected ':'".
Result<Value> parse(std::string_view text, const Limits &limits = {});

class Writer {
public:
    Writer() = default;
    // Writes into buf, cleared first (its capacity is reused).
    explicit Writer(std::string buf) : out_(std::move(buf)) { out_.clear(); }

    Writer &beginObject();
    Writer &endObject();
    Writer &beginArray();
    Writer &endArray();
    Writer &key(std::string_view name);   // in an object, before each value

    Writer &null();
    Writer &boolean(bool b);
    Writer &integer(int64_t i);
    // digits 0: the shortest text that reads back as v ("%g" where that is
    // exact: 90, -0.5, 1e+21); digits N: printf's %.Ng. NaN and the
    // infinities have no JSON form: null.
    Writer &real(double v, int digits = 0);
    // printf's %.Nf (decimals 0..17): 0.480000. NaN and infinities: null.
    Writer &fixed(double v, int decimals);
    // Escaped: '"', '\\', control characters (\n and \t by name, the rest
    // \u00XX); bytes that are not UTF-8 become U+FFFD, so the output is
    // always valid JSON.
    Writer &string(std::string_view s);
    Writer &value(const Value &v);        // iterative
    // A value already written as JSON by qv itself (not checked).
    Writer &raw(std::string_view json);

    const std::string &str() const { return out_; }
    std::string take() { return std::move(out_); }
    // One whole value written, every container closed.
    bool complete() const { return stack_.empty() && wrote_; }

private:
    void beforeValue();
    std::string out_;
    std::vector<uint8_t> stack_;   // per open container: 1 once it has an item
    bool afterKey_ = false;
    bool wrote_ = false;
};

// A JSON string literal (quotes included), as Writer::string writes it.
std::string quoted(std::string_view s);

// Serialises v (no trailing newline).
std::string write(const Value &v);

} // namespace qv::json
