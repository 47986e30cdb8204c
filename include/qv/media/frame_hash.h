// The md5 of a decoded picture exactly as `ffmpeg -f framemd5` computes it
// (the raw picture in its own pixel format, rows without padding).
#pragma once

struct AVFrame;
struct AVMD5;

namespace qv {

// hex: 33 bytes (32 digits and a NUL). size: the raw picture's byte size.
// Returns false for a pixel format FFmpeg does not describe.
bool frameMd5(const AVFrame *f, AVMD5 *md5, char hex[33], int *size);

} // namespace qv
