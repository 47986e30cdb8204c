// RTSP (RFC 2326) as qv's own client speaks it (issue 14, --latency=low):
// enough to DESCRIBE, SETUP one video track over TCP (interleaved) or UDP,
// PLAY, keep the session alive and TEARDOWN, with Basic or Digest
// authentication (RFC 2617). The text work here is pure; the sockets are
// rtp_source.cpp's.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace qv {

struct RtspUrl {
    std::string host;        // without brackets for IPv6
    int port = 554;
    std::string user, pass;  // percent-decoded; empty: none given
    std::string url;         // the URL without the credentials (what requests name)
};

// rtsp://[user[:pass]@]host[:port][/path]. False (and why) otherwise.
bool parseRtspUrl(const std::string &in, RtspUrl &out, std::string &why);

struct RtspResponse {
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // A header's value (case-insensitive name), nullptr when absent.
    const std::string *header(const char *name) const;
    size_t contentLength() const;
};

// The status line and headers of a response (up to, not including, the
// blank line). False when it is not an RTSP response.
bool parseRtspHead(const std::string &head, RtspResponse &out);

// The Authorization header's value answering a WWW-Authenticate challenge
// (Digest, RFC 2617, with or without qop=auth; or Basic) for this request.
// Empty when the challenge is of another scheme.
std::string rtspAuthorization(const std::string &challenge, const std::string &user, const std::string &pass,
                              const std::string &method, const std::string &uri, const std::string &cnonce,
                              int nonceCount);

// A control attribute against the base URL (Content-Base): an absolute URL
// as it is, "*" or empty: the base, else relative to the base.
std::string resolveControl(const std::string &base, const std::string &control);

// Session: ID[;timeout=N]: the ID, and N (seconds; 60 when absent).
void parseSession(const std::string &value, std::string &id, int &timeoutS);

// Transport: ...;interleaved=A-B or ...;server_port=A-B: the first number
// of the named pair, -1 when absent.
int transportParam(const std::string &value, const char *name);

std::string md5Hex(const std::string &s);

} // namespace qv
