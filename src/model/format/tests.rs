//! Unit tests of the format table (numbers, geometry, fourccs, GL mappings).

use super::table::*;
use super::*;

#[test]
fn table_is_sorted_and_unique() {
    assert!(FORMATS.windows(2).all(|w| w[0].id < w[1].id));
    assert!(FORMATS.iter().all(|f| f.id > 0 && f.id < VIRGL_FORMAT_MAX));
    let mut names: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate names");
}

#[test]
fn lookup_finds_bgra() {
    let f = lookup(B8G8R8A8_UNORM).unwrap();
    assert_eq!(f.block_bytes, 4);
    assert_eq!(f.stride(3), 12);
    assert!(lookup(0).is_none());
    assert!(lookup(VIRGL_FORMAT_MAX).is_none());
    assert!(lookup(u32::MAX).is_none());
    // Gaps in upstream's numbering, and formats left out on purpose (YUV, R1).
    for id in [14, 15, 73, 78, 86, 117, 127, 163, 166, 307, 314, 348, 471] {
        assert!(lookup(id).is_none(), "{id}");
    }
}

/// Numbers from upstream's `enum virgl_formats` (virgl_hw.h).
#[test]
fn numbers_match_upstream() {
    let upstream: &[(u32, &str)] = &[
        (1, "B8G8R8A8_UNORM"),
        (5, "B5G5R5A1_UNORM"),
        (7, "B5G6R5_UNORM"),
        (8, "R10G10B10A2_UNORM"),
        (12, "L8A8_UNORM"),
        (16, "Z16_UNORM"),
        (19, "Z24_UNORM_S8_UINT"),
        (20, "S8_UINT_Z24_UNORM"),
        (23, "S8_UINT"),
        (31, "R32G32B32A32_FLOAT"),
        (48, "R16_UNORM"),
        (67, "R8G8B8A8_UNORM"),
        (74, "R8_SNORM"),
        (94, "R16G16B16A16_FLOAT"),
        (100, "B8G8R8A8_SRGB"),
        (105, "DXT1_RGB"),
        (112, "DXT5_SRGBA"),
        (113, "RGTC1_UNORM"),
        (121, "A8B8G8R8_UNORM"),
        (122, "B5G5R5X1_UNORM"),
        (124, "R11G11B10_FLOAT"),
        (126, "Z32_FLOAT_S8X24_UINT"),
        (131, "B10G10R10A2_UNORM"),
        (134, "R8G8B8X8_UNORM"),
        (177, "R8_UINT"),
        (200, "R32G32B32A32_SINT"),
        (226, "ETC1_RGB8"),
        (233, "B10G10R10X2_UNORM"),
        (253, "R10G10B10A2_UINT"),
        (255, "BPTC_RGBA_UNORM"),
        (259, "A8L8_UNORM"),
        (263, "G8R8_UNORM"),
        (269, "ETC2_RGB8"),
        (278, "ETC2_RG11_SNORM"),
        (279, "ASTC_4x4"),
        (292, "ASTC_12x12"),
        (306, "ASTC_12x12_SRGB"),
        (308, "R10G10B10X2_UNORM"),
        (311, "A4B4G4R4_UNORM"),
        (312, "R8_SRGB"),
        (321, "R5G6B5_UNORM"),
        (382, "B8G8R8A8_UINT"),
        (428, "X1R5G5B5_UNORM"),
        (470, "ASTC_12x12_FLOAT"),
    ];
    for &(id, name) in upstream {
        let f = lookup(id).unwrap_or_else(|| panic!("{id} {name} missing"));
        assert_eq!(f.name, name, "{id}");
    }
    let consts = [
        (B8G8R8X8_UNORM, "B8G8R8X8_UNORM"),
        (A8R8G8B8_UNORM, "A8R8G8B8_UNORM"),
        (X8R8G8B8_UNORM, "X8R8G8B8_UNORM"),
        (B4G4R4A4_UNORM, "B4G4R4A4_UNORM"),
        (Z32_FLOAT, "Z32_FLOAT"),
        (R8_UNORM, "R8_UNORM"),
        (R8G8_UNORM, "R8G8_UNORM"),
        (R8G8B8_UNORM, "R8G8B8_UNORM"),
        (X8B8G8R8_UNORM, "X8B8G8R8_UNORM"),
        (ASTC_4X4, "ASTC_4x4"),
        (ASTC_12X12_SRGB, "ASTC_12x12_SRGB"),
    ];
    for (id, name) in consts {
        assert_eq!(lookup(id).map(|f| f.name), Some(name));
    }
}

/// Uncompressed formats: 1×1 blocks whose size is the sum of the channel widths in the
/// name (e.g. B5G6R5 → 16 bits, Z32_FLOAT_S8X24 → 64 bits).
#[test]
fn block_geometry_is_sane() {
    for f in FORMATS {
        assert!(f.block_width >= 1 && f.block_height >= 1 && f.block_bytes >= 1, "{}", f.name);
        if f.is_compressed() {
            assert!(f.block_width >= 4 && f.block_height >= 4, "{}", f.name);
            assert!(matches!(f.block_bytes, 8 | 16), "{}", f.name);
            continue;
        }
        assert_eq!((f.block_width, f.block_height), (1, 1), "{}", f.name);
        let mut bits = 0;
        let mut run = 0;
        for ch in f.name.chars().chain(std::iter::once('_')) {
            match ch.to_digit(10) {
                Some(d) => run = run * 10 + d,
                None => {
                    bits += run;
                    run = 0;
                }
            }
        }
        assert_eq!(bits, f.block_bytes * 8, "{}", f.name);
    }
}

#[test]
fn compressed_block_sizes() {
    let expect: &[(&str, u32, u32, u32)] = &[
        ("DXT1_RGB", 4, 4, 8),
        ("DXT1_SRGBA", 4, 4, 8),
        ("DXT3_RGBA", 4, 4, 16),
        ("DXT5_SRGBA", 4, 4, 16),
        ("RGTC1_SNORM", 4, 4, 8),
        ("RGTC2_UNORM", 4, 4, 16),
        ("LATC1_UNORM", 4, 4, 8),
        ("LATC2_SNORM", 4, 4, 16),
        ("BPTC_RGB_UFLOAT", 4, 4, 16),
        ("ETC1_RGB8", 4, 4, 8),
        ("ETC2_RGB8A1", 4, 4, 8),
        ("ETC2_SRGBA8", 4, 4, 16),
        ("ETC2_R11_SNORM", 4, 4, 8),
        ("ETC2_RG11_UNORM", 4, 4, 16),
        ("FXT1_RGBA", 8, 4, 16),
        ("ATC_RGB", 4, 4, 8),
    ];
    for &(name, w, h, bytes) in expect {
        let f = FORMATS.iter().find(|f| f.name == name).unwrap();
        assert_eq!(
            (f.kind, f.block_width, f.block_height, f.block_bytes),
            (Kind::Compressed, w, h, bytes),
            "{name}"
        );
    }
    // ASTC: the block size is in the name, 16 bytes always.
    let mut astc = 0;
    for f in FORMATS.iter().filter(|f| f.name.starts_with("ASTC_")) {
        let dims = f.name["ASTC_".len()..].split('_').next().unwrap();
        let (w, h) = dims.split_once('x').unwrap();
        assert_eq!(f.block_width, w.parse::<u32>().unwrap(), "{}", f.name);
        assert_eq!(f.block_height, h.parse::<u32>().unwrap(), "{}", f.name);
        assert_eq!(f.block_bytes, 16);
        astc += 1;
    }
    assert_eq!(astc, 42);
    // A 13×5 DXT5 image: 4×2 blocks of 16 bytes.
    let f = lookup(108).unwrap();
    assert_eq!((f.nblocksx(13), f.nblocksy(5), f.stride(13)), (4, 2, 64));
    let f = lookup(ASTC_12X12_SRGB).unwrap();
    assert_eq!((f.nblocksx(25), f.nblocksy(12), f.stride(25)), (3, 1, 48));
}

#[test]
fn fourccs_are_unique_among_colour_formats() {
    let mut seen = std::collections::HashMap::new();
    for f in FORMATS.iter().filter(|f| f.drm_fourcc != 0) {
        assert_eq!(f.kind, Kind::Color, "{}", f.name);
        if let Some(other) = seen.insert(f.drm_fourcc, f.name) {
            panic!("{} and {} share a fourcc", other, f.name);
        }
    }
    let fcc = |id: u32| lookup(id).unwrap().drm_fourcc;
    assert_eq!(fcc(B8G8R8A8_UNORM), u32::from_le_bytes(*b"AR24"));
    assert_eq!(fcc(B8G8R8X8_UNORM), u32::from_le_bytes(*b"XR24"));
    assert_eq!(fcc(R8G8B8A8_UNORM), u32::from_le_bytes(*b"AB24"));
    assert_eq!(fcc(B5G6R5_UNORM), u32::from_le_bytes(*b"RG16"));
    assert_eq!(fcc(R8_UNORM), u32::from_le_bytes(*b"R8  "));
    assert_eq!(fcc(R8G8_UNORM), u32::from_le_bytes(*b"GR88"));
    assert_eq!(fcc(48), u32::from_le_bytes(*b"R16 "));
    assert_eq!(fcc(B10G10R10A2_UNORM), u32::from_le_bytes(*b"AR30"));
    assert_eq!(fcc(R10G10B10A2_UNORM), u32::from_le_bytes(*b"AB30"));
    // DRM_FORMAT_XRGB8888 as its kernel value.
    assert_eq!(fcc(B8G8R8X8_UNORM), 0x3432_5258);
}

/// The table's fourccs are the codes it had before drm-fourcc named them: every format
/// with one, by number, and nothing else; each is a code drm-fourcc knows, except the
/// two 16-bit-per-channel ones it lacks.
#[test]
fn fourccs_are_the_kernel_codes() {
    #[rustfmt::skip]
    const WANT: &[(u32, &[u8; 4])] = &[
        (1, b"AR24"), (2, b"XR24"), (3, b"BA24"), (4, b"BX24"), (5, b"AR15"), (6, b"AR12"),
        (7, b"RG16"), (8, b"AB30"), (48, b"R16 "), (49, b"GR32"), (51, b"AB48"), (64, b"R8  "),
        (65, b"GR88"), (66, b"BG24"), (67, b"AB24"), (68, b"RX24"), (94, b"AB4H"),
        (121, b"RA24"), (122, b"XR15"), (131, b"AR30"), (134, b"XB24"), (135, b"XR12"),
        (139, b"RGB8"), (233, b"XR30"), (234, b"XB48"), (236, b"XB4H"), (263, b"RG88"),
        (265, b"RG32"), (308, b"XB30"), (311, b"RA12"), (317, b"RG24"), (318, b"BGR8"),
        (319, b"AB12"), (320, b"AB15"), (321, b"BG16"), (331, b"RA15"), (333, b"BA15"),
        (335, b"RA30"), (337, b"BA30"), (340, b"BA12"), (407, b"XB12"), (409, b"XB15"),
        (427, b"RX15"), (428, b"BX15"),
    ];
    let want: Vec<_> = WANT.iter().map(|&(id, c)| (id, u32::from_le_bytes(*c))).collect();
    let have: Vec<_> =
        FORMATS.iter().filter(|f| f.drm_fourcc != 0).map(|f| (f.id, f.drm_fourcc)).collect();
    assert_eq!(have, want);
    assert_eq!(lookup(B8G8R8A8_UNORM).unwrap().drm_fourcc, 0x3432_5241, "AR24");
    assert_eq!(lookup(R8G8B8A8_UNORM).unwrap().drm_fourcc, 0x3432_4241, "AB24");
    assert_eq!(lookup(R8_UNORM).unwrap().drm_fourcc, 0x2020_3852, "R8");
    assert_eq!(lookup(263).unwrap().drm_fourcc, 0x3838_4752, "G8R8_UNORM is RG88");
    for &(id, fcc) in &have {
        if fcc == DRM_FORMAT_ABGR16161616 || fcc == DRM_FORMAT_XBGR16161616 {
            assert!(DrmFourcc::try_from(fcc).is_err(), "drm-fourcc now has {fcc:#x}");
            continue;
        }
        let named = DrmFourcc::try_from(fcc).unwrap_or_else(|e| panic!("{id}: {e:?}"));
        assert_eq!(named as u32, fcc);
    }
}

/// Bytes one pixel takes with a GL (format, type) pair; None for combinations the table
/// must not use.
fn gl_pixel_bytes(format: u32, ty: u32) -> Option<u32> {
    // (bytes, components) of packed types.
    let packed = match ty {
        gl::UNSIGNED_BYTE_3_3_2 | gl::UNSIGNED_BYTE_2_3_3_REV => Some((1, 3)),
        gl::UNSIGNED_SHORT_5_6_5 | gl::UNSIGNED_SHORT_5_6_5_REV => Some((2, 3)),
        gl::UNSIGNED_SHORT_4_4_4_4
        | gl::UNSIGNED_SHORT_4_4_4_4_REV
        | gl::UNSIGNED_SHORT_5_5_5_1
        | gl::UNSIGNED_SHORT_1_5_5_5_REV => Some((2, 4)),
        gl::UNSIGNED_INT_10_10_10_2 | gl::UNSIGNED_INT_2_10_10_10_REV => Some((4, 4)),
        gl::UNSIGNED_INT_10F_11F_11F_REV => Some((4, 3)),
        gl::UNSIGNED_INT_24_8 => Some((4, 2)),
        gl::UNSIGNED_INT_5_9_9_9_REV => Some((4, 3)),
        gl::FLOAT_32_UNSIGNED_INT_24_8_REV => Some((8, 2)),
        _ => None,
    };
    let comps = match format {
        RED | RED_INTEGER | gl::DEPTH_COMPONENT | gl::STENCIL_INDEX => 1,
        RG | RG_INTEGER | DEPTH_STENCIL => 2,
        RGB | RGB_INTEGER => 3,
        RGBA | RGBA_INTEGER | BGRA | BGRA_INTEGER => 4,
        _ => return None,
    };
    if let Some((bytes, n)) = packed {
        return (n == comps).then_some(bytes);
    }
    let size = match ty {
        UB | BYTE => 1,
        US | SHORT | HALF_FLOAT => 2,
        UI | INT | FLOAT => 4,
        _ => return None,
    };
    (format != DEPTH_STENCIL).then_some(comps * size)
}

#[test]
fn gl_transfer_layout_matches_block_size() {
    let integer = [RED_INTEGER, RG_INTEGER, RGB_INTEGER, RGBA_INTEGER, BGRA_INTEGER];
    for f in FORMATS {
        let Some(g) = f.gl else { continue };
        assert_ne!(g.internal, 0, "{}", f.name);
        if f.is_compressed() {
            assert_eq!((g.format, g.ty), (0, 0), "{}", f.name);
            continue;
        }
        assert_eq!(gl_pixel_bytes(g.format, g.ty), Some(f.block_bytes), "{}", f.name);
        let int_name = f.name.ends_with("_UINT") || f.name.ends_with("_SINT");
        if f.kind == Kind::Color {
            assert_eq!(integer.contains(&g.format), int_name, "{}", f.name);
        } else {
            assert!(
                matches!(g.format, gl::DEPTH_COMPONENT | gl::STENCIL_INDEX | DEPTH_STENCIL),
                "{}",
                f.name
            );
        }
    }
}

#[test]
fn gl_mappings_preserve_byte_order() {
    let gl_of = |id: u32| lookup(id).unwrap().gl;
    // B8G8R8A8: stored unconverted, sampled .bgra.
    let g = gl_of(B8G8R8A8_UNORM).unwrap();
    assert_eq!((g.internal, g.format, g.ty), (gl::RGBA8, RGBA, UB));
    assert_eq!(g.swizzle, Some([gl::BLUE, gl::GREEN, gl::RED, gl::ALPHA]));
    assert_eq!(gl_of(B8G8R8X8_UNORM).unwrap().swizzle.unwrap()[3], gl::ONE);
    // B5G6R5: blue in the low bits = GL's 5_6_5 with RGB (red in the high bits).
    let g = gl_of(B5G6R5_UNORM).unwrap();
    assert_eq!(
        (g.internal, g.format, g.ty, g.swizzle),
        (gl::RGB565, RGB, gl::UNSIGNED_SHORT_5_6_5, None)
    );
    assert_eq!(gl_of(321).unwrap().ty, gl::UNSIGNED_SHORT_5_6_5_REV);
    let g = gl_of(B5G5R5A1_UNORM).unwrap();
    assert_eq!((g.format, g.ty), (BGRA, gl::UNSIGNED_SHORT_1_5_5_5_REV));
    // Depth/stencil: only S8_UINT_Z24_UNORM has GL's 24_8 packing.
    let g = gl_of(S8_UINT_Z24_UNORM).unwrap();
    assert_eq!(
        (g.internal, g.format, g.ty),
        (gl::DEPTH24_STENCIL8, DEPTH_STENCIL, gl::UNSIGNED_INT_24_8)
    );
    assert_eq!(gl_of(Z24_UNORM_S8_UINT), None);
    let g = gl_of(Z16_UNORM).unwrap();
    assert_eq!((g.internal, g.format, g.ty), (gl::DEPTH_COMPONENT16, gl::DEPTH_COMPONENT, US));
    // Luminance/alpha live in R/RG with replicating swizzles.
    assert_eq!(gl_of(10).unwrap().swizzle, Some([gl::ZERO, gl::ZERO, gl::ZERO, gl::RED]));
    assert_eq!(gl_of(12).unwrap().swizzle, Some([gl::RED, gl::RED, gl::RED, gl::GREEN]));
    // Compressed.
    assert_eq!(gl_of(DXT1_RGB).unwrap().internal, gl::COMPRESSED_RGB_S3TC_DXT1_EXT);
    assert_eq!(gl_of(BPTC_RGBA_UNORM).unwrap().internal, gl::COMPRESSED_RGBA_BPTC_UNORM);
    assert_eq!(gl_of(ETC1_RGB8).unwrap().internal, gl::COMPRESSED_RGB8_ETC2);
    assert_eq!(gl_of(ASTC_4X4).unwrap().internal, 0x93B0);
    assert_eq!(gl_of(ASTC_12X12_SRGB).unwrap().internal, 0x93DD);
    // No GL storage: 64-bit channels, vertex-only formats.
    for id in [24, 36, 87, 413] {
        assert_eq!(gl_of(id), None, "{id}");
    }
}

#[test]
fn renderable_and_extensions() {
    for id in [
        B8G8R8A8_UNORM,
        B8G8R8X8_UNORM,
        R8G8B8A8_UNORM,
        B5G6R5_UNORM,
        R10G10B10A2_UNORM,
        R8_UNORM,
        R16G16B16A16_FLOAT,
        R32G32B32A32_FLOAT,
        Z16_UNORM,
        S8_UINT_Z24_UNORM,
        S8_UINT,
        10,  // A8_UNORM, kept in red
        141, // A16_UNORM
    ] {
        assert!(lookup(id).unwrap().renderable(), "{id}");
    }
    // L8, L8A8 (replicating swizzles), DXT1, R64_FLOAT, Z24_UNORM_S8_UINT (no GL),
    // R8G8B8 (not required renderable), R8_SNORM, A8_UINT (integer alpha), A8_SNORM
    // (R8_SNORM storage).
    for id in [9, 12, DXT1_RGB, 24, Z24_UNORM_S8_UINT, R8G8B8_UNORM, 74, 201, 147] {
        assert!(!lookup(id).unwrap().renderable(), "{id}");
    }
    // Alpha kept in red: normalized and float alpha formats, not integer or luminance.
    let f = |id: u32| lookup(id).unwrap();
    assert!(f(10).alpha_in_red() && f(141).alpha_in_red() && f(159).alpha_in_red());
    assert!(!f(201).alpha_in_red() && !f(9).alpha_in_red() && !f(64).alpha_in_red());
    // Luminance-alpha in RG storage: normalized and float, not SNORM, integer or A8L8.
    assert!(f(12).luminance_alpha_in_rg() && f(140).luminance_alpha_in_rg());
    assert!(f(157).luminance_alpha_in_rg() && f(161).luminance_alpha_in_rg());
    for id in [149, 204, 259, 9, 10, R8G8B8A8_UNORM, 145] {
        assert!(!f(id).luminance_alpha_in_rg(), "{id}");
    }
    let ext = |id: u32| lookup(id).unwrap().required_gl_extension();
    assert_eq!(ext(DXT1_RGB), Some("GL_EXT_texture_compression_s3tc"));
    assert_eq!(ext(109), Some("GL_EXT_texture_sRGB"));
    assert_eq!(ext(ASTC_4X4), Some("GL_KHR_texture_compression_astc_ldr"));
    assert_eq!(ext(ASTC_12X12_SRGB), Some("GL_KHR_texture_compression_astc_ldr"));
    assert_eq!(ext(BPTC_RGBA_UNORM), None);
    assert_eq!(ext(B8G8R8A8_UNORM), None);
    assert_eq!(ext(24), None);
}

/// The GL 3.0 formats have GL storage; only they (among formats with GL storage) keep
/// valid values rather than every byte pattern.
#[test]
fn gl3_depth_and_shared_exponent_storage() {
    let gl_of = |id: u32| lookup(id).unwrap().gl.unwrap();
    let g = gl_of(Z32_FLOAT);
    assert_eq!((g.internal, g.format, g.ty), (gl::DEPTH_COMPONENT32F, gl::DEPTH_COMPONENT, FLOAT));
    let g = gl_of(Z32_FLOAT_S8X24_UINT);
    assert_eq!(
        (g.internal, g.format, g.ty),
        (gl::DEPTH32F_STENCIL8, DEPTH_STENCIL, gl::FLOAT_32_UNSIGNED_INT_24_8_REV)
    );
    let g = gl_of(R9G9B9E5_FLOAT);
    assert_eq!((g.internal, g.format, g.ty), (gl::RGB9_E5, RGB, gl::UNSIGNED_INT_5_9_9_9_REV));
    for id in [Z32_FLOAT, Z32_FLOAT_S8X24_UINT] {
        let f = lookup(id).unwrap();
        assert!(f.renderable() && f.sampleable() && !f.gl_transfer_is_exact(), "{}", f.name);
    }
    let e5 = lookup(R9G9B9E5_FLOAT).unwrap();
    assert!(e5.sampleable() && !e5.renderable() && !e5.gl_transfer_is_exact());
    let inexact: Vec<u32> = FORMATS
        .iter()
        .filter(|f| f.gl.is_some() && !f.gl_transfer_is_exact())
        .map(|f| f.id)
        .collect();
    assert_eq!(inexact, [Z32_FLOAT, R9G9B9E5_FLOAT, Z32_FLOAT_S8X24_UINT]);
    assert!(!lookup(24).unwrap().gl_transfer_is_exact(), "no GL storage");
    assert!(lookup(B8G8R8A8_UNORM).unwrap().gl_transfer_is_exact());
}

#[test]
fn srgb_twins() {
    let f = |id: u32| lookup(id).unwrap();
    let (rgba_srgb, bgra_srgb, bgrx_srgb) = (f(104), f(100), f(101));
    assert!(rgba_srgb.srgb_twin(f(R8G8B8A8_UNORM)) && f(R8G8B8A8_UNORM).srgb_twin(rgba_srgb));
    assert!(bgra_srgb.srgb_twin(f(B8G8R8A8_UNORM)) && bgrx_srgb.srgb_twin(f(B8G8R8X8_UNORM)));
    assert!(f(R8G8B8A8_UNORM).srgb_twin(f(R8G8B8A8_UNORM)));
    assert!(!rgba_srgb.srgb_twin(f(B8G8R8A8_UNORM)));
    assert!(!rgba_srgb.srgb_twin(bgra_srgb));
    assert!(!f(R8G8B8A8_UNORM).srgb_twin(f(B8G8R8A8_UNORM)));
    assert!(!f(R8_UNORM).srgb_twin(f(R8G8_UNORM)));
}

#[test]
fn render_candidates() {
    let f = |id: u32| lookup(id).unwrap();
    assert!(f(77).render_candidate(), "R8G8B8A8_SNORM");
    assert!(!f(R8G8B8_UNORM).render_candidate(), "three channels");
    assert!(f(183).render_candidate(), "R8G8B8_SINT: three integer channels");
    assert!(!f(R8G8B8A8_UNORM).render_candidate(), "already renderable");
    assert!(!f(150).render_candidate(), "I8_SNORM replicates a channel into alpha");
    assert!(!f(DXT1_RGB).render_candidate() && !f(24).render_candidate());
    assert!(!f(Z32_FLOAT).render_candidate(), "not colour");
}

/// Level 2's luminance, alpha and 3-3-2 render candidates (piglit's
/// ext_framebuffer_multisample-fast-clear and query-rgba-signed-components: the guest keeps
/// textures and multisample buffers of these formats in one format only where both are
/// claimed), and the SNORM luminance-alpha formats level 2 leaves unsampled.
#[test]
fn luminance_alpha_and_332_render_candidates() {
    let f = |name: &str| all().iter().find(|f| f.name == name).unwrap();
    for name in ["L8_UNORM", "L16_UNORM", "L8_SNORM", "L16_SNORM", "L16_FLOAT", "L32_FLOAT"] {
        assert!(f(name).luminance_in_red(), "{name}");
        assert!(f(name).render_candidate() && !f(name).renderable(), "{name}");
    }
    for name in ["A8_SNORM", "A16_SNORM", "B2G3R3_UNORM", "R3G3B2_UNORM"] {
        assert!(f(name).render_candidate(), "{name}");
    }
    // Not luminance in red: alpha, intensity, integer luminance, luminance-alpha.
    for name in ["A8_UNORM", "I8_UNORM", "L8_UINT", "L8A8_UNORM", "R8_UNORM"] {
        assert!(!f(name).luminance_in_red(), "{name}");
    }
    // Three-channel storage other than 3-3-2 stays out; intensity stays out.
    assert!(!f("R16G16B16_FLOAT").render_candidate() && !f("I8_SNORM").render_candidate());
    assert!(f("L8A8_SNORM").luminance_alpha_snorm_in_rg());
    assert!(f("L16A16_SNORM").luminance_alpha_snorm_in_rg());
    assert!(
        !f("L8A8_UNORM").luminance_alpha_snorm_in_rg()
            && !f("R8G8_SNORM").luminance_alpha_snorm_in_rg()
    );
}
