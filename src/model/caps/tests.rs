//! Unit tests of the capset layouts and contents, and of their withholding while no 3D is
//! executed.

use super::*;
use crate::model::format::{
    B8G8R8A8_UNORM, B8G8R8X8_UNORM, DXT1_RGB, R8G8B8A8_UNORM, S8_UINT_Z24_UNORM, Z24_UNORM_S8_UINT,
};

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

/// While no 3D is executed, both capsets are reported absent (0/0) and nothing is
/// filled, so a guest's Mesa falls back to llvmpipe; once it is, they are served.
#[test]
fn capsets_withheld_while_no_3d_is_executed() {
    for set in [CAPSET_VIRGL, CAPSET_VIRGL2] {
        if virgl_3d_executed() {
            assert_eq!(info(set), served_info(set));
            assert_eq!(fill(set, 1), fill_served(set, 1));
        } else {
            assert_eq!(info(set), (0, 0), "{set}");
            for v in 0..=2 {
                assert_eq!(fill(set, v), None, "{set} v{v}");
                assert_eq!(fill_with(set, v, &Limits::default()), None, "{set} v{v}");
            }
        }
    }
}

#[test]
fn info_and_sizes() {
    assert_eq!(served_info(CAPSET_VIRGL), (1, 308));
    assert_eq!(served_info(CAPSET_VIRGL2), (2, 1408));
    for set in [0, 3, 4, 5, 6, u32::MAX] {
        assert_eq!(served_info(set), (0, 0), "{set}");
        assert_eq!(info(set), (0, 0), "{set}");
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
