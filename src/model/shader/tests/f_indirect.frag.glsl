#version 330 core
uniform uvec4 fs_cb0[16];
in vec4 v_g0;
uniform uint fs_const_guard;
layout(location = 0) out vec4 frag_out0;
vec4 t[8];
vec4 o0;
ivec4 a0;
void store_outputs() {
    frag_out0 = uintBitsToFloat(floatBitsToUint(o0) ^ uvec4(fs_const_guard));
}
void main() {
    for (int i = 0; i < 8; i++) t[i] = vec4(0.0);
    o0 = vec4(0.0);
    a0 = ivec4(0);
    vec4 imm[1] = vec4[1](
        vec4(4.0, 0.0, 1.0, 2.0));
    vec4 i0 = v_g0;
    t[0] = uintBitsToFloat(fs_cb0[0]);
    t[1] = uintBitsToFloat(fs_cb0[1]);
    t[2] = uintBitsToFloat(fs_cb0[2]);
    t[3] = uintBitsToFloat(fs_cb0[3]);
    t[4].x = (i0.xxxx * imm[0].xxxx).x;
    a0.x = (ivec4(floor(t[4].xxxx))).x;
    t[5] = t[clamp(a0.x + 0, 0, 7)];
    t[6] = uintBitsToFloat(fs_cb0[clamp(a0.x + 4, 0, 15)]);
    t[clamp(a0.x + 1, 0, 7)] = t[6];
    t[7] = t[5] + t[1];
    o0 = t[7] + uintBitsToFloat(fs_cb0[clamp(a0.x + -1, 0, 15)]);
    store_outputs();
}
