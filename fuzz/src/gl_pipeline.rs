//! The draw_gl fuzz target's fixed pipeline: command encoding, the resources of context 1
//! (with backing, vertex and index data uploaded) and the valid state every input starts
//! from (surfaces, blend/DSA/rasterizer, vertex elements, TGSI shader pairs from
//! tests/tgsi/, constants, sampler views and states, queries).

use crate::{Arena, IovSpec};
use virglrenderer::ffi::*;

// ---- command encoding -----------------------------------------------------------------

pub const CREATE_OBJECT: u32 = 1;
pub const BIND_OBJECT: u32 = 2;
pub const DESTROY_OBJECT: u32 = 3;
pub const SET_VIEWPORT_STATE: u32 = 4;
pub const SET_FRAMEBUFFER_STATE: u32 = 5;
pub const SET_VERTEX_BUFFERS: u32 = 6;
pub const CLEAR: u32 = 7;
pub const DRAW_VBO: u32 = 8;
pub const SET_INDEX_BUFFER: u32 = 11;
pub const SET_CONSTANT_BUFFER: u32 = 12;
pub const SET_STENCIL_REF: u32 = 13;
pub const SET_BLEND_COLOR: u32 = 14;
pub const SET_SCISSOR_STATE: u32 = 15;
pub const SET_SAMPLER_VIEWS: u32 = 10;
pub const BEGIN_QUERY: u32 = 19;
pub const END_QUERY: u32 = 20;
pub const GET_QUERY_RESULT: u32 = 21;
pub const SET_SAMPLE_MASK: u32 = 24;
pub const SET_CLIP_STATE: u32 = 23;
pub const SET_SUB_CTX: u32 = 28;
pub const CREATE_SUB_CTX: u32 = 29;
pub const DESTROY_SUB_CTX: u32 = 30;
pub const BIND_SHADER: u32 = 31;
pub const BIND_SAMPLER_STATES: u32 = 18;

pub const OBJ_BLEND: u32 = 1;
pub const OBJ_RASTERIZER: u32 = 2;
pub const OBJ_DSA: u32 = 3;
pub const OBJ_SHADER: u32 = 4;
pub const OBJ_VERTEX_ELEMENTS: u32 = 5;
pub const OBJ_SAMPLER_VIEW: u32 = 6;
pub const OBJ_SAMPLER_STATE: u32 = 7;
pub const OBJ_SURFACE: u32 = 8;
pub const OBJ_QUERY: u32 = 9;

pub const RGBA8: u32 = 67;
pub const BGRA8: u32 = 1;
pub const S8Z24: u32 = 20;
pub const R32G32_FLOAT: u32 = 29;
pub const R32G32B32A32_FLOAT: u32 = 31;
pub const SHADER_OFFSET_CONT: u32 = 1 << 31;

#[derive(Default)]
pub struct Cmds(pub Vec<u32>);

impl Cmds {
    pub fn push(&mut self, cmd: u32, obj: u32, p: &[u32]) {
        self.0.push(cmd | obj << 8 | (p.len() as u32) << 16);
        self.0.extend_from_slice(p);
    }
}

pub fn f(v: f32) -> u32 {
    v.to_bits()
}

pub fn text_words(text: &[u8]) -> Vec<u32> {
    text.chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}

// ---- the fixed pipeline ---------------------------------------------------------------

// (handle, target, format, bind, w, h, d, array_size, last_level, attached)
pub type Res = (u32, u32, u32, u32, u32, u32, u32, u32, u32, bool);
pub const BIND_DS: u32 = 1;
pub const BIND_RT: u32 = 1 << 1;
pub const BIND_SV: u32 = 1 << 3;
pub const BIND_VB: u32 = 1 << 4;
pub const BIND_IB: u32 = 1 << 5;
pub const RES: [Res; 12] = [
    (1, 2, RGBA8, BIND_RT | BIND_SV, 32, 32, 1, 1, 1, true),
    (2, 2, BGRA8, BIND_RT | BIND_SV, 32, 32, 1, 1, 0, true),
    (3, 2, S8Z24, BIND_DS, 32, 32, 1, 1, 0, true),
    (4, 0, 64, BIND_VB, 512, 1, 1, 1, 0, true),
    (5, 0, 64, BIND_IB, 64, 1, 1, 1, 0, true),
    (6, 2, RGBA8, BIND_SV, 8, 8, 1, 1, 3, true),
    (7, 0, 64, 0, 64, 1, 1, 1, 0, true),
    (8, 7, RGBA8, BIND_RT | BIND_SV, 8, 8, 1, 4, 0, true),
    (9, 4, RGBA8, BIND_RT | BIND_SV, 8, 8, 1, 6, 0, true),
    (10, 3, RGBA8, BIND_RT | BIND_SV, 4, 4, 4, 1, 0, true),
    (11, 0, 64, BIND_VB, 16, 1, 1, 1, 0, true),
    // Created but never attached to the context.
    (12, 0, 64, BIND_VB, 256, 1, 1, 1, 0, false),
];
pub const RES_SPAN: usize = 16384;

pub const SHADERS: [(u32, u32, &str); 12] = [
    (30, 0, "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nIMM[0] FLT32 { 0.0000, 1.0000, 0.0000, 0.0000 }\n  0: MOV OUT[0], IN[0].xyzz\n  1: MOV OUT[0].zw, IMM[0].xxxy\n  2: END\n"),
    (31, 1, "FRAG\nDCL OUT[0], COLOR\nDCL CONST[0]\n  0: MOV OUT[0], CONST[0]\n  1: END\n"),
    (32, 0, include_str!("../../tests/tgsi/passthrough.vert.tgsi")),
    (33, 1, include_str!("../../tests/tgsi/passthrough.frag.tgsi")),
    (34, 0, include_str!("../../tests/tgsi/textured.vert.tgsi")),
    (35, 1, include_str!("../../tests/tgsi/textured.frag.tgsi")),
    (36, 1, include_str!("../../tests/tgsi/twotex.frag.tgsi")),
    (37, 0, include_str!("../../tests/tgsi/vstex.vert.tgsi")),
    (38, 1, include_str!("../../tests/tgsi/vstex.frag.tgsi")),
    (39, 0, include_str!("../../tests/tgsi/gs.vert.tgsi")),
    (41, 2, include_str!("../../tests/tgsi/gs.geom.tgsi")),
    (42, 1, include_str!("../../tests/tgsi/gs.frag.tgsi")),
];

/// Handles the ops pick from: the fixed objects, 0, and a few free ones.
pub const HANDLES: [u32; 40] = [
    0, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 41,
    42, 45, 46, 47, 50, 51, 52, 53, 54, 60, 61, 70, 71, 72, 1, 2,
];

pub fn shader_words(handle: u32, stage: u32, text: &[u8]) -> Vec<u32> {
    let mut bytes = text.to_vec();
    bytes.push(0);
    let mut p = vec![handle, stage, bytes.len() as u32, 0, 0];
    p.extend(text_words(&bytes));
    p
}

pub fn pipeline() -> Cmds {
    let mut c = Cmds::default();
    // Surfaces: (handle, res, format, level, layers).
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[10, 1, RGBA8, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[11, 2, BGRA8, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[12, 3, S8Z24, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[13, 8, RGBA8, 0, 2 | 2 << 16]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[14, 9, RGBA8, 0, 3 | 3 << 16]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[15, 1, RGBA8, 1, 0]);
    c.push(CREATE_OBJECT, OBJ_SURFACE, &[16, 10, RGBA8, 0, 1 | 1 << 16]);
    c.push(SET_FRAMEBUFFER_STATE, 0, &[2, 12, 10, 11]);
    let mut blend = vec![20, 0, 0];
    blend.extend([0xf << 27; 8]);
    c.push(CREATE_OBJECT, OBJ_BLEND, &blend);
    c.push(BIND_OBJECT, OBJ_BLEND, &[20]);
    c.push(CREATE_OBJECT, OBJ_DSA, &[21, 1 | 1 << 1 | 1 << 2, 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_DSA, &[21]);
    c.push(CREATE_OBJECT, OBJ_RASTERIZER, &[22, 1 << 29 | 1 << 1, f(1.0), 0, 0, f(1.0), 0, 0, 0]);
    c.push(BIND_OBJECT, OBJ_RASTERIZER, &[22]);
    c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &[23, 0, 0, 0, R32G32_FLOAT]);
    c.push(
        CREATE_OBJECT,
        OBJ_VERTEX_ELEMENTS,
        &[24, 0, 0, 0, R32G32B32A32_FLOAT, 8, 0, 1, R32G32_FLOAT],
    );
    c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[24]);
    for (h, stage, text) in SHADERS {
        c.push(CREATE_OBJECT, OBJ_SHADER, &shader_words(h, stage, text.as_bytes()));
    }
    c.push(BIND_SHADER, 0, &[34, 0]);
    c.push(BIND_SHADER, 0, &[35, 1]);
    c.push(SET_VIEWPORT_STATE, 0, &[0, f(16.0), f(16.0), f(0.5), f(16.0), f(16.0), f(0.5)]);
    c.push(SET_VERTEX_BUFFERS, 0, &[16, 0, 4, 16, 8, 4]);
    c.push(SET_INDEX_BUFFER, 0, &[5, 2, 0]);
    let ident = [1.0f32, 0., 0., 0., 0., 1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 1.];
    let mut consts = vec![0, 0];
    consts.extend(ident.map(f));
    c.push(SET_CONSTANT_BUFFER, 0, &consts);
    c.push(SET_CONSTANT_BUFFER, 0, &[1, 0, f(1.0), f(0.0), f(0.0), f(1.0)]);
    // Sampler views: handle, res, format | target << 24, val0 (layers), val1 (levels), swizzle.
    let swz = 1 << 3 | 2 << 6 | 3 << 9;
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[50, 6, RGBA8 | 2 << 24, 0, 3 << 8, swz]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[51, 8, RGBA8 | 7 << 24, 3 << 16, 0, swz]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[52, 1, RGBA8 | 2 << 24, 0, 1 << 8, swz]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[53, 9, RGBA8 | 4 << 24, 5 << 16, 0, swz]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_VIEW, &[54, 10, RGBA8 | 3 << 24, 0, 0, swz]);
    c.push(SET_SAMPLER_VIEWS, 0, &[1, 0, 50, 52]);
    c.push(SET_SAMPLER_VIEWS, 0, &[0, 0, 50]);
    // Sampler states: handle, s0 (wraps, filters), lod bias, min/max lod, border.
    let nearest = 2 | 2 << 3 | 2 << 6;
    let linear = nearest | 1 << 9 | 1 << 11 | 1 << 13;
    c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[60, nearest, 0, 0, f(8.0), 0, 0, 0, 0]);
    c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &[61, linear, 0, 0, f(8.0), 0, 0, 0, 0]);
    c.push(BIND_SAMPLER_STATES, 0, &[1, 0, 60, 61]);
    c.push(BIND_SAMPLER_STATES, 0, &[0, 0, 60]);
    // Queries: occlusion counter, time elapsed, primitives generated, all into resource 7.
    c.push(CREATE_OBJECT, OBJ_QUERY, &[45, 0, 0, 7]);
    c.push(CREATE_OBJECT, OBJ_QUERY, &[46, 4, 16, 7]);
    c.push(CREATE_OBJECT, OBJ_QUERY, &[47, 5, 32, 7]);
    c
}

pub fn vertex_data() -> Vec<u8> {
    // 32 vertices of (x, y, z, w) spread over the clip square.
    (0..32u32)
        .flat_map(|i| {
            let x = (i % 4) as f32 / 1.5 - 1.0;
            let y = (i / 4) as f32 / 3.5 - 1.0;
            [x, y, 0.25 * (i % 3) as f32, 1.0]
        })
        .flat_map(f32::to_le_bytes)
        .collect()
}

pub fn index_data() -> Vec<u8> {
    (0..32u16)
        .map(|i| if i == 13 { 0xffff } else { (i * 7) % 32 })
        .flat_map(u16::to_le_bytes)
        .collect()
}

pub fn submit(words: &mut [u32]) -> i32 {
    // SAFETY: `words` holds `len` aligned dwords.
    unsafe { virgl_renderer_submit_cmd(words.as_mut_ptr().cast(), 1, words.len() as i32) }
}

pub fn setup(arena: &mut Arena) {
    // SAFETY: a 3-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 3, c"ctx".as_ptr()) }, 0);
    let vdata = vertex_data();
    let idata = index_data();
    for (i, &(handle, target, format, bind, w, h, d, array_size, last_level, att)) in
        RES.iter().enumerate()
    {
        let mut a = virgl_renderer_resource_create_args {
            handle,
            target,
            format,
            bind,
            width: w,
            height: h,
            depth: d,
            array_size,
            last_level,
            nr_samples: 0,
            flags: 0,
        };
        // SAFETY: valid args, no iovecs.
        let r = unsafe { virgl_renderer_resource_create(&mut a, std::ptr::null_mut(), 0) };
        assert_eq!(r, 0, "create resource {handle}");
        let specs = [IovSpec::Range { start: (i * RES_SPAN) as u32, len: RES_SPAN as u32 }];
        let (p, n) = arena.iovs(&specs, Some(0));
        // Fill the buffers' backing with vertices / indices, then upload it.
        let data = match handle {
            4 | 11 | 12 => Some(&vdata[..w as usize]),
            5 => Some(&idata[..]),
            _ => None,
        };
        if let Some(data) = data {
            // SAFETY: `p` points at `RES_SPAN` arena bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), (*p).iov_base.cast(), data.len())
            };
        }
        // SAFETY: iovecs in the arena, which outlives the resource.
        assert_eq!(unsafe { virgl_renderer_resource_attach_iov(handle as i32, p, n as i32) }, 0);
        if att {
            virgl_renderer_ctx_attach_resource(1, handle as i32);
        }
        if data.is_some() {
            let mut b = virgl_box { x: 0, y: 0, z: 0, w, h: 1, d: 1 };
            // SAFETY: no iovecs: the attached backing is read.
            let r = unsafe {
                virgl_renderer_transfer_write_iov(
                    handle,
                    0,
                    0,
                    0,
                    0,
                    &mut b,
                    0,
                    std::ptr::null_mut(),
                    0,
                )
            };
            assert_eq!(r, 0, "upload {handle}");
        }
    }
    // One command at a time, so that a refusal names its command.
    let c = pipeline();
    let mut i = 0;
    while i < c.0.len() {
        let n = 1 + (c.0[i] >> 16) as usize;
        let mut one = c.0[i..i + n].to_vec();
        let r = submit(&mut one);
        let err = virglrenderer::internal::renderer::with(|r| Ok(r.context(1)?.error));
        assert_eq!(r, 0, "pipeline command {:#x} refused (context error {err:?})", c.0[i]);
        i += n;
    }
}
