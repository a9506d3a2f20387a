use super::super::pipe::{filter, mipfilter, swizzle as sw, wrap};
use super::super::*;
use crate::model::format;
use crate::model::protocol::{SamplerState, SamplerView};
use crate::model::resource::Target;
use glow as gl;

#[test]
fn wrap_table_exhaustive() {
    let expect = [
        (wrap::REPEAT, gl::REPEAT, None),
        (wrap::CLAMP, GL_CLAMP, Some(Gap::WrapClamp)),
        (wrap::CLAMP_TO_EDGE, gl::CLAMP_TO_EDGE, None),
        (wrap::CLAMP_TO_BORDER, gl::CLAMP_TO_BORDER, None),
        (wrap::MIRROR_REPEAT, gl::MIRRORED_REPEAT, None),
        (wrap::MIRROR_CLAMP, GL_MIRROR_CLAMP_EXT, Some(Gap::WrapMirrorClamp)),
        (wrap::MIRROR_CLAMP_TO_EDGE, gl::MIRROR_CLAMP_TO_EDGE, Some(Gap::WrapMirrorClampToEdge)),
        (wrap::MIRROR_CLAMP_TO_BORDER, GL_MIRROR_CLAMP_TO_BORDER_EXT, Some(Gap::WrapMirrorClamp)),
    ];
    for v in 0..=u8::MAX {
        match expect.iter().find(|(p, _, _)| *p == v) {
            Some((_, g, gap)) => assert_eq!(wrap_mode(v).unwrap(), (*g, *gap)),
            None => assert!(wrap_mode(v).is_err(), "wrap {v}"),
        }
    }
}

#[test]
fn filter_tables_exhaustive() {
    let expect = [
        ((filter::NEAREST, mipfilter::NONE), gl::NEAREST),
        ((filter::LINEAR, mipfilter::NONE), gl::LINEAR),
        ((filter::NEAREST, mipfilter::NEAREST), gl::NEAREST_MIPMAP_NEAREST),
        ((filter::LINEAR, mipfilter::NEAREST), gl::LINEAR_MIPMAP_NEAREST),
        ((filter::NEAREST, mipfilter::LINEAR), gl::NEAREST_MIPMAP_LINEAR),
        ((filter::LINEAR, mipfilter::LINEAR), gl::LINEAR_MIPMAP_LINEAR),
    ];
    for img in 0..=u8::MAX {
        for mip in 0..=u8::MAX {
            match expect.iter().find(|(p, _)| *p == (img, mip)) {
                Some((_, g)) => assert_eq!(min_filter(img, mip).unwrap(), *g),
                None => assert!(min_filter(img, mip).is_err(), "{img}/{mip}"),
            }
        }
        match img {
            filter::NEAREST => assert_eq!(mag_filter(img).unwrap(), gl::NEAREST),
            filter::LINEAR => assert_eq!(mag_filter(img).unwrap(), gl::LINEAR),
            _ => assert!(mag_filter(img).is_err()),
        }
    }
}

#[test]
fn texture_target_table_exhaustive() {
    let single = [
        (Target::Buffer, gl::TEXTURE_BUFFER),
        (Target::Tex1D, gl::TEXTURE_1D),
        (Target::Tex2D, gl::TEXTURE_2D),
        (Target::Tex3D, gl::TEXTURE_3D),
        (Target::Cube, gl::TEXTURE_CUBE_MAP),
        (Target::Rect, gl::TEXTURE_RECTANGLE),
        (Target::Tex1DArray, gl::TEXTURE_1D_ARRAY),
        (Target::Tex2DArray, gl::TEXTURE_2D_ARRAY),
        (Target::CubeArray, gl::TEXTURE_CUBE_MAP_ARRAY),
    ];
    for v in 0..=16 {
        let Some(t) = Target::from_u32(v) else {
            assert!(v >= 9);
            continue;
        };
        let (_, g) = single.iter().find(|(p, _)| *p == t).unwrap();
        let (mapped, gap) = texture_target(t, 1).unwrap();
        assert_eq!(mapped, *g);
        assert_eq!(gap, (t == Target::CubeArray).then_some(Gap::CubeMapArray));
        assert_eq!(texture_target(t, 0).unwrap().0, *g);
        match t {
            Target::Tex2D => {
                assert_eq!(texture_target(t, 4).unwrap().0, gl::TEXTURE_2D_MULTISAMPLE)
            }
            Target::Tex2DArray => {
                assert_eq!(texture_target(t, 4).unwrap().0, gl::TEXTURE_2D_MULTISAMPLE_ARRAY)
            }
            _ => assert!(texture_target(t, 4).is_err(), "{t:?} multisampled"),
        }
    }
}

#[test]
fn swizzle_table_exhaustive_and_composed() {
    let id = [gl::RED, gl::GREEN, gl::BLUE, gl::ALPHA];
    let bgra = [gl::BLUE, gl::GREEN, gl::RED, gl::ALPHA];
    for v in 0..=u8::MAX {
        match v {
            sw::RED..=sw::ALPHA => {
                assert_eq!(compose_swizzle(v, None).unwrap(), id[v as usize]);
                assert_eq!(compose_swizzle(v, Some(bgra)).unwrap(), bgra[v as usize]);
            }
            sw::ZERO => assert_eq!(compose_swizzle(v, Some(bgra)).unwrap(), gl::ZERO),
            sw::ONE => assert_eq!(compose_swizzle(v, Some(bgra)).unwrap(), gl::ONE),
            _ => assert!(compose_swizzle(v, None).is_err(), "swizzle {v}"),
        }
    }
}

/// A default texture sampler as Mesa sends it (GL defaults: REPEAT, NEAREST_MIPMAP_LINEAR
/// min, LINEAR mag, lod -1000..1000).
fn default_sampler() -> SamplerState {
    SamplerState {
        wrap_s: wrap::REPEAT,
        wrap_t: wrap::REPEAT,
        wrap_r: wrap::REPEAT,
        min_img_filter: filter::NEAREST,
        min_mip_filter: mipfilter::LINEAR,
        mag_img_filter: filter::LINEAR,
        min_lod: -1000.0,
        max_lod: 1000.0,
        compare_func: 0,
        ..SamplerState::default()
    }
}

#[test]
fn sampler_state_end_to_end() {
    let g = sampler_state(&default_sampler()).unwrap();
    assert_eq!(g.wrap, [gl::REPEAT; 3]);
    assert_eq!((g.min_filter, g.mag_filter), (gl::NEAREST_MIPMAP_LINEAR, gl::LINEAR));
    assert_eq!((g.lod_bias, g.min_lod, g.max_lod), (0.0, -1000.0, 1000.0));
    assert_eq!((g.compare_mode, g.compare_func), (gl::NONE, gl::NEVER));
    assert_eq!(g.max_anisotropy, 1.0);
    assert!(g.gaps.is_empty());
    let s = SamplerState {
        wrap_t: wrap::CLAMP,
        wrap_r: wrap::MIRROR_CLAMP_TO_EDGE,
        compare_mode: true,
        compare_func: 3,
        max_anisotropy: 16,
        border_color: [1, 2, 3, 4],
        seamless_cube_map: true,
        ..default_sampler()
    };
    let g = sampler_state(&s).unwrap();
    assert_eq!(g.wrap, [gl::REPEAT, GL_CLAMP, gl::MIRROR_CLAMP_TO_EDGE]);
    assert_eq!((g.compare_mode, g.compare_func), (gl::COMPARE_REF_TO_TEXTURE, gl::LEQUAL));
    assert_eq!((g.max_anisotropy, g.border_color), (16.0, [1, 2, 3, 4]));
    assert!(g.seamless_cube_map);
    let gaps: Vec<_> = g.gaps.iter().collect();
    assert_eq!(gaps, [Gap::WrapClamp, Gap::WrapMirrorClampToEdge, Gap::Anisotropy]);
    assert!(sampler_state(&SamplerState { min_mip_filter: 3, ..s }).is_err());
}

fn view(fmt: u32, target: u8, val0: u32, val1: u32, swizzle: [u8; 4]) -> SamplerView {
    SamplerView { res_handle: 1, format: fmt, target, val0, val1, swizzle }
}

#[test]
fn sampler_view_end_to_end() {
    let rgba = [sw::RED, sw::GREEN, sw::BLUE, sw::ALPHA];
    // B8G8R8A8 is stored as RGBA8 and sampled through .bgra; the view's swizzle goes on top.
    let v = view(format::B8G8R8A8_UNORM, 0, 0, 3 << 8, [sw::ALPHA, sw::RED, sw::ZERO, sw::ONE]);
    let g = sampler_view(&v, Target::Tex2D, 1).unwrap();
    assert_eq!(g.target, gl::TEXTURE_2D);
    assert_eq!(g.swizzle, [gl::ALPHA, gl::BLUE, gl::ZERO, gl::ONE]);
    assert_eq!((g.base_level, g.max_level, g.first_layer, g.last_layer), (0, 3, 0, 0));
    assert_eq!(g.format.name, "B8G8R8A8_UNORM");
    assert!(g.gaps.is_empty() && g.buffer_range.is_none());
    // The view's own target wins; layers of an array.
    let v = view(format::R8G8B8A8_UNORM, 7, 2 | (5 << 16), 1 | (1 << 8), rgba);
    let g = sampler_view(&v, Target::Tex2D, 1).unwrap();
    assert_eq!(g.target, gl::TEXTURE_2D_ARRAY);
    assert_eq!((g.base_level, g.max_level, g.first_layer, g.last_layer), (1, 1, 2, 5));
    let v = view(format::R8G8B8A8_UNORM, 8, 0, 0, rgba);
    assert!(sampler_view(&v, Target::Tex2D, 1).unwrap().gaps.contains(Gap::CubeMapArray));
    // Buffers: elements → bytes.
    let v = view(format::R32G32B32A32_FLOAT, 0, 4, 7, rgba);
    let g = sampler_view(&v, Target::Buffer, 0).unwrap();
    assert_eq!((g.target, g.buffer_range), (gl::TEXTURE_BUFFER, Some((64, 64))));
    // Refusals: first past last, unknown target, format without GL storage, bad swizzle.
    let refused = [
        view(format::R8G8B8A8_UNORM, 0, 3 | (2 << 16), 0, rgba),
        view(format::R8G8B8A8_UNORM, 0, 0, 2 | (1 << 8), rgba),
        view(format::R8G8B8A8_UNORM, 9, 0, 0, rgba),
        view(format::Z24_UNORM_S8_UINT, 0, 0, 0, rgba),
        view(format::R8G8B8A8_UNORM, 0, 0, 0, [6, 0, 0, 0]),
        view(0, 0, 0, 0, rgba),
    ];
    for v in refused {
        assert!(sampler_view(&v, Target::Tex2D, 1).is_err(), "{v:?}");
    }
    let v = view(format::R8G8B8A8_UNORM, 0, 5, 4, rgba);
    assert!(sampler_view(&v, Target::Buffer, 0).is_err());
    let e = sampler_view(&view(format::Z24_UNORM_S8_UINT, 0, 0, 0, rgba), Target::Tex2D, 1)
        .unwrap_err();
    assert!(e.msg.contains("Z24_UNORM_S8_UINT"), "{}", e.msg);
}

/// Stencil views of depth/stencil storage (GL_ARB_stencil_texturing): the view formats
/// have no storage of their own; the view reads the storage's stencil, identity swizzle.
#[test]
fn stencil_views_read_their_storage() {
    let rgba = [sw::RED, sw::GREEN, sw::BLUE, sw::ALPHA];
    for (view_fmt, storage) in [
        (format::S8X24_UINT, format::S8_UINT_Z24_UNORM),
        (format::X32_S8X24_UINT, format::Z32_FLOAT_S8X24_UINT),
    ] {
        let g = sampler_view(&view(view_fmt, 0, 0, 0, rgba), Target::Tex2DArray, 1).unwrap();
        assert!(g.stencil, "{view_fmt}");
        assert_eq!(g.format.id, storage);
        assert_eq!(g.swizzle, [gl::RED, gl::GREEN, gl::BLUE, gl::ALPHA]);
        // A buffer has no stencil.
        assert!(sampler_view(&view(view_fmt, 0, 0, 0, rgba), Target::Buffer, 0).is_err());
    }
    let g = sampler_view(&view(format::S8_UINT_Z24_UNORM, 0, 0, 0, rgba), Target::Tex2D, 1);
    assert!(!g.unwrap().stencil, "the depth/stencil format itself samples depth");
    // Z24_UNORM_S8_UINT has no GL storage: neither has its stencil view.
    assert!(sampler_view(&view(format::X24S8_UINT, 0, 0, 0, rgba), Target::Tex2D, 1).is_err());
}
