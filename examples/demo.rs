//! The main job of virgl-shim, end to end, through the same C API QEMU calls:
//! a guest-style scanout resource (1920×1080 B8G8R8X8, Y_0_TOP, created like QEMU's 2D
//! path), scattered 4 KiB guest pages attached as backing in shuffled order,
//! TRANSFER_TO_HOST of a full frame and of dirty rectangles, TRANSFER_FROM_HOST back into
//! fresh pages, a byte-for-byte check, timings, and the host resource written as a PNG.
//!
//! `cargo run --release --example demo [-- --quick] [--png out.png]`;
//! `VIRGL_SHIM_BACKEND=cpu|gl` picks the host storage (default: GL when EGL works).

use std::ffi::c_void;
use std::time::Instant;
use virglrenderer::ffi::*;

const W: u32 = 1920;
const H: u32 = 1080;
const PAGE: usize = 4096;

/// Guest RAM stand-in: page-sized chunks at scattered addresses, listed in shuffled order
/// the way a guest's scatter-gather list maps a linear buffer.
struct GuestPages {
    pages: Vec<Box<[u8; PAGE]>>,
    iov: Vec<libc::iovec>,
}

impl GuestPages {
    fn new(len: usize, seed: u64) -> Self {
        let n = len.div_ceil(PAGE);
        let mut pages: Vec<Box<[u8; PAGE]>> = (0..n).map(|_| Box::new([0u8; PAGE])).collect();
        // Scatter: shuffle which allocation backs which page of the buffer.
        let mut s = seed;
        for i in (1..n).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            pages.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let iov = pages
            .iter_mut()
            .enumerate()
            .map(|(i, p)| libc::iovec {
                iov_base: p.as_mut_ptr().cast(),
                iov_len: PAGE.min(len - i * PAGE),
            })
            .collect();
        GuestPages { pages, iov }
    }

    fn write(&mut self, off: usize, data: &[u8]) {
        for (i, b) in data.iter().enumerate() {
            let o = off + i;
            self.pages[o / PAGE][o % PAGE] = *b;
        }
    }

    fn read(&self, off: usize, len: usize) -> Vec<u8> {
        (off..off + len).map(|o| self.pages[o / PAGE][o % PAGE]).collect()
    }
}

fn pattern(frame: u32) -> Vec<u8> {
    let mut px = vec![0u8; (W * H * 4) as usize];
    for y in 0..H {
        for x in 0..W {
            let i = ((y * W + x) * 4) as usize;
            let checker = ((x / 60) + (y / 60) + frame) % 2 == 0;
            px[i] = (x * 255 / W) as u8; // B
            px[i + 1] = (y * 255 / H) as u8; // G
            px[i + 2] = if checker { 200 } else { 40 }; // R
            px[i + 3] = 0xff;
        }
    }
    px
}

unsafe extern "C" fn write_fence(_cookie: *mut c_void, _fence: u32) {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let png_path = args
        .iter()
        .position(|a| a == "--png")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| "virgl-shim-demo.png".into());
    let frames = if quick { 3 } else { 60 };

    let mut cookie = 0u8;
    let mut cbs = virgl_renderer_callbacks {
        version: 4,
        write_fence: Some(write_fence),
        create_gl_context: None,
        destroy_gl_context: None,
        make_current: None,
        get_drm_fd: None,
        write_context_fence: None,
        get_server_fd: None,
        get_egl_display: None,
    };
    // SAFETY: valid cookie and callbacks that outlive the renderer (cleanup at the end).
    let rc = unsafe {
        virgl_renderer_init((&mut cookie as *mut u8).cast(), VIRGL_RENDERER_USE_EGL, &mut cbs)
    };
    assert_eq!(rc, 0, "virgl_renderer_init failed");
    let (mut v1, mut s1, mut v2, mut s2) = (0, 0, 0, 0);
    // SAFETY: valid out-pointers.
    unsafe {
        virgl_renderer_get_cap_set(1, &mut v1, &mut s1);
        virgl_renderer_get_cap_set(2, &mut v2, &mut s2);
    }
    println!("virgl-shim demo: capset VIRGL v{v1} ({s1} bytes), VIRGL2 v{v2} ({s2} bytes)");

    // Like QEMU's RESOURCE_CREATE_2D: target 2D, bind RENDER_TARGET, Y_0_TOP.
    let mut create = virgl_renderer_resource_create_args {
        handle: 1,
        target: 2,
        format: 2, // B8G8R8X8_UNORM
        bind: VIRGL_RES_BIND_RENDER_TARGET,
        width: W,
        height: H,
        depth: 1,
        array_size: 1,
        last_level: 0,
        nr_samples: 0,
        flags: 1, // VIRGL_RESOURCE_Y_0_TOP
    };
    // SAFETY: valid args, no iovecs.
    let rc = unsafe { virgl_renderer_resource_create(&mut create, std::ptr::null_mut(), 0) };
    assert_eq!(rc, 0, "resource_create failed");
    let frame_bytes = (W * H * 4) as usize;
    let mut guest = GuestPages::new(frame_bytes, 0x5eed);
    // SAFETY: the iovecs point into `guest`, which outlives the attachment (detached below).
    let rc = unsafe {
        virgl_renderer_resource_attach_iov(1, guest.iov.as_mut_ptr(), guest.iov.len() as i32)
    };
    assert_eq!(rc, 0, "attach_iov failed");
    let mut info = virgl_renderer_resource_info::default();
    // SAFETY: valid out-pointer.
    unsafe { virgl_renderer_resource_get_info(1, &mut info) };
    println!(
        "resource 1: {}x{} format {} stride {} drm_fourcc {:#x} tex_id {}; backing: {} scattered 4 KiB pages",
        info.width,
        info.height,
        info.virgl_format,
        info.stride,
        info.drm_fourcc,
        info.tex_id,
        guest.iov.len()
    );

    // Full frames.
    let mut full = virgl_box { x: 0, y: 0, z: 0, w: W, h: H, d: 1 };
    let mut upload_s = 0f64;
    for f in 0..frames {
        guest.write(0, &pattern(f));
        let t = Instant::now();
        // SAFETY: valid box; NULL iov = the attached backing.
        let rc = unsafe {
            virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, &mut full, 0, std::ptr::null_mut(), 0)
        };
        upload_s += t.elapsed().as_secs_f64();
        assert_eq!(rc, 0, "transfer_write_iov failed");
    }
    let mb = frame_bytes as f64 * frames as f64 / 1e6;
    println!("TRANSFER_TO_HOST: {frames} full frames, {:.0} MB/s", mb / upload_s);

    // Dirty rectangles: 64 of 128x128 per frame, offset = y*stride + x*4 like the guest.
    let mut rects = 0;
    let t = Instant::now();
    for f in 0..frames {
        for i in 0..64u32 {
            let (x, y) = ((i * 211 + f * 37) % (W - 128), (i * 97 + f * 53) % (H - 128));
            let mut b = virgl_box { x, y, z: 0, w: 128, h: 128, d: 1 };
            let off = (y * W * 4 + x * 4) as u64;
            // SAFETY: valid box; attached backing.
            let rc = unsafe {
                virgl_renderer_transfer_write_iov(
                    1,
                    0,
                    0,
                    0,
                    0,
                    &mut b,
                    off,
                    std::ptr::null_mut(),
                    0,
                )
            };
            assert_eq!(rc, 0);
            rects += 1;
        }
    }
    let rect_mb = rects as f64 * 128.0 * 128.0 * 4.0 / 1e6;
    println!(
        "TRANSFER_TO_HOST: {rects} dirty 128x128 rectangles, {:.0} MB/s",
        rect_mb / t.elapsed().as_secs_f64()
    );

    // Read back into fresh scattered pages and compare with what the guest wrote.
    let mut back = GuestPages::new(frame_bytes, 0xfeed);
    let t = Instant::now();
    // SAFETY: valid box and iovecs into `back`.
    let rc = unsafe {
        virgl_renderer_transfer_read_iov(
            1,
            0,
            0,
            0,
            0,
            &mut full,
            0,
            back.iov.as_mut_ptr(),
            back.iov.len() as i32,
        )
    };
    let read_s = t.elapsed().as_secs_f64();
    assert_eq!(rc, 0, "transfer_read_iov failed");
    let got = back.read(0, frame_bytes);
    let want = guest.read(0, frame_bytes);
    assert!(got == want, "read back differs from what the guest wrote");
    println!(
        "TRANSFER_FROM_HOST: 1 full frame, {:.0} MB/s; {} bytes identical to the guest's",
        frame_bytes as f64 / 1e6 / read_s,
        frame_bytes
    );

    // Host resource → PNG (B8G8R8X8 bytes → RGB).
    let mut rgb = Vec::with_capacity((W * H * 3) as usize);
    for px in got.chunks(4) {
        rgb.extend_from_slice(&[px[2], px[1], px[0]]);
    }
    let file = std::fs::File::create(&png_path).expect("create PNG");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), W, H);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header().and_then(|mut w| w.write_image_data(&rgb)).expect("write PNG");
    println!("wrote the host resource to {png_path}");

    let (mut iov_out, mut n_out) = (std::ptr::null_mut(), 0);
    // SAFETY: valid out-pointers.
    unsafe {
        virgl_renderer_resource_detach_iov(1, &mut iov_out, &mut n_out);
        virgl_renderer_resource_unref(1);
        virgl_renderer_cleanup((&mut cookie as *mut u8).cast());
    }
    assert_eq!(iov_out, guest.iov.as_mut_ptr());
    assert_eq!(n_out as usize, guest.iov.len());
    println!("detached {n_out} iovecs (the caller's array handed back), unref, cleanup: done");
}
