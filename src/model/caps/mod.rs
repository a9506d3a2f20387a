//! Capsets VIRGL (v1, 308 bytes) and VIRGL2 (v2, 1408 bytes), filled from the backend's
//! real limits and the format table — served only by a renderer that executes 3D (the GL
//! backend, level 1 today) and **withheld** (reported absent) by one that cannot.
//!
//! The layouts are upstream 1.2's `struct virgl_caps_v1` and `struct virgl_caps_v2`
//! (virgl_hw.h), declared here as `#[repr(C)]` structs whose sizes and key offsets are
//! checked at compile time and serialised field by field at their `offset_of!` positions
//! (little-endian, as a guest reads them).
//!
//! # Why a host without 3D withholds them
//!
//! A guest's Mesa virgl driver creates a "virgl" screen whenever the device has 3D and it
//! gets a capset with format masks, whatever `glsl_level` says: with contents that claim
//! no 3D (GLSL 0, no capability bits) guests got a "virgl" GL 2.1 / GLES 2.0 context whose
//! shader programs fail to link or crash inside Mesa. So a host that cannot draw (the CPU
//! backend; [`info`] with `serves_3d` false) answers 0/0 for VIRGL and VIRGL2 and
//! [`fill`] writes nothing — what upstream answers for a set it does not serve. (Upstream
//! 1.x itself always serves both: withholding is virgl-shim's choice.) Measured through
//! Debian's QEMU 10 and a Mesa 25 guest (tests/e2e/gl-fallback.sh): QEMU lists only capset
//! VIRGL, with max version 0 and size 0; Mesa gets no usable virgl screen and EGL falls
//! back to kms_swrast, i.e. `GL_RENDERER` "llvmpipe", whose rendering is right. 2D, blob,
//! scanout, transfers and contexts are unaffected.
//!
//! # What the contents claim
//!
//! Two levels, chosen by the backend's [`Limits`]: a host that can draw
//! ([`level1::host_can_draw`]: the GL backend's context limits) gets **level 1**; any other
//! (the CPU backend: its `draw` limits are all zero) gets contents that claim **no 3D**.
//! An OpenGL ES host (`Limits::gles`, `backend::gl::gles`) gets level 1 at most (level 2
//! claims desktop GL 3.3 features), with the formats it cannot store (`Limits::unstored`) in
//! no mask and those it cannot read back (`Limits::no_readback`) out of the readback mask.
//! Facts about the guest below are from Mesa 24/25's virgl driver (`virgl_screen.c`,
//! `virgl_context.c`, `virgl_encode.c`) and state tracker (`st_extensions.c`, `version.c`).
//!
//! ## Level 1: GL 2.1 compatibility / GLES 2.0 guests ([`level1`])
//!
//! Exactly what the level-1 executor runs: state objects, float-only TGSI translated to GLSL
//! 3.30, DRAW_VBO, CLEAR, occlusion queries, sampler views/states, one viewport/scissor, up
//! to 8 colour buffers, vertex/index buffers, inline constants.
//!
//! - **GLSL** `glsl_level` 130: it turns on the guest compiler's native integers (Mesa
//!   marks shader integers supported from 130), and Mesa clamps the GLSL version a context
//!   offers to its GL version (`_mesa_compute_version`: GL 2.x gets GLSL 1.20), so guests
//!   still get GL 2.1 compat / GLSL 1.20 and GLES 2.0. 120 would leave the guest on its
//!   non-native-integer path, which emits integer address arithmetic (SHL/UADD) on values
//!   it stores as floats and then ARL (float → address): variable array indexing comes
//!   out wrong on any host (118 piglit variable-indexing tests failed that way). The
//!   translator runs with native integers (`VariantKey::integers`).
//! - **`bset`**: `occlusion_query` (bit 11; GL 1.5 needs ARB_occlusion_query, so without it
//!   Mesa stops at GL 1.4) and `blend_eq_sep` (bit 7; Mesa hard-codes the pipe cap, the bit
//!   says it for other guests). Every other bit is clear: no independent blend, cube
//!   arrays, stencil export, conditional render, base instance, primitive restart, seamless
//!   cubes, MSAA textures, lower-left fragment coord convention (the guest lowers it), depth
//!   clip disable, colour clamping (the guest clamps in the shader), mirror clamp, LOD
//!   query, fp64, tessellation, indirect draws, sample shading, cull distance, derivative
//!   control, polygon offset clamp, timer or streamout queries. `instanceid` and
//!   `vertex_element_instance_divisor` stay clear too, but Mesa 25 hard-codes both pipe caps,
//!   so instanced draws and divisors reach the executor anyway.
//! - **`capability_bits` / `capability_bits_v2`**: none. In-stream transfers
//!   (`VIRGL_CAP_TRANSFER`, `COPY_TRANSFER`) stay off so transfers use the ioctl path;
//!   `FBO_MIXED_COLOR_FORMATS` and `SRGB_WRITE_CONTROL` are off (not needed below GL 3.0).
//! - **`host_feature_check_version` 23** (both levels: level 2 takes level 1's) — each gate
//!   Mesa 25 has (src/gallium/drivers/virgl and its winsys), and what 23 does to it:
//!   - ≥ 1: mixed colour-buffer formats and sRGB write control follow their capability
//!     bits (below 1 the guest assumes both).
//!   - ≥ 2: vertex streams follow `TRANSFORM_FEEDBACK3` (below 2 the guest assumes 4).
//!   - ≥ 4: persistent/coherent maps also need `ARB_BUFFER_STORAGE` (off): none.
//!   - ≥ 5: the guest shows [`level1::RENDERER_NAME`] as "virgl (NAME)".
//!   - ≥ 6: the compatibility GLSL level is `glsl_level` (Mesa clamps it to 120 for GL 2.x).
//!   - ≥ 7: the guest sends **LINK_SHADER** after linking a program: the executor must
//!     accept it (a no-op hint is enough; programs are linked at draw time).
//!   - ≥ 9: multisampled formats are checked against `supported_multisample_formats`
//!     (empty; `texture_multisample` is clear anyway).
//!   - ≥ 10: TGSI names texture coordinates and the point coordinate with the TEXCOORD and
//!     PCOORD semantics (the translator maps both) instead of GENERIC.
//!   - ≥ 12: constant buffer 0 is `max_const_buffer_size[stage]` bytes (below 12 the guest
//!     assumes 64 KiB whatever the host has).
//!   - ≥ 13: the uniform block size is `max_uniform_block_size` (0: no uniform blocks).
//!   - ≥ 14: CREATE_VIDEO_CODEC gets a longer form (no video is claimed).
//!   - ≥ 15: timer queries follow `bset.timer_query`; below 15 the guest assumes
//!     TIMESTAMP / TIME_ELAPSED queries whatever the bit says.
//!   - ≥ 16: NIR-to-TGSI lowers SSBO bindings (`lower_ssbo_bindings`): no effect, no
//!     shader buffers are claimed (`max_shader_buffer_*` 0 at both levels).
//!   - ≥ 18: a blob resource the guest imports (`resource_from_handle` with `blob_mem`)
//!     is typed with **PIPE_RESOURCE_SET_TYPE** (DRM winsys, in the command stream): the
//!     executor types a guest-only blob as a 2-D texture backed by its memory and accepts
//!     it for one that has a type already, as upstream.
//!   - ≥ 19: tessellation output limits come from `max_tcs/tes_outputs`: where level 2
//!     offers tessellation they are `max_vertex_outputs`, what the guest used below 19.
//!   - ≥ 20 / ≥ 22: mirror-clamp(-to-edge) follow `VIRGL_CAP_V2_MIRROR_CLAMP(_TO_EDGE)`
//!     instead of `bset.mirror_clamp`: all are clear at both levels, so no change.
//!   - ≥ 21: `clear_render_target` / `clear_depth_stencil` send **CLEAR_SURFACE** (below
//!     21 the guest clears through its blitter with draws): the executor clears the
//!     rectangle of the surface on GL (`renderer::decode::clear_surface`), with the render
//!     condition when asked.
//!   - ≥ 23: the vtest winsys keeps protocol version 3 (server-chosen resource ids; below
//!     23 it renegotiates 2), which `virgl_test_server --multi-clients` needs.
//! - **Primitives** `prim_mask` = POINTS, LINES, LINE_LOOP, LINE_STRIP, TRIANGLES,
//!   TRIANGLE_STRIP, TRIANGLE_FAN. Mesa never sends QUADS/QUAD_STRIP (its pipe cap excludes
//!   them) and converts every mode whose bit is clear (POLYGON, adjacency) with its
//!   primitive converter before DRAW_VBO.
//! - **Formats**: `sampler` = GL storage that keeps the bytes ([`crate::model::format`])
//!   minus pure-integer colour formats (no integer samplers). sRGB formats stay (GL 2.1
//!   needs EXT_texture_sRGB, and the table stores them byte-exactly). Depth/stencil formats
//!   stay too: Mesa checks this mask, not `depthstencil`, before creating a depth buffer.
//!   `render` = colour formats whose storage GL renders to, minus pure-integer (no integer
//!   outputs) and sRGB ones (gallium encodes on write; no sRGB write control is claimed).
//!   `depthstencil` = depth/stencil-renderable storage. `vertexbuffer` = formats that
//!   [`crate::model::gl_state::vertex_attrib`] maps to core GL 3.3 without a gap, not pure
//!   integer. Mesa 25 reads this mask only for R11G11B10_FLOAT (gap: excluded); it sends
//!   any other plain, non-FIXED format the GL API asks for (64-bit floats, 32-bit
//!   normalised/scaled included), which the same mapping covers. No multisample formats.
//! - **Limits** (host's, capped at the executor's): `max_render_targets` ≤ 8,
//!   `max_viewports` 1, `max_samples` 1 (single-sampled only), no array layers, TBOs,
//!   streamout, gather, dual-source targets; `max_uniform_blocks` 1 (only the default
//!   block, sent inline by SET_CONSTANT_BUFFER). `max_vertex_attribs` = the host's, ≤ 32,
//!   and ≤ the varyings both stages carry: below GLSL 150 Mesa uses this one number for
//!   vertex inputs, fragment inputs and varyings. `max_vertex_outputs` = the host's vertex
//!   output vec4s, ≤ 32. `max_texture_samplers` = the least of both stages' units, half the
//!   combined units and 16 (Mesa applies it to every stage). `max_const_buffer_size` for
//!   the vertex and fragment stages = their uniform components × 4 bytes, ≤ 64 KiB (the
//!   executor's `uvec4[4096]`); other stages 0. Point sizes = `GL_POINT_SIZE_RANGE`; line
//!   widths 1.0..1.0 (a core forward-compatible context refuses wide lines);
//!   `max_texture_lod_bias` = the host's; texel offsets 0 (GLSL 1.20 has no
//!   `textureOffset`); no anisotropy.
//! - Texture sizes, readback and scanout masks as for no 3D below.
//!
//! ## No 3D (a host that cannot draw)
//!
//! - `glsl_level` is 0, every `bset` bit and every `capability_bits(_v2)` bit is clear,
//!   `prim_mask` is 0, `host_feature_check_version` is 0 and shader/compute limits are 0.
//!   (This alone does **not** make a guest's Mesa fall back to software rendering;
//!   withholding the capsets does.)
//! - The format masks describe what the GL backend stores byte-exactly: `sampler` and
//!   `supported_readback_formats` = formats with GL storage; `render` = colour formats
//!   whose GL storage is colour-renderable; `depthstencil` = depth/stencil-renderable;
//!   `scanout` = colour formats with GL storage and a DRM fourcc. `vertexbuffer` and
//!   `supported_multisample_formats` are empty.
//! - Size limits (`max_texture_array_layers`, `max_samples`, `max_texture_2d/3d/cube_size`)
//!   come from [`Limits`]. `max_render_targets` and `max_viewports` are 1. Point sizes and
//!   line widths are 1.0, the only size GL guarantees.

use crate::model::format::{self, FormatInfo, Kind};
use crate::model::resource::MaxSizes as Limits;
use std::mem::{offset_of, size_of};

pub mod level1;
pub mod level2;

/// `VIRTGPU_DRM_CAPSET_VIRGL`.
pub const CAPSET_VIRGL: u32 = 1;
/// `VIRTGPU_DRM_CAPSET_VIRGL2`.
pub const CAPSET_VIRGL2: u32 = 2;
/// Highest version of capset VIRGL (upstream's `VREND_CAPSET_VIRGL_MAX_VERSION`).
pub const VIRGL_MAX_VERSION: u32 = 1;
/// Highest version of capset VIRGL2 (upstream's `VREND_CAPSET_VIRGL2_MAX_VERSION`).
pub const VIRGL2_MAX_VERSION: u32 = 2;

/// `struct virgl_supported_format_mask`: bit `n % 32` of word `n / 32` set when format `n`
/// is supported.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatMask {
    /// The 512 format bits.
    pub bitmask: [u32; 16],
}

impl FormatMask {
    /// The mask of every table format for which `pred` holds.
    pub fn from_table(pred: impl Fn(&FormatInfo) -> bool) -> Self {
        let mut m = FormatMask::default();
        for f in format::all().iter().filter(|f| pred(f)) {
            m.set(f.id);
        }
        m
    }
    /// Sets the bit of format `id` (ignored when out of range).
    pub fn set(&mut self, id: u32) {
        if let Some(w) = self.bitmask.get_mut((id / 32) as usize) {
            *w |= 1 << (id % 32);
        }
    }
    /// Whether the bit of format `id` is set.
    #[cfg(test)]
    pub fn contains(&self, id: u32) -> bool {
        self.bitmask.get((id / 32) as usize).is_some_and(|w| w & (1 << (id % 32)) != 0)
    }
}

/// `struct virgl_caps_v1` (308 bytes). Field names and meanings are upstream's.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapsV1 {
    /// Capset version the struct was filled for (1 for VIRGL, 2 for VIRGL2).
    pub max_version: u32,
    /// Formats that can be sampled.
    pub sampler: FormatMask,
    /// Formats that can be colour render targets.
    pub render: FormatMask,
    /// Formats that can be depth/stencil targets.
    pub depthstencil: FormatMask,
    /// Formats usable as vertex attributes.
    pub vertexbuffer: FormatMask,
    /// `struct virgl_caps_bool_set1`: 32 one-bit feature flags.
    pub bset: u32,
    /// GLSL version the host compiles (0: none).
    pub glsl_level: u32,
    pub max_texture_array_layers: u32,
    pub max_streamout_buffers: u32,
    pub max_dual_source_render_targets: u32,
    pub max_render_targets: u32,
    pub max_samples: u32,
    /// Bit `n` set when `PIPE_PRIM` `n` can be drawn.
    pub prim_mask: u32,
    pub max_tbo_size: u32,
    pub max_uniform_blocks: u32,
    pub max_viewports: u32,
    pub max_texture_gather_components: u32,
}

/// `struct virgl_video_caps` (four 32-bit words of bitfields; always zero here).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VideoCaps {
    /// The raw bitfield words.
    pub words: [u32; 4],
}

/// `struct virgl_caps_v2` (1408 bytes in upstream 1.2): the v1 struct followed by the v2
/// fields. Field names and meanings are upstream's.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapsV2 {
    pub v1: CapsV1,
    pub min_aliased_point_size: f32,
    pub max_aliased_point_size: f32,
    pub min_smooth_point_size: f32,
    pub max_smooth_point_size: f32,
    pub min_aliased_line_width: f32,
    pub max_aliased_line_width: f32,
    pub min_smooth_line_width: f32,
    pub max_smooth_line_width: f32,
    pub max_texture_lod_bias: f32,
    pub max_geom_output_vertices: u32,
    pub max_geom_total_output_components: u32,
    pub max_vertex_outputs: u32,
    pub max_vertex_attribs: u32,
    pub max_shader_patch_varyings: u32,
    pub min_texel_offset: i32,
    pub max_texel_offset: i32,
    pub min_texture_gather_offset: i32,
    pub max_texture_gather_offset: i32,
    pub texture_buffer_offset_alignment: u32,
    pub uniform_buffer_offset_alignment: u32,
    pub shader_buffer_offset_alignment: u32,
    /// `VIRGL_CAP_*` bits.
    pub capability_bits: u32,
    pub sample_locations: [u32; 8],
    pub max_vertex_attrib_stride: u32,
    pub max_shader_buffer_frag_compute: u32,
    pub max_shader_buffer_other_stages: u32,
    pub max_shader_image_frag_compute: u32,
    pub max_shader_image_other_stages: u32,
    pub max_image_samples: u32,
    pub max_compute_work_group_invocations: u32,
    pub max_compute_shared_memory_size: u32,
    pub max_compute_grid_size: [u32; 3],
    pub max_compute_block_size: [u32; 3],
    pub max_texture_2d_size: u32,
    pub max_texture_3d_size: u32,
    pub max_texture_cube_size: u32,
    pub max_combined_shader_buffers: u32,
    pub max_atomic_counters: [u32; 6],
    pub max_atomic_counter_buffers: [u32; 6],
    pub max_combined_atomic_counters: u32,
    pub max_combined_atomic_counter_buffers: u32,
    pub host_feature_check_version: u32,
    /// Formats a transfer from host can read back directly.
    pub supported_readback_formats: FormatMask,
    /// Formats usable for scanout.
    pub scanout: FormatMask,
    /// `VIRGL_CAP_V2_*` bits.
    pub capability_bits_v2: u32,
    pub max_video_memory: u32,
    /// NUL-terminated renderer name.
    pub renderer: [u8; 64],
    pub max_anisotropy: f32,
    pub max_texture_samplers: u32,
    pub supported_multisample_formats: FormatMask,
    pub max_const_buffer_size: [u32; 6],
    pub num_video_caps: u32,
    pub video_caps: [VideoCaps; 32],
    pub max_uniform_block_size: u32,
    pub max_tcs_outputs: u32,
    pub max_tes_outputs: u32,
    pub max_shader_storage_blocks: [u32; 6],
}

/// Size of capset VIRGL (`sizeof(struct virgl_caps_v1)`).
pub const CAPS_V1_SIZE: usize = 308;
/// Size of capset VIRGL2 (`sizeof(struct virgl_caps_v2)` in upstream 1.2).
pub const CAPS_V2_SIZE: usize = 1408;

// Every format number fits the 512 bits of a mask.
const _: () = assert!(format::VIRGL_FORMAT_MAX as usize <= 16 * 32);
const _: () = assert!(size_of::<CapsV1>() == CAPS_V1_SIZE);
const _: () = assert!(size_of::<CapsV2>() == CAPS_V2_SIZE);
const _: () = assert!(offset_of!(CapsV1, sampler) == 4);
const _: () = assert!(offset_of!(CapsV1, bset) == 260);
const _: () = assert!(offset_of!(CapsV1, glsl_level) == 264);
const _: () = assert!(offset_of!(CapsV1, max_samples) == 284);
const _: () = assert!(offset_of!(CapsV2, min_aliased_point_size) == 308);
const _: () = assert!(offset_of!(CapsV2, capability_bits) == 392);
const _: () = assert!(offset_of!(CapsV2, max_texture_2d_size) == 484);
const _: () = assert!(offset_of!(CapsV2, host_feature_check_version) == 556);
const _: () = assert!(offset_of!(CapsV2, capability_bits_v2) == 688);
const _: () = assert!(offset_of!(CapsV2, max_video_memory) == 692);
const _: () = assert!(offset_of!(CapsV2, renderer) == 696);
const _: () = assert!(offset_of!(CapsV2, video_caps) == 860);
const _: () = assert!(offset_of!(CapsV2, max_shader_storage_blocks) == 1384);

/// A value with a fixed little-endian wire form.
trait Wire {
    /// Writes the value at the start of `out` (which holds at least `size_of::<Self>()`).
    fn put(&self, out: &mut [u8]);
}

impl Wire for u32 {
    fn put(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.to_le_bytes());
    }
}
impl Wire for i32 {
    fn put(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.to_le_bytes());
    }
}
impl Wire for f32 {
    fn put(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.to_le_bytes());
    }
}
impl Wire for u8 {
    fn put(&self, out: &mut [u8]) {
        out[0] = *self;
    }
}
impl<T: Wire, const N: usize> Wire for [T; N] {
    fn put(&self, out: &mut [u8]) {
        let step = size_of::<T>();
        for (v, chunk) in self.iter().zip(out.chunks_mut(step)) {
            v.put(chunk);
        }
    }
}
impl Wire for FormatMask {
    fn put(&self, out: &mut [u8]) {
        self.bitmask.put(out);
    }
}
impl Wire for VideoCaps {
    fn put(&self, out: &mut [u8]) {
        self.words.put(out);
    }
}

/// Writes `$s.$f` at `offset_of!($t, $f)` in `$out`, for each listed field.
macro_rules! put_fields {
    ($out:expr, $s:expr, $t:ty, [$($f:ident),* $(,)?]) => {
        $( $s.$f.put(&mut $out[offset_of!($t, $f)..]); )*
    };
}

impl Wire for CapsV1 {
    fn put(&self, out: &mut [u8]) {
        put_fields!(
            out,
            self,
            CapsV1,
            [
                max_version,
                sampler,
                render,
                depthstencil,
                vertexbuffer,
                bset,
                glsl_level,
                max_texture_array_layers,
                max_streamout_buffers,
                max_dual_source_render_targets,
                max_render_targets,
                max_samples,
                prim_mask,
                max_tbo_size,
                max_uniform_blocks,
                max_viewports,
                max_texture_gather_components,
            ]
        );
    }
}

impl Wire for CapsV2 {
    fn put(&self, out: &mut [u8]) {
        put_fields!(
            out,
            self,
            CapsV2,
            [
                v1,
                min_aliased_point_size,
                max_aliased_point_size,
                min_smooth_point_size,
                max_smooth_point_size,
                min_aliased_line_width,
                max_aliased_line_width,
                min_smooth_line_width,
                max_smooth_line_width,
                max_texture_lod_bias,
                max_geom_output_vertices,
                max_geom_total_output_components,
                max_vertex_outputs,
                max_vertex_attribs,
                max_shader_patch_varyings,
                min_texel_offset,
                max_texel_offset,
                min_texture_gather_offset,
                max_texture_gather_offset,
                texture_buffer_offset_alignment,
                uniform_buffer_offset_alignment,
                shader_buffer_offset_alignment,
                capability_bits,
                sample_locations,
                max_vertex_attrib_stride,
                max_shader_buffer_frag_compute,
                max_shader_buffer_other_stages,
                max_shader_image_frag_compute,
                max_shader_image_other_stages,
                max_image_samples,
                max_compute_work_group_invocations,
                max_compute_shared_memory_size,
                max_compute_grid_size,
                max_compute_block_size,
                max_texture_2d_size,
                max_texture_3d_size,
                max_texture_cube_size,
                max_combined_shader_buffers,
                max_atomic_counters,
                max_atomic_counter_buffers,
                max_combined_atomic_counters,
                max_combined_atomic_counter_buffers,
                host_feature_check_version,
                supported_readback_formats,
                scanout,
                capability_bits_v2,
                max_video_memory,
                renderer,
                max_anisotropy,
                max_texture_samplers,
                supported_multisample_formats,
                max_const_buffer_size,
                num_video_caps,
                video_caps,
                max_uniform_block_size,
                max_tcs_outputs,
                max_tes_outputs,
                max_shader_storage_blocks,
            ]
        );
    }
}

impl CapsV1 {
    /// The 308 wire bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = vec![0u8; CAPS_V1_SIZE];
        self.put(&mut out);
        out
    }
}

impl CapsV2 {
    /// The 1408 wire bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = vec![0u8; CAPS_V2_SIZE];
        self.put(&mut out);
        out
    }
}

impl Default for CapsV2 {
    fn default() -> Self {
        CapsV2 {
            v1: CapsV1::default(),
            min_aliased_point_size: 0.0,
            max_aliased_point_size: 0.0,
            min_smooth_point_size: 0.0,
            max_smooth_point_size: 0.0,
            min_aliased_line_width: 0.0,
            max_aliased_line_width: 0.0,
            min_smooth_line_width: 0.0,
            max_smooth_line_width: 0.0,
            max_texture_lod_bias: 0.0,
            max_geom_output_vertices: 0,
            max_geom_total_output_components: 0,
            max_vertex_outputs: 0,
            max_vertex_attribs: 0,
            max_shader_patch_varyings: 0,
            min_texel_offset: 0,
            max_texel_offset: 0,
            min_texture_gather_offset: 0,
            max_texture_gather_offset: 0,
            texture_buffer_offset_alignment: 0,
            uniform_buffer_offset_alignment: 0,
            shader_buffer_offset_alignment: 0,
            capability_bits: 0,
            sample_locations: [0; 8],
            max_vertex_attrib_stride: 0,
            max_shader_buffer_frag_compute: 0,
            max_shader_buffer_other_stages: 0,
            max_shader_image_frag_compute: 0,
            max_shader_image_other_stages: 0,
            max_image_samples: 0,
            max_compute_work_group_invocations: 0,
            max_compute_shared_memory_size: 0,
            max_compute_grid_size: [0; 3],
            max_compute_block_size: [0; 3],
            max_texture_2d_size: 0,
            max_texture_3d_size: 0,
            max_texture_cube_size: 0,
            max_combined_shader_buffers: 0,
            max_atomic_counters: [0; 6],
            max_atomic_counter_buffers: [0; 6],
            max_combined_atomic_counters: 0,
            max_combined_atomic_counter_buffers: 0,
            host_feature_check_version: 0,
            supported_readback_formats: FormatMask::default(),
            scanout: FormatMask::default(),
            capability_bits_v2: 0,
            max_video_memory: 0,
            renderer: [0; 64],
            max_anisotropy: 0.0,
            max_texture_samplers: 0,
            supported_multisample_formats: FormatMask::default(),
            max_const_buffer_size: [0; 6],
            num_video_caps: 0,
            video_caps: [VideoCaps::default(); 32],
            max_uniform_block_size: 0,
            max_tcs_outputs: 0,
            max_tes_outputs: 0,
            max_shader_storage_blocks: [0; 6],
        }
    }
}

/// Renderer name of the contents that claim no 3D (a host that cannot draw).
pub const RENDERER_NAME: &str = "virgl-shim (resources only, no 3D)";

/// (max version, size) of a capset as reported to QEMU: [`served_info`] when the renderer
/// will execute 3D (`serves_3d`: a backend that draws), (0, 0) otherwise — a host without
/// 3D withholds both sets so that a guest's Mesa falls back to software rendering.
pub fn info(set: u32, serves_3d: bool) -> (u32, u32) {
    if !serves_3d {
        return (0, 0);
    }
    served_info(set)
}

/// (max version, size) of a capset once 3D is executed; (0, 0) for an unknown set.
pub fn served_info(set: u32) -> (u32, u32) {
    match set {
        CAPSET_VIRGL => (VIRGL_MAX_VERSION, CAPS_V1_SIZE as u32),
        CAPSET_VIRGL2 => (VIRGL2_MAX_VERSION, CAPS_V2_SIZE as u32),
        _ => (0, 0),
    }
}

/// The bytes of capset `set` at `version` as served to QEMU by a renderer whose backend has
/// `limits` (`None`: no renderer yet): the level-1 contents when the backend can draw
/// ([`level1::host_can_draw`]), else `None` — the set is withheld ([`info`]).
pub fn fill(set: u32, version: u32, limits: Option<&Limits>, level: u8) -> Option<Vec<u8>> {
    let limits = limits.filter(|l| level1::host_can_draw(&l.draw))?;
    build_level(set, version, limits, level)
}

/// The bytes of capset `set` at `version` for a backend with `limits` once 3D is executed:
/// `None` for an unknown set or a version above the set's maximum. Like upstream, VIRGL
/// always yields the v1 struct and VIRGL2 always the full v2 struct (with `max_version` 2)
/// whatever version ≤ the maximum is asked for. A host that can draw
/// ([`level1::host_can_draw`]) gets the level-1 contents, any other the contents that claim
/// no 3D.
pub fn build(set: u32, version: u32, limits: &Limits) -> Option<Vec<u8>> {
    build_level(set, version, limits, 1)
}

/// Whether the capsets of content `level` offer the guest gallium's lower-left fragment
/// origin (`FRAGMENT_COORD_CONVENTIONS`). Without it Mesa's virgl driver rewrites a
/// lower-left shader to the upper-left origin itself (a flip through its
/// `WPOS_Y_TRANSFORM` constants) and still declares `FS_COORD_ORIGIN LOWER_LEFT`: the
/// declaration is then not the convention the shader's code uses.
pub fn offers_lower_left_origin(level: u8) -> bool {
    level >= 2 && level2::bset::SET & level2::bset::FRAGMENT_COORD_CONVENTIONS != 0
}

/// [`build`] at content `level` (1, or 2: the [`level2`] contents, the default).
pub fn build_level(set: u32, version: u32, limits: &Limits, level: u8) -> Option<Vec<u8>> {
    let (max, _) = served_info(set);
    if max == 0 || version > max {
        return None;
    }
    let draws = level1::host_can_draw(&limits.draw);
    // Level 2 claims desktop GL 3.3 features: an OpenGL ES host serves level 1 at most.
    let level2 = draws && level >= 2 && !limits.gles;
    let v1 = match (draws, level2) {
        (_, true) => level2::caps_v1(max, limits),
        (true, false) => level1::caps_v1(max, limits),
        _ => caps_v1(max, limits),
    };
    Some(match set {
        CAPSET_VIRGL => v1.to_bytes(),
        _ if level2 => level2::caps_v2(v1, limits).to_bytes(),
        _ if draws => level1::caps_v2(v1, limits).to_bytes(),
        _ => caps_v2(v1, limits).to_bytes(),
    })
}

/// The v1 fields that claim no 3D (see the module documentation).
pub fn caps_v1(max_version: u32, limits: &Limits) -> CapsV1 {
    let stored = |f: &FormatInfo| !limits.unstored.contains(f.id);
    CapsV1 {
        max_version,
        sampler: FormatMask::from_table(|f| f.sampleable() && stored(f)),
        render: FormatMask::from_table(|f| f.kind == Kind::Color && f.renderable() && stored(f)),
        depthstencil: FormatMask::from_table(|f| {
            f.is_depth_or_stencil() && f.renderable() && stored(f)
        }),
        vertexbuffer: FormatMask::default(),
        bset: 0,
        glsl_level: 0,
        max_texture_array_layers: limits.max_array_layers,
        max_streamout_buffers: 0,
        max_dual_source_render_targets: 0,
        max_render_targets: 1,
        max_samples: limits.max_samples,
        prim_mask: 0,
        max_tbo_size: 0,
        max_uniform_blocks: 0,
        max_viewports: 1,
        max_texture_gather_components: 0,
    }
}

/// The v2 struct around `v1` that claims no 3D (see the module documentation).
pub fn caps_v2(v1: CapsV1, limits: &Limits) -> CapsV2 {
    CapsV2 {
        min_aliased_point_size: 1.0,
        max_aliased_point_size: 1.0,
        min_smooth_point_size: 1.0,
        max_smooth_point_size: 1.0,
        min_aliased_line_width: 1.0,
        max_aliased_line_width: 1.0,
        min_smooth_line_width: 1.0,
        max_smooth_line_width: 1.0,
        ..caps_v2_base(v1, limits, RENDERER_NAME)
    }
}

/// The v2 fields every content level shares: the v1 struct, texture sizes from `limits`,
/// the readback and scanout masks, the renderer `name` (at most 63 bytes kept, so it stays
/// NUL-terminated); everything else zero.
fn caps_v2_base(v1: CapsV1, limits: &Limits, name: &str) -> CapsV2 {
    let mut renderer = [0u8; 64];
    for (d, s) in renderer.iter_mut().zip(name.bytes().take(63)) {
        *d = s;
    }
    CapsV2 {
        v1,
        max_texture_2d_size: limits.max_texture_2d,
        max_texture_3d_size: limits.max_texture_3d,
        max_texture_cube_size: limits.max_cube,
        supported_readback_formats: FormatMask::from_table(|f| {
            f.sampleable() && !limits.unstored.contains(f.id) && !limits.no_readback.contains(f.id)
        }),
        scanout: FormatMask::from_table(|f| {
            f.kind == Kind::Color
                && f.drm_fourcc != 0
                && f.gl.is_some()
                && !limits.unstored.contains(f.id)
        }),
        renderer,
        ..CapsV2::default()
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_features;
