//! RASTERIZER → culling, polygon mode and offset, depth clamp, provoking vertex, point and
//! line state, multisample and discard; the fixed-function parts core GL lacks go to the
//! variant key (flat shading, two-sided colour, clip planes, sprite coordinates, polygon
//! stipple) or to [`Gaps`].

use super::pipe::{face, polygon_mode as pm};
use super::{bad, Gap, Gaps, KeyBits};
use crate::error::Result;
use crate::model::protocol::Rasterizer;
use crate::model::shader::{prim, Program, Property};
use glow as gl;

/// Polygon offset: `GL_POLYGON_OFFSET_POINT/LINE/FILL` and `glPolygonOffset(factor, units)`
/// (`glPolygonOffsetClamp` when `clamp` is not 0: [`Gap::PolygonOffsetClamp`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PolygonOffsetGl {
    pub point: bool,
    pub line: bool,
    pub fill: bool,
    pub factor: f32,
    pub units: f32,
    pub clamp: f32,
}

/// A RASTERIZER object in GL terms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RasterizerGl {
    /// `glCullFace` mode with `GL_CULL_FACE` enabled; `None`: culling disabled.
    pub cull_face: Option<u32>,
    /// `glFrontFace`: `GL_CCW` or `GL_CW` (the executor flips it when it renders y-inverted).
    pub front_face: u32,
    /// `[front, back]`: `GL_FILL`, `GL_LINE` or `GL_POINT`. Core profile sets one mode for
    /// both faces (`glPolygonMode(GL_FRONT_AND_BACK, …)`): take `polygon_mode[0]` unless
    /// the front face is culled; [`Gap::PolygonModeFrontBack`] when both faces are drawn
    /// with different modes.
    pub polygon_mode: [u32; 2],
    pub offset: PolygonOffsetGl,
    /// `GL_SCISSOR_TEST`.
    pub scissor: bool,
    /// `GL_DEPTH_CLAMP` (gallium: depth clipping disabled).
    pub depth_clamp: bool,
    /// `clip_halfz` (`glClipControl(…, GL_ZERO_TO_ONE)`: [`Gap::ClipHalfZ`]).
    pub clip_halfz: bool,
    /// `glProvokingVertex`: `GL_FIRST_VERTEX_CONVENTION` or `GL_LAST_VERTEX_CONVENTION`.
    pub provoking_vertex: u32,
    /// `glPointSize` (used while `program_point_size` is off).
    pub point_size: f32,
    /// `GL_PROGRAM_POINT_SIZE`: the vertex stage writes the size.
    pub program_point_size: bool,
    /// `GL_POINT_SPRITE_COORD_ORIGIN`: `GL_UPPER_LEFT` or `GL_LOWER_LEFT` in gallium's
    /// orientation (the executor flips it when it renders y-inverted).
    pub point_sprite_origin: u32,
    /// `glLineWidth`.
    pub line_width: f32,
    /// `GL_LINE_SMOOTH`.
    pub line_smooth: bool,
    /// Line stipple `(factor 1..=256, pattern)` when enabled ([`Gap::LineStipple`]).
    pub line_stipple: Option<(u32, u16)>,
    /// `GL_POLYGON_SMOOTH`.
    pub polygon_smooth: bool,
    /// `GL_MULTISAMPLE`.
    pub multisample: bool,
    /// `GL_RASTERIZER_DISCARD`.
    pub rasterizer_discard: bool,
    /// `GL_SAMPLE_SHADING` with min sample shading 1 ([`Gap::SampleShading`]).
    pub sample_shading: bool,
    /// Fragment coordinate convention: pixel centres at half integers (GL's only rule;
    /// false is [`Gap::IntegerPixelCenter`]).
    pub half_pixel_center: bool,
    /// The guest rasterizes with the bottom-edge fill rule (it renders y-flipped). GL has
    /// no fill-rule control: the executor's y inversion decides which rule the host
    /// applies in the guest's orientation. Reported, not applied.
    pub bottom_edge_rule: bool,
    /// The variant-key fields: flatshade, two_side, clip_plane_enable,
    /// sprite_coord_enable (0 unless points rasterize as sprites), polygon_stipple.
    pub key: KeyBits,
    pub gaps: Gaps,
}

/// A `PIPE_POLYGON_MODE_*` as a GL polygon mode.
pub fn polygon_mode(m: u8) -> Result<u32> {
    Ok(match m {
        pm::FILL => gl::FILL,
        pm::LINE => gl::LINE,
        pm::POINT => gl::POINT,
        _ => return Err(bad("polygon mode", m.into())),
    })
}

/// A `PIPE_FACE_*` as the `glCullFace` mode (`None`: no culling).
pub fn cull_face(f: u8) -> Result<Option<u32>> {
    Ok(match f {
        face::NONE => None,
        face::FRONT => Some(gl::FRONT),
        face::BACK => Some(gl::BACK),
        face::FRONT_AND_BACK => Some(gl::FRONT_AND_BACK),
        _ => return Err(bad("cull face", f.into())),
    })
}

/// A RASTERIZER object.
pub fn rasterizer(r: &Rasterizer) -> Result<RasterizerGl> {
    let mut gaps = Gaps::NONE;
    let cull = cull_face(r.cull_face)?;
    let modes = [polygon_mode(r.fill_front)?, polygon_mode(r.fill_back)?];
    let front_drawn = !matches!(cull, Some(gl::FRONT) | Some(gl::FRONT_AND_BACK));
    let back_drawn = !matches!(cull, Some(gl::BACK) | Some(gl::FRONT_AND_BACK));
    let polygon_mode = match (front_drawn, back_drawn) {
        (false, true) => [modes[1]; 2],
        (true, true) if modes[0] != modes[1] => {
            gaps.add(Gap::PolygonModeFrontBack);
            modes
        }
        (true, _) | (false, false) => [modes[0]; 2],
    };
    let offset = PolygonOffsetGl {
        point: r.offset_point,
        line: r.offset_line,
        fill: r.offset_tri,
        factor: r.offset_scale,
        units: r.offset_units,
        clamp: r.offset_clamp,
    };
    let any_offset = offset.point || offset.line || offset.fill;
    let checks = [
        (any_offset && offset.clamp != 0.0, Gap::PolygonOffsetClamp),
        (r.clip_halfz, Gap::ClipHalfZ),
        (r.line_stipple_enable, Gap::LineStipple),
        (r.point_smooth, Gap::PointSmooth),
        (r.clamp_vertex_color, Gap::ClampVertexColor),
        (r.clamp_fragment_color, Gap::ClampFragmentColor),
        (!r.half_pixel_center, Gap::IntegerPixelCenter),
        (r.force_persample_interp, Gap::SampleShading),
        (r.line_last_pixel, Gap::LineLastPixel),
    ];
    for (hit, gap) in checks {
        if hit {
            gaps.add(gap);
        }
    }
    let sprites = if r.point_quad_rasterization { r.sprite_coord_enable } else { 0 };
    if sprites > u8::MAX.into() {
        gaps.add(Gap::SpriteCoordPast8);
    }
    let key = KeyBits {
        flatshade: Some(r.flatshade),
        two_side: Some(r.light_twoside),
        clip_plane_enable: Some(r.clip_plane_enable),
        sprite_coord_enable: Some(sprites as u8),
        polygon_stipple: Some(r.poly_stipple_enable),
        ..KeyBits::default()
    };
    Ok(RasterizerGl {
        cull_face: cull,
        front_face: if r.front_ccw { gl::CCW } else { gl::CW },
        polygon_mode,
        offset,
        scissor: r.scissor,
        depth_clamp: !r.depth_clip,
        clip_halfz: r.clip_halfz,
        provoking_vertex: if r.flatshade_first {
            gl::FIRST_VERTEX_CONVENTION
        } else {
            gl::LAST_VERTEX_CONVENTION
        },
        point_size: r.point_size,
        program_point_size: r.point_size_per_vertex,
        point_sprite_origin: if r.sprite_coord_mode { gl::LOWER_LEFT } else { gl::UPPER_LEFT },
        line_width: r.line_width,
        line_smooth: r.line_smooth,
        // Gallium stores the factor minus one.
        line_stipple: r
            .line_stipple_enable
            .then_some((u32::from(r.line_stipple_factor) + 1, r.line_stipple_pattern)),
        polygon_smooth: r.poly_smooth,
        multisample: r.multisample,
        rasterizer_discard: r.rasterizer_discard,
        sample_shading: r.force_persample_interp,
        half_pixel_center: r.half_pixel_center,
        bottom_edge_rule: r.bottom_edge_rule,
        key,
        gaps,
    })
}

/// Whether a draw's primitives reach the rasterizer as points: the only primitives point
/// sprite replacement (`sprite_coord_enable`) applies to. The last geometry stage decides
/// (a geometry shader's output primitive, tessellation's point mode or its patches'
/// lines or triangles, else the draw mode `draw_gl`, a GL mode); polygons drawn with
/// `GL_POINT` in `polygon_mode` are points too.
pub fn rasterizes_points(
    draw_gl: u32,
    gs: Option<&Program>,
    tes: Option<&Program>,
    polygon_mode: [u32; 2],
) -> bool {
    #[derive(PartialEq)]
    enum Kind {
        Points,
        Lines,
        Polygons,
    }
    let kind = if let Some(gs) = gs {
        match gs.property(|p| match p {
            Property::GsOutputPrimitive(v) => Some(*v),
            _ => None,
        }) {
            Some(prim::POINTS) => Kind::Points,
            Some(prim::LINE_STRIP) => Kind::Lines,
            _ => Kind::Polygons,
        }
    } else if let Some(tes) = tes {
        let mode = tes.property(|p| match p {
            Property::TesPrimMode(v) => Some(*v),
            _ => None,
        });
        if tes.has(Property::TesPointMode(true)) {
            Kind::Points
        } else if mode == Some(prim::LINES) {
            Kind::Lines
        } else {
            Kind::Polygons
        }
    } else {
        match draw_gl {
            gl::POINTS => Kind::Points,
            gl::LINES
            | gl::LINE_STRIP
            | gl::LINE_LOOP
            | gl::LINES_ADJACENCY
            | gl::LINE_STRIP_ADJACENCY => Kind::Lines,
            _ => Kind::Polygons,
        }
    };
    kind == Kind::Points || (kind == Kind::Polygons && polygon_mode.contains(&gl::POINT))
}
