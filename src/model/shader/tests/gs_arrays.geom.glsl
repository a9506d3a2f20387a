#version 330 core
#extension GL_ARB_gpu_shader5 : enable
#ifdef GL_ARB_gpu_shader5
#define TGSI_PRECISE precise
#else
#define TGSI_PRECISE
#endif
layout(triangles) in;
layout(triangle_strip, max_vertices = 3) out;
bvec4 tgsi_flt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }
bvec4 tgsi_fle(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThanEqual(a, b); return r; }
bvec4 tgsi_fgt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThan(a, b); return r; }
bvec4 tgsi_fge(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThanEqual(a, b); return r; }
bvec4 tgsi_feq(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = equal(a, b); return r; }
bvec4 tgsi_fne(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = notEqual(a, b); return r; }
in vec4 gv_g0[];
in vec4 gv_g1[];
out vec4 v_g0;
vec4 ta0[12];
vec4 t12;
vec4 t13;
vec4 t14;
vec4 t15;
vec4 t16;
vec4 t17;
vec4 t18;
vec4 t19;
vec4 t20;
vec4 t21;
vec4 t22;
vec4 t23;
vec4 t24;
vec4 t25;
vec4 t26;
vec4 t27;
vec4 t28;
vec4 t29;
vec4 t30;
vec4 t31;
vec4 o0;
vec4 o1;
ivec4 a0;
ivec4 a1;
void store_outputs() {
    gl_Position = o0;
    v_g0 = o1;
}
void main() {
    for (int i = 0; i < 12; i++) ta0[i] = vec4(0.0);
    t12 = vec4(0.0);
    t13 = vec4(0.0);
    t14 = vec4(0.0);
    t15 = vec4(0.0);
    t16 = vec4(0.0);
    t17 = vec4(0.0);
    t18 = vec4(0.0);
    t19 = vec4(0.0);
    t20 = vec4(0.0);
    t21 = vec4(0.0);
    t22 = vec4(0.0);
    t23 = vec4(0.0);
    t24 = vec4(0.0);
    t25 = vec4(0.0);
    t26 = vec4(0.0);
    t27 = vec4(0.0);
    t28 = vec4(0.0);
    t29 = vec4(0.0);
    t30 = vec4(0.0);
    t31 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    a0 = ivec4(0);
    a1 = ivec4(0);
    vec4 imm[2] = vec4[2](
        vec4(0.0, uintBitsToFloat(0xffffffffu), uintBitsToFloat(0x00000002u), uintBitsToFloat(0x00000001u)),
        vec4(uintBitsToFloat(0x00000004u), uintBitsToFloat(0x00000003u), 0.0, 1.0));
    ta0[0].x = (gv_g0[0].xxxx).x;
    ta0[1].x = (gv_g0[0].yxxx).x;
    ta0[2].x = (gv_g0[0].zxxx).x;
    ta0[3].x = (gv_g0[0].wxxx).x;
    ta0[4].x = (gv_g0[1].xxxx).x;
    ta0[5].x = (gv_g0[1].yxxx).x;
    ta0[6].x = (gv_g0[1].zxxx).x;
    ta0[7].x = (gv_g0[1].wxxx).x;
    ta0[8].x = (gv_g0[2].xxxx).x;
    ta0[9].x = (gv_g0[2].yxxx).x;
    ta0[10].x = (gv_g0[2].zxxx).x;
    ta0[11].x = (gv_g0[2].wxxx).x;
    t13.x = (imm[0].xxxx).x;
    t14.x = (imm[0].yyyy).x;
    while (true) {
        t12.x = (imm[0].xxxx).x;
        while (true) {
            t16.x = (uintBitsToFloat(floatBitsToUint(t13.xxxx) << (floatBitsToUint(imm[0].zzzz) & 31u))).x;
            t17.x = (uintBitsToFloat(floatBitsToUint(t16.xxxx) + floatBitsToUint(t12.xxxx))).x;
            a0.x = (floatBitsToInt(t17.xxxx)).x;
            t18.x = (ta0[clamp(a0.x + 0, 0, 11)].xxxx).x;
            t19.x = (vec4(floatBitsToInt(t12.xxxx))).x;
            a1.x = (floatBitsToInt(t13)).x;
            t20.x = (((a1.x + 0) <= 0 ? gv_g1[0] : ((a1.x + 0) == 1 ? gv_g1[1] : gv_g1[2])).xxxx).x;
            t21.x = (t20.xxxx + t19.xxxx).x;
            t22.x = (uintBitsToFloat(uvec4(tgsi_fne(t18.xxxx, t21.xxxx)) * 0xffffffffu)).x;
            t14.x = (mix(t14, imm[0].xxxx, notEqual(floatBitsToUint(t22.xxxx), uvec4(0u)))).x;
            t12.x = (uintBitsToFloat(floatBitsToUint(t12.xxxx) + floatBitsToUint(imm[0].wwww))).x;
            t23.x = (uintBitsToFloat(uvec4(greaterThanEqual(floatBitsToInt(t12.xxxx), floatBitsToInt(imm[1].xxxx))) * 0xffffffffu)).x;
            if (floatBitsToUint(t23.xxxx).x != 0u) {
                break;
            }
        }
        t13.x = (uintBitsToFloat(floatBitsToUint(t13.xxxx) + floatBitsToUint(imm[0].wwww))).x;
        t24.x = (uintBitsToFloat(uvec4(greaterThanEqual(floatBitsToInt(t13.xxxx), floatBitsToInt(imm[1].yyyy))) * 0xffffffffu)).x;
        if (floatBitsToUint(t24.xxxx).x != 0u) {
            break;
        }
    }
    t15.x = (imm[0].xxxx).x;
    while (true) {
        t25 = mix(imm[1].wzzw, imm[1].zwzw, notEqual(floatBitsToUint(t14.xxxx), uvec4(0u)));
        a1.x = (floatBitsToInt(t15)).x;
        t26 = ((a1.x + 0) <= 0 ? gl_in[0].gl_Position : ((a1.x + 0) == 1 ? gl_in[1].gl_Position : gl_in[2].gl_Position));
        o0 = t26;
        o1 = t25;
        store_outputs();
        EmitVertex();
        t15.x = (uintBitsToFloat(floatBitsToUint(t15.xxxx) + floatBitsToUint(imm[0].wwww))).x;
        t27.x = (uintBitsToFloat(uvec4(greaterThanEqual(floatBitsToInt(t15.xxxx), floatBitsToInt(imm[1].yyyy))) * 0xffffffffu)).x;
        if (floatBitsToUint(t27.xxxx).x != 0u) {
            break;
        }
    }
}
