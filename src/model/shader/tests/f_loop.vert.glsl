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
uniform uvec4 vs_cb0[9];
layout(location = 0) in vec4 in_0;
out vec4 v_g0;
uniform int loop_budget_bias;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 o0;
vec4 o1;
ivec4 a0;
void store_outputs() {
    gl_Position = o0;
    v_g0 = o1;
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    t2 = vec4(0.0);
    t3 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    a0 = ivec4(0);
    int loop_budget = 65536 + loop_budget_bias;
    vec4 imm[1] = vec4[1](
        vec4(0.0, 1.0, 8.0, uintBitsToFloat(0x3f000000u)));
    t0.x = (imm[0].xxxx).x;
    t1 = imm[0].xxxx;
    while (true) {
        loop_budget -= 1;
        if (loop_budget < 0) break;
        t2.x = (vec4(tgsi_fge(t0.xxxx, uintBitsToFloat(vs_cb0[8]).xxxx))).x;
        if (t2.xxxx.x != 0.0) {
            break;
        }
        a0.x = (ivec4(floor(t0.xxxx))).x;
        t1 = uintBitsToFloat(vs_cb0[clamp(a0.x + 0, 0, 8)]) * in_0.xxxx + t1;
        t0.x = (t0.xxxx + imm[0].yyyy).x;
    }
    o1 = t1 * imm[0].wwww;
    o0 = in_0;
    store_outputs();
}
