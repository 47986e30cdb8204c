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

namespace {

// The first m=audio section's lines, then what qv makes of them: empty
// when it receives that sound itself, else why not.
std::string sdpAudio(SdpAudio &a, const std::string &encoding, const std::string &fmtp, bool haveRtpmap) {
    if (!haveRtpmap) {   // the static payload types of RFC 3551
        if (a.payloadType == 0) a.encoding = "PCMU", a.clockRate = 8000, a.channels = 1;
        else if (a.payloadType == 8) a.encoding = "PCMA", a.clockRate = 8000, a.channels = 1;
        else if (a.payloadType == 10) a.encoding = "L16", a.clockRate = 44100, a.channels = 2;
        else if (a.payloadType == 11) a.encoding = "L16", a.clockRate = 44100, a.channels = 1;
        else return "sound of payload type " + std::to_string(a.payloadType) + " without an rtpmap beside the video";
    } else {
        a.encoding = encoding;
    }
    const char *e = a.encoding.c_str();
    if (strcasecmp(e, "PCMU") == 0) a.codec = RtpAudioCodec::Pcmu;
    else if (strcasecmp(e, "PCMA") == 0) a.codec = RtpAudioCodec::Pcma;
    else if (strcasecmp(e, "L16") == 0) a.codec = RtpAudioCodec::L16;
    else if (strcasecmp(e, "opus") == 0) a.codec = RtpAudioCodec::Opus;
    else if (strcasecmp(e, "mpeg4-generic") == 0) a.codec = RtpAudioCodec::Aac;
    else return "sound in " + a.encoding + " beside the video (qv receives PCMU, PCMA, L16, Opus and AAC itself)";
    if (a.clockRate <= 0 || a.channels <= 0 || a.channels > 8) return "the sound's rtpmap has no usable rate or channels";
    if (a.codec == RtpAudioCodec::Opus) {
        // RFC 7587: always opus/48000/2 in the rtpmap; the stream is mono
        // or stereo, and the decoder makes two channels of either.
        a.clockRate = 48000;
        a.channels = 2;
    }
    if (a.codec != RtpAudioCodec::Aac) return std::string();
    bool aacMode = false;
    int constantDuration = 0;
    for (const std::string &p : split(fmtp, ';')) {
        const size_t eq = p.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = trimText(p.substr(0, eq)), val = trimText(p.substr(eq + 1));
        const char *k = key.c_str();
        if (strcasecmp(k, "mode") == 0) aacMode = strcasecmp(val.c_str(), "AAC-hbr") == 0 || strcasecmp(val.c_str(), "AAC-lbr") == 0;
        else if (strcasecmp(k, "sizelength") == 0) a.sizeLength = toInt(val, 0);
        else if (strcasecmp(k, "indexlength") == 0) a.indexLength = toInt(val, 0);
        else if (strcasecmp(k, "indexdeltalength") == 0) a.indexDeltaLength = toInt(val, 0);
        else if (strcasecmp(k, "constantduration") == 0) constantDuration = toInt(val, 0);
        else if (strcasecmp(k, "config") == 0) {
            a.config.clear();
            if (val.size() % 2 || val.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
                return "the AAC config is not hexadecimal";
            for (size_t i = 0; i + 1 < val.size(); i += 2)
                a.config.push_back(static_cast<uint8_t>(std::strtol(val.substr(i, 2).c_str(), nullptr, 16)));
        } else if ((strcasecmp(k, "ctsdeltalength") == 0 || strcasecmp(k, "dtsdeltalength") == 0 ||
                    strcasecmp(k, "randomaccessindication") == 0 || strcasecmp(k, "streamstateindication") == 0 ||
                    strcasecmp(k, "auxiliarydatasizelength") == 0 || strcasecmp(k, "constantsize") == 0) &&
                   toInt(val, 0) > 0) {
            return "AAC with " + key + " (an AU header qv does not read)";
        }
    }
    if (!aacMode) return "mpeg4-generic sound that is not AAC-hbr or AAC-lbr";
    if (a.sizeLength <= 0 || a.sizeLength > 16 || a.indexLength > 8 || a.indexDeltaLength > 8)
        return "AAC without usable AU header sizes";
    int channels = 0, coreRate = 0;
    if (!parseAacConfig(a.config, channels, a.frameSamples, &coreRate)) return "AAC without a usable config";
    // An access unit lasts frameSamples at the core's rate, whatever the
    // RTP clock (HE-AAC's is often the output rate, twice the core's).
    a.auDuration = constantDuration > 0 ? constantDuration
                                        : static_cast<int>(static_cast<int64_t>(a.frameSamples) * a.clockRate / coreRate);
    if (a.auDuration <= 0) return "AAC without a usable config";
    if (channels > 0) a.channels = channels;
    return std::string();
}

} // namespace

std::string parseSdpVideo(const std::string &text, SdpVideo &out, bool soundIgnored) {
    out = SdpVideo{};
    std::istringstream in(text);
    std::string line, sessionAddr, mediaAddr, audioAddr;
    // Which m= section the lines belong to: -1 session, 0 the video one
    // taken, 2 the first audio one, 1 any other.
    int section = -1;
    bool haveVideo = false, audioRtpmap = false;
    int videos = 0;
    std::string encoding, fmtp, aEncoding, aFmtp;
    SdpAudio &a = out.audio;
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
            } else if (f.size() >= 4 && f[0] == "audio" && out.audioStreams == 0) {
                ++out.audioStreams;
                section = 2;
                a.port = toInt(split(f[1], '/')[0], 0);
                a.payloadType = f[2] == "RTP/AVP" ? toInt(f[3], -1) : -1;
            } else {
                if (f.size() >= 1 && f[0] == "video") ++videos;
                else if (f.size() >= 1 && f[0] == "audio") ++out.audioStreams;
                section = 1;
            }
        } else if (k == 'c') {
            // c=IN IP4 239.0.0.1/16 (a TTL after the multicast address)
            const auto f = split(v, ' ');
            const std::string addr = f.size() >= 3 ? split(f[2], '/')[0] : std::string();
            if (section < 0) sessionAddr = addr;
            else if (section == 0) mediaAddr = addr;
            else if (section == 2) audioAddr = addr;
        } else if (k == 'a' && section < 0 && v.compare(0, 8, "control:") == 0) {
            out.sessionControl = trimText(v.substr(8));
        } else if (k == 'a' && (section == 0 || section == 2)) {
            const size_t colon = v.find(':');
            const std::string name = v.substr(0, colon);
            const std::string rest = colon == std::string::npos ? std::string() : v.substr(colon + 1);
            const size_t sp = rest.find(' ');
            const int pt = toInt(rest.substr(0, sp), -2);
            const std::string arg = sp == std::string::npos ? std::string() : trimText(rest.substr(sp + 1));
            if (section == 2) {
                if (name == "rtpmap" && pt == a.payloadType) {
                    const auto f = split(arg, '/');
                    aEncoding = f[0];
                    audioRtpmap = true;
                    a.clockRate = f.size() >= 2 ? toInt(f[1], 0) : 0;
                    a.channels = f.size() >= 3 ? toInt(f[2], 0) : 1;
                } else if (name == "fmtp" && pt == a.payloadType) {
                    aFmtp = arg;
                } else if (name == "control") {
                    a.control = trimText(rest);
                }
            } else if (name == "rtpmap" && pt == out.payloadType) {
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
    a.address = audioAddr.empty() ? sessionAddr : audioAddr;
    if (!haveVideo) return "no video stream in the SDP";
    if (videos > 1) return "more than one video stream";
    if (out.tcp) return "not RTP over UDP";
    if (out.clockRate <= 0) return "no clock rate";
    if (strcasecmp(encoding.c_str(), "H264") == 0) out.codec = RtpCodec::H264;
    else if (strcasecmp(encoding.c_str(), "H265") == 0) out.codec = RtpCodec::Hevc;
    else return "payload " + (encoding.empty() ? std::string("without an rtpmap") : encoding) + " is not H.264 or HEVC";
    if (out.audioStreams && !soundIgnored) {
        if (a.payloadType < 0) return "sound beside the video that is not RTP over UDP";
        const std::string why = sdpAudio(a, aEncoding, aFmtp, audioRtpmap);
        if (!why.empty()) {
            out.audio = SdpAudio{};
            return why + " (--no-audio leaves it aside)";
        }
    } else {
        out.audio = SdpAudio{};
    }
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

namespace {
// The fields and the payload's bounds of a packet whose first bytes were
// checked; false when its extension or padding does not fit.
bool parseRtpRest(const uint8_t *pkt, size_t size, RtpHeader &h) {
    h.marker = pkt[1] & 0x80;
    h.seq = static_cast<uint16_t>((pkt[2] << 8) | pkt[3]);
    h.timestamp = (uint32_t(pkt[4]) << 24) | (uint32_t(pkt[5]) << 16) | (uint32_t(pkt[6]) << 8) | pkt[7];
    h.ssrc = (uint32_t(pkt[8]) << 24) | (uint32_t(pkt[9]) << 16) | (uint32_t(pkt[10]) << 8) | pkt[11];
    size_t off = 12 + 4 * size_t(pkt[0] & 0x0f);
    if (pkt[0] & 0x10) {   // header extension: 4 bytes, then its length in words
        if (off + 4 > size) return false;
        off += 4 + 4 * ((size_t(pkt[off + 2]) << 8) | pkt[off + 3]);
    }
    size_t end = size;
    if (pkt[0] & 0x20) {   // padding: its count in the last byte
        const size_t pad = pkt[size - 1];
        end = pad <= size ? size - pad : 0;
    }
    if (off >= end) return false;
    h.payload = off;
    h.end = end;
    return true;
}
} // namespace

bool parseRtpHeader(const uint8_t *pkt, size_t size, int payloadType, RtpHeader &h, RtpCounters &n) {
    if (size < 12 || (pkt[0] >> 6) != 2 || (pkt[1] & 0x7f) != payloadType) {
        ++n.invalid;
        return false;
    }
    ++n.packets;
    if (parseRtpRest(pkt, size, h)) return true;
    ++n.invalid;
    return false;
}

RtpSequence::Verdict RtpSequence::next(uint32_t ssrc, uint16_t seq, RtpCounters &n) {
    Verdict v = InOrder;
    if (haveSsrc_ && ssrc != ssrc_) {   // another sender (restarted): start over
        haveSeq_ = false;
        ++n.restarts;
        v = Restart;
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
                ++n.restarts;
                v = Restart;
            } else {
                ++n.late;
                haveBad_ = back > kMaxMisorder;
                badSeq_ = seq;
                return Late;
            }
        } else if (gap) {
            n.lost += gap;
            v = Gap;
        }
    }
    haveSeq_ = true;
    haveBad_ = false;
    seq_ = seq;
    return v;
}

int RtpDepacketizer::push(const uint8_t *pkt, size_t size) {
    ndone_ = 0;
    RtpHeader h;
    if (!parseRtpHeader(pkt, size, pt_, h, n_)) return 0;
    const bool marker = h.marker;
    const uint32_t ts = h.timestamp;
    const RtpSequence::Verdict v = seq_.next(h.ssrc, h.seq, n_);
    if (v == RtpSequence::Late) return 0;
    if (v == RtpSequence::Restart) {
        finish();
    } else if (v == RtpSequence::Gap) {
        // What was being reassembled misses a piece: a fragmented unit is
        // cut back to where it began, a unit still open is marked; none
        // open: the next one may have lost its first packets.
        cutFragment();
        if (curOpen_) cur_.broken = true;
        else nextBroken_ = true;
    }
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
    if (codec_ == RtpCodec::H264) payloadH264(pkt + h.payload, h.end - h.payload);
    else payloadHevc(pkt + h.payload, h.end - h.payload);
    if (marker) finish();
    return ndone_;
}

// ---- sound ----

RtpAudioDepacketizer::RtpAudioDepacketizer(const SdpAudio &a) : a_(a) {
    bytesPerSample_ = (a.codec == RtpAudioCodec::L16 ? 2 : 1) * (a.channels > 0 ? a.channels : 1);
    frames_.reserve(kMaxFrames);
}

RtpAudioFrame &RtpAudioDepacketizer::add(uint32_t ts, int samples) {
    if (static_cast<size_t>(nframes_) == frames_.size()) frames_.emplace_back();
    RtpAudioFrame &f = frames_[static_cast<size_t>(nframes_++)];
    f.data.clear();
    f.timestamp = ts;
    f.samples = samples;
    return f;
}

namespace {

// Bits off the front of a buffer, most significant first.
struct BitReader {
    const uint8_t *p;
    size_t bits, pos = 0;
    BitReader(const uint8_t *data, size_t bytes) : p(data), bits(bytes * 8) {}
    bool has(size_t n) const { return pos + n <= bits; }
    uint32_t get(int n) {
        uint32_t v = 0;
        for (int i = 0; i < n; ++i, ++pos)
            v = (v << 1) | (pos < bits ? (p[pos >> 3] >> (7 - (pos & 7))) & 1u : 0u);
        return v;
    }
};

} // namespace

void RtpAudioDepacketizer::payloadAac(const RtpHeader &h, const uint8_t *p, size_t n) {
    // AU-headers-length (bits), the AU headers, then the access units.
    if (n < 2) {
        ++n_.invalid;
        return;
    }
    const size_t headerBits = (size_t(p[0]) << 8) | p[1];
    const size_t headerBytes = (headerBits + 7) / 8;
    const int first = a_.sizeLength + a_.indexLength, later = a_.sizeLength + a_.indexDeltaLength;
    if (headerBits < static_cast<size_t>(first) || 2 + headerBytes > n) {
        ++n_.invalid;
        fragActive_ = false;
        return;
    }
    BitReader br(p + 2, headerBytes);
    br.bits = headerBits;
    const uint8_t *data = p + 2 + headerBytes;
    const size_t dataLen = n - 2 - headerBytes;
    // One AU header, and more data than the packet holds: a fragment of a
    // larger access unit (RFC 3640 3.2.3), continued with the same
    // timestamp until the marker.
    const size_t one = static_cast<size_t>(first);
    if (headerBits < one + static_cast<size_t>(later)) {
        const size_t size = br.get(a_.sizeLength);
        br.pos = 0;
        if (size > dataLen || (fragActive_ && fragTs_ == h.timestamp)) {
            if (!fragActive_ || fragTs_ != h.timestamp || fragSize_ != size) {
                fragActive_ = true;   // a new one (an unfinished one before it is dropped)
                fragTs_ = h.timestamp;
                fragSize_ = size;
                frag_.clear();
            }
            if (frag_.size() + dataLen > size) {
                ++n_.invalid;
                fragActive_ = false;
                return;
            }
            frag_.insert(frag_.end(), data, data + dataLen);
            if (frag_.size() == size && h.marker) {
                fragActive_ = false;
                RtpAudioFrame &f = add(h.timestamp, a_.auDuration);
                f.data.swap(frag_);
                frag_.clear();
            }
            return;
        }
    }
    fragActive_ = false;
    size_t off = 0;
    uint32_t index = 0;
    bool firstAu = true;
    while (br.has(static_cast<size_t>(firstAu ? first : later))) {
        const size_t size = br.get(a_.sizeLength);
        const uint32_t idx = br.get(firstAu ? a_.indexLength : a_.indexDeltaLength);
        if (!firstAu && idx != 0) {   // interleaved access units: not read
            ++n_.unsupported;
            return;
        }
        index += firstAu ? 0 : 1;
        firstAu = false;
        if (off + size > dataLen) {
            ++n_.invalid;
            return;
        }
        if (nframes_ == kMaxFrames) {
            ++n_.invalid;
            return;
        }
        RtpAudioFrame &f = add(h.timestamp + index * static_cast<uint32_t>(a_.auDuration), a_.auDuration);
        f.data.assign(data + off, data + off + size);
        off += size;
    }
}

int RtpAudioDepacketizer::push(const uint8_t *pkt, size_t size) {
    nframes_ = 0;
    RtpHeader h;
    if (!parseRtpHeader(pkt, size, a_.payloadType, h, n_)) return 0;
    const RtpSequence::Verdict v = seq_.next(h.ssrc, h.seq, n_);
    if (v == RtpSequence::Late) return 0;
    if (v != RtpSequence::InOrder) fragActive_ = false;   // a fragment lost, or a new sender
    const uint8_t *p = pkt + h.payload;
    const size_t n = h.end - h.payload;
    switch (a_.codec) {
    case RtpAudioCodec::Pcmu:
    case RtpAudioCodec::Pcma:
    case RtpAudioCodec::L16: {
        const int samples = static_cast<int>(n / static_cast<size_t>(bytesPerSample_));
        if (samples <= 0) {
            ++n_.invalid;
            return 0;
        }
        add(h.timestamp, samples).data.assign(p, p + static_cast<size_t>(samples * bytesPerSample_));
        break;
    }
    case RtpAudioCodec::Opus:
        add(h.timestamp, opusPacketSamples(p, n)).data.assign(p, p + n);
        break;
    case RtpAudioCodec::Aac:
        payloadAac(h, p, n);
        break;
    case RtpAudioCodec::None:
        break;
    }
    return nframes_;
}

int opusPacketSamples(const uint8_t *p, size_t n) {
    if (n < 1) return 0;
    const int config = p[0] >> 3;
    // Frame sizes in 48 kHz samples: SILK 10/20/40/60 ms, hybrid 10/20,
    // CELT 2.5/5/10/20.
    int frame;
    if (config < 12) frame = (config & 3) == 3 ? 2880 : 480 << (config & 3);
    else if (config < 16) frame = (config & 1) ? 960 : 480;
    else frame = 120 << (config & 3);
    int frames;
    switch (p[0] & 3) {
    case 0: frames = 1; break;
    case 1:
    case 2: frames = 2; break;
    default:
        if (n < 2) return 0;
        frames = p[1] & 0x3f;
        break;
    }
    const int total = frame * frames;
    return frames > 0 && total <= 5760 ? total : 0;   // at most 120 ms
}

bool parseAacConfig(const std::vector<uint8_t> &config, int &channels, int &frameSamples, int *coreRate) {
    static const int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
    channels = 0;
    frameSamples = 1024;
    if (config.size() < 2) return false;
    BitReader br(config.data(), config.size());
    uint32_t aot = br.get(5);
    if (aot == 31) aot = 32 + br.get(6);
    if (aot == 0) return false;
    const uint32_t freqIndex = br.get(4);
    int rate = 0;
    if (freqIndex == 15) rate = static_cast<int>(br.get(24));
    else if (freqIndex > 12) return false;
    else rate = kRates[freqIndex];
    if (rate <= 0) return false;
    if (coreRate) *coreRate = rate;
    channels = static_cast<int>(br.get(4));
    if (channels == 7) channels = 8;
    else if (channels > 7) channels = 0;
    if (aot == 5 || aot == 29) {   // SBR or PS: the extension's rate, then the core's object type
        const uint32_t ext = br.get(4);
        if (ext == 15) br.get(24);
        aot = br.get(5);
        if (aot == 31) aot = 32 + br.get(6);
    }
    // GASpecificConfig's frameLengthFlag (AAC Main, LC, SSR, LTP, scalable,
    // ER), or ELDSpecificConfig's: a shorter frame. LD and ELD frames are
    // half as long.
    const bool ld = aot == 23 || aot == 39;
    if ((aot >= 1 && aot <= 4) || aot == 6 || aot == 7 || aot == 17 || (aot >= 19 && aot <= 23) || aot == 39) {
        const bool shortFrame = br.has(1) && br.get(1);
        frameSamples = (shortFrame ? 960 : 1024) / (ld ? 2 : 1);
    }
    return br.pos <= br.bits;   // (not read past its end)
}

bool parseRtcpSenderReport(const uint8_t *p, size_t n, RtcpSenderReport &sr) {
    size_t off = 0;
    while (off + 4 <= n) {
        const uint8_t *q = p + off;
        if ((q[0] >> 6) != 2) return false;
        const size_t len = (((size_t(q[2]) << 8) | q[3]) + 1) * 4;
        if (off + len > n) return false;
        if (q[1] == 200 && len >= 28) {
            sr.ssrc = (uint32_t(q[4]) << 24) | (uint32_t(q[5]) << 16) | (uint32_t(q[6]) << 8) | q[7];
            sr.ntp = 0;
            for (int i = 0; i < 8; ++i) sr.ntp = (sr.ntp << 8) | q[8 + i];
            sr.rtpTs = (uint32_t(q[16]) << 24) | (uint32_t(q[17]) << 16) | (uint32_t(q[18]) << 8) | q[19];
            return true;
        }
        off += len;
    }
    return false;
}

std::vector<RtpInfoEntry> parseRtpInfo(const std::string &value) {
    // url=rtsp://h/s/track1;seq=4;rtptime=99,url=...  (a url may hold
    // commas of its own: an entry starts only where "url=" follows one)
    std::vector<RtpInfoEntry> out;
    std::vector<std::string> entries;
    size_t a = 0;
    for (;;) {
        auto startsEntry = [&](size_t comma) {   // ", url=" (any case, spaces before it)
            const size_t u = value.find_first_not_of(" \t", comma + 1);
            return u != std::string::npos && strncasecmp(value.c_str() + u, "url=", 4) == 0;
        };
        size_t b = value.find(',', a);
        while (b != std::string::npos && !startsEntry(b)) b = value.find(',', b + 1);
        entries.push_back(value.substr(a, b == std::string::npos ? std::string::npos : b - a));
        if (b == std::string::npos) break;
        a = b + 1;
    }
    for (const std::string &e : entries) {
        RtpInfoEntry r;
        for (const std::string &f : split(e, ';')) {
            if (strncasecmp(f.c_str(), "url=", 4) == 0) {
                r.url = f.substr(4);
            } else if (strncasecmp(f.c_str(), "rtptime=", 8) == 0) {
                char *end = nullptr;
                const unsigned long long v = std::strtoull(f.c_str() + 8, &end, 10);
                if (end && *end == 0 && f.size() > 8 && v <= 0xffffffffULL) {
                    r.haveRtptime = true;
                    r.rtptime = static_cast<uint32_t>(v);
                }
            }
        }
        if (!r.url.empty()) out.push_back(std::move(r));
    }
    return out;
}

void RtpAvSync::videoFirst(uint32_t ts, int64_t arrivalNs, int64_t pts) {
    if (haveV_) return;
    haveV_ = true;
    vbase_ = ts;
    vArrNs_ = arrivalNs;
    vpts0_ = pts;
}

void RtpAvSync::audioFirst(uint32_t ts, int64_t arrivalNs) {
    if (haveA_) return;
    haveA_ = true;
    abase_ = ts;
    aArrNs_ = arrivalNs;
}

void RtpAvSync::rtpInfo(uint32_t videoTs, uint32_t audioTs) {
    haveInfo_ = true;
    infoV_ = videoTs;
    infoA_ = audioTs;
}

void RtpAvSync::senderReport(bool audio, uint64_t ntp, uint32_t rtpTs) {
    // The first of each: the sender's clocks are one, and later reports
    // would only move the sound by its rounding.
    if (audio ? haveSrA_ : haveSrV_) return;
    (audio ? haveSrA_ : haveSrV_) = true;
    (audio ? srNtpA_ : srNtpV_) = ntp;
    (audio ? srRtpA_ : srRtpV_) = rtpTs;
}

RtpAvSync::Source RtpAvSync::offset(int64_t &units, bool *disbelieved) const {
    if (disbelieved) *disbelieved = false;
    if (!haveV_ || !haveA_ || vrate_ <= 0 || arate_ <= 0) return None;
    // An audio timestamp A0 (counted from the sound's first packet) that
    // falls at video time V0 (seconds on the picture's time line).
    const double base = static_cast<double>(vpts0_) / vrate_;
    auto toUnits = [&](double v0, int64_t a0) {
        return static_cast<int64_t>(v0 * arate_ + (v0 >= 0 ? 0.5 : -0.5)) - a0;
    };
    const int64_t byArrival = toUnits(base + static_cast<double>(aArrNs_ - vArrNs_) / 1e9, 0);
    Source src = Arrival;
    units = byArrival;
    if (haveInfo_) {
        units = toUnits(base + static_cast<int32_t>(infoV_ - vbase_) / static_cast<double>(vrate_),
                        static_cast<int32_t>(infoA_ - abase_));
        src = RtpInfo;
    } else if (haveSrV_ && haveSrA_) {
        const double ntpDiff = static_cast<double>(static_cast<int64_t>(srNtpA_ - srNtpV_)) / 4294967296.0;
        units = toUnits(base + static_cast<int32_t>(srRtpV_ - vbase_) / static_cast<double>(vrate_) + ntpDiff,
                        static_cast<int32_t>(srRtpA_ - abase_));
        src = SenderReports;
    }
    if (src != Arrival && std::llabs(units - byArrival) > 2LL * arate_) {
        if (disbelieved) *disbelieved = true;
        units = byArrival;
        src = Arrival;
    }
    return src;
}

} // namespace qv
