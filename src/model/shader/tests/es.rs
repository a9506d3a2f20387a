//! Translator tests of the GLSL ES output (GLES hosts).

use super::*;

#[test]
fn glsl_es_refuses_what_es_lacks() {
    let es = VariantKey { glsl_es: true, ..Default::default() };
    let g = emit_text(&corpus_text("f_kill.frag.tgsi"), &es).unwrap();
    assert!(
        g.starts_with("#version 300 es\nprecision highp float;\nprecision highp int;\n"),
        "{g}"
    );
    assert!(g.contains("uniform highp sampler2D fs_samp0;"));
    let refused = |t: &str, key: &VariantKey| {
        assert!(matches!(emit_text(t, key), Err(EmitError::Unsupported(_))), "{t}");
    };
    refused(&corpus_text("gs.geom.tgsi"), &es);
    refused(&corpus_text("f_kill.vert.tgsi"), &VariantKey { clip_plane_enable: 1, ..es });
    refused(&corpus_text("fragcoord.frag.tgsi"), &VariantKey { lower_left_origin: true, ..es });
    refused(&corpus_text("f_tex.frag.tgsi"), &es); // 1D sampler
    refused(&corpus_text("f_math.frag.tgsi"), &es); // LINEAR → noperspective
    refused(&corpus_text("f_gs_lines.frag.tgsi"), &es); // gl_PrimitiveID
    let vs = corpus_text("f_math.vert.tgsi");
    refused(&vs, &VariantKey { next_noperspective: 1 << 1, ..es });
    assert!(emit_text(&vs, &es).is_ok());
    // Fragment coordinates need no layout when the conventions match GL's default.
    assert!(emit_text(&corpus_text("fragcoord.frag.tgsi"), &es).is_ok());
    golden("kmscube.vert.es", &corpus_text("kmscube.vert.tgsi"), &es);
}
