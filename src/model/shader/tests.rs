//! Parser and emitter unit tests: every parser error path, IR shape for the syntax
//! Mesa's dumper writes, golden GLSL (checked in under `src/model/shader/tests/`; run with
//! `SHADER_BLESS=1` to rewrite them after an intended change).

use super::*;

const PASS_VS: &str = "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
DCL TEMP[0..3]\n  0: MOV OUT[1], IN[1]\n  1: MOV OUT[0], IN[0]\n  2: END\n";

fn err(text: &str) -> ParseError {
    match parse(text) {
        Ok(p) => panic!("parsed: {p:?}"),
        Err(e) => e,
    }
}

fn kind(text: &str) -> ErrorKind {
    err(text).kind
}

/// A fragment program around one instruction line.
fn frag(body: &str) -> String {
    format!(
        "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL TEMP[0..3]\n\
         DCL CONST[0..3]\nDCL ADDR[0]\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\n\
         IMM[0] FLT32 {{0.5000, 1.0000, 0x3f800000, -2.0000}}\n{body}\n  99: END\n"
    )
}

// ---- parser: accepted syntax ----

#[test]
fn parses_passthrough() {
    let p = parse(PASS_VS).unwrap();
    assert_eq!(p.processor, Processor::Vertex);
    assert_eq!(p.declarations.len(), 5);
    assert_eq!(p.instructions.len(), 3);
    let d = p.declarations[3];
    assert_eq!(d.file, File::Output);
    assert_eq!(d.semantic, Some(Semantic { name: SemanticName::Generic, index: 0 }));
    assert_eq!((p.declarations[4].first, p.declarations[4].last), (0, 3));
    let mov = &p.instructions[0];
    assert_eq!(mov.opcode, Opcode::Mov);
    assert_eq!(mov.dst[0].reg.file, File::Output);
    assert_eq!(mov.dst[0].mask, 0xf);
    assert_eq!(mov.src[0].swizzle, [0, 1, 2, 3]);
}

#[test]
fn parses_operand_forms() {
    let p = parse(&frag(
        "  0: MAD_SAT TEMP[1].xz, -|IN[0].yxzw|, CONST[ADDR[0].x+3], IMM[0].w\n\
         1: MOV TEMP[0], CONST[ADDR[0].y-2]\n  2: MOV TEMP[2].y, CONST[1][2]\n\
         3: MOV TEMP[ADDR[0].x](1), TEMP[1].xy\n  4: TEX TEMP[0], IN[0], SAMP[0], 2D\n\
         5: IF TEMP[0].xxxx :7\n  6: KILL\n  7: ENDIF",
    ))
    .unwrap();
    let i = &p.instructions[0];
    assert!(i.saturate);
    assert_eq!(i.dst[0].mask, 0b0101);
    assert!(i.src[0].negate && i.src[0].abs);
    assert_eq!(i.src[0].swizzle, [1, 0, 2, 3]);
    assert_eq!(
        i.src[1].reg.index,
        Index::Indirect { file: File::Address, reg: 0, component: 0, offset: 3 }
    );
    assert_eq!(i.src[2].swizzle, [3, 3, 3, 3]);
    assert_eq!(
        p.instructions[1].src[0].reg.index,
        Index::Indirect { file: File::Address, reg: 0, component: 1, offset: -2 }
    );
    assert_eq!(p.instructions[2].src[0].reg.dim, Some(Index::Direct(1)));
    assert_eq!(p.instructions[2].src[0].reg.index, Index::Direct(2));
    assert_eq!(p.instructions[3].dst[0].reg.array_id, 1);
    assert_eq!(p.instructions[3].src[0].swizzle, [0, 1, 1, 1]);
    assert_eq!(p.instructions[4].target, Some(TexTarget::T2D));
    assert_eq!(p.instructions[5].label, Some(7));
}

#[test]
fn parses_declaration_forms() {
    let p = parse(
        "FRAG\nPROPERTY FS_COORD_ORIGIN LOWER_LEFT\nPROPERTY FS_COORD_PIXEL_CENTER INTEGER\n\
         PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\nPROPERTY NEXT_SHADER FRAG\n\
         DCL IN[0], COLOR, COLOR\nDCL IN[1].xy, TEXCOORD[3], PERSPECTIVE, CENTROID\n\
         DCL IN[2].x, FACE, CONSTANT\nDCL CONST[2][0..5]\nDCL TEMP[0..3], ARRAY(1), LOCAL\n\
         DCL SVIEW[1], SHADOW2D, UINT, UINT, UINT, UINT\nDCL SV[0], SAMPLEID\n\
         IMM[0] UINT32 {1, 4294967295, 0x10, 0}\nIMM[1] INT32 {-2147483648, -1, 7, 2147483647}\n\
         IMM[2] FLT32 {1.5e3, -0.2500, inf, 0x7fc00000}\nIMM FLT32 {1.0}\nEND\n",
    )
    .unwrap();
    assert!(p.has(Property::FsCoordOriginLowerLeft(true)));
    assert!(p.has(Property::FsCoordPixelCenterInteger(true)));
    assert!(p.has(Property::FsColor0WritesAllCbufs(true)));
    assert_eq!(p.declarations[0].interp, Some(Interp::Color));
    assert_eq!(p.declarations[1].mask, 0b11);
    assert_eq!(p.declarations[1].location, Location::Centroid);
    assert_eq!(p.declarations[1].semantic.unwrap().index, 3);
    assert_eq!(p.declarations[2].interp, Some(Interp::Constant));
    assert_eq!(p.declarations[3].dim, Some(Some(2)));
    assert_eq!(p.declarations[4].array_id, Some(1));
    assert!(p.declarations[4].local);
    assert_eq!(p.declarations[5].sview, Some((TexTarget::Shadow2D, [ReturnType::Uint; 4])));
    assert_eq!(p.immediates[0].bits, [1, u32::MAX, 16, 0]);
    assert_eq!(p.immediates[1].bits, [0x8000_0000, u32::MAX, 7, 0x7fff_ffff]);
    assert_eq!(
        p.immediates[2].bits,
        [1500f32.to_bits(), (-0.25f32).to_bits(), f32::INFINITY.to_bits(), 0x7fc0_0000]
    );
    assert_eq!(p.immediates[3].bits, [1f32.to_bits(), 0, 0, 0]);
}

#[test]
fn nul_ends_the_text() {
    let mut t = PASS_VS.to_string();
    t.push_str("\0\0garbage that is never read");
    assert!(parse(&t).is_ok());
}

/// The `*.tgsi` files of `tests/tgsi/`.
fn corpus_files() -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tgsi"))
        .collect();
    v.sort();
    v
}

#[test]
fn corpus_parses() {
    let mut n = 0;
    for path in corpus_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let p = parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(p.instructions.last().map(|i| i.opcode), Some(Opcode::End));
        n += 1;
    }
    assert!(n >= 40, "{n} corpus files");
}

// ---- parser: every error path ----

#[test]
fn error_text_too_large() {
    let big = "VERT\n".to_string() + &" ".repeat(LIMITS.text);
    assert_eq!(kind(&big), ErrorKind::TextTooLarge);
}

#[test]
fn error_missing_header() {
    assert_eq!(kind(""), ErrorKind::MissingHeader);
    assert_eq!(kind("\n\n"), ErrorKind::MissingHeader);
    let e = err("PIXEL\nEND\n");
    assert_eq!((e.kind, e.line, e.column), (ErrorKind::MissingHeader, 1, 1));
    assert_eq!(kind("VERT extra\nEND\n"), ErrorKind::Expected("end of line"));
}

#[test]
fn error_bad_tokens() {
    let e = err(&frag("  0: MOV TEMP[0], IN[0] junk"));
    assert_eq!(e.kind, ErrorKind::Expected("end of instruction"));
    assert_eq!(e.line, 10);
    assert_eq!(e.column, 25);
    assert_eq!(kind(&frag("  0: FOO TEMP[0], IN[0]")), ErrorKind::UnknownOpcode);
    assert_eq!(kind(&frag("  0: MOV_SATX TEMP[0], IN[0]")), ErrorKind::UnknownOpcode);
    assert_eq!(kind(&frag("  0: MOV_SAT_SAT TEMP[0], IN[0]")), ErrorKind::UnknownOpcode);
    assert_eq!(kind(&frag("  0: MOV REG[0], IN[0]")), ErrorKind::UnknownFile);
    assert_eq!(kind(&frag("  0: MOV TEMP[0].q, IN[0]")), ErrorKind::Expected("a write mask"));
    assert_eq!(
        kind(&frag("  0: MOV TEMP[0].yx, IN[0]")),
        ErrorKind::Expected("write mask letters in xyzw order")
    );
    assert_eq!(kind(&frag("  0: MOV TEMP[0], IN[0].")), ErrorKind::Expected("a swizzle"));
    assert_eq!(kind(&frag("  0: MOV TEMP[0], |IN[0]")), ErrorKind::Expected("'|'"));
    assert_eq!(
        kind(&frag("  0: MOV TEMP[0] IN[0]")),
        ErrorKind::Expected("',' and another operand")
    );
    assert_eq!(kind(&frag("  0: MOV TEMP[x], IN[0]")), ErrorKind::UnknownFile);
    assert_eq!(kind(&frag("  0: MOV TEMP[{], IN[0]")), ErrorKind::Expected("a register file"));
    assert_eq!(
        kind(&frag("  0: MOV TEMP[ADDR[0]], IN[0]")),
        ErrorKind::Expected("'.' and a component")
    );
    assert_eq!(kind(&frag("  0: MOV TEMP[ADDR[0].q], IN[0]")), ErrorKind::Expected("a component"));
    assert_eq!(
        kind(&frag("  0: TEX TEMP[0], IN[0], SAMP[0]")),
        ErrorKind::Expected("',' and a texture target")
    );
    assert_eq!(kind(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 9D")), ErrorKind::UnknownName);
    assert_eq!(
        kind(&frag("  0 MOV TEMP[0], IN[0]")),
        ErrorKind::Expected("':' after the instruction number")
    );
    assert_eq!(kind(&frag("  0: ")), ErrorKind::Expected("a declaration or instruction"));
    assert_eq!(kind(&frag("  0: {")), ErrorKind::Expected("a declaration or instruction"));
    assert_eq!(kind(&frag("#")), ErrorKind::Expected("a declaration or instruction"));
    assert_eq!(kind(&frag("DCL TEMP[0], BOGUS")), ErrorKind::UnknownName);
    assert_eq!(kind(&frag("DCL IN[1], GENERIC[1], POSITION")), ErrorKind::Expected("one semantic"));
    assert_eq!(
        kind(&frag("DCL SVIEW[1], 2D, FLOAT, FLOAT")),
        ErrorKind::Expected("one or four return types")
    );
    assert_eq!(kind(&frag("DCL SVIEW[1], 2D, HALF")), ErrorKind::UnknownName);
    assert_eq!(kind(&frag("DCL SVIEW[1]")), ErrorKind::Expected("',' and a texture target"));
    assert_eq!(kind(&frag("DCL TEMP[4] TEMP")), ErrorKind::Expected("end of declaration"));
    assert_eq!(kind(&frag("DCL CONST[0..1][2]")), ErrorKind::Expected("a single first dimension"));
    assert_eq!(kind(&frag("DCL IMAGE[0], 2D, RGBA8")), ErrorKind::Unsupported("file"));
    assert_eq!(kind(&frag("IMM[1] FLT64 {1.0, 2.0}")), ErrorKind::Unsupported("64-bit immediates"));
    assert_eq!(kind(&frag("IMM[1] FLT16 {1.0}")), ErrorKind::UnknownName);
    assert_eq!(kind(&frag("IMM[1] FLT32 {1.0 2.0}")), ErrorKind::Expected("',' or '}'"));
    assert_eq!(
        kind(&frag("IMM[1] FLT32 {1.0, 2.0, 3.0, 4.0, 5.0}")),
        ErrorKind::Expected("'}' after four values")
    );
    assert_eq!(kind(&frag("IMM[1] FLT32 {1.0} x")), ErrorKind::Expected("end of line"));
    assert_eq!(kind(&frag("IMM[1] FLT32 {abc}")), ErrorKind::Expected("a float value"));
    assert_eq!(kind(&frag("IMM[1] FLT32 {1.0.0}")), ErrorKind::Expected("a float value"));
    assert_eq!(kind(&frag("IMM[1] UINT32 {0x}")), ErrorKind::Expected("hex digits"));
    assert_eq!(kind(&frag("IMM[5] FLT32 {1.0}")), ErrorKind::ImmediateIndex);
    assert_eq!(kind(&frag("PROPERTY FS_COORD_ORIGIN MIDDLE")), ErrorKind::UnknownName);
    assert_eq!(
        kind(&frag("PROPERTY FS_COLOR0_WRITES_ALL_CBUFS yes")),
        ErrorKind::Expected("a number")
    );
    assert_eq!(kind(&frag("PROPERTY lower 1")), ErrorKind::UnknownName);
    assert_eq!(
        kind(&frag("PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1 2")),
        ErrorKind::Expected("end of line")
    );
}

#[test]
fn error_unterminated() {
    assert_eq!(kind("VERT\nDCL IN[0]\n"), ErrorKind::Unterminated);
    assert_eq!(kind(&frag("  0: BGNLOOP").replace("  99: END\n", "")), ErrorKind::Unterminated);
    // END inside an open block.
    assert_eq!(kind(&frag("  0: IF IN[0].xxxx")), ErrorKind::Unterminated);
    assert_eq!(kind(&frag("  0: BGNLOOP")), ErrorKind::Unterminated);
    assert_eq!(kind(&frag("  0: MOV TEMP[0], IN[0")), ErrorKind::Expected("']'"));
    assert_eq!(kind(&frag("  0: MOV TEMP[0], IN[0].x, |")), ErrorKind::OperandCount);
    assert_eq!(kind(&frag("IMM[1] FLT32 {1.0, 2.0")), ErrorKind::Expected("',' or '}'"));
    assert_eq!(kind(&frag("DCL TEMP[0..")), ErrorKind::Expected("a number"));
    assert_eq!(kind(&frag("DCL TEMP[0..3], ARRAY(1")), ErrorKind::Expected("')'"));
}

#[test]
fn error_trailing_text() {
    let mut t = PASS_VS.to_string();
    t.push_str("  3: MOV OUT[0], IN[0]\n");
    assert_eq!(kind(&t), ErrorKind::TrailingText);
}

#[test]
fn error_huge_indices() {
    assert_eq!(kind(&frag("  0: MOV TEMP[99999999999], IN[0]")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("  0: MOV TEMP[16384], IN[0]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("DCL TEMP[0..16384]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("DCL TEMP[5..4]")), ErrorKind::BadRange);
    assert_eq!(kind(&frag("DCL IN[80]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("DCL ADDR[4]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("DCL CONST[32][0]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("DCL IN[1], GENERIC[256]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("  0: MOV TEMP[0], CONST[ADDR[9].x]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("  0: MOV TEMP[0], CONST[ADDR[0].x+5000]")), ErrorKind::IndexOutOfRange);
    assert_eq!(kind(&frag("IMM[1] UINT32 {4294967296}")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("IMM[1] UINT32 {0x100000000}")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("IMM[1] INT32 {2147483648}")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("IMM[1] INT32 {-2147483649}")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("  99999999999: MOV TEMP[0], IN[0]")), ErrorKind::NumberOverflow);
    assert_eq!(kind(&frag("  0: BGNLOOP :99999999999\n  1: ENDLOOP")), ErrorKind::NumberOverflow);
}

#[test]
fn error_deep_nesting() {
    let n = LIMITS.nesting;
    let ok = format!("{}{}", "  IF IN[0].xxxx\n".repeat(n), "  ENDIF\n".repeat(n));
    assert!(parse(&frag(&ok)).is_ok());
    let deep = format!("{}{}", "  BGNLOOP\n".repeat(n + 1), "  ENDLOOP\n".repeat(n + 1));
    let e = err(&frag(&deep));
    assert_eq!((e.kind, e.line), (ErrorKind::TooDeep, 10 + n as u32));
}

#[test]
fn error_unbalanced_control_flow() {
    for body in [
        "  0: ENDIF",
        "  0: ELSE",
        "  0: ENDLOOP",
        "  0: ENDSUB",
        "  0: BRK",
        "  0: CONT",
        "  0: IF IN[0].xxxx\n  1: ELSE\n  2: ELSE\n  3: ENDIF",
        "  0: BGNLOOP\n  1: ENDIF",
        "  0: IF IN[0].xxxx\n  1: ENDLOOP",
        "  0: IF IN[0].xxxx\n  1: BRK\n  2: ENDIF",
    ] {
        assert_eq!(kind(&frag(body)), ErrorKind::UnbalancedControlFlow, "{body}");
    }
    assert!(parse(&frag("  0: BGNLOOP\n  1: IF IN[0].xxxx\n  2: BRK\n  3: ENDIF\n  4: ENDLOOP"))
        .is_ok());
}

#[test]
fn error_too_many() {
    let n = LIMITS.instructions;
    let body = "  MOV TEMP[0], IN[0]\n".repeat(n);
    assert_eq!(kind(&frag(&body)), ErrorKind::TooMany("instructions"));
    let body = "DCL TEMP[0]\n".repeat(LIMITS.declarations);
    assert_eq!(kind(&frag(&body)), ErrorKind::TooMany("declarations"));
    let mut body = String::new();
    for i in 1..=LIMITS.immediates {
        body.push_str(&format!("IMM[{i}] FLT32 {{0.0}}\n"));
    }
    assert_eq!(kind(&frag(&body)), ErrorKind::TooMany("immediates"));
    let body = "PROPERTY NEXT_SHADER FRAG\n".repeat(LIMITS.declarations + 1);
    assert_eq!(kind(&frag(&body)), ErrorKind::TooMany("properties"));
}

#[test]
fn error_operand_count() {
    assert_eq!(kind(&frag("  0: MOV TEMP[0], IN[0], IN[0]")), ErrorKind::OperandCount);
    assert_eq!(
        kind(&frag("  0: ADD TEMP[0], IN[0]")),
        ErrorKind::Expected("',' and another operand")
    );
    assert_eq!(
        kind(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 2D, IN[0], IN[0], IN[0], IN[0], IN[0]")),
        ErrorKind::OperandCount
    );
}

#[test]
fn errors_display_line_and_column() {
    let e = err(&frag("  0: MOV TEMP[0], IN[0] junk"));
    assert_eq!(e.to_string(), "TGSI 10:25: expected end of instruction");
}

/// Random mutations of corpus text never panic (a poor man's fuzz run in unit tests).
#[test]
fn mutations_never_panic() {
    let mut texts: Vec<String> =
        corpus_files().iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    texts.sort();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"[]().,:|-+xyzw0123456789 \nABCDEFGHIJKLMNOPQRSTUVWXYZ_{}";
    for _ in 0..3000 {
        let t = &texts[(rnd() % texts.len() as u64) as usize];
        let mut b = t.clone().into_bytes();
        for _ in 0..1 + rnd() % 4 {
            let at = (rnd() % b.len() as u64) as usize;
            match rnd() % 3 {
                0 => b[at] = alphabet[(rnd() % alphabet.len() as u64) as usize],
                1 => {
                    b.remove(at);
                }
                _ => b.insert(at, alphabet[(rnd() % alphabet.len() as u64) as usize]),
            }
        }
        let s = String::from_utf8_lossy(&b);
        if let Ok(p) = parse(&s) {
            let _ = emit(&p, &VariantKey::default());
            let _ = emit(
                &p,
                &VariantKey { two_side: true, clip_plane_enable: 0xff, ..Default::default() },
            );
        }
    }
}

// ---- emitter ----

fn golden(name: &str, text: &str, key: &VariantKey) {
    let p = parse(text).unwrap();
    let glsl = emit(&p, key).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/model/shader/tests")
        .join(format!("{name}.glsl"));
    if std::env::var("SHADER_BLESS").as_deref() == Ok("1") {
        std::fs::write(&path, &glsl).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (SHADER_BLESS=1 writes it)", path.display()));
    assert_eq!(glsl, want, "golden {name} differs (SHADER_BLESS=1 rewrites it)");
}

fn corpus_text(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tgsi").join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn golden_passthrough() {
    golden("passthrough.vert", PASS_VS, &VariantKey::default());
    golden("passthrough.frag", &corpus_text("passthrough.frag.tgsi"), &VariantKey::default());
}

#[test]
fn golden_textured_kill() {
    golden("kill.frag", &corpus_text("kill.frag.tgsi"), &VariantKey::default());
    golden("f_kill.frag", &corpus_text("f_kill.frag.tgsi"), &VariantKey::default());
}

#[test]
fn golden_loops_and_indirect() {
    golden("f_loop.vert", &corpus_text("f_loop.vert.tgsi"), &VariantKey::default());
    golden("f_indirect.frag", &corpus_text("f_indirect.frag.tgsi"), &VariantKey::default());
}

#[test]
fn golden_geometry() {
    golden(
        "gs.geom",
        &corpus_text("gs.geom.tgsi"),
        &VariantKey { integers: true, ..Default::default() },
    );
    let key = VariantKey { to_geometry: true, ..Default::default() };
    golden("gs.vert.to_geometry", &corpus_text("gs.vert.tgsi"), &key);
    let key = VariantKey { clip_plane_enable: 1, ..Default::default() };
    golden("f_gs_lines.geom.clip", &corpus_text("f_gs_lines.geom.tgsi"), &key);
    // Indirectly addressed ARRAY(1) as its own array, the other temps (loop counters)
    // as variables.
    let key = VariantKey { integers: true, ..Default::default() };
    golden("gs_arrays.geom", &corpus_text("gs_arrays.geom.tgsi"), &key);
}

#[test]
fn golden_variants() {
    let key = VariantKey {
        flatshade: true,
        two_side: true,
        alpha_test: Some((CompareFunc::GreaterEqual, 0.25f32.to_bits())),
        polygon_stipple: true,
        nr_cbufs: 2,
        ..Default::default()
    };
    golden("f_ifelse.frag.variant", &corpus_text("f_ifelse.frag.tgsi"), &key);
    let key = VariantKey { clip_plane_enable: 0b101, ..Default::default() };
    golden("f_kill.vert.clip", &corpus_text("f_kill.vert.tgsi"), &key);
    // Captured from a guest offered the lower-left origin (its code flips through ZW).
    let key = VariantKey { lower_left_origin: true, ..Default::default() };
    golden("fragcoord.frag", &corpus_text("fragcoord.frag.tgsi"), &key);
}

fn emit_text(text: &str, key: &VariantKey) -> Result<String, EmitError> {
    emit(&parse(text).unwrap(), key)
}

#[test]
fn no_guest_text_in_output() {
    // Every identifier in the output is generated: nothing from the guest's text but
    // numbers (re-printed) survives. TGSI keywords must not appear.
    for name in ["math.frag.tgsi", "kmscube.vert.tgsi", "f_math.vert.tgsi", "compat.vert.tgsi"] {
        let glsl = emit_text(&corpus_text(name), &VariantKey::default()).unwrap();
        for word in ["TEMP", "CONST", "IMM", "DCL", "GENERIC", "MOV", "ADDR"] {
            assert!(!glsl.contains(word), "{name}: {word} in output");
        }
    }
}

#[test]
fn floats_are_bit_exact() {
    let glsl = emit_text(
        "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0.1000, 3.0000, -0.0000, 0x7fc00001}\n\
         0: MOV OUT[0], IMM[0]\n1: END\n",
        &VariantKey::default(),
    )
    .unwrap();
    assert!(glsl.contains(&format!("uintBitsToFloat(0x{:08x}u)", 0.1f32.to_bits())), "{glsl}");
    assert!(glsl.contains("3.0,"));
    assert!(glsl.contains("uintBitsToFloat(0x80000000u)"));
    assert!(glsl.contains("uintBitsToFloat(0x7fc00001u)"));
}

#[test]
fn emit_errors() {
    let unsupported = |t: &str| match emit_text(t, &VariantKey::default()) {
        Err(EmitError::Unsupported(_)) => {}
        r => panic!("{t}: {r:?}"),
    };
    let invalid = |t: &str| match emit_text(t, &VariantKey::default()) {
        Err(EmitError::Invalid { .. }) => {}
        r => panic!("{t}: {r:?}"),
    };
    // Tessellation stages are translated (emit::tess_tests); without their layout
    // properties they are inconsistent.
    invalid("TESS_CTRL\nEND\n");
    unsupported("COMP\nEND\n");
    let gs = |props: &str| {
        format!("GEOM\n{props}DCL IN[][0], POSITION\nDCL OUT[0], POSITION\n0: MOV OUT[0], IN[0][0]\n1: END\n")
    };
    let tri =
        "PROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\n";
    assert!(emit_text(
        &gs(&format!("{tri}PROPERTY GS_MAX_OUTPUT_VERTICES 3\n")),
        &VariantKey::default()
    )
    .is_ok());
    invalid(&gs(""));
    invalid(&gs("PROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_MAX_OUTPUT_VERTICES 3\n"));
    invalid(&gs(tri));
    unsupported(&gs(&format!("{tri}PROPERTY GS_MAX_OUTPUT_VERTICES 257\n")));
    unsupported(&gs(&format!(
        "{tri}PROPERTY GS_MAX_OUTPUT_VERTICES 3\nPROPERTY GS_INVOCATIONS 2\n"
    )));
    unsupported(&gs("PROPERTY GS_INPUT_PRIMITIVE QUADS\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLE_STRIP\nPROPERTY GS_MAX_OUTPUT_VERTICES 3\n"));
    unsupported(&gs("PROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_MAX_OUTPUT_VERTICES 3\n"));
    invalid(&gs(&format!("{tri}PROPERTY GS_MAX_OUTPUT_VERTICES 3\n")).replace("IN[0][0]", "IN[0]"));
    invalid(&frag("  0: EMIT IMM[0]"));
    unsupported("COMP\nEND\n");
    unsupported(&frag("  0: TXQ TEMP[0], IN[0], SAMP[0], UNKNOWN"));
    unsupported(&frag("  0: TXF TEMP[0], IN[0], SAMP[0], CUBE"));
    unsupported(&frag("  0: TXB2 TEMP[0], IN[0], IN[0], SAMP[0], SHADOWCUBEARRAY"));
    unsupported(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 2D, TEMP[0]"));
    unsupported(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 2D, IMM[0], IMM[0]"));
    unsupported(&frag("  0: MOV TEMP[0], IN[ADDR[0].x]"));
    unsupported(&frag("  0: CAL :3"));
    unsupported(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 2D_MSAA"));
    unsupported(&frag("  0: TXL TEMP[0], IN[0], SAMP[0], CUBE_ARRAY"));
    unsupported(
        "FRAG\nDCL IN[0], GENERIC[0], SAMPLE\nDCL OUT[0], COLOR\n0: MOV OUT[0], IN[0]\n1: END\n",
    );
    unsupported("FRAG\nDCL OUT[0], SAMPLEMASK\n0: END\n");
    unsupported("VERT\nDCL OUT[0], LAYER\n0: END\n");
    invalid(&frag("  0: MOV TEMP[0], IN[5]"));
    invalid(&frag("  0: MOV TEMP[9], IN[0]"));
    invalid(&frag("  0: MOV TEMP[0], CONST[7]"));
    invalid(&frag("  0: MOV TEMP[0], CONST[1][0]"));
    invalid(&frag("  0: MOV TEMP[0], IMM[3]"));
    invalid("FRAG\nDCL OUT[0], COLOR\nDCL ADDR[0]\n0: MOV OUT[0], IMM[ADDR[0].x]\n1: END\n");
    invalid("FRAG\nDCL OUT[0], COLOR\nDCL ADDR[0]\n0: MOV OUT[0], TEMP[ADDR[0].x]\n1: END\n");
    invalid(&frag("  0: MOV IN[0], TEMP[0]"));
    invalid(&frag("  0: MOV ADDR[0], TEMP[0]"));
    invalid(&frag("  0: ARL TEMP[0], TEMP[0]"));
    invalid(&frag("  0: TEX TEMP[0], IN[0], SAMP[3], 2D"));
    invalid(&frag("  0: TEX TEMP[0], IN[0], IN[0], 2D"));
    invalid(&frag("  0: TEX TEMP[0], IN[0], SAMP[0], 2D\n  1: TEX TEMP[0], IN[0], SAMP[0], 3D"));
    invalid("VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL TEMP[0]\n0: DDX TEMP[0], IN[0]\n1: END\n");
    invalid("VERT\nDCL OUT[0], GENERIC[1]\nDCL OUT[1], GENERIC[1]\n0: END\n");
    invalid("FRAG\nDCL OUT[0], COLOR\nDCL OUT[1], COLOR[0]\n0: END\n");
    invalid(
        "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL SAMP[0]\n\
         0: TXB OUT[0], IN[0], SAMP[0], 2D\n1: END\n",
    );
    invalid("FRAG\nDCL IN[0], GENERIC[1], LINEAR\nDCL IN[1], GENERIC[1], CONSTANT\n0: END\n");
    // Overlapping declarations declare each register once.
    let g = emit_text(
        "VERT\nDCL IN[0]\nDCL IN[0..1]\nDCL ADDR[0]\nDCL ADDR[0]\nDCL OUT[0], POSITION\n\
         DCL OUT[0..1], GENERIC[0]\n0: END\n",
        &VariantKey::default(),
    )
    .unwrap();
    assert_eq!(g.matches("in vec4 in_0;").count(), 1, "{g}");
    assert_eq!(g.matches("ivec4 a0;").count(), 1);
    assert!(g.contains("gl_Position = o0;") && g.contains("v_g1 = o1;"), "{g}");
}

#[test]
fn indirect_access_is_clamped() {
    let glsl = emit_text(&corpus_text("f_indirect.frag.tgsi"), &VariantKey::default()).unwrap();
    assert!(glsl.contains("vec4 t[8];"));
    assert!(glsl.contains("t[clamp(a0.x + 1, 0, 7)]"));
    assert!(glsl.contains("fs_cb0[clamp(a0.x + -1, 0, 15)]"));
}

#[test]
fn fragment_shaders_reading_constants_xor_their_colour_with_a_zero_uniform() {
    let fs = "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0..1]\n  0: MOV OUT[0], CONST[1]\n  1: END\n";
    let glsl = emit_text(fs, &VariantKey::default()).unwrap();
    assert!(glsl.contains("uniform uint fs_const_guard;"), "{glsl}");
    assert!(
        glsl.contains("frag_out0 = uintBitsToFloat(floatBitsToUint(o0) ^ uvec4(fs_const_guard));"),
        "{glsl}"
    );
    // Swizzled storage keeps its swizzle inside; integer outputs and shaders without
    // constants are left as they were.
    let key = VariantKey {
        fs_out_swizzle: [Some([2, 1, 0, 3]), None, None, None, None, None, None, None],
        ..VariantKey::default()
    };
    let glsl = emit_text(fs, &key).unwrap();
    assert!(glsl.contains("floatBitsToUint(o0.zyxw) ^ uvec4(fs_const_guard)"), "{glsl}");
    let key = VariantKey { fs_uint_outputs: 1, ..VariantKey::default() };
    let glsl = emit_text(fs, &key).unwrap();
    assert!(glsl.contains("frag_out0 = floatBitsToUint(o0);"), "{glsl}");
    let plain = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 0.0, 0.0, 1.0}\n  0: MOV OUT[0], IMM[0]\n  1: END\n";
    let glsl = emit_text(plain, &VariantKey::default()).unwrap();
    assert!(!glsl.contains("fs_const_guard"), "{glsl}");
}

#[test]
fn loops_are_bounded() {
    let glsl = emit_text(&corpus_text("f_loop.frag.tgsi"), &VariantKey::default()).unwrap();
    assert!(glsl.contains(&format!("int loop_budget = {LOOP_BUDGET} + loop_budget_bias;")));
    assert!(glsl.contains("uniform int loop_budget_bias;"));
    assert_eq!(glsl.matches("if (loop_budget < 0) break;").count(), 1);
}

#[test]
fn variant_keys() {
    let fs = corpus_text("f_ifelse.frag.tgsi");
    let vs = corpus_text("f_ifelse.vert.tgsi");
    let def = VariantKey::default();
    // Colour interpolation follows flat shading on both sides.
    let key = VariantKey { flatshade: true, ..def };
    let (flat, np) = fs_interpolation(&parse(&fs).unwrap(), &key);
    assert_ne!(flat, 0);
    assert_eq!(np, 0);
    assert!(emit_text(&fs, &key).unwrap().contains("flat in vec4 v_c0;"));
    let vkey = VariantKey { next_flat: flat, ..def };
    let v = emit_text(&vs, &vkey).unwrap();
    assert!(v.contains("flat out vec4 v_c0;") && v.contains("flat out vec4 v_bc0;"), "{v}");
    assert!(!emit_text(&fs, &def).unwrap().contains("flat in vec4 v_c0"));
    // Two-sided colour; without a back colour written the front one is used.
    let key = VariantKey { two_side: true, ..def };
    assert!(emit_text(&fs, &key).unwrap().contains("(gl_FrontFacing ? v_c0 : v_bc0)"));
    let key = VariantKey { two_side: true, prev_outputs: Some(1 << 72), ..def };
    assert!(emit_text(&fs, &key).unwrap().contains("(gl_FrontFacing ? v_c0 : v_c0)"));
    // Inputs the previous stage does not write read zero.
    let key = VariantKey { prev_outputs: Some(0), ..def };
    assert!(emit_text(&fs, &key).unwrap().contains("vec4 i0 = vec4(0.0);"));
    // Alpha test functions.
    for (f, op) in [
        (CompareFunc::Less, "<"),
        (CompareFunc::Equal, "=="),
        (CompareFunc::LessEqual, "<="),
        (CompareFunc::Greater, ">"),
        (CompareFunc::NotEqual, "!="),
        (CompareFunc::GreaterEqual, ">="),
    ] {
        let key = VariantKey { alpha_test: Some((f, 0.5f32.to_bits())), ..def };
        let g = emit_text(&fs, &key).unwrap();
        assert!(
            g.contains(&format!("if (!(o0.w {op} uintBitsToFloat(0x3f000000u))) discard;")),
            "{g}"
        );
    }
    let key = VariantKey { alpha_test: Some((CompareFunc::Never, 0)), ..def };
    assert!(emit_text(&fs, &key).unwrap().contains("if (!(false)) discard;"));
    let key = VariantKey { alpha_test: Some((CompareFunc::Always, 0)), ..def };
    assert!(!emit_text(&fs, &key).unwrap().contains("discard"));
    // Clip planes from CLIPVERTEX, else POSITION; none when CLIPDIST is written.
    let key = VariantKey { clip_plane_enable: 0x81, ..def };
    let g = emit_text(&corpus_text("f_kill.vert.tgsi"), &key).unwrap();
    assert!(g.contains("gl_ClipDistance[0] = dot(o2, vs_clip_planes[0]);"), "{g}");
    assert!(g.contains("gl_ClipDistance[7] = dot(o2, vs_clip_planes[7]);"));
    let g = emit_text(PASS_VS, &key).unwrap();
    assert!(g.contains("gl_ClipDistance[0] = dot(o0, vs_clip_planes[0]);"));
    let cd = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1].xy, CLIPDIST\n\
              0: MOV OUT[0], IN[0]\n1: MOV OUT[1].xy, IN[0]\n2: END\n";
    let g = emit_text(cd, &key).unwrap();
    assert!(!g.contains("clip_planes") && g.contains("gl_ClipDistance[1] = o1.y;"), "{g}");
    // Point sprite replacement.
    let key = VariantKey { sprite_coord_enable: 1, ..def };
    let g = emit_text(&corpus_text("f_kill.frag.tgsi"), &key).unwrap();
    assert!(g.contains("vec4 i0 = vec4(gl_PointCoord, 0.0, 1.0);"), "{g}");
    // Fragment coordinate conventions.
    let fc = corpus_text("fragcoord.frag.tgsi");
    // LOWER_LEFT counts from the last row (GL's upper_left) where the guest was offered
    // it; otherwise the guest's code already uses the upper-left origin (GL's default).
    let g = emit_text(&fc, &VariantKey { lower_left_origin: true, ..def }).unwrap();
    assert!(g.contains("layout(origin_upper_left) in vec4 gl_FragCoord;"), "{g}");
    let g = emit_text(&fc, &def).unwrap();
    assert!(!g.contains("in vec4 gl_FragCoord"), "{g}");
    let ul = fc.replace("FS_COORD_ORIGIN LOWER_LEFT", "FS_COORD_ORIGIN UPPER_LEFT");
    for lower_left_origin in [false, true] {
        let g = emit_text(&ul, &VariantKey { lower_left_origin, ..def }).unwrap();
        assert!(!g.contains("in vec4 gl_FragCoord"), "{g}");
    }
    let int = fc.replace("PIXEL_CENTER HALF_INTEGER", "PIXEL_CENTER INTEGER");
    let g = emit_text(&int, &def).unwrap();
    assert!(g.contains("layout(pixel_center_integer) in vec4 gl_FragCoord;"), "{g}");
    // Colour 0 to all colour buffers.
    let g = emit_text(&corpus_text("passthrough.frag.tgsi"), &VariantKey { nr_cbufs: 3, ..def })
        .unwrap();
    assert!(g.contains("frag_out2 = o0;"));
    // Integer colour buffers and attributes keep the bits.
    let key = VariantKey { nr_cbufs: 3, fs_sint_outputs: 2, fs_uint_outputs: 4, ..def };
    let g = emit_text(&corpus_text("passthrough.frag.tgsi"), &key).unwrap();
    assert!(g.contains("layout(location = 0) out vec4 frag_out0;"), "{g}");
    assert!(g.contains("layout(location = 1) out ivec4 frag_out1;"));
    assert!(g.contains("frag_out2 = floatBitsToUint(o0);"));
    let g = emit_text(PASS_VS, &VariantKey { vs_int_inputs: 2, ..def }).unwrap();
    assert!(g.contains("layout(location = 1) in ivec4 in_i1;"), "{g}");
    assert!(g.contains("vec4 in_1 = intBitsToFloat(in_i1);"));
    assert!(g.contains("layout(location = 0) in vec4 in_0;"));
    // Scaled BGRA 2-10-10-10 attributes arrive with B and R swapped.
    let g = emit_text(PASS_VS, &VariantKey { vs_bgra_inputs: 1, ..def }).unwrap();
    assert!(g.contains("layout(location = 0) in vec4 in_s0;"), "{g}");
    assert!(g.contains("vec4 in_0 = in_s0.zyxw;"));
    assert!(g.contains("layout(location = 1) in vec4 in_1;"));
}

/// The largest program the limits allow translates in bounded time (no quadratic
/// lookups over guest-sized tables).
#[test]
fn worst_case_size_stays_linear() {
    let mut t = String::from("FRAG\n");
    for i in 0..LIMITS.declarations - 82 {
        t.push_str(&format!("DCL TEMP[{}]\n", i % 4096 + 12000));
    }
    t.push_str("DCL IN[0..62], GENERIC[0]\nDCL IN[63], FACE\nDCL OUT[0], COLOR\n");
    for i in 0..LIMITS.instructions - 1 {
        t.push_str(&format!("  MAD TEMP[{}], IN[63], IN[{}], IN[63].xxxx\n", i % 16000, i % 63));
    }
    t.push_str("  END\n");
    assert!(t.len() < LIMITS.text);
    let p = parse(&t).unwrap();
    let glsl = emit(&p, &VariantKey::default()).unwrap();
    assert!(glsl.len() > 100_000);
    // Linear output: a bound on bytes, not on a clock (benchmarks measure speed).
    assert!(glsl.len() < 16 * t.len(), "{} bytes from {}", glsl.len(), t.len());
}

#[test]
fn translate_combines_both_steps() {
    assert!(translate(PASS_VS, &VariantKey::default()).unwrap().contains("gl_Position = o0;"));
    assert!(matches!(translate("FRAG\n", &VariantKey::default()), Err(TranslateError::Parse(_))));
    let e = translate("COMP\nEND\n", &VariantKey::default()).unwrap_err();
    assert!(matches!(e, TranslateError::Emit(EmitError::Unsupported(_))));
    assert!(e.to_string().contains("unsupported"));
}

#[test]
fn texel_offsets_are_literals() {
    let t = "FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\nDCL SAMP[0]\n\
        DCL SVIEW[0], 2D, FLOAT\nDCL TEMP[0]\nIMM[0] INT32 {1, -2, 3, 0}\n\
        0: TEX TEMP[0], IN[0], SAMP[0], 2D, IMM[0].yxz\n\
        1: TXB TEMP[0], IN[0], SAMP[0], 2D, IMM[0].xyz\n\
        2: TXL TEMP[0], IN[0], SAMP[0], 2D, IMM[0].xyz\n\
        3: TXF TEMP[0], IN[0], SAMP[0], 2D, IMM[0].xyz\n\
        4: MOV OUT[0], TEMP[0]\n5: END\n";
    let g = translate(t, &VariantKey::default()).unwrap();
    assert!(g.contains("textureOffset(fs_samp0, i0.xy, ivec2(-2, 1))"), "{g}");
    assert!(g.contains("textureOffset(fs_samp0, i0.xy, ivec2(1, -2), i0.w)"), "{g}");
    assert!(g.contains("textureLodOffset(fs_samp0, i0.xy, i0.w, ivec2(1, -2))"), "{g}");
    assert!(
        g.contains(
            "texelFetchOffset(fs_samp0, floatBitsToInt(i0).xy, floatBitsToInt(i0).w, ivec2(1, -2))"
        ),
        "{g}"
    );
}

#[test]
fn info_lists_what_to_bind() {
    let (_, i) =
        emit_with_info(&parse(&corpus_text("f_tex.frag.tgsi")).unwrap(), &VariantKey::default())
            .unwrap();
    assert_eq!(i.samplers.len(), 5);
    assert_eq!(i.samplers[1], (1, TexTarget::Cube, ReturnType::Float));
    assert_eq!(i.color_outputs, 1);
    assert!(!i.writes_depth && !i.uses_stipple);
    let key = VariantKey { clip_plane_enable: 0b11, ..Default::default() };
    let (_, i) = emit_with_info(&parse(&corpus_text("f_ifelse.vert.tgsi")).unwrap(), &key).unwrap();
    assert_eq!(i.const_buffers, vec![(0, 4)]);
    assert!(i.writes_point_size && i.uses_clip_planes);
    assert_eq!(i.clip_distances, 0b11);
    let key = VariantKey { polygon_stipple: true, nr_cbufs: 3, ..Default::default() };
    let (_, i) = emit_with_info(&parse(&corpus_text("es3_mrt.frag.tgsi")).unwrap(), &key).unwrap();
    assert_eq!(i.color_outputs, 0b111);
    assert!(i.writes_depth && i.uses_stipple);
}

mod es;
mod gl4_features;
mod level2;
mod loops;
