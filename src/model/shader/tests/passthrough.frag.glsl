#version 330 core
in vec4 v_g0;
layout(location = 0) out vec4 frag_out0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 o0;
void store_outputs() {
    frag_out0 = o0;
}
void main() {
    t0 = vec4(0.0);
    t1 = vec4(0.0);
    t2 = vec4(0.0);
    t3 = vec4(0.0);
    o0 = vec4(0.0);
    vec4 i0 = v_g0;
    o0 = i0;
    store_outputs();
}
