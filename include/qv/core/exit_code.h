// Exit codes of the qv binary: the one documented place (README "Exit codes").
#pragma once

#include "qv/core/result.h"

namespace qv {

enum class ExitCode : int {
    Ok = 0,          // played to the end, or the user quit
    Internal = 1,    // unexpected failure (a bug): please report it
    Usage = 2,       // bad command line
    Open = 3,        // input missing, unreadable or a directory
    Format = 4,      // not a media file, empty, truncated or corrupt container
    NoVideo = 5,     // the file has no video stream
    Decode = 6,      // the video stream could not be decoded at all
    Display = 7,     // the requested display cannot run here
    Output = 8,      // an output file (thumb, screenshot, export) could not be written
    Batch = 9,       // many inputs: at least one file failed (its JSON line says why)
    Timeout = 10,    // a live source sent nothing for --timeout (at the open or while playing)
    Encode = 11,     // export: frames that must be re-encoded cannot be (no encoder for the codec)
    // 128 + N: stopped by signal N (SIGINT 130, SIGTERM 143, SIGHUP 129),
    // after the terminal was restored.
};

inline ExitCode exitCodeFor(ErrorKind k) {
    switch (k) {
    case ErrorKind::Usage: return ExitCode::Usage;
    case ErrorKind::Open: return ExitCode::Open;
    case ErrorKind::Format: return ExitCode::Format;
    case ErrorKind::NoVideo: return ExitCode::NoVideo;
    case ErrorKind::Decode: return ExitCode::Decode;
    case ErrorKind::Display: return ExitCode::Display;
    case ErrorKind::Output: return ExitCode::Output;
    case ErrorKind::Timeout: return ExitCode::Timeout;
    case ErrorKind::Encode: return ExitCode::Encode;
    case ErrorKind::Internal: break;
    }
    return ExitCode::Internal;
}

} // namespace qv
