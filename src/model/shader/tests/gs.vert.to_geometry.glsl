#version 330 core
layout(location = 0) in vec4 in_0;
out vec4 gv_g0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 t4;
vec4 o0;
vec4 o1;
void store_outputs() {
    gl_Position = o0;
    gv_g0 = o1;
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    t2 = vec4(0.0);
    t3 = vec4(0.0);
    t4 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    vec4 imm[1] = vec4[1](
        vec4(uintBitsToFloat(0x3f000000u), 0.0, 0.0, 0.0));
    t0 = in_0 * imm[0].xxxx;
    o1 = t0 + imm[0].xxxx;
    o0 = in_0;
    store_outputs();
}
