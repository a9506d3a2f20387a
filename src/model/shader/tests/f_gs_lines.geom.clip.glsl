#version 330 core
#extension GL_ARB_gpu_shader5 : enable
#ifdef GL_ARB_gpu_shader5
#define TGSI_PRECISE precise
#else
#define TGSI_PRECISE
#endif
layout(lines_adjacency) in;
layout(line_strip, max_vertices = 4) out;
bvec4 tgsi_flt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }
bvec4 tgsi_fle(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = lessThanEqual(a, b); return r; }
bvec4 tgsi_fgt(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThan(a, b); return r; }
bvec4 tgsi_fge(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = greaterThanEqual(a, b); return r; }
bvec4 tgsi_feq(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = equal(a, b); return r; }
bvec4 tgsi_fne(vec4 a, vec4 b) { TGSI_PRECISE bvec4 r = notEqual(a, b); return r; }
in vec4 gv_c0[];
out vec4 v_c0;
out float gl_ClipDistance[8];
uniform vec4 gs_clip_planes[8];
vec4 t0;
vec4 t1;
vec4 o0;
vec4 o1;
vec4 o2;
vec4 o3;
vec4 o4;
ivec4 a0;
void store_outputs() {
    gl_Position = o0;
    v_c0 = o1;
    gl_PointSize = o2.x;
    gl_PrimitiveID = int(o3.x);
    gl_Layer = int(o4.x);
    gl_ClipDistance[0] = dot(o0, gs_clip_planes[0]);
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    o0 = vec4(0.0);
    o1 = vec4(0.0);
    o2 = vec4(0.0);
    o3 = vec4(0.0);
    o4 = vec4(0.0);
    a0 = ivec4(0);
    vec4 imm[2] = vec4[2](
        vec4(0.0, 1.0, 4.0, uintBitsToFloat(0x3f000000u)),
        vec4(0.0, uintBitsToFloat(0x00000001u), uintBitsToFloat(0x00000002u), 0.0));
    t0.x = (imm[0].xxxx).x;
    while (true) {
        t1.x = (vec4(tgsi_fge(t0.xxxx, imm[0].zzzz))).x;
        if (t1.xxxx.x != 0.0) {
            break;
        }
        a0.x = (ivec4(floor(t0.xxxx))).x;
        o0 = ((a0.x + 0) <= 0 ? gl_in[0].gl_Position : ((a0.x + 0) == 1 ? gl_in[1].gl_Position : ((a0.x + 0) == 2 ? gl_in[2].gl_Position : gl_in[3].gl_Position)));
        o1 = ((a0.x + 0) <= 0 ? gv_c0[0] : ((a0.x + 0) == 1 ? gv_c0[1] : ((a0.x + 0) == 2 ? gv_c0[2] : gv_c0[3]))) * imm[0].wwww;
        o2.x = (((a0.x + 0) <= 0 ? vec4(gl_in[0].gl_PointSize, 0.0, 0.0, 0.0) : ((a0.x + 0) == 1 ? vec4(gl_in[1].gl_PointSize, 0.0, 0.0, 0.0) : ((a0.x + 0) == 2 ? vec4(gl_in[2].gl_PointSize, 0.0, 0.0, 0.0) : vec4(gl_in[3].gl_PointSize, 0.0, 0.0, 0.0)))).xxxx + vec4(gl_in[1].gl_PointSize, 0.0, 0.0, 0.0).xxxx).x;
        o3 = vec4(float(gl_PrimitiveIDIn), 0.0, 0.0, 1.0);
        o4 = imm[1].xxxx;
        store_outputs();
        EmitVertex();
        t0.x = (t0.xxxx + imm[0].yyyy).x;
    }
    EndPrimitive();
}
