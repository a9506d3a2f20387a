//! TGSI text → IR → GLSL fuzzer. For any bytes: `shader::parse` never panics and its
//! error names a line within the text; an accepted program translates (or is refused)
//! without panicking for a key picked by the input; the GLSL is ASCII, starts with the
//! version line, and the same program and key always give the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virglrenderer::internal::shader::{self, CompareFunc, VariantKey};

fuzz_target!(|data: &[u8]| {
    let (k, text) = data.split_at(data.len().min(4));
    let k = [k.first(), k.get(1), k.get(2), k.get(3)].map(|b| b.copied().unwrap_or(0));
    let text = String::from_utf8_lossy(text);
    let prog = match shader::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            let lines = text.split('\n').count() as u32;
            assert!(e.line <= lines.max(1), "error line {} of {lines}", e.line);
            return;
        }
    };
    let funcs = [
        CompareFunc::Never,
        CompareFunc::Less,
        CompareFunc::Equal,
        CompareFunc::LessEqual,
        CompareFunc::Greater,
        CompareFunc::NotEqual,
        CompareFunc::GreaterEqual,
        CompareFunc::Always,
    ];
    let key = VariantKey {
        flatshade: k[0] & 1 != 0,
        two_side: k[0] & 2 != 0,
        lower_left_origin: k[0] & 4 != 0,
        polygon_stipple: k[0] & 8 != 0,
        integers: k[0] & 16 != 0,
        alpha_test: (k[0] & 32 != 0).then(|| (funcs[(k[1] & 7) as usize], u32::from(k[1]) << 20)),
        clip_plane_enable: k[2],
        sprite_coord_enable: k[3],
        nr_cbufs: k[1] >> 4,
        prev_outputs: (k[0] & 64 != 0).then_some(u128::from(k[3]) * 0x0101_0101_0101_0101),
        next_flat: u128::from(k[2]) << 64,
        next_noperspective: u128::from(k[1]),
        vs_int_inputs: u32::from(k[2]) << 1,
        fs_sint_outputs: k[3] & 0x0f,
        fs_uint_outputs: k[3] & 0xf0,
        to_geometry: k[0] & 128 != 0,
        glsl_es: k[1] & 8 != 0,
        es_clip_distance: k[1] & 4 != 0,
        tes_after_vertex: k[0] & 8 != 0 && k[0] & 128 == 0,
        fs_out_swizzle: std::array::from_fn(|i| {
            (k[2] & (1 << i) != 0).then_some([2, 1, 0, (k[3] >> 6) & 3])
        }),
        shadow_swizzle: std::array::from_fn(|i| {
            (k[1] & (1 << (i % 8)) != 0).then_some([0, 0, (k[0] >> 5) % 6, k[3] % 6])
        }),
        vs_bgra_inputs: u32::from(k[3]) << 2,
        buffer_swizzle: std::array::from_fn(|i| {
            (k[2] & (1 << (i % 8)) != 0).then_some([k[0] % 6, 1, k[1] % 6, 5])
        }),
        // Stream-output layouts are exercised by the translator's own random-layout test
        // (model::shader::emit::streamout); none here.
        stream_output: Default::default(),
    };
    if let Ok(glsl) = shader::emit(&prog, &key) {
        assert!(glsl.is_ascii());
        assert!(
            glsl.starts_with("#version 330 core\n")
                || glsl.starts_with("#version 400 core\n")
                || glsl.starts_with("#version 300 es\n")
        );
        assert_eq!(shader::emit(&prog, &key).as_deref(), Ok(glsl.as_str()));
    }
});
