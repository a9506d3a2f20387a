#version 330 core
#extension GL_ARB_gpu_shader5 : enable
#ifdef GL_ARB_gpu_shader5
#define TGSI_PRECISE precise
#else
#define TGSI_PRECISE
#endif
bvec4 tgsi_flt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }
bvec4 tgsi_fle(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThanEqual(a, b); return r; }
bvec4 tgsi_fgt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThan(a, b); return r; }
bvec4 tgsi_fge(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThanEqual(a, b); return r; }
bvec4 tgsi_feq(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = equal(a, b); return r; }
bvec4 tgsi_fne(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = notEqual(a, b); return r; }
flat in vec4 v_c0;
flat in vec4 v_bc0;
layout(location = 0) out vec4 frag_out0;
uniform uint fs_stipple[32];
vec4 t0;
vec4 t1;
vec4 o0;
void store_outputs() {
    if (!(o0.w >= uintBitsToFloat(0x3e800000u))) discard;
    frag_out0 = o0;
}
void main() {
    if (((fs_stipple[int(gl_FragCoord.y) & 31] >> uint(31 - (int(gl_FragCoord.x) & 31))) & 1u) == 0u) discard;
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    o0 = vec4(0.0);
    vec4 imm[1] = vec4[1](
        vec4(uintBitsToFloat(0x3f000000u), 0.0, 1.0, uintBitsToFloat(0x3b7f9724u)));
    vec4 i0 = (gl_FrontFacing ? v_c0 : v_bc0);
    vec4 i1 = gl_FragCoord;
    vec4 i2 = vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0);
    t0 = i1 * imm[0].wwww;
    t0 = fract(t0);
    t1 = mix(i0, imm[0].yyyy, lessThan(i2.xxxx, vec4(0.0)));
    t0.z = (vec4(tgsi_fge(t0.xxxx, imm[0].xxxx))).z;
    if (t0.zzzz.x != 0.0) {
        t1 = mix(imm[0].zzzz, t1, t0.yyyy);
    } else {
        t1.w = (abs(t1)).w;
    }
    o0 = t1;
    store_outputs();
}
