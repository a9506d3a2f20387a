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

use glow as gl;

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

const fn fourcc(s: &[u8; 4]) -> u32 {
    (s[0] as u32) | ((s[1] as u32) << 8) | ((s[2] as u32) << 16) | ((s[3] as u32) << 24)
}

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

use gl::{
    BGRA, BGRA_INTEGER, BYTE, DEPTH_STENCIL, FLOAT, HALF_FLOAT, INT, RED, RED_INTEGER, RG, RGB,
    RGBA, RGBA_INTEGER, RGB_INTEGER, RG_INTEGER, SHORT, UNSIGNED_BYTE as UB, UNSIGNED_INT as UI,
    UNSIGNED_SHORT as US,
};

/// The table, sorted by `id`.
static FORMATS: &[FormatInfo] = &[
    // 32-bit BGRA family: bytes stored as RGBA8 unchanged, channel order fixed by swizzle.
    c(1, "B8G8R8A8_UNORM", 4, fourcc(b"AR24"), gs(gl::RGBA8, RGBA, UB, SW_BGRA)),
    c(2, "B8G8R8X8_UNORM", 4, fourcc(b"XR24"), gs(gl::RGBA8, RGBA, UB, SW_BGRX)),
    c(3, "A8R8G8B8_UNORM", 4, fourcc(b"BA24"), gs(gl::RGBA8, RGBA, UB, SW_ARGB)),
    c(4, "X8R8G8B8_UNORM", 4, fourcc(b"BX24"), gs(gl::RGBA8, RGBA, UB, SW_XRGB)),
    // Packed 16-bit: GL's packed types name channels from the most significant bit, gallium
    // from the least, hence BGRA + *_REV for B-first formats.
    c(
        5,
        "B5G5R5A1_UNORM",
        2,
        fourcc(b"AR15"),
        g(gl::RGB5_A1, BGRA, gl::UNSIGNED_SHORT_1_5_5_5_REV),
    ),
    c(6, "B4G4R4A4_UNORM", 2, fourcc(b"AR12"), g(gl::RGBA4, BGRA, gl::UNSIGNED_SHORT_4_4_4_4_REV)),
    c(7, "B5G6R5_UNORM", 2, fourcc(b"RG16"), g(gl::RGB565, RGB, gl::UNSIGNED_SHORT_5_6_5)),
    c(
        8,
        "R10G10B10A2_UNORM",
        4,
        fourcc(b"AB30"),
        g(gl::RGB10_A2, RGBA, gl::UNSIGNED_INT_2_10_10_10_REV),
    ),
    c(9, "L8_UNORM", 1, 0, gs(gl::R8, RED, UB, SW_L)),
    c(10, "A8_UNORM", 1, 0, gs(gl::R8, RED, UB, SW_A)),
    c(11, "I8_UNORM", 1, 0, gs(gl::R8, RED, UB, SW_I)),
    c(12, "L8A8_UNORM", 2, 0, gs(gl::RG8, RG, UB, SW_LA)),
    c(13, "L16_UNORM", 2, 0, gs(gl::R16, RED, US, SW_L)),
    z(16, "Z16_UNORM", Kind::Depth, 2, g(gl::DEPTH_COMPONENT16, gl::DEPTH_COMPONENT, US)),
    // GL converts 32-bit unorm depth through float: not byte-exact.
    z(17, "Z32_UNORM", Kind::Depth, 4, NONE),
    // GL may clamp float depth to [0, 1] on upload: not byte-exact for every value.
    z(18, "Z32_FLOAT", Kind::Depth, 4, NONE),
    // Z in bits 0..24, S in 24..32: GL's UNSIGNED_INT_24_8 packs the other way round.
    z(19, "Z24_UNORM_S8_UINT", Kind::DepthStencil, 4, NONE),
    // S in bits 0..8, Z in 8..32: exactly GL_UNSIGNED_INT_24_8.
    z(
        20,
        "S8_UINT_Z24_UNORM",
        Kind::DepthStencil,
        4,
        g(gl::DEPTH24_STENCIL8, DEPTH_STENCIL, gl::UNSIGNED_INT_24_8),
    ),
    // Padding in the high byte: GL has no layout that keeps it.
    z(21, "Z24X8_UNORM", Kind::Depth, 4, NONE),
    // Padding in the low byte: stored as DEPTH24_STENCIL8, the padding rides in stencil.
    z(
        22,
        "X8Z24_UNORM",
        Kind::Depth,
        4,
        g(gl::DEPTH24_STENCIL8, DEPTH_STENCIL, gl::UNSIGNED_INT_24_8),
    ),
    z(23, "S8_UINT", Kind::Stencil, 1, g(gl::STENCIL_INDEX8, gl::STENCIL_INDEX, UB)),
    c(24, "R64_FLOAT", 8, 0, NONE),
    c(25, "R64G64_FLOAT", 16, 0, NONE),
    c(26, "R64G64B64_FLOAT", 24, 0, NONE),
    c(27, "R64G64B64A64_FLOAT", 32, 0, NONE),
    c(28, "R32_FLOAT", 4, 0, g(gl::R32F, RED, FLOAT)),
    c(29, "R32G32_FLOAT", 8, 0, g(gl::RG32F, RG, FLOAT)),
    c(30, "R32G32B32_FLOAT", 12, 0, g(gl::RGB32F, RGB, FLOAT)),
    c(31, "R32G32B32A32_FLOAT", 16, 0, g(gl::RGBA32F, RGBA, FLOAT)),
    c(32, "R32_UNORM", 4, 0, NONE),
    c(33, "R32G32_UNORM", 8, 0, NONE),
    c(34, "R32G32B32_UNORM", 12, 0, NONE),
    c(35, "R32G32B32A32_UNORM", 16, 0, NONE),
    c(36, "R32_USCALED", 4, 0, NONE),
    c(37, "R32G32_USCALED", 8, 0, NONE),
    c(38, "R32G32B32_USCALED", 12, 0, NONE),
    c(39, "R32G32B32A32_USCALED", 16, 0, NONE),
    c(40, "R32_SNORM", 4, 0, NONE),
    c(41, "R32G32_SNORM", 8, 0, NONE),
    c(42, "R32G32B32_SNORM", 12, 0, NONE),
    c(43, "R32G32B32A32_SNORM", 16, 0, NONE),
    c(44, "R32_SSCALED", 4, 0, NONE),
    c(45, "R32G32_SSCALED", 8, 0, NONE),
    c(46, "R32G32B32_SSCALED", 12, 0, NONE),
    c(47, "R32G32B32A32_SSCALED", 16, 0, NONE),
    c(48, "R16_UNORM", 2, fourcc(b"R16 "), g(gl::R16, RED, US)),
    c(49, "R16G16_UNORM", 4, fourcc(b"GR32"), g(gl::RG16, RG, US)),
    c(50, "R16G16B16_UNORM", 6, 0, g(gl::RGB16, RGB, US)),
    c(51, "R16G16B16A16_UNORM", 8, fourcc(b"AB48"), g(gl::RGBA16, RGBA, US)),
    c(52, "R16_USCALED", 2, 0, NONE),
    c(53, "R16G16_USCALED", 4, 0, NONE),
    c(54, "R16G16B16_USCALED", 6, 0, NONE),
    c(55, "R16G16B16A16_USCALED", 8, 0, NONE),
    c(56, "R16_SNORM", 2, 0, g(gl::R16_SNORM, RED, SHORT)),
    c(57, "R16G16_SNORM", 4, 0, g(gl::RG16_SNORM, RG, SHORT)),
    c(58, "R16G16B16_SNORM", 6, 0, g(gl::RGB16_SNORM, RGB, SHORT)),
    c(59, "R16G16B16A16_SNORM", 8, 0, g(gl::RGBA16_SNORM, RGBA, SHORT)),
    c(60, "R16_SSCALED", 2, 0, NONE),
    c(61, "R16G16_SSCALED", 4, 0, NONE),
    c(62, "R16G16B16_SSCALED", 6, 0, NONE),
    c(63, "R16G16B16A16_SSCALED", 8, 0, NONE),
    c(64, "R8_UNORM", 1, fourcc(b"R8  "), g(gl::R8, RED, UB)),
    c(65, "R8G8_UNORM", 2, fourcc(b"GR88"), g(gl::RG8, RG, UB)),
    c(66, "R8G8B8_UNORM", 3, fourcc(b"BG24"), g(gl::RGB8, RGB, UB)),
    c(67, "R8G8B8A8_UNORM", 4, fourcc(b"AB24"), g(gl::RGBA8, RGBA, UB)),
    c(68, "X8B8G8R8_UNORM", 4, fourcc(b"RX24"), gs(gl::RGBA8, RGBA, UB, SW_XBGR)),
    c(69, "R8_USCALED", 1, 0, NONE),
    c(70, "R8G8_USCALED", 2, 0, NONE),
    c(71, "R8G8B8_USCALED", 3, 0, NONE),
    c(72, "R8G8B8A8_USCALED", 4, 0, NONE),
    c(74, "R8_SNORM", 1, 0, g(gl::R8_SNORM, RED, BYTE)),
    c(75, "R8G8_SNORM", 2, 0, g(gl::RG8_SNORM, RG, BYTE)),
    c(76, "R8G8B8_SNORM", 3, 0, g(gl::RGB8_SNORM, RGB, BYTE)),
    c(77, "R8G8B8A8_SNORM", 4, 0, g(gl::RGBA8_SNORM, RGBA, BYTE)),
    c(82, "R8_SSCALED", 1, 0, NONE),
    c(83, "R8G8_SSCALED", 2, 0, NONE),
    c(84, "R8G8B8_SSCALED", 3, 0, NONE),
    c(85, "R8G8B8A8_SSCALED", 4, 0, NONE),
    c(87, "R32_FIXED", 4, 0, NONE),
    c(88, "R32G32_FIXED", 8, 0, NONE),
    c(89, "R32G32B32_FIXED", 12, 0, NONE),
    c(90, "R32G32B32A32_FIXED", 16, 0, NONE),
    c(91, "R16_FLOAT", 2, 0, g(gl::R16F, RED, HALF_FLOAT)),
    c(92, "R16G16_FLOAT", 4, 0, g(gl::RG16F, RG, HALF_FLOAT)),
    c(93, "R16G16B16_FLOAT", 6, 0, g(gl::RGB16F, RGB, HALF_FLOAT)),
    c(94, "R16G16B16A16_FLOAT", 8, fourcc(b"AB4H"), g(gl::RGBA16F, RGBA, HALF_FLOAT)),
    // GL core has no one- or two-channel sRGB storage.
    c(95, "L8_SRGB", 1, 0, NONE),
    c(96, "L8A8_SRGB", 2, 0, NONE),
    c(97, "R8G8B8_SRGB", 3, 0, g(gl::SRGB8, RGB, UB)),
    // Alpha (or padding) in the first byte would be stored in an sRGB-decoded channel.
    c(98, "A8B8G8R8_SRGB", 4, 0, NONE),
    c(99, "X8B8G8R8_SRGB", 4, 0, NONE),
    c(100, "B8G8R8A8_SRGB", 4, 0, gs(gl::SRGB8_ALPHA8, RGBA, UB, SW_BGRA)),
    c(101, "B8G8R8X8_SRGB", 4, 0, gs(gl::SRGB8_ALPHA8, RGBA, UB, SW_BGRX)),
    c(102, "A8R8G8B8_SRGB", 4, 0, NONE),
    c(103, "X8R8G8B8_SRGB", 4, 0, NONE),
    c(104, "R8G8B8A8_SRGB", 4, 0, g(gl::SRGB8_ALPHA8, RGBA, UB)),
    bc(105, "DXT1_RGB", 4, 4, 8, gl::COMPRESSED_RGB_S3TC_DXT1_EXT),
    bc(106, "DXT1_RGBA", 4, 4, 8, gl::COMPRESSED_RGBA_S3TC_DXT1_EXT),
    bc(107, "DXT3_RGBA", 4, 4, 16, gl::COMPRESSED_RGBA_S3TC_DXT3_EXT),
    bc(108, "DXT5_RGBA", 4, 4, 16, gl::COMPRESSED_RGBA_S3TC_DXT5_EXT),
    bc(109, "DXT1_SRGB", 4, 4, 8, gl::COMPRESSED_SRGB_S3TC_DXT1_EXT),
    bc(110, "DXT1_SRGBA", 4, 4, 8, gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT1_EXT),
    bc(111, "DXT3_SRGBA", 4, 4, 16, gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT3_EXT),
    bc(112, "DXT5_SRGBA", 4, 4, 16, gl::COMPRESSED_SRGB_ALPHA_S3TC_DXT5_EXT),
    bc(113, "RGTC1_UNORM", 4, 4, 8, gl::COMPRESSED_RED_RGTC1),
    bc(114, "RGTC1_SNORM", 4, 4, 8, gl::COMPRESSED_SIGNED_RED_RGTC1),
    bc(115, "RGTC2_UNORM", 4, 4, 16, gl::COMPRESSED_RG_RGTC2),
    bc(116, "RGTC2_SNORM", 4, 4, 16, gl::COMPRESSED_SIGNED_RG_RGTC2),
    // Mixed signed/unsigned channels: no GL equivalent.
    c(119, "R8SG8SB8UX8U_NORM", 4, 0, NONE),
    c(120, "R5SG5SB6U_NORM", 2, 0, NONE),
    c(121, "A8B8G8R8_UNORM", 4, fourcc(b"RA24"), gs(gl::RGBA8, RGBA, UB, SW_ABGR)),
    // The padding bit is kept in GL's alpha bit so readback returns it unchanged.
    c(
        122,
        "B5G5R5X1_UNORM",
        2,
        fourcc(b"XR15"),
        gs(gl::RGB5_A1, BGRA, gl::UNSIGNED_SHORT_1_5_5_5_REV, SW_RGBX),
    ),
    c(123, "R10G10B10A2_USCALED", 4, 0, NONE),
    c(124, "R11G11B10_FLOAT", 4, 0, g(gl::R11F_G11F_B10F, RGB, gl::UNSIGNED_INT_10F_11F_11F_REV)),
    // Shared exponent: several encodings of one value; GL may renormalise.
    c(125, "R9G9B9E5_FLOAT", 4, 0, NONE),
    // Float depth may be clamped and the 24 padding bits are not kept by GL.
    z(126, "Z32_FLOAT_S8X24_UINT", Kind::DepthStencil, 8, NONE),
    c(128, "R10G10B10X2_USCALED", 4, 0, NONE),
    c(129, "R10G10B10X2_SNORM", 4, 0, NONE),
    c(130, "L4A4_UNORM", 1, 0, NONE),
    c(
        131,
        "B10G10R10A2_UNORM",
        4,
        fourcc(b"AR30"),
        g(gl::RGB10_A2, BGRA, gl::UNSIGNED_INT_2_10_10_10_REV),
    ),
    c(132, "R10SG10SB10SA2U_NORM", 4, 0, NONE),
    // Blue is derived from red and green: no GL equivalent.
    c(133, "R8G8Bx_SNORM", 2, 0, NONE),
    c(134, "R8G8B8X8_UNORM", 4, fourcc(b"XB24"), gs(gl::RGBA8, RGBA, UB, SW_RGBX)),
    c(
        135,
        "B4G4R4X4_UNORM",
        2,
        fourcc(b"XR12"),
        gs(gl::RGBA4, BGRA, gl::UNSIGNED_SHORT_4_4_4_4_REV, SW_RGBX),
    ),
    // Stencil views of packed depth/stencil resources.
    z(136, "X24S8_UINT", Kind::Stencil, 4, NONE),
    z(137, "S8X24_UINT", Kind::Stencil, 4, NONE),
    z(138, "X32_S8X24_UINT", Kind::Stencil, 8, NONE),
    c(139, "B2G3R3_UNORM", 1, fourcc(b"RGB8"), g(gl::R3_G3_B2, RGB, gl::UNSIGNED_BYTE_3_3_2)),
    c(140, "L16A16_UNORM", 4, 0, gs(gl::RG16, RG, US, SW_LA)),
    c(141, "A16_UNORM", 2, 0, gs(gl::R16, RED, US, SW_A)),
    c(142, "I16_UNORM", 2, 0, gs(gl::R16, RED, US, SW_I)),
    // LATC blocks are RGTC blocks sampled as luminance(-alpha).
    bcs(143, "LATC1_UNORM", 8, gl::COMPRESSED_RED_RGTC1, SW_L),
    bcs(144, "LATC1_SNORM", 8, gl::COMPRESSED_SIGNED_RED_RGTC1, SW_L),
    bcs(145, "LATC2_UNORM", 16, gl::COMPRESSED_RG_RGTC2, SW_LA),
    bcs(146, "LATC2_SNORM", 16, gl::COMPRESSED_SIGNED_RG_RGTC2, SW_LA),
    c(147, "A8_SNORM", 1, 0, gs(gl::R8_SNORM, RED, BYTE, SW_A)),
    c(148, "L8_SNORM", 1, 0, gs(gl::R8_SNORM, RED, BYTE, SW_L)),
    c(149, "L8A8_SNORM", 2, 0, gs(gl::RG8_SNORM, RG, BYTE, SW_LA)),
    c(150, "I8_SNORM", 1, 0, gs(gl::R8_SNORM, RED, BYTE, SW_I)),
    c(151, "A16_SNORM", 2, 0, gs(gl::R16_SNORM, RED, SHORT, SW_A)),
    c(152, "L16_SNORM", 2, 0, gs(gl::R16_SNORM, RED, SHORT, SW_L)),
    c(153, "L16A16_SNORM", 4, 0, gs(gl::RG16_SNORM, RG, SHORT, SW_LA)),
    c(154, "I16_SNORM", 2, 0, gs(gl::R16_SNORM, RED, SHORT, SW_I)),
    c(155, "A16_FLOAT", 2, 0, gs(gl::R16F, RED, HALF_FLOAT, SW_A)),
    c(156, "L16_FLOAT", 2, 0, gs(gl::R16F, RED, HALF_FLOAT, SW_L)),
    c(157, "L16A16_FLOAT", 4, 0, gs(gl::RG16F, RG, HALF_FLOAT, SW_LA)),
    c(158, "I16_FLOAT", 2, 0, gs(gl::R16F, RED, HALF_FLOAT, SW_I)),
    c(159, "A32_FLOAT", 4, 0, gs(gl::R32F, RED, FLOAT, SW_A)),
    c(160, "L32_FLOAT", 4, 0, gs(gl::R32F, RED, FLOAT, SW_L)),
    c(161, "L32A32_FLOAT", 8, 0, gs(gl::RG32F, RG, FLOAT, SW_LA)),
    c(162, "I32_FLOAT", 4, 0, gs(gl::R32F, RED, FLOAT, SW_I)),
    c(168, "A4R4_UNORM", 1, 0, NONE),
    c(169, "R4A4_UNORM", 1, 0, NONE),
    c(170, "R8A8_UNORM", 2, 0, gs(gl::RG8, RG, UB, SW_RA)),
    c(171, "A8R8_UNORM", 2, 0, gs(gl::RG8, RG, UB, SW_AR)),
    c(172, "R10G10B10A2_SSCALED", 4, 0, NONE),
    c(173, "R10G10B10A2_SNORM", 4, 0, NONE),
    c(174, "B10G10R10A2_USCALED", 4, 0, NONE),
    c(175, "B10G10R10A2_SSCALED", 4, 0, NONE),
    c(176, "B10G10R10A2_SNORM", 4, 0, NONE),
    c(177, "R8_UINT", 1, 0, g(gl::R8UI, RED_INTEGER, UB)),
    c(178, "R8G8_UINT", 2, 0, g(gl::RG8UI, RG_INTEGER, UB)),
    c(179, "R8G8B8_UINT", 3, 0, g(gl::RGB8UI, RGB_INTEGER, UB)),
    c(180, "R8G8B8A8_UINT", 4, 0, g(gl::RGBA8UI, RGBA_INTEGER, UB)),
    c(181, "R8_SINT", 1, 0, g(gl::R8I, RED_INTEGER, BYTE)),
    c(182, "R8G8_SINT", 2, 0, g(gl::RG8I, RG_INTEGER, BYTE)),
    c(183, "R8G8B8_SINT", 3, 0, g(gl::RGB8I, RGB_INTEGER, BYTE)),
    c(184, "R8G8B8A8_SINT", 4, 0, g(gl::RGBA8I, RGBA_INTEGER, BYTE)),
    c(185, "R16_UINT", 2, 0, g(gl::R16UI, RED_INTEGER, US)),
    c(186, "R16G16_UINT", 4, 0, g(gl::RG16UI, RG_INTEGER, US)),
    c(187, "R16G16B16_UINT", 6, 0, g(gl::RGB16UI, RGB_INTEGER, US)),
    c(188, "R16G16B16A16_UINT", 8, 0, g(gl::RGBA16UI, RGBA_INTEGER, US)),
    c(189, "R16_SINT", 2, 0, g(gl::R16I, RED_INTEGER, SHORT)),
    c(190, "R16G16_SINT", 4, 0, g(gl::RG16I, RG_INTEGER, SHORT)),
    c(191, "R16G16B16_SINT", 6, 0, g(gl::RGB16I, RGB_INTEGER, SHORT)),
    c(192, "R16G16B16A16_SINT", 8, 0, g(gl::RGBA16I, RGBA_INTEGER, SHORT)),
    c(193, "R32_UINT", 4, 0, g(gl::R32UI, RED_INTEGER, UI)),
    c(194, "R32G32_UINT", 8, 0, g(gl::RG32UI, RG_INTEGER, UI)),
    c(195, "R32G32B32_UINT", 12, 0, g(gl::RGB32UI, RGB_INTEGER, UI)),
    c(196, "R32G32B32A32_UINT", 16, 0, g(gl::RGBA32UI, RGBA_INTEGER, UI)),
    c(197, "R32_SINT", 4, 0, g(gl::R32I, RED_INTEGER, INT)),
    c(198, "R32G32_SINT", 8, 0, g(gl::RG32I, RG_INTEGER, INT)),
    c(199, "R32G32B32_SINT", 12, 0, g(gl::RGB32I, RGB_INTEGER, INT)),
    c(200, "R32G32B32A32_SINT", 16, 0, g(gl::RGBA32I, RGBA_INTEGER, INT)),
    c(201, "A8_UINT", 1, 0, gs(gl::R8UI, RED_INTEGER, UB, SW_A)),
    c(202, "I8_UINT", 1, 0, gs(gl::R8UI, RED_INTEGER, UB, SW_I)),
    c(203, "L8_UINT", 1, 0, gs(gl::R8UI, RED_INTEGER, UB, SW_L)),
    c(204, "L8A8_UINT", 2, 0, gs(gl::RG8UI, RG_INTEGER, UB, SW_LA)),
    c(205, "A8_SINT", 1, 0, gs(gl::R8I, RED_INTEGER, BYTE, SW_A)),
    c(206, "I8_SINT", 1, 0, gs(gl::R8I, RED_INTEGER, BYTE, SW_I)),
    c(207, "L8_SINT", 1, 0, gs(gl::R8I, RED_INTEGER, BYTE, SW_L)),
    c(208, "L8A8_SINT", 2, 0, gs(gl::RG8I, RG_INTEGER, BYTE, SW_LA)),
    c(209, "A16_UINT", 2, 0, gs(gl::R16UI, RED_INTEGER, US, SW_A)),
    c(210, "I16_UINT", 2, 0, gs(gl::R16UI, RED_INTEGER, US, SW_I)),
    c(211, "L16_UINT", 2, 0, gs(gl::R16UI, RED_INTEGER, US, SW_L)),
    c(212, "L16A16_UINT", 4, 0, gs(gl::RG16UI, RG_INTEGER, US, SW_LA)),
    c(213, "A16_SINT", 2, 0, gs(gl::R16I, RED_INTEGER, SHORT, SW_A)),
    c(214, "I16_SINT", 2, 0, gs(gl::R16I, RED_INTEGER, SHORT, SW_I)),
    c(215, "L16_SINT", 2, 0, gs(gl::R16I, RED_INTEGER, SHORT, SW_L)),
    c(216, "L16A16_SINT", 4, 0, gs(gl::RG16I, RG_INTEGER, SHORT, SW_LA)),
    c(217, "A32_UINT", 4, 0, gs(gl::R32UI, RED_INTEGER, UI, SW_A)),
    c(218, "I32_UINT", 4, 0, gs(gl::R32UI, RED_INTEGER, UI, SW_I)),
    c(219, "L32_UINT", 4, 0, gs(gl::R32UI, RED_INTEGER, UI, SW_L)),
    c(220, "L32A32_UINT", 8, 0, gs(gl::RG32UI, RG_INTEGER, UI, SW_LA)),
    c(221, "A32_SINT", 4, 0, gs(gl::R32I, RED_INTEGER, INT, SW_A)),
    c(222, "I32_SINT", 4, 0, gs(gl::R32I, RED_INTEGER, INT, SW_I)),
    c(223, "L32_SINT", 4, 0, gs(gl::R32I, RED_INTEGER, INT, SW_L)),
    c(224, "L32A32_SINT", 8, 0, gs(gl::RG32I, RG_INTEGER, INT, SW_LA)),
    c(
        225,
        "B10G10R10A2_UINT",
        4,
        0,
        g(gl::RGB10_A2UI, BGRA_INTEGER, gl::UNSIGNED_INT_2_10_10_10_REV),
    ),
    // ETC1 blocks are valid ETC2 RGB8 blocks with the same meaning.
    bc(226, "ETC1_RGB8", 4, 4, 8, gl::COMPRESSED_RGB8_ETC2),
    c(229, "R8G8B8X8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_RGBX)),
    c(230, "R8G8B8X8_SRGB", 4, 0, gs(gl::SRGB8_ALPHA8, RGBA, UB, SW_RGBX)),
    c(231, "R8G8B8X8_UINT", 4, 0, gs(gl::RGBA8UI, RGBA_INTEGER, UB, SW_RGBX)),
    c(232, "R8G8B8X8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_RGBX)),
    c(
        233,
        "B10G10R10X2_UNORM",
        4,
        fourcc(b"XR30"),
        gs(gl::RGB10_A2, BGRA, gl::UNSIGNED_INT_2_10_10_10_REV, SW_RGBX),
    ),
    c(234, "R16G16B16X16_UNORM", 8, fourcc(b"XB48"), gs(gl::RGBA16, RGBA, US, SW_RGBX)),
    c(235, "R16G16B16X16_SNORM", 8, 0, gs(gl::RGBA16_SNORM, RGBA, SHORT, SW_RGBX)),
    c(236, "R16G16B16X16_FLOAT", 8, fourcc(b"XB4H"), gs(gl::RGBA16F, RGBA, HALF_FLOAT, SW_RGBX)),
    c(237, "R16G16B16X16_UINT", 8, 0, gs(gl::RGBA16UI, RGBA_INTEGER, US, SW_RGBX)),
    c(238, "R16G16B16X16_SINT", 8, 0, gs(gl::RGBA16I, RGBA_INTEGER, SHORT, SW_RGBX)),
    c(239, "R32G32B32X32_FLOAT", 16, 0, gs(gl::RGBA32F, RGBA, FLOAT, SW_RGBX)),
    c(240, "R32G32B32X32_UINT", 16, 0, gs(gl::RGBA32UI, RGBA_INTEGER, UI, SW_RGBX)),
    c(241, "R32G32B32X32_SINT", 16, 0, gs(gl::RGBA32I, RGBA_INTEGER, INT, SW_RGBX)),
    c(242, "R8A8_SNORM", 2, 0, gs(gl::RG8_SNORM, RG, BYTE, SW_RA)),
    c(243, "R16A16_UNORM", 4, 0, gs(gl::RG16, RG, US, SW_RA)),
    c(244, "R16A16_SNORM", 4, 0, gs(gl::RG16_SNORM, RG, SHORT, SW_RA)),
    c(245, "R16A16_FLOAT", 4, 0, gs(gl::RG16F, RG, HALF_FLOAT, SW_RA)),
    c(246, "R32A32_FLOAT", 8, 0, gs(gl::RG32F, RG, FLOAT, SW_RA)),
    c(247, "R8A8_UINT", 2, 0, gs(gl::RG8UI, RG_INTEGER, UB, SW_RA)),
    c(248, "R8A8_SINT", 2, 0, gs(gl::RG8I, RG_INTEGER, BYTE, SW_RA)),
    c(249, "R16A16_UINT", 4, 0, gs(gl::RG16UI, RG_INTEGER, US, SW_RA)),
    c(250, "R16A16_SINT", 4, 0, gs(gl::RG16I, RG_INTEGER, SHORT, SW_RA)),
    c(251, "R32A32_UINT", 8, 0, gs(gl::RG32UI, RG_INTEGER, UI, SW_RA)),
    c(252, "R32A32_SINT", 8, 0, gs(gl::RG32I, RG_INTEGER, INT, SW_RA)),
    c(
        253,
        "R10G10B10A2_UINT",
        4,
        0,
        g(gl::RGB10_A2UI, RGBA_INTEGER, gl::UNSIGNED_INT_2_10_10_10_REV),
    ),
    c(254, "B5G6R5_SRGB", 2, 0, NONE),
    bc(255, "BPTC_RGBA_UNORM", 4, 4, 16, gl::COMPRESSED_RGBA_BPTC_UNORM),
    bc(256, "BPTC_SRGBA", 4, 4, 16, gl::COMPRESSED_SRGB_ALPHA_BPTC_UNORM),
    bc(257, "BPTC_RGB_FLOAT", 4, 4, 16, gl::COMPRESSED_RGB_BPTC_SIGNED_FLOAT),
    bc(258, "BPTC_RGB_UFLOAT", 4, 4, 16, gl::COMPRESSED_RGB_BPTC_UNSIGNED_FLOAT),
    c(259, "A8L8_UNORM", 2, 0, gs(gl::RG8, RG, UB, SW_AL)),
    c(260, "A8L8_SNORM", 2, 0, gs(gl::RG8_SNORM, RG, BYTE, SW_AL)),
    c(261, "A8L8_SRGB", 2, 0, NONE),
    c(262, "A16L16_UNORM", 4, 0, gs(gl::RG16, RG, US, SW_AL)),
    c(263, "G8R8_UNORM", 2, fourcc(b"RG88"), gs(gl::RG8, RG, UB, SW_GR)),
    c(264, "G8R8_SNORM", 2, 0, gs(gl::RG8_SNORM, RG, BYTE, SW_GR)),
    c(265, "G16R16_UNORM", 4, fourcc(b"RG32"), gs(gl::RG16, RG, US, SW_GR)),
    c(266, "G16R16_SNORM", 4, 0, gs(gl::RG16_SNORM, RG, SHORT, SW_GR)),
    c(267, "A8B8G8R8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_ABGR)),
    c(268, "X8B8G8R8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_XBGR)),
    bc(269, "ETC2_RGB8", 4, 4, 8, gl::COMPRESSED_RGB8_ETC2),
    bc(270, "ETC2_SRGB8", 4, 4, 8, gl::COMPRESSED_SRGB8_ETC2),
    bc(271, "ETC2_RGB8A1", 4, 4, 8, gl::COMPRESSED_RGB8_PUNCHTHROUGH_ALPHA1_ETC2),
    bc(272, "ETC2_SRGB8A1", 4, 4, 8, gl::COMPRESSED_SRGB8_PUNCHTHROUGH_ALPHA1_ETC2),
    bc(273, "ETC2_RGBA8", 4, 4, 16, gl::COMPRESSED_RGBA8_ETC2_EAC),
    bc(274, "ETC2_SRGBA8", 4, 4, 16, gl::COMPRESSED_SRGB8_ALPHA8_ETC2_EAC),
    bc(275, "ETC2_R11_UNORM", 4, 4, 8, gl::COMPRESSED_R11_EAC),
    bc(276, "ETC2_R11_SNORM", 4, 4, 8, gl::COMPRESSED_SIGNED_R11_EAC),
    bc(277, "ETC2_RG11_UNORM", 4, 4, 16, gl::COMPRESSED_RG11_EAC),
    bc(278, "ETC2_RG11_SNORM", 4, 4, 16, gl::COMPRESSED_SIGNED_RG11_EAC),
    // ASTC LDR (GL_KHR_texture_compression_astc_ldr): 16-byte blocks of every 2D size.
    bc(279, "ASTC_4x4", 4, 4, 16, gl::COMPRESSED_RGBA_ASTC_4x4_KHR),
    bc(280, "ASTC_5x4", 5, 4, 16, gl::COMPRESSED_RGBA_ASTC_5x4_KHR),
    bc(281, "ASTC_5x5", 5, 5, 16, gl::COMPRESSED_RGBA_ASTC_5x5_KHR),
    bc(282, "ASTC_6x5", 6, 5, 16, gl::COMPRESSED_RGBA_ASTC_6x5_KHR),
    bc(283, "ASTC_6x6", 6, 6, 16, gl::COMPRESSED_RGBA_ASTC_6x6_KHR),
    bc(284, "ASTC_8x5", 8, 5, 16, gl::COMPRESSED_RGBA_ASTC_8x5_KHR),
    bc(285, "ASTC_8x6", 8, 6, 16, gl::COMPRESSED_RGBA_ASTC_8x6_KHR),
    bc(286, "ASTC_8x8", 8, 8, 16, gl::COMPRESSED_RGBA_ASTC_8x8_KHR),
    bc(287, "ASTC_10x5", 10, 5, 16, gl::COMPRESSED_RGBA_ASTC_10x5_KHR),
    bc(288, "ASTC_10x6", 10, 6, 16, gl::COMPRESSED_RGBA_ASTC_10x6_KHR),
    bc(289, "ASTC_10x8", 10, 8, 16, gl::COMPRESSED_RGBA_ASTC_10x8_KHR),
    bc(290, "ASTC_10x10", 10, 10, 16, gl::COMPRESSED_RGBA_ASTC_10x10_KHR),
    bc(291, "ASTC_12x10", 12, 10, 16, gl::COMPRESSED_RGBA_ASTC_12x10_KHR),
    bc(292, "ASTC_12x12", 12, 12, 16, gl::COMPRESSED_RGBA_ASTC_12x12_KHR),
    bc(293, "ASTC_4x4_SRGB", 4, 4, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_4x4_KHR),
    bc(294, "ASTC_5x4_SRGB", 5, 4, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_5x4_KHR),
    bc(295, "ASTC_5x5_SRGB", 5, 5, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_5x5_KHR),
    bc(296, "ASTC_6x5_SRGB", 6, 5, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_6x5_KHR),
    bc(297, "ASTC_6x6_SRGB", 6, 6, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_6x6_KHR),
    bc(298, "ASTC_8x5_SRGB", 8, 5, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_8x5_KHR),
    bc(299, "ASTC_8x6_SRGB", 8, 6, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_8x6_KHR),
    bc(300, "ASTC_8x8_SRGB", 8, 8, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_8x8_KHR),
    bc(301, "ASTC_10x5_SRGB", 10, 5, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_10x5_KHR),
    bc(302, "ASTC_10x6_SRGB", 10, 6, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_10x6_KHR),
    bc(303, "ASTC_10x8_SRGB", 10, 8, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_10x8_KHR),
    bc(304, "ASTC_10x10_SRGB", 10, 10, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_10x10_KHR),
    bc(305, "ASTC_12x10_SRGB", 12, 10, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_12x10_KHR),
    bc(306, "ASTC_12x12_SRGB", 12, 12, 16, gl::COMPRESSED_SRGB8_ALPHA8_ASTC_12x12_KHR),
    c(
        308,
        "R10G10B10X2_UNORM",
        4,
        fourcc(b"XB30"),
        gs(gl::RGB10_A2, RGBA, gl::UNSIGNED_INT_2_10_10_10_REV, SW_RGBX),
    ),
    c(311, "A4B4G4R4_UNORM", 2, fourcc(b"RA12"), g(gl::RGBA4, RGBA, gl::UNSIGNED_SHORT_4_4_4_4)),
    c(312, "R8_SRGB", 1, 0, NONE),
    c(313, "R8G8_SRGB", 2, 0, NONE),
    c(317, "B8G8R8_UNORM", 3, fourcc(b"RG24"), gs(gl::RGB8, RGB, UB, SW_BGRX)),
    c(318, "R3G3B2_UNORM", 1, fourcc(b"BGR8"), g(gl::R3_G3_B2, RGB, gl::UNSIGNED_BYTE_2_3_3_REV)),
    c(
        319,
        "R4G4B4A4_UNORM",
        2,
        fourcc(b"AB12"),
        g(gl::RGBA4, RGBA, gl::UNSIGNED_SHORT_4_4_4_4_REV),
    ),
    c(
        320,
        "R5G5B5A1_UNORM",
        2,
        fourcc(b"AB15"),
        g(gl::RGB5_A1, RGBA, gl::UNSIGNED_SHORT_1_5_5_5_REV),
    ),
    c(321, "R5G6B5_UNORM", 2, fourcc(b"BG16"), g(gl::RGB565, RGB, gl::UNSIGNED_SHORT_5_6_5_REV)),
    c(330, "A1B5G5R5_UINT", 2, 0, NONE),
    c(331, "A1B5G5R5_UNORM", 2, fourcc(b"RA15"), g(gl::RGB5_A1, RGBA, gl::UNSIGNED_SHORT_5_5_5_1)),
    c(332, "A1R5G5B5_UINT", 2, 0, NONE),
    c(333, "A1R5G5B5_UNORM", 2, fourcc(b"BA15"), g(gl::RGB5_A1, BGRA, gl::UNSIGNED_SHORT_5_5_5_1)),
    c(334, "A2B10G10R10_UINT", 4, 0, g(gl::RGB10_A2UI, RGBA_INTEGER, gl::UNSIGNED_INT_10_10_10_2)),
    c(
        335,
        "A2B10G10R10_UNORM",
        4,
        fourcc(b"RA30"),
        g(gl::RGB10_A2, RGBA, gl::UNSIGNED_INT_10_10_10_2),
    ),
    c(336, "A2R10G10B10_UINT", 4, 0, g(gl::RGB10_A2UI, BGRA_INTEGER, gl::UNSIGNED_INT_10_10_10_2)),
    c(
        337,
        "A2R10G10B10_UNORM",
        4,
        fourcc(b"BA30"),
        g(gl::RGB10_A2, BGRA, gl::UNSIGNED_INT_10_10_10_2),
    ),
    c(338, "A4B4G4R4_UINT", 2, 0, NONE),
    c(339, "A4R4G4B4_UINT", 2, 0, NONE),
    c(340, "A4R4G4B4_UNORM", 2, fourcc(b"BA12"), g(gl::RGBA4, BGRA, gl::UNSIGNED_SHORT_4_4_4_4)),
    c(341, "A8B8G8R8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_ABGR)),
    c(342, "A8B8G8R8_SSCALED", 4, 0, NONE),
    c(343, "A8B8G8R8_UINT", 4, 0, gs(gl::RGBA8UI, RGBA_INTEGER, UB, SW_ABGR)),
    c(344, "A8B8G8R8_USCALED", 4, 0, NONE),
    c(345, "A8R8G8B8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_ARGB)),
    c(346, "A8R8G8B8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_ARGB)),
    c(347, "A8R8G8B8_UINT", 4, 0, gs(gl::RGBA8UI, RGBA_INTEGER, UB, SW_ARGB)),
    bc(368, "ATC_RGB", 4, 4, 8, 0),
    bc(369, "ATC_RGBA_EXPLICIT", 4, 4, 16, 0),
    bc(370, "ATC_RGBA_INTERPOLATED", 4, 4, 16, 0),
    c(372, "B10G10R10A2_SINT", 4, 0, NONE),
    c(373, "B10G10R10X2_SINT", 4, 0, NONE),
    c(374, "B10G10R10X2_SNORM", 4, 0, NONE),
    c(375, "B2G3R3_UINT", 1, 0, NONE),
    c(376, "B4G4R4A4_UINT", 2, 0, NONE),
    c(377, "B5G5R5A1_UINT", 2, 0, NONE),
    c(378, "B5G6R5_UINT", 2, 0, NONE),
    c(379, "B8G8R8A8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_BGRA)),
    c(380, "B8G8R8A8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_BGRA)),
    c(381, "B8G8R8A8_SSCALED", 4, 0, NONE),
    c(382, "B8G8R8A8_UINT", 4, 0, gs(gl::RGBA8UI, RGBA_INTEGER, UB, SW_BGRA)),
    c(383, "B8G8R8A8_USCALED", 4, 0, NONE),
    c(385, "B8G8R8_SINT", 3, 0, gs(gl::RGB8I, RGB_INTEGER, BYTE, SW_BGRX)),
    c(386, "B8G8R8_SNORM", 3, 0, gs(gl::RGB8_SNORM, RGB, BYTE, SW_BGRX)),
    c(387, "B8G8R8_SRGB", 3, 0, gs(gl::SRGB8, RGB, UB, SW_BGRX)),
    c(388, "B8G8R8_SSCALED", 3, 0, NONE),
    c(389, "B8G8R8_UINT", 3, 0, gs(gl::RGB8UI, RGB_INTEGER, UB, SW_BGRX)),
    c(390, "B8G8R8_USCALED", 3, 0, NONE),
    c(391, "B8G8R8X8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_BGRX)),
    c(392, "B8G8R8X8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_BGRX)),
    c(393, "B8G8R8X8_UINT", 4, 0, gs(gl::RGBA8UI, RGBA_INTEGER, UB, SW_BGRX)),
    bc(395, "FXT1_RGB", 8, 4, 16, 0),
    bc(396, "FXT1_RGBA", 8, 4, 16, 0),
    c(397, "G16R16_SINT", 4, 0, gs(gl::RG16I, RG_INTEGER, SHORT, SW_GR)),
    c(401, "G8R8_SINT", 2, 0, gs(gl::RG8I, RG_INTEGER, BYTE, SW_GR)),
    c(403, "R10G10B10A2_SINT", 4, 0, NONE),
    c(404, "R10G10B10X2_SINT", 4, 0, NONE),
    c(405, "R3G3B2_UINT", 1, 0, NONE),
    c(406, "R4G4B4A4_UINT", 2, 0, NONE),
    c(
        407,
        "R4G4B4X4_UNORM",
        2,
        fourcc(b"XB12"),
        gs(gl::RGBA4, RGBA, gl::UNSIGNED_SHORT_4_4_4_4_REV, SW_RGBX),
    ),
    c(408, "R5G5B5A1_UINT", 2, 0, NONE),
    c(
        409,
        "R5G5B5X1_UNORM",
        2,
        fourcc(b"XB15"),
        gs(gl::RGB5_A1, RGBA, gl::UNSIGNED_SHORT_1_5_5_5_REV, SW_RGBX),
    ),
    c(410, "R5G6B5_SRGB", 2, 0, NONE),
    c(411, "R5G6B5_UINT", 2, 0, NONE),
    c(412, "R64G64B64A64_SINT", 32, 0, NONE),
    c(413, "R64G64B64A64_UINT", 32, 0, NONE),
    c(414, "R64G64B64_SINT", 24, 0, NONE),
    c(415, "R64G64B64_UINT", 24, 0, NONE),
    c(416, "R64G64_SINT", 16, 0, NONE),
    c(417, "R64G64_UINT", 16, 0, NONE),
    c(418, "R64_SINT", 8, 0, NONE),
    c(419, "R64_UINT", 8, 0, NONE),
    c(
        427,
        "X1B5G5R5_UNORM",
        2,
        fourcc(b"RX15"),
        gs(gl::RGB5_A1, RGBA, gl::UNSIGNED_SHORT_5_5_5_1, SW_RGBX),
    ),
    c(
        428,
        "X1R5G5B5_UNORM",
        2,
        fourcc(b"BX15"),
        gs(gl::RGB5_A1, BGRA, gl::UNSIGNED_SHORT_5_5_5_1, SW_RGBX),
    ),
    c(430, "X8B8G8R8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_XBGR)),
    c(431, "X8R8G8B8_SINT", 4, 0, gs(gl::RGBA8I, RGBA_INTEGER, BYTE, SW_XRGB)),
    c(432, "X8R8G8B8_SNORM", 4, 0, gs(gl::RGBA8_SNORM, RGBA, BYTE, SW_XRGB)),
    // Channels in the high bits of 16-bit words: GL would rescale them.
    c(450, "X6R10_UNORM", 2, 0, NONE),
    c(451, "X6R10X6G10_UNORM", 4, 0, NONE),
    c(452, "X4R12_UNORM", 2, 0, NONE),
    c(453, "X4R12X4G12_UNORM", 4, 0, NONE),
    // ASTC HDR blocks: no GL storage is guaranteed to keep them.
    bc(457, "ASTC_4x4_FLOAT", 4, 4, 16, 0),
    bc(458, "ASTC_5x4_FLOAT", 5, 4, 16, 0),
    bc(459, "ASTC_5x5_FLOAT", 5, 5, 16, 0),
    bc(460, "ASTC_6x5_FLOAT", 6, 5, 16, 0),
    bc(461, "ASTC_6x6_FLOAT", 6, 6, 16, 0),
    bc(462, "ASTC_8x5_FLOAT", 8, 5, 16, 0),
    bc(463, "ASTC_8x6_FLOAT", 8, 6, 16, 0),
    bc(464, "ASTC_8x8_FLOAT", 8, 8, 16, 0),
    bc(465, "ASTC_10x5_FLOAT", 10, 5, 16, 0),
    bc(466, "ASTC_10x6_FLOAT", 10, 6, 16, 0),
    bc(467, "ASTC_10x8_FLOAT", 10, 8, 16, 0),
    bc(468, "ASTC_10x10_FLOAT", 10, 10, 16, 0),
    bc(469, "ASTC_12x10_FLOAT", 12, 10, 16, 0),
    bc(470, "ASTC_12x12_FLOAT", 12, 12, 16, 0),
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
