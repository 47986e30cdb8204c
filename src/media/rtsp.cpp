#include "qv/media/rtsp.h"

#include "qv/media/rtp.h"

extern "C" {
#include <libavutil/base64.h>
#include <libavutil/md5.h>
}

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <strings.h>

namespace qv {
namespace {

std::string percentDecode(const std::string &s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// name="value" or name=value inside a challenge.
std::string challengeParam(const std::string &c, const char *name) {
    const size_t n = std::strlen(name);
    size_t i = 0;
    while (i < c.size()) {
        while (i < c.size() && (c[i] == ' ' || c[i] == ',')) ++i;
        const size_t eq = c.find('=', i);
        if (eq == std::string::npos) return std::string();
        const std::string key = trimText(c.substr(i, eq - i));
        size_t v = eq + 1, end;
        std::string val;
        if (v < c.size() && c[v] == '"') {
            end = c.find('"', v + 1);
            if (end == std::string::npos) end = c.size();
            val = c.substr(v + 1, end - v - 1);
            end = end < c.size() ? end + 1 : end;
        } else {
            end = c.find(',', v);
            if (end == std::string::npos) end = c.size();
            val = trimText(c.substr(v, end - v));
        }
        if (key.size() == n && strncasecmp(key.c_str(), name, n) == 0) return val;
        i = end;
    }
    return std::string();
}

} // namespace

std::string md5Hex(const std::string &s) {
    uint8_t d[16];
    av_md5_sum(d, reinterpret_cast<const uint8_t *>(s.data()), static_cast<int>(s.size()));
    char hex[33];
    for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return std::string(hex, 32);
}

bool parseRtspUrl(const std::string &in, RtspUrl &out, std::string &why) {
    out = RtspUrl{};
    const std::string scheme = "rtsp://";
    if (in.size() <= scheme.size() || strncasecmp(in.c_str(), scheme.c_str(), scheme.size()) != 0) {
        why = "not an rtsp:// URL";
        return false;
    }
    const size_t hostStart = scheme.size();
    size_t pathStart = in.find('/', hostStart);
    if (pathStart == std::string::npos) pathStart = in.size();
    std::string auth = in.substr(hostStart, pathStart - hostStart);
    std::string hostport = auth;
    const size_t at = auth.rfind('@');
    if (at != std::string::npos) {
        const std::string cred = auth.substr(0, at);
        hostport = auth.substr(at + 1);
        const size_t colon = cred.find(':');
        out.user = percentDecode(cred.substr(0, colon));
        if (colon != std::string::npos) out.pass = percentDecode(cred.substr(colon + 1));
    }
    std::string portText;
    if (!hostport.empty() && hostport[0] == '[') {
        const size_t close = hostport.find(']');
        if (close == std::string::npos) {
            why = "an IPv6 address without its closing bracket";
            return false;
        }
        out.host = hostport.substr(1, close - 1);
        if (close + 1 < hostport.size() && hostport[close + 1] == ':') portText = hostport.substr(close + 2);
    } else {
        const size_t colon = hostport.rfind(':');
        out.host = hostport.substr(0, colon);
        if (colon != std::string::npos) portText = hostport.substr(colon + 1);
    }
    if (out.host.empty()) {
        why = "no host";
        return false;
    }
    if (!portText.empty()) {
        char *end = nullptr;
        const long p = std::strtol(portText.c_str(), &end, 10);
        if (!end || *end || p <= 0 || p > 65535) {
            why = "the port is not a number from 1 to 65535";
            return false;
        }
        out.port = static_cast<int>(p);
    }
    out.url = scheme + hostport + in.substr(pathStart);
    return true;
}

const std::string *RtspResponse::header(const char *name) const {
    for (const auto &h : headers)
        if (strcasecmp(h.first.c_str(), name) == 0) return &h.second;
    return nullptr;
}

size_t RtspResponse::contentLength() const {
    const std::string *v = header("Content-Length");
    if (!v) return 0;
    const long n = std::strtol(v->c_str(), nullptr, 10);
    return n > 0 && n < (1 << 20) ? static_cast<size_t>(n) : 0;
}

bool parseRtspHead(const std::string &head, RtspResponse &out) {
    out = RtspResponse{};
    std::istringstream in(head);
    std::string line;
    if (!std::getline(in, line)) return false;
    line = trimText(line);
    if (line.compare(0, 5, "RTSP/") != 0) return false;
    const size_t sp = line.find(' ');
    if (sp == std::string::npos) return false;
    char *end = nullptr;
    const long st = std::strtol(line.c_str() + sp + 1, &end, 10);
    if (st < 100 || st > 999) return false;
    out.status = static_cast<int>(st);
    out.reason = trimText(end ? std::string(end) : std::string());
    while (std::getline(in, line)) {
        line = trimText(line);
        if (line.empty()) break;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        out.headers.emplace_back(trimText(line.substr(0, colon)), trimText(line.substr(colon + 1)));
    }
    return true;
}

std::string rtspAuthorization(const std::string &challenge, const std::string &user, const std::string &pass,
                              const std::string &method, const std::string &uri, const std::string &cnonce,
                              int nonceCount) {
    const std::string c = trimText(challenge);
    if (strncasecmp(c.c_str(), "Basic", 5) == 0) {
        const std::string plain = user + ":" + pass;
        std::string b64(AV_BASE64_SIZE(plain.size()), '\0');
        av_base64_encode(&b64[0], static_cast<int>(b64.size()), reinterpret_cast<const uint8_t *>(plain.data()),
                         static_cast<int>(plain.size()));
        b64.resize(std::strlen(b64.c_str()));
        return "Basic " + b64;
    }
    if (strncasecmp(c.c_str(), "Digest", 6) != 0) return std::string();
    const std::string params = c.substr(6);
    const std::string realm = challengeParam(params, "realm"), nonce = challengeParam(params, "nonce");
    const std::string opaque = challengeParam(params, "opaque"), qops = challengeParam(params, "qop");
    const std::string algorithm = challengeParam(params, "algorithm");
    if (!algorithm.empty() && strcasecmp(algorithm.c_str(), "MD5") != 0) return std::string();
    const bool qopAuth = !qops.empty() && qops.find("auth") != std::string::npos;
    const std::string ha1 = md5Hex(user + ":" + realm + ":" + pass);
    const std::string ha2 = md5Hex(method + ":" + uri);
    char nc[16];
    std::snprintf(nc, sizeof nc, "%08x", nonceCount);
    const std::string response = qopAuth ? md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
                                         : md5Hex(ha1 + ":" + nonce + ":" + ha2);
    std::string h = "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri +
                    "\", response=\"" + response + "\"";
    if (!opaque.empty()) h += ", opaque=\"" + opaque + "\"";
    if (qopAuth) h += std::string(", qop=auth, nc=") + nc + ", cnonce=\"" + cnonce + "\"";
    if (!algorithm.empty()) h += ", algorithm=" + algorithm;
    return h;
}

std::string resolveControl(const std::string &base, const std::string &control) {
    if (control.empty() || control == "*") return base;
    if (control.find("://") != std::string::npos) return control;
    if (!base.empty() && base.back() == '/') return base + control;
    return base + "/" + control;
}

void parseSession(const std::string &value, std::string &id, int &timeoutS) {
    const size_t semi = value.find(';');
    id = trimText(value.substr(0, semi));
    timeoutS = 60;
    if (semi == std::string::npos) return;
    const std::string t = challengeParam(value.substr(semi + 1), "timeout");
    const long v = std::strtol(t.c_str(), nullptr, 10);
    if (v > 0 && v < 100000) timeoutS = static_cast<int>(v);
}

int transportParam(const std::string &value, const char *name) {
    const std::string key = std::string(name) + "=";
    size_t i = 0;
    while ((i = value.find(key, i)) != std::string::npos) {
        if (i == 0 || value[i - 1] == ';') {
            char *end = nullptr;
            const long v = std::strtol(value.c_str() + i + key.size(), &end, 10);
            if (end != value.c_str() + i + key.size() && v >= 0 && v <= 65535) return static_cast<int>(v);
            return -1;
        }
        i += key.size();
    }
    return -1;
}

} // namespace qv
