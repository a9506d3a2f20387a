//! The variant key: the fixed-function state core GL lacks, folded into the shader text
//! (and the stream-output layout of the last vertex stage).

/// A comparison for the alpha test (the gallium/GL order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CompareFunc {
    Never,
    Less,
    Equal,
    LessEqual,
    Greater,
    NotEqual,
    GreaterEqual,
    #[default]
    Always,
}

/// The state core GL lacks, folded into the shader text. One GL program per distinct key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct VariantKey {
    /// Flat shading: COLOR/BCOLOR inputs declared with COLOR interpolation are flat.
    pub flatshade: bool,
    /// Alpha test on colour output 0: function and reference (f32 bits).
    pub alpha_test: Option<(CompareFunc, u32)>,
    /// Two-sided colour: fragment COLOR inputs take BCOLOR on back faces.
    pub two_side: bool,
    /// User clip planes (bit i = plane i) for the last vertex stage; distances come from
    /// `uniform vec4 vs_clip_planes[8]` dotted with CLIPVERTEX (else POSITION). Ignored when
    /// the shader writes CLIPDIST itself.
    pub clip_plane_enable: u8,
    /// Point sprites: TEXCOORD[i] inputs (bit i) read `gl_PointCoord` instead.
    pub sprite_coord_enable: u8,
    /// The guest was offered gallium's lower-left fragment origin
    /// (`model::caps::offers_lower_left_origin`), so `FS_COORD_ORIGIN LOWER_LEFT` is the
    /// convention the shader uses and becomes GL's `origin_upper_left`: gallium's window y
    /// and GL's count the same rows (row 0 first), flipped viewport or not (a flipped one is
    /// drawn under `glClipControl`, which does not move `gl_FragCoord`). When false, the
    /// guest lowered every shader to the upper-left origin and the declaration is ignored.
    pub lower_left_origin: bool,
    /// Polygon stipple from `uniform uint fs_stipple[32]`.
    pub polygon_stipple: bool,
    /// Colour buffers bound, for FS_COLOR0_WRITES_ALL_CBUFS (0 counts as 1).
    pub nr_cbufs: u8,
    /// The guest runs with native integers (system values are integers, not floats).
    pub integers: bool,
    /// Fragment shader: the varying slots ([`output_slots`](super::output_slots)) the
    /// previous stage writes; inputs it lacks read zero. `None`: assume all are written.
    pub prev_outputs: Option<u128>,
    /// Vertex stage: varying slots the linked fragment shader takes `flat`
    /// ([`fs_interpolation`](super::fs_interpolation)).
    pub next_flat: u128,
    /// Vertex stage: varying slots the linked fragment shader takes `noperspective`.
    pub next_noperspective: u128,
    /// Vertex stage: IN[i] (bit i) is a pure-integer attribute (fed with
    /// `glVertexAttribIPointer`); the others are float attributes.
    pub vs_int_inputs: u32,
    /// Vertex stage: IN[i] (bit i) arrives with its first and third components swapped (a
    /// scaled BGRA 2-10-10-10 attribute fetched as RGBA): the shader swaps them back.
    pub vs_bgra_inputs: u32,
    /// Fragment stage: colour buffer i (bit i) has a signed-integer format.
    pub fs_sint_outputs: u8,
    /// Fragment stage: colour buffer i (bit i) has an unsigned-integer format.
    pub fs_uint_outputs: u8,
    /// Fragment stage: colour buffer i stores its channels in another order (e.g.
    /// B8G8R8A8 kept as RGBA8): stored channel c takes output component `[i][c]`
    /// (`None`: as written).
    pub fs_out_swizzle: [Option<[u8; 4]>; 8],
    /// Shadow samplers (by SAMP index below 16): the sampler view's swizzle applied to the
    /// comparison result, which GL does not swizzle (gallium does; GL 2.x guests express
    /// DEPTH_TEXTURE_MODE through it). Per channel: 0–3 the result, 4 zero, 5 one.
    /// `None`: the result in every channel.
    pub shadow_swizzle: [Option<[u8; 4]>; 16],
    /// Buffer samplers (by SAMP index below 16): the swizzle of the view's format and
    /// view applied to TXF's result (GL does not swizzle buffer textures; A8, L8, I8,
    /// B8G8R8A8 … are kept in R/RG/RGBA storage). Per channel: 0–3 a component, 4 zero,
    /// 5 one. `None`: as fetched.
    pub buffer_swizzle: [Option<[u8; 4]>; 16],
    /// Vertex stage: a geometry shader follows, so outputs go to its per-vertex inputs
    /// (`gv_*` arrays, no interpolation qualifiers); user clip planes then belong in the
    /// geometry stage's key.
    pub to_geometry: bool,
    /// Tessellation evaluation stage with no control stage: its per-vertex inputs are the
    /// vertex stage's outputs (`gv_*`, that stage's key has `to_geometry`), not `tv_*`.
    pub tes_after_vertex: bool,
    /// Emit GLSL ES 3.00 (a host with a GLES 3 context) instead of GLSL 3.30 core. What
    /// ES 3.00 lacks is refused as Unsupported: geometry shaders, clip distances (user
    /// clip planes, CLIPDIST), noperspective, fragment-coordinate conventions other
    /// than the default, 1D/rectangle/buffer/multisample samplers, gl_PrimitiveID in the
    /// fragment stage.
    pub glsl_es: bool,
    /// With `glsl_es`: the host has `GL_EXT_clip_cull_distance`, so the vertex stage may
    /// write clip distances (user clip planes, CLIPDIST) after enabling the extension.
    pub es_clip_distance: bool,
    /// Last vertex stage: the outputs transform feedback captures (empty: none); see
    /// [`ShaderInfo::xfb_varyings`](super::ShaderInfo::xfb_varyings).
    pub stream_output: super::StreamOutKey,
}
