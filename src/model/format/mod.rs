//! The virgl format table: block geometry, how the GL backend stores each format, and the
//! DRM fourcc where one exists. Numbers are upstream's `enum virgl_formats` (virgl_hw.h).
//!
//! Naming follows gallium: for formats whose channels are whole bytes (8/16/32/64 bits) the
//! channels are listed in memory (byte) order; for packed formats (565, 5551, 4444,
//! 10-10-10-2, 3-3-2, depth/stencil) they are listed from the least significant bit of the
//! little-endian word up. `B5G6R5_UNORM` is therefore B in bits 0..5 and R in bits 11..16.
//!
//! The GL mapping is chosen so that bytes uploaded with (`format`, `ty`) come back unchanged
//! from a readback with the same (`format`, `ty`): channel order is never converted on the
//! CPU; where the stored order differs from the format's, `swizzle` fixes sampling. The GL
//! backend must set `GL_UNPACK_ALIGNMENT`/`GL_PACK_ALIGNMENT` to 1 (3-, 6- and 12-byte
//! pixels). Formats that GL cannot hold with that guarantee (64-bit channels, USCALED and
//! SSCALED vertex formats, sRGB formats without a GL sRGB storage of the same layout,
//! 24-in-32 depth with the padding in the high byte, float depth, shared-exponent ...)
//! have `gl: None` and live in the CPU backend only.
//!
//! Every `gl: Some` entry was checked on Mesa 25 llvmpipe (GL 4.5 core): glTexStorage2D +
//! glTexSubImage2D / glCompressedTexSubImage2D of random bytes and of every byte value,
//! then glGetTexImage / glGetCompressedTexImage with the same (`format`, `ty`), gives the
//! bytes back unchanged (SNORM -128 included). Z32_FLOAT, Z32_FLOAT_S8X24_UINT and
//! Z24X8_UNORM failed that check; Z32_UNORM and R9G9B9E5_FLOAT passed on llvmpipe but GL
//! does not promise it (a driver may store them differently), so they stay `None` too.
//!
//! Planar, subsampled and YUV formats, 3D ASTC blocks and `R1_UNORM` are not in the table:
//! a resource in one of them is rejected.

use drm_fourcc::DrmFourcc;
use glow as gl;

mod table;
use table::FORMATS;

/// What a format holds, for validation (depth/stencil binds) and readback paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Uncompressed colour (including luminance, alpha and intensity).
    Color,
    /// Depth only (padding bits, if any, belong to no channel).
    Depth,
    /// Stencil only.
    Stencil,
    /// Depth and stencil in one block.
    DepthStencil,
    /// Block-compressed colour (DXT, RGTC, LATC, BPTC, ETC, ASTC, ATC, FXT1):
    /// `block_width × block_height`.
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
    /// What the format holds.
    pub kind: Kind,
    /// Block size in pixels (1×1 for uncompressed formats).
    pub block_width: u32,
    /// Block height in pixels (1 for uncompressed formats).
    pub block_height: u32,
    /// Bytes per block (bytes per pixel for uncompressed formats).
    pub block_bytes: u32,
    /// DRM_FORMAT_* fourcc for display/dma-buf, 0 when none.
    pub drm_fourcc: u32,
    /// GL storage, `None` when only the CPU backend can hold the format.
    pub gl: Option<GlFormat>,
}

/// GL internal formats that GL 4.x core requires to be colour-renderable (plus the
/// ES-compatibility 16-bit formats every desktop driver renders to).
const COLOR_RENDERABLE: &[u32] = &[
    gl::R8,
    gl::RG8,
    gl::RGBA8,
    gl::SRGB8_ALPHA8,
    gl::R16,
    gl::RG16,
    gl::RGBA16,
    gl::RGB565,
    gl::RGBA4,
    gl::RGB5_A1,
    gl::RGB10_A2,
    gl::RGB10_A2UI,
    gl::R11F_G11F_B10F,
    gl::R16F,
    gl::RG16F,
    gl::RGBA16F,
    gl::R32F,
    gl::RG32F,
    gl::RGBA32F,
    gl::R8UI,
    gl::R8I,
    gl::RG8UI,
    gl::RG8I,
    gl::RGBA8UI,
    gl::RGBA8I,
    gl::R16UI,
    gl::R16I,
    gl::RG16UI,
    gl::RG16I,
    gl::RGBA16UI,
    gl::RGBA16I,
    gl::R32UI,
    gl::R32I,
    gl::RG32UI,
    gl::RG32I,
    gl::RGBA32UI,
    gl::RGBA32I,
];

/// GL internal formats that are depth- or stencil-renderable.
const DEPTH_STENCIL_RENDERABLE: &[u32] = &[
    gl::DEPTH_COMPONENT16,
    gl::DEPTH_COMPONENT24,
    gl::DEPTH_COMPONENT32,
    gl::DEPTH_COMPONENT32F,
    gl::DEPTH24_STENCIL8,
    gl::DEPTH32F_STENCIL8,
    gl::STENCIL_INDEX8,
];

impl FormatInfo {
    /// Blocks across `w` pixels.
    pub fn nblocksx(&self, w: u32) -> u64 {
        (w as u64).div_ceil(self.block_width as u64)
    }
    /// Blocks down `h` pixels.
    pub fn nblocksy(&self, h: u32) -> u64 {
        (h as u64).div_ceil(self.block_height as u64)
    }
    /// Bytes of one row of blocks `w` pixels wide (no overflow: u32 × ≤32 fits u64).
    pub fn stride(&self, w: u32) -> u64 {
        self.nblocksx(w) * self.block_bytes as u64
    }
    /// Block-compressed format.
    pub fn is_compressed(&self) -> bool {
        self.kind == Kind::Compressed
    }
    /// Depth, stencil or both.
    pub fn is_depth_or_stencil(&self) -> bool {
        matches!(self.kind, Kind::Depth | Kind::Stencil | Kind::DepthStencil)
    }
    /// A pure signed-integer colour format (`*_SINT`).
    pub fn is_sint_color(&self) -> bool {
        self.kind == Kind::Color && self.name.ends_with("_SINT")
    }
    /// A pure unsigned-integer colour format (`*_UINT`).
    pub fn is_uint_color(&self) -> bool {
        self.kind == Kind::Color && self.name.ends_with("_UINT")
    }
    /// An sRGB-encoded format.
    pub fn is_srgb(&self) -> bool {
        self.name.contains("SRGB")
    }
    /// The GL backend can hold the format (and therefore sample it).
    pub fn sampleable(&self) -> bool {
        self.gl.is_some()
    }
    /// GL can render to the storage: a colour format whose internal format is colour-
    /// renderable and whose swizzle only reorders channels (or forces an X channel to one),
    /// so a draw can write each channel through a matching output swizzle; or a depth /
    /// stencil format whose internal format is depth- or stencil-renderable. Luminance,
    /// alpha and intensity formats (replicating swizzles), compressed formats and formats
    /// without GL storage are not renderable. A draw into a swizzled format (e.g.
    /// B8G8R8A8 stored as RGBA8) must apply the inverse swizzle to its colour output.
    pub fn renderable(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        match self.kind {
            Kind::Color => COLOR_RENDERABLE.contains(&g.internal) && swizzle_is_writable(g.swizzle),
            Kind::Depth | Kind::Stencil | Kind::DepthStencil => {
                DEPTH_STENCIL_RENDERABLE.contains(&g.internal)
            }
            Kind::Compressed => false,
        }
    }
    /// The GL extension the GL backend must find before using `gl` (formats that are not
    /// core in GL 4.3); `None` for core formats and formats without GL storage.
    pub fn required_gl_extension(&self) -> Option<&'static str> {
        let internal = self.gl?.internal;
        match internal {
            gl::COMPRESSED_RGB_S3TC_DXT1_EXT
            | gl::COMPRESSED_RGBA_S3TC_DXT1_EXT
            | gl::COMPRESSED_RGBA_S3TC_DXT3_EXT
            | gl::COMPRESSED_RGBA_S3TC_DXT5_EXT => Some("GL_EXT_texture_compression_s3tc"),
            gl::COMPRESSED_SRGB_S3TC_DXT1_EXT
            | gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT1_EXT
            | gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT3_EXT
            | gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT5_EXT => Some("GL_EXT_texture_sRGB"),
            ASTC_LDR_FIRST..=ASTC_LDR_LAST | ASTC_SRGB_FIRST..=ASTC_SRGB_LAST => {
                Some("GL_KHR_texture_compression_astc_ldr")
            }
            _ => None,
        }
    }
}

/// True when `swizzle` is absent or maps each output to a distinct stored channel or to
/// one (an X channel).
fn swizzle_is_writable(swizzle: Option<[u32; 4]>) -> bool {
    let Some(s) = swizzle else {
        return true;
    };
    let mut seen = [false; 4];
    for c in s {
        let i = match c {
            gl::RED => 0,
            gl::GREEN => 1,
            gl::BLUE => 2,
            gl::ALPHA => 3,
            gl::ONE => continue,
            _ => return false,
        };
        if seen[i] {
            return false;
        }
        seen[i] = true;
    }
    true
}

const ASTC_LDR_FIRST: u32 = gl::COMPRESSED_RGBA_ASTC_4x4_KHR;
const ASTC_LDR_LAST: u32 = gl::COMPRESSED_RGBA_ASTC_12x12_KHR;
const ASTC_SRGB_FIRST: u32 = gl::COMPRESSED_SRGB8_ALPHA8_ASTC_4x4_KHR;
const ASTC_SRGB_LAST: u32 = gl::COMPRESSED_SRGB8_ALPHA8_ASTC_12x12_KHR;

/// One past the highest format number upstream 1.2 knows (`VIRGL_FORMAT_MAX`).
pub const VIRGL_FORMAT_MAX: u32 = 481;

/// `VIRGL_FORMAT_B8G8R8A8_UNORM`.
pub const B8G8R8A8_UNORM: u32 = 1;
/// `VIRGL_FORMAT_B8G8R8X8_UNORM`.
pub const B8G8R8X8_UNORM: u32 = 2;
/// `VIRGL_FORMAT_A8R8G8B8_UNORM`.
pub const A8R8G8B8_UNORM: u32 = 3;
/// `VIRGL_FORMAT_X8R8G8B8_UNORM`.
pub const X8R8G8B8_UNORM: u32 = 4;
/// `VIRGL_FORMAT_B5G5R5A1_UNORM`.
pub const B5G5R5A1_UNORM: u32 = 5;
/// `VIRGL_FORMAT_B4G4R4A4_UNORM`.
pub const B4G4R4A4_UNORM: u32 = 6;
/// `VIRGL_FORMAT_B5G6R5_UNORM`.
pub const B5G6R5_UNORM: u32 = 7;
/// `VIRGL_FORMAT_R10G10B10A2_UNORM`.
pub const R10G10B10A2_UNORM: u32 = 8;
/// `VIRGL_FORMAT_Z16_UNORM`.
pub const Z16_UNORM: u32 = 16;
/// `VIRGL_FORMAT_Z32_FLOAT`.
pub const Z32_FLOAT: u32 = 18;
/// `VIRGL_FORMAT_Z24_UNORM_S8_UINT`.
pub const Z24_UNORM_S8_UINT: u32 = 19;
/// `VIRGL_FORMAT_S8_UINT_Z24_UNORM`.
pub const S8_UINT_Z24_UNORM: u32 = 20;
/// `VIRGL_FORMAT_S8_UINT`.
pub const S8_UINT: u32 = 23;
/// `VIRGL_FORMAT_R32G32B32A32_FLOAT`.
pub const R32G32B32A32_FLOAT: u32 = 31;
/// `VIRGL_FORMAT_R8_UNORM`.
pub const R8_UNORM: u32 = 64;
/// `VIRGL_FORMAT_R8G8_UNORM`.
pub const R8G8_UNORM: u32 = 65;
/// `VIRGL_FORMAT_R8G8B8_UNORM`.
pub const R8G8B8_UNORM: u32 = 66;
/// `VIRGL_FORMAT_R8G8B8A8_UNORM`.
pub const R8G8B8A8_UNORM: u32 = 67;
/// `VIRGL_FORMAT_X8B8G8R8_UNORM`.
pub const X8B8G8R8_UNORM: u32 = 68;
/// `VIRGL_FORMAT_R16G16B16A16_FLOAT`.
pub const R16G16B16A16_FLOAT: u32 = 94;
/// `VIRGL_FORMAT_DXT1_RGB`.
pub const DXT1_RGB: u32 = 105;
/// `VIRGL_FORMAT_A8B8G8R8_UNORM`.
pub const A8B8G8R8_UNORM: u32 = 121;
/// `VIRGL_FORMAT_Z32_FLOAT_S8X24_UINT`.
pub const Z32_FLOAT_S8X24_UINT: u32 = 126;
/// `VIRGL_FORMAT_B10G10R10A2_UNORM`.
pub const B10G10R10A2_UNORM: u32 = 131;
/// `VIRGL_FORMAT_R8G8B8X8_UNORM`.
pub const R8G8B8X8_UNORM: u32 = 134;
/// `VIRGL_FORMAT_ETC1_RGB8`.
pub const ETC1_RGB8: u32 = 226;
/// `VIRGL_FORMAT_BPTC_RGBA_UNORM`.
pub const BPTC_RGBA_UNORM: u32 = 255;
/// `VIRGL_FORMAT_ASTC_4x4`.
pub const ASTC_4X4: u32 = 279;
/// `VIRGL_FORMAT_ASTC_12x12_SRGB`.
pub const ASTC_12X12_SRGB: u32 = 306;

/// `DRM_FORMAT_ABGR16161616` (`'AB48'`), which drm-fourcc 2.2 does not list.
const DRM_FORMAT_ABGR16161616: u32 = u32::from_le_bytes(*b"AB48");
/// `DRM_FORMAT_XBGR16161616` (`'XB48'`), which drm-fourcc 2.2 does not list.
const DRM_FORMAT_XBGR16161616: u32 = u32::from_le_bytes(*b"XB48");

const fn info(
    id: u32,
    name: &'static str,
    kind: Kind,
    (bw, bh, bytes): (u32, u32, u32),
    drm: u32,
    gl: Option<GlFormat>,
) -> FormatInfo {
    FormatInfo {
        id,
        name,
        kind,
        block_width: bw,
        block_height: bh,
        block_bytes: bytes,
        drm_fourcc: drm,
        gl,
    }
}

/// Uncompressed colour format.
const fn c(id: u32, name: &'static str, bytes: u32, drm: u32, gl: Option<GlFormat>) -> FormatInfo {
    info(id, name, Kind::Color, (1, 1, bytes), drm, gl)
}

/// Depth and/or stencil format.
const fn z(
    id: u32,
    name: &'static str,
    kind: Kind,
    bytes: u32,
    gl: Option<GlFormat>,
) -> FormatInfo {
    info(id, name, kind, (1, 1, bytes), 0, gl)
}

/// Block-compressed format; `internal` 0 means no GL storage.
const fn bc(
    id: u32,
    name: &'static str,
    bw: u32,
    bh: u32,
    bytes: u32,
    internal: u32,
) -> FormatInfo {
    let gl = if internal == 0 {
        None
    } else {
        Some(GlFormat { internal, format: 0, ty: 0, swizzle: None })
    };
    info(id, name, Kind::Compressed, (bw, bh, bytes), 0, gl)
}

/// Block-compressed format stored as another compressed format of the same block encoding,
/// sampled through `swizzle` (LATC as RGTC).
const fn bcs(
    id: u32,
    name: &'static str,
    bytes: u32,
    internal: u32,
    swizzle: [u32; 4],
) -> FormatInfo {
    let gl = Some(GlFormat { internal, format: 0, ty: 0, swizzle: Some(swizzle) });
    info(id, name, Kind::Compressed, (4, 4, bytes), 0, gl)
}

/// GL storage without swizzle.
const fn g(internal: u32, format: u32, ty: u32) -> Option<GlFormat> {
    Some(GlFormat { internal, format, ty, swizzle: None })
}

/// GL storage sampled through `swizzle`.
const fn gs(internal: u32, format: u32, ty: u32, swizzle: [u32; 4]) -> Option<GlFormat> {
    Some(GlFormat { internal, format, ty, swizzle: Some(swizzle) })
}

const NONE: Option<GlFormat> = None;

// Swizzles: the stored channel (or constant) that each of R, G, B, A samples.
const R: u32 = gl::RED;
const G: u32 = gl::GREEN;
const B: u32 = gl::BLUE;
const A: u32 = gl::ALPHA;
const ZERO: u32 = gl::ZERO;
const ONE: u32 = gl::ONE;
/// Bytes B,G,R,A stored as R,G,B,A.
const SW_BGRA: [u32; 4] = [B, G, R, A];
const SW_BGRX: [u32; 4] = [B, G, R, ONE];
const SW_RGBX: [u32; 4] = [R, G, B, ONE];
/// Bytes A,R,G,B.
const SW_ARGB: [u32; 4] = [G, B, A, R];
const SW_XRGB: [u32; 4] = [G, B, A, ONE];
/// Bytes A,B,G,R.
const SW_ABGR: [u32; 4] = [A, B, G, R];
const SW_XBGR: [u32; 4] = [A, B, G, ONE];
/// Luminance in R.
const SW_L: [u32; 4] = [R, R, R, ONE];
/// Alpha in R.
const SW_A: [u32; 4] = [ZERO, ZERO, ZERO, R];
/// Intensity in R.
const SW_I: [u32; 4] = [R, R, R, R];
/// Luminance in R, alpha in G.
const SW_LA: [u32; 4] = [R, R, R, G];
/// Alpha in R, luminance in G.
const SW_AL: [u32; 4] = [G, G, G, R];
/// Red in R, alpha in G.
const SW_RA: [u32; 4] = [R, ZERO, ZERO, G];
/// Alpha in R, red in G.
const SW_AR: [u32; 4] = [G, ZERO, ZERO, R];
/// Green in R, red in G.
const SW_GR: [u32; 4] = [G, R, ZERO, ONE];

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
    use super::table::*;
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(FORMATS.windows(2).all(|w| w[0].id < w[1].id));
        assert!(FORMATS.iter().all(|f| f.id > 0 && f.id < VIRGL_FORMAT_MAX));
        let mut names: Vec<&str> = FORMATS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate names");
    }

    #[test]
    fn lookup_finds_bgra() {
        let f = lookup(B8G8R8A8_UNORM).unwrap();
        assert_eq!(f.block_bytes, 4);
        assert_eq!(f.stride(3), 12);
        assert!(lookup(0).is_none());
        assert!(lookup(VIRGL_FORMAT_MAX).is_none());
        assert!(lookup(u32::MAX).is_none());
        // Gaps in upstream's numbering, and formats left out on purpose (YUV, R1).
        for id in [14, 15, 73, 78, 86, 117, 127, 163, 166, 307, 314, 348, 471] {
            assert!(lookup(id).is_none(), "{id}");
        }
    }

    /// Numbers from upstream's `enum virgl_formats` (virgl_hw.h).
    #[test]
    fn numbers_match_upstream() {
        let upstream: &[(u32, &str)] = &[
            (1, "B8G8R8A8_UNORM"),
            (5, "B5G5R5A1_UNORM"),
            (7, "B5G6R5_UNORM"),
            (8, "R10G10B10A2_UNORM"),
            (12, "L8A8_UNORM"),
            (16, "Z16_UNORM"),
            (19, "Z24_UNORM_S8_UINT"),
            (20, "S8_UINT_Z24_UNORM"),
            (23, "S8_UINT"),
            (31, "R32G32B32A32_FLOAT"),
            (48, "R16_UNORM"),
            (67, "R8G8B8A8_UNORM"),
            (74, "R8_SNORM"),
            (94, "R16G16B16A16_FLOAT"),
            (100, "B8G8R8A8_SRGB"),
            (105, "DXT1_RGB"),
            (112, "DXT5_SRGBA"),
            (113, "RGTC1_UNORM"),
            (121, "A8B8G8R8_UNORM"),
            (122, "B5G5R5X1_UNORM"),
            (124, "R11G11B10_FLOAT"),
            (126, "Z32_FLOAT_S8X24_UINT"),
            (131, "B10G10R10A2_UNORM"),
            (134, "R8G8B8X8_UNORM"),
            (177, "R8_UINT"),
            (200, "R32G32B32A32_SINT"),
            (226, "ETC1_RGB8"),
            (233, "B10G10R10X2_UNORM"),
            (253, "R10G10B10A2_UINT"),
            (255, "BPTC_RGBA_UNORM"),
            (259, "A8L8_UNORM"),
            (263, "G8R8_UNORM"),
            (269, "ETC2_RGB8"),
            (278, "ETC2_RG11_SNORM"),
            (279, "ASTC_4x4"),
            (292, "ASTC_12x12"),
            (306, "ASTC_12x12_SRGB"),
            (308, "R10G10B10X2_UNORM"),
            (311, "A4B4G4R4_UNORM"),
            (312, "R8_SRGB"),
            (321, "R5G6B5_UNORM"),
            (382, "B8G8R8A8_UINT"),
            (428, "X1R5G5B5_UNORM"),
            (470, "ASTC_12x12_FLOAT"),
        ];
        for &(id, name) in upstream {
            let f = lookup(id).unwrap_or_else(|| panic!("{id} {name} missing"));
            assert_eq!(f.name, name, "{id}");
        }
        let consts = [
            (B8G8R8X8_UNORM, "B8G8R8X8_UNORM"),
            (A8R8G8B8_UNORM, "A8R8G8B8_UNORM"),
            (X8R8G8B8_UNORM, "X8R8G8B8_UNORM"),
            (B4G4R4A4_UNORM, "B4G4R4A4_UNORM"),
            (Z32_FLOAT, "Z32_FLOAT"),
            (R8_UNORM, "R8_UNORM"),
            (R8G8_UNORM, "R8G8_UNORM"),
            (R8G8B8_UNORM, "R8G8B8_UNORM"),
            (X8B8G8R8_UNORM, "X8B8G8R8_UNORM"),
            (ASTC_4X4, "ASTC_4x4"),
            (ASTC_12X12_SRGB, "ASTC_12x12_SRGB"),
        ];
        for (id, name) in consts {
            assert_eq!(lookup(id).map(|f| f.name), Some(name));
        }
    }

    /// Uncompressed formats: 1×1 blocks whose size is the sum of the channel widths in the
    /// name (e.g. B5G6R5 → 16 bits, Z32_FLOAT_S8X24 → 64 bits).
    #[test]
    fn block_geometry_is_sane() {
        for f in FORMATS {
            assert!(f.block_width >= 1 && f.block_height >= 1 && f.block_bytes >= 1, "{}", f.name);
            if f.is_compressed() {
                assert!(f.block_width >= 4 && f.block_height >= 4, "{}", f.name);
                assert!(matches!(f.block_bytes, 8 | 16), "{}", f.name);
                continue;
            }
            assert_eq!((f.block_width, f.block_height), (1, 1), "{}", f.name);
            let mut bits = 0;
            let mut run = 0;
            for ch in f.name.chars().chain(std::iter::once('_')) {
                match ch.to_digit(10) {
                    Some(d) => run = run * 10 + d,
                    None => {
                        bits += run;
                        run = 0;
                    }
                }
            }
            assert_eq!(bits, f.block_bytes * 8, "{}", f.name);
        }
    }

    #[test]
    fn compressed_block_sizes() {
        let expect: &[(&str, u32, u32, u32)] = &[
            ("DXT1_RGB", 4, 4, 8),
            ("DXT1_SRGBA", 4, 4, 8),
            ("DXT3_RGBA", 4, 4, 16),
            ("DXT5_SRGBA", 4, 4, 16),
            ("RGTC1_SNORM", 4, 4, 8),
            ("RGTC2_UNORM", 4, 4, 16),
            ("LATC1_UNORM", 4, 4, 8),
            ("LATC2_SNORM", 4, 4, 16),
            ("BPTC_RGB_UFLOAT", 4, 4, 16),
            ("ETC1_RGB8", 4, 4, 8),
            ("ETC2_RGB8A1", 4, 4, 8),
            ("ETC2_SRGBA8", 4, 4, 16),
            ("ETC2_R11_SNORM", 4, 4, 8),
            ("ETC2_RG11_UNORM", 4, 4, 16),
            ("FXT1_RGBA", 8, 4, 16),
            ("ATC_RGB", 4, 4, 8),
        ];
        for &(name, w, h, bytes) in expect {
            let f = FORMATS.iter().find(|f| f.name == name).unwrap();
            assert_eq!(
                (f.kind, f.block_width, f.block_height, f.block_bytes),
                (Kind::Compressed, w, h, bytes),
                "{name}"
            );
        }
        // ASTC: the block size is in the name, 16 bytes always.
        let mut astc = 0;
        for f in FORMATS.iter().filter(|f| f.name.starts_with("ASTC_")) {
            let dims = f.name["ASTC_".len()..].split('_').next().unwrap();
            let (w, h) = dims.split_once('x').unwrap();
            assert_eq!(f.block_width, w.parse::<u32>().unwrap(), "{}", f.name);
            assert_eq!(f.block_height, h.parse::<u32>().unwrap(), "{}", f.name);
            assert_eq!(f.block_bytes, 16);
            astc += 1;
        }
        assert_eq!(astc, 42);
        // A 13×5 DXT5 image: 4×2 blocks of 16 bytes.
        let f = lookup(108).unwrap();
        assert_eq!((f.nblocksx(13), f.nblocksy(5), f.stride(13)), (4, 2, 64));
        let f = lookup(ASTC_12X12_SRGB).unwrap();
        assert_eq!((f.nblocksx(25), f.nblocksy(12), f.stride(25)), (3, 1, 48));
    }

    #[test]
    fn fourccs_are_unique_among_colour_formats() {
        let mut seen = std::collections::HashMap::new();
        for f in FORMATS.iter().filter(|f| f.drm_fourcc != 0) {
            assert_eq!(f.kind, Kind::Color, "{}", f.name);
            if let Some(other) = seen.insert(f.drm_fourcc, f.name) {
                panic!("{} and {} share a fourcc", other, f.name);
            }
        }
        let fcc = |id: u32| lookup(id).unwrap().drm_fourcc;
        assert_eq!(fcc(B8G8R8A8_UNORM), u32::from_le_bytes(*b"AR24"));
        assert_eq!(fcc(B8G8R8X8_UNORM), u32::from_le_bytes(*b"XR24"));
        assert_eq!(fcc(R8G8B8A8_UNORM), u32::from_le_bytes(*b"AB24"));
        assert_eq!(fcc(B5G6R5_UNORM), u32::from_le_bytes(*b"RG16"));
        assert_eq!(fcc(R8_UNORM), u32::from_le_bytes(*b"R8  "));
        assert_eq!(fcc(R8G8_UNORM), u32::from_le_bytes(*b"GR88"));
        assert_eq!(fcc(48), u32::from_le_bytes(*b"R16 "));
        assert_eq!(fcc(B10G10R10A2_UNORM), u32::from_le_bytes(*b"AR30"));
        assert_eq!(fcc(R10G10B10A2_UNORM), u32::from_le_bytes(*b"AB30"));
        // DRM_FORMAT_XRGB8888 as its kernel value.
        assert_eq!(fcc(B8G8R8X8_UNORM), 0x3432_5258);
    }

    /// The table's fourccs are the codes it had before drm-fourcc named them: every format
    /// with one, by number, and nothing else; each is a code drm-fourcc knows, except the
    /// two 16-bit-per-channel ones it lacks.
    #[test]
    fn fourccs_are_the_kernel_codes() {
        #[rustfmt::skip]
        const WANT: &[(u32, &[u8; 4])] = &[
            (1, b"AR24"), (2, b"XR24"), (3, b"BA24"), (4, b"BX24"), (5, b"AR15"), (6, b"AR12"),
            (7, b"RG16"), (8, b"AB30"), (48, b"R16 "), (49, b"GR32"), (51, b"AB48"), (64, b"R8  "),
            (65, b"GR88"), (66, b"BG24"), (67, b"AB24"), (68, b"RX24"), (94, b"AB4H"),
            (121, b"RA24"), (122, b"XR15"), (131, b"AR30"), (134, b"XB24"), (135, b"XR12"),
            (139, b"RGB8"), (233, b"XR30"), (234, b"XB48"), (236, b"XB4H"), (263, b"RG88"),
            (265, b"RG32"), (308, b"XB30"), (311, b"RA12"), (317, b"RG24"), (318, b"BGR8"),
            (319, b"AB12"), (320, b"AB15"), (321, b"BG16"), (331, b"RA15"), (333, b"BA15"),
            (335, b"RA30"), (337, b"BA30"), (340, b"BA12"), (407, b"XB12"), (409, b"XB15"),
            (427, b"RX15"), (428, b"BX15"),
        ];
        let want: Vec<_> = WANT.iter().map(|&(id, c)| (id, u32::from_le_bytes(*c))).collect();
        let have: Vec<_> =
            FORMATS.iter().filter(|f| f.drm_fourcc != 0).map(|f| (f.id, f.drm_fourcc)).collect();
        assert_eq!(have, want);
        assert_eq!(lookup(B8G8R8A8_UNORM).unwrap().drm_fourcc, 0x3432_5241, "AR24");
        assert_eq!(lookup(R8G8B8A8_UNORM).unwrap().drm_fourcc, 0x3432_4241, "AB24");
        assert_eq!(lookup(R8_UNORM).unwrap().drm_fourcc, 0x2020_3852, "R8");
        assert_eq!(lookup(263).unwrap().drm_fourcc, 0x3838_4752, "G8R8_UNORM is RG88");
        for &(id, fcc) in &have {
            if fcc == DRM_FORMAT_ABGR16161616 || fcc == DRM_FORMAT_XBGR16161616 {
                assert!(DrmFourcc::try_from(fcc).is_err(), "drm-fourcc now has {fcc:#x}");
                continue;
            }
            let named = DrmFourcc::try_from(fcc).unwrap_or_else(|e| panic!("{id}: {e:?}"));
            assert_eq!(named as u32, fcc);
        }
    }

    /// Bytes one pixel takes with a GL (format, type) pair; None for combinations the table
    /// must not use.
    fn gl_pixel_bytes(format: u32, ty: u32) -> Option<u32> {
        // (bytes, components) of packed types.
        let packed = match ty {
            gl::UNSIGNED_BYTE_3_3_2 | gl::UNSIGNED_BYTE_2_3_3_REV => Some((1, 3)),
            gl::UNSIGNED_SHORT_5_6_5 | gl::UNSIGNED_SHORT_5_6_5_REV => Some((2, 3)),
            gl::UNSIGNED_SHORT_4_4_4_4
            | gl::UNSIGNED_SHORT_4_4_4_4_REV
            | gl::UNSIGNED_SHORT_5_5_5_1
            | gl::UNSIGNED_SHORT_1_5_5_5_REV => Some((2, 4)),
            gl::UNSIGNED_INT_10_10_10_2 | gl::UNSIGNED_INT_2_10_10_10_REV => Some((4, 4)),
            gl::UNSIGNED_INT_10F_11F_11F_REV => Some((4, 3)),
            gl::UNSIGNED_INT_24_8 => Some((4, 2)),
            _ => None,
        };
        let comps = match format {
            RED | RED_INTEGER | gl::DEPTH_COMPONENT | gl::STENCIL_INDEX => 1,
            RG | RG_INTEGER | DEPTH_STENCIL => 2,
            RGB | RGB_INTEGER => 3,
            RGBA | RGBA_INTEGER | BGRA | BGRA_INTEGER => 4,
            _ => return None,
        };
        if let Some((bytes, n)) = packed {
            return (n == comps).then_some(bytes);
        }
        let size = match ty {
            UB | BYTE => 1,
            US | SHORT | HALF_FLOAT => 2,
            UI | INT | FLOAT => 4,
            _ => return None,
        };
        (format != DEPTH_STENCIL).then_some(comps * size)
    }

    #[test]
    fn gl_transfer_layout_matches_block_size() {
        let integer = [RED_INTEGER, RG_INTEGER, RGB_INTEGER, RGBA_INTEGER, BGRA_INTEGER];
        for f in FORMATS {
            let Some(g) = f.gl else { continue };
            assert_ne!(g.internal, 0, "{}", f.name);
            if f.is_compressed() {
                assert_eq!((g.format, g.ty), (0, 0), "{}", f.name);
                continue;
            }
            assert_eq!(gl_pixel_bytes(g.format, g.ty), Some(f.block_bytes), "{}", f.name);
            let int_name = f.name.ends_with("_UINT") || f.name.ends_with("_SINT");
            if f.kind == Kind::Color {
                assert_eq!(integer.contains(&g.format), int_name, "{}", f.name);
            } else {
                assert!(
                    matches!(g.format, gl::DEPTH_COMPONENT | gl::STENCIL_INDEX | DEPTH_STENCIL),
                    "{}",
                    f.name
                );
            }
        }
    }

    #[test]
    fn gl_mappings_preserve_byte_order() {
        let gl_of = |id: u32| lookup(id).unwrap().gl;
        // B8G8R8A8: stored unconverted, sampled .bgra.
        let g = gl_of(B8G8R8A8_UNORM).unwrap();
        assert_eq!((g.internal, g.format, g.ty), (gl::RGBA8, RGBA, UB));
        assert_eq!(g.swizzle, Some([gl::BLUE, gl::GREEN, gl::RED, gl::ALPHA]));
        assert_eq!(gl_of(B8G8R8X8_UNORM).unwrap().swizzle.unwrap()[3], gl::ONE);
        // B5G6R5: blue in the low bits = GL's 5_6_5 with RGB (red in the high bits).
        let g = gl_of(B5G6R5_UNORM).unwrap();
        assert_eq!(
            (g.internal, g.format, g.ty, g.swizzle),
            (gl::RGB565, RGB, gl::UNSIGNED_SHORT_5_6_5, None)
        );
        assert_eq!(gl_of(321).unwrap().ty, gl::UNSIGNED_SHORT_5_6_5_REV);
        let g = gl_of(B5G5R5A1_UNORM).unwrap();
        assert_eq!((g.format, g.ty), (BGRA, gl::UNSIGNED_SHORT_1_5_5_5_REV));
        // Depth/stencil: only S8_UINT_Z24_UNORM has GL's 24_8 packing.
        let g = gl_of(S8_UINT_Z24_UNORM).unwrap();
        assert_eq!(
            (g.internal, g.format, g.ty),
            (gl::DEPTH24_STENCIL8, DEPTH_STENCIL, gl::UNSIGNED_INT_24_8)
        );
        assert_eq!(gl_of(Z24_UNORM_S8_UINT), None);
        let g = gl_of(Z16_UNORM).unwrap();
        assert_eq!((g.internal, g.format, g.ty), (gl::DEPTH_COMPONENT16, gl::DEPTH_COMPONENT, US));
        // Luminance/alpha live in R/RG with replicating swizzles.
        assert_eq!(gl_of(10).unwrap().swizzle, Some([gl::ZERO, gl::ZERO, gl::ZERO, gl::RED]));
        assert_eq!(gl_of(12).unwrap().swizzle, Some([gl::RED, gl::RED, gl::RED, gl::GREEN]));
        // Compressed.
        assert_eq!(gl_of(DXT1_RGB).unwrap().internal, gl::COMPRESSED_RGB_S3TC_DXT1_EXT);
        assert_eq!(gl_of(BPTC_RGBA_UNORM).unwrap().internal, gl::COMPRESSED_RGBA_BPTC_UNORM);
        assert_eq!(gl_of(ETC1_RGB8).unwrap().internal, gl::COMPRESSED_RGB8_ETC2);
        assert_eq!(gl_of(ASTC_4X4).unwrap().internal, 0x93B0);
        assert_eq!(gl_of(ASTC_12X12_SRGB).unwrap().internal, 0x93DD);
        // No GL storage: 64-bit channels, vertex-only formats.
        for id in [24, 36, 87, 413] {
            assert_eq!(gl_of(id), None, "{id}");
        }
    }

    #[test]
    fn renderable_and_extensions() {
        for id in [
            B8G8R8A8_UNORM,
            B8G8R8X8_UNORM,
            R8G8B8A8_UNORM,
            B5G6R5_UNORM,
            R10G10B10A2_UNORM,
            R8_UNORM,
            R16G16B16A16_FLOAT,
            R32G32B32A32_FLOAT,
            Z16_UNORM,
            S8_UINT_Z24_UNORM,
            S8_UINT,
        ] {
            assert!(lookup(id).unwrap().renderable(), "{id}");
        }
        // L8, A8, L8A8 (replicating swizzles), DXT1, R64_FLOAT, Z24_UNORM_S8_UINT (no GL),
        // R8G8B8 (not required renderable), R8_SNORM.
        for id in [9, 10, 12, DXT1_RGB, 24, Z24_UNORM_S8_UINT, R8G8B8_UNORM, 74] {
            assert!(!lookup(id).unwrap().renderable(), "{id}");
        }
        let ext = |id: u32| lookup(id).unwrap().required_gl_extension();
        assert_eq!(ext(DXT1_RGB), Some("GL_EXT_texture_compression_s3tc"));
        assert_eq!(ext(109), Some("GL_EXT_texture_sRGB"));
        assert_eq!(ext(ASTC_4X4), Some("GL_KHR_texture_compression_astc_ldr"));
        assert_eq!(ext(ASTC_12X12_SRGB), Some("GL_KHR_texture_compression_astc_ldr"));
        assert_eq!(ext(BPTC_RGBA_UNORM), None);
        assert_eq!(ext(B8G8R8A8_UNORM), None);
        assert_eq!(ext(24), None);
    }
}
