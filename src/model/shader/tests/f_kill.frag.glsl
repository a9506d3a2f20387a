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
in vec4 v_t0;
layout(location = 0) out vec4 frag_out0;
vec4 t0;
vec4 t1;
vec4 o0;
void store_outputs() {
    frag_out0 = o0;
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    o0 = vec4(0.0);
    vec4 imm[1] = vec4[1](
        vec4(uintBitsToFloat(0x3f000000u), 0.0, 0.0, 0.0));
    vec4 i0 = v_t0;
    t0 = texture(fs_samp0, i0.xy);
    t1.x = (vec4(tgsi_flt(t0.wwww, imm[0].xxxx))).x;
    if (any(lessThan((-t1.xxxx), vec4(0.0)))) discard;
    t1.y = (vec4(tgsi_fge(i0.xxxx, i0.yyyy))).y;
    if (t1.yyyy.x != 0.0) {
        discard;
    }
    o0 = t0;
    store_outputs();
}
