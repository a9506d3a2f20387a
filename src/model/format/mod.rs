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
//! 24-in-32 depth with the padding in the high byte ...) have `gl: None` and live in the
//! CPU backend only.
//!
//! Every `gl: Some` entry was checked on Mesa 25 llvmpipe (GL 4.5 core): glTexStorage2D +
//! glTexSubImage2D / glCompressedTexSubImage2D of random bytes and of every byte value,
//! then glGetTexImage / glGetCompressedTexImage with the same (`format`, `ty`), gives the
//! bytes back unchanged (SNORM -128 included), except the three GL 3.0 formats that
//! [`FormatInfo::gl_transfer_is_exact`] names: Z32_FLOAT and Z32_FLOAT_S8X24_UINT (GL may
//! clamp float depth to [0, 1] and does not keep the 24 padding bits) and R9G9B9E5_FLOAT
//! (GL may renormalise a shared-exponent texel). They keep every value a guest can render
//! or sample; only bytes outside that set may change. Z24X8_UNORM failed the check;
//! Z32_UNORM passed on llvmpipe but GL does not promise it, so both stay `None`.
//!
//! Planar, subsampled and YUV formats, 3D ASTC blocks and `R1_UNORM` are not in the table:
//! a resource in one of them is rejected.

use drm_fourcc::DrmFourcc;
use glow as gl;

mod blit;
mod table;
pub use blit::{gl_blit_keeps_channels, stored_channels_line_up, stored_channels_pack};
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
    /// The same bytes with or without sRGB conversion: `other` is this format, or the
    /// `*_SRGB` / `*_UNORM` twin of it (`R8G8B8A8_SRGB` and `R8G8B8A8_UNORM`), as gallium
    /// views sRGB storage linearly when the guest's `GL_FRAMEBUFFER_SRGB` is off.
    pub fn srgb_twin(&self, other: &FormatInfo) -> bool {
        let base =
            |f: &FormatInfo| f.name.strip_suffix("_SRGB").or_else(|| f.name.strip_suffix("_UNORM"));
        self.id == other.id
            || (self.is_srgb() != other.is_srgb()
                && base(self).is_some_and(|b| base(other) == Some(b)))
    }
    /// The GL backend can hold the format (and therefore sample it).
    pub fn sampleable(&self) -> bool {
        self.gl.is_some()
    }
    /// Every byte pattern uploaded to the GL storage reads back unchanged. False for
    /// formats without GL storage and for the three whose GL storage keeps only valid
    /// values: float depth outside [0, 1] (and NaN) may be clamped, the 24 padding bits of
    /// Z32_FLOAT_S8X24_UINT are not stored, and a shared-exponent texel that is not in
    /// canonical form (largest mantissa ≥ 256 unless the exponent is 0) may be renormalised.
    pub fn gl_transfer_is_exact(&self) -> bool {
        self.gl.is_some() && !matches!(self.id, Z32_FLOAT | R9G9B9E5_FLOAT | Z32_FLOAT_S8X24_UINT)
    }
    /// GL can render to the storage: a colour format whose internal format is colour-
    /// renderable and whose swizzle only reorders channels (or forces an X channel to one),
    /// so a draw can write each channel through a matching output swizzle; or a depth /
    /// stencil format whose internal format is depth- or stencil-renderable; or an alpha
    /// format kept in red ([`Self::alpha_in_red`]). Luminance and intensity formats
    /// (replicating swizzles), compressed formats and formats without GL storage are not
    /// renderable. A draw into a swizzled format (e.g.
    /// B8G8R8A8 stored as RGBA8) must apply the inverse swizzle to its colour output.
    pub fn renderable(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        match self.kind {
            Kind::Color => {
                COLOR_RENDERABLE.contains(&g.internal)
                    && (swizzle_is_writable(g.swizzle) || self.alpha_in_red())
            }
            Kind::Depth | Kind::Stencil | Kind::DepthStencil => {
                DEPTH_STENCIL_RENDERABLE.contains(&g.internal)
            }
            Kind::Compressed => false,
        }
    }
    /// An alpha-only colour format kept in the red channel of single-channel GL storage
    /// (A8_UNORM as R8, sampled as 000R), not integer: a draw writes its alpha output into
    /// the stored red channel, and blending moves the alpha factors onto that channel
    /// (`gl_state::BlendGl::with_alpha_in_red`), so it renders like GL's alpha formats.
    pub fn alpha_in_red(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        self.kind == Kind::Color
            && g.format == gl::RED
            && g.swizzle == Some(SW_A)
            && !(self.is_sint_color() || self.is_uint_color())
    }
    /// A luminance-only colour format kept in the red channel of single-channel storage
    /// (L8_UNORM as R8, sampled as RRR1), not integer: a draw writes its red output into
    /// the stored red channel (gallium packs luminance from red), and a DST_ALPHA factor
    /// reads one, as for GL's luminance formats, which have no alpha. Level 2 renders to
    /// them where the host's render probe does ([`Self::render_candidate`]).
    pub fn luminance_in_red(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        self.kind == Kind::Color
            && g.format == gl::RED
            && g.swizzle == Some(SW_L)
            && !(self.is_sint_color() || self.is_uint_color())
    }
    /// A luminance-alpha format of normalized or float values kept in two-channel storage
    /// (L8A8_UNORM as RG8, sampled as RRRG). GL's compatibility profile renders to
    /// GL_LUMINANCE_ALPHA textures, but no draw can blend into this storage: the alpha
    /// lives in the stored green channel, which blends with the colour factors, and a
    /// DST_ALPHA factor reads one. The capsets leave these formats out of the sampler mask
    /// too, so that the guest's Mesa keeps such textures in a format it can render to
    /// (RGBA8) instead of choosing this one and finding the framebuffer unsupported.
    pub fn luminance_alpha_in_rg(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        self.kind == Kind::Color
            && g.format == gl::RG
            && g.swizzle == Some(SW_LA)
            && (self.name.ends_with("_UNORM") || self.name.ends_with("_FLOAT"))
    }
    /// The SNORM luminance-alpha formats in RG storage (L8A8_SNORM, L16A16_SNORM): the same
    /// blending gap as [`Self::luminance_alpha_in_rg`] once level 2 offers SNORM render
    /// targets, so level 2 leaves them out of the sampler mask too (the guest keeps such
    /// textures as RGBA SNORM). Level 1 renders to no SNORM format and keeps them.
    pub fn luminance_alpha_snorm_in_rg(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        self.kind == Kind::Color
            && g.format == gl::RG
            && g.swizzle == Some(SW_LA)
            && self.name.ends_with("_SNORM")
    }
    /// A colour format GL may render to although core GL does not require it (SNORM):
    /// uncompressed colour storage written through a reordering swizzle, not in the
    /// required list. Only a host's render probe can say. Three-channel normalized and
    /// float storage is left out (a guest that sees RGB16F renderable picks it for
    /// multisample buffers too); three-channel integers are in: Mesa keeps GL_RGB8I …
    /// textures in them and attaches those to framebuffers. Alpha and luminance formats
    /// kept in red ([`Self::alpha_in_red`], [`Self::luminance_in_red`]) are candidates too
    /// (A8_SNORM, L8_UNORM, L16_FLOAT …: the red channel takes the alpha or red output).
    pub fn render_candidate(&self) -> bool {
        let Some(g) = self.gl else {
            return false;
        };
        // 3-3-2 is picked only where the guest asks for GL_R3_G3_B2.
        let rgb = g.format == gl::RGB && g.internal != gl::R3_G3_B2;
        let writable =
            swizzle_is_writable(g.swizzle) || self.alpha_in_red() || self.luminance_in_red();
        self.kind == Kind::Color && !self.renderable() && !rgb && writable
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
/// `VIRGL_FORMAT_R9G9B9E5_FLOAT`.
pub const R9G9B9E5_FLOAT: u32 = 125;
/// `VIRGL_FORMAT_Z32_FLOAT_S8X24_UINT`.
pub const Z32_FLOAT_S8X24_UINT: u32 = 126;
/// `VIRGL_FORMAT_B10G10R10A2_UNORM`.
pub const B10G10R10A2_UNORM: u32 = 131;
/// `VIRGL_FORMAT_X24S8_UINT`, `S8X24_UINT`, `X32_S8X24_UINT`: the stencil of
/// Z24_UNORM_S8_UINT, S8_UINT_Z24_UNORM and Z32_FLOAT_S8X24_UINT, as sampler-view formats
/// only (no storage of their own): see [`stencil_view_of`].
pub const X24S8_UINT: u32 = 136;
pub const S8X24_UINT: u32 = 137;
pub const X32_S8X24_UINT: u32 = 138;

/// The depth/stencil storage format whose stencil the view format `view` reads
/// (GL_ARB_stencil_texturing: `GL_DEPTH_STENCIL_TEXTURE_MODE` = `GL_STENCIL_INDEX`).
pub fn stencil_view_of(view: u32) -> Option<u32> {
    Some(match view {
        X24S8_UINT => Z24_UNORM_S8_UINT,
        S8X24_UINT => S8_UINT_Z24_UNORM,
        X32_S8X24_UINT => Z32_FLOAT_S8X24_UINT,
        _ => return None,
    })
}

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

/// A set of format numbers below 512 (the capsets' mask width); larger numbers are never in
/// it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FormatSet([u32; 16]);

impl FormatSet {
    /// Adds format `id` (ignored at 512 or above).
    pub fn insert(&mut self, id: u32) {
        if let Some(w) = self.0.get_mut((id / 32) as usize) {
            *w |= 1 << (id % 32);
        }
    }
    /// Removes format `id`.
    pub fn remove(&mut self, id: u32) {
        if let Some(w) = self.0.get_mut((id / 32) as usize) {
            *w &= !(1 << (id % 32));
        }
    }
    /// Whether format `id` is in the set.
    pub fn contains(&self, id: u32) -> bool {
        self.0.get((id / 32) as usize).is_some_and(|w| w & (1 << (id % 32)) != 0)
    }
    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// Looks a format up by its virgl number.
pub fn lookup(id: u32) -> Option<&'static FormatInfo> {
    FORMATS.binary_search_by_key(&id, |f| f.id).ok().map(|i| &FORMATS[i])
}

/// Every known format, sorted by number.
pub fn all() -> &'static [FormatInfo] {
    FORMATS
}

#[cfg(test)]
mod tests;
