//! GL entry points glow does not wrap, or wraps with slices where we must pass raw pointers
//! (guest memory is never turned into a Rust slice) or `GLsizeiptr` sizes past `i32`.
//!
//! Loaded once per backend with the same loader as glow. Required entry points fail
//! [`RawGl::load`]; optional ones (newer GL versions) are `None` when missing.

use crate::error::{Error, Result};
use std::ffi::c_void;

type Enum = u32;
type Int = i32;
type Sizei = i32;
type SizeiPtr = isize;
type IntPtr = isize;
type Uint = u32;
type Ptr = *const c_void;
type PtrMut = *mut c_void;

/// Function pointers (GL calling convention) for pixel and buffer data transfers.
pub(crate) struct RawGl {
    /// Desktop GL only (`None` on OpenGL ES).
    pub tex_sub_image_1d: Option<unsafe extern "system" fn(Enum, Int, Int, Sizei, Enum, Enum, Ptr)>,
    pub tex_sub_image_2d:
        unsafe extern "system" fn(Enum, Int, Int, Int, Sizei, Sizei, Enum, Enum, Ptr),
    pub tex_sub_image_3d:
        unsafe extern "system" fn(Enum, Int, Int, Int, Int, Sizei, Sizei, Sizei, Enum, Enum, Ptr),
    /// Desktop GL only (`None` on OpenGL ES).
    pub compressed_tex_sub_image_1d:
        Option<unsafe extern "system" fn(Enum, Int, Int, Sizei, Enum, Sizei, Ptr)>,
    pub compressed_tex_sub_image_2d:
        unsafe extern "system" fn(Enum, Int, Int, Int, Sizei, Sizei, Enum, Sizei, Ptr),
    pub compressed_tex_sub_image_3d:
        unsafe extern "system" fn(Enum, Int, Int, Int, Int, Sizei, Sizei, Sizei, Enum, Sizei, Ptr),
    pub read_pixels: unsafe extern "system" fn(Int, Int, Sizei, Sizei, Enum, Enum, PtrMut),
    /// GL 4.5 / KHR_robustness.
    pub readn_pixels:
        Option<unsafe extern "system" fn(Int, Int, Sizei, Sizei, Enum, Enum, Sizei, PtrMut)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub get_tex_image: Option<unsafe extern "system" fn(Enum, Int, Enum, Enum, PtrMut)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub get_compressed_tex_image: Option<unsafe extern "system" fn(Enum, Int, PtrMut)>,
    /// GL 4.5 / ARB_get_texture_sub_image.
    pub get_texture_sub_image: Option<
        unsafe extern "system" fn(
            Uint,
            Int,
            Int,
            Int,
            Int,
            Sizei,
            Sizei,
            Sizei,
            Enum,
            Enum,
            Sizei,
            PtrMut,
        ),
    >,
    /// GL 4.5 / ARB_get_texture_sub_image.
    pub get_compressed_texture_sub_image: Option<
        unsafe extern "system" fn(Uint, Int, Int, Int, Int, Sizei, Sizei, Sizei, Sizei, PtrMut),
    >,
    /// GL 4.4 / ARB_clear_texture.
    pub clear_tex_image: Option<unsafe extern "system" fn(Uint, Int, Enum, Enum, Ptr)>,
    /// GL 4.3 / ARB_texture_storage_multisample.
    pub tex_storage_3d_multisample:
        Option<unsafe extern "system" fn(Enum, Sizei, Enum, Sizei, Sizei, Sizei, u8)>,
    /// GL 4.4 / ARB_buffer_storage.
    pub buffer_storage: Option<unsafe extern "system" fn(Enum, SizeiPtr, Ptr, u32)>,
    pub buffer_data: unsafe extern "system" fn(Enum, SizeiPtr, Ptr, Enum),
    pub buffer_sub_data: unsafe extern "system" fn(Enum, IntPtr, SizeiPtr, Ptr),
    /// Desktop GL only (`None` on OpenGL ES).
    pub get_buffer_sub_data: Option<unsafe extern "system" fn(Enum, IntPtr, SizeiPtr, PtrMut)>,
    /// GL 4.3 / ARB_clear_buffer_object.
    pub clear_buffer_data: Option<unsafe extern "system" fn(Enum, Enum, Enum, Enum, Ptr)>,
    /// glClipControl (GL 4.5 / GL_ARB_clip_control; glClipControlEXT of
    /// GL_EXT_clip_control on OpenGL ES): flipped viewports, `clip_halfz`.
    pub clip_control: Option<unsafe extern "system" fn(Enum, Enum)>,
    pub sample_maski: unsafe extern "system" fn(Uint, u32),
    pub get_multisamplefv: unsafe extern "system" fn(Enum, Uint, *mut f32),
    /// glBindVertexBuffer (GL 4.3 / ARB_vertex_attrib_binding, whose glVertexAttribFormat,
    /// glVertexAttribIFormat and glVertexAttribBinding glow calls when this is `Some`).
    pub bind_vertex_buffer: Option<unsafe extern "system" fn(Uint, Uint, IntPtr, Sizei)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub point_parameteri: Option<unsafe extern "system" fn(Enum, Int)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub primitive_restart_index: Option<unsafe extern "system" fn(Uint)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub logic_op: Option<unsafe extern "system" fn(Enum)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub provoking_vertex: Option<unsafe extern "system" fn(Enum)>,
    /// Desktop GL only (`None` on OpenGL ES).
    pub point_size: Option<unsafe extern "system" fn(f32)>,
    /// GL 4.2 / ARB_transform_feedback_instanced (draws from a transform-feedback object).
    pub draw_transform_feedback_instanced: Option<unsafe extern "system" fn(Enum, Uint, Sizei)>,
    /// GL 4.3 / ARB_framebuffer_no_attachments (a capture with no attachments bound).
    pub framebuffer_parameteri: Option<unsafe extern "system" fn(Enum, Enum, Int)>,
    /// GL 4.0 / ARB_tessellation_shader, desktop GL only (`None` on OpenGL ES, whose
    /// tessellation the translator does not emit): the default tessellation levels. Its
    /// presence is what [`super::GlBackend::tessellation`] reports.
    pub patch_parameterfv: Option<unsafe extern "system" fn(Enum, *const f32)>,
}

/// Casts a loaded symbol to its function-pointer type.
///
/// # Safety
/// `T` must be the `unsafe extern "system" fn` type of the entry point `p` was loaded for.
unsafe fn cast<T: Copy>(p: *const c_void) -> Option<T> {
    debug_assert_eq!(std::mem::size_of::<T>(), std::mem::size_of::<*const c_void>());
    // SAFETY: a non-NULL entry point reinterpreted as its own signature (caller's contract);
    // fn pointers and data pointers have the same size on every platform GL runs on.
    (!p.is_null()).then(|| unsafe { std::mem::transmute_copy::<*const c_void, T>(&p) })
}

impl RawGl {
    /// Loads the table with `get` (eglGetProcAddress or dlsym). `has(major, minor, ext)`
    /// says whether the current context is at least GL major.minor or has extension `ext`;
    /// optional entry points are kept only then, because eglGetProcAddress may hand out
    /// stubs for functions the context does not support. On OpenGL ES (`es`) the desktop-only
    /// entry points stay `None` and are not looked up.
    pub fn load(
        get: &mut dyn FnMut(&str) -> *const c_void,
        has: &dyn Fn(u32, u32, &str) -> bool,
        es: bool,
    ) -> Result<Self> {
        macro_rules! req {
            ($name:literal) => {{
                // SAFETY: the field's type is the documented signature of `$name`.
                unsafe { cast(get($name)) }
                    .ok_or_else(|| Error::notsup(concat!("GL entry point ", $name, " missing")))?
            }};
        }
        macro_rules! opt {
            ($name:literal, $maj:literal, $min:literal, $ext:literal) => {{
                if has($maj, $min, $ext) {
                    // SAFETY: as in `req!`.
                    unsafe { cast(get($name)) }
                } else {
                    None
                }
            }};
        }
        macro_rules! desktop {
            ($name:literal) => {{
                if es {
                    None
                } else {
                    Some(req!($name))
                }
            }};
        }
        let clip_control = if es {
            if has(0, 0, "GL_EXT_clip_control") {
                // SAFETY: as in `req!` (the EXT entry point has glClipControl's signature).
                unsafe { cast(get("glClipControlEXT")) }
            } else {
                None
            }
        } else {
            opt!("glClipControl", 4, 5, "GL_ARB_clip_control")
        };
        Ok(RawGl {
            tex_sub_image_1d: desktop!("glTexSubImage1D"),
            tex_sub_image_2d: req!("glTexSubImage2D"),
            tex_sub_image_3d: req!("glTexSubImage3D"),
            compressed_tex_sub_image_1d: desktop!("glCompressedTexSubImage1D"),
            compressed_tex_sub_image_2d: req!("glCompressedTexSubImage2D"),
            compressed_tex_sub_image_3d: req!("glCompressedTexSubImage3D"),
            read_pixels: req!("glReadPixels"),
            readn_pixels: opt!("glReadnPixels", 4, 5, "GL_KHR_robustness"),
            get_tex_image: desktop!("glGetTexImage"),
            get_compressed_tex_image: desktop!("glGetCompressedTexImage"),
            get_texture_sub_image: opt!(
                "glGetTextureSubImage",
                4,
                5,
                "GL_ARB_get_texture_sub_image"
            ),
            get_compressed_texture_sub_image: opt!(
                "glGetCompressedTextureSubImage",
                4,
                5,
                "GL_ARB_get_texture_sub_image"
            ),
            clear_tex_image: opt!("glClearTexImage", 4, 4, "GL_ARB_clear_texture"),
            tex_storage_3d_multisample: opt!(
                "glTexStorage3DMultisample",
                4,
                3,
                "GL_ARB_texture_storage_multisample"
            ),
            buffer_storage: opt!("glBufferStorage", 4, 4, "GL_ARB_buffer_storage"),
            buffer_data: req!("glBufferData"),
            buffer_sub_data: req!("glBufferSubData"),
            get_buffer_sub_data: desktop!("glGetBufferSubData"),
            clear_buffer_data: opt!("glClearBufferData", 4, 3, "GL_ARB_clear_buffer_object"),
            clip_control,
            sample_maski: req!("glSampleMaski"),
            get_multisamplefv: req!("glGetMultisamplefv"),
            bind_vertex_buffer: opt!("glBindVertexBuffer", 4, 3, "GL_ARB_vertex_attrib_binding"),
            point_parameteri: desktop!("glPointParameteri"),
            primitive_restart_index: desktop!("glPrimitiveRestartIndex"),
            logic_op: desktop!("glLogicOp"),
            provoking_vertex: desktop!("glProvokingVertex"),
            point_size: desktop!("glPointSize"),
            draw_transform_feedback_instanced: opt!(
                "glDrawTransformFeedbackInstanced",
                4,
                2,
                "GL_ARB_transform_feedback_instanced"
            ),
            framebuffer_parameteri: opt!(
                "glFramebufferParameteri",
                4,
                3,
                "GL_ARB_framebuffer_no_attachments"
            ),
            patch_parameterfv: if es {
                None
            } else {
                opt!("glPatchParameterfv", 4, 0, "GL_ARB_tessellation_shader")
            },
        })
    }
}
