//! The GL 4.x features level 2 offers where the host has them. Cube-map arrays
//! (GL_ARB_texture_cube_map_array): the forms Mesa's nir_to_tgsi sends — the layer in
//! src0.w, so bias, LOD and the shadow reference move to TXB2/TXL2/TEX2's second operand —
//! and the sampler types and size queries. Stencil export (GL_ARB_shader_stencil_export).

use super::*;

/// Every cube-array lookup of piglit's tex-miplevel-selection and textureSize tests, as
/// Mesa 25 writes them (`CUBEARRAY`, without the underscore).
const CUBE_ARRAY_FS: &str = "FRAG\nDCL IN[0], TEXCOORD[0], PERSPECTIVE\nDCL OUT[0], COLOR\n\
DCL SAMP[0]\nDCL SAMP[1]\nDCL SVIEW[0], CUBEARRAY, FLOAT\nDCL SVIEW[1], SHADOWCUBEARRAY, FLOAT\n\
DCL CONST[0]\nDCL TEMP[0..5]\nIMM[0] INT32 {2, 0, 0, 0}\n\
  0: TXL2 TEMP[0], IN[0], CONST[0].xxxx, SAMP[0], CUBEARRAY\n\
  1: TXB2 TEMP[1], IN[0], CONST[0].yyyy, SAMP[0], CUBEARRAY\n\
  2: TEX TEMP[2], IN[0], SAMP[0], CUBEARRAY\n\
  3: TXD TEMP[3], IN[0], IN[0], IN[0], SAMP[0], CUBEARRAY\n\
  4: TEX2 TEMP[4], IN[0], CONST[0].zzzz, SAMP[1], SHADOWCUBEARRAY\n\
  5: TXQ TEMP[5], IMM[0].xxxx, SAMP[1], SHADOWCUBEARRAY\n\
  6: ADD TEMP[0], TEMP[0], TEMP[1]\n  7: ADD TEMP[0], TEMP[0], TEMP[2]\n\
  8: ADD TEMP[0], TEMP[0], TEMP[3]\n  9: ADD TEMP[0], TEMP[0], TEMP[4]\n\
 10: ADD OUT[0], TEMP[0], TEMP[5]\n 11: END\n";

#[test]
fn golden_cube_array_lookups() {
    golden("cube_array.frag", CUBE_ARRAY_FS, &VariantKey::default());
    let g = emit_text(CUBE_ARRAY_FS, &VariantKey::default()).unwrap();
    // GLSL 3.30 needs the extension; the samplers are the cube-array types.
    assert!(g.starts_with("#version 330 core\n#extension GL_ARB_texture_cube_map_array"), "{g}");
    assert!(g.contains("uniform samplerCubeArray fs_samp0;"), "{g}");
    assert!(g.contains("uniform samplerCubeArrayShadow fs_samp1;"), "{g}");
    // The whole vec4 is the coordinate; LOD, bias and reference come from src1.x.
    assert!(g.contains("textureLod(fs_samp0, i0, "), "{g}");
    assert!(g.contains("texture(fs_samp0, i0, "), "{g}");
    assert!(g.contains("textureGrad(fs_samp0, i0, i0.xyz, i0.xyz)"), "{g}");
    assert!(g.contains("vec4(texture(fs_samp1, i0, "), "{g}");
    assert!(g.contains("ivec4(textureSize(fs_samp1, "), "{g}");
}

#[test]
fn cube_array_forms_without_a_glsl_function_are_refused() {
    let first = "0: TXL2 TEMP[0], IN[0], CONST[0].xxxx, SAMP[0], CUBEARRAY";
    assert!(CUBE_ARRAY_FS.contains(first));
    let with = |line: &str| CUBE_ARRAY_FS.replace(first, line);
    for line in [
        // Bias and LOD have no room in src0 (w is the layer).
        "0: TXB TEMP[0], IN[0], SAMP[0], CUBEARRAY",
        "0: TXL TEMP[0], IN[0], SAMP[0], CUBEARRAY",
        "0: TXP TEMP[0], IN[0], SAMP[0], CUBEARRAY",
        // The shadow form: GLSL has only texture(samplerCubeArrayShadow, P, ref).
        "0: TEX TEMP[0], IN[0], SAMP[1], SHADOWCUBEARRAY",
        "0: TXL2 TEMP[0], IN[0], CONST[0].xxxx, SAMP[1], SHADOWCUBEARRAY",
        // TEX2 is only the shadow cube array's.
        "0: TEX2 TEMP[0], IN[0], CONST[0].xxxx, SAMP[0], CUBEARRAY",
        // No texelFetch on cubes.
        "0: TXF TEMP[0], IN[0], SAMP[0], CUBEARRAY",
    ] {
        let t = with(line);
        assert!(
            matches!(emit_text(&t, &VariantKey::default()), Err(EmitError::Unsupported(_))),
            "{line}"
        );
    }
    // GLSL ES 3.00 has no cube arrays.
    let es = VariantKey { glsl_es: true, ..Default::default() };
    assert!(matches!(emit_text(CUBE_ARRAY_FS, &es), Err(EmitError::Unsupported(_))));
}

/// TXB2 on a shadow cube (the reference in w, the bias in src1.x): GLSL's
/// texture(samplerCubeShadow, vec4, float).
#[test]
fn shadow_cube_bias_comes_in_txb2() {
    let t = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], SHADOWCUBE, FLOAT\nDCL CONST[0]\n\
          0: TXB2 OUT[0], IN[0], CONST[0].xxxx, SAMP[0], SHADOWCUBE\n  1: END\n";
    let g = emit_text(t, &VariantKey::default()).unwrap();
    assert!(g.contains("uniform samplerCubeShadow fs_samp0;"), "{g}");
    assert!(g.contains("vec4(texture(fs_samp0, i0, "), "{g}");
    assert!(!g.contains("cube_map_array"), "{g}");
}

/// TGSI's STENCIL output (the reference in y, integer bits with native integers): GL's
/// `gl_FragStencilRefARB` under GL_ARB_shader_stencil_export, as piglit's
/// `fbo-depth-array fs-writes-stencil` sends it; none on GLSL ES 3.00.
#[test]
fn stencil_output_is_the_stencil_reference() {
    let t = "FRAG\nDCL OUT[0], STENCIL\nDCL OUT[1], COLOR\nIMM[0] INT32 {0, 3, 0, 0}\n\
        0: MOV OUT[0].y, IMM[0].yyyy\n1: MOV OUT[1], IMM[0].xxxx\n2: END\n";
    let key = VariantKey { integers: true, ..Default::default() };
    let g = emit_text(t, &key).unwrap();
    assert!(g.contains("#extension GL_ARB_shader_stencil_export : require\n"), "{g}");
    assert!(g.contains("gl_FragStencilRefARB = floatBitsToInt(o0.y);"), "{g}");
    let g = emit_text(t, &VariantKey::default()).unwrap();
    assert!(g.contains("gl_FragStencilRefARB = int(o0.y);"), "{g}");
    let es = VariantKey { glsl_es: true, ..key };
    assert!(matches!(emit_text(t, &es), Err(EmitError::Unsupported(_))));
    // Without a STENCIL output, no extension.
    assert!(!emit_text(CUBE_ARRAY_FS, &key).unwrap().contains("stencil_export"));
}

/// TG4 as Mesa 25's virgl driver sends it for GL_ARB_texture_gather (piglit textureGather
/// … offset rgba one int 2DArray): the component in src1, one constant offset.
const GATHER_FS: &str = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n\
DCL SAMP[0]\nDCL SAMP[1]\nDCL SVIEW[0], 2D_ARRAY, SINT\nDCL SVIEW[1], CUBE, FLOAT\n\
DCL TEMP[0..1]\nIMM[0] UINT32 {0, 1065353216, 4294967264, 31}\n\
  0: TG4 TEMP[0], IN[0], IMM[0].xxxx, SAMP[0], 2D_ARRAY, IMM[0].zwz\n\
  1: TG4 TEMP[1], IN[0], IMM[0].xxxx, SAMP[1], CUBE\n\
  2: ADD OUT[0], TEMP[0], TEMP[1]\n  3: END\n";

#[test]
fn gathers_are_texture_gather_calls() {
    let g = emit_text(GATHER_FS, &VariantKey::default()).unwrap();
    assert!(g.contains("#extension GL_ARB_texture_gather : require\n"), "{g}");
    assert!(g.contains("uniform isampler2DArray fs_samp0;"), "{g}");
    assert!(
        g.contains("t0 = intBitsToFloat(textureGatherOffset(fs_samp0, i0.xyz, ivec2(-32, 31)));"),
        "{g}"
    );
    assert!(g.contains("t1 = textureGather(fs_samp1, i0.xyz);"), "{g}");
    // Shaders without TG4 do not ask for the extension.
    let plain = emit_text(CUBE_ARRAY_FS, &VariantKey::default()).unwrap();
    assert!(!plain.contains("texture_gather"));
}

#[test]
fn gather_forms_level_2_does_not_offer_are_refused() {
    let one = |target: &str, view: &str, comp: &str, extra: &str| {
        let t = format!(
            "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
             DCL SVIEW[0], {view}, FLOAT\nIMM[0] UINT32 {{0, 1, 2, 3}}\n\
             0: TG4 OUT[0], IN[0], {comp}, SAMP[0], {target}{extra}\n  1: END\n"
        );
        emit_text(&t, &VariantKey::default())
    };
    assert!(one("2D", "2D", "IMM[0].xxxx", "").is_ok());
    assert!(one("CUBE_ARRAY", "CUBE_ARRAY", "IMM[0].xxxx", "").is_ok());
    // ARB_gpu_shader5's forms: another component, shadow and rectangle targets, four
    // offsets; and a component that is not an immediate.
    let unsupported = |r: Result<String, EmitError>| matches!(r, Err(EmitError::Unsupported(_)));
    assert!(unsupported(one("2D", "2D", "IMM[0].yyyy", "")));
    assert!(unsupported(one("SHADOW2D", "2D", "IMM[0].xxxx", "")));
    assert!(unsupported(one("RECT", "RECT", "IMM[0].xxxx", "")));
    assert!(unsupported(one("CUBE", "CUBE", "IMM[0].xxxx", ", IMM[0].xyz")));
    let four = ", IMM[0].xyz, IMM[0].xyz, IMM[0].xyz, IMM[0].xyz";
    assert!(unsupported(one("2D", "2D", "IMM[0].xxxx", four)));
    assert!(matches!(one("2D", "2D", "IN[0].xxxx", ""), Err(EmitError::Invalid { .. })));
    // GLSL ES hosts serve level 1: no gather there.
    let es = VariantKey { glsl_es: true, ..VariantKey::default() };
    assert!(unsupported(emit_text(GATHER_FS, &es)));
}
