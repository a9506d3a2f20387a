//! API-sequence fuzzer: arbitrary sequences of the exported C functions (create, attach,
//! detach, transfer, unref, blob, map/unmap, export, contexts, fences, submit, info) with
//! guest-controlled numbers and iovecs into a fuzzer-owned arena of varying size and
//! fragmentation. Oracles: no crash or sanitizer report; every return value is one the
//! API documents; resource existence matches a shadow model; a fresh resource reads back
//! zeros; mapped memory stays valid until unmap (also across unref); no byte of the arena
//! outside the iovecs handed out is touched.
#![no_main]

use arbitrary::Arbitrary;
use fuzz_common::{start, Arena, Handle, IovSpec, Num};
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use virglrenderer::ffi::*;

#[derive(Debug, Arbitrary)]
struct CreateArgs {
    handle: Handle,
    target: u8,
    format: u16,
    bind_sel: u8,
    bind: u32,
    w: Num,
    h: Num,
    d: Num,
    array_size: Num,
    last_level: Num,
    nr_samples: Num,
    flags: u8,
}

#[derive(Debug, Arbitrary)]
struct Xfer {
    handle: Handle,
    ctx: Handle,
    level: Num,
    stride: Num,
    layer_stride: Num,
    bx: [Num; 6],
    offset: u64,
    offset_small: bool,
    iov: Option<Vec<IovSpec>>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Create(CreateArgs, Option<Vec<IovSpec>>),
    Attach(Handle, Vec<IovSpec>),
    AttachNull(Handle, u8),
    Detach(Handle),
    Unref(Handle),
    Write(Xfer),
    Read(Xfer),
    Info(Handle),
    InfoExt(Handle),
    Priv(Handle, usize),
    GuestBlob {
        handle: Handle,
        size: u64,
        iov: Vec<IovSpec>,
    },
    HostBlob {
        handle: Handle,
        ctx: Handle,
        blob_mem: u8,
        blob_id: u64,
        size: u64,
    },
    Coherent {
        handle: Handle,
        ctx: Handle,
        target: u8,
        format: u16,
        bind: u32,
        w: Num,
        h: Num,
        flags: u8,
    },
    Map(Handle),
    Unmap(Handle),
    TouchMapping(Handle, u32, u8),
    MapInfo(Handle),
    Export(Handle),
    CtxCreate(Handle, u32),
    CtxDestroy(Handle),
    CtxAttach(Handle, Handle),
    CtxDetach(Handle, Handle),
    Fence(u32),
    CtxFence(Handle, u32, u32, u64),
    Poll,
    CtxPoll(Handle),
    Submit(Handle, Vec<u32>),
    GetRect {
        handle: Handle,
        iov: Vec<IovSpec>,
        offset: u32,
        x: i32,
        y: i32,
        w: i32,
        h: i32,
    },
    Cursor(Handle),
    CoherentLimit(u32),
    Reset,
}

#[derive(Debug, Arbitrary)]
struct Input {
    arena_kib: u8,
    ops: Vec<Op>,
}

const BIND_CHOICES: [u32; 6] = [0, 1 << 1, (1 << 3) | (1 << 1), 1 << 4, 1 << 16, 1 << 17];

#[derive(Default)]
struct Model {
    /// Live resources, and whether their contents may be non-zero.
    live: HashMap<u32, bool>,
    /// Mappings: handle → (address, size).
    maps: HashMap<u32, (usize, u64)>,
    contexts: HashSet<u32>,
}

impl Model {
    /// A handle is taken while its resource lives or its memory is still mapped (a
    /// resource unreferenced while mapped keeps its handle until unmap).
    fn in_use(&self, h: u32) -> bool {
        self.live.contains_key(&h) || self.maps.contains_key(&h)
    }
}

fn exists(h: u32) -> bool {
    let mut i = virgl_renderer_resource_info::default();
    // SAFETY: valid out-pointer.
    unsafe { virgl_renderer_resource_get_info(h as i32, &mut i) == 0 }
}

fn check_model(m: &Model) {
    for h in 0..6u32 {
        assert_eq!(
            exists(h),
            m.live.contains_key(&h),
            "resource {h} existence differs from the model"
        );
    }
}

fn transfer(arena: &mut Arena, m: &mut Model, x: &Xfer, write: bool) {
    let mut b = virgl_box {
        x: x.bx[0].0,
        y: x.bx[1].0,
        z: x.bx[2].0,
        w: x.bx[3].0,
        h: x.bx[4].0,
        d: x.bx[5].0,
    };
    let offset = if x.offset_small { x.offset % 4096 } else { x.offset };
    let fresh = m.live.get(&x.handle.0) == Some(&false);
    let (p, n) = match &x.iov {
        Some(specs) => arena.iovs(specs, if write { None } else { Some(0xa5) }),
        None => (std::ptr::null_mut(), 0),
    };
    // SAFETY: iovecs point into the arena, which outlives the call.
    let r = unsafe {
        if write {
            virgl_renderer_transfer_write_iov(
                x.handle.0,
                x.ctx.0,
                x.level.0 as i32,
                x.stride.0,
                x.layer_stride.0,
                &mut b,
                offset,
                p,
                n as u32,
            )
        } else {
            virgl_renderer_transfer_read_iov(
                x.handle.0,
                x.ctx.0,
                x.level.0,
                x.stride.0,
                x.layer_stride.0,
                &mut b,
                offset,
                p,
                n as i32,
            )
        }
    };
    assert!(r == 0 || r == libc::EINVAL || r == libc::ENOMEM, "transfer returned {r}");
    if r == 0 && write {
        if let Some(v) = m.live.get_mut(&x.handle.0) {
            *v = true;
        }
    }
    if r == 0 && !write && fresh {
        if let Some(specs) = &x.iov {
            // A fresh resource holds zeros: every byte is either untouched (0xa5) or 0.
            for (i, &byte) in arena.gather(specs).iter().enumerate() {
                assert!(byte == 0 || byte == 0xa5, "fresh resource read back {byte:#x} at {i}");
            }
        }
    }
}

fn run(input: Input) {
    start();
    let mut arena = Arena::new(
        (input.arena_kib as usize % 64 + 1) * 1024 - (input.arena_kib as usize % 7) * 13,
    );
    let mut m = Model::default();
    for op in input.ops.iter().take(64) {
        match op {
            Op::Create(a, iov) => {
                let was = m.in_use(a.handle.0);
                let mut args = virgl_renderer_resource_create_args {
                    handle: a.handle.0,
                    target: (a.target % 10) as u32,
                    format: a.format as u32 % 520,
                    bind: if a.bind_sel < 200 {
                        BIND_CHOICES[a.bind_sel as usize % 6]
                    } else {
                        a.bind
                    },
                    width: a.w.0,
                    height: a.h.0,
                    depth: a.d.0,
                    array_size: a.array_size.0,
                    last_level: a.last_level.0,
                    nr_samples: a.nr_samples.0,
                    flags: (a.flags as u32) & 0x107,
                };
                let (p, n) = match iov {
                    Some(specs) => arena.iovs(specs, None),
                    None => (std::ptr::null_mut(), 0),
                };
                // SAFETY: valid args; iovecs in the arena.
                let r = unsafe { virgl_renderer_resource_create(&mut args, p, n as u32) };
                match r {
                    0 => {
                        assert!(!was, "create of a live handle {} succeeded", a.handle.0);
                        m.live.insert(a.handle.0, false);
                    }
                    r if r == -libc::EINVAL => assert!(was, "-EINVAL for a free handle"),
                    r if r == libc::EINVAL || r == libc::ENOMEM || r == libc::EOPNOTSUPP => {}
                    r => panic!("resource_create returned {r}"),
                }
            }
            Op::Attach(h, specs) => {
                let (p, n) = arena.iovs(specs, None);
                // SAFETY: iovecs in the arena.
                let r = unsafe { virgl_renderer_resource_attach_iov(h.0 as i32, p, n as i32) };
                assert!(r == 0 || r == libc::EINVAL, "attach returned {r}");
            }
            Op::AttachNull(h, n) => {
                // NULL with a count: rejected before anything is read.
                // SAFETY: the library checks for NULL first.
                let r = unsafe {
                    virgl_renderer_resource_attach_iov(h.0 as i32, std::ptr::null_mut(), *n as i32)
                };
                assert!(r == 0 || r == libc::EINVAL, "attach(NULL) returned {r}");
                if *n != 0 {
                    assert_eq!(r, libc::EINVAL);
                }
            }
            Op::Detach(h) => {
                let mut p: *mut libc::iovec = std::ptr::null_mut();
                let mut n = 0;
                // SAFETY: valid out-pointers.
                unsafe { virgl_renderer_resource_detach_iov(h.0 as i32, &mut p, &mut n) };
            }
            Op::Unref(h) => {
                virgl_renderer_resource_unref(h.0);
                m.live.remove(&h.0);
            }
            Op::Write(x) => transfer(&mut arena, &mut m, x, true),
            Op::Read(x) => transfer(&mut arena, &mut m, x, false),
            Op::Info(h) => assert_eq!(exists(h.0), m.live.contains_key(&h.0)),
            Op::InfoExt(h) => {
                let mut i = std::mem::MaybeUninit::<virgl_renderer_resource_info_ext>::zeroed();
                // SAFETY: valid out-pointer.
                let r = unsafe { virgl_renderer_resource_get_info_ext(h.0 as i32, i.as_mut_ptr()) };
                assert_eq!(r == 0, m.live.contains_key(&h.0));
            }
            Op::Priv(h, v) => {
                virgl_renderer_resource_set_priv(h.0, *v as *mut c_void);
                let got = virgl_renderer_resource_get_priv(h.0) as usize;
                if m.live.contains_key(&h.0) {
                    assert_eq!(got, *v);
                } else {
                    assert_eq!(got, 0);
                }
            }
            Op::GuestBlob { handle, size, iov } => {
                let (p, n) = arena.iovs(iov, None);
                let args = virgl_renderer_resource_create_blob_args {
                    res_handle: handle.0,
                    ctx_id: 0,
                    blob_mem: VIRGL_RENDERER_BLOB_MEM_GUEST,
                    blob_flags: 0,
                    blob_id: 0,
                    size: size % (arena.len() as u64 + 2),
                    iovecs: p,
                    num_iovs: n as u32,
                };
                // SAFETY: valid args; iovecs in the arena.
                let r = unsafe { virgl_renderer_resource_create_blob(&args) };
                assert!(r <= 0, "create_blob returned positive {r}");
                if r == 0 {
                    assert!(!m.in_use(handle.0), "create of in-use handle {} succeeded", handle.0);
                    m.live.insert(handle.0, true);
                }
            }
            Op::HostBlob { handle, ctx, blob_mem, blob_id, size } => {
                let args = virgl_renderer_resource_create_blob_args {
                    res_handle: handle.0,
                    ctx_id: ctx.0,
                    blob_mem: *blob_mem as u32 % 5,
                    blob_flags: 0,
                    blob_id: *blob_id,
                    size: *size,
                    iovecs: std::ptr::null(),
                    num_iovs: 0,
                };
                // SAFETY: valid args, no iovecs.
                let r = unsafe { virgl_renderer_resource_create_blob(&args) };
                assert!(r <= 0, "create_blob returned positive {r}");
                if r == 0 {
                    assert!(!m.in_use(handle.0), "create of in-use handle {} succeeded", handle.0);
                    m.live.insert(handle.0, true);
                }
            }
            Op::Coherent { handle, ctx, target, format, bind, w, h, flags } => {
                let args = virgl_renderer_resource_create_coherent_args {
                    res_handle: handle.0,
                    ctx_id: ctx.0,
                    target: (*target % 4) as u32,
                    format: *format as u32 % 200,
                    bind: *bind & 0x7f_ffff,
                    width: w.0,
                    height: h.0,
                    flags: (*flags & 1) as u32,
                    ..Default::default()
                };
                // SAFETY: valid args.
                let r = unsafe { virgl_renderer_resource_create_coherent(&args) };
                assert!(r <= 0, "create_coherent returned positive {r}");
                if r == 0 {
                    assert!(!m.in_use(handle.0), "create of in-use handle {} succeeded", handle.0);
                    m.live.insert(handle.0, false);
                }
            }
            Op::Map(h) => {
                let mut p: *mut c_void = std::ptr::null_mut();
                let mut size = 0u64;
                // SAFETY: valid out-pointers.
                let r = unsafe { virgl_renderer_resource_map(h.0, &mut p, &mut size) };
                assert!(r <= 0);
                if r == 0 {
                    assert!(!p.is_null());
                    assert!(!m.maps.contains_key(&h.0), "resource {} mapped twice", h.0);
                    if m.live.get(&h.0) == Some(&false) && size > 0 {
                        // Fresh coherent memory is zeroed.
                        // SAFETY: the mapping holds `size` bytes until unmap.
                        let s =
                            unsafe { std::slice::from_raw_parts(p as *const u8, size as usize) };
                        assert!(s.iter().all(|&b| b == 0), "fresh mapping not zeroed");
                    }
                    m.maps.insert(h.0, (p as usize, size));
                    if let Some(v) = m.live.get_mut(&h.0) {
                        *v = true;
                    }
                }
            }
            Op::Unmap(h) => {
                let r = virgl_renderer_resource_unmap(h.0);
                assert!(r <= 0);
                assert_eq!(r == 0, m.maps.contains_key(&h.0), "unmap of {} returned {r}", h.0);
                m.maps.remove(&h.0);
            }
            Op::TouchMapping(h, at, v) => {
                // The guest writes through its BAR: valid until unmap, even after unref.
                if let Some(&(p, size)) = m.maps.get(&h.0) {
                    if size > 0 {
                        let at = *at as u64 % size;
                        // SAFETY: inside the live mapping.
                        unsafe { *(p as *mut u8).add(at as usize) = *v };
                    }
                }
            }
            Op::MapInfo(h) => {
                let mut info = 0u32;
                // SAFETY: valid out-pointer.
                let r = unsafe { virgl_renderer_resource_get_map_info(h.0, &mut info) };
                assert!(r <= 0);
            }
            Op::Export(h) => {
                let (mut t, mut fd) = (0u32, -1);
                // SAFETY: valid out-pointers.
                let r = unsafe { virgl_renderer_resource_export_blob(h.0, &mut t, &mut fd) };
                assert!(r <= 0);
                if r == 0 {
                    assert!(fd >= 0);
                    // SAFETY: the fd is ours.
                    unsafe { libc::close(fd) };
                }
            }
            Op::CtxCreate(id, flags) => {
                // SAFETY: name pointer valid for 4 bytes.
                let r = unsafe {
                    virgl_renderer_context_create_with_flags(id.0, *flags, 4, c"fuzz".as_ptr())
                };
                assert!(r == 0 || r == libc::EINVAL, "context_create returned {r}");
                if r == 0 {
                    m.contexts.insert(id.0);
                }
            }
            Op::CtxDestroy(id) => {
                virgl_renderer_context_destroy(id.0);
                m.contexts.remove(&id.0);
            }
            Op::CtxAttach(c, h) => virgl_renderer_ctx_attach_resource(c.0 as i32, h.0 as i32),
            Op::CtxDetach(c, h) => virgl_renderer_ctx_detach_resource(c.0 as i32, h.0 as i32),
            Op::Fence(id) => assert_eq!(virgl_renderer_create_fence(*id as i32, 0), 0),
            Op::CtxFence(c, flags, ring, id) => {
                let r = virgl_renderer_context_create_fence(c.0, *flags, *ring, *id);
                assert!(r == 0 || r == -libc::EINVAL, "context_create_fence returned {r}");
            }
            Op::Poll => virgl_renderer_poll(),
            Op::CtxPoll(c) => virgl_renderer_context_poll(c.0),
            Op::Submit(c, words) => {
                let mut w = words.clone();
                // SAFETY: `w` holds `len` aligned dwords.
                let r = unsafe {
                    virgl_renderer_submit_cmd(w.as_mut_ptr().cast(), c.0 as i32, w.len() as i32)
                };
                assert!(r >= 0, "submit_cmd returned {r}");
                if r == 0 {
                    // A command stream may write resources: nothing is known fresh now.
                    m.live.values_mut().for_each(|v| *v = true);
                }
            }
            Op::GetRect { handle, iov, offset, x, y, w, h } => {
                let (p, n) = arena.iovs(iov, None);
                // SAFETY: iovecs in the arena.
                unsafe {
                    virgl_renderer_get_rect(handle.0 as i32, p, n as u32, *offset, *x, *y, *w, *h)
                }
            }
            Op::Cursor(h) => {
                let (mut w, mut ht) = (0u32, 0u32);
                // SAFETY: valid out-pointers; the result is ours to free.
                let p = unsafe { virgl_renderer_get_cursor_data(h.0, &mut w, &mut ht) };
                if !p.is_null() {
                    // SAFETY: allocated with malloc for the caller.
                    unsafe { libc::free(p) };
                }
            }
            Op::CoherentLimit(l) => assert_eq!(virgl_renderer_set_coherent_limit(*l as u64), 0),
            Op::Reset => {
                virgl_renderer_reset();
                m = Model::default();
            }
        }
    }
    check_model(&m);
    // Every mapping still readable (unref'd-while-mapped memory included), then unmapped.
    for (h, (p, size)) in std::mem::take(&mut m.maps) {
        if size > 0 {
            // SAFETY: inside the live mapping.
            let _ = unsafe { std::ptr::read_volatile((p as *const u8).add(size as usize - 1)) };
        }
        assert_eq!(virgl_renderer_resource_unmap(h), 0);
    }
    virgl_renderer_reset();
    arena.check_canary();
}

fuzz_target!(|input: Input| run(input));
