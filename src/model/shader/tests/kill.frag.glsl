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
uniform sampler2D fs_samp0;
in vec4 v_g0;
layout(location = 0) out vec4 frag_out0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 t4;
vec4 t5;
vec4 t6;
vec4 o0;
void store_outputs() {
    frag_out0 = o0;
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    t2 = vec4(0.0);
    t3 = vec4(0.0);
    t4 = vec4(0.0);
    t5 = vec4(0.0);
    t6 = vec4(0.0);
    o0 = vec4(0.0);
    vec4 imm[2] = vec4[2](
        vec4(uintBitsToFloat(0x3f000000u), 0.0, 0.0, 0.0),
        vec4(1.0, 0.0, 0.0, 0.0));
    vec4 i0 = v_g0;
    t0 = texture(fs_samp0, i0.xyyy.xy);
    t1.x = (uintBitsToFloat(uvec4(tgsi_flt(t0.wxxx, imm[0].xxxx)) * 0xffffffffu)).x;
    t2.x = (uintBitsToFloat(floatBitsToUint(t1.xxxx) & floatBitsToUint(imm[1].xxxx))).x;
    if (any(lessThan((-t2.xxxx), vec4(0.0)))) discard;
    o0 = t0;
    store_outputs();
}
