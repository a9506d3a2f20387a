//! VERTEX_ELEMENTS → GL vertex attribute formats (from the format table's names);
//! `PIPE_PRIM_*` → GL draw modes (quads, quad strips and polygons reported for
//! emulation); index sizes → GL index types.

use super::pipe::prim;
use super::{bad, Gap, Gaps, KeyBits};
use crate::error::{Error, Result};
use crate::model::format;
use crate::model::protocol::VertexElement;
use glow as gl;

/// `GL_QUAD_STRIP` (compatibility profile only; glow does not list it).
pub const GL_QUAD_STRIP: u32 = 0x0008;
/// `GL_POLYGON` (compatibility profile only; glow does not list it).
pub const GL_POLYGON: u32 = 0x0009;

/// One vertex attribute: `glVertexAttribPointer(location, size, ty, normalized, stride,
/// offset)` (or `glVertexAttribIPointer` when `integer`), `glVertexAttribDivisor`, and the
/// vertex buffer slot whose stride and offset apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VertexAttribGl {
    /// Byte offset within a vertex of the buffer.
    pub offset: u32,
    /// Instance divisor (0: per vertex).
    pub divisor: u32,
    pub buffer_index: u32,
    /// `GL_FLOAT`, `GL_UNSIGNED_BYTE`, `GL_INT_2_10_10_10_REV`, …
    pub ty: u32,
    /// 1..=4, or `GL_BGRA` for BGRA-ordered formats.
    pub size: i32,
    pub normalized: bool,
    /// A pure-integer attribute (`glVertexAttribIPointer`, `ivec4`/`uvec4` in the shader).
    pub integer: bool,
    /// B, G and R arrive in the components GL names R, G and B: a scaled BGRA 2-10-10-10
    /// format, which GL's `GL_BGRA` size refuses unnormalized, fetched as RGBA; the vertex
    /// shader swaps them back ([`VariantKey::vs_bgra_inputs`]).
    ///
    /// [`VariantKey::vs_bgra_inputs`]: crate::model::shader::VariantKey::vs_bgra_inputs
    pub swap_rb: bool,
    /// [`Gap::FixedVertexAttrib`] or [`Gap::Float11_11_10VertexAttrib`].
    pub gaps: Gaps,
}

/// A VERTEX_ELEMENTS object: attribute `i` is location `i`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VertexElementsGl {
    pub attribs: Vec<VertexAttribGl>,
    /// `vs_int_inputs`: bit i for each integer attribute.
    pub key: KeyBits,
    pub gaps: Gaps,
}

/// How a format's values are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unorm,
    Snorm,
    Uscaled,
    Sscaled,
    Uint,
    Sint,
    Float,
    Fixed,
}

fn kind_of(s: &str) -> Option<Kind> {
    Some(match s {
        "UNORM" => Kind::Unorm,
        "SNORM" => Kind::Snorm,
        "USCALED" => Kind::Uscaled,
        "SSCALED" => Kind::Sscaled,
        "UINT" => Kind::Uint,
        "SINT" => Kind::Sint,
        "FLOAT" => Kind::Float,
        "FIXED" => Kind::Fixed,
        _ => return None,
    })
}

/// The channels of a format name's first part ("R8G8B8A8" → [('R', 8), …]).
fn channels(s: &str) -> Option<Vec<(char, u32)>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !"RGBAX".contains(c) {
            return None;
        }
        let mut bits = String::new();
        while let Some(d) = chars.next_if(|d| d.is_ascii_digit()) {
            bits.push(d);
        }
        out.push((c, bits.parse().ok()?));
    }
    Some(out)
}

/// (type, size, normalized, integer, gap) for a format name GL takes as a vertex attribute.
fn attrib_format(name: &str) -> Option<(u32, i32, bool, bool, Option<Gap>)> {
    let (chans, kind) = name.rsplit_once('_')?;
    let kind = kind_of(kind)?;
    let ch = channels(chans)?;
    let order: String = ch.iter().map(|c| c.0).collect();
    let bits: Vec<u32> = ch.iter().map(|c| c.1).collect();
    let norm = matches!(kind, Kind::Unorm | Kind::Snorm);
    let int = matches!(kind, Kind::Uint | Kind::Sint);
    let unsigned = matches!(kind, Kind::Unorm | Kind::Uscaled | Kind::Uint);
    // Packed formats first.
    match (order.as_str(), bits.as_slice(), kind) {
        ("RGBA", [10, 10, 10, 2], Kind::Unorm | Kind::Snorm | Kind::Uscaled | Kind::Sscaled) => {
            let ty =
                if unsigned { gl::UNSIGNED_INT_2_10_10_10_REV } else { gl::INT_2_10_10_10_REV };
            return Some((ty, 4, norm, false, None));
        }
        // BGRA sizes require normalized data; scaled BGRA is fetched as RGBA (size 4) and
        // swapped in the shader (`swap_rb`).
        ("BGRA", [10, 10, 10, 2], Kind::Unorm | Kind::Snorm | Kind::Uscaled | Kind::Sscaled) => {
            let ty =
                if unsigned { gl::UNSIGNED_INT_2_10_10_10_REV } else { gl::INT_2_10_10_10_REV };
            let size = if norm { gl::BGRA as i32 } else { 4 };
            return Some((ty, size, norm, false, None));
        }
        ("BGRA", [8, 8, 8, 8], Kind::Unorm) => {
            return Some((gl::UNSIGNED_BYTE, gl::BGRA as i32, true, false, None))
        }
        ("RGB", [11, 11, 10], Kind::Float) => {
            let gap = Some(Gap::Float11_11_10VertexAttrib);
            return Some((gl::UNSIGNED_INT_10F_11F_11F_REV, 3, false, false, gap));
        }
        _ => {}
    }
    // Plain R, RG, RGB, RGBA, and RGBX (the X channel unread: size 3), equal widths.
    let size = match order.as_str() {
        "R" | "RG" | "RGB" | "RGBA" => ch.len(),
        "RGBX" => 3,
        _ => return None,
    };
    let b = bits[0];
    if bits.iter().any(|&x| x != b) {
        return None;
    }
    let ty = match (kind, b) {
        (Kind::Float, 16) => gl::HALF_FLOAT,
        (Kind::Float, 32) => gl::FLOAT,
        (Kind::Float, 64) => gl::DOUBLE,
        (Kind::Fixed, 32) => gl::FIXED,
        (Kind::Float | Kind::Fixed, _) => return None,
        (_, 8) if unsigned => gl::UNSIGNED_BYTE,
        (_, 8) => gl::BYTE,
        (_, 16) if unsigned => gl::UNSIGNED_SHORT,
        (_, 16) => gl::SHORT,
        (_, 32) if unsigned => gl::UNSIGNED_INT,
        (_, 32) => gl::INT,
        _ => return None,
    };
    let gap = (kind == Kind::Fixed).then_some(Gap::FixedVertexAttrib);
    Some((ty, size as i32, norm, int, gap))
}

/// One vertex element. Unknown formats and formats GL cannot fetch as a vertex
/// attribute (sRGB, luminance/alpha, reordered, 64-bit integer, integer 2-10-10-10, …)
/// are EINVAL naming the format.
pub fn vertex_attrib(e: &VertexElement) -> Result<VertexAttribGl> {
    let f = format::lookup(e.src_format).ok_or_else(|| bad("vertex format", e.src_format))?;
    let (ty, size, normalized, integer, gap) = attrib_format(f.name).ok_or_else(|| {
        Error::inval(format!("gl_state: {} is not a GL vertex attribute format", f.name))
    })?;
    let swap_rb = f.name.starts_with("B10G10R10A2_") && size == 4;
    Ok(VertexAttribGl {
        swap_rb,
        offset: e.src_offset,
        divisor: e.instance_divisor,
        buffer_index: e.vertex_buffer_index,
        ty,
        size,
        normalized,
        integer,
        gaps: gap.map(Gaps::from).unwrap_or_default(),
    })
}

/// A VERTEX_ELEMENTS object (at most 32 elements, as the decoder guarantees).
pub fn vertex_elements(elements: &[VertexElement]) -> Result<VertexElementsGl> {
    let mut out = VertexElementsGl::default();
    let (mut ints, mut swapped) = (0u32, 0u32);
    for (i, e) in elements.iter().enumerate() {
        let a = vertex_attrib(e)?;
        if a.integer && i < 32 {
            ints |= 1 << i;
        }
        if a.swap_rb && i < 32 {
            swapped |= 1 << i;
        }
        out.gaps = out.gaps.union(a.gaps);
        out.attribs.push(a);
    }
    out.key.vs_int_inputs = Some(ints);
    out.key.vs_bgra_inputs = Some(swapped);
    Ok(out)
}

/// A draw's primitive type in GL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimitiveGl {
    /// The GL mode (`GL_QUADS`, `GL_QUAD_STRIP` and `GL_POLYGON` only in compatibility
    /// profiles).
    pub mode: u32,
    /// What core GL 3.3 lacks for it: [`Gap::Quads`], [`Gap::QuadStrip`],
    /// [`Gap::Polygon`] (emulate) or [`Gap::Patches`] (GL 4.0).
    pub gap: Option<Gap>,
}

/// A `PIPE_PRIM_*` as a GL draw mode.
pub fn primitive(mode: u32) -> Result<PrimitiveGl> {
    let (mode_gl, gap) = match mode {
        prim::POINTS => (gl::POINTS, None),
        prim::LINES => (gl::LINES, None),
        prim::LINE_LOOP => (gl::LINE_LOOP, None),
        prim::LINE_STRIP => (gl::LINE_STRIP, None),
        prim::TRIANGLES => (gl::TRIANGLES, None),
        prim::TRIANGLE_STRIP => (gl::TRIANGLE_STRIP, None),
        prim::TRIANGLE_FAN => (gl::TRIANGLE_FAN, None),
        prim::QUADS => (gl::QUADS, Some(Gap::Quads)),
        prim::QUAD_STRIP => (GL_QUAD_STRIP, Some(Gap::QuadStrip)),
        prim::POLYGON => (GL_POLYGON, Some(Gap::Polygon)),
        prim::LINES_ADJACENCY => (gl::LINES_ADJACENCY, None),
        prim::LINE_STRIP_ADJACENCY => (gl::LINE_STRIP_ADJACENCY, None),
        prim::TRIANGLES_ADJACENCY => (gl::TRIANGLES_ADJACENCY, None),
        prim::TRIANGLE_STRIP_ADJACENCY => (gl::TRIANGLE_STRIP_ADJACENCY, None),
        prim::PATCHES => (gl::PATCHES, Some(Gap::Patches)),
        _ => return Err(bad("primitive", mode)),
    };
    Ok(PrimitiveGl { mode: mode_gl, gap })
}

/// An index size in bytes (SET_INDEX_BUFFER) as the GL index type.
pub fn index_type(index_size: u32) -> Result<u32> {
    match index_size {
        1 => Ok(gl::UNSIGNED_BYTE),
        2 => Ok(gl::UNSIGNED_SHORT),
        4 => Ok(gl::UNSIGNED_INT),
        _ => Err(bad("index size", index_size)),
    }
}
