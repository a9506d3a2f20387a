//! Which colour blits glBlitFramebuffer does right between the GL storages of two formats.
//! glBlitFramebuffer converts between fixed-point and float colour storage (and integer
//! storage of one signedness) but reads and writes the *stored* channels: texture swizzles
//! (B8G8R8A8 stored as RGBA8, luminance stored as R8, X channels forced to one) play no
//! part. A blit is right when each channel the destination format keeps receives the
//! source format's value of that channel.

use super::{FormatInfo, Kind, COLOR_RENDERABLE};
use glow as gl;

/// A channel as seen through a format: a stored channel of its GL storage or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Chan {
    Stored(usize),
    /// 0 or 1.
    Const(u8),
}

/// How many channels GL storage with transfer format `format` has.
fn stored_channels(format: u32) -> usize {
    match format {
        gl::RED | gl::RED_INTEGER => 1,
        gl::RG | gl::RG_INTEGER => 2,
        gl::RGB | gl::RGB_INTEGER | gl::BGR | gl::BGR_INTEGER => 3,
        _ => 4,
    }
}

/// Stored channel `k` as glBlitFramebuffer reads it: missing ones read 0 (R, G, B) or 1 (A).
fn read(n: usize, k: usize) -> Chan {
    if k < n {
        Chan::Stored(k)
    } else {
        Chan::Const(u8::from(k == 3))
    }
}

/// Channel `c` (R, G, B, A) of the format, as its swizzle makes it from the storage.
fn logical(swizzle: Option<[u32; 4]>, n: usize, c: usize) -> Chan {
    let s = swizzle.map_or([gl::RED, gl::GREEN, gl::BLUE, gl::ALPHA][c], |s| s[c]);
    match s {
        gl::RED => read(n, 0),
        gl::GREEN => read(n, 1),
        gl::BLUE => read(n, 2),
        gl::ALPHA => read(n, 3),
        gl::ONE => Chan::Const(1),
        _ => Chan::Const(0),
    }
}

/// Whether one glBlitFramebuffer from `src`'s GL storage into `dst`'s gives `dst` the
/// value of `src` in every channel `dst` keeps: both are colour formats with GL storage
/// that GL renders to (glBlitFramebuffer needs complete framebuffers on both sides), and
/// for each channel `c` that `dst` keeps in stored channel `k`, `src`'s channel `c` is what
/// glBlitFramebuffer reads from `src`'s stored channel `k`. Integer against non-integer
/// storage and sRGB encoding are the caller's to check.
pub fn gl_blit_keeps_channels(src: &FormatInfo, dst: &FormatInfo) -> bool {
    let (Some(s), Some(d)) = (src.gl, dst.gl) else {
        return false;
    };
    if src.kind != Kind::Color || dst.kind != Kind::Color {
        return false;
    }
    if ![s.internal, d.internal].iter().all(|i| COLOR_RENDERABLE.contains(i)) {
        return false;
    }
    stored_channels_line_up(src, dst)
}

/// The channel part of [`gl_blit_keeps_channels`], for callers that know by other means
/// (a host's render probe) that GL renders to both storages: for each channel `c` that
/// `dst` keeps in stored channel `k`, `src`'s channel `c` is what glBlitFramebuffer reads
/// from `src`'s stored channel `k`. False for formats without GL storage.
pub fn stored_channels_line_up(src: &FormatInfo, dst: &FormatInfo) -> bool {
    let (Some(s), Some(d)) = (src.gl, dst.gl) else {
        return false;
    };
    let (sn, dn) = (stored_channels(s.format), stored_channels(d.format));
    (0..4).all(|c| match logical(d.swizzle, dn, c) {
        Chan::Stored(k) => logical(s.swizzle, sn, c) == read(sn, k),
        Chan::Const(_) => true,
    })
}

/// Like [`stored_channels_line_up`], with gallium's packing of formats that keep one stored
/// channel for several (luminance and intensity keep red, L8A8 red and alpha): each stored
/// channel `k` of `dst` is written from the first channel (R, G, B, A order) `dst` keeps
/// in it, and `src`'s value of that channel is what glBlitFramebuffer reads from `src`'s
/// stored channel `k`. A BLIT into L8 thus copies the source's red, as gallium's blit does.
pub fn stored_channels_pack(src: &FormatInfo, dst: &FormatInfo) -> bool {
    let (Some(s), Some(d)) = (src.gl, dst.gl) else {
        return false;
    };
    let (sn, dn) = (stored_channels(s.format), stored_channels(d.format));
    (0..dn).all(|k| match (0..4).find(|&c| logical(d.swizzle, dn, c) == Chan::Stored(k)) {
        Some(c) => logical(s.swizzle, sn, c) == read(sn, k),
        // A stored channel no channel reads: whatever it receives.
        None => true,
    })
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::gl_blit_keeps_channels as keeps;

    /// Luminance, intensity and alpha storage are packed from red, red and alpha: a red
    /// source fills L8 and I8; glBlitFramebuffer writes a source's stored red and green into
    /// A8's and L8A8's storage, which hold alpha there: refused.
    #[test]
    fn packed_from_the_first_channel() {
        use super::stored_channels_pack as pack;
        let l = |name: &str| (0..512).filter_map(lookup).find(|f| f.name == name).unwrap();
        let (r8, rgba8) = (l("R8_UNORM"), l("R8G8B8A8_UNORM"));
        for (src, dst, ok) in [
            (r8, "L8_UNORM", true),
            (r8, "I8_UNORM", true),
            (r8, "A8_UNORM", false),
            (rgba8, "A8_UNORM", false),
            (rgba8, "L8A8_UNORM", false),
            (rgba8, "L8_UNORM", true),
            (r8, "L8A8_UNORM", false),
        ] {
            assert_eq!(pack(src, l(dst)), ok, "{} into {dst}", src.name);
        }
        // The strict rule wants every channel of L8 (green, blue) from red's.
        assert!(!super::stored_channels_line_up(r8, l("L8_UNORM")));
    }

    #[test]
    fn swizzled_storage() {
        let l = |id| lookup(id).unwrap();
        let rgba8 = l(R8G8B8A8_UNORM);
        let rgbx16 = l(234); // R16G16B16X16_UNORM: RGBA16 read as RGB1.
        let rgba16f = l(R16G16B16A16_FLOAT);
        let bgra8 = l(B8G8R8A8_UNORM);
        let rgbx8 = l(134); // R8G8B8X8_UNORM
        let r8 = l(64); // R8_UNORM
        let l8 = l(9); // L8_UNORM: R8 read as RRR1.
        let a8 = l(10); // A8_UNORM: R8 read as 000R.
                        // Conversions between unswizzled storages, and into X storage (its X is not read).
        assert!(keeps(rgba8, rgba16f) && keeps(rgba16f, rgba8));
        assert!(keeps(rgba8, rgbx16) && keeps(rgba8, rgbx8));
        assert!(keeps(rgba8, r8) && keeps(r8, rgba8));
        // From X storage into a format keeping alpha: the stored X would be copied.
        assert!(!keeps(rgbx8, rgba8) && !keeps(rgbx16, rgba16f));
        assert!(keeps(rgbx8, rgbx16));
        // Reordered, replicated or moved channels: not one glBlitFramebuffer.
        assert!(!keeps(rgba8, bgra8) && !keeps(bgra8, rgba16f));
        assert!(keeps(bgra8, bgra8) && keeps(bgra8, l(2))); // into B8G8R8X8_UNORM
        assert!(!keeps(l8, rgba8) && !keeps(rgba8, l8) && !keeps(a8, rgba8));
        // Integer storage is renderable; depth and compressed formats are not colour.
        assert!(!keeps(l(Z16_UNORM), rgba8) && !keeps(rgba8, l(Z16_UNORM)));
        // RGB9E5 has no colour-renderable storage.
        assert!(!keeps(rgba8, l(R9G9B9E5_FLOAT)));
    }
}
