//! Pure pixel arithmetic for the command decoder: clear colours packed into a surface
//! format, depth/stencil texels, conversions between the 8-bit UNORM RGBA orders and the
//! nearest-neighbour coordinate mapping of blits. No I/O, no GL: the decoder reads boxes
//! into host buffers, uses these functions, and writes the boxes back.

use crate::model::format;

/// Format numbers (`enum virgl_formats`) not named in [`crate::model::format`].
mod ids {
    pub const R5G6B5_UNORM: u32 = 321;
    pub const R16_FLOAT: u32 = 91;
    pub const R16G16_FLOAT: u32 = 92;
    pub const R16G16B16_FLOAT: u32 = 93;
    pub const R16G16B16X16_FLOAT: u32 = 236;
    pub const R32_FLOAT: u32 = 28;
    pub const R32G32_FLOAT: u32 = 29;
    pub const R32G32B32_FLOAT: u32 = 30;
    pub const R32G32B32X32_FLOAT: u32 = 239;
    pub const Z24X8_UNORM: u32 = 21;
    pub const X8Z24_UNORM: u32 = 22;
}

/// Float in `[0, 1]` (clamped; NaN is 0) to an unsigned normalised integer of `bits` bits,
/// rounded to nearest.
pub fn unorm(f: f64, bits: u32) -> u32 {
    let max = ((1u64 << bits) - 1) as f64;
    let f = if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) };
    (f * max + 0.5) as u32
}

/// IEEE binary32 to binary16, rounded to nearest even; overflow gives infinity, NaN stays
/// a (quiet) NaN.
pub fn f32_to_f16(f: f32) -> u16 {
    let bits = f.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    // Unbiased exponent, rebiased for half precision.
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        // Subnormal half (or zero): shift the full mantissa (with the implicit one).
        if e < -10 {
            return sign;
        }
        let m = man | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let mid = 1 << (shift - 1);
        let round = rem > mid || (rem == mid && half & 1 == 1);
        return sign | (half + round as u32) as u16;
    }
    let half = ((e as u32) << 10) | (man >> 13);
    let rem = man & 0x1fff;
    let round = rem > 0x1000 || (rem == 0x1000 && half & 1 == 1);
    // A carry out of the mantissa correctly bumps the exponent (up to infinity).
    sign | (half + round as u32) as u16
}

/// Byte positions of R, G, B, A in a 4-byte 8-bit UNORM format, and whether A is real (X
/// formats read as opaque and are written as 0xff).
pub fn rgba8_order(id: u32) -> Option<([usize; 4], bool)> {
    Some(match id {
        format::R8G8B8A8_UNORM => ([0, 1, 2, 3], true),
        format::R8G8B8X8_UNORM => ([0, 1, 2, 3], false),
        format::B8G8R8A8_UNORM => ([2, 1, 0, 3], true),
        format::B8G8R8X8_UNORM => ([2, 1, 0, 3], false),
        format::A8R8G8B8_UNORM => ([1, 2, 3, 0], true),
        format::X8R8G8B8_UNORM => ([1, 2, 3, 0], false),
        format::A8B8G8R8_UNORM => ([3, 2, 1, 0], true),
        format::X8B8G8R8_UNORM => ([3, 2, 1, 0], false),
        _ => return None,
    })
}

/// One texel of an RGBA8-order format as `[r, g, b, a]`.
pub fn rgba8_decode(order: ([usize; 4], bool), px: &[u8]) -> [u8; 4] {
    let (o, alpha) = order;
    let get = |i: usize| px.get(o[i]).copied().unwrap_or(0);
    [get(0), get(1), get(2), if alpha { get(3) } else { 0xff }]
}

/// Writes the channels of `rgba` selected by `mask` (bit 0 R … bit 3 A) into `px`; the X
/// byte of an X format is written as 0xff.
pub fn rgba8_encode(order: ([usize; 4], bool), rgba: [u8; 4], mask: u32, px: &mut [u8]) {
    let (o, alpha) = order;
    for (c, &pos) in o.iter().enumerate() {
        if mask & (1 << c) == 0 {
            continue;
        }
        let v = if c == 3 && !alpha { 0xff } else { rgba[c] };
        if let Some(b) = px.get_mut(pos) {
            *b = v;
        }
    }
}

/// A clear colour (`union pipe_color_union` as four raw dwords: floats for normalised and
/// float formats) packed as one texel of format `id`; `None` for formats not handled.
pub fn pack_color(id: u32, color: [u32; 4]) -> Option<Vec<u8>> {
    let f = color.map(|c| f32::from_bits(c) as f64);
    let u8c = |i: usize| unorm(f[i], 8) as u8;
    if let Some(order) = rgba8_order(id) {
        let mut px = vec![0u8; 4];
        rgba8_encode(order, [u8c(0), u8c(1), u8c(2), u8c(3)], 0xf, &mut px);
        return Some(px);
    }
    let half = |i: usize| f32_to_f16(f32::from_bits(color[i])).to_le_bytes();
    let one_half = f32_to_f16(1.0).to_le_bytes();
    let word = |v: u32| v.to_le_bytes().to_vec();
    let hword = |v: u32| (v as u16).to_le_bytes().to_vec();
    Some(match id {
        format::R8_UNORM => vec![u8c(0)],
        format::R8G8_UNORM => vec![u8c(0), u8c(1)],
        format::B5G6R5_UNORM => hword(unorm(f[2], 5) | unorm(f[1], 6) << 5 | unorm(f[0], 5) << 11),
        ids::R5G6B5_UNORM => hword(unorm(f[0], 5) | unorm(f[1], 6) << 5 | unorm(f[2], 5) << 11),
        format::R10G10B10A2_UNORM => word(
            unorm(f[0], 10) | unorm(f[1], 10) << 10 | unorm(f[2], 10) << 20 | unorm(f[3], 2) << 30,
        ),
        format::B10G10R10A2_UNORM => word(
            unorm(f[2], 10) | unorm(f[1], 10) << 10 | unorm(f[0], 10) << 20 | unorm(f[3], 2) << 30,
        ),
        ids::R16_FLOAT => half(0).to_vec(),
        ids::R16G16_FLOAT => [half(0), half(1)].concat(),
        ids::R16G16B16_FLOAT => [half(0), half(1), half(2)].concat(),
        format::R16G16B16A16_FLOAT => [half(0), half(1), half(2), half(3)].concat(),
        ids::R16G16B16X16_FLOAT => [half(0), half(1), half(2), one_half].concat(),
        ids::R32_FLOAT => word(color[0]),
        ids::R32G32_FLOAT => [word(color[0]), word(color[1])].concat(),
        ids::R32G32B32_FLOAT => [word(color[0]), word(color[1]), word(color[2])].concat(),
        format::R32G32B32A32_FLOAT => color.iter().flat_map(|c| c.to_le_bytes()).collect(),
        ids::R32G32B32X32_FLOAT => {
            [word(color[0]), word(color[1]), word(color[2]), word(1f32.to_bits())].concat()
        }
        _ => return None,
    })
}

/// Which components a depth/stencil format holds: `(depth, stencil)`; `None` for formats
/// [`write_depth_stencil`] does not handle.
pub fn depth_stencil_parts(id: u32) -> Option<(bool, bool)> {
    Some(match id {
        format::Z16_UNORM | format::Z32_FLOAT | ids::Z24X8_UNORM | ids::X8Z24_UNORM => {
            (true, false)
        }
        format::Z24_UNORM_S8_UINT | format::S8_UINT_Z24_UNORM | format::Z32_FLOAT_S8X24_UINT => {
            (true, true)
        }
        format::S8_UINT => (false, true),
        _ => return None,
    })
}

/// The depth (unsigned normalised formats as a value in `[0, 1]`, float depth as stored)
/// and the stencil of one texel of format `id`, each `None` where the format has none;
/// `None` for formats [`write_depth_stencil`] does not handle or a texel of the wrong size.
pub fn read_depth_stencil(id: u32, px: &[u8]) -> Option<(Option<f64>, Option<u8>)> {
    let rd32 = |px: &[u8]| px.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let f32_at = |px: &[u8]| rd32(px).map(|v| f64::from(f32::from_bits(v)));
    Some(match id {
        format::Z16_UNORM if px.len() == 2 => {
            (Some(f64::from(u16::from_le_bytes([px[0], px[1]])) / 65535.0), None)
        }
        format::Z32_FLOAT if px.len() == 4 => (f32_at(px), None),
        format::S8_UINT if px.len() == 1 => (None, Some(px[0])),
        format::Z24_UNORM_S8_UINT
        | format::S8_UINT_Z24_UNORM
        | ids::Z24X8_UNORM
        | ids::X8Z24_UNORM
            if px.len() == 4 =>
        {
            let v = rd32(px)?;
            let (zs, ss) = match id {
                format::Z24_UNORM_S8_UINT | ids::Z24X8_UNORM => (0, 24),
                _ => (8, 0),
            };
            let z = f64::from((v >> zs) & 0xff_ffff) / f64::from(0xff_ffffu32);
            let s = (depth_stencil_parts(id) == Some((true, true))).then_some((v >> ss) as u8);
            (Some(z), s)
        }
        format::Z32_FLOAT_S8X24_UINT if px.len() == 8 => (f32_at(px), Some(px[4])),
        _ => return None,
    })
}

/// Overwrites the depth (when `depth` is given) and the stencil (when `stencil` is given)
/// of one texel of format `id`, keeping the other component. Returns false for formats not
/// handled or a texel of the wrong size.
pub fn write_depth_stencil(
    id: u32,
    px: &mut [u8],
    depth: Option<f64>,
    stencil: Option<u8>,
) -> bool {
    let rd32 = |px: &[u8]| px.get(..4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    match id {
        format::Z16_UNORM if px.len() == 2 => {
            if let Some(d) = depth {
                px.copy_from_slice(&(unorm(d, 16) as u16).to_le_bytes());
            }
        }
        format::Z32_FLOAT if px.len() == 4 => {
            if let Some(d) = depth {
                px.copy_from_slice(&(d as f32).to_bits().to_le_bytes());
            }
        }
        format::S8_UINT if px.len() == 1 => {
            if let Some(s) = stencil {
                px[0] = s;
            }
        }
        format::Z24_UNORM_S8_UINT
        | format::S8_UINT_Z24_UNORM
        | ids::Z24X8_UNORM
        | ids::X8Z24_UNORM
            if px.len() == 4 =>
        {
            let Some(mut v) = rd32(px) else { return false };
            // (bit offset of Z, bit offset of S)
            let (zs, ss) = match id {
                format::Z24_UNORM_S8_UINT | ids::Z24X8_UNORM => (0, 24),
                _ => (8, 0),
            };
            if let Some(d) = depth {
                v = (v & !(0xff_ffff << zs)) | unorm(d, 24) << zs;
            }
            if let (Some(s), true) = (stencil, depth_stencil_parts(id) == Some((true, true))) {
                v = (v & !(0xff << ss)) | (s as u32) << ss;
            }
            px.copy_from_slice(&v.to_le_bytes());
        }
        format::Z32_FLOAT_S8X24_UINT if px.len() == 8 => {
            if let Some(d) = depth {
                px[..4].copy_from_slice(&(d as f32).to_bits().to_le_bytes());
            }
            if let Some(s) = stencil {
                px[4] = s;
            }
        }
        _ => return false,
    }
    true
}

/// Nearest-neighbour source coordinate for destination index `i` (of `dn`) when the source
/// span starts at `s0` and is `sn` long (negative: mirrored). Samples at the destination
/// texel's centre: `floor(s0 + (i + ½) · sn / dn)`. `dn` must be > 0. The result lies in
/// `[min(s0, s0+sn), max(s0, s0+sn))` whenever `sn ≠ 0`.
pub fn nearest(i: u32, s0: i64, sn: i64, dn: u32) -> i64 {
    let dn = dn as i64;
    let num = s0 * 2 * dn + (2 * i as i64 + 1) * sn;
    num.div_euclid(2 * dn)
}

/// Linear filtering along one axis: the two source coordinates and the weight of the
/// second for destination index `i` (of `dn`) when the source span starts at `s0` and is
/// `sn` long (negative: mirrored). The sample lies at `s0 + (i + ½) · sn / dn` and weighs
/// the texels whose centres surround it; both coordinates are clamped to the span (as GL
/// clamps to an edge), so they lie in `[min(s0, s0+sn), max(s0, s0+sn))` whenever `sn ≠ 0`.
/// `dn` must be > 0. The weight is in `[0, 1)`.
pub fn linear_pair(i: u32, s0: i64, sn: i64, dn: u32) -> (i64, i64, f32) {
    let (s0, sn, dn) = (i128::from(s0), i128::from(sn), i128::from(dn.max(1)));
    let (lo, hi) = (s0.min(s0 + sn), (s0.max(s0 + sn) - 1).max(s0.min(s0 + sn)));
    // The sample minus ½ in units of 1 / (2·dn): (2·s0·dn + (2i + 1)·sn − dn) / (2·dn)
    // (in i128: no guest value overflows it).
    let num = s0 * 2 * dn + (2 * i128::from(i) + 1) * sn - dn;
    let den = 2 * dn;
    let first = num.div_euclid(den);
    let t = (num.rem_euclid(den) as f64 / den as f64) as f32;
    let at = |v: i128| v.clamp(lo, hi) as i64;
    (at(first), at(first + 1), t.min(0.999_999_9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_pairs() {
        // Two layers into one (a 3-D mipmap level): both, half each.
        assert_eq!(linear_pair(0, 0, 2, 1), (0, 1, 0.5));
        // Four into two: layers 0/1 and 2/3.
        assert_eq!(linear_pair(0, 0, 4, 2), (0, 1, 0.5));
        assert_eq!(linear_pair(1, 0, 4, 2), (2, 3, 0.5));
        // Same size: each texel itself (weight 0 on the next one).
        assert_eq!(linear_pair(3, 5, 4, 4), (8, 8, 0.0));
        assert_eq!(linear_pair(1, 5, 4, 4), (6, 7, 0.0));
        // Magnified: clamped at the edges, in between inside.
        assert_eq!(linear_pair(0, 0, 2, 4), (0, 0, 0.75));
        assert_eq!(linear_pair(1, 0, 2, 4), (0, 1, 0.25));
        assert_eq!(linear_pair(3, 0, 2, 4), (1, 1, 0.25));
        // Mirrored: the span runs from 4 down to 2 (texels 2 and 3).
        assert_eq!(linear_pair(0, 4, -2, 1), (2, 3, 0.5));
        // Hostile values stay in the span.
        let (a, b, t) = linear_pair(u32::MAX, -(1 << 30), 1 << 31, 1);
        assert!(a >= -(1 << 30) && b < (1 << 30) && (0.0..1.0).contains(&t));
    }

    #[test]
    fn half_floats() {
        assert_eq!(f32_to_f16(0.0), 0);
        assert_eq!(f32_to_f16(-0.0), 0x8000);
        assert_eq!(f32_to_f16(1.0), 0x3c00);
        assert_eq!(f32_to_f16(0.5), 0x3800);
        assert_eq!(f32_to_f16(-2.0), 0xc000);
        assert_eq!(f32_to_f16(65504.0), 0x7bff);
        assert_eq!(f32_to_f16(1.0e6), 0x7c00);
        assert_eq!(f32_to_f16(f32::INFINITY), 0x7c00);
        assert_eq!(f32_to_f16(f32::NAN) & 0x7c00, 0x7c00);
        assert_ne!(f32_to_f16(f32::NAN) & 0x3ff, 0);
        // Smallest subnormal half, and rounding to it.
        assert_eq!(f32_to_f16(5.960_464_5e-8), 1);
        assert_eq!(f32_to_f16(1.0e-9), 0);
        // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: rounds to even (1).
        assert_eq!(f32_to_f16(1.0 + 1.0 / 2048.0), 0x3c00);
        assert_eq!(f32_to_f16(1.0 + 3.0 / 2048.0), 0x3c02);
    }

    #[test]
    fn unorm_rounding() {
        assert_eq!(unorm(0.5, 8), 128);
        assert_eq!(unorm(1.5, 8), 255);
        assert_eq!(unorm(-1.0, 8), 0);
        assert_eq!(unorm(f64::NAN, 8), 0);
        assert_eq!(unorm(1.0, 24), 0xff_ffff);
    }

    #[test]
    fn colors() {
        let c = [1.0f32, 0.0, 0.5, 1.0].map(f32::to_bits);
        assert_eq!(pack_color(format::R8G8B8A8_UNORM, c).unwrap(), [255, 0, 128, 255]);
        assert_eq!(pack_color(format::B8G8R8A8_UNORM, c).unwrap(), [128, 0, 255, 255]);
        assert_eq!(pack_color(format::A8R8G8B8_UNORM, c).unwrap(), [255, 255, 0, 128]);
        assert_eq!(pack_color(format::B5G6R5_UNORM, c).unwrap(), 0xf810u16.to_le_bytes());
        assert_eq!(pack_color(ids::R16_FLOAT, c).unwrap(), 0x3c00u16.to_le_bytes());
        assert_eq!(
            pack_color(format::R10G10B10A2_UNORM, c).unwrap(),
            (0x3ffu32 | 512 << 20 | 3 << 30).to_le_bytes()
        );
        assert!(pack_color(format::DXT1_RGB, c).is_none());
    }

    #[test]
    fn depth_stencil() {
        let mut px = [0u8; 4];
        assert!(write_depth_stencil(format::S8_UINT_Z24_UNORM, &mut px, Some(1.0), Some(7)));
        assert_eq!(u32::from_le_bytes(px), 0xffff_ff07);
        assert!(write_depth_stencil(format::S8_UINT_Z24_UNORM, &mut px, None, Some(9)));
        assert_eq!(u32::from_le_bytes(px), 0xffff_ff09);
        assert!(write_depth_stencil(format::Z24_UNORM_S8_UINT, &mut px, Some(0.0), None));
        assert_eq!(u32::from_le_bytes(px), 0xff00_0000);
        assert!(!write_depth_stencil(format::R8_UNORM, &mut px[..1], Some(0.0), None));
        // Reads: Z24 in either position, Z16, float depth, stencil where there is one.
        let p = 0x8000_0003u32.to_le_bytes();
        let (z, s) = read_depth_stencil(format::Z24_UNORM_S8_UINT, &p).unwrap();
        assert_eq!((z, s), (Some(3.0 / 16777215.0), Some(0x80)));
        let (z, s) = read_depth_stencil(format::S8_UINT_Z24_UNORM, &p).unwrap();
        assert_eq!((z, s), (Some(f64::from(0x80_0000u32) / 16777215.0), Some(3)));
        assert_eq!(read_depth_stencil(22, &p).unwrap().1, None, "X8Z24's X is no stencil");
        assert_eq!(read_depth_stencil(format::Z16_UNORM, &[0xff, 0xff]), Some((Some(1.0), None)));
        let half = 0.5f32.to_bits().to_le_bytes();
        assert_eq!(read_depth_stencil(format::Z32_FLOAT, &half), Some((Some(0.5), None)));
        assert_eq!(read_depth_stencil(format::S8_UINT, &[5]), Some((None, Some(5))));
        assert_eq!(read_depth_stencil(format::Z16_UNORM, &p), None, "wrong texel size");
        // Z24 → Z16 → Z24 through the value: rounded to the nearest 16-bit step.
        let mut z16 = [0u8; 2];
        let (z, _) = read_depth_stencil(format::S8_UINT_Z24_UNORM, &p).unwrap();
        assert!(write_depth_stencil(format::Z16_UNORM, &mut z16, z, None));
        assert_eq!(u16::from_le_bytes(z16), 0x8000);
    }

    #[test]
    fn nearest_mapping() {
        // Same size: identity; mirrored: reversed.
        assert_eq!((0..4).map(|i| nearest(i, 2, 4, 4)).collect::<Vec<_>>(), [2, 3, 4, 5]);
        assert_eq!((0..4).map(|i| nearest(i, 4, -4, 4)).collect::<Vec<_>>(), [3, 2, 1, 0]);
        // 2x magnification and minification.
        assert_eq!((0..4).map(|i| nearest(i, 0, 2, 4)).collect::<Vec<_>>(), [0, 0, 1, 1]);
        assert_eq!((0..2).map(|i| nearest(i, 0, 4, 2)).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn rgba8_round_trip() {
        let bgrx = rgba8_order(format::B8G8R8X8_UNORM).unwrap();
        let rgba = rgba8_order(format::R8G8B8A8_UNORM).unwrap();
        let c = rgba8_decode(bgrx, &[1, 2, 3, 4]);
        assert_eq!(c, [3, 2, 1, 255]);
        let mut out = [0u8; 4];
        rgba8_encode(rgba, c, 0xf, &mut out);
        assert_eq!(out, [3, 2, 1, 255]);
        rgba8_encode(rgba, [9, 9, 9, 9], 0x2, &mut out);
        assert_eq!(out, [3, 9, 1, 255]);
    }
}
