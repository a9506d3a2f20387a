//! The GL 4.x features level 2 offers where the host has them (issue #14): cube-map arrays
//! (`bset.cube_map_array`), stencil export (`bset.shader_stencil_export`) and stencil
//! texturing (the X24S8_UINT / S8X24_UINT / X32_S8X24_UINT views in the sampler mask, which
//! turn on GL_ARB_stencil_texturing and GL_ARB_texture_stencil8 in the guest's Mesa). Each is
//! gated on the host's GL; level 1 (GL 2.1) never offers them.

use super::tests::{gl_host, level1_v2};
use super::*;
use crate::model::format;

const CUBE_MAP_ARRAY: u32 = 1 << 2;
const SHADER_STENCIL_EXPORT: u32 = 1 << 3;
/// S8X24_UINT and X32_S8X24_UINT: the stencil views of the two depth/stencil formats with
/// GL storage (X24S8_UINT's Z24_UNORM_S8_UINT has none, so it is never claimed).
const STENCIL_VIEWS: [u32; 2] = [137, 138];

fn level2_v2(lim: &Limits) -> CapsV2 {
    level2::caps_v2(level2::caps_v1(2, lim), lim)
}

#[test]
fn level2_offers_the_gl4_features_the_host_has() {
    let lim = gl_host();
    let c = level2_v2(&lim);
    assert_eq!(level2::bset::CUBE_MAP_ARRAY, CUBE_MAP_ARRAY);
    assert_eq!(level2::bset::SHADER_STENCIL_EXPORT, SHADER_STENCIL_EXPORT);
    assert_ne!(c.v1.bset & CUBE_MAP_ARRAY, 0);
    assert_ne!(c.v1.bset & SHADER_STENCIL_EXPORT, 0);
    for id in STENCIL_VIEWS {
        assert!(c.v1.sampler.contains(id), "{id}");
        // Views only: no storage, so never a render target, depth buffer or readback.
        assert!(!c.v1.render.contains(id) && !c.v1.depthstencil.contains(id), "{id}");
        assert!(!c.supported_readback_formats.contains(id), "{id}");
        // Each reads the stencil of the depth/stencil storage Mesa pairs it with.
        let ds = format::stencil_view_of(id).unwrap();
        assert_eq!(format::lookup(ds).unwrap().kind, format::Kind::DepthStencil);
    }
    assert_eq!(format::stencil_view_of(format::S8_UINT), None);
    assert!(!c.v1.sampler.contains(format::X24S8_UINT));
    assert!(format::lookup(format::Z24_UNORM_S8_UINT).unwrap().gl.is_none());
}

#[test]
fn each_feature_follows_its_own_host_flag() {
    let mut lim = gl_host();
    lim.draw.cube_map_array = false;
    let c = level2_v2(&lim);
    assert_eq!(c.v1.bset & CUBE_MAP_ARRAY, 0);
    assert_ne!(c.v1.bset & SHADER_STENCIL_EXPORT, 0);
    assert!(c.v1.sampler.contains(STENCIL_VIEWS[0]));

    let mut lim = gl_host();
    lim.draw.stencil_export = false;
    let c = level2_v2(&lim);
    assert_eq!(c.v1.bset & SHADER_STENCIL_EXPORT, 0);
    assert_ne!(c.v1.bset & CUBE_MAP_ARRAY, 0);

    let mut lim = gl_host();
    lim.draw.stencil_texturing = false;
    let c = level2_v2(&lim);
    assert!(STENCIL_VIEWS.iter().all(|&id| !c.v1.sampler.contains(id)));
    assert_ne!(c.v1.bset & (CUBE_MAP_ARRAY | SHADER_STENCIL_EXPORT), 0);
    // Everything else of the sampler mask is unchanged.
    let full = level2_v2(&gl_host()).v1.sampler;
    for f in format::all().iter().filter(|f| !STENCIL_VIEWS.contains(&f.id)) {
        assert_eq!(c.v1.sampler.contains(f.id), full.contains(f.id), "{}", f.name);
    }

    // The GL 3.3 minimum (what a capset filled before the backend exists claims): none.
    const { assert!(!DrawLimits::GL33_MINIMUM.cube_map_array) };
    const { assert!(!DrawLimits::GL33_MINIMUM.stencil_texturing) };
    const { assert!(!DrawLimits::GL33_MINIMUM.stencil_export) };
}

use crate::model::resource::DrawLimits;

/// An OpenGL ES host and level 1 (GL 2.1) offer none of them, whatever the host has.
#[test]
fn level1_and_gles_offer_none() {
    let lim = gl_host();
    for (name, c) in [
        ("level 1", level1_v2(&lim)),
        ("gles", {
            let mut es = gl_host();
            es.gles = true;
            level2_v2(&es)
        }),
    ] {
        assert_eq!(c.v1.bset & (CUBE_MAP_ARRAY | SHADER_STENCIL_EXPORT), 0, "{name}");
        assert!(STENCIL_VIEWS.iter().all(|&id| !c.v1.sampler.contains(id)), "{name}");
    }
    // Through the served bytes: VIRGL_SHIM_3D_LEVEL=1 serves level 1's.
    let bytes = build_level(CAPSET_VIRGL2, 2, &lim, 1).unwrap();
    let at = offset_of!(CapsV2, v1) + offset_of!(CapsV1, bset);
    let bset = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(bset & (CUBE_MAP_ARRAY | SHADER_STENCIL_EXPORT), 0);
    let bytes2 = build_level(CAPSET_VIRGL2, 2, &lim, 2).unwrap();
    let bset2 = u32::from_le_bytes(bytes2[at..at + 4].try_into().unwrap());
    assert_eq!(
        bset2 & (CUBE_MAP_ARRAY | SHADER_STENCIL_EXPORT),
        CUBE_MAP_ARRAY | SHADER_STENCIL_EXPORT
    );
}

/// GL_ARB_texture_gather: four gather components and the host's offset range at level 2
/// where the host gathers; nothing at level 1, on OpenGL ES, or without it.
#[test]
fn texture_gather_follows_the_host() {
    let lim = gl_host();
    let c = level2_v2(&lim);
    assert_eq!(c.v1.max_texture_gather_components, 4);
    assert_eq!((c.min_texture_gather_offset, c.max_texture_gather_offset), (-32, 31));
    let mut none = gl_host();
    none.draw.texture_gather = None;
    let mut es = gl_host();
    es.gles = true;
    for c in [level2_v2(&none), level2_v2(&es), level1_v2(&lim)] {
        assert_eq!(c.v1.max_texture_gather_components, 0);
        assert_eq!((c.min_texture_gather_offset, c.max_texture_gather_offset), (0, 0));
    }
    const { assert!(DrawLimits::GL33_MINIMUM.texture_gather.is_none()) };
}
