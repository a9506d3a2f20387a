use super::super::pipe::{face, polygon_mode as pm};
use super::super::*;
use crate::model::protocol::Rasterizer;
use crate::model::shader::VariantKey;
use glow as gl;

#[test]
fn polygon_mode_and_cull_face_tables_exhaustive() {
    let modes = [(pm::FILL, gl::FILL), (pm::LINE, gl::LINE), (pm::POINT, gl::POINT)];
    for v in 0..=u8::MAX {
        match modes.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(polygon_mode(v).unwrap(), *g),
            None => assert!(polygon_mode(v).is_err(), "mode {v}"),
        }
    }
    let faces = [
        (face::NONE, None),
        (face::FRONT, Some(gl::FRONT)),
        (face::BACK, Some(gl::BACK)),
        (face::FRONT_AND_BACK, Some(gl::FRONT_AND_BACK)),
    ];
    for v in 0..=u8::MAX {
        match faces.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(cull_face(v).unwrap(), *g),
            None => assert!(cull_face(v).is_err(), "face {v}"),
        }
    }
}

/// The rasterizer Mesa's virgl driver sends for a default GLES2 context (window
/// framebuffer: bottom-edge rule).
pub(super) fn default_rasterizer() -> Rasterizer {
    Rasterizer {
        depth_clip: true,
        front_ccw: true,
        point_quad_rasterization: true,
        half_pixel_center: true,
        bottom_edge_rule: true,
        point_size: 1.0,
        line_width: 1.0,
        ..Rasterizer::default()
    }
}

#[test]
fn default_context_rasterizer() {
    let g = rasterizer(&default_rasterizer()).unwrap();
    assert_eq!(g.cull_face, None);
    assert_eq!(g.front_face, gl::CCW);
    assert_eq!(g.polygon_mode, [gl::FILL; 2]);
    assert!(!g.offset.fill && !g.offset.line && !g.offset.point);
    assert!(!g.scissor && !g.depth_clamp && !g.clip_halfz && !g.multisample);
    assert!(!g.rasterizer_discard && !g.program_point_size && !g.line_smooth);
    assert_eq!(g.provoking_vertex, gl::LAST_VERTEX_CONVENTION);
    assert_eq!((g.point_size, g.line_width), (1.0, 1.0));
    assert_eq!(g.point_sprite_origin, gl::UPPER_LEFT);
    assert_eq!(g.line_stipple, None);
    assert!(g.half_pixel_center && g.bottom_edge_rule);
    assert!(g.gaps.is_empty(), "{:?}", g.gaps.iter().collect::<Vec<_>>());
    let mut key = VariantKey::default();
    g.key.apply(&mut key);
    assert_eq!(key, VariantKey::default());
}

#[test]
fn polygon_mode_per_face_gap_depends_on_culling() {
    let mut r = Rasterizer { fill_front: pm::FILL, fill_back: pm::LINE, ..default_rasterizer() };
    let g = rasterizer(&r).unwrap();
    assert_eq!(g.polygon_mode, [gl::FILL, gl::LINE]);
    assert!(g.gaps.contains(Gap::PolygonModeFrontBack));
    // Back faces culled: only the front mode matters.
    r.cull_face = face::BACK;
    let g = rasterizer(&r).unwrap();
    assert_eq!((g.cull_face, g.polygon_mode), (Some(gl::BACK), [gl::FILL; 2]));
    assert!(g.gaps.is_empty());
    // Front faces culled: the back mode for both.
    r.cull_face = face::FRONT;
    let g = rasterizer(&r).unwrap();
    assert_eq!(g.polygon_mode, [gl::LINE; 2]);
    assert!(g.gaps.is_empty());
    r.fill_back = 3;
    assert!(rasterizer(&r).is_err());
}

#[test]
fn offsets_depth_and_flat_state() {
    let r = Rasterizer {
        offset_tri: true,
        offset_line: true,
        offset_units: 2.0,
        offset_scale: 1.5,
        depth_clip: false,
        flatshade: true,
        flatshade_first: true,
        front_ccw: false,
        scissor: true,
        multisample: true,
        rasterizer_discard: true,
        point_size_per_vertex: true,
        sprite_coord_mode: true,
        ..default_rasterizer()
    };
    let g = rasterizer(&r).unwrap();
    assert_eq!(
        g.offset,
        PolygonOffsetGl {
            point: false,
            line: true,
            fill: true,
            factor: 1.5,
            units: 2.0,
            clamp: 0.0
        }
    );
    assert!(g.depth_clamp && g.scissor && g.multisample && g.rasterizer_discard);
    assert!(g.program_point_size);
    assert_eq!(g.front_face, gl::CW);
    assert_eq!(g.provoking_vertex, gl::FIRST_VERTEX_CONVENTION);
    assert_eq!(g.point_sprite_origin, gl::LOWER_LEFT);
    assert_eq!(g.key.flatshade, Some(true));
    assert!(g.gaps.is_empty());
}

#[test]
fn each_gap_of_the_rasterizer() {
    let d = default_rasterizer();
    let cases: [(Rasterizer, Gap); 10] = [
        (Rasterizer { offset_tri: true, offset_clamp: 0.5, ..d }, Gap::PolygonOffsetClamp),
        (Rasterizer { clip_halfz: true, ..d }, Gap::ClipHalfZ),
        (Rasterizer { line_stipple_enable: true, ..d }, Gap::LineStipple),
        (Rasterizer { point_smooth: true, ..d }, Gap::PointSmooth),
        (Rasterizer { clamp_vertex_color: true, ..d }, Gap::ClampVertexColor),
        (Rasterizer { clamp_fragment_color: true, ..d }, Gap::ClampFragmentColor),
        (Rasterizer { half_pixel_center: false, ..d }, Gap::IntegerPixelCenter),
        (Rasterizer { force_persample_interp: true, ..d }, Gap::SampleShading),
        (Rasterizer { line_last_pixel: true, ..d }, Gap::LineLastPixel),
        (Rasterizer { sprite_coord_enable: 1 << 8, ..d }, Gap::SpriteCoordPast8),
    ];
    for (r, gap) in cases {
        let g = rasterizer(&r).unwrap();
        assert_eq!(g.gaps.iter().collect::<Vec<_>>(), [gap]);
    }
    // A clamp without any offset enabled is no gap.
    assert!(rasterizer(&Rasterizer { offset_clamp: 0.5, ..d }).unwrap().gaps.is_empty());
}

#[test]
fn line_stipple_factor_is_stored_minus_one() {
    let r = Rasterizer {
        line_stipple_enable: true,
        line_stipple_factor: 255,
        line_stipple_pattern: 0xf0f0,
        ..default_rasterizer()
    };
    assert_eq!(rasterizer(&r).unwrap().line_stipple, Some((256, 0xf0f0)));
}

#[test]
fn variant_key_bits_of_the_rasterizer() {
    let r = Rasterizer {
        flatshade: true,
        light_twoside: true,
        clip_plane_enable: 0b1010_0001,
        sprite_coord_enable: 0b101,
        poly_stipple_enable: true,
        ..default_rasterizer()
    };
    let g = rasterizer(&r).unwrap();
    let mut key = VariantKey { nr_cbufs: 2, ..VariantKey::default() };
    g.key.apply(&mut key);
    assert!(key.flatshade && key.two_side && key.polygon_stipple);
    assert_eq!((key.clip_plane_enable, key.sprite_coord_enable), (0b1010_0001, 0b101));
    assert_eq!(key.nr_cbufs, 2, "fields the rasterizer does not decide are kept");
    assert_eq!(g.key.alpha_test, None, "the rasterizer does not decide the alpha test");
    // Sprite coordinates apply only while points rasterize as sprites.
    let g = rasterizer(&Rasterizer { point_quad_rasterization: false, ..r }).unwrap();
    assert_eq!(g.key.sprite_coord_enable, Some(0));
    // Applying a default rasterizer's bits clears them again.
    rasterizer(&default_rasterizer()).unwrap().key.apply(&mut key);
    assert_eq!(key, VariantKey { nr_cbufs: 2, ..VariantKey::default() });
}

#[test]
fn which_draws_rasterize_points() {
    use crate::model::gl_state::rasterizes_points;
    use crate::model::shader::parse;
    let fill = [glow::FILL; 2];
    assert!(rasterizes_points(glow::POINTS, None, None, fill));
    assert!(!rasterizes_points(glow::TRIANGLES, None, None, fill));
    assert!(!rasterizes_points(glow::LINE_STRIP, None, None, fill));
    // Polygons drawn as points; lines are not polygons.
    assert!(rasterizes_points(glow::TRIANGLES, None, None, [glow::POINT, glow::FILL]));
    assert!(!rasterizes_points(glow::LINES, None, None, [glow::POINT; 2]));
    // The geometry stage's output decides, then tessellation's.
    let gs = |out: &str| {
        parse(&format!(
            "GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nPROPERTY GS_OUTPUT_PRIMITIVE {out}\n\
             PROPERTY GS_MAX_OUTPUT_VERTICES 1\nDCL OUT[0], POSITION\n0: END\n"
        ))
        .unwrap()
    };
    assert!(rasterizes_points(glow::TRIANGLES, Some(&gs("POINTS")), None, fill));
    assert!(!rasterizes_points(glow::POINTS, Some(&gs("TRIANGLE_STRIP")), None, fill));
    let tes = |extra: &str| {
        parse(&format!(
            "TESS_EVAL\nPROPERTY TES_PRIM_MODE TRIANGLES\n{extra}DCL OUT[0], POSITION\n0: END\n"
        ))
        .unwrap()
    };
    assert!(!rasterizes_points(glow::PATCHES, None, Some(&tes("")), fill));
    let points = tes("PROPERTY TES_POINT_MODE 1\n");
    assert!(rasterizes_points(glow::PATCHES, None, Some(&points), fill));
}
