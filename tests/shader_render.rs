//! The translated programs compute what TGSI says: pairs rendered to one pixel on the
//! host's GL (the float, integer, loop, texture, geometry and variant-key semantics), and
//! random float programs checked against a reference interpreter.
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.

mod shader_gl;

use shader_gl::*;
use std::path::PathBuf;
use virglrenderer::internal::shader::{self, CompareFunc, VariantKey};

#[test]
fn renders_float_semantics() {
    let Some(gl) = gl_or_skip() else { return };
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..3]\nDCL TEMP[0..1]\n\
        IMM[0] FLT32 {0.5000, 2.0000, -1.0000, 0.2500}\n\
        0: CMP TEMP[0].x, CONST[0].xxxx, IMM[0].xxxx, IMM[0].yyyy\n\
        1: LRP TEMP[0].y, IMM[0].wwww, CONST[1].xxxx, CONST[1].yyyy\n\
        2: DP3 TEMP[0].z, CONST[2], CONST[2]\n\
        3: SLT TEMP[1], CONST[3], IMM[0].xxxx\n\
        4: DP4 TEMP[0].w, TEMP[1], IMM[0]\n\
        5: MOV OUT[0], TEMP[0]\n6: END\n";
    let consts = [
        f4([-1.0, 0.0, 0.0, 0.0]),
        f4([4.0, 8.0, 0.0, 0.0]),
        f4([1.0, 2.0, 3.0, 100.0]),
        f4([0.0, 1.0, 0.5, -3.0]),
    ];
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(close(got, [0.5, 7.0, 14.0, 0.75]), "{got:?}");
    // Scalar opcodes replicate src.x; LIT, DST, XPD, SSG, FLR, FRC, ROUND.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL TEMP[0..3]\n\
        IMM[0] FLT32 {2.0000, 0.5000, 3.0000, -1.5000}\n\
        0: RCP TEMP[0].x, IN[0].yxxx\n1: POW TEMP[0].y, IN[0].xxxx, IMM[0].zzzz\n\
        2: LIT TEMP[1], IN[0].xzwy\n3: ADD TEMP[0].z, TEMP[1].yyyy, TEMP[1].zzzz\n\
        4: ROUND TEMP[2], IMM[0]\n5: DP4 TEMP[0].w, TEMP[2], IMM[0].yyyy\n\
        6: MOV OUT[0], TEMP[0]\n7: END\n";
    // IN[0] = (2, 4, 3, 2): RCP 1/4; POW 2^3; LIT(2, 3, 2, 4) y=2, z=3^4=81; ROUND
    // (2, 0.5, 3, -1.5) = (2, 0, 3, -2) (ties to even) → dot with 0.5 = 1.5.
    let got = gl.render(&Draw { attr1: [2.0, 4.0, 3.0, 2.0], ..draw(fs) });
    assert!(close(got, [0.25, 8.0, 83.0, 1.5]), "{got:?}");
}

#[test]
fn renders_loops_and_indirect_addressing() {
    let Some(gl) = gl_or_skip() else { return };
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..8]\nDCL TEMP[0..2]\nDCL ADDR[0]\n\
        IMM[0] FLT32 {0.0000, 1.0000, 0.0000, 0.0000}\n\
        0: MOV TEMP[0], IMM[0].xxxx\n1: MOV TEMP[1], IMM[0].xxxx\n2: BGNLOOP :10\n\
        3: SGE TEMP[2].x, TEMP[0].xxxx, CONST[8].xxxx\n4: IF TEMP[2].xxxx :6\n5: BRK\n\
        6: ENDIF\n7: ARL ADDR[0].x, TEMP[0].xxxx\n8: ADD TEMP[1], TEMP[1], CONST[ADDR[0].x]\n\
        9: ADD TEMP[0].x, TEMP[0].xxxx, IMM[0].yyyy\n10: ENDLOOP :2\n\
        11: MOV OUT[0], TEMP[1]\n12: END\n";
    let mut consts: Vec<[u32; 4]> =
        (0..8).map(|i| f4([i as f32, 2.0 * i as f32, 1.0, 1.0])).collect();
    consts.push(f4([5.0, 0.0, 0.0, 1.0]));
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(close(got, [10.0, 20.0, 5.0, 5.0]), "{got:?}");
    // A loop the guest never ends stops at the budget (w counts the iterations), and
    // indices past the array read its last element (clamped).
    consts[8] = f4([f32::INFINITY, 0.0, 0.0, 1.0]);
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    assert!(got[3] > 1000.0 && got[3] <= shader::LOOP_BUDGET as f32, "{got:?}");
    assert_eq!(got[0], f32::INFINITY);
}

#[test]
fn renders_integer_opcodes_from_the_captured_loop() {
    let Some(gl) = gl_or_skip() else { return };
    // tests/tgsi/loop.frag.tgsi: s = sum over i < n of k[i] * v.x, n in CONST[0].x as an
    // integer, k[i] in CONST[1 + i]; UIF, IMIN, ISGE, SHL, UADD, USHR, UARL.
    let fs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi/loop.frag.tgsi"),
    )
    .unwrap();
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1].x, GENERIC[0]\n\
        0: MOV OUT[0], IN[0]\n1: MOV OUT[1].x, IN[1].xxxx\n2: END\n";
    let mut consts = vec![[3u32, 0, 0, 0]];
    consts.extend((0..8).map(|i| f4([i as f32 + 1.0, 1.0, 0.0, 0.5])));
    let key = VariantKey { integers: true, ..Default::default() };
    let got =
        gl.render(&Draw { vs, fs_consts: &consts, attr1: [2.0, 0.0, 0.0, 0.0], key, ..draw(&fs) });
    assert!(close(got, [12.0, 6.0, 0.0, 3.0]), "{got:?}");
}

#[test]
fn renders_integer_attributes() {
    let Some(gl) = gl_or_skip() else { return };
    // An integer attribute keeps its bits: IN[1] = (-3, 7, 0x7fffffff, 1).
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
        DCL TEMP[0]\n0: MOV OUT[0], IN[0]\n1: I2F TEMP[0], IN[1]\n2: MOV OUT[1], TEMP[0]\n3: END\n";
    let fs =
        "FRAG\nDCL IN[0], GENERIC[0], CONSTANT\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let key = VariantKey { integers: true, vs_int_inputs: 0b10, ..Default::default() };
    let got = gl.render(&Draw { vs, key, int_attr1: Some([-3, 7, i32::MAX, 1]), ..draw(fs) });
    assert!(close(got, [-3.0, 7.0, i32::MAX as f32, 1.0]), "{got:?}");
}

#[test]
fn renders_through_a_geometry_shader() {
    let Some(gl) = gl_or_skip() else { return };
    // The GS re-emits the triangle with the colour of vertex 1 scaled by IMM[0].y and the
    // primitive id added to alpha; user clip planes apply in the GS (the last stage).
    let vs = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[3]\n\
        0: MOV OUT[0], IN[0]\n1: MOV OUT[1], IN[1]\n2: END\n";
    let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n\
        PROPERTY GS_MAX_OUTPUT_VERTICES 3\nDCL IN[][0], POSITION\nDCL IN[][1], GENERIC[3]\n\
        DCL IN[][2], PRIM_ID\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\nDCL TEMP[0]\n\
        IMM[0] FLT32 {0.0, 2.0, 0.0, 0.0}\n\
        0: MUL TEMP[0], IN[1][1], IMM[0].yyyy\n1: ADD TEMP[0].w, TEMP[0].wwww, IN[2].xxxx\n\
        2: MOV OUT[1], TEMP[0]\n3: MOV OUT[0], IN[0][0]\n4: EMIT IMM[0].xxxx\n\
        5: MOV OUT[0], IN[1][0]\n6: EMIT IMM[0].xxxx\n7: MOV OUT[0], IN[2][0]\n\
        8: EMIT IMM[0].xxxx\n9: ENDPRIM IMM[0].xxxx\n10: END\n";
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let d = Draw { vs, gs: Some(gs), attr1: [0.25, 0.5, 1.0, 3.0], ..draw(fs) };
    let got = gl.render(&d);
    assert!(close(got, [0.5, 1.0, 2.0, 6.0]), "{got:?}");
    let key = VariantKey { clip_plane_enable: 1, ..Default::default() };
    assert_eq!(gl.render(&Draw { key, clip_planes: &[[0.0, 0.0, 0.0, -1.0]], ..d }), CLEAR);
}

#[test]
fn renders_variant_state() {
    let Some(gl) = gl_or_skip() else { return };
    // Alpha test.
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n0: MOV OUT[0], CONST[0]\n1: END\n";
    let key = VariantKey {
        alpha_test: Some((CompareFunc::Greater, 0.5f32.to_bits())),
        ..Default::default()
    };
    let low = [f4([1.0, 0.0, 0.0, 0.3])];
    let high = [f4([1.0, 0.0, 0.0, 0.7])];
    assert_eq!(gl.render(&Draw { key, fs_consts: &low, ..draw(fs) }), CLEAR);
    assert!(close(gl.render(&Draw { key, fs_consts: &high, ..draw(fs) }), [1.0, 0.0, 0.0, 0.7]));
    // Two-sided colour: BCOLOR on back faces.
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], COLOR\nDCL OUT[2], BCOLOR\n\
        DCL CONST[0..1]\n0: MOV OUT[0], IN[0]\n1: MOV OUT[1], CONST[0]\n2: MOV OUT[2], CONST[1]\n3: END\n";
    let fs = "FRAG\nDCL IN[0], COLOR, COLOR\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let c = [f4([1.0, 0.0, 0.0, 1.0]), f4([0.0, 1.0, 0.0, 1.0])];
    let key = VariantKey { two_side: true, flatshade: true, ..Default::default() };
    let d = Draw { vs, key, vs_consts: &c, ..draw(fs) };
    assert!(close(gl.render(&d), [1.0, 0.0, 0.0, 1.0]));
    assert!(close(gl.render(&Draw { clockwise: true, ..d }), [0.0, 1.0, 0.0, 1.0]));
    let d = Draw { key: VariantKey::default(), ..d };
    assert!(close(gl.render(&Draw { clockwise: true, ..d }), [1.0, 0.0, 0.0, 1.0]));
    // User clip planes: distance from POSITION (w = 1).
    let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 2.0, 3.0, 4.0}\n0: MOV OUT[0], IMM[0]\n1: END\n";
    let key = VariantKey { clip_plane_enable: 1, ..Default::default() };
    let keep = [[0.0, 0.0, 0.0, 1.0]];
    let cut = [[0.0, 0.0, 0.0, -1.0]];
    assert!(close(gl.render(&Draw { key, clip_planes: &keep, ..draw(fs) }), [1.0, 2.0, 3.0, 4.0]));
    assert_eq!(gl.render(&Draw { key, clip_planes: &cut, ..draw(fs) }), CLEAR);
    // Fragment coordinates: half-integer centres by default, integer on request.
    let fs = "FRAG\nDCL IN[0], POSITION, LINEAR\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let got = gl.render(&draw(fs));
    assert!(close([got[0], got[1], 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]), "{got:?}");
    let fs = "FRAG\nPROPERTY FS_COORD_PIXEL_CENTER INTEGER\nDCL IN[0], POSITION, LINEAR\n\
        DCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let got = gl.render(&draw(fs));
    assert!(close([got[0], got[1], 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]), "{got:?}");
}

#[test]
fn renders_textures() {
    let Some(gl) = gl_or_skip() else { return };
    #[rustfmt::skip]
    let texels = [
        1.0, 0.0, 0.0, 1.0,   0.0, 1.0, 0.0, 1.0,
        0.0, 0.0, 1.0, 1.0,   0.5, 0.5, 0.5, 0.5,
    ];
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\n0: TEX OUT[0], IN[0], SAMP[0], 2D\n1: END\n";
    for (uv, want) in [
        ([0.25, 0.25], [1.0, 0.0, 0.0, 1.0]),
        ([0.75, 0.25], [0.0, 1.0, 0.0, 1.0]),
        ([0.25, 0.75], [0.0, 0.0, 1.0, 1.0]),
    ] {
        let got = gl.render(&Draw {
            attr1: [uv[0], uv[1], 0.0, 1.0],
            texture: Some((2, 2, &texels)),
            ..draw(fs)
        });
        assert!(close(got, want), "{uv:?}: {got:?}");
    }
    // TXP divides by w: (1.5, 0.5) / 2 = (0.75, 0.25) is the green texel.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\n0: TXP OUT[0], IN[0], SAMP[0], 2D\n1: END\n";
    let got = gl.render(&Draw {
        attr1: [1.5, 0.5, 0.0, 2.0],
        texture: Some((2, 2, &texels)),
        ..draw(fs)
    });
    assert!(close(got, [0.0, 1.0, 0.0, 1.0]), "{got:?}");
    // TXF at integer texel (1, 0) level 0 is green; TXQ at level 0 gives the size 2×2.
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\nDCL TEMP[0..1]\nIMM[0] UINT32 {0, 0, 0, 0}\n\
        0: F2I TEMP[0], IN[0]\n1: TXF TEMP[1], TEMP[0], SAMP[0], 2D\n\
        2: TXQ TEMP[0], IMM[0], SAMP[0], 2D\n3: I2F TEMP[0], TEMP[0]\n\
        4: MOV TEMP[1].zw, TEMP[0].xxxy\n5: MOV OUT[0], TEMP[1]\n6: END\n";
    let got = gl.render(&Draw {
        attr1: [1.0, 0.0, 0.0, 0.0],
        texture: Some((2, 2, &texels)),
        key: VariantKey { integers: true, ..Default::default() },
        ..draw(fs)
    });
    assert!(close(got, [0.0, 1.0, 2.0, 2.0]), "{got:?}");
}

// ---- differential: random float programs, GL against a reference interpreter ----

/// Reads a source operand of the reference machine.
fn ref_src(s: &shader::Src, temps: &[[f32; 4]], consts: &[[f32; 4]], imm: &[[f32; 4]]) -> [f32; 4] {
    let shader::Index::Direct(i) = s.reg.index else { panic!("indirect in a random program") };
    let r = match s.reg.file {
        shader::File::Temp => temps[i as usize],
        shader::File::Const => consts[i as usize],
        shader::File::Immediate => imm[i as usize],
        f => panic!("file {f:?} in a random program"),
    };
    let mut v = s.swizzle.map(|c| r[c as usize]);
    if s.abs {
        v = v.map(f32::abs);
    }
    if s.negate {
        v = v.map(|x| -x);
    }
    v
}

/// TGSI semantics of the float opcodes the random programs use (tgsi.rst), on f32.
fn ref_run(p: &shader::Program, consts: &[[f32; 4]]) -> [f32; 4] {
    use shader::Opcode::*;
    let imm: Vec<[f32; 4]> = p.immediates.iter().map(|i| i.bits.map(f32::from_bits)).collect();
    let mut temps = vec![[0f32; 4]; 8];
    let mut out = [0f32; 4];
    for inst in &p.instructions {
        if inst.opcode == End {
            break;
        }
        let s: Vec<[f32; 4]> = inst.src.iter().map(|s| ref_src(s, &temps, consts, &imm)).collect();
        let cw = |f: &dyn Fn(usize) -> f32| -> [f32; 4] { [f(0), f(1), f(2), f(3)] };
        let b = |c: bool| if c { 1.0 } else { 0.0 };
        let r: [f32; 4] = match inst.opcode {
            Mov => s[0],
            Add => cw(&|i| s[0][i] + s[1][i]),
            Mul => cw(&|i| s[0][i] * s[1][i]),
            Mad => cw(&|i| s[0][i] * s[1][i] + s[2][i]),
            Dp2 => [s[0][0] * s[1][0] + s[0][1] * s[1][1]; 4],
            Dp3 => [s[0][0] * s[1][0] + s[0][1] * s[1][1] + s[0][2] * s[1][2]; 4],
            Dp4 => {
                [s[0][0] * s[1][0] + s[0][1] * s[1][1] + s[0][2] * s[1][2] + s[0][3] * s[1][3]; 4]
            }
            Min => cw(&|i| s[0][i].min(s[1][i])),
            Max => cw(&|i| s[0][i].max(s[1][i])),
            Slt => cw(&|i| b(s[0][i] < s[1][i])),
            Sge => cw(&|i| b(s[0][i] >= s[1][i])),
            Seq => cw(&|i| b(s[0][i] == s[1][i])),
            Sne => cw(&|i| b(s[0][i] != s[1][i])),
            Flr => s[0].map(f32::floor),
            Frc => s[0].map(|x| x - x.floor()),
            Ceil => s[0].map(f32::ceil),
            Trunc => s[0].map(f32::trunc),
            Round => s[0].map(f32::round_ties_even),
            Ssg => s[0].map(|x| {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }),
            Abs => s[0].map(f32::abs),
            Cmp => cw(&|i| if s[0][i] < 0.0 { s[1][i] } else { s[2][i] }),
            Lrp => cw(&|i| s[0][i] * s[1][i] + (1.0 - s[0][i]) * s[2][i]),
            Dst => [1.0, s[0][1] * s[1][1], s[0][2], s[1][3]],
            Xpd => [
                s[0][1] * s[1][2] - s[0][2] * s[1][1],
                s[0][2] * s[1][0] - s[0][0] * s[1][2],
                s[0][0] * s[1][1] - s[0][1] * s[1][0],
                1.0,
            ],
            Rcp => [1.0 / s[0][0]; 4],
            Rsq => [1.0 / s[0][0].sqrt(); 4],
            Sqrt => [s[0][0].sqrt(); 4],
            Ex2 => [s[0][0].exp2(); 4],
            Lg2 => [s[0][0].log2(); 4],
            Pow => [s[0][0].powf(s[1][0]); 4],
            Sin => [s[0][0].sin(); 4],
            Cos => [s[0][0].cos(); 4],
            op => panic!("{op:?} not in the reference"),
        };
        let r = if inst.saturate { r.map(|x| x.clamp(0.0, 1.0)) } else { r };
        let d = inst.dst[0];
        let shader::Index::Direct(di) = d.reg.index else { panic!("indirect dst") };
        let target = match d.reg.file {
            shader::File::Temp => &mut temps[di as usize],
            _ => &mut out,
        };
        for c in 0..4 {
            if d.mask & (1 << c) != 0 {
                target[c] = r[c];
            }
        }
    }
    out
}

/// Random straight-line float programs: exact-arithmetic opcodes on small dyadic values
/// (results are exact in f32, so GL must match bit for bit up to the sign of zero), plus
/// single transcendental steps compared with a tolerance. Exercises swizzles, write masks,
/// negate/abs modifiers and _SAT through the whole translator.
#[test]
fn random_float_programs_match_a_reference() {
    let Some(gl) = gl_or_skip() else { return };
    random_float_programs(&gl, false);
}

/// The same as GLSL ES 3.00 on a GLES 3.0 context (float render targets through
/// EXT_color_buffer_float, which llvmpipe has).
#[test]
fn random_float_programs_match_a_reference_on_gles() {
    let Some(gl) = or_skip(setup_api(true)) else { return };
    random_float_programs(&gl, true);
}

fn random_float_programs(gl: &Gl, es: bool) {
    let n: usize = std::env::var("SHADER_RANDOM").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let mut seed: u64 = std::env::var("SHADER_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x1234_5678_9abc_def1);
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const EXACT: [&str; 24] = [
        "MOV", "ADD", "MUL", "MAD", "DP2", "DP3", "DP4", "MIN", "MAX", "SLT", "SGE", "SEQ", "SNE",
        "FLR", "FRC", "CEIL", "TRUNC", "SSG", "ABS", "CMP", "DST", "XPD", "LRP", "ROUND",
    ];
    const INEXACT: [&str; 8] = ["RCP", "RSQ", "SQRT", "EX2", "LG2", "POW", "SIN", "COS"];
    let nsrc = |op: &str| match op {
        "MAD" | "CMP" | "LRP" => 3,
        "ADD" | "MUL" | "DP2" | "DP3" | "DP4" | "MIN" | "MAX" | "SLT" | "SGE" | "SEQ" | "SNE"
        | "DST" | "XPD" | "POW" => 2,
        _ => 1,
    };
    let small = |r: u64| ((r % 65) as f32 - 32.0) / 8.0;
    let (mut checked, mut skipped) = (0, 0);
    for prog in 0..n {
        let inexact = prog % 3 == 2;
        let mut text = String::from(
            "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..3]\nDCL TEMP[0..3]\nIMM[0] FLT32 {",
        );
        let imm: Vec<String> = (0..4).map(|_| format!("{:.4}", small(rnd()))).collect();
        text.push_str(&imm.join(", "));
        text.push_str("}\n");
        for i in 0..4 {
            text.push_str(&format!("MOV TEMP[{i}], CONST[{i}]\n"));
        }
        let steps = if inexact { 1 } else { 2 + rnd() % 4 };
        for _ in 0..steps {
            let op = if inexact {
                INEXACT[(rnd() % INEXACT.len() as u64) as usize]
            } else {
                EXACT[(rnd() % EXACT.len() as u64) as usize]
            };
            let sat = if rnd() % 4 == 0 { "_SAT" } else { "" };
            let mask: String = loop {
                let m = rnd() % 16;
                if m != 0 {
                    break (0..4)
                        .filter(|c| m & (1 << c) != 0)
                        .map(|c| ['x', 'y', 'z', 'w'][c])
                        .collect();
                }
            };
            let mut line = format!("{op}{sat} TEMP[{}].{mask}", rnd() % 4);
            for _ in 0..nsrc(op) {
                let file = match rnd() % 4 {
                    0 => "CONST".to_string(),
                    1 => "IMM".to_string(),
                    _ => "TEMP".to_string(),
                };
                let idx = if file == "IMM" { 0 } else { rnd() % 4 };
                let sw: String =
                    (0..4).map(|_| ['x', 'y', 'z', 'w'][(rnd() % 4) as usize]).collect();
                // Inexact opcodes get |x| (logarithms and roots of negatives are NaN).
                let abs = inexact || rnd() % 5 == 0;
                let neg = !inexact && rnd() % 4 == 0;
                let reg = format!("{file}[{idx}].{sw}");
                let reg = if abs { format!("|{reg}|") } else { reg };
                line.push_str(&format!(", {}{reg}", if neg { "-" } else { "" }));
            }
            text.push_str(&line);
            text.push('\n');
        }
        text.push_str(&format!("MOV OUT[0], TEMP[{}]\nEND\n", rnd() % 4));
        let consts: Vec<[f32; 4]> = (0..4)
            .map(|_| [small(rnd()), small(rnd()), small(rnd()), small(rnd()) + 0.0625])
            .collect();
        let p = shader::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let want = ref_run(&p, &consts);
        if want.iter().any(|x| !x.is_finite() || x.abs() > 1e6) {
            skipped += 1;
            continue;
        }
        let cbits: Vec<[u32; 4]> = consts.iter().map(|c| f4(*c)).collect();
        let key = VariantKey { glsl_es: es, ..Default::default() };
        let got = gl.render(&Draw { fs_consts: &cbits, key, ..draw(&text) });
        for c in 0..4 {
            let (g, w) = (got[c], want[c]);
            let ok = if inexact { (g - w).abs() <= 2e-3 * w.abs().max(1.0) } else { g == w };
            assert!(ok, "component {c}: GL {got:?}, reference {want:?}\n{text}\nconsts {consts:?}");
        }
        checked += 1;
    }
    eprintln!("{checked} random programs matched, {skipped} skipped (non-finite reference)");
    assert!(checked > n * 2 / 3);
}

#[test]
fn renders_geometry_loop_with_integer_counter() {
    let Some(gl) = gl_or_skip() else { return };
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n0: MOV OUT[0], IN[0]\n1: END\n";
    let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n\
        PROPERTY GS_MAX_OUTPUT_VERTICES 3\nPROPERTY GS_INVOCATIONS 1\nDCL IN[][0], POSITION\n\
        DCL OUT[0], POSITION\nDCL TEMP[0..2]\nDCL ADDR[0..1]\nIMM[0] UINT32 {0, 1, 3, 0}\n\
        0: MOV TEMP[0].x, IMM[0].xxxx\n1: BGNLOOP :0\n2: UARL ADDR[1].x, TEMP[0]\n\
        3: MOV TEMP[1], IN[ADDR[1].x][0]\n4: MOV OUT[0], TEMP[1]\n5: EMIT IMM[0].xxxx\n\
        6: UADD TEMP[0].x, TEMP[0].xxxx, IMM[0].yyyy\n7: ISGE TEMP[2].x, TEMP[0].xxxx, IMM[0].zzzz\n\
        8: UIF TEMP[2].xxxx :10\n9: BRK\n10: ENDIF\n11: ENDLOOP :0\n12: END\n";
    let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0.0000, 1.0000, 0.0000, 0.0000}\n0: MOV OUT[0], IMM[0].xyxy\n1: END\n";
    let d = Draw { vs, gs: Some(gs), ..draw(fs) };
    let got = gl.render(&d);
    assert!(close(got, [0.0, 1.0, 0.0, 1.0]), "{got:?}");
}

#[test]
fn renders_bit_operations() {
    let Some(gl) = gl_or_skip() else { return };
    let x: u32 = 0x00F0_0010;
    let consts = [[x, (-5i32) as u32, 0xF0, 0x8000_0000], [4, 8, 0xF, 6]];
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..1]\nDCL TEMP[0..2]\n\
        0: POPC TEMP[0].x, CONST[0].xxxx\n1: LSB TEMP[0].y, CONST[0].xxxx\n\
        2: UMSB TEMP[0].z, CONST[0].xxxx\n3: IMSB TEMP[0].w, CONST[0].yyyy\n\
        4: U2F TEMP[1].x, TEMP[0].xxxx\n5: I2F TEMP[1].yzw, TEMP[0].yyzw\n\
        6: MOV OUT[0], TEMP[1]\n7: END\n";
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    let want =
        [x.count_ones() as f32, x.trailing_zeros() as f32, (31 - x.leading_zeros()) as f32, 2.0];
    assert!(close(got, want), "{got:?} vs {want:?}");
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..1]\nDCL TEMP[0..2]\n\
        0: UBFE TEMP[0].x, CONST[0].xxxx, CONST[1].xxxx, CONST[1].yyyy\n\
        1: IBFE TEMP[0].y, CONST[0].zzzz, CONST[1].xxxx, CONST[1].xxxx\n\
        2: BFI TEMP[0].z, CONST[1].wwww, CONST[1].zzzz, CONST[1].yyyy, CONST[1].xxxx\n\
        3: UMUL_HI TEMP[0].w, CONST[0].wwww, CONST[1].wwww\n\
        4: U2F TEMP[1].xzw, TEMP[0].xxzw\n5: I2F TEMP[1].y, TEMP[0].yyyy\n\
        6: MOV OUT[0], TEMP[1]\n7: END\n";
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    let bfi = (6u32 & !(0xF << 8)) | (0xF << 8);
    let want = [((x >> 4) & 0xff) as f32, -1.0, bfi as f32, 3.0];
    assert!(close(got, want), "{got:?} vs {want:?}");
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..1]\nDCL TEMP[0..2]\n\
        0: IMUL_HI TEMP[0].x, CONST[0].yyyy, CONST[0].wwww\n\
        1: BREV TEMP[0].y, CONST[1].xxxx\n2: USHR TEMP[0].y, TEMP[0].yyyy, CONST[1].zzzz\n\
        3: UBFE TEMP[0].z, CONST[0].xxxx, CONST[1].yyyy, CONST[0].wwww\n\
        4: I2F TEMP[1].x, TEMP[0].xxxx\n5: U2F TEMP[1].yz, TEMP[0].yyzz\n\
        6: MOV TEMP[1].w, TEMP[1].xxxx\n7: MOV OUT[0], TEMP[1]\n8: END\n";
    let got = gl.render(&Draw { fs_consts: &consts, ..draw(fs) });
    // -5 * i32::MIN = 5 * 2^31: high word 2; brev(4) = 2^29, >> 15 = 2^14; a field past bit 32
    // gives 0.
    let imulhi = ((-5i64 * i64::from(i32::MIN)) >> 32) as f32;
    let want = [imulhi, (4u32.reverse_bits() >> 15) as f32, 0.0, imulhi];
    assert!(close(got, want), "{got:?} vs {want:?}");
}

#[test]
fn renders_geometry_emit_loop_with_a_temp_array() {
    let Some(gl) = gl_or_skip() else { return };
    // An EMIT loop that reads an indirectly addressed ARRAY(1); its counter is a plain
    // temp. On llvmpipe (Mesa 25) the loop emitted nothing while the counter shared one
    // GLSL array with the indirectly addressed temps (piglit's vs-gs-arrays-within-blocks).
    let vs = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n0: MOV OUT[0], IN[0]\n1: END\n";
    let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n\
        PROPERTY GS_MAX_OUTPUT_VERTICES 3\nDCL IN[][0], POSITION\nDCL OUT[0], POSITION\n\
        DCL OUT[1], GENERIC[0]\nDCL TEMP[0..2], ARRAY(1), LOCAL\nDCL TEMP[3..5]\nDCL ADDR[0]\n\
        IMM[0] UINT32 {0, 1, 3, 0}\nIMM[1] FLT32 {0.0, 1.0, 0.5, 1.0}\n\
        0: MOV TEMP[3].x, IMM[0].xxxx\n1: BGNLOOP :0\n2: UARL ADDR[0].x, TEMP[3]\n\
        3: MOV OUT[0], IN[ADDR[0].x][0]\n4: MOV TEMP[5], TEMP[ADDR[0].x](1)\n\
        5: ADD OUT[1], TEMP[5], IMM[1]\n6: EMIT IMM[0].xxxx\n\
        7: UADD TEMP[3].x, TEMP[3].xxxx, IMM[0].yyyy\n8: ISGE TEMP[4].x, TEMP[3].xxxx, IMM[0].zzzz\n\
        9: UIF TEMP[4].xxxx :11\n10: BRK\n11: ENDIF\n12: ENDLOOP :0\n13: END\n";
    let fs = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n";
    let got = gl.render(&Draw { vs, gs: Some(gs), ..draw(fs) });
    assert!(close(got, [0.0, 1.0, 0.5, 1.0]), "{got:?}");
}

#[test]
fn renders_geometry_reads_at_a_run_time_vertex() {
    let Some(gl) = gl_or_skip() else { return };
    // tests/tgsi/gs_vertex_select.*: piglit's vs-output-array-vec3-index-wr-before-gs with
    // index 0. Its EMIT loop reads IN[ADDR[1].x][0]; as `gl_in[clamp(i, 0, 2)]` llvmpipe
    // (Mesa 25) read far outside its geometry input buffer and the process died
    // (SIGSEGV) or the loop emitted nothing. Green: every value the VS wrote arrived.
    let read = |name: &str| {
        std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi").join(name),
        )
        .unwrap()
    };
    let (vs, gs, fs) = (
        read("gs_vertex_select.vert.tgsi"),
        read("gs_vertex_select.geom.tgsi"),
        read("gs_vertex_select.frag.tgsi"),
    );
    let key = VariantKey { integers: true, ..Default::default() };
    let got = gl.render(&Draw { vs: &vs, gs: Some(&gs), key, vs_consts: &[[0; 4]], ..draw(&fs) });
    assert!(close(got, [0.0, 1.0, 0.0, 1.0]), "{got:?}");
}
