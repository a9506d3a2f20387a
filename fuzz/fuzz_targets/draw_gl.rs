//! draw_gl fuzzer: the GL backend's draw executor. Every input starts from a fixed, valid
//! pipeline in context 1 (render targets incl. a B8G8R8A8 one, a depth/stencil buffer,
//! vertex and index buffers with backing, textures of several targets, TGSI shader pairs
//! from tests/tgsi/ incl. textured ones, sampler views and states, queries) and then runs
//! an arbitrary sequence of operations that mutate it, each as its own submit: vertex
//! elements, vertex/index buffers, DRAW_VBO with arbitrary fields, viewports and scissors
//! with arbitrary floats, sampler views with arbitrary level/layer ranges, surfaces and
//! framebuffers past their resources, blend/DSA/rasterizer objects from raw words,
//! queries, DESTROY_OBJECT of bound objects, sub-contexts, multi-part shaders, CLEAR and
//! raw words.
//!
//! Oracles: no crash, sanitizer report or timeout; every submit returns 0 or EINVAL,
//! ENOTRECOVERABLE or ENOMEM; every resource still reads back afterwards; no arena byte
//! outside the backing is touched. A failed submit puts context 1 in error, which would
//! turn every later draw into ENOTRECOVERABLE: the harness clears the error state after
//! each op (the refusal path is still taken by `KeepError`).
//!
//! Draw sizes stay bounded (count ≤ 4096 or past i32::MAX, instances ≤ 16 or past
//! i32::MAX) so llvmpipe does not spend the input's time rasterising a legitimate draw;
//! `Raw` words have their DRAW_VBO counts clamped the same way.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use fuzz_common::gl_pipeline::*;
use fuzz_common::{start, Arena, Num};
use libfuzzer_sys::fuzz_target;
use virglrenderer::ffi::*;

// ---- the fuzzed operations ------------------------------------------------------------

/// A handle: one of [`HANDLES`] mostly, any u32 sometimes.
#[derive(Clone, Copy, Debug)]
struct H(u32);

impl<'a> Arbitrary<'a> for H {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(H(if b >= 240 { u.arbitrary()? } else { HANDLES[b as usize % HANDLES.len()] }))
    }
}

/// A resource handle: 0..=13 mostly (12 is not attached, 13 does not exist).
#[derive(Clone, Copy, Debug)]
struct R(u32);

impl<'a> Arbitrary<'a> for R {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(R(if b >= 250 { u.arbitrary()? } else { u32::from(b % 14) }))
    }
}

/// A format number: the common ones mostly, any sometimes.
#[derive(Clone, Copy, Debug)]
struct Fmt(u32);

impl<'a> Arbitrary<'a> for Fmt {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(Fmt(match b % 4 {
            0 => *u.choose(&[RGBA8, BGRA8, S8Z24, 16, 18, R32G32_FLOAT, R32G32B32A32_FLOAT])?,
            1 => u32::from(u.arbitrary::<u8>()? % 200),
            2 => u.arbitrary()?,
            _ => u32::from(b >> 2),
        }))
    }
}

/// A float: ordinary, or an edge (NaN, ±inf, huge, tiny, negative zero).
#[derive(Clone, Copy, Debug)]
struct F(f32);

impl<'a> Arbitrary<'a> for F {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(F(match b % 4 {
            0 => *u.choose(&[
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN,
                1e30,
                -1e30,
                f32::MIN_POSITIVE,
                -0.0,
                16.0,
                -16.0,
                0.5,
                65536.0,
            ])?,
            1 => f32::from_bits(u.arbitrary()?),
            _ => f32::from(u.arbitrary::<i8>()?) / 4.0,
        }))
    }
}

#[derive(Debug, Arbitrary)]
struct Elem {
    offset: Num,
    divisor: Num,
    vb: u8,
    format: Fmt,
}

#[derive(Debug, Arbitrary)]
enum Op {
    VertexElements {
        handle: H,
        elems: Vec<Elem>,
        bind: bool,
    },
    VertexBuffers(Vec<(Num, Num, R)>),
    IndexBuffer {
        res: R,
        size: u8,
        offset: Num,
        short: bool,
    },
    Draw(Draw),
    Viewport {
        start: u8,
        v: [F; 6],
    },
    Scissor {
        start: u8,
        min: u32,
        max: u32,
    },
    SamplerView {
        handle: H,
        res: R,
        format: Fmt,
        target: u8,
        val0: Num,
        val1: Num,
        swizzle: u16,
    },
    SetSamplerViews {
        stage: u8,
        start: u8,
        handles: Vec<H>,
    },
    SamplerState {
        handle: H,
        words: [Num; 8],
    },
    BindSamplerStates {
        stage: u8,
        start: u8,
        handles: Vec<H>,
    },
    Surface {
        handle: H,
        res: R,
        format: Fmt,
        level: Num,
        layers: Num,
    },
    Framebuffer {
        nr: u8,
        zs: H,
        cbufs: Vec<H>,
    },
    Blend {
        handle: H,
        words: [u32; 10],
        bind: bool,
    },
    Dsa {
        handle: H,
        words: [u32; 4],
        bind: bool,
    },
    Rasterizer {
        handle: H,
        words: [u32; 3],
        floats: [F; 5],
        bind: bool,
    },
    Bind {
        kind: u8,
        handle: H,
    },
    BindShader {
        handle: H,
        stage: u8,
    },
    Shader {
        handle: H,
        which: u8,
        stage: u8,
    },
    ShaderParts {
        handle: H,
        which: u8,
        first: u16,
        total: Option<Num>,
        offset: Option<Num>,
        rest: u16,
    },
    CreateQuery {
        handle: H,
        kind: u16,
        index: u16,
        offset: Num,
        res: R,
    },
    Query {
        kind: u8,
        handle: H,
    },
    Destroy {
        handle: H,
    },
    SubCtx {
        kind: u8,
        id: u8,
    },
    Clear {
        buffers: u16,
        color: [F; 4],
        depth: u64,
        stencil: u32,
    },
    Constants {
        stage: u8,
        values: Vec<F>,
    },
    Misc {
        kind: u8,
        v: [F; 4],
        w: u32,
    },
    /// Leave the context in error for the next op (the ENOTRECOVERABLE path).
    KeepError,
    Raw(Vec<u32>),
}

#[derive(Debug, Arbitrary)]
struct Draw {
    start: Num,
    count: u16,
    big_count: bool,
    mode: u8,
    indexed: bool,
    instances: u8,
    big_instances: bool,
    index_bias: Num,
    start_instance: Num,
    restart: bool,
    restart_index: Num,
    min: Num,
    max: Num,
    from_so: bool,
    form: u8,
    extra: [u32; 8],
}

fn draw_words(d: &Draw) -> Vec<u32> {
    let count = if d.big_count { 0x8000_0000 | d.start.0 } else { u32::from(d.count) % 4097 };
    let instances =
        if d.big_instances { 0x8000_0000 | d.index_bias.0 } else { u32::from(d.instances % 17) };
    let mut p = vec![
        d.start.0,
        count,
        u32::from(d.mode % 16),
        d.indexed as u32,
        instances,
        d.index_bias.0,
        d.start_instance.0,
        d.restart as u32,
        d.restart_index.0,
        d.min.0,
        d.max.0,
        d.from_so as u32,
    ];
    match d.form % 8 {
        0 => p.extend(&d.extra[..2]),
        1 => p.extend(&d.extra[..8]),
        2 => p.truncate(d.extra[0] as usize % 12),
        _ => {}
    }
    p
}

/// Clamps the count and instance count of every DRAW_VBO in `words` (split as the decoder
/// splits them) so raw draws stay bounded as well.
fn clamp_raw_draws(words: &mut [u32]) {
    let mut i = 0;
    while i < words.len() {
        let len = (words[i] >> 16) as usize;
        if words[i] & 0xff == DRAW_VBO && len >= 5 && i + 5 < words.len() {
            words[i + 2] %= 4097;
            words[i + 5] %= 17;
        }
        i += 1 + len;
    }
}

fn op_words(op: &Op) -> Vec<u32> {
    let mut c = Cmds::default();
    match op {
        Op::VertexElements { handle, elems, bind } => {
            let mut p = vec![handle.0];
            for e in elems.iter().take(40) {
                p.extend([e.offset.0, e.divisor.0, u32::from(e.vb % 36), e.format.0]);
            }
            c.push(CREATE_OBJECT, OBJ_VERTEX_ELEMENTS, &p);
            if *bind {
                c.push(BIND_OBJECT, OBJ_VERTEX_ELEMENTS, &[handle.0]);
            }
        }
        Op::VertexBuffers(vbs) => {
            let p: Vec<u32> = vbs.iter().take(40).flat_map(|(s, o, r)| [s.0, o.0, r.0]).collect();
            c.push(SET_VERTEX_BUFFERS, 0, &p);
        }
        Op::IndexBuffer { res, size, offset, short } => {
            if *short {
                c.push(SET_INDEX_BUFFER, 0, &[res.0]);
            } else {
                c.push(SET_INDEX_BUFFER, 0, &[res.0, u32::from(*size % 6), offset.0]);
            }
        }
        Op::Draw(d) => c.push(DRAW_VBO, 0, &draw_words(d)),
        Op::Viewport { start, v } => {
            let mut p = vec![u32::from(*start % 18)];
            p.extend(v.iter().map(|x| f(x.0)));
            c.push(SET_VIEWPORT_STATE, 0, &p);
        }
        Op::Scissor { start, min, max } => {
            c.push(SET_SCISSOR_STATE, 0, &[u32::from(*start % 18), *min, *max])
        }
        Op::SamplerView { handle, res, format, target, val0, val1, swizzle } => {
            let fw = (format.0 & 0x00ff_ffff) | u32::from(*target % 12) << 24;
            c.push(
                CREATE_OBJECT,
                OBJ_SAMPLER_VIEW,
                &[handle.0, res.0, fw, val0.0, val1.0, u32::from(*swizzle)],
            );
        }
        Op::SetSamplerViews { stage, start, handles } => {
            let mut p = vec![u32::from(*stage % 7), u32::from(*start % 40)];
            p.extend(handles.iter().take(40).map(|h| h.0));
            c.push(SET_SAMPLER_VIEWS, 0, &p);
        }
        Op::SamplerState { handle, words } => {
            let mut p = vec![handle.0];
            p.extend(words.iter().map(|w| w.0));
            c.push(CREATE_OBJECT, OBJ_SAMPLER_STATE, &p);
        }
        Op::BindSamplerStates { stage, start, handles } => {
            let mut p = vec![u32::from(*stage % 7), u32::from(*start % 40)];
            p.extend(handles.iter().take(40).map(|h| h.0));
            c.push(BIND_SAMPLER_STATES, 0, &p);
        }
        Op::Surface { handle, res, format, level, layers } => {
            c.push(CREATE_OBJECT, OBJ_SURFACE, &[handle.0, res.0, format.0, level.0, layers.0])
        }
        Op::Framebuffer { nr, zs, cbufs } => {
            let nr = u32::from(*nr % 10);
            let mut p = vec![nr, zs.0];
            p.extend(cbufs.iter().take(10).map(|h| h.0));
            p.resize(2 + nr as usize, 0);
            c.push(SET_FRAMEBUFFER_STATE, 0, &p);
        }
        Op::Blend { handle, words, bind } => {
            let mut p = vec![handle.0];
            p.extend(words);
            c.push(CREATE_OBJECT, OBJ_BLEND, &p);
            if *bind {
                c.push(BIND_OBJECT, OBJ_BLEND, &[handle.0]);
            }
        }
        Op::Dsa { handle, words, bind } => {
            let mut p = vec![handle.0];
            p.extend(words);
            c.push(CREATE_OBJECT, OBJ_DSA, &p);
            if *bind {
                c.push(BIND_OBJECT, OBJ_DSA, &[handle.0]);
            }
        }
        Op::Rasterizer { handle, words, floats, bind } => {
            // handle, s0, point size, sprite coord enable, s3, line width, offset units,
            // offset scale, offset clamp.
            let fl = floats.map(|x| f(x.0));
            c.push(
                CREATE_OBJECT,
                OBJ_RASTERIZER,
                &[handle.0, words[0], fl[0], words[1], words[2], fl[1], fl[2], fl[3], fl[4]],
            );
            if *bind {
                c.push(BIND_OBJECT, OBJ_RASTERIZER, &[handle.0]);
            }
        }
        Op::Bind { kind, handle } => c.push(BIND_OBJECT, u32::from(*kind % 10), &[handle.0]),
        Op::BindShader { handle, stage } => {
            c.push(BIND_SHADER, 0, &[handle.0, u32::from(*stage % 7)])
        }
        Op::Shader { handle, which, stage } => {
            let (_, st, text) = SHADERS[*which as usize % SHADERS.len()];
            let st = if *stage >= 200 { u32::from(*stage % 7) } else { st };
            c.push(CREATE_OBJECT, OBJ_SHADER, &shader_words(handle.0, st, text.as_bytes()));
        }
        Op::ShaderParts { handle, which, first, total, offset, rest } => {
            let (_, st, text) = SHADERS[*which as usize % SHADERS.len()];
            let mut bytes = text.as_bytes().to_vec();
            bytes.push(0);
            // Chunks are whole words: the split point rounds down to a word.
            let split = (usize::from(*first) % bytes.len()) & !3;
            let total = total.map_or(bytes.len() as u32, |n| n.0);
            let mut p = vec![handle.0, st, total, 0, 0];
            p.extend(text_words(&bytes[..split]));
            c.push(CREATE_OBJECT, OBJ_SHADER, &p);
            let off = offset.map_or(split as u32, |n| n.0);
            let mut p = vec![handle.0, st, off | SHADER_OFFSET_CONT, 0, 0];
            let tail = &bytes[split..];
            let end =
                if *rest >= 0xff00 { tail.len() } else { usize::from(*rest) % (tail.len() + 1) };
            p.extend(text_words(&tail[..end]));
            c.push(CREATE_OBJECT, OBJ_SHADER, &p);
        }
        Op::CreateQuery { handle, kind, index, offset, res } => c.push(
            CREATE_OBJECT,
            OBJ_QUERY,
            &[handle.0, u32::from(*kind % 13) | u32::from(*index) << 16, offset.0, res.0],
        ),
        Op::Query { kind, handle } => match kind % 3 {
            0 => c.push(BEGIN_QUERY, 0, &[handle.0]),
            1 => c.push(END_QUERY, 0, &[handle.0]),
            _ => c.push(GET_QUERY_RESULT, 0, &[handle.0, u32::from(*kind >> 7)]),
        },
        Op::Destroy { handle } => c.push(DESTROY_OBJECT, 0, &[handle.0]),
        Op::SubCtx { kind, id } => {
            let cmd = [CREATE_SUB_CTX, SET_SUB_CTX, DESTROY_SUB_CTX][usize::from(kind % 3)];
            c.push(cmd, 0, &[u32::from(*id % 4)]);
        }
        Op::Clear { buffers, color, depth, stencil } => {
            let col = color.map(|x| f(x.0));
            c.push(
                CLEAR,
                0,
                &[
                    u32::from(*buffers),
                    col[0],
                    col[1],
                    col[2],
                    col[3],
                    *depth as u32,
                    (*depth >> 32) as u32,
                    *stencil,
                ],
            );
        }
        Op::Constants { stage, values } => {
            let mut p = vec![u32::from(*stage % 7), 0];
            p.extend(values.iter().take(64).map(|x| f(x.0)));
            c.push(SET_CONSTANT_BUFFER, 0, &p);
        }
        Op::Misc { kind, v, w } => {
            let vf = v.map(|x| f(x.0));
            match kind % 4 {
                0 => c.push(SET_BLEND_COLOR, 0, &vf),
                1 => c.push(SET_STENCIL_REF, 0, &[*w]),
                2 => c.push(SET_SAMPLE_MASK, 0, &[*w]),
                _ => {
                    let p: Vec<u32> =
                        (0..32).map(|i| vf[i % 4] ^ (*w).rotate_left(i as u32)).collect();
                    c.push(SET_CLIP_STATE, 0, &p);
                }
            }
        }
        Op::KeepError => {}
        Op::Raw(words) => {
            let mut w = words.clone();
            w.truncate(512);
            clamp_raw_draws(&mut w);
            return w;
        }
    }
    c.0
}

#[derive(Debug, Arbitrary)]
struct Input {
    ops: Vec<Op>,
}

fn clear_error() {
    let _ = virglrenderer::internal::renderer::with(|r| {
        let c = r.context(1)?;
        c.error = 0;
        c.in_error = false;
        Ok(())
    });
}

fn run(input: Input) {
    // The GL backend whatever the other targets are told (the CPU backend draws nothing).
    std::env::set_var("VIRGL_SHIM_FUZZ_BACKEND", "gl");
    if std::env::var_os("LP_NUM_THREADS").is_none() {
        std::env::set_var("LP_NUM_THREADS", "0");
    }
    start();
    let mut arena = Arena::new(RES.len() * RES_SPAN);
    setup(&mut arena);
    let mut keep_error = false;
    for op in input.ops.iter().take(48) {
        if matches!(op, Op::KeepError) {
            keep_error = true;
            continue;
        }
        let mut words = op_words(op);
        let r = submit(&mut words);
        assert!(
            [0, libc::EINVAL, libc::ENOTRECOVERABLE, libc::ENOMEM].contains(&r),
            "submit returned {r} for {op:?}"
        );
        if !std::mem::take(&mut keep_error) {
            clear_error();
        }
    }
    for &(handle, target, ..) in &RES {
        let mut info = virgl_renderer_resource_info::default();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { virgl_renderer_resource_get_info(handle as i32, &mut info) }, 0);
        let mut b = virgl_box { x: 0, y: 0, z: 0, w: 1, h: 1, d: 1 };
        let mut out = [0u8; 16];
        let mut iov = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: out.len() };
        // SAFETY: one iovec over `out`.
        let r =
            unsafe { virgl_renderer_transfer_read_iov(handle, 0, 0, 0, 0, &mut b, 0, &mut iov, 1) };
        assert_eq!(r, 0, "resource {handle} (target {target}) unreadable after the ops");
    }
    virgl_renderer_context_destroy(1);
    virgl_renderer_reset();
    arena.check_canary();
}

fuzz_target!(|input: Input| run(input));
