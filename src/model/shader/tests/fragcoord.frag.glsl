#version 330 core
#extension GL_ARB_gpu_shader5 : enable
#ifdef GL_ARB_gpu_shader5
#define TGSI_PRECISE precise
#else
#define TGSI_PRECISE
#endif
layout(origin_upper_left) in vec4 gl_FragCoord;
bvec4 tgsi_flt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }
bvec4 tgsi_fle(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThanEqual(a, b); return r; }
bvec4 tgsi_fgt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThan(a, b); return r; }
bvec4 tgsi_fge(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThanEqual(a, b); return r; }
bvec4 tgsi_feq(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = equal(a, b); return r; }
bvec4 tgsi_fne(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = notEqual(a, b); return r; }
uniform uvec4 fs_cb0[1];
uniform uint fs_const_guard;
layout(location = 0) out vec4 frag_out0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 t4;
vec4 t5;
vec4 t6;
vec4 t7;
vec4 t8;
vec4 t9;
vec4 t10;
vec4 t11;
vec4 t12;
vec4 o0;
void store_outputs() {
    frag_out0 = uintBitsToFloat(floatBitsToUint(o0) ^ uvec4(fs_const_guard));
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    t2 = vec4(0.0);
    t3 = vec4(0.0);
    t4 = vec4(0.0);
    t5 = vec4(0.0);
    t6 = vec4(0.0);
    t7 = vec4(0.0);
    t8 = vec4(0.0);
    t9 = vec4(0.0);
    t10 = vec4(0.0);
    t11 = vec4(0.0);
    t12 = vec4(0.0);
    o0 = vec4(0.0);
    vec4 imm[2] = vec4[2](
        vec4(0.0, 0.0, 0.0, 0.0),
        vec4(uintBitsToFloat(0x3c23d70au), 1.0, 0.0, 0.0));
    vec4 i0 = gl_FragCoord;
    vec4 i1 = vec4(gl_FrontFacing ? 1.0 : -1.0, 0.0, 0.0, 1.0);
    vec4 i2 = vec4(gl_PointCoord, 0.0, 1.0);
    t3 = vec4(tgsi_fge(i1, imm[0].xxxx));
    t4.x = (i0.yxxx * uintBitsToFloat(fs_cb0[0]).zxxx).x;
    t2.y = (t4.xxxx + uintBitsToFloat(fs_cb0[0]).wwww).y;
    t2.xzw = (i0.xxzw).xzw;
    t5 = t2 * imm[1].xxxx;
    t1.xyw = (t5.xyxw).xyw;
    t1.z = (imm[1].yyyy).z;
    t6.x = (t3.xxxx).x;
    t7.x = (t6.xxxx).x;
    t8 = mix(t5, t1, notEqual(floatBitsToUint(t7.xxxx), uvec4(0u)));
    t0.xy = (i2.xyxx).xy;
    t0.z = (imm[1].zzzz).z;
    o0 = t8 + t0.xyzz;
    store_outputs();
}
