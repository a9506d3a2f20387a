//! Shared pieces of the virgl-shim fuzz targets: one renderer per process (CPU backend;
//! `VIRGL_SHIM_FUZZ_BACKEND=gl` for the GL backend's lazy zero-fill and object reuse, run
//! with `-detect_leaks=0` since the GL driver's own allocations outlive the process
//! exit), guest-like numbers, and a fuzzer-owned arena that every iovec points into.
//!
//! The API's contract is that iovecs describe memory the VMM owns; the guest controls
//! sizes, offsets, boxes, strides and handles. So iovecs here always lie inside the arena,
//! and the arena outlives every attachment (the renderer is reset before it is freed).

pub mod gl_pipeline;

use arbitrary::{Arbitrary, Result as AResult, Unstructured};
use std::ffi::c_void;
use std::sync::Once;
use virglrenderer::ffi::*;

static INIT: Once = Once::new();

unsafe extern "C" fn write_fence(_cookie: *mut c_void, _fence: u32) {}
unsafe extern "C" fn write_context_fence(_c: *mut c_void, _ctx: u32, _ring: u32, _id: u64) {}

/// Initialises the renderer once per process (CPU backend unless `VIRGL_SHIM_FUZZ_BACKEND`
/// says otherwise, logging off, small host memory limit so the limit paths are reached),
/// then resets it: every input starts empty.
pub fn start() {
    INIT.call_once(|| {
        let backend = std::env::var("VIRGL_SHIM_FUZZ_BACKEND").unwrap_or_else(|_| "cpu".into());
        std::env::set_var("VIRGL_SHIM_BACKEND", backend);
        std::env::set_var("VIRGL_SHIM_LOG", "off");
        std::env::set_var("VIRGL_SHIM_MAX_HOST_MEMORY", "256M");
        std::env::set_var("VIRGL_SHIM_MAX_RESOURCES", "64");
        let cbs = Box::leak(Box::new(virgl_renderer_callbacks {
            version: 3,
            write_fence: Some(write_fence),
            create_gl_context: None,
            destroy_gl_context: None,
            make_current: None,
            get_drm_fd: None,
            write_context_fence: Some(write_context_fence),
            get_server_fd: None,
            get_egl_display: None,
        }));
        let cookie = Box::leak(Box::new(0u64)) as *mut u64 as *mut c_void;
        // SAFETY: leaked cookie and callbacks live for the whole process.
        let r = unsafe { virgl_renderer_init(cookie, 0, cbs) };
        assert_eq!(r, 0, "virgl_renderer_init failed");
    });
    virgl_renderer_reset();
    assert_eq!(virgl_renderer_set_coherent_limit(1 << 20), 0);
}

/// A guest-chosen u32 biased towards small and edge values.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub u32);

impl<'a> Arbitrary<'a> for Num {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        let sel: u8 = u.arbitrary()?;
        Ok(Num(match sel % 8 {
            0..=3 => u.int_in_range(0..=16)?,
            4 => u.int_in_range(0..=300)?,
            5 => *u.choose(&[
                0x7fff_ffff,
                0x8000_0000,
                0xffff_ffff,
                0xffff_fffe,
                16384,
                16385,
                2048,
                4096,
                1 << 20,
                0x4000_0001,
            ])?,
            _ => u.arbitrary()?,
        }))
    }
}

/// A resource / context handle: mostly one of a few small values so operations collide.
#[derive(Clone, Copy, Debug)]
pub struct Handle(pub u32);

impl<'a> Arbitrary<'a> for Handle {
    fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
        let b: u8 = u.arbitrary()?;
        Ok(Handle(if b >= 250 { u.arbitrary()? } else { (b % 6) as u32 }))
    }
}

/// One iovec: a range of the arena (start and length taken modulo its size), or a NULL
/// base with a zero length.
#[derive(Clone, Copy, Debug, Arbitrary)]
pub enum IovSpec {
    Range { start: u32, len: u32 },
    NullEmpty,
}

/// Fuzzer-owned guest memory. Bytes never handed out in an iovec keep their canary.
pub struct Arena {
    mem: Vec<u8>,
    covered: Vec<bool>,
    /// Every iovec array handed to the library, kept alive until the arena is dropped.
    arrays: Vec<Box<[libc::iovec]>>,
}

fn canary(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ 0x5a) as u8
}

impl Arena {
    /// An arena of `len` bytes (at least 1).
    pub fn new(len: usize) -> Arena {
        let len = len.max(1);
        Arena { mem: (0..len).map(canary).collect(), covered: vec![false; len], arrays: vec![] }
    }

    pub fn len(&self) -> usize {
        self.mem.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mem.is_empty()
    }

    /// Builds (and keeps alive) an iovec array from `specs`; fills each range with `fill`
    /// when given. Returns the array pointer and count.
    pub fn iovs(&mut self, specs: &[IovSpec], fill: Option<u8>) -> (*mut libc::iovec, usize) {
        let n = self.mem.len();
        let mut v = Vec::with_capacity(specs.len());
        for s in specs {
            match *s {
                IovSpec::Range { start, len } => {
                    let start = start as usize % n;
                    let len = len as usize % (n - start + 1);
                    self.covered[start..start + len].iter_mut().for_each(|c| *c = true);
                    if let Some(f) = fill {
                        self.mem[start..start + len].iter_mut().for_each(|b| *b = f);
                    }
                    // The pointer stays inside `mem`, whose buffer never moves (no resize).
                    let p = self.mem.as_mut_ptr().wrapping_add(start);
                    v.push(libc::iovec { iov_base: p.cast(), iov_len: len });
                }
                IovSpec::NullEmpty => {
                    v.push(libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 })
                }
            }
        }
        let mut b = v.into_boxed_slice();
        let p = b.as_mut_ptr();
        let count = b.len();
        self.arrays.push(b);
        (if count == 0 { std::ptr::null_mut() } else { p }, count)
    }

    /// The bytes of `specs`' ranges, in gather order.
    pub fn gather(&self, specs: &[IovSpec]) -> Vec<u8> {
        let n = self.mem.len();
        let mut out = vec![];
        for s in specs {
            if let IovSpec::Range { start, len } = *s {
                let start = start as usize % n;
                let len = len as usize % (n - start + 1);
                out.extend_from_slice(&self.mem[start..start + len]);
            }
        }
        out
    }

    /// Panics when a byte never handed out in an iovec changed (a write outside the
    /// guest's buffers).
    pub fn check_canary(&self) {
        for (i, (&b, &c)) in self.mem.iter().zip(&self.covered).enumerate() {
            assert!(c || b == canary(i), "arena byte {i} outside every iovec was modified");
        }
    }
}
