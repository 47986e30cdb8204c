#include "json_util.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace qv::json {
using namespace detail;
namespace {
const Value kNull;
const std::string kEmpty;
} // namespace

const char *typeName(Type t) {
    switch (t) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Int: return "an integer";
    case Type::Real: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
    }
    return "?";
}

// ---- Value ----

Value Value::boolean(bool b) {
    Value v;
    v.type_ = Type::Bool;
    v.u_.b = b;
    return v;
}

Value Value::integer(int64_t i) {
    Value v;
    v.type_ = Type::Int;
    v.u_.i = i;
    return v;
}

Value Value::real(double d) {
    Value v;
    v.type_ = Type::Real;
    v.u_.d = d;
    return v;
}

Value Value::string(std::string s) {
    Value v;
    v.type_ = Type::String;
    v.s_ = std::move(s);
    return v;
}

Value Value::array() {
    Value v;
    v.type_ = Type::Array;
    return v;
}

Value Value::object() {
    Value v;
    v.type_ = Type::Object;
    return v;
}

Value Value::shallowCopy() const {
    Value v;
    v.type_ = type_;
    v.u_ = u_;
    v.s_ = s_;
    v.keys_ = keys_;
    return v;
}

Value::Value(const Value &o) : type_(o.type_), u_(o.u_), s_(o.s_), keys_(o.keys_) {
    // Children level by level with an explicit work list, not recursion.
    std::vector<std::pair<const Value *, Value *>> work{{&o, this}};
    while (!work.empty()) {
        auto [src, dst] = work.back();
        work.pop_back();
        dst->items_.reserve(src->items_.size());
        for (const Value &c : src->items_) dst->items_.push_back(c.shallowCopy());
        for (size_t k = 0; k < src->items_.size(); ++k)
            if (!src->items_[k].items_.empty()) work.emplace_back(&src->items_[k], &dst->items_[k]);
    }
}

Value::Value(Value &&o) noexcept
    : type_(o.type_), u_(o.u_), s_(std::move(o.s_)), items_(std::move(o.items_)), keys_(std::move(o.keys_)) {
    o.type_ = Type::Null;
}

Value &Value::operator=(const Value &o) {
    if (this != &o) {
        Value t(o);
        *this = std::move(t);
    }
    return *this;
}

Value &Value::operator=(Value &&o) noexcept {
    if (this != &o) {
        // o may be one of our own descendants: take it out first; what we
        // held goes with old (destroyed iteratively).
        Value in(std::move(o));
        Value old(std::move(*this));
        type_ = in.type_;
        u_ = in.u_;
        s_ = std::move(in.s_);
        items_ = std::move(in.items_);
        keys_ = std::move(in.keys_);
    }
    return *this;
}

Value::~Value() { releaseChildren(); }

void Value::releaseChildren() noexcept {
    if (items_.empty()) return;
    // Every descendant is moved onto one flat list before it is destroyed,
    // so no destructor ever runs with children of its own.
    std::vector<Value> pending = std::move(items_);
    items_.clear();
    while (!pending.empty()) {
        Value v = std::move(pending.back());
        pending.pop_back();
        for (Value &c : v.items_) pending.push_back(std::move(c));
        v.items_.clear();
    }
}

double Value::asDouble() const {
    if (type_ == Type::Int) return static_cast<double>(u_.i);
    if (type_ == Type::Real) return u_.d;
    return 0;
}

const Value &Value::at(size_t k) const { return k < items_.size() ? items_[k] : kNull; }

const std::string &Value::keyAt(size_t k) const { return k < keys_.size() ? keys_[k] : kEmpty; }

const Value *Value::find(std::string_view key) const {
    if (type_ != Type::Object) return nullptr;
    for (size_t k = 0; k < keys_.size(); ++k)
        if (keys_[k] == key) return &items_[k];
    return nullptr;
}

Value &Value::push(Value v) {
    items_.push_back(std::move(v));
    return items_.back();
}

Value &Value::set(std::string key, Value v) {
    for (size_t k = 0; k < keys_.size(); ++k)
        if (keys_[k] == key) return items_[k] = std::move(v);
    keys_.push_back(std::move(key));
    items_.push_back(std::move(v));
    return items_.back();
}

bool Value::operator==(const Value &o) const {
    std::vector<std::pair<const Value *, const Value *>> work{{this, &o}};
    while (!work.empty()) {
        auto [a, b] = work.back();
        work.pop_back();
        if (a->type_ != b->type_ || a->items_.size() != b->items_.size() || a->keys_ != b->keys_ || a->s_ != b->s_)
            return false;
        if (a->type_ == Type::Bool && a->u_.b != b->u_.b) return false;
        if (a->type_ == Type::Int && a->u_.i != b->u_.i) return false;
        if (a->type_ == Type::Real && !(a->u_.d == b->u_.d)) return false;
        for (size_t k = 0; k < a->items_.size(); ++k) work.emplace_back(&a->items_[k], &b->items_[k]);
    }
    return true;
}

} // namespace qv::json
