//! The virgl format table: block geometry, how the GL backend stores each format, and the
//! DRM fourcc where one exists. Numbers are upstream's `enum virgl_formats` (virgl_hw.h).

/// What a format holds, for validation (depth/stencil binds) and readback paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Color,
    Depth,
    Stencil,
    DepthStencil,
    /// Block-compressed colour (DXT, RGTC, BPTC, ETC, ASTC): `block_width × block_height`.
    Compressed,
}

/// How the GL backend stores a format: immutable storage with `internal`, uploads and
/// readbacks with (`format`, `ty`) so the bytes in guest memory are passed through unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlFormat {
    /// Sized internal format for glTexStorage* (e.g. GL_RGBA8).
    pub internal: u32,
    /// Pixel transfer format (e.g. GL_RGBA); 0 for compressed formats.
    pub format: u32,
    /// Pixel transfer type (e.g. GL_UNSIGNED_BYTE); 0 for compressed formats.
    pub ty: u32,
    /// Texture swizzle (GL_TEXTURE_SWIZZLE_RGBA) applied when the stored channel order
    /// differs from the format's (e.g. B8G8R8A8 bytes stored as RGBA8 and sampled as .bgra).
    pub swizzle: Option<[u32; 4]>,
}

/// One virgl format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatInfo {
    /// `VIRGL_FORMAT_*` number.
    pub id: u32,
    /// Upstream's name without the `VIRGL_FORMAT_` prefix.
    pub name: &'static str,
    pub kind: Kind,
    /// Block size in pixels (1×1 for uncompressed formats).
    pub block_width: u32,
    pub block_height: u32,
    /// Bytes per block (bytes per pixel for uncompressed formats).
    pub block_bytes: u32,
    /// DRM_FORMAT_* fourcc for display/dma-buf, 0 when none.
    pub drm_fourcc: u32,
    /// GL storage, `None` when only the CPU backend can hold the format.
    pub gl: Option<GlFormat>,
}

impl FormatInfo {
    /// Blocks across `w` pixels.
    pub fn nblocksx(&self, w: u32) -> u64 {
        (w as u64).div_ceil(self.block_width as u64)
    }
    /// Blocks down `h` pixels.
    pub fn nblocksy(&self, h: u32) -> u64 {
        (h as u64).div_ceil(self.block_height as u64)
    }
    /// Bytes of one row of blocks `w` pixels wide (no overflow: u32 × ≤16 fits u64).
    pub fn stride(&self, w: u32) -> u64 {
        self.nblocksx(w) * self.block_bytes as u64
    }
    pub fn is_compressed(&self) -> bool {
        self.kind == Kind::Compressed
    }
    pub fn is_depth_or_stencil(&self) -> bool {
        matches!(self.kind, Kind::Depth | Kind::Stencil | Kind::DepthStencil)
    }
}

/// One past the highest format number upstream 1.2 knows (`VIRGL_FORMAT_MAX`).
pub const VIRGL_FORMAT_MAX: u32 = 481;

pub const B8G8R8A8_UNORM: u32 = 1;
pub const B8G8R8X8_UNORM: u32 = 2;
pub const A8R8G8B8_UNORM: u32 = 3;
pub const X8R8G8B8_UNORM: u32 = 4;
pub const R8_UNORM: u32 = 64;
pub const R8G8B8A8_UNORM: u32 = 67;
pub const X8B8G8R8_UNORM: u32 = 68;
pub const A8B8G8R8_UNORM: u32 = 121;
pub const R8G8B8X8_UNORM: u32 = 134;

mod gl {
    pub const RGBA8: u32 = 0x8058;
    pub const R8: u32 = 0x8229;
    pub const RGBA: u32 = 0x1908;
    pub const RED: u32 = 0x1903;
    pub const UNSIGNED_BYTE: u32 = 0x1401;
    pub const ZERO: u32 = 0;
    pub const ONE: u32 = 1;
    pub const R: u32 = 0x1903;
    pub const G: u32 = 0x1904;
    pub const B: u32 = 0x1905;
    pub const A: u32 = 0x1906;
}

const fn fourcc(s: &[u8; 4]) -> u32 {
    (s[0] as u32) | ((s[1] as u32) << 8) | ((s[2] as u32) << 16) | ((s[3] as u32) << 24)
}

const fn color(
    id: u32,
    name: &'static str,
    bytes: u32,
    drm: u32,
    gl: Option<GlFormat>,
) -> FormatInfo {
    FormatInfo {
        id,
        name,
        kind: Kind::Color,
        block_width: 1,
        block_height: 1,
        block_bytes: bytes,
        drm_fourcc: drm,
        gl,
    }
}

const fn rgba8(swizzle: Option<[u32; 4]>) -> Option<GlFormat> {
    Some(GlFormat { internal: gl::RGBA8, format: gl::RGBA, ty: gl::UNSIGNED_BYTE, swizzle })
}

/// The table, sorted by `id`.
static FORMATS: &[FormatInfo] = &[
    // Bytes B,G,R,A stored as RGBA8 unchanged; sampled with R and B swapped.
    color(
        B8G8R8A8_UNORM,
        "B8G8R8A8_UNORM",
        4,
        fourcc(b"AR24"),
        rgba8(Some([gl::B, gl::G, gl::R, gl::A])),
    ),
    color(
        B8G8R8X8_UNORM,
        "B8G8R8X8_UNORM",
        4,
        fourcc(b"XR24"),
        rgba8(Some([gl::B, gl::G, gl::R, gl::ONE])),
    ),
    color(
        A8R8G8B8_UNORM,
        "A8R8G8B8_UNORM",
        4,
        fourcc(b"BA24"),
        rgba8(Some([gl::G, gl::B, gl::A, gl::R])),
    ),
    color(
        X8R8G8B8_UNORM,
        "X8R8G8B8_UNORM",
        4,
        fourcc(b"BX24"),
        rgba8(Some([gl::G, gl::B, gl::A, gl::ONE])),
    ),
    color(
        R8_UNORM,
        "R8_UNORM",
        1,
        fourcc(b"R8  "),
        Some(GlFormat { internal: gl::R8, format: gl::RED, ty: gl::UNSIGNED_BYTE, swizzle: None }),
    ),
    color(R8G8B8A8_UNORM, "R8G8B8A8_UNORM", 4, fourcc(b"AB24"), rgba8(None)),
    color(
        X8B8G8R8_UNORM,
        "X8B8G8R8_UNORM",
        4,
        fourcc(b"RX24"),
        rgba8(Some([gl::A, gl::B, gl::G, gl::ONE])),
    ),
    color(
        A8B8G8R8_UNORM,
        "A8B8G8R8_UNORM",
        4,
        fourcc(b"RA24"),
        rgba8(Some([gl::A, gl::B, gl::G, gl::R])),
    ),
    color(
        R8G8B8X8_UNORM,
        "R8G8B8X8_UNORM",
        4,
        fourcc(b"XB24"),
        rgba8(Some([gl::R, gl::G, gl::B, gl::ONE])),
    ),
];

/// Looks a format up by its virgl number.
pub fn lookup(id: u32) -> Option<&'static FormatInfo> {
    FORMATS.binary_search_by_key(&id, |f| f.id).ok().map(|i| &FORMATS[i])
}

/// Every known format, sorted by number.
pub fn all() -> &'static [FormatInfo] {
    FORMATS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(FORMATS.windows(2).all(|w| w[0].id < w[1].id));
        assert!(FORMATS.iter().all(|f| f.id < VIRGL_FORMAT_MAX));
    }

    #[test]
    fn lookup_finds_bgra() {
        let f = lookup(B8G8R8A8_UNORM).unwrap();
        assert_eq!(f.block_bytes, 4);
        assert_eq!(f.stride(3), 12);
        assert!(lookup(0).is_none());
    }
}
