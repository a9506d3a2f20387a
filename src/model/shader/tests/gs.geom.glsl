#version 330 core
layout(triangles) in;
layout(triangle_strip, max_vertices = 6) out;
in vec4 gv_g0[];
out vec4 v_g0;
out vec4 v_g1;
uniform int loop_budget_bias;
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
vec4 t13;
vec4 t14;
vec4 t15;
vec4 t16;
vec4 o0;
vec4 o1;
vec4 o2;
ivec4 a0;
ivec4 a1;
void store_outputs() {
    gl_Position = o0;
    v_g0 = o1;
    v_g1 = o2;
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
    t13 = vec4(0.0);
    t14 = vec4(0.0);
    t15 = vec4(0.0);
    t16 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    o2 = vec4(0.0);
    a0 = ivec4(0);
    a1 = ivec4(0);
    int loop_budget = 65536 + loop_budget_bias;
    vec4 imm[2] = vec4[2](
        vec4(0.0, uintBitsToFloat(0x3dcccccdu), uintBitsToFloat(0x00000001u), uintBitsToFloat(0x00000003u)),
        vec4(uintBitsToFloat(0x00000002u), 0.0, 0.0, 0.0));
    t2.x = (imm[0].xxxx).x;
    while (true) {
        loop_budget -= 1;
        if (loop_budget < 0) break;
        t0.x = (imm[0].xxxx).x;
        while (true) {
            loop_budget -= 1;
            if (loop_budget < 0) break;
            t3.x = (vec4(floatBitsToInt(t2.xxxx))).x;
            t4.x = (t3.xxxx * imm[0].yyyy).x;
            a1.x = (floatBitsToInt(t0)).x;
            t5 = ((a1.x + 0) <= 0 ? gl_in[0].gl_Position : ((a1.x + 0) == 1 ? gl_in[1].gl_Position : gl_in[2].gl_Position));
            t6 = t5 + t4.xxxx;
            t1.x = (uintBitsToFloat(floatBitsToUint(t2.xxxx) + floatBitsToUint(imm[0].zzzz))).x;
            t7.x = (vec4(floatBitsToInt(t1.xxxx))).x;
            a1.x = (floatBitsToInt(t0)).x;
            t8 = ((a1.x + 0) <= 0 ? gv_g0[0] : ((a1.x + 0) == 1 ? gv_g0[1] : gv_g0[2]));
            t9 = t8 * t7.xxxx;
            t10.x = (uintBitsToFloat(floatBitsToUint(intBitsToFloat(ivec4(gl_PrimitiveIDIn, 0, 0, 0)).xxxx) + floatBitsToUint(t2.xxxx))).x;
            o0 = t6;
            o1 = t9;
            o2.x = (t10.xxxx).x;
            store_outputs();
            EmitVertex();
            t0.x = (uintBitsToFloat(floatBitsToUint(t0.xxxx) + floatBitsToUint(imm[0].zzzz))).x;
            t11.x = (uintBitsToFloat(uvec4(greaterThanEqual(floatBitsToInt(t0.xxxx), floatBitsToInt(imm[0].wwww))) * 0xffffffffu)).x;
            if (floatBitsToUint(t11.xxxx).x != 0u) {
                break;
            }
        }
        EndPrimitive();
        t12.x = (uintBitsToFloat(uvec4(greaterThanEqual(floatBitsToInt(t1.xxxx), floatBitsToInt(imm[1].xxxx))) * 0xffffffffu)).x;
        if (floatBitsToUint(t12.xxxx).x != 0u) {
            break;
        }
        t2.x = (t1.xxxx).x;
    }
}
