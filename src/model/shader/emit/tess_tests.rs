//! Tessellation stages: layout, per-vertex and per-patch interfaces, control-stage
//! output writes, system values, refusals.

use crate::model::shader::{parse, translate, EmitError, VariantKey};

/// A control stage in the style Mesa's virgl driver writes: levels, a per-vertex
/// pass-through at the invocation's vertex (UARL from INVOCATIONID), a per-patch varying.
pub(crate) const TCS: &str = "TESS_CTRL\nPROPERTY TCS_VERTICES_OUT 3\n\
DCL IN[][0], POSITION\nDCL IN[][1], GENERIC[0]\nDCL OUT[][0], POSITION\n\
DCL OUT[][1], GENERIC[0]\nDCL OUT[2], TESSOUTER\nDCL OUT[3].xy, TESSINNER\n\
DCL OUT[4], PATCH[0]\nDCL SV[0], INVOCATIONID\nDCL SV[1], VERTICESIN\nDCL TEMP[0]\n\
DCL ADDR[0..1]\nIMM[0] FLT32 {2.0000, 3.0000, 1.0000, 0.5000}\n\
  0: MOV OUT[2], IMM[0].xxyy\n  1: MOV OUT[3].xy, IMM[0].zzzz\n\
  2: UARL ADDR[1].x, SV[0].xxxx\n  3: MOV TEMP[0], IN[ADDR[1].x][0]\n\
  4: MOV OUT[ADDR[1].x][0], TEMP[0]\n  5: MOV OUT[ADDR[1].x][1], IN[ADDR[1].x][1]\n\
  6: I2F OUT[4].x, SV[1].xxxx\n  7: MOV OUT[4].yzw, OUT[2].yyzw\n  8: END\n";

/// An evaluation stage: barycentric position, a per-vertex varying, the per-patch one
/// and an outer level through a system value.
pub(crate) const TES: &str = "TESS_EVAL\nPROPERTY TES_PRIM_MODE 4\nPROPERTY TES_SPACING 2\n\
PROPERTY TES_VERTEX_ORDER_CW 0\nPROPERTY TES_POINT_MODE 0\nDCL IN[][0], POSITION\n\
DCL IN[][1], GENERIC[0]\nDCL IN[2], PATCH[0]\nDCL SV[0], TESSCOORD\nDCL SV[1], TESSOUTER\n\
DCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL TEMP[0..1]\n\
  0: MUL TEMP[0], IN[0][0], SV[0].xxxx\n  1: MAD TEMP[0], IN[1][0], SV[0].yyyy, TEMP[0]\n\
  2: MAD OUT[0], IN[2][0], SV[0].zzzz, TEMP[0]\n  3: MOV TEMP[1], IN[0][1]\n\
  4: MOV TEMP[1].y, IN[2].xxxx\n  5: MOV TEMP[1].z, SV[1].yyyy\n\
  6: MOV OUT[1], TEMP[1]\n  7: END\n";

fn key() -> VariantKey {
    VariantKey { integers: true, ..Default::default() }
}

fn has(g: &str, want: &[&str]) {
    for w in want {
        assert!(g.contains(w), "missing {w:?} in\n{g}");
    }
}

#[test]
fn control_stage() {
    let g = translate(TCS, &key()).unwrap();
    assert!(g.starts_with("#version 400 core\nlayout(vertices = 3) out;\n"), "{g}");
    has(
        &g,
        &[
            "in vec4 gv_g0[];",
            "out vec4 tv_g0[];",
            "patch out vec4 tp0;",
            "vec4 sv0 = intBitsToFloat(ivec4(gl_InvocationID, 0, 0, 0));",
            "vec4 sv1 = intBitsToFloat(ivec4(gl_PatchVerticesIn, 0, 0, 0));",
            // Levels per component; inner z/w have nowhere to go.
            "gl_TessLevelOuter[3] = tess_v.w;",
            "gl_TessLevelInner[1] = tess_v.y;",
            // Reads clamp to the patch; writes go to the invocation's own vertex only.
            "gl_in[clamp(a1.x + 0, 0, gl_PatchVerticesIn - 1)].gl_Position",
            "if ((a1.x + 0) == gl_InvocationID) {",
            "gl_out[gl_InvocationID].gl_Position = tess_v;",
            "tv_g0[gl_InvocationID] = tess_v;",
            "gv_g0[clamp(a1.x + 0, 0, gl_PatchVerticesIn - 1)]",
            "tp0.x = tess_v.x;",
            // An output read back: the levels as written.
            "gl_TessLevelOuter[0], gl_TessLevelOuter[1]",
        ],
    );
    assert!(!g.contains("gl_TessLevelInner[2]"), "{g}");
    assert!(!g.contains("vec4 o"), "no output copies in the control stage\n{g}");
}

#[test]
fn evaluation_stage() {
    let g = translate(TES, &key()).unwrap();
    assert!(g.starts_with("#version 400 core\nlayout(triangles, equal_spacing, ccw) in;\n"), "{g}");
    has(
        &g,
        &[
            "in vec4 tv_g0[];",
            "patch in vec4 tp0;",
            "vec4 i2 = tp0;",
            "vec4 sv0 = vec4(gl_TessCoord, 0.0);",
            "vec4 sv1 = vec4(gl_TessLevelOuter[0]",
            "gl_in[2].gl_Position",
            "tv_g0[0]",
            "gl_Position = o0;",
            "out vec4 v_g0;",
        ],
    );
    // Followed by a geometry stage: its per-vertex names.
    let g = translate(TES, &VariantKey { to_geometry: true, ..key() }).unwrap();
    assert!(g.contains("out vec4 gv_g0;"), "{g}");
    // Without a control stage: the vertex stage's per-vertex outputs.
    let g = translate(TES, &VariantKey { tes_after_vertex: true, ..key() }).unwrap();
    has(&g, &["in vec4 gv_g0[];", "gv_g0[0]"]);
    assert!(!g.contains("tv_g0"), "{g}");
}

#[test]
fn evaluation_layouts() {
    let layout = |props: &str| {
        let t = format!(
            "TESS_EVAL\n{props}DCL IN[][0], POSITION\nDCL OUT[0], POSITION\n\
             0: MOV OUT[0], IN[0][0]\n1: END\n"
        );
        crate::model::shader::emit(&parse(&t).unwrap(), &key())
            .map(|g| g.lines().nth(1).unwrap().to_string())
    };
    let l = |s: &str| Ok(s.to_string());
    assert_eq!(
        layout(
            "PROPERTY TES_PRIM_MODE 7\nPROPERTY TES_SPACING 0\nPROPERTY TES_VERTEX_ORDER_CW 1\n"
        ),
        l("layout(quads, fractional_odd_spacing, cw) in;")
    );
    assert_eq!(
        layout("PROPERTY TES_PRIM_MODE 1\nPROPERTY TES_SPACING 1\nPROPERTY TES_POINT_MODE 1\n"),
        l("layout(isolines, fractional_even_spacing, ccw, point_mode) in;")
    );
    assert_eq!(
        layout("PROPERTY TES_PRIM_MODE TRIANGLES\n"),
        l("layout(triangles, equal_spacing, ccw) in;")
    );
    for bad in
        ["", "PROPERTY TES_PRIM_MODE 5\n", "PROPERTY TES_PRIM_MODE 4\nPROPERTY TES_SPACING 3\n"]
    {
        assert!(matches!(layout(bad), Err(EmitError::Invalid { .. })), "{bad}");
    }
}

#[test]
fn refusals() {
    let k = key();
    let e = |t: &str| crate::model::shader::emit(&parse(t).unwrap(), &k);
    // TCS_VERTICES_OUT: required, at most 32.
    let no_count = TCS.replace("PROPERTY TCS_VERTICES_OUT 3\n", "");
    assert!(matches!(e(&no_count), Err(EmitError::Invalid { .. })));
    let big = TCS.replace("TCS_VERTICES_OUT 3", "TCS_VERTICES_OUT 33");
    assert!(matches!(e(&big), Err(EmitError::Unsupported(_))));
    // A constant vertex index beyond the output patch, beyond 32 for inputs.
    let far = TCS.replace("MOV OUT[ADDR[1].x][0], TEMP[0]", "MOV OUT[3][0], TEMP[0]");
    assert!(matches!(e(&far), Err(EmitError::Invalid { .. })));
    let far = TES.replace("IN[2][0]", "IN[32][0]");
    assert!(matches!(e(&far), Err(EmitError::Invalid { .. })));
    // Per-patch varyings up to PATCH[29].
    let many = TCS.replace("PATCH[0]", "PATCH[30]");
    assert!(matches!(e(&many), Err(EmitError::Unsupported(_))));
    // A per-vertex read without a vertex, a vertex on a per-patch input.
    let flat = TES.replace("MOV TEMP[1], IN[0][1]", "MOV TEMP[1], IN[1]");
    assert!(e(&flat).is_err());
    let vtx = TES.replace("IN[2].xxxx", "IN[0][2].xxxx");
    assert!(matches!(e(&vtx), Err(EmitError::Invalid { .. })));
    // GLSL ES and stream output from the control stage.
    let es = VariantKey { glsl_es: true, ..k };
    assert!(matches!(
        crate::model::shader::emit(&parse(TCS).unwrap(), &es),
        Err(EmitError::Unsupported(_))
    ));
    // BARRIER only in the control stage.
    let g = translate(&TCS.replace("  8: END", "  8: BARRIER\n  9: END"), &k).unwrap();
    assert!(g.contains("    barrier();"), "{g}");
    let fs = "FRAG\nDCL OUT[0], COLOR\n0: BARRIER\n1: END\n";
    assert!(matches!(e(fs), Err(EmitError::Unsupported(_))));
}

/// Arrays of varyings addressed at run time (`OUT[v][ADDR[0].x+1]`): each declared
/// register of the same kind read or written with a constant index; other addresses read
/// zero and write nothing.
#[test]
fn indirect_registers_pick_within_their_declaration() {
    let t = "TESS_CTRL\nPROPERTY TCS_VERTICES_OUT 2\nDCL IN[][0..2], GENERIC[0]\n\
        DCL OUT[][0..2], GENERIC[0]\nDCL SV[0], INVOCATIONID\nDCL ADDR[0..1]\n\
        0: UARL ADDR[1].x, SV[0].xxxx\n1: UARL ADDR[0].x, SV[0].xxxx\n\
        2: MOV OUT[ADDR[1].x][ADDR[0].x+1], IN[ADDR[1].x][ADDR[0].x+1]\n3: END\n";
    let g = translate(t, &key()).unwrap();
    has(
        &g,
        &[
            "((a0.x + 1) == 0 ? gv_g0[clamp(a1.x + 0, 0, gl_PatchVerticesIn - 1)] : \
             ((a0.x + 1) == 1 ? gv_g1[",
            "vec4 tess_w = ((a0.x + 1) == 0",
            ": vec4(0.0))));",
            "if ((a0.x + 1) == 0) {",
            "} else if ((a0.x + 1) == 2) {",
            "tv_g2[gl_InvocationID] = tess_v;",
        ],
    );
    // The expansion is bounded per program: refused past the budget, not multiplied.
    let mut many = String::from(
        "TESS_CTRL\nPROPERTY TCS_VERTICES_OUT 2\nDCL IN[][0..59], GENERIC[0]\n\
         DCL OUT[][0], GENERIC[0]\nDCL TEMP[0]\nDCL ADDR[0..1]\n",
    );
    for i in 0..80 {
        many.push_str(&format!("{i}: ADD TEMP[0], TEMP[0], IN[1][ADDR[0].x]\n"));
    }
    many.push_str("80: MOV OUT[ADDR[1].x][0], TEMP[0]\n81: END\n");
    assert!(matches!(
        crate::model::shader::emit(&parse(&many).unwrap(), &key()),
        Err(EmitError::Unsupported(_))
    ));
    let few = many.replacen("IN[1][ADDR[0].x]", "IN[1][0]", 40);
    let r = crate::model::shader::emit(&parse(&few).unwrap(), &key());
    assert!(r.is_ok(), "{:?}", r.err());
    // A base register no declaration covers is refused.
    let bad = t.replace("IN[ADDR[1].x][ADDR[0].x+1]", "IN[ADDR[1].x][ADDR[0].x+7]");
    assert!(translate(&bad, &key()).is_err());
}

#[test]
fn constant_vertex_writes_are_guarded() {
    let t = TCS.replace("MOV OUT[ADDR[1].x][0], TEMP[0]", "MOV OUT[2][0], TEMP[0]");
    let g = translate(&t, &key()).unwrap();
    assert!(g.contains("if (gl_InvocationID == 2) {"), "{g}");
}
