#version 330 core
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
    t1.x = (uintBitsToFloat(uvec4(lessThan(t0.wxxx, imm[0].xxxx)) * 0xffffffffu)).x;
    t2.x = (uintBitsToFloat(floatBitsToUint(t1.xxxx) & floatBitsToUint(imm[1].xxxx))).x;
    if (any(lessThan((-t2.xxxx), vec4(0.0)))) discard;
    o0 = t0;
    store_outputs();
}
