//! submit_cmd fuzzer: arbitrary command buffers into a context that has a few resources
//! (a buffer, a 2D texture, a 2D array and a 3D texture, each with backing), plus a
//! misaligned-buffer and a bad-length path. Oracles: no crash or sanitizer report; the
//! return value is 0 or a positive errno; every resource still exists and can be read
//! back afterwards; no arena byte outside the backing is touched.
#![no_main]

use arbitrary::Arbitrary;
use fuzz_common::{start, Arena, IovSpec};
use libfuzzer_sys::fuzz_target;
use virglrenderer::ffi::*;

#[derive(Debug, Arbitrary)]
struct Input {
    ctx_sel: u8,
    misalign: bool,
    extra_len: i8,
    /// Submissions in a row (the decoder may keep state between them).
    bufs: Vec<Vec<u32>>,
}

// (handle, target, format, bind, w, h, d, array_size)
const RES: [(u32, u32, u32, u32, u32, u32, u32, u32); 4] = [
    (1, 0, 64, 1 << 4, 4096, 1, 1, 1),
    (2, 2, 1, (1 << 1) | (1 << 3), 64, 32, 1, 1),
    (3, 7, 67, (1 << 1) | (1 << 3), 16, 16, 1, 4),
    (4, 3, 1, 1 << 3, 8, 8, 8, 1),
];

fn run(input: Input) {
    start();
    let mut arena = Arena::new(64 * 1024);
    // SAFETY: a 3-byte name.
    assert_eq!(unsafe { virgl_renderer_context_create(1, 3, c"ctx".as_ptr()) }, 0);
    for (i, &(handle, target, format, bind, w, h, d, array_size)) in RES.iter().enumerate() {
        let mut a = virgl_renderer_resource_create_args {
            handle,
            target,
            format,
            bind,
            width: w,
            height: h,
            depth: d,
            array_size,
            last_level: 0,
            nr_samples: 0,
            flags: 0,
        };
        let specs = [IovSpec::Range { start: (i * 16384) as u32, len: 16384 }];
        let (p, n) = arena.iovs(&specs, None);
        // SAFETY: valid args; iovecs in the arena.
        assert_eq!(unsafe { virgl_renderer_resource_create(&mut a, p, n as u32) }, 0);
        virgl_renderer_ctx_attach_resource(1, handle as i32);
    }
    let ctx = match input.ctx_sel % 8 {
        0 => 0,
        7 => 2,
        _ => 1,
    };
    for words in input.bufs.iter().take(8) {
        let r = if input.misalign {
            // The same dwords one byte off a 4-byte boundary: EFAULT (or EINVAL) without a read.
            let mut bytes = vec![0u8; words.len() * 4 + 4];
            for (i, w) in words.iter().enumerate() {
                bytes[1 + 4 * i..5 + 4 * i].copy_from_slice(&w.to_ne_bytes());
            }
            // SAFETY: `bytes[1..]` holds `len` dwords (unaligned).
            unsafe {
                virgl_renderer_submit_cmd(bytes.as_mut_ptr().add(1).cast(), ctx, words.len() as i32)
            }
        } else {
            let mut w = words.clone();
            // A length at most the buffer's, or a negative one.
            let len = w.len() as i32;
            let ndw = if input.extra_len < -100 {
                i32::from(input.extra_len)
            } else {
                len - (i32::from(input.extra_len).abs() % (len + 1))
            };
            // SAFETY: `w` holds at least `ndw` aligned dwords.
            unsafe { virgl_renderer_submit_cmd(w.as_mut_ptr().cast(), ctx, ndw) }
        };
        assert!(r >= 0, "submit_cmd returned {r}");
        if input.misalign && !words.is_empty() && ctx == 1 {
            assert_ne!(r, 0, "misaligned buffer accepted");
        }
    }
    for &(handle, ..) in &RES {
        let mut info = virgl_renderer_resource_info::default();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { virgl_renderer_resource_get_info(handle as i32, &mut info) }, 0);
        let mut b = virgl_box { x: 0, y: 0, z: 0, w: 1, h: 1, d: 1 };
        let mut out = [0u8; 16];
        let mut iov = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: out.len() };
        // SAFETY: one iovec over `out`.
        let r =
            unsafe { virgl_renderer_transfer_read_iov(handle, 0, 0, 0, 0, &mut b, 0, &mut iov, 1) };
        assert_eq!(r, 0, "resource {handle} unreadable after submit");
    }
    virgl_renderer_context_destroy(1);
    virgl_renderer_reset();
    arena.check_canary();
}

fuzz_target!(|input: Input| run(input));
