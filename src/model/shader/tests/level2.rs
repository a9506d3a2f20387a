//! Translator tests of the level-2 fixes (piglit's level-2 list against upstream).

use super::*;

/// A vertex shader writing six clip distances (piglit's vs-clip-distance-enables).
const CLIPDIST_VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], CLIPDIST[0]\n\
DCL OUT[2].xy, CLIPDIST[1]\n0: MOV OUT[0], IN[0]\n1: MOV OUT[1], IN[0]\n\
2: MOV OUT[2].xy, IN[0]\n3: END\n";

#[test]
fn written_clip_distances_follow_the_plane_enables() {
    let p = parse(CLIPDIST_VS).unwrap();
    for enable in [0u8, 0b10_1010, 0b01_0101, 0b11_1111, 0xff] {
        let key = VariantKey { clip_plane_enable: enable, ..Default::default() };
        let (g, i) = emit_with_info(&p, &key).unwrap();
        // Only the written and enabled distances are switched on.
        assert_eq!(i.clip_distances, enable & 0b11_1111, "{enable:#b}");
        // The shader still writes all six, and never reads the user planes.
        assert!(g.contains("gl_ClipDistance[5] = o2.y;") && !g.contains("clip_planes"), "{g}");
    }
}

#[test]
fn float_comparisons_are_precise() {
    let t = frag(
        "0: FSLT TEMP[0].x, IN[0].xxxx, IN[0].yyyy\n1: SGE TEMP[0].y, IN[0].zzzz, IN[0].wwww\n\
         2: FSNE TEMP[0].z, IN[0].xxxx, IN[0].xxxx\n3: MOV OUT[0], TEMP[0]",
    );
    let g = emit_text(&t, &VariantKey::default()).unwrap();
    // Declared precise where the host's GLSL knows the word, plain elsewhere.
    assert!(g.starts_with("#version 330 core\n#extension GL_ARB_gpu_shader5 : enable\n"), "{g}");
    assert!(g.contains("#define TGSI_PRECISE precise\n#else\n#define TGSI_PRECISE\n"), "{g}");
    assert!(g.contains("{ TGSI_PRECISE bvec4 r = lessThan(a, b); return r; }"), "{g}");
    assert!(g.contains("uvec4(tgsi_flt(i0.xxxx, i0.yyyy)) * 0xffffffffu"), "{g}");
    assert!(g.contains("vec4(tgsi_fge(i0.zzzz, i0.wwww))"), "{g}");
    assert!(g.contains("uvec4(tgsi_fne(i0.xxxx, i0.xxxx))"), "{g}");
    // Integer comparisons need none of it; GLSL ES 3.00 has no `precise`.
    let g = emit_text(&frag("0: ISLT TEMP[0].x, IN[0].xxxx, IN[0].yyyy"), &VariantKey::default());
    assert!(!g.unwrap().contains("TGSI_PRECISE"));
    let es = VariantKey { glsl_es: true, ..Default::default() };
    let g = emit_text(&t, &es).unwrap();
    assert!(!g.contains("#extension") && g.contains("#define TGSI_PRECISE\n"), "{g}");
}
