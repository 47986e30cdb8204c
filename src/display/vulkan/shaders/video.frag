// YUV (or RGB) planes to RGB: each plane sampled at its own resolution and
// chroma siting, then one affine map (matrix, range, bit depth and the
// component order folded in by the CPU, src/display/vulkan/vk_layout.cpp).
// Upscaling and 1:1: the sampler's bilinear filter (exact at 1:1). A plane
// picture drawn smaller than its size (downscaling): Catmull-Rom widened to
// each plane's footprint (anti-aliased, sharper than a box or tent), from
// texel fetches, for every plane; also for formats the device cannot filter.
#version 450

layout(constant_id = 0) const bool kFilter = false;

layout(location = 0) in vec2 uv;
layout(location = 0) out vec4 outColor;

layout(set = 0, binding = 0) uniform sampler2D plane0;
layout(set = 0, binding = 1) uniform sampler2D plane1;
layout(set = 0, binding = 2) uniform sampler2D plane2;

layout(std140, set = 0, binding = 3) uniform Params {
    vec4 orient0;       // source s = dot(orient0.xyz, (u, v, 1))
    vec4 orient1;       // source t
    vec4 lumaSize;      // xy: the picture in luma samples
    vec4 planeSize[3];  // xy: texels, zw: 1 / texels
    vec4 planeMap[3];   // xy: scale, zw: offset (luma -> plane texel coordinates)
    vec4 footprint[3];  // xy: plane texels per output pixel
    mat4 coef[3];       // rgb += coef[p] * texel(p)
    vec4 bias;
    ivec4 mode;         // x: planes
} P;

const int kMaxTaps = 24;   // per axis (a footprint of up to 5.5 texels)

float catmullRom(float x) {
    x = abs(x);
    if (x < 1.0) return (1.5 * x - 2.5) * x * x + 1.0;
    if (x < 2.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
    return 0.0;
}

vec4 filtered(sampler2D tex, int p, vec2 pc) {
    vec2 f = max(P.footprint[p].xy, vec2(1.0));
    ivec2 size = ivec2(P.planeSize[p].xy);
    vec2 c = pc - 0.5;   // in texel indices
    ivec2 lo = ivec2(floor(c - 2.0 * f)) + 1;
    ivec2 hi = ivec2(ceil(c + 2.0 * f)) - 1;
    hi = min(hi, lo + kMaxTaps - 1);
    vec4 sum = vec4(0.0);
    float wsum = 0.0;
    for (int y = lo.y; y <= hi.y; ++y) {
        float wy = catmullRom((float(y) - c.y) / f.y);
        if (wy == 0.0) continue;
        int yy = clamp(y, 0, size.y - 1);
        for (int x = lo.x; x <= hi.x; ++x) {
            float w = wy * catmullRom((float(x) - c.x) / f.x);
            sum += w * texelFetch(tex, ivec2(clamp(x, 0, size.x - 1), yy), 0);
            wsum += w;
        }
    }
    return sum / wsum;
}

vec4 fetchPlane(sampler2D tex, int p, vec2 lc) {
    vec2 pc = lc * P.planeMap[p].xy + P.planeMap[p].zw;
    if (!kFilter) return textureLod(tex, pc * P.planeSize[p].zw, 0.0);
    return filtered(tex, p, pc);
}

void main() {
    vec3 u = vec3(uv, 1.0);
    vec2 st = vec2(dot(P.orient0.xyz, u), dot(P.orient1.xyz, u));
    vec2 lc = st * P.lumaSize.xy;
    vec3 rgb = P.bias.rgb + (P.coef[0] * fetchPlane(plane0, 0, lc)).rgb;
    if (P.mode.x > 1) rgb += (P.coef[1] * fetchPlane(plane1, 1, lc)).rgb;
    if (P.mode.x > 2) rgb += (P.coef[2] * fetchPlane(plane2, 2, lc)).rgb;
    outColor = vec4(clamp(rgb, 0.0, 1.0), 1.0);
}
