//! BLIT on GL: glBlitFramebuffer between GL textures (scaled, mirrored, scissored;
//! converting between colour storages whose stored channels line up; sRGB decode/encode;
//! depth/stencil of one storage), per layer, with
//! the two-step multisample resolves and upsamples of `backend::gl::msaa_blit`. What it
//! cannot do it leaves to the CPU path of `blit.rs`.

use super::draw::{attachment, gl_fail, out_kind};
use super::query::own_queries;
use super::{fail, CmdResult};
use crate::backend::Storage;
use crate::model::format::{self, Kind};
use crate::model::resource::Target;
use crate::renderer::context::ERROR_CTX_ILLEGAL_CMD_BUFFER;
use crate::renderer::objects::Surface;
use crate::renderer::{IdMap, Renderer, Resource};

/// BLIT on GL (glBlitFramebuffer: scaling with nearest or linear filtering, mirroring,
/// scissor, conversion between fixed-point and float colour storage) when both sides are
/// GL textures viewed in formats of their storage and glBlitFramebuffer's stored-channel
/// copy gives each destination channel the source's value of it
/// ([`format::gl_blit_keeps_channels`]); `None` leaves the blit to the CPU path.
pub(super) fn blit_gl(
    r: &mut Renderer,
    ctx_id: u32,
    b: &crate::model::protocol::Blit,
) -> Option<CmdResult> {
    use crate::model::resource::flags;
    let (sres, dres) = (r.resources.get(&b.src.res_handle)?, r.resources.get(&b.dst.res_handle)?);
    let (sd, dd) = (sres.desc, dres.desc);
    if !matches!(sres.storage, Storage::Gl(_)) || !matches!(dres.storage, Storage::Gl(_)) {
        return None;
    }
    let (sf, df) = (sd.format, dd.format);
    let y0top = (sd.flags | dd.flags) & flags::Y_0_TOP != 0;
    if y0top || sd.target == Target::Buffer || dd.target == Target::Buffer {
        return None;
    }
    // The guest may view sRGB storage linearly (or the other way round): its BLIT formats
    // say whether the blit decodes the source and encodes into the destination.
    let (sv, dv) = (format::lookup(b.src.format)?, format::lookup(b.dst.format)?);
    if !view_of(sv, sf) || !view_of(dv, df) || sf.is_compressed() || df.is_compressed() {
        return None;
    }
    let mask = u32::from(b.mask);
    let gl_mask = match (sf.kind, df.kind) {
        (Kind::Color, Kind::Color) if mask & 0xf == 0xf => {
            let int = |f: &crate::model::format::FormatInfo| out_kind(f.id);
            let swz = |f: &crate::model::format::FormatInfo| f.gl.and_then(|g| g.swizzle);
            // Storage of one swizzle holds the channels alike; between different ones
            // (an X destination, alpha/luminance storage) only where the stored channels
            // line up (`gl_blit_keeps_channels`); the rest goes to the CPU path.
            // The views say which channels the guest means (an R8_UNORM view of L8_UNORM
            // storage: glCopyTexImage into GL_LUMINANCE writes red into the stored R8).
            let lined_up = swz(sv) == swz(dv) || format::gl_blit_keeps_channels(sv, dv);
            if int(sf) != int(df) || !lined_up {
                return None;
            }
            // GL_FRAMEBUFFER_SRGB on decodes sRGB sources and encodes sRGB destinations, off
            // does neither: the views must ask for one of the two.
            let (decode, encode) = (sv.is_srgb(), dv.is_srgb());
            let all = (decode, encode) == (sf.is_srgb(), df.is_srgb());
            if !all && (decode || encode) {
                return None;
            }
            glow::COLOR_BUFFER_BIT
        }
        (Kind::Color, _) | (_, Kind::Color) => return None,
        // Depth/stencil: GL blits between the same stored format (glCopyTexImage of a
        // S8_UINT_Z24_UNORM depth buffer into an X8Z24_UNORM texture: both DEPTH24_STENCIL8);
        // stencil only when both sides have it (X8Z24's stored stencil is padding).
        _ if same_gl_storage(sf, df) && mask & 0xf == 0 && mask & 0x30 != 0 => {
            let stencil = |f: &crate::model::format::FormatInfo| {
                matches!(f.kind, Kind::Stencil | Kind::DepthStencil)
            };
            let depth = |f: &crate::model::format::FormatInfo| {
                matches!(f.kind, Kind::Depth | Kind::DepthStencil)
            };
            let mut m = 0;
            if mask & 0x10 != 0 && depth(sf) && depth(df) {
                m |= glow::DEPTH_BUFFER_BIT;
            }
            if mask & 0x20 != 0 && stencil(sf) && stencil(df) {
                m |= glow::STENCIL_BUFFER_BIT;
            }
            if m == 0 {
                return None;
            }
            m
        }
        _ => return None,
    };
    let (sb, db) = (b.src.bx, b.dst.bx);
    if sb.d != db.d || (sb.d as i32) < 1 {
        return None;
    }
    // Mesa's virgl driver sends scaled blits whose boxes reach past a level (piglit
    // fbo-attachments-blit-scaled-linear: 270 rows of a 258-row level); glBlitFramebuffer
    // clips them to both framebuffers, as upstream relies on. Coordinates stay within
    // ±2^24 so the driver's clipping arithmetic is never near overflow.
    const LIMIT: i64 = 1 << 24;
    let ok = |v: u32, n: u32| {
        let (v, n) = (i64::from(v as i32), i64::from(n as i32));
        v.abs() <= LIMIT && (v + n).abs() <= LIMIT
    };
    if !(ok(sb.x, sb.w) && ok(sb.y, sb.h) && ok(db.x, db.w) && ok(db.y, db.h)) {
        return Some(Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "blit box coordinates out of range")));
    }
    let rect = |x: u32, y: u32, w: u32, h: u32| -> Option<[i32; 4]> {
        let (x, y) = (x as i32, y as i32);
        Some([x, y, x.checked_add(w as i32)?, y.checked_add(h as i32)?])
    };
    let (Some(src_rect), Some(dst_rect)) =
        (rect(sb.x, sb.y, sb.w, sb.h), rect(db.x, db.y, db.w, db.h))
    else {
        return None;
    };
    Some(blit_gl_layers(r, ctx_id, b, gl_mask, src_rect, dst_rect))
}

/// Whether the guest's blit format `v` reads the storage of resource format `f` as its
/// own: `f`, its sRGB / linear twin, or another colour format of the same GL storage (an
/// R8_UNORM view of L8_UNORM, both stored as R8, which only the swizzle tells apart).
fn view_of(v: &crate::model::format::FormatInfo, f: &crate::model::format::FormatInfo) -> bool {
    let same_storage = matches!((v.gl, f.gl), (Some(a), Some(b))
        if (a.internal, a.format, a.ty) == (b.internal, b.format, b.ty));
    v.srgb_twin(f) || (v.kind == Kind::Color && f.kind == Kind::Color && same_storage)
}

/// Whether two formats have GL storage of one internal format (depth/stencil blits).
fn same_gl_storage(
    a: &crate::model::format::FormatInfo,
    b: &crate::model::format::FormatInfo,
) -> bool {
    a.id == b.id || matches!((a.gl, b.gl), (Some(x), Some(y)) if x.internal == y.internal)
}

fn blit_gl_layers(
    r: &mut Renderer,
    ctx_id: u32,
    b: &crate::model::protocol::Blit,
    gl_mask: u32,
    src_rect: [i32; 4],
    dst_rect: [i32; 4],
) -> CmdResult {
    own_queries(r, ctx_id)?;
    let scissor = b.scissor_enable.then(|| {
        let s = b.scissor;
        [
            i32::from(s.minx),
            i32::from(s.miny),
            i32::from(s.maxx.saturating_sub(s.minx)),
            i32::from(s.maxy.saturating_sub(s.miny)),
        ]
    });
    let linear = b.filter == 1;
    let Renderer { backend, resources, .. } = &mut *r;
    let gl = backend.gl_mut().expect("callers check for GL");
    for i in 0..b.src.bx.d.min(2048) {
        let surf = |side: &crate::model::protocol::BlitSide| Surface {
            res: side.res_handle,
            format: side.format,
            level: side.level,
            first_layer: side.bx.z.wrapping_add(i),
            last_layer: side.bx.z.wrapping_add(i),
        };
        let src = attachment(gl, resources, &surf(&b.src))?.0;
        let dst = attachment(gl, resources, &surf(&b.dst))?.0;
        let up = super::blit::upsample_through(resources, b);
        match (resolve_through(resources, b, src_rect != dst_rect), up) {
            (Some((internal, size)), _) => gl.blit_resolving(
                src, dst, internal, size, src_rect, dst_rect, gl_mask, linear, scissor,
            ),
            (None, Some((internal, size))) => gl.blit_upsampling(
                src, dst, internal, size, src_rect, dst_rect, gl_mask, linear, scissor,
            ),
            (None, None) => {
                gl.blit_textures(src, dst, src_rect, dst_rect, gl_mask, linear, scissor)
            }
        }
        .map_err(gl_fail)?;
    }
    Ok(())
}

/// For a resolve glBlitFramebuffer refuses in one step (into another rectangle or format):
/// the source's GL internal format and level size, for a temporary resolve texture. The
/// source level is valid (its attachment was made).
fn resolve_through(
    resources: &IdMap<Resource>,
    b: &crate::model::protocol::Blit,
    moved: bool,
) -> Option<(u32, (u32, u32))> {
    let (sd, dd) = (resources.get(&b.src.res_handle)?.desc, resources.get(&b.dst.res_handle)?.desc);
    let converts = sd.format.id != dd.format.id || b.src.format != b.dst.format;
    if sd.nr_samples <= 1 || dd.nr_samples > 1 || !(moved || converts) {
        return None;
    }
    let (w, h, _) = crate::model::transfer::level_extent(&sd, b.src.level);
    Some((sd.format.gl?.internal, (w, h)))
}
