//! BLIT through host staging: same-format copies with nearest scaling and mirroring, and
//! conversion between the 8-bit UNORM RGBA orders and between depth/stencil formats. Blits
//! with a multisample side go to GL only ([`multisample_refusal`] says which ones it does,
//! [`upsample_through`] which take two steps).

use super::resource::{alloc, desc, raw, read_box, stage, write_box};
use super::{attached, fail, skip, CmdResult};
use crate::model::format::{self, FormatInfo, Kind};
use crate::model::pixel;
use crate::model::protocol::{ccmd, Blit};
use crate::model::resource::{ResourceDesc, Target};
use crate::model::transfer::RawBox;
use crate::renderer::context::{ERROR_CTX_ILLEGAL_CMD_BUFFER, ERROR_CTX_ILLEGAL_SURFACE};
use crate::renderer::Renderer;

/// `PIPE_MASK_*` bits of BLIT.
const MASK_RGBA: u32 = 0xf;
const MASK_Z: u32 = 1 << 4;
const MASK_S: u32 = 1 << 5;

/// How a blit moves texels.
#[derive(Clone, Copy)]
enum BlitMode {
    /// Bytes unchanged.
    Raw,
    /// Through RGBA8 with a channel mask.
    Rgba8 { src: ([usize; 4], bool), dst: ([usize; 4], bool), mask: u32 },
    /// Between depth/stencil formats through the values: the depth (`z`) and / or the
    /// stencil (`s`) of `src` written into `dst`'s texels, keeping the other part.
    Zs { src: u32, dst: u32, z: bool, s: bool },
}

/// One axis of a blit: destination start and (positive) size, source start and signed size.
#[derive(Clone, Copy, Debug)]
struct Axis {
    d0: i64,
    dn: u32,
    s0: i64,
    sn: i64,
}

impl Axis {
    /// Normalises a negative destination size by mirroring the source instead.
    fn new(d0: u32, dn: u32, s0: u32, sn: u32) -> Option<Axis> {
        let (mut d0, mut dn, mut s0, mut sn) =
            (d0 as i32 as i64, dn as i32 as i64, s0 as i32 as i64, sn as i32 as i64);
        if dn < 0 {
            d0 += dn;
            dn = -dn;
            s0 += sn;
            sn = -sn;
        }
        if dn == 0 || sn == 0 {
            return None;
        }
        Some(Axis { d0, dn: dn as u32, s0, sn })
    }
    /// First source index and count the source span covers.
    fn src_range(&self) -> (i64, i64) {
        (self.s0.min(self.s0 + self.sn), self.sn.abs())
    }
    /// Source index, relative to the start of [`Self::src_range`], for destination `i`.
    fn src(&self, i: u32) -> i64 {
        pixel::nearest(i, self.s0, self.sn, self.dn) - self.src_range().0
    }
}

fn blit_mode(
    mask: u32,
    sf: &FormatInfo,
    df: &FormatInfo,
) -> std::result::Result<Option<BlitMode>, ()> {
    if sf.is_compressed() || df.is_compressed() {
        return Err(());
    }
    match (sf.kind, df.kind) {
        (Kind::Color, Kind::Color) => {
            let m = mask & MASK_RGBA;
            if m == 0 {
                return Ok(None);
            }
            if sf.id == df.id && m == MASK_RGBA {
                return Ok(Some(BlitMode::Raw));
            }
            match (pixel::rgba8_order(sf.id), pixel::rgba8_order(df.id)) {
                (Some(src), Some(dst)) => Ok(Some(BlitMode::Rgba8 { src, dst, mask: m })),
                _ => Err(()),
            }
        }
        (Kind::Depth | Kind::Stencil | Kind::DepthStencil, _) if sf.id == df.id => {
            let (z, s) = (
                matches!(sf.kind, Kind::Depth | Kind::DepthStencil),
                matches!(sf.kind, Kind::Stencil | Kind::DepthStencil),
            );
            let (wz, ws) = (mask & MASK_Z != 0 && z, mask & MASK_S != 0 && s);
            match (wz || ws, wz == z && ws == s) {
                (false, _) => Ok(None),
                (true, true) => Ok(Some(BlitMode::Raw)),
                (true, false) => Err(()),
            }
        }
        // Between depth/stencil formats (glCopyTexImage of a Z24S8 depth buffer into a
        // DEPTH16 texture; glBlitFramebuffer refuses different depth formats): the parts
        // both sides have, through their values.
        (Kind::Depth | Kind::Stencil | Kind::DepthStencil, _) => {
            let (Some((sz, ss)), Some((dz, ds))) =
                (pixel::depth_stencil_parts(sf.id), pixel::depth_stencil_parts(df.id))
            else {
                return Err(());
            };
            let (z, s) = (mask & MASK_Z != 0 && sz && dz, mask & MASK_S != 0 && ss && ds);
            Ok((z || s).then_some(BlitMode::Zs { src: sf.id, dst: df.id, z, s }))
        }
        _ => Err(()),
    }
}

/// Why a blit with a multisample side is not executed, or `None` when GL does it: a
/// resolve (multisample source, single-sample destination; one glBlitFramebuffer, or two
/// through a temporary texture when it moves, scales, mirrors or converts); a single-sample
/// source into a multisample destination (GL replicates the source value into every sample;
/// scaled or mirrored ones first go through a temporary texture: [`upsample_through`]); a
/// copy between equal sample counts over rectangles of one size, unmirrored (GL 4.4 converts
/// between formats there; an older host's GL error fails the command). Not done: copies
/// between different sample counts (GL refuses them) and scaled or mirrored copies between
/// multisample resources (they would need a per-sample draw).
fn multisample_refusal(b: &Blit, sd: &ResourceDesc, dd: &ResourceDesc) -> Option<&'static str> {
    let (ss, ds) = (sd.nr_samples.max(1), dd.nr_samples.max(1));
    if ds == 1 || ss == 1 {
        return None;
    }
    if ss != ds {
        return Some("between multisample resources of different sample counts");
    }
    if !same_size_unmirrored(b) {
        return Some("a scaled or mirrored copy between multisample resources");
    }
    None
}

/// Whether the source and destination rectangles have one positive size.
fn same_size_unmirrored(b: &Blit) -> bool {
    let (s, d) = (b.src.bx, b.dst.bx);
    let positive = |v: u32| (v as i32) > 0;
    positive(s.w) && positive(s.h) && (s.w, s.h) == (d.w, d.h)
}

/// For a single-sample source scaled or mirrored into a multisample destination (GL
/// upsamples only between rectangles of one size): the destination's GL internal format
/// and level size, for the temporary texture the blit goes through
/// ([`crate::backend::gl::GlBackend::blit_upsampling`]). `None`: one glBlitFramebuffer, or
/// not an upsample.
pub(super) fn upsample_through(
    resources: &crate::renderer::IdMap<crate::renderer::Resource>,
    b: &Blit,
) -> Option<(u32, (u32, u32))> {
    let (sd, dd) = (resources.get(&b.src.res_handle)?.desc, resources.get(&b.dst.res_handle)?.desc);
    if sd.nr_samples > 1 || dd.nr_samples <= 1 || same_size_unmirrored(b) {
        return None;
    }
    let (w, h, _) = crate::model::transfer::level_extent(&dd, b.dst.level);
    Some((dd.format.gl?.internal, (w, h)))
}

pub(super) fn blit(r: &mut Renderer, ctx_id: u32, b: &Blit) -> CmdResult {
    let mask = u32::from(b.mask);
    let scissor = b.scissor_enable;
    let (dst, src) = (b.dst.res_handle, b.src.res_handle);
    attached(r, ctx_id, dst)?;
    attached(r, ctx_id, src)?;
    let (dd, sd) = (desc(r, dst)?, desc(r, src)?);
    if dd.nr_samples > 1 || sd.nr_samples > 1 {
        let why = multisample_refusal(b, &sd, &dd);
        if why.is_none() && r.backend.gl_mut().is_some() {
            if let Some(done) = super::blit_gl::blit_gl(r, ctx_id, b) {
                return done;
            }
        }
        let why = why.unwrap_or("this multisample blit");
        skip(r, ctx_id, (ccmd::BLIT, 1), &format!("BLIT {why}"));
        return Ok(());
    }
    if r.backend.gl_mut().is_some() {
        if let Some(done) = super::blit_gl::blit_gl(r, ctx_id, b) {
            return done;
        }
    }
    let bad_format = |id: u32| fail(ERROR_CTX_ILLEGAL_SURFACE, format!("blit format {id}"));
    let df = format::lookup(b.dst.format).ok_or_else(|| bad_format(b.dst.format))?;
    let sf = format::lookup(b.src.format).ok_or_else(|| bad_format(b.src.format))?;
    let unsupported = |r: &mut Renderer| {
        skip(
            r,
            ctx_id,
            (ccmd::BLIT, 0),
            &format!("BLIT {} -> {} (mask {mask:#x})", sf.name, df.name),
        )
    };
    if dd.target == Target::Buffer
        || sd.target == Target::Buffer
        || df.block_bytes != dd.format.block_bytes
        || sf.block_bytes != sd.format.block_bytes
    {
        unsupported(r);
        return Ok(());
    }
    // Depth scaled with linear filtering goes through the values, filtered.
    let filtered = b.filter == 1
        && (b.src.bx.w, b.src.bx.h, b.src.bx.d) != (b.dst.bx.w, b.dst.bx.h, b.dst.bx.d);
    let mode = match blit_mode(mask, sf, df) {
        Ok(Some(BlitMode::Raw))
            if filtered
                && mask & MASK_Z != 0
                && matches!(sf.kind, Kind::Depth | Kind::DepthStencil) =>
        {
            let (z, s) = pixel::depth_stencil_parts(sf.id).unwrap_or((false, false));
            if !z {
                unsupported(r);
                return Ok(());
            }
            BlitMode::Zs {
                src: sf.id,
                dst: df.id,
                z: mask & MASK_Z != 0,
                s: s && mask & MASK_S != 0,
            }
        }
        Ok(Some(m)) => m,
        Ok(None) => return Ok(()),
        Err(()) => {
            unsupported(r);
            return Ok(());
        }
    };
    let (db, sb) = (raw(b.dst.bx), raw(b.src.bx));
    let axes = (
        Axis::new(db.x, db.w, sb.x, sb.w),
        Axis::new(db.y, db.h, sb.y, sb.h),
        Axis::new(db.z, db.d, sb.z, sb.d),
    );
    let (Some(ax), Some(ay), Some(az)) = axes else {
        return Ok(());
    };
    let coord = |v: i64| {
        u32::try_from(v)
            .map_err(|_| fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, format!("blit coordinate {v}")))
    };
    let (sx, sw) = ax.src_range();
    let (sy, sh) = ay.src_range();
    let (sz, sdp) = az.src_range();
    let sbox = RawBox {
        x: coord(sx)?,
        y: coord(sy)?,
        z: coord(sz)?,
        w: coord(sw)?,
        h: coord(sh)?,
        d: coord(sdp)?,
    };
    let dbox = RawBox {
        x: coord(ax.d0)?,
        y: coord(ay.d0)?,
        z: coord(az.d0)?,
        w: ax.dn,
        h: ay.dn,
        d: az.dn,
    };
    let ss = stage(r, src, b.src.level, sbox)?;
    let ds = stage(r, dst, b.dst.level, dbox)?;
    let sbuf = read_box(r, src, &ss)?;
    let partial = scissor
        || matches!(mode, BlitMode::Rgba8 { mask, .. } if mask != MASK_RGBA)
        || matches!(mode, BlitMode::Zs { .. });
    let mut dbuf = if partial { read_box(r, dst, &ds)? } else { alloc(ds.len)? };
    let (sbb, dbb) = (sf.block_bytes as usize, df.block_bytes as usize);
    let (srow, slayer) = (sbb * sbox.w as usize, sbb * sbox.w as usize * sbox.h as usize);
    let (drow, dlayer) = (dbb * dbox.w as usize, dbb * dbox.w as usize * dbox.h as usize);
    let sc = b.scissor;
    let inside = |x: i64, y: i64| {
        !scissor
            || (x >= i64::from(sc.minx)
                && x < i64::from(sc.maxx)
                && y >= i64::from(sc.miny)
                && y < i64::from(sc.maxy))
    };
    let src_x: Vec<usize> = (0..ax.dn).map(|i| ax.src(i) as usize).collect();
    // Filtered depth: for each destination index, the two source indices (relative to the
    // staged box) and the weight of the second, per axis.
    let depth_filter = matches!(mode, BlitMode::Zs { z: true, .. }) && filtered;
    let pairs = |a: &Axis| -> Vec<(usize, usize, f64)> {
        let start = a.src_range().0;
        (0..a.dn)
            .map(|i| {
                let (p, q, t) = pixel::linear_pair(i, a.s0, a.sn, a.dn);
                ((p - start) as usize, (q - start) as usize, f64::from(t))
            })
            .collect()
    };
    let (lx, ly, lz) = if depth_filter {
        (pairs(&ax), pairs(&ay), pairs(&az))
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    for k in 0..az.dn {
        let sk = az.src(k) as usize;
        for j in 0..ay.dn {
            let sj = ay.src(j) as usize;
            let (sbase, dbase) = (sk * slayer + sj * srow, k as usize * dlayer + j as usize * drow);
            for (i, &si) in src_x.iter().enumerate() {
                if !inside(ax.d0 + i as i64, ay.d0 + j as i64) {
                    continue;
                }
                let so = sbase + si * sbb;
                let d_o = dbase + i * dbb;
                let (Some(spx), Some(dpx)) = (sbuf.get(so..so + sbb), dbuf.get_mut(d_o..d_o + dbb))
                else {
                    return Err(fail(
                        ERROR_CTX_ILLEGAL_CMD_BUFFER,
                        "blit texel outside its staging box",
                    ));
                };
                match mode {
                    BlitMode::Raw => dpx.copy_from_slice(spx),
                    BlitMode::Rgba8 { src, dst, mask } => {
                        pixel::rgba8_encode(dst, pixel::rgba8_decode(src, spx), mask, dpx)
                    }
                    BlitMode::Zs { src, dst, z, s } => {
                        // Both formats are ones the two functions handle (`blit_mode`), and
                        // the texel sizes are the formats' (checked above).
                        let (mut dz, ds) = pixel::read_depth_stencil(src, spx).unwrap_or_default();
                        if depth_filter {
                            let (x, y, zz) = (lx[i], ly[j as usize], lz[k as usize]);
                            dz = filtered_depth(src, &sbuf, sbb, (srow, slayer), x, y, zz);
                        }
                        let (dz, ds) = (dz.filter(|_| z), ds.filter(|_| s));
                        pixel::write_depth_stencil(dst, dpx, dz, ds);
                    }
                }
            }
        }
    }
    write_box(r, dst, &ds, &mut dbuf)
}

/// The depth of format `src` at a point between source texels, from the staged source box
/// `sbuf` (`bpp` bytes a texel, rows and layers `strides` bytes apart): each axis's two
/// texel indices and the weight of the second ([`pixel::linear_pair`]), mixed trilinearly.
/// `None` where a texel lies outside the box or has no depth.
fn filtered_depth(
    src: u32,
    sbuf: &[u8],
    bpp: usize,
    (row, layer): (usize, usize),
    x: (usize, usize, f64),
    y: (usize, usize, f64),
    z: (usize, usize, f64),
) -> Option<f64> {
    let at = |i: usize, j: usize, k: usize| -> Option<f64> {
        let o = k
            .checked_mul(layer)?
            .checked_add(j.checked_mul(row)?)?
            .checked_add(i.checked_mul(bpp)?)?;
        pixel::read_depth_stencil(src, sbuf.get(o..o.checked_add(bpp)?)?)?.0
    };
    let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
    let plane = |k: usize| -> Option<f64> {
        let r0 = lerp(at(x.0, y.0, k)?, at(x.1, y.0, k)?, x.2);
        let r1 = lerp(at(x.0, y.1, k)?, at(x.1, y.1, k)?, x.2);
        Some(lerp(r0, r1, y.2))
    };
    Some(lerp(plane(z.0)?, plane(z.1)?, z.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes() {
        let a = Axis::new(0, 4, 0, 4).unwrap();
        assert_eq!((0..4).map(|i| a.src(i)).collect::<Vec<_>>(), [0, 1, 2, 3]);
        // Negative source height: mirrored, covering [y + h, y).
        let a = Axis::new(0, 4, 4, (-4i32) as u32).unwrap();
        assert_eq!(a.src_range(), (0, 4));
        assert_eq!((0..4).map(|i| a.src(i)).collect::<Vec<_>>(), [3, 2, 1, 0]);
        // Negative destination size: normalised, source mirrored.
        let a = Axis::new(4, (-4i32) as u32, 0, 4).unwrap();
        assert_eq!((a.d0, a.dn), (0, 4));
        assert_eq!((0..4).map(|i| a.src(i)).collect::<Vec<_>>(), [3, 2, 1, 0]);
        assert!(Axis::new(0, 0, 0, 4).is_none());
        // 2x upscale.
        let a = Axis::new(0, 4, 1, 2).unwrap();
        assert_eq!((0..4).map(|i| a.src(i)).collect::<Vec<_>>(), [0, 0, 1, 1]);
    }

    #[test]
    fn multisample_blits_glblitframebuffer_does() {
        use crate::model::protocol::{BlitSide, BoxRaw};
        let rgba = format::lookup(format::R8G8B8A8_UNORM).unwrap();
        let bgra = format::lookup(format::B8G8R8A8_UNORM).unwrap();
        let res = |format: &'static FormatInfo, nr_samples| ResourceDesc {
            handle: 1,
            target: Target::Tex2D,
            format,
            bind: 2,
            width: 16,
            height: 16,
            depth: 1,
            array_size: 1,
            last_level: 0,
            nr_samples,
            flags: 0,
        };
        let side = |format, x, w: i32| BlitSide {
            res_handle: 1,
            level: 0,
            format,
            bx: BoxRaw { x, y: 0, z: 0, w: w as u32, h: 16, d: 1 },
        };
        let blit = |s, d| Blit { mask: 0xf, src: s, dst: d, ..Blit::default() };
        let f = format::R8G8B8A8_UNORM;
        let same = blit(side(f, 0, 16), side(f, 0, 16));
        let (ms, ss) = (res(rgba, 4), res(rgba, 0));
        // Resolves (also scaled, moved, mirrored, converting) and a 4x → 4x copy of one
        // rectangle: GL's.
        assert_eq!(multisample_refusal(&same, &ms, &ss), None);
        assert_eq!(multisample_refusal(&same, &ms, &ms), None);
        let scaled = blit(side(f, 0, 16), side(f, 0, 8));
        let moved = blit(side(f, 0, 8), side(f, 4, 8));
        let mirrored = blit(side(f, 16, -16), side(f, 16, -16));
        let view = blit(side(f, 0, 16), side(format::B8G8R8A8_UNORM, 0, 16));
        for b in [&scaled, &moved, &mirrored, &view] {
            assert_eq!(multisample_refusal(b, &ms, &ss), None);
        }
        assert_eq!(multisample_refusal(&same, &ms, &res(bgra, 0)), None);
        // Single → multisample (scaled, moved or mirrored too: through a temporary when
        // the sizes differ or it mirrors), and 4x → 4x moved or between formats: GL's.
        for b in [&same, &scaled, &moved, &mirrored, &view] {
            assert_eq!(multisample_refusal(b, &ss, &ms), None);
        }
        assert_eq!(multisample_refusal(&moved, &ms, &ms), None);
        assert_eq!(multisample_refusal(&same, &ms, &res(bgra, 4)), None);
        // 4x → 8x, and scaled or mirrored 4x → 4x copies: refused.
        assert!(multisample_refusal(&same, &ms, &res(rgba, 8)).is_some());
        for b in [&scaled, &mirrored] {
            assert!(multisample_refusal(b, &ms, &ms).is_some());
        }
        assert!(!same_size_unmirrored(&scaled) && !same_size_unmirrored(&mirrored));
        assert!(same_size_unmirrored(&moved) && same_size_unmirrored(&same));
        // An sRGB view (R8G8B8A8_SRGB, 104) of the same storage is the GL path's to check.
        let srgb = blit(side(f, 0, 16), side(104, 0, 16));
        assert_eq!(multisample_refusal(&srgb, &ms, &ms), None);
    }

    #[test]
    fn modes() {
        let l = |id| format::lookup(id).unwrap();
        let rgba = l(format::R8G8B8A8_UNORM);
        let bgra = l(format::B8G8R8A8_UNORM);
        assert!(matches!(blit_mode(0xf, rgba, rgba), Ok(Some(BlitMode::Raw))));
        assert!(matches!(blit_mode(0xf, rgba, bgra), Ok(Some(BlitMode::Rgba8 { .. }))));
        assert!(matches!(blit_mode(0x10, rgba, rgba), Ok(None)));
        assert!(blit_mode(0xf, rgba, l(format::R16G16B16A16_FLOAT)).is_err());
        let zs = l(format::S8_UINT_Z24_UNORM);
        assert!(matches!(blit_mode(0x30, zs, zs), Ok(Some(BlitMode::Raw))));
        assert!(blit_mode(0x10, zs, zs).is_err());
        // Between depth formats: through the values, the parts both sides have.
        let z16 = l(format::Z16_UNORM);
        let zf = l(format::Z32_FLOAT);
        assert!(matches!(
            blit_mode(0x30, zs, z16),
            Ok(Some(BlitMode::Zs { z: true, s: false, .. }))
        ));
        assert!(matches!(blit_mode(0x10, z16, zf), Ok(Some(BlitMode::Zs { z: true, .. }))));
        assert!(matches!(blit_mode(0x20, zs, z16), Ok(None)));
        assert!(blit_mode(0x10, z16, rgba).is_err());
    }
}
