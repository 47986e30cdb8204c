// Result<T>: a small expected-like type (board toolchains may lack std::expected).
// Contract: builders of errors never log; the caller that gives up logs once.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace qv {

// Where an error came from, so the message can name the right library.
enum class ErrorSource { Qv, Posix, FFmpeg, Terminal };

// What went wrong, coarsely: each kind maps to one documented exit code.
enum class ErrorKind {
    Internal,      // a bug or an unexpected library failure
    Usage,         // bad command line
    Open,          // input missing, unreadable, a directory
    Format,        // not a media file, truncated, corrupt container
    NoVideo,       // no video stream to play
    Decode,        // the video stream cannot be decoded at all
    Display,       // the chosen display cannot run here
    Output,        // writing an output file failed
    Timeout,       // a live source sent nothing for --timeout
    Encode,        // frames could not be re-encoded (no encoder, a format it does not take)
};

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    ErrorSource source = ErrorSource::Qv;
    int native = 0;          // errno, AVERROR, ...
    std::string context;     // e.g. "avformat_open_input(clip.mp4)"
    std::string message;     // human text, one line, no trailing newline

    static Error make(ErrorKind k, std::string msg, std::string ctx = {}) {
        Error e;
        e.kind = k;
        e.message = std::move(msg);
        e.context = std::move(ctx);
        return e;
    }
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error err) : v_(std::in_place_index<1>, std::move(err)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { assert(ok()); return std::get<0>(v_); }
    const T &value() const & { assert(ok()); return std::get<0>(v_); }
    T &&value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T &operator*() & { return value(); }
    T *operator->() { return &value(); }

    const Error &error() const { assert(!ok()); return std::get<1>(v_); }
    Error &&takeError() { assert(!ok()); return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error err) : err_(std::move(err)), ok_(false) {}
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error &error() const { assert(!ok_); return err_; }
    Error &&takeError() { assert(!ok_); return std::move(err_); }

private:
    Error err_;
    bool ok_ = true;
};

inline Result<void> okResult() { return {}; }

} // namespace qv
