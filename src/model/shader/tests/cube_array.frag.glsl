#version 330 core
#extension GL_ARB_texture_cube_map_array : require
uniform uvec4 fs_cb0[1];
uniform samplerCubeArray fs_samp0;
uniform samplerCubeArrayShadow fs_samp1;
in vec4 v_t0;
uniform uint fs_const_guard;
layout(location = 0) out vec4 frag_out0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 t4;
vec4 t5;
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
    o0 = vec4(0.0);
    vec4 imm[1] = vec4[1](
        vec4(uintBitsToFloat(0x00000002u), 0.0, 0.0, 0.0));
    vec4 i0 = v_t0;
    t0 = textureLod(fs_samp0, i0, uintBitsToFloat(fs_cb0[0]).xxxx.x);
    t1 = texture(fs_samp0, i0, uintBitsToFloat(fs_cb0[0]).yyyy.x);
    t2 = texture(fs_samp0, i0);
    t3 = textureGrad(fs_samp0, i0, i0.xyz, i0.xyz);
    t4 = vec4(texture(fs_samp1, i0, uintBitsToFloat(fs_cb0[0]).zzzz.x));
    t5 = intBitsToFloat(ivec4(textureSize(fs_samp1, floatBitsToInt(imm[0].xxxx).x), 0));
    t0 = t0 + t1;
    t0 = t0 + t2;
    t0 = t0 + t3;
    t0 = t0 + t4;
    o0 = t0 + t5;
    store_outputs();
}
