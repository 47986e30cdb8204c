// The picture's rectangle (the viewport) as a four-vertex strip; uv runs
// over it from 0 to 1, v downwards (Vulkan's framebuffer y).
#version 450

layout(location = 0) out vec2 uv;

void main() {
    vec2 p = vec2(float(gl_VertexIndex & 1), float(gl_VertexIndex >> 1));
    uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
