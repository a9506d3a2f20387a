//! BLIT on GL: glBlitFramebuffer between GL textures (scaled, mirrored, scissored;
//! converting between colour storages whose stored channels line up; sRGB decode/encode;
//! depth/stencil of one storage), per layer, with
//! the two-step multisample resolves and upsamples of `backend::gl::msaa_blit`. What it
//! cannot do it leaves to the CPU path of `blit.rs`.

use super::draw::{attachment, gl_fail, out_kind};
use super::query::own_queries;
use super::{fail, CmdResult};
use crate::backend::Storage;
use crate::model::format::{self, FormatInfo, Kind};
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
    if !view_of(sv, sf) || !view_of(dv, df) || df.is_compressed() {
        return None;
    }
    if sf.is_compressed() {
        let (sb, db) = (b.src.bx, b.dst.bx);
        // The destination is GL-renderable storage, or storage the host's render probe
        // rendered to (R8_SNORM for RGTC1_SNORM's levels).
        let dst_renders = dv.renderable() || r.backend.limits().render_extra.contains(dv.id);
        let decompressing = dst_renders && decompressing_blit(b, sv, dv, &sd, &dd) && sb.d == db.d;
        if !decompressing || !box_in_range(b) {
            return None;
        }
        let rects = (rect(sb.x, sb.y, sb.w, sb.h)?, rect(db.x, db.y, db.w, db.h)?);
        let (w, h, _) = crate::model::transfer::level_extent(&sd, b.src.level);
        let how = Through::Decompressed((w, h));
        return Some(blit_gl_layers(r, ctx_id, b, glow::COLOR_BUFFER_BIT, rects.0, rects.1, how));
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
        // Stencil alone between formats of different storage (S8_UINT and S8_UINT_Z24_UNORM
        // multisample buffers: every stencil has 8 bits) where the host's glBlitFramebuffer
        // does it (probed).
        _ if mask & 0xf == 0 && mask & 0x30 == 0x20 && stencil_across(r, sf, df) => {
            glow::STENCIL_BUFFER_BIT
        }
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
            // A scaled depth blit with linear filtering (glGenerateMipmap of a depth
            // texture): glBlitFramebuffer only copies the nearest depth, the CPU path
            // filters it (where it reads and writes both formats).
            let (sb, db) = (b.src.bx, b.dst.bx);
            let scaled = (sb.w, sb.h, sb.d) != (db.w, db.h, db.d);
            let cpu_filters = crate::model::pixel::depth_stencil_parts(sf.id).is_some()
                && crate::model::pixel::depth_stencil_parts(df.id).is_some();
            if m & glow::DEPTH_BUFFER_BIT != 0 && b.filter == 1 && scaled && cpu_filters {
                return None;
            }
            m
        }
        _ => return None,
    };
    let (sb, db) = (b.src.bx, b.dst.bx);
    // Between 3-D boxes of different depths (glGenerateMipmap of a 3-D texture), colour:
    // layer by layer, filtering across the source layers when the blit is linear.
    let float = out_kind(df.id) == crate::backend::gl::draw::OutKind::Float;
    let across = sb.d != db.d
        && gl_mask == glow::COLOR_BUFFER_BIT
        && float
        && sd.target == Target::Tex3D
        && sd.nr_samples <= 1
        && dd.nr_samples <= 1;
    if across && box_in_range(b) {
        let (Some(src_rect), Some(dst_rect)) =
            (rect(sb.x, sb.y, sb.w, sb.h), rect(db.x, db.y, db.w, db.h))
        else {
            return None;
        };
        return Some(blit_gl_across_layers(r, ctx_id, b, src_rect, dst_rect));
    }
    if sb.d != db.d || (sb.d as i32) < 1 {
        return None;
    }
    if !box_in_range(b) {
        return Some(Err(fail(ERROR_CTX_ILLEGAL_CMD_BUFFER, "blit box coordinates out of range")));
    }
    let (Some(src_rect), Some(dst_rect)) =
        (rect(sb.x, sb.y, sb.w, sb.h), rect(db.x, db.y, db.w, db.h))
    else {
        return None;
    };
    Some(blit_gl_layers(r, ctx_id, b, gl_mask, src_rect, dst_rect, Through::Direct))
}

/// Whether the box coordinates stay within ±2^24. Mesa's virgl driver sends scaled blits
/// whose boxes reach past a level (piglit fbo-attachments-blit-scaled-linear: 270 rows of a
/// 258-row level); glBlitFramebuffer clips them to both framebuffers, as upstream relies
/// on. The bound keeps the driver's clipping arithmetic far from overflow.
fn box_in_range(b: &crate::model::protocol::Blit) -> bool {
    const LIMIT: i64 = 1 << 24;
    let ok = |v: u32, n: u32| {
        let (v, n) = (i64::from(v as i32), i64::from(n as i32));
        v.abs() <= LIMIT && (v + n).abs() <= LIMIT
    };
    let (sb, db) = (b.src.bx, b.dst.bx);
    ok(sb.x, sb.w) && ok(sb.y, sb.h) && ok(db.x, db.w) && ok(db.y, db.h)
}

/// A box's rectangle as (x0, y0, x1, y1) (a negative size mirrors).
fn rect(x: u32, y: u32, w: u32, h: u32) -> Option<[i32; 4]> {
    let (x, y) = (x as i32, y as i32);
    Some([x, y, x.checked_add(w as i32)?, y.checked_add(h as i32)?])
}

/// Whether a BLIT from compressed storage (viewed as `sv`) into `dv` is one
/// [`crate::backend::gl::GlBackend::blit_decompressing`] does: every colour channel, both
/// sides single-sampled 2-D images (2-D, cube, array or 3-D textures), no sRGB view or
/// destination (sRGB source storage viewed linearly is copied as encoded), a destination of uncompressed, non-integer colour storage, and the decoded image
/// (the stored channels as RGBA32F, no swizzle) giving each stored destination channel the
/// source's value of the channel gallium packs into it ([`format::stored_channels_pack`]:
/// into L8, the red of an RGTC1 or LATC1 source). Whether GL renders to the destination's
/// storage is the caller's to check.
fn decompressing_blit(
    b: &crate::model::protocol::Blit,
    sv: &FormatInfo,
    dv: &FormatInfo,
    sd: &crate::model::resource::ResourceDesc,
    dd: &crate::model::resource::ResourceDesc,
) -> bool {
    let image = |t: Target| {
        matches!(
            t,
            Target::Tex2D | Target::Tex2DArray | Target::Cube | Target::CubeArray | Target::Tex3D
        )
    };
    let Some(g) = sv.gl else {
        return false;
    };
    // GL decodes storage without alpha (DXT1 RGB, RGTC, BPTC float, ETC2 RGB, EAC) with an
    // alpha of one: a view's constant-one alpha is then the decoded image's own.
    let no_alpha = matches!(
        g.internal,
        glow::COMPRESSED_RGB_S3TC_DXT1_EXT
            | glow::COMPRESSED_RED_RGTC1
            | glow::COMPRESSED_SIGNED_RED_RGTC1
            | glow::COMPRESSED_RG_RGTC2
            | glow::COMPRESSED_SIGNED_RG_RGTC2
            | glow::COMPRESSED_RGB_BPTC_SIGNED_FLOAT
            | glow::COMPRESSED_RGB_BPTC_UNSIGNED_FLOAT
            | glow::COMPRESSED_RGB8_ETC2
            | glow::COMPRESSED_R11_EAC
            | glow::COMPRESSED_SIGNED_R11_EAC
            | glow::COMPRESSED_RG11_EAC
            | glow::COMPRESSED_SIGNED_RG11_EAC
    );
    let swizzle = g.swizzle.map(|mut s| {
        if no_alpha && s[3] == glow::ONE {
            s[3] = glow::ALPHA;
        }
        s
    });
    let decoded = FormatInfo {
        kind: Kind::Color,
        gl: Some(format::GlFormat {
            internal: glow::RGBA32F,
            format: glow::RGBA,
            ty: glow::FLOAT,
            swizzle,
        }),
        ..*sv
    };
    u32::from(b.mask) & 0xf == 0xf
        && sd.nr_samples <= 1
        && dd.nr_samples <= 1
        && image(sd.target)
        && image(dd.target)
        // sRGB storage viewed linearly: the guest copies the encoded values, which is
        // what glGetTextureSubImage returns for sRGB storage (undecoded; measured on
        // llvmpipe). An sRGB view (decoding) or destination is not done here.
        && !(sv.is_srgb() || dv.is_srgb() || dd.format.is_srgb())
        && dv.kind == Kind::Color
        && !(dv.is_sint_color() || dv.is_uint_color())
        && format::stored_channels_pack(&decoded, dv)
}

/// How each layer of a GL BLIT goes.
#[derive(Clone, Copy)]
enum Through {
    /// One glBlitFramebuffer, or two through a temporary texture for the multisample
    /// cases ([`resolve_through`], [`super::blit::upsample_through`]).
    Direct,
    /// From compressed storage whose level is this size, through a decoded copy.
    Decompressed((u32, u32)),
}

/// Whether the guest's blit format `v` reads the storage of resource format `f` as its
/// own: `f`, its sRGB / linear twin, or another colour (or compressed) format of the same
/// GL storage (an R8_UNORM view of L8_UNORM, both stored as R8, which only the swizzle
/// tells apart; an RGTC1_UNORM view of LATC1_UNORM, the same blocks: Mesa reads a
/// compressed luminance texture back that way).
fn view_of(v: &crate::model::format::FormatInfo, f: &crate::model::format::FormatInfo) -> bool {
    let same_storage = matches!((v.gl, f.gl), (Some(a), Some(b))
        if (a.internal, a.format, a.ty) == (b.internal, b.format, b.ty));
    let alike = (v.kind == Kind::Color && f.kind == Kind::Color)
        || (v.kind == Kind::Compressed && f.kind == Kind::Compressed);
    v.srgb_twin(f) || (alike && same_storage) || compressed_srgb_twin(v, f)
}

/// Compressed twins under gallium's names: `DXT1_SRGB` / `DXT1_RGB`, `BPTC_SRGBA` /
/// `BPTC_RGBA_UNORM`, `ETC2_SRGB8` / `ETC2_RGB8` (the linear view of sRGB blocks).
fn compressed_srgb_twin(
    a: &crate::model::format::FormatInfo,
    b: &crate::model::format::FormatInfo,
) -> bool {
    let (srgb, linear) = match (a.is_srgb(), b.is_srgb()) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => return false,
    };
    srgb.kind == Kind::Compressed
        && linear.kind == Kind::Compressed
        && srgb.name.replacen("SRGB", "RGB", 1)
            == linear.name.strip_suffix("_UNORM").unwrap_or(linear.name)
}

/// Whether a stencil-only blit between `a` and `b` goes to glBlitFramebuffer although their
/// storage differs: both have (8-bit) stencil and the host copies it across formats.
fn stencil_across(
    r: &mut Renderer,
    a: &crate::model::format::FormatInfo,
    b: &crate::model::format::FormatInfo,
) -> bool {
    let stencil = |f: &crate::model::format::FormatInfo| {
        matches!(f.kind, Kind::Stencil | Kind::DepthStencil) && f.gl.is_some()
    };
    stencil(a)
        && stencil(b)
        && !same_gl_storage(a, b)
        && r.backend.gl_mut().is_some_and(|g| g.blits_stencil_across_formats())
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
    how: Through,
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
        if let Through::Decompressed(size) = how {
            gl.blit_decompressing(src, size, dst, src_rect, dst_rect, linear, scissor)
                .map_err(gl_fail)?;
            continue;
        }
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

/// A colour BLIT from a 3-D box into a box of another depth: destination layer by layer,
/// from the source layer nearest its centre (nearest filtering: one glBlitFramebuffer), or
/// from the two surrounding it, mixed by distance (linear filtering:
/// `GlBackend::blit_blending_layers`), as a 3-D texture's linear sample would.
fn blit_gl_across_layers(
    r: &mut Renderer,
    ctx_id: u32,
    b: &crate::model::protocol::Blit,
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
    let (sb, db) = (b.src.bx, b.dst.bx);
    let (mut d0, mut dn) = (i64::from(db.z as i32), i64::from(db.d as i32));
    let (mut s0, mut sn) = (i64::from(sb.z as i32), i64::from(sb.d as i32));
    if dn < 0 {
        (d0, dn, s0, sn) = (d0 + dn, -dn, s0 + sn, -sn);
    }
    if dn == 0 || sn == 0 {
        return Ok(());
    }
    let linear = b.filter == 1;
    let Renderer { backend, resources, .. } = &mut *r;
    let gl = backend.gl_mut().expect("callers check for GL");
    let layer = |side: &crate::model::protocol::BlitSide, z: i64| Surface {
        res: side.res_handle,
        format: side.format,
        level: side.level,
        // A layer outside the level (negative ones wrap) fails `attachment`.
        first_layer: z as u32,
        last_layer: z as u32,
    };
    for k in 0..dn.min(2048) as u32 {
        let dst = attachment(gl, resources, &layer(&b.dst, d0 + i64::from(k)))?.0;
        if linear {
            let (z0, z1, t) = crate::model::pixel::linear_pair(k, s0, sn, dn as u32);
            let a = attachment(gl, resources, &layer(&b.src, z0))?.0;
            let c = attachment(gl, resources, &layer(&b.src, z1))?.0;
            gl.blit_blending_layers((a, c), t, dst, src_rect, dst_rect, scissor)
        } else {
            let z = crate::model::pixel::nearest(k, s0, sn, dn as u32);
            let src = attachment(gl, resources, &layer(&b.src, z))?.0;
            gl.blit_textures(src, dst, src_rect, dst_rect, glow::COLOR_BUFFER_BIT, false, scissor)
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
