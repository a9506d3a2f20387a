#version 330 core
layout(location = 0) in vec4 in_0;
layout(location = 1) in vec4 in_1;
out vec4 v_g0;
vec4 t0;
vec4 t1;
vec4 t2;
vec4 t3;
vec4 o0;
vec4 o1;
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
    o1 = in_1;
    o0 = in_0;
    store_outputs();
}
