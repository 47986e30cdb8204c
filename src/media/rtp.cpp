#include "qv/media/rtp.h"

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <strings.h>
#include <utility>

namespace qv {
namespace {

constexpr uint8_t kStart[4] = {0, 0, 0, 1};

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> v;
    size_t a = 0;
    for (;;) {
        const size_t b = s.find(sep, a);
        v.push_back(trimText(s.substr(a, b == std::string::npos ? std::string::npos : b - a)));
        if (b == std::string::npos) return v;
        a = b + 1;
    }
}

int toInt(const std::string &s, int fallback) {
    if (s.empty()) return fallback;
    char *end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    return end && *end == 0 && v >= 0 && v <= 0x7fffffff ? static_cast<int>(v) : fallback;
}

// A parameter set given in the SDP, in Annex B.
bool addParamSets(const std::string &list, std::vector<uint8_t> &out) {
    for (const std::string &b64 : split(list, ',')) {
        if (b64.empty()) continue;
        std::vector<uint8_t> nal;
        if (!base64Decode(b64, nal) || nal.empty()) return false;
        out.insert(out.end(), kStart, kStart + 4);
        out.insert(out.end(), nal.begin(), nal.end());
    }
    return true;
}

} // namespace

int64_t DtsFromPts::next(int64_t pts) {
    if (n_ == 0) first_ = pts;
    // Insert in order.
    int i = count_++;
    while (i > 0 && pending_[i - 1] > pts) {
        pending_[i] = pending_[i - 1];
        --i;
    }
    pending_[i] = pts;
    int64_t dts;
    if (count_ <= reorder_) {
        if (grown_) {   // a deeper buffer filling: no dts until it is full
            ++n_;
            return INT64_MIN;
        }
        dts = first_ - (reorder_ - n_) * step_;   // the start: before the first frame's pts
    } else {
        dts = pending_[0];
        for (int k = 1; k < count_; ++k) pending_[k - 1] = pending_[k];
        --count_;
    }
    ++n_;
    if (last_ != INT64_MIN && dts <= last_) dts = last_ + 1;
    if (dts > pts) {   // more reordering than the stream said
        ++misses_;
        if (reorder_ < 15) {
            ++reorder_;
            grown_ = true;
        }
        return INT64_MIN;
    }
    last_ = dts;
    return dts;
}

std::string trimText(const std::string &s) {
    size_t a = 0, b = s.size();
    while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n')) --b;
    return s.substr(a, b - a);
}

std::vector<uint8_t> paramSetsOf(RtpCodec codec, const uint8_t *data, size_t size) {
    std::vector<uint8_t> out;
    // NAL units between 00 00 01 start codes (a fourth zero before one
    // belongs to the start code).
    size_t i = 0, begin = std::string::npos;
    auto take = [&](size_t end) {
        if (begin == std::string::npos || end <= begin) return;
        const uint8_t h = data[begin];
        const int type = codec == RtpCodec::H264 ? h & 0x1f : (h >> 1) & 0x3f;
        const bool ps = codec == RtpCodec::H264 ? type == 7 || type == 8 : type >= 32 && type <= 34;
        if (!ps) return;
        out.insert(out.end(), kStart, kStart + 4);
        out.insert(out.end(), data + begin, data + end);
    };
    while (i + 3 <= size) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            size_t end = i;
            while (end > 0 && begin != std::string::npos && end > begin && data[end - 1] == 0) --end;
            take(end);
            i += 3;
            begin = i;
        } else {
            ++i;
        }
    }
    take(size);
    return out;
}

bool base64Decode(const std::string &in, std::vector<uint8_t> &out) {
    out.clear();
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else if (c == '=') break;
        else return false;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    return true;
}

std::string parseSdpVideo(const std::string &text, SdpVideo &out, bool soundIgnored) {
    out = SdpVideo{};
    std::istringstream in(text);
    std::string line, sessionAddr, mediaAddr;
    // Which m= section the lines belong to: -1 session, 0 the video one
    // taken, 1 any other.
    int section = -1;
    bool haveVideo = false;
    int videos = 0;
    std::string encoding, fmtp;
    while (std::getline(in, line)) {
        line = trimText(line);
        if (line.size() < 2 || line[1] != '=') continue;
        const char k = line[0];
        const std::string v = line.substr(2);
        if (k == 'm') {
            const auto f = split(v, ' ');
            if (f.size() >= 4 && f[0] == "video" && !haveVideo) {
                haveVideo = true;
                section = 0;
                ++videos;
                out.port = toInt(split(f[1], '/')[0], 0);
                out.tcp = f[2] != "RTP/AVP";
                out.payloadType = toInt(f[3], -1);
            } else {
                if (f.size() >= 1 && f[0] == "video") ++videos;
                else ++out.audioStreams;
                section = 1;
            }
        } else if (k == 'c') {
            // c=IN IP4 239.0.0.1/16 (a TTL after the multicast address)
            const auto f = split(v, ' ');
            const std::string addr = f.size() >= 3 ? split(f[2], '/')[0] : std::string();
            if (section < 0) sessionAddr = addr;
            else if (section == 0) mediaAddr = addr;
        } else if (k == 'a' && section < 0 && v.compare(0, 8, "control:") == 0) {
            out.sessionControl = trimText(v.substr(8));
        } else if (k == 'a' && section == 0) {
            const size_t colon = v.find(':');
            const std::string name = v.substr(0, colon);
            const std::string rest = colon == std::string::npos ? std::string() : v.substr(colon + 1);
            const size_t sp = rest.find(' ');
            const int pt = toInt(rest.substr(0, sp), -2);
            const std::string arg = sp == std::string::npos ? std::string() : trimText(rest.substr(sp + 1));
            if (name == "rtpmap" && pt == out.payloadType) {
                const auto f = split(arg, '/');
                encoding = f[0];
                if (f.size() >= 2) out.clockRate = toInt(f[1], 0);
            } else if (name == "fmtp" && pt == out.payloadType) {
                fmtp = arg;
            } else if (name == "control") {
                out.control = trimText(rest);
            } else if (name == "framerate") {
                out.fps = std::strtod(rest.c_str(), nullptr);
            }
        }
    }
    out.address = mediaAddr.empty() ? sessionAddr : mediaAddr;
    if (!haveVideo) return "no video stream in the SDP";
    if (videos > 1) return "more than one video stream";
    if (out.tcp) return "not RTP over UDP";
    if (out.audioStreams && !soundIgnored) return "audio or data beside the video (--no-audio leaves it aside)";
    if (out.clockRate <= 0) return "no clock rate";
    if (strcasecmp(encoding.c_str(), "H264") == 0) out.codec = RtpCodec::H264;
    else if (strcasecmp(encoding.c_str(), "H265") == 0) out.codec = RtpCodec::Hevc;
    else return "payload " + (encoding.empty() ? std::string("without an rtpmap") : encoding) + " is not H.264 or HEVC";
    for (const std::string &p : split(fmtp, ';')) {
        const size_t eq = p.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = trimText(p.substr(0, eq)), val = trimText(p.substr(eq + 1));
        bool ok = true;
        if (key == "packetization-mode") out.packetizationMode = toInt(val, 0);
        else if (key == "sprop-max-don-diff") out.donl = toInt(val, 0) > 0;
        else if (key == "sprop-depack-buf-nalus" && toInt(val, 0) > 0) return "interleaved packetization (sprop-depack-buf-nalus)";
        else if (key == "sprop-parameter-sets" && out.codec == RtpCodec::H264) ok = addParamSets(val, out.paramSets);
        else if ((key == "sprop-vps" || key == "sprop-sps" || key == "sprop-pps") && out.codec == RtpCodec::Hevc)
            ok = addParamSets(val, out.paramSets);
        if (!ok) return "a parameter set is not base64 (" + key + ")";
    }
    if (out.codec == RtpCodec::H264 && out.packetizationMode == 2) return "interleaved packetization (mode 2)";
    return std::string();
}

RtpDepacketizer::RtpDepacketizer(RtpCodec codec, int payloadType, bool donl)
    : codec_(codec), pt_(payloadType), donl_(donl) {}

void RtpDepacketizer::noteType(int type) {
    if (codec_ == RtpCodec::H264) {
        if (type == 5) cur_.key = true;
        else if (type == 7) sps_ = true;
        else if (type == 8) pps_ = true;
    } else {
        if (type == 8 || type == 9) cur_.rasl = true;
        if (type >= 16 && type <= 21) cur_.key = true;
        if (type == 21) cur_.cra = true;
        else if (type == 32) vps_ = true;
        else if (type == 33) sps_ = true;
        else if (type == 34) pps_ = true;
    }
}

void RtpDepacketizer::nal(const uint8_t *p, size_t n) {
    if (n == 0 || tooBig(n + 4)) return;
    cur_.data.insert(cur_.data.end(), kStart, kStart + 4);
    cur_.data.insert(cur_.data.end(), p, p + n);
    noteType(codec_ == RtpCodec::H264 ? p[0] & 0x1f : (p[0] >> 1) & 0x3f);
}

bool RtpDepacketizer::tooBig(size_t more) {
    if (cur_.data.size() + more <= kMaxUnitBytes) return false;
    // A sender that never sets the marker nor changes the timestamp: what
    // it sent of this unit is dropped, not kept growing.
    ++n_.invalid;
    cur_.data.clear();
    cur_.broken = true;
    fuActive_ = false;
    return true;
}

void RtpDepacketizer::cutFragment() {
    if (!fuActive_) return;
    cur_.data.resize(fuStart_);
    fuActive_ = false;
}

void RtpDepacketizer::fragment(const uint8_t *header, size_t headerLen, int type, bool start, bool end,
                               const uint8_t *body, size_t bodyLen) {
    if (start) {
        if (fuActive_) {   // the last one's end was lost
            cutFragment();
            cur_.broken = true;
        }
        if (tooBig(4 + headerLen)) return;
        fuStart_ = cur_.data.size();
        fuActive_ = true;
        cur_.data.insert(cur_.data.end(), kStart, kStart + 4);
        cur_.data.insert(cur_.data.end(), header, header + headerLen);
        noteType(type);
    } else if (!fuActive_) {   // its start was lost
        cur_.broken = true;
        return;
    }
    if (tooBig(bodyLen)) return;
    cur_.data.insert(cur_.data.end(), body, body + bodyLen);
    if (end) fuActive_ = false;
}

int RtpDepacketizer::finish() {
    if (fuActive_) {   // a fragmented unit whose end never came
        cutFragment();
        cur_.broken = true;
    }
    curOpen_ = false;
    if (cur_.data.empty()) {
        cur_.key = cur_.broken = cur_.rasl = cur_.cra = false;
        sps_ = pps_ = vps_ = false;
        return 0;
    }
    cur_.paramSets = sps_ && pps_ && (codec_ == RtpCodec::H264 || vps_);
    RtpAccessUnit &d = done_[ndone_++];
    std::swap(d.data, cur_.data);
    d.timestamp = cur_.timestamp;
    d.key = cur_.key;
    d.paramSets = cur_.paramSets;
    d.broken = cur_.broken;
    d.rasl = cur_.rasl;
    d.cra = cur_.cra;
    cur_.data.clear();
    cur_.key = cur_.broken = cur_.paramSets = cur_.rasl = cur_.cra = false;
    sps_ = pps_ = vps_ = false;
    return 1;
}

void RtpDepacketizer::payloadH264(const uint8_t *p, size_t n) {
    const int type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) {
        nal(p, n);
    } else if (type == 24) {   // STAP-A: 16-bit sizes and units
        size_t i = 1;
        while (i + 2 <= n) {
            const size_t len = (size_t(p[i]) << 8) | p[i + 1];
            i += 2;
            if (len == 0 || i + len > n) {
                ++n_.invalid;
                cur_.broken = true;
                return;
            }
            nal(p + i, len);
            i += len;
        }
    } else if (type == 28) {   // FU-A
        if (n < 3) {
            ++n_.invalid;
            return;
        }
        const uint8_t header = static_cast<uint8_t>((p[0] & 0xe0) | (p[1] & 0x1f));
        fragment(&header, 1, header & 0x1f, p[1] & 0x80, p[1] & 0x40, p + 2, n - 2);
    } else {   // STAP-B, MTAP, FU-B (interleaved mode), reserved
        ++n_.unsupported;
    }
}

void RtpDepacketizer::payloadHevc(const uint8_t *p, size_t n) {
    if (n < 3) {
        ++n_.invalid;
        return;
    }
    const int type = (p[0] >> 1) & 0x3f;
    const size_t don = donl_ ? 2 : 0;
    if (type < 48) {
        if (!donl_) {
            nal(p, n);
        } else if (n > 4 && !tooBig(n + 2)) {   // the header, then the unit without its DONL
            cur_.data.insert(cur_.data.end(), kStart, kStart + 4);
            cur_.data.insert(cur_.data.end(), p, p + 2);
            cur_.data.insert(cur_.data.end(), p + 4, p + n);
            noteType(type);
        }
    } else if (type == 48) {   // aggregation packet
        size_t i = 2 + don;
        while (i + 2 <= n) {
            const size_t len = (size_t(p[i]) << 8) | p[i + 1];
            i += 2;
            if (len < 2 || i + len > n) {
                ++n_.invalid;
                cur_.broken = true;
                return;
            }
            nal(p + i, len);
            i += len + (donl_ ? 1 : 0);   // DOND before each later unit
        }
    } else if (type == 49) {   // fragmentation unit
        const bool start = p[2] & 0x80, end = p[2] & 0x40;
        const int ftype = p[2] & 0x3f;
        const size_t body = 3 + (start ? don : 0);
        if (n < body) {
            ++n_.invalid;
            return;
        }
        const uint8_t header[2] = {static_cast<uint8_t>((p[0] & 0x81) | (ftype << 1)), p[1]};
        fragment(header, 2, ftype, start, end, p + body, n - body);
    } else {   // PACI, reserved
        ++n_.unsupported;
    }
}

int RtpDepacketizer::push(const uint8_t *pkt, size_t size) {
    ndone_ = 0;
    if (size < 12 || (pkt[0] >> 6) != 2 || (pkt[1] & 0x7f) != pt_) {
        ++n_.invalid;
        return 0;
    }
    ++n_.packets;
    const bool marker = pkt[1] & 0x80;
    const uint16_t seq = static_cast<uint16_t>((pkt[2] << 8) | pkt[3]);
    const uint32_t ts = (uint32_t(pkt[4]) << 24) | (uint32_t(pkt[5]) << 16) | (uint32_t(pkt[6]) << 8) | pkt[7];
    const uint32_t ssrc = (uint32_t(pkt[8]) << 24) | (uint32_t(pkt[9]) << 16) | (uint32_t(pkt[10]) << 8) | pkt[11];
    size_t off = 12 + 4 * size_t(pkt[0] & 0x0f);
    if (pkt[0] & 0x10) {   // header extension: 4 bytes, then its length in words
        if (off + 4 > size) {
            ++n_.invalid;
            return 0;
        }
        off += 4 + 4 * ((size_t(pkt[off + 2]) << 8) | pkt[off + 3]);
    }
    size_t end = size;
    if (pkt[0] & 0x20) {   // padding: its count in the last byte
        const size_t pad = pkt[size - 1];
        end = pad <= size ? size - pad : 0;
    }
    if (off >= end) {
        ++n_.invalid;
        return 0;
    }
    if (haveSsrc_ && ssrc != ssrc_) {   // another sender (restarted): start over
        finish();
        haveSeq_ = false;
        ++n_.restarts;
    }
    haveSsrc_ = true;
    ssrc_ = ssrc;
    if (haveSeq_) {
        const uint16_t gap = static_cast<uint16_t>(seq - seq_ - 1);
        if (gap >= 0x8000) {   // behind the last one
            // Far behind, twice in a row in sequence: the sender started its
            // numbers again (RFC 3550, A.1). Else a late or repeated packet.
            const uint16_t back = static_cast<uint16_t>(seq_ - seq);
            if (back > kMaxMisorder && haveBad_ && seq == static_cast<uint16_t>(badSeq_ + 1)) {
                haveBad_ = false;
                finish();
                ++n_.restarts;
            } else {
                ++n_.late;
                haveBad_ = back > kMaxMisorder;
                badSeq_ = seq;
                return 0;
            }
        } else if (gap) {
            n_.lost += gap;
            // What was being reassembled misses a piece: a fragmented unit is
            // cut back to where it began, a unit still open is marked; none
            // open: the next one may have lost its first packets.
            cutFragment();
            if (curOpen_) cur_.broken = true;
            else nextBroken_ = true;
        }
    }
    haveSeq_ = true;
    haveBad_ = false;
    seq_ = seq;
    if (curOpen_ && ts != cur_.timestamp) {   // the last one's marker packet was lost
        ++n_.noMarker;
        const bool cutBefore = cur_.broken;   // a gap just now: which unit it hit is not known
        finish();
        if (cutBefore) nextBroken_ = true;
    }
    if (!curOpen_) {
        curOpen_ = true;
        cur_.timestamp = ts;
        cur_.broken = nextBroken_;
        nextBroken_ = false;
    }
    if (codec_ == RtpCodec::H264) payloadH264(pkt + off, end - off);
    else payloadHevc(pkt + off, end - off);
    if (marker) finish();
    return ndone_;
}

} // namespace qv
