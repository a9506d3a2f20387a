use super::super::pipe::{blend as eq, blendfactor as bf, func, logicop, stencil_op as sop};
use super::super::*;
use crate::model::protocol::{Blend, Dsa, RtBlend, StencilState};
use glow as gl;

#[test]
fn blend_factor_table_exhaustive() {
    let expect = [
        (bf::ONE, gl::ONE),
        (bf::SRC_COLOR, gl::SRC_COLOR),
        (bf::SRC_ALPHA, gl::SRC_ALPHA),
        (bf::DST_ALPHA, gl::DST_ALPHA),
        (bf::DST_COLOR, gl::DST_COLOR),
        (bf::SRC_ALPHA_SATURATE, gl::SRC_ALPHA_SATURATE),
        (bf::CONST_COLOR, gl::CONSTANT_COLOR),
        (bf::CONST_ALPHA, gl::CONSTANT_ALPHA),
        (bf::SRC1_COLOR, gl::SRC1_COLOR),
        (bf::SRC1_ALPHA, gl::SRC1_ALPHA),
        (bf::ZERO, gl::ZERO),
        (bf::INV_SRC_COLOR, gl::ONE_MINUS_SRC_COLOR),
        (bf::INV_SRC_ALPHA, gl::ONE_MINUS_SRC_ALPHA),
        (bf::INV_DST_ALPHA, gl::ONE_MINUS_DST_ALPHA),
        (bf::INV_DST_COLOR, gl::ONE_MINUS_DST_COLOR),
        (bf::INV_CONST_COLOR, gl::ONE_MINUS_CONSTANT_COLOR),
        (bf::INV_CONST_ALPHA, gl::ONE_MINUS_CONSTANT_ALPHA),
        (bf::INV_SRC1_COLOR, gl::ONE_MINUS_SRC1_COLOR),
        (bf::INV_SRC1_ALPHA, gl::ONE_MINUS_SRC1_ALPHA),
    ];
    // The field is 5 bits; look past it too.
    for v in 0..=u8::MAX {
        match expect.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(blend_factor(v).unwrap(), *g, "factor {v:#x}"),
            None => assert_eq!(blend_factor(v).unwrap_err().errno, libc::EINVAL, "{v:#x}"),
        }
    }
    assert_eq!(expect.len(), 19);
}

#[test]
fn blend_equation_and_logic_op_tables_exhaustive() {
    let eqs = [
        (eq::ADD, gl::FUNC_ADD),
        (eq::SUBTRACT, gl::FUNC_SUBTRACT),
        (eq::REVERSE_SUBTRACT, gl::FUNC_REVERSE_SUBTRACT),
        (eq::MIN, gl::MIN),
        (eq::MAX, gl::MAX),
    ];
    for v in 0..=u8::MAX {
        match eqs.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(blend_equation(v).unwrap(), *g),
            None => assert!(blend_equation(v).is_err(), "equation {v}"),
        }
    }
    let ops = [
        (logicop::CLEAR, gl::CLEAR),
        (logicop::NOR, gl::NOR),
        (logicop::AND_INVERTED, gl::AND_INVERTED),
        (logicop::COPY_INVERTED, gl::COPY_INVERTED),
        (logicop::AND_REVERSE, gl::AND_REVERSE),
        (logicop::INVERT, gl::INVERT),
        (logicop::XOR, gl::XOR),
        (logicop::NAND, gl::NAND),
        (logicop::AND, gl::AND),
        (logicop::EQUIV, gl::EQUIV),
        (logicop::NOOP, gl::NOOP),
        (logicop::OR_INVERTED, gl::OR_INVERTED),
        (logicop::COPY, gl::COPY),
        (logicop::OR_REVERSE, gl::OR_REVERSE),
        (logicop::OR, gl::OR),
        (logicop::SET, gl::SET),
    ];
    for v in 0..=u8::MAX {
        match ops.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(logic_op(v).unwrap(), *g, "logic op {v}"),
            None => assert!(logic_op(v).is_err(), "logic op {v}"),
        }
    }
}

#[test]
fn compare_and_stencil_op_tables_exhaustive() {
    use crate::model::shader::CompareFunc as C;
    let funcs = [
        (func::NEVER, gl::NEVER, C::Never),
        (func::LESS, gl::LESS, C::Less),
        (func::EQUAL, gl::EQUAL, C::Equal),
        (func::LEQUAL, gl::LEQUAL, C::LessEqual),
        (func::GREATER, gl::GREATER, C::Greater),
        (func::NOTEQUAL, gl::NOTEQUAL, C::NotEqual),
        (func::GEQUAL, gl::GEQUAL, C::GreaterEqual),
        (func::ALWAYS, gl::ALWAYS, C::Always),
    ];
    for v in 0..=u8::MAX {
        match funcs.iter().find(|(p, _, _)| *p == v) {
            Some((_, g, c)) => {
                assert_eq!(gl_compare_func(v).unwrap(), *g);
                assert_eq!(compare_func(v).unwrap(), *c);
            }
            None => {
                assert!(gl_compare_func(v).is_err());
                assert!(compare_func(v).is_err());
            }
        }
    }
    let ops = [
        (sop::KEEP, gl::KEEP),
        (sop::ZERO, gl::ZERO),
        (sop::REPLACE, gl::REPLACE),
        (sop::INCR, gl::INCR),
        (sop::DECR, gl::DECR),
        (sop::INCR_WRAP, gl::INCR_WRAP),
        (sop::DECR_WRAP, gl::DECR_WRAP),
        (sop::INVERT, gl::INVERT),
    ];
    for v in 0..=u8::MAX {
        match ops.iter().find(|(p, _)| *p == v) {
            Some((_, g)) => assert_eq!(stencil_op(v).unwrap(), *g),
            None => assert!(stencil_op(v).is_err()),
        }
    }
}

/// The blend state Mesa sends for a default GLES2/GL context: blending off with every
/// factor and equation left 0 (0 is no gallium factor), all channels written, dither on.
pub(super) fn default_blend() -> Blend {
    let rt = RtBlend { colormask: 0xf, ..RtBlend::default() };
    Blend { dither: true, rt: [rt; 8], ..Blend::default() }
}

/// Mesa's blend state for glBlendFunc(SRC_ALPHA, ONE_MINUS_SRC_ALPHA) on target 0.
fn alpha_blend() -> Blend {
    let mut b = default_blend();
    b.rt[0] = RtBlend {
        blend_enable: true,
        rgb_func: eq::ADD,
        rgb_src_factor: bf::SRC_ALPHA,
        rgb_dst_factor: bf::INV_SRC_ALPHA,
        alpha_func: eq::ADD,
        alpha_src_factor: bf::SRC_ALPHA,
        alpha_dst_factor: bf::INV_SRC_ALPHA,
        colormask: 0xf,
    };
    b
}

#[test]
fn default_context_blend() {
    let g = blend(&default_blend()).unwrap();
    for rt in g.rt {
        assert!(!rt.enabled);
        assert_eq!(
            (rt.src_rgb, rt.dst_rgb, rt.src_alpha, rt.dst_alpha),
            (gl::ONE, gl::ZERO, gl::ONE, gl::ZERO)
        );
        assert_eq!((rt.eq_rgb, rt.eq_alpha), (gl::FUNC_ADD, gl::FUNC_ADD));
        assert_eq!(rt.color_mask, [true; 4]);
    }
    assert!(g.dither && !g.logic_op.enabled && !g.dual_source && g.gaps.is_empty());
    assert_eq!(g.logic_op.op, gl::CLEAR);
}

#[test]
fn alpha_blending_and_masks() {
    let mut b = alpha_blend();
    b.rt[0].colormask = 0b0101;
    // Without independent blend the other targets are ignored (even bad values).
    b.rt[3] = RtBlend { blend_enable: true, rgb_src_factor: 0x0b, ..b.rt[0] };
    let g = blend(&b).unwrap();
    for rt in g.rt {
        assert!(rt.enabled);
        assert_eq!((rt.src_rgb, rt.dst_rgb), (gl::SRC_ALPHA, gl::ONE_MINUS_SRC_ALPHA));
        assert_eq!((rt.src_alpha, rt.dst_alpha), (gl::SRC_ALPHA, gl::ONE_MINUS_SRC_ALPHA));
        assert_eq!(rt.color_mask, [true, false, true, false]);
    }
    assert!(g.gaps.is_empty());
    // With it, the bad factor of an enabled target is refused ...
    b.independent_blend_enable = true;
    assert!(blend(&b).is_err());
    // ... and ignored on a target that does not blend.
    b.rt[3].blend_enable = false;
    let g = blend(&b).unwrap();
    assert!(!g.rt[3].enabled);
    assert_eq!(
        (g.rt[3].src_rgb, g.rt[3].dst_rgb, g.rt[3].eq_rgb),
        (gl::ONE, gl::ZERO, gl::FUNC_ADD)
    );
}

#[test]
fn independent_blend_gap_only_when_functions_differ() {
    let mut b = default_blend();
    b.independent_blend_enable = true;
    b.rt[1] = alpha_blend().rt[0];
    b.rt[2].colormask = 0x1;
    let g = blend(&b).unwrap();
    assert!(g.independent && g.rt[1].enabled && !g.rt[0].enabled);
    assert_eq!(g.rt[2].color_mask, [true, false, false, false]);
    assert!(g.gaps.is_empty(), "enables and masks are GL 3.0");
    b.rt[2] = RtBlend { rgb_func: eq::MAX, ..alpha_blend().rt[0] };
    let g = blend(&b).unwrap();
    assert!(g.gaps.contains(Gap::IndependentBlendFunc));
    assert_eq!(g.gaps.iter().collect::<Vec<_>>(), [Gap::IndependentBlendFunc]);
}

#[test]
fn dual_source_and_logic_op() {
    let mut b = alpha_blend();
    b.rt[0].rgb_dst_factor = bf::INV_SRC1_COLOR;
    b.logicop_enable = true;
    b.logicop_func = logicop::XOR;
    b.alpha_to_coverage = true;
    b.alpha_to_one = true;
    let g = blend(&b).unwrap();
    assert!(g.dual_source && g.alpha_to_coverage && g.alpha_to_one);
    assert_eq!(g.logic_op, LogicOpGl { enabled: true, op: gl::XOR });
}

/// The DSA Mesa sends for a default context: everything off and every field 0 (depth
/// and alpha funcs NEVER: only set while their test is on).
pub(super) fn default_dsa() -> Dsa {
    Dsa::default()
}

#[test]
fn default_context_dsa() {
    let g = dsa(&default_dsa()).unwrap();
    assert!(!g.depth_test && !g.depth_write && !g.stencil_test);
    assert_eq!(g.depth_func, gl::NEVER);
    // Alpha func NEVER with the test off is no test.
    assert_eq!(g.key.alpha_test, Some(None));
    // glEnable(GL_DEPTH_TEST) with the default glDepthFunc(GL_LESS).
    let d =
        Dsa { depth_enabled: true, depth_writemask: true, depth_func: func::LESS, ..default_dsa() };
    let g = dsa(&d).unwrap();
    assert!(g.depth_test && g.depth_write);
    assert_eq!(g.depth_func, gl::LESS);
    assert_eq!(g.stencil[0], g.stencil[1]);
    assert_eq!(g.stencil[0].func, gl::NEVER);
}

#[test]
fn depth_and_two_sided_stencil() {
    let front = StencilState {
        enabled: true,
        func: func::EQUAL,
        fail_op: sop::KEEP,
        zfail_op: sop::DECR_WRAP,
        zpass_op: sop::REPLACE,
        valuemask: 0xf0,
        writemask: 0x0f,
    };
    let mut d = Dsa {
        depth_enabled: true,
        depth_writemask: true,
        depth_func: func::LEQUAL,
        stencil: [
            front,
            StencilState { enabled: false, func: func::ALWAYS, zpass_op: sop::INVERT, ..front },
        ],
        ..default_dsa()
    };
    // Back disabled: the front state serves both faces.
    let g = dsa(&d).unwrap();
    assert!(g.depth_test && g.depth_write && g.stencil_test);
    assert_eq!(g.depth_func, gl::LEQUAL);
    let f = StencilFaceGl {
        func: gl::EQUAL,
        value_mask: 0xf0,
        write_mask: 0x0f,
        sfail: gl::KEEP,
        zfail: gl::DECR_WRAP,
        zpass: gl::REPLACE,
    };
    assert_eq!(g.stencil, [f, f]);
    // ... and the front reference (Mesa sends [n, 0] for one-sided stencil).
    assert_eq!(g.stencil_refs([5, 0]), [5, 5]);
    d.stencil[1].enabled = true;
    let g = dsa(&d).unwrap();
    assert_eq!(g.stencil[1], StencilFaceGl { func: gl::ALWAYS, zpass: gl::INVERT, ..f });
    assert_eq!(g.stencil_refs([5, 9]), [5, 9]);
}

#[test]
fn alpha_test_goes_to_the_key() {
    use crate::model::shader::{CompareFunc, VariantKey};
    let d = Dsa { alpha_enabled: true, alpha_func: func::GEQUAL, alpha_ref: 0.5, ..default_dsa() };
    let g = dsa(&d).unwrap();
    assert_eq!(g.key.alpha_test, Some(Some((CompareFunc::GreaterEqual, 0.5f32.to_bits()))));
    let mut key = VariantKey::default();
    g.key.apply(&mut key);
    assert_eq!(key.alpha_test, Some((CompareFunc::GreaterEqual, 0.5f32.to_bits())));
    // ALWAYS is no test; a disabled test clears a key's test.
    let g = dsa(&Dsa { alpha_func: func::ALWAYS, ..d }).unwrap();
    assert_eq!(g.key.alpha_test, Some(None));
    g.key.apply(&mut key);
    assert_eq!(key.alpha_test, None);
    assert_eq!(key, VariantKey::default());
}

#[test]
fn blending_into_padding_alpha_reads_one() {
    // R8G8B8X8 / B8G8R8X8 keep padding in a stored alpha; RGBA8 and R8 do not.
    assert!(alpha_is_padding(134) && alpha_is_padding(2));
    assert!(!alpha_is_padding(67) && !alpha_is_padding(64) && !alpha_is_padding(0xffff));
    let rt = RtBlendGl {
        enabled: true,
        src_rgb: gl::DST_ALPHA,
        dst_rgb: gl::ONE_MINUS_DST_ALPHA,
        src_alpha: gl::SRC_ALPHA_SATURATE,
        dst_alpha: gl::DST_ALPHA,
        eq_rgb: gl::FUNC_ADD,
        eq_alpha: gl::FUNC_ADD,
        color_mask: [true; 4],
    };
    let b = BlendGl { rt: [rt; 8], ..BlendGl::default() };
    assert_eq!(b.with_dst_alpha_one(0), b);
    let all = b.with_dst_alpha_one(0xff);
    assert!(!all.independent);
    assert_eq!(
        (all.rt[7].src_rgb, all.rt[7].dst_rgb, all.rt[7].src_alpha, all.rt[7].dst_alpha),
        (gl::ONE, gl::ZERO, gl::ONE, gl::ONE)
    );
    // Only buffer 1: the targets differ, so the state becomes independent.
    let one = b.with_dst_alpha_one(0b10);
    assert!(one.independent);
    assert_eq!(one.rt[0], rt);
    assert_eq!(one.rt[1].src_rgb, gl::ONE);
    // Disabled blending is left alone.
    let off = BlendGl { rt: [RtBlendGl { enabled: false, ..rt }; 8], ..BlendGl::default() };
    assert_eq!(off.with_dst_alpha_one(0xff), off);
}

#[test]
fn blending_into_alpha_kept_in_red_uses_the_alpha_factors() {
    let rt = RtBlendGl {
        enabled: true,
        src_rgb: gl::ONE,
        dst_rgb: gl::ONE,
        src_alpha: gl::DST_ALPHA,
        dst_alpha: gl::ONE_MINUS_CONSTANT_COLOR,
        eq_rgb: gl::FUNC_ADD,
        eq_alpha: gl::FUNC_REVERSE_SUBTRACT,
        color_mask: [true; 4],
    };
    let b = BlendGl { rt: [rt; 8], ..BlendGl::default() };
    assert_eq!(b.with_alpha_in_red(0), b);
    // Buffer 0 only: its red channel blends as the alpha channel would, the rest unchanged.
    let one = b.with_alpha_in_red(1);
    assert!(one.independent);
    let r = one.rt[0];
    assert_eq!(
        (r.src_rgb, r.dst_rgb, r.eq_rgb),
        (gl::DST_COLOR, gl::ONE_MINUS_CONSTANT_ALPHA, gl::FUNC_REVERSE_SUBTRACT)
    );
    assert_eq!((r.src_alpha, r.dst_alpha, r.eq_alpha), (rt.src_alpha, rt.dst_alpha, rt.eq_alpha));
    assert_eq!(one.rt[1], rt);
    // Factors that already read an alpha stay; SRC_ALPHA_SATURATE is one for alpha.
    let keep =
        RtBlendGl { src_alpha: gl::SRC_ALPHA_SATURATE, dst_alpha: gl::ONE_MINUS_SRC_ALPHA, ..rt };
    let k = BlendGl { rt: [keep; 8], ..BlendGl::default() }.with_alpha_in_red(0xff);
    assert!(!k.independent);
    assert_eq!((k.rt[3].src_rgb, k.rt[3].dst_rgb), (gl::ONE, gl::ONE_MINUS_SRC_ALPHA));
}
