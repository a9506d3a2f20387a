#version 330 core
uniform uvec4 vs_cb0[8];
layout(location = 0) in vec4 in_0;
layout(location = 1) in vec4 in_1;
out vec4 v_t0;
out float gl_ClipDistance[8];
uniform vec4 vs_clip_planes[8];
vec4 t0;
vec4 o0;
vec4 o1;
vec4 o2;
void store_outputs() {
    gl_Position = o0;
    v_t0 = o1;
    gl_ClipDistance[0] = dot(o2, vs_clip_planes[0]);
    gl_ClipDistance[2] = dot(o2, vs_clip_planes[2]);
}
void main() {
    t0 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    o2 = vec4(0.0);
    t0 = uintBitsToFloat(vs_cb0[0]) * in_0.xxxx;
    t0 = uintBitsToFloat(vs_cb0[1]) * in_0.yyyy + t0;
    t0 = uintBitsToFloat(vs_cb0[2]) * in_0.zzzz + t0;
    o0 = uintBitsToFloat(vs_cb0[3]) * in_0.wwww + t0;
    o2.x = (vec4(dot(uintBitsToFloat(vs_cb0[4]), in_0))).x;
    o2.y = (vec4(dot(uintBitsToFloat(vs_cb0[5]), in_0))).y;
    o2.z = (vec4(dot(uintBitsToFloat(vs_cb0[6]), in_0))).z;
    o2.w = (vec4(dot(uintBitsToFloat(vs_cb0[7]), in_0))).w;
    o1 = in_1;
    store_outputs();
}
