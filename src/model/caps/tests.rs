//! Unit tests of the capset layouts and contents (level 1 for a host that draws, no 3D for
//! one that does not), and of their withholding while no 3D is executed.

use super::*;
use crate::model::format::{
    B8G8R8A8_UNORM, B8G8R8X8_UNORM, DXT1_RGB, R8G8B8A8_UNORM, S8_UINT_Z24_UNORM, Z24_UNORM_S8_UINT,
};
use crate::model::protocol::VertexElement;
use crate::model::resource::DrawLimits;

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

fn bit(b: &[u8], mask_off: usize, id: u32) -> bool {
    u32_at(b, mask_off + 4 * (id / 32) as usize) & (1 << (id % 32)) != 0
}

/// The contents once 3D is executed, with the default limits (what `fill` serves then).
fn fill_served(set: u32, version: u32) -> Option<Vec<u8>> {
    build(set, version, &Limits::default())
}

/// A host that cannot draw (no renderer yet, or the CPU backend) withholds both capsets
/// (0/0, nothing filled) so a guest's Mesa falls back to llvmpipe; a drawing host serves
/// the level-1 contents.
#[test]
fn capsets_served_only_by_a_host_that_draws() {
    for set in [CAPSET_VIRGL, CAPSET_VIRGL2] {
        assert_eq!(info(set, false), (0, 0), "{set}");
        assert_eq!(info(set, true), served_info(set), "{set}");
        for v in 0..=2 {
            assert_eq!(fill(set, v, None, 1), None, "{set} v{v}");
            assert_eq!(fill(set, v, Some(&Limits::default()), 1), None, "{set} v{v}");
        }
    }
}

#[test]
fn info_and_sizes() {
    assert_eq!(served_info(CAPSET_VIRGL), (1, 308));
    assert_eq!(served_info(CAPSET_VIRGL2), (2, 1408));
    for set in [0, 3, 4, 5, 6, u32::MAX] {
        assert_eq!(served_info(set), (0, 0), "{set}");
        assert_eq!(info(set, true), (0, 0), "{set}");
    }
    assert_eq!(fill_served(1, 1).unwrap().len(), 308);
    assert_eq!(fill_served(1, 0).unwrap().len(), 308);
    assert_eq!(fill_served(2, 2).unwrap().len(), 1408);
    // VIRGL2 asked at version 1 still gets the v2 struct, as upstream fills it.
    let v = fill_served(2, 1).unwrap();
    assert_eq!(v.len(), 1408);
    assert_eq!(u32_at(&v, 0), 2);
}

#[test]
fn unknown_set_or_version_is_refused() {
    assert_eq!(fill_served(0, 0), None);
    assert_eq!(fill_served(3, 1), None);
    assert_eq!(fill_served(4, 0), None);
    assert_eq!(fill_served(1, 2), None);
    assert_eq!(fill_served(2, 3), None);
    assert_eq!(fill_served(2, u32::MAX), None);
}

#[test]
fn field_offsets() {
    assert_eq!(offset_of!(CapsV1, max_version), 0);
    assert_eq!(offset_of!(CapsV1, sampler), 4);
    assert_eq!(offset_of!(CapsV1, render), 68);
    assert_eq!(offset_of!(CapsV1, depthstencil), 132);
    assert_eq!(offset_of!(CapsV1, vertexbuffer), 196);
    assert_eq!(offset_of!(CapsV1, bset), 260);
    assert_eq!(offset_of!(CapsV1, glsl_level), 264);
    assert_eq!(offset_of!(CapsV1, max_texture_array_layers), 268);
    assert_eq!(offset_of!(CapsV1, max_render_targets), 280);
    assert_eq!(offset_of!(CapsV1, max_samples), 284);
    assert_eq!(offset_of!(CapsV1, max_texture_gather_components), 304);
    assert_eq!(offset_of!(CapsV2, v1), 0);
    assert_eq!(offset_of!(CapsV2, sample_locations), 396);
    assert_eq!(offset_of!(CapsV2, max_texture_3d_size), 488);
    assert_eq!(offset_of!(CapsV2, supported_readback_formats), 560);
    assert_eq!(offset_of!(CapsV2, scanout), 624);
    assert_eq!(offset_of!(CapsV2, max_video_memory), 692);
    assert_eq!(offset_of!(CapsV2, max_anisotropy), 760);
    assert_eq!(offset_of!(CapsV2, supported_multisample_formats), 768);
    assert_eq!(offset_of!(CapsV2, num_video_caps), 856);
    assert_eq!(offset_of!(CapsV2, max_uniform_block_size), 1372);
    assert_eq!(offset_of!(CapsV2, max_tes_outputs), 1380);
}

/// Every byte of both structs belongs to a serialised field: all-ones fields give an
/// all-ones buffer, so no field is missing from the `put_fields!` lists.
#[test]
fn serialisation_covers_every_byte() {
    let ones = FormatMask { bitmask: [u32::MAX; 16] };
    let f1 = f32::from_bits(u32::MAX);
    let v1 = CapsV1 {
        max_version: u32::MAX,
        sampler: ones,
        render: ones,
        depthstencil: ones,
        vertexbuffer: ones,
        bset: u32::MAX,
        glsl_level: u32::MAX,
        max_texture_array_layers: u32::MAX,
        max_streamout_buffers: u32::MAX,
        max_dual_source_render_targets: u32::MAX,
        max_render_targets: u32::MAX,
        max_samples: u32::MAX,
        prim_mask: u32::MAX,
        max_tbo_size: u32::MAX,
        max_uniform_blocks: u32::MAX,
        max_viewports: u32::MAX,
        max_texture_gather_components: u32::MAX,
    };
    assert!(v1.to_bytes().iter().all(|&b| b == 0xff));
    let m = u32::MAX;
    let v2 = CapsV2 {
        v1,
        min_aliased_point_size: f1,
        max_aliased_point_size: f1,
        min_smooth_point_size: f1,
        max_smooth_point_size: f1,
        min_aliased_line_width: f1,
        max_aliased_line_width: f1,
        min_smooth_line_width: f1,
        max_smooth_line_width: f1,
        max_texture_lod_bias: f1,
        max_geom_output_vertices: m,
        max_geom_total_output_components: m,
        max_vertex_outputs: m,
        max_vertex_attribs: m,
        max_shader_patch_varyings: m,
        min_texel_offset: -1,
        max_texel_offset: -1,
        min_texture_gather_offset: -1,
        max_texture_gather_offset: -1,
        texture_buffer_offset_alignment: m,
        uniform_buffer_offset_alignment: m,
        shader_buffer_offset_alignment: m,
        capability_bits: m,
        sample_locations: [m; 8],
        max_vertex_attrib_stride: m,
        max_shader_buffer_frag_compute: m,
        max_shader_buffer_other_stages: m,
        max_shader_image_frag_compute: m,
        max_shader_image_other_stages: m,
        max_image_samples: m,
        max_compute_work_group_invocations: m,
        max_compute_shared_memory_size: m,
        max_compute_grid_size: [m; 3],
        max_compute_block_size: [m; 3],
        max_texture_2d_size: m,
        max_texture_3d_size: m,
        max_texture_cube_size: m,
        max_combined_shader_buffers: m,
        max_atomic_counters: [m; 6],
        max_atomic_counter_buffers: [m; 6],
        max_combined_atomic_counters: m,
        max_combined_atomic_counter_buffers: m,
        host_feature_check_version: m,
        supported_readback_formats: ones,
        scanout: ones,
        capability_bits_v2: m,
        max_video_memory: m,
        renderer: [0xff; 64],
        max_anisotropy: f1,
        max_texture_samplers: m,
        supported_multisample_formats: ones,
        max_const_buffer_size: [m; 6],
        num_video_caps: m,
        video_caps: [VideoCaps { words: [m; 4] }; 32],
        max_uniform_block_size: m,
        max_tcs_outputs: m,
        max_tes_outputs: m,
        max_shader_storage_blocks: [m; 6],
    };
    assert!(v2.to_bytes().iter().all(|&b| b == 0xff));
    // And a default struct is all zeros.
    assert!(CapsV2::default().to_bytes().iter().all(|&b| b == 0));
}

#[test]
fn v1_contents() {
    let b = fill_served(CAPSET_VIRGL, 1).unwrap();
    let lim = Limits::default();
    assert_eq!(u32_at(&b, 0), 1);
    // B8G8R8X8_UNORM (2): sampler word 0 bit 2, render likewise.
    assert_eq!(B8G8R8X8_UNORM, 2);
    assert!(bit(&b, 4, B8G8R8X8_UNORM));
    assert!(bit(&b, 68, B8G8R8X8_UNORM));
    assert!(bit(&b, 4, B8G8R8A8_UNORM) && bit(&b, 68, B8G8R8A8_UNORM));
    assert!(bit(&b, 4, R8G8B8A8_UNORM) && bit(&b, 68, R8G8B8A8_UNORM));
    // Compressed: sampleable, not renderable.
    assert!(bit(&b, 4, DXT1_RGB) && !bit(&b, 68, DXT1_RGB));
    // Depth/stencil: only the layout GL holds.
    assert!(bit(&b, 132, S8_UINT_Z24_UNORM));
    assert!(!bit(&b, 132, Z24_UNORM_S8_UINT) && !bit(&b, 4, Z24_UNORM_S8_UINT));
    assert!(!bit(&b, 132, B8G8R8X8_UNORM));
    // Nothing drawn: no vertex formats, no features, no GLSL.
    assert!(b[196..260].iter().all(|&x| x == 0));
    assert_eq!(u32_at(&b, 260), 0, "bset");
    assert_eq!(u32_at(&b, 264), 0, "glsl_level");
    assert_eq!(u32_at(&b, 268), lim.max_array_layers);
    assert_eq!(u32_at(&b, 280), 1, "max_render_targets");
    assert_eq!(u32_at(&b, 284), lim.max_samples);
    assert_eq!(u32_at(&b, 288), 0, "prim_mask");
}

#[test]
fn v2_contents_follow_limits() {
    let lim = Limits {
        max_texture_2d: 8192,
        max_texture_3d: 1024,
        max_cube: 4096,
        max_array_layers: 512,
        max_samples: 4,
        max_buffer: 1 << 20,
        ..Limits::default()
    };
    let b = build(CAPSET_VIRGL2, 2, &lim).unwrap();
    assert_eq!(u32_at(&b, 0), 2);
    assert_eq!(u32_at(&b, 268), 512);
    assert_eq!(u32_at(&b, 284), 4);
    assert_eq!(u32_at(&b, 484), 8192);
    assert_eq!(u32_at(&b, 488), 1024);
    assert_eq!(u32_at(&b, 492), 4096);
    assert_eq!(u32_at(&b, 392), 0, "capability_bits");
    assert_eq!(u32_at(&b, 688), 0, "capability_bits_v2");
    assert_eq!(u32_at(&b, 692), 0, "max_video_memory");
    assert_eq!(f32::from_le_bytes(b[308..312].try_into().unwrap()), 1.0);
    assert!(bit(&b, 560, B8G8R8X8_UNORM), "readback");
    assert!(bit(&b, 624, B8G8R8X8_UNORM), "scanout");
    assert!(!bit(&b, 624, DXT1_RGB), "scanout");
    assert!(b[768..832].iter().all(|&x| x == 0), "multisample formats");
    let name = &b[696..760];
    assert!(name.starts_with(RENDERER_NAME.as_bytes()));
    assert_eq!(name[RENDERER_NAME.len()], 0);
    // v1 prefix of VIRGL2 equals VIRGL's apart from max_version.
    let v1 = build(CAPSET_VIRGL, 1, &lim).unwrap();
    assert_eq!(&b[4..308], &v1[4..308]);
}

/// No mask has a bit for a number the format table does not know, and sampler/render/
/// depthstencil bits follow the table's GL storage.
#[test]
fn masks_follow_the_table() {
    let b = fill_served(CAPSET_VIRGL2, 2).unwrap();
    let masks = [4, 68, 132, 196, 560, 624, 768];
    for id in 0..512u32 {
        let f = format::lookup(id);
        if f.is_none() {
            for m in masks {
                assert!(!bit(&b, m, id), "format {id} in mask at {m}");
            }
            continue;
        }
        let f = f.unwrap();
        assert_eq!(bit(&b, 4, id), f.gl.is_some(), "{}", f.name);
        assert_eq!(bit(&b, 68, id), f.kind == Kind::Color && f.renderable(), "{}", f.name);
        assert_eq!(bit(&b, 132, id), f.is_depth_or_stencil() && f.renderable(), "{}", f.name);
    }
    let mut m = FormatMask::default();
    m.set(600);
    assert_eq!(m, FormatMask::default());
    assert!(!m.contains(600));
    m.set(33);
    assert!(m.contains(33) && m.bitmask[1] == 2);
}

/// A host like Mesa llvmpipe's GL 4.5 core context.
pub(super) fn gl_host() -> Limits {
    Limits {
        max_texture_2d: 16384,
        max_texture_3d: 2048,
        max_cube: 16384,
        max_array_layers: 2048,
        max_samples: 8,
        max_buffer: u32::MAX as u64,
        draw: DrawLimits {
            max_draw_buffers: 8,
            max_vertex_attribs: 32,
            max_vertex_texture_units: 32,
            max_fragment_texture_units: 32,
            max_combined_texture_units: 96,
            max_vertex_uniform_components: 16384,
            max_fragment_uniform_components: 16384,
            max_vertex_output_components: 128,
            max_fragment_input_components: 128,
            point_size_range: [1.0, 255.0],
            line_width_range: [1.0, 255.0],
            smooth_line_width_range: [1.0, 255.0],
            max_texture_lod_bias: 16.0,
            min_texel_offset: -32,
            max_texel_offset: 31,
            ubo_offset_alignment: 16,
            max_patch_vertices: 32,
            cube_map_array: true,
            stencil_texturing: true,
            stencil_export: true,
            texture_gather: Some((-32, 31)),
        },
        unrenderable: format::FormatSet::default(),
        render_extra: format::FormatSet::default(),
        no_multisample: format::FormatSet::default(),
        ..Limits::default()
    }
}

pub(super) fn level1_v2(lim: &Limits) -> CapsV2 {
    level1::caps_v2(level1::caps_v1(2, lim), lim)
}

/// The explicit allow-lists: `bset` bits 7 (blend_eq_sep) and 11 (occlusion_query); no
/// `VIRGL_CAP_*` or `VIRGL_CAP_V2_*` bit.
const BSET_ALLOWED: u32 = (1 << 7) | (1 << 11);
const CAP_ALLOWED: u32 = 0;
const CAP_V2_ALLOWED: u32 = 0;

#[test]
fn level1_claims_gl21_and_nothing_more() {
    let lim = gl_host();
    let b = build(CAPSET_VIRGL2, 2, &lim).unwrap();
    assert_eq!(b, level1_v2(&lim).to_bytes());
    let c = level1_v2(&lim);
    assert_eq!(u32_at(&b, 264), 130, "glsl_level");
    assert_eq!(c.v1.glsl_level, level1::GLSL_LEVEL);
    // POINTS, LINES, LINE_LOOP, LINE_STRIP, TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN.
    assert_eq!(u32_at(&b, 288), 0b111_1111, "prim_mask");
    let bset = u32_at(&b, 260);
    assert_eq!(bset & !BSET_ALLOWED, 0, "bset {bset:#x} outside the allow-list");
    assert_eq!(bset, (1 << 7) | (1 << 11), "occlusion queries and blend_eq_sep are claimed");
    assert_eq!(u32_at(&b, 392) & !CAP_ALLOWED, 0, "capability_bits");
    assert_eq!(u32_at(&b, 688) & !CAP_V2_ALLOWED, 0, "capability_bits_v2");
    assert_eq!(u32_at(&b, 556), 23, "host_feature_check_version");
    assert_eq!(c.host_feature_check_version, level1::HOST_FEATURE_CHECK_VERSION);
    // One viewport, one (default) uniform block, no arrays, MSAA, TBOs, streamout, UBOs,
    // dual-source blending, gather, geometry/tessellation/compute, SSBOs, images, video.
    let v1 = &c.v1;
    assert_eq!((v1.max_viewports, v1.max_uniform_blocks, v1.max_samples), (1, 1, 1));
    assert_eq!(v1.max_texture_array_layers, 0);
    assert_eq!((v1.max_tbo_size, v1.max_streamout_buffers), (0, 0));
    assert_eq!((v1.max_dual_source_render_targets, v1.max_texture_gather_components), (0, 0));
    assert_eq!(c.max_uniform_block_size, 0);
    assert_eq!((c.max_geom_output_vertices, c.max_geom_total_output_components), (0, 0));
    assert_eq!((c.max_shader_patch_varyings, c.max_tcs_outputs, c.max_tes_outputs), (0, 0, 0));
    assert_eq!(c.max_compute_work_group_invocations, 0);
    assert_eq!((c.max_shader_buffer_frag_compute, c.max_shader_image_frag_compute), (0, 0));
    assert_eq!(c.max_shader_storage_blocks, [0; 6]);
    assert_eq!((c.max_atomic_counters, c.max_combined_atomic_counters), ([0; 6], 0));
    assert_eq!((c.min_texel_offset, c.max_texel_offset), (0, 0));
    assert_eq!((c.max_anisotropy, c.num_video_caps, c.max_video_memory), (0.0, 0, 0));
    assert!(c.supported_multisample_formats == FormatMask::default());
    // Const buffers only for the vertex and fragment stages.
    assert_eq!(&c.max_const_buffer_size[2..], &[0; 4]);
    // The v1 prefix of VIRGL2 is VIRGL's apart from max_version.
    let v1b = build(CAPSET_VIRGL, 1, &lim).unwrap();
    assert_eq!(&b[4..308], &v1b[4..308]);
    // The renderer name: NUL-terminated within 64 bytes.
    let name = &b[696..760];
    assert!(level1::RENDERER_NAME.len() <= 63 && RENDERER_NAME.len() <= 63);
    assert!(name.starts_with(level1::RENDERER_NAME.as_bytes()));
    assert_eq!(name[level1::RENDERER_NAME.len()], 0);
}

/// Every claimed format is what the table stores and level 1 executes.
#[test]
fn level1_masks_follow_the_table() {
    let c = level1_v2(&gl_host());
    let v1 = &c.v1;
    for id in 0..512u32 {
        let Some(f) = format::lookup(id) else {
            for m in [&v1.sampler, &v1.render, &v1.depthstencil, &v1.vertexbuffer] {
                assert!(!m.contains(id), "unknown format {id} claimed");
            }
            continue;
        };
        let int = f.kind == Kind::Color && (f.name.ends_with("_UINT") || f.name.ends_with("_SINT"));
        if v1.sampler.contains(id) {
            assert!(f.gl.is_some() && !int, "{} sampled", f.name);
        }
        if v1.render.contains(id) {
            assert!(f.kind == Kind::Color && f.renderable(), "{} rendered", f.name);
            assert!(v1.sampler.contains(id) && !int && !f.name.contains("SRGB"), "{}", f.name);
        }
        if v1.depthstencil.contains(id) {
            assert!(f.is_depth_or_stencil() && f.renderable() && v1.sampler.contains(id));
        }
        // The vertex mask is exactly the formats core GL 3.3 fetches without a gap,
        // float or normalised/scaled (no integer attributes at level 1).
        let e = VertexElement {
            src_offset: 0,
            instance_divisor: 0,
            vertex_buffer_index: 0,
            src_format: id,
        };
        let gap_free = crate::model::gl_state::vertex_attrib(&e)
            .is_ok_and(|a| a.gaps.is_empty() && !a.integer);
        assert_eq!(v1.vertexbuffer.contains(id), gap_free, "{} vertex", f.name);
    }
    let vf = |n: &str| format::all().iter().find(|f| f.name == n).unwrap().id;
    // GL 2.1 needs EXT_texture_sRGB (one of these sampled) and the common formats.
    assert!(v1.sampler.contains(vf("R8G8B8A8_SRGB")) && v1.sampler.contains(vf("B8G8R8A8_SRGB")));
    assert!(v1.render.contains(B8G8R8A8_UNORM) && v1.render.contains(R8G8B8A8_UNORM));
    assert!(!v1.render.contains(vf("R8G8B8A8_SRGB")));
    assert!(v1.sampler.contains(S8_UINT_Z24_UNORM) && v1.depthstencil.contains(S8_UINT_Z24_UNORM));
    // A8 renders (alpha kept in red); L8A8 is neither sampled nor rendered: the guest keeps
    // GL_LUMINANCE_ALPHA textures as RGBA8, which it can render to.
    assert!(v1.sampler.contains(vf("A8_UNORM")) && v1.render.contains(vf("A8_UNORM")));
    assert!(!v1.sampler.contains(vf("L8A8_UNORM")) && !v1.render.contains(vf("L8A8_UNORM")));
    for n in ["R32G32B32A32_FLOAT", "R32G32_FLOAT", "R8G8B8A8_UNORM", "R16G16_SNORM"] {
        assert!(v1.vertexbuffer.contains(vf(n)), "{n}");
    }
    for n in ["R11G11B10_FLOAT", "R32_FIXED", "R32G32B32A32_UINT", "R8_SINT"] {
        assert!(!v1.vertexbuffer.contains(vf(n)), "{n}");
    }
    assert!(!v1.sampler.contains(vf("R32G32B32A32_UINT")));
    assert!(!v1.render.contains(vf("R8G8B8A8_UINT")));
}

/// Limits are the host's, capped at what the level-1 executor supports.
#[test]
fn level1_limits_are_capped() {
    let mut big = gl_host();
    big.draw = DrawLimits {
        max_draw_buffers: 16,
        max_vertex_attribs: 64,
        max_vertex_texture_units: 64,
        max_fragment_texture_units: 64,
        max_combined_texture_units: 192,
        max_vertex_uniform_components: 1 << 20,
        max_fragment_uniform_components: 1 << 20,
        max_vertex_output_components: 512,
        max_fragment_input_components: 512,
        point_size_range: [0.5, 2047.0],
        line_width_range: [0.5, 64.0],
        smooth_line_width_range: [1.0, 10.0],
        max_texture_lod_bias: 64.0,
        min_texel_offset: -64,
        max_texel_offset: 63,
        ubo_offset_alignment: 16,
        max_patch_vertices: 32,
        cube_map_array: true,
        stencil_texturing: true,
        stencil_export: true,
        texture_gather: Some((-32, 31)),
    };
    let c = level1_v2(&big);
    assert_eq!(c.v1.max_render_targets, 8);
    assert_eq!(c.v1.max_viewports, 1);
    assert_eq!((c.max_vertex_attribs, c.max_vertex_outputs), (32, 32));
    assert_eq!(c.max_texture_samplers, 16);
    assert_eq!(&c.max_const_buffer_size[..2], &[4096 * 16, 4096 * 16]);
    assert_eq!((c.min_aliased_point_size, c.max_aliased_point_size), (0.5, 2047.0));
    assert_eq!((c.min_smooth_point_size, c.max_smooth_point_size), (0.5, 2047.0));
    // Line widths: the host's ranges (wide lines are drawn with glLineWidth).
    assert_eq!((c.min_aliased_line_width, c.max_aliased_line_width), (0.5, 64.0));
    assert_eq!((c.min_smooth_line_width, c.max_smooth_line_width), (1.0, 10.0));
    assert_eq!(c.max_texture_lod_bias, 64.0);
    assert_eq!((c.min_texel_offset, c.max_texel_offset), (0, 0));

    // A small host: every limit follows it.
    let mut small = gl_host();
    small.draw = DrawLimits {
        max_draw_buffers: 4,
        max_vertex_attribs: 16,
        max_vertex_texture_units: 4,
        max_fragment_texture_units: 16,
        max_combined_texture_units: 20,
        max_vertex_uniform_components: 1024,
        max_fragment_uniform_components: 2050,
        max_vertex_output_components: 64,
        max_fragment_input_components: 60,
        point_size_range: [1.0, 64.0],
        line_width_range: [1.0, 1.0],
        smooth_line_width_range: [1.0, 1.0],
        max_texture_lod_bias: 2.0,
        min_texel_offset: -8,
        max_texel_offset: 7,
        ubo_offset_alignment: 256,
        max_patch_vertices: 0,
        cube_map_array: false,
        stencil_texturing: false,
        stencil_export: false,
        texture_gather: None,
    };
    let c = level1_v2(&small);
    assert_eq!(c.v1.max_render_targets, 4);
    // Mesa uses max_vertex_attribs for varyings and fragment inputs too below GLSL 150.
    assert_eq!((c.max_vertex_attribs, c.max_vertex_outputs), (15, 16));
    assert_eq!(c.max_texture_samplers, 4);
    // Uniform components × 4 bytes, whole vec4s.
    assert_eq!(&c.max_const_buffer_size[..2], &[4096, 8192]);
    assert_eq!((c.max_aliased_point_size, c.max_texture_lod_bias), (64.0, 2.0));
    // Texture sizes still come from the limits.
    assert_eq!(c.max_texture_2d_size, 16384);
}

/// The CPU backend's limits (the default) describe no 3D at all: the contents that claim
/// nothing, not level 1.
#[test]
fn cpu_backend_limits_advertise_no_3d() {
    let cpu = Limits { max_samples: 1, ..Limits::default() };
    assert!(!level1::host_can_draw(&cpu.draw));
    assert!(!level1::host_can_draw(&Limits::default().draw));
    for lim in [cpu, Limits::default()] {
        let b = build(CAPSET_VIRGL2, 2, &lim).unwrap();
        assert_eq!(u32_at(&b, 264), 0, "glsl_level");
        assert_eq!(u32_at(&b, 260), 0, "bset");
        assert_eq!(u32_at(&b, 288), 0, "prim_mask");
        assert_eq!(u32_at(&b, 392), 0, "capability_bits");
        assert_eq!(u32_at(&b, 556), 0, "host_feature_check_version");
        assert!(b[196..260].iter().all(|&x| x == 0), "vertex formats");
        assert!(b[696..760].starts_with(RENDERER_NAME.as_bytes()));
    }
    // One missing limit is enough to claim nothing.
    let mut no_uniforms = gl_host();
    no_uniforms.draw.max_fragment_uniform_components = 0;
    assert_eq!(u32_at(&build(CAPSET_VIRGL, 1, &no_uniforms).unwrap(), 264), 0);
}

/// Level 2 claims exactly the formats with GL storage for sampling and the GL-renderable
/// depth formats (the GL 3.0 float-depth and shared-exponent formats among them, now that
/// they have storage); level 1 keeps to formats whose transfers keep every byte.
#[test]
fn level2_format_masks_follow_the_table() {
    let lim = gl_host();
    let l2 = level2::caps_v1(2, &lim);
    let l1 = level1::caps_v1(2, &lim);
    for f in format::all() {
        // The stencil views: this host does stencil texturing (tests_features).
        let stencil_view =
            format::stencil_view_of(f.id).and_then(format::lookup).is_some_and(|s| s.gl.is_some());
        let la = f.luminance_alpha_in_rg() || f.luminance_alpha_snorm_in_rg();
        let sampled = (f.gl.is_some() && !la) || stencil_view;
        assert_eq!(l2.sampler.contains(f.id), sampled, "{}", f.name);
        let ds = f.is_depth_or_stencil() && f.renderable();
        assert_eq!(l2.depthstencil.contains(f.id), ds, "{}", f.name);
        if l1.sampler.contains(f.id) || l1.depthstencil.contains(f.id) {
            assert!(f.gl_transfer_is_exact(), "{}", f.name);
        }
    }
    let (z32f, e5, z32f_s8) = (18, 125, 126);
    for id in [z32f, e5, z32f_s8] {
        assert!(l2.sampler.contains(id) && !l1.sampler.contains(id), "{id}");
    }
    assert!(l2.depthstencil.contains(z32f) && l2.depthstencil.contains(z32f_s8));
    assert!(!l2.depthstencil.contains(e5) && !l2.render.contains(e5));
    // The eight formats of ARB_vertex_type_2_10_10_10_rev (GL 3.3), R and B orders
    // × UNORM/SNORM/USCALED/SSCALED.
    for id in [8, 131, 173, 176, 123, 174, 172, 175] {
        assert!(l2.vertexbuffer.contains(id), "{id}");
    }
    // Mesa checks multisample depth/stencil formats in the multisample mask too.
    let ms = level2::caps_v2(l2, &lim).supported_multisample_formats;
    for f in format::all() {
        let ds = f.is_depth_or_stencil() && f.renderable();
        let color = f.kind == Kind::Color && f.renderable();
        assert_eq!(ms.contains(f.id), ds || color, "{}", f.name);
    }
    assert!(ms.contains(S8_UINT_Z24_UNORM) && ms.contains(z32f_s8));
}

/// Formats the host's render probe refused are claimed neither as colour nor as depth
/// targets (nor multisampled) at either level; they may still be sampled.
#[test]
fn probe_refusals_are_not_claimed() {
    let mut lim = gl_host();
    let (rgba, bgra, z16) = (R8G8B8A8_UNORM, B8G8R8A8_UNORM, format::Z16_UNORM);
    lim.unrenderable.insert(rgba);
    lim.unrenderable.insert(z16);
    let l1 = level1::caps_v1(2, &lim);
    let l2 = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    for v1 in [&l1, &l2.v1] {
        assert!(!v1.render.contains(rgba) && v1.render.contains(bgra));
        assert!(!v1.depthstencil.contains(z16) && v1.sampler.contains(z16));
        assert!(v1.sampler.contains(rgba));
    }
    assert!(!l2.supported_multisample_formats.contains(rgba));
    assert!(l2.supported_multisample_formats.contains(bgra));
    assert!(level1::caps_v1(2, &gl_host()).render.contains(rgba));
    // A probed extra (RGBA8_SNORM): a level-2 render target only, multisampled where the
    // multisample probe took it too.
    let snorm = 77;
    assert!(format::lookup(snorm).unwrap().render_candidate());
    assert!(!l2.v1.render.contains(snorm));
    lim.render_extra.insert(snorm);
    lim.max_samples = 4;
    let l2 = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    assert!(l2.v1.render.contains(snorm) && l2.supported_multisample_formats.contains(snorm));
    assert!(!level1::caps_v1(2, &lim).render.contains(snorm));
    lim.no_multisample.insert(snorm);
    let l2 = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    assert!(l2.v1.render.contains(snorm) && !l2.supported_multisample_formats.contains(snorm));
}

/// `supported_multisample_formats`: the colour and depth/stencil targets the host's
/// multisample probe accepted, none where the host has one sample.
#[test]
fn multisample_formats_follow_the_probe() {
    let mut lim = gl_host();
    lim.max_samples = 4;
    let (rgba, bgra, z24s8) = (R8G8B8A8_UNORM, B8G8R8A8_UNORM, format::S8_UINT_Z24_UNORM);
    lim.no_multisample.insert(bgra);
    let l2 = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    let ms = &l2.supported_multisample_formats;
    assert!(ms.contains(rgba), "rgba");
    assert!(ms.contains(z24s8), "z24s8");
    assert!(!ms.contains(bgra), "bgra");
    assert_eq!(l2.v1.max_samples, 4);
    // Sampled-only formats (compressed) are never multisampled.
    assert!(!ms.contains(format::DXT1_RGB));
    lim.max_samples = 1;
    let l2 = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    assert!(!l2.supported_multisample_formats.contains(rgba));
}

/// Level 2 advertises the host's uniform-buffer offset alignment (so the guest's block
/// offsets bind in place), never below level 1's 16 and 256 where the host's value is not
/// a power of two up to 256.
#[test]
fn level2_ubo_alignment_is_the_hosts() {
    let at = |a: u32| {
        let mut lim = gl_host();
        lim.draw.ubo_offset_alignment = a;
        level2::caps_v2(level2::caps_v1(2, &lim), &lim).uniform_buffer_offset_alignment
    };
    assert_eq!((at(16), at(64), at(256)), (16, 64, 256));
    assert_eq!((at(4), at(0), at(48), at(512)), (16, 256, 256, 256));
    assert_eq!(level1_v2(&gl_host()).uniform_buffer_offset_alignment, 16);
}

/// Tessellation (bset bit 24, PIPE_PRIM_PATCHES, per-patch varyings, constants of the two
/// stages) is claimed at level 2 only where the host's GL has it with 32 vertices per
/// patch; never at level 1, never before the backend exists (GL 3.3's minimum limits).
#[test]
fn level2_claims_tessellation_where_the_host_tessellates() {
    let caps = |lim: &Limits| level2::caps_v2(level2::caps_v1(2, lim), lim);
    let lim = gl_host();
    let c = caps(&lim);
    assert_eq!(level2::bset::HAS_TESSELLATION_SHADERS, 1 << 24);
    assert_ne!(c.v1.bset & level2::bset::HAS_TESSELLATION_SHADERS, 0);
    assert_ne!(c.v1.prim_mask & (1 << 14), 0);
    assert_eq!(c.max_shader_patch_varyings, 30);
    assert_eq!(c.max_const_buffer_size[3..5], [1024 * 4; 2]);
    for n in [0, 16] {
        let mut lim = gl_host();
        lim.draw.max_patch_vertices = n;
        let c = caps(&lim);
        assert_eq!(c.v1.bset & level2::bset::HAS_TESSELLATION_SHADERS, 0);
        assert_eq!((c.v1.prim_mask & (1 << 14), c.max_shader_patch_varyings), (0, 0));
        assert_eq!(c.max_const_buffer_size[3..5], [0; 2]);
    }
    assert_eq!(DrawLimits::GL33_MINIMUM.max_patch_vertices, 0);
    let l1 = level1_v2(&gl_host());
    assert_eq!((l1.v1.bset & (1 << 24), l1.max_shader_patch_varyings), (0, 0));
}

/// Level 2 claims mixed colour-buffer formats (GL 3.0 framebuffers of integer and float
/// buffers); level 1 does not.
#[test]
fn level2_claims_mixed_colour_formats() {
    let lim = gl_host();
    let bits = level2::caps_v2(level2::caps_v1(2, &lim), &lim).capability_bits;
    assert_ne!(bits & level2::CAP_FBO_MIXED_COLOR_FORMATS, 0);
    assert_eq!(level2::CAP_FBO_MIXED_COLOR_FORMATS, 1 << 18);
    let l1 = level1::caps_v2(level1::caps_v1(2, &lim), &lim).capability_bits;
    assert_eq!(l1 & level2::CAP_FBO_MIXED_COLOR_FORMATS, 0);
}

/// An OpenGL ES host gets the level-1 contents even when level 2 is asked for; formats it
/// cannot store are in no mask, and formats it cannot read back are not in the readback
/// mask (they may still be sampled).
#[test]
fn gles_host_gets_level1_and_only_what_it_stores() {
    let mut lim = gl_host();
    lim.gles = true;
    let r16 = format::lookup(48).unwrap().id; // R16_UNORM
    lim.unstored.insert(r16);
    lim.no_readback.insert(format::Z16_UNORM);
    lim.no_readback.insert(r16);
    for set in [CAPSET_VIRGL, CAPSET_VIRGL2] {
        assert_eq!(build_level(set, 2, &lim, 2), build_level(set, 2, &lim, 1), "set {set}");
    }
    let v2 = level1_v2(&lim);
    for m in [&v2.v1.sampler, &v2.v1.render, &v2.v1.depthstencil, &v2.supported_readback_formats] {
        assert!(!m.contains(r16), "unstored R16_UNORM claimed");
    }
    assert!(!v2.supported_readback_formats.contains(format::Z16_UNORM));
    assert!(v2.v1.sampler.contains(format::Z16_UNORM), "Z16 still samples");
    assert!(v2.supported_readback_formats.contains(R8G8B8A8_UNORM));
    // No 64-bit float or BGRA-ordered vertex formats (ES fetches neither).
    let desk_v1 = level1::caps_v1(2, &gl_host());
    let dropped: Vec<_> = format::all()
        .iter()
        .filter(|f| desk_v1.vertexbuffer.contains(f.id) && !v2.v1.vertexbuffer.contains(f.id))
        .map(|f| f.name)
        .collect();
    assert!(dropped.contains(&"R64_FLOAT") && dropped.contains(&"B8G8R8A8_UNORM"), "{dropped:?}");
    assert!(v2.v1.vertexbuffer.contains(R8G8B8A8_UNORM));
    // A desktop host at level 2 gets level 2.
    let desk = gl_host();
    assert_ne!(build_level(CAPSET_VIRGL2, 2, &desk, 2), build_level(CAPSET_VIRGL2, 2, &desk, 1));
}

/// What `host_feature_check_version` 23 relies on, at both levels: the gates from 16 up
/// that change nothing find nothing claimed (no shader buffers for 16, no mirror clamp in
/// either place for 20 and 22), so 23 is level-independent; for 19 the tessellation stages'
/// output limits are `max_vertex_outputs` where level 2 tessellates (what the guest used
/// below 19), 0 where nothing tessellates.
#[test]
fn feature_check_version_23_at_both_levels() {
    let mut no_tess = gl_host();
    no_tess.draw.max_patch_vertices = 0;
    let l1 = level1_v2(&gl_host());
    let l2 = level2::caps_v2(level2::caps_v1(2, &no_tess), &no_tess);
    for (name, c) in [("level 1", l1), ("level 2 without tessellation", l2)] {
        assert_eq!(c.host_feature_check_version, 23, "{name}");
        assert_eq!(c.host_feature_check_version, level1::HOST_FEATURE_CHECK_VERSION);
        assert_eq!(
            (c.max_shader_buffer_frag_compute, c.max_shader_buffer_other_stages),
            (0, 0),
            "{name}: shader buffers"
        );
        assert_eq!((c.max_tcs_outputs, c.max_tes_outputs), (0, 0), "{name}: tessellation");
        // bset: mirror_clamp is bit 21, has_tessellation_shaders bit 24.
        assert_eq!(c.v1.bset & (1 << 21 | 1 << 24), 0, "{name}: bset");
        assert_eq!(c.capability_bits_v2, 0, "{name}: no VIRGL_CAP_V2_* bit (mirror clamps)");
    }
    let lim = gl_host();
    let t = level2::caps_v2(level2::caps_v1(2, &lim), &lim);
    assert_eq!(t.host_feature_check_version, 23);
    assert_ne!(t.v1.bset & (1 << 24), 0, "tessellates");
    assert_ne!(t.max_vertex_outputs, 0);
    assert_eq!(
        (t.max_tcs_outputs, t.max_tes_outputs),
        (t.max_vertex_outputs, t.max_vertex_outputs)
    );
    assert_eq!((t.v1.bset & (1 << 21), t.capability_bits_v2), (0, 0), "mirror clamps");
}

/// `sample_locations`: the host's positions, one byte per sample (x high, y low nibble, in
/// sixteenths) at the word Mesa's virgl driver reads for the sample count.
#[test]
fn sample_locations_pack_as_the_guest_reads_them() {
    use level2::set_sample_location as set;
    let mut l = [0u32; 8];
    // llvmpipe's 4x pattern, for 2 and 4 samples.
    let four = [(0.375, 0.125), (0.875, 0.375), (0.125, 0.625), (0.625, 0.875)];
    for (i, &(x, y)) in four.iter().enumerate() {
        assert!(set(&mut l, 4, i as u32, x, y));
        assert!(i >= 2 || set(&mut l, 2, i as u32, x, y));
    }
    assert_eq!(l[0], 0x0000_e662);
    assert_eq!(l[1], 0xae2a_e662);
    // 8 and 16 samples span two and four words; 1.0 and NaN stay inside the nibble.
    assert!(set(&mut l, 8, 5, 1.0, f32::NAN) && set(&mut l, 16, 15, 0.5, 0.0));
    assert_eq!((l[2], l[3], l[7]), (0, 0xf000, 0x8000_0000));
    // Out of range: nothing stored.
    let before = l;
    assert!(!set(&mut l, 4, 4, 0.5, 0.5) && !set(&mut l, 32, 0, 0.5, 0.5));
    assert!(!set(&mut l, 1, 0, 0.5, 0.5));
    assert_eq!(l, before);
    // Level 2 claims what the backend probed; level 1 (no multisample textures) nothing.
    let mut lim = gl_host();
    lim.sample_locations = before;
    assert_eq!(level2::caps_v2(level2::caps_v1(2, &lim), &lim).sample_locations, before);
    assert_eq!(level1_v2(&lim).sample_locations, [0; 8]);
}
