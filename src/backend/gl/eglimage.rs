//! dma-bufs and GL: importing one as a texture (`EGL_EXT_image_dma_buf_import` +
//! `glEGLImageTargetTexture2DOES`) and exporting a texture (`EGL_MESA_image_dma_buf_export`).
//! Only our own EGL platforms can do either; the VMM's GL contexts answer EOPNOTSUPP.

use super::GlBackend;
use crate::error::{Error, Result};
use crate::model::resource::ResourceDesc;
use crate::sys::dmabuf::{Dmabuf, DmabufLayout, ImportedTexture};
use glow::HasContext;
use khronos_egl as egl;
use std::ffi::c_void;
use std::num::NonZeroU32;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

const LINUX_DMA_BUF_EXT: u32 = 0x3270;
const LINUX_DRM_FOURCC_EXT: i32 = 0x3271;
const DMA_BUF_PLANE0_FD_EXT: i32 = 0x3272;
const DMA_BUF_PLANE0_OFFSET_EXT: i32 = 0x3273;
const DMA_BUF_PLANE0_PITCH_EXT: i32 = 0x3274;
const DMA_BUF_PLANE0_MODIFIER_LO_EXT: i32 = 0x3443;
const DMA_BUF_PLANE0_MODIFIER_HI_EXT: i32 = 0x3444;
const GL_TEXTURE_2D_KHR: u32 = 0x30B1;
const GL_TEXTURE_LEVEL_KHR: i32 = 0x30BC;
const IMAGE_PRESERVED_KHR: i32 = 0x30D2;

type CreateImage = unsafe extern "system" fn(
    *mut c_void,
    *mut c_void,
    u32,
    *mut c_void,
    *const i32,
) -> *mut c_void;
type DestroyImage = unsafe extern "system" fn(*mut c_void, *mut c_void) -> u32;
type ImageTargetTexture = unsafe extern "system" fn(u32, *mut c_void);
type ExportQuery =
    unsafe extern "system" fn(*mut c_void, *mut c_void, *mut i32, *mut i32, *mut u64) -> u32;
type Export =
    unsafe extern "system" fn(*mut c_void, *mut c_void, *mut i32, *mut i32, *mut i32) -> u32;

/// The EGL pieces a dma-buf operation needs.
struct EglImageFns {
    display: *mut c_void,
    context: *mut c_void,
    create: CreateImage,
    destroy: DestroyImage,
    exts: String,
}

impl EglImageFns {
    /// eglCreateImage of a dma-buf described by the NONE-terminated `attrs`; on failure the
    /// EGL error, for the caller's message.
    fn create_dmabuf_image(
        &self,
        egl: &super::egl::Egl,
        attrs: &[i32],
    ) -> std::result::Result<*mut c_void, String> {
        debug_assert_eq!(attrs.last(), Some(&egl::NONE));
        // SAFETY: valid display; EGL_NO_CONTEXT and a NULL client buffer are what
        // EGL_LINUX_DMA_BUF_EXT requires; the attribute list is NONE-terminated. EGL dups
        // the fds it is given.
        let image = unsafe {
            (self.create)(
                self.display,
                std::ptr::null_mut(),
                LINUX_DMA_BUF_EXT,
                std::ptr::null_mut(),
                attrs.as_ptr(),
            )
        };
        if image.is_null() {
            return Err(egl.get_error().map(|x| x.to_string()).unwrap_or_default());
        }
        Ok(image)
    }
}

fn has(list: &str, ext: &str) -> bool {
    list.split_ascii_whitespace().any(|e| e == ext)
}

impl GlBackend {
    fn egl_image_fns(&self) -> Result<(EglImageFns, &super::egl::Egl)> {
        let (e, display, ctx) = self.platform.egl_handles().ok_or_else(|| {
            Error::notsup(format!("platform {} has no EGL display of ours", self.platform.name))
        })?;
        let exts = e
            .query_string(Some(display), egl::EXTENSIONS)
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let f = |n: &str| e.get_proc_address(n);
        let (Some(c), Some(d)) = (f("eglCreateImageKHR"), f("eglDestroyImageKHR")) else {
            return Err(Error::notsup("EGL lacks eglCreateImageKHR"));
        };
        // SAFETY: EGL_KHR_image_base's documented signatures.
        let (create, destroy) = unsafe {
            (
                std::mem::transmute::<extern "system" fn(), CreateImage>(c),
                std::mem::transmute::<extern "system" fn(), DestroyImage>(d),
            )
        };
        let context = ctx.map_or(std::ptr::null_mut(), |c| c.as_ptr());
        Ok((EglImageFns { display: display.as_ptr(), context, create, destroy, exts }, e))
    }

    /// Imports a single-plane dma-buf as a 2D texture.
    pub(super) fn import_dmabuf_texture(
        &mut self,
        desc: &ResourceDesc,
        l: &DmabufLayout,
        fd: &OwnedFd,
    ) -> Result<ImportedTexture> {
        self.begin()?;
        let (fns, e) = self.egl_image_fns()?;
        if !has(&fns.exts, "EGL_EXT_image_dma_buf_import") {
            return Err(Error::notsup(format!(
                "{}: no EGL_EXT_image_dma_buf_import",
                self.platform.name
            )));
        }
        let target_tex = e
            .get_proc_address("glEGLImageTargetTexture2DOES")
            // SAFETY: GL_OES_EGL_image's documented signature.
            .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), ImageTargetTexture>(f) })
            .ok_or_else(|| Error::notsup("no glEGLImageTargetTexture2DOES"))?;
        let gi = |v: u32, w: &str| i32::try_from(v).map_err(|_| Error::notsup(format!("{w} {v}")));
        let mut attrs = vec![
            egl::WIDTH,
            gi(l.width, "width")?,
            egl::HEIGHT,
            gi(l.height, "height")?,
            LINUX_DRM_FOURCC_EXT,
            l.fourcc as i32,
            DMA_BUF_PLANE0_FD_EXT,
            fd.as_raw_fd(),
            DMA_BUF_PLANE0_OFFSET_EXT,
            gi(l.offset, "offset")?,
            DMA_BUF_PLANE0_PITCH_EXT,
            gi(l.stride, "stride")?,
        ];
        if has(&fns.exts, "EGL_EXT_image_dma_buf_import_modifiers") {
            attrs.extend_from_slice(&[
                DMA_BUF_PLANE0_MODIFIER_LO_EXT,
                l.modifier as u32 as i32,
                DMA_BUF_PLANE0_MODIFIER_HI_EXT,
                (l.modifier >> 32) as u32 as i32,
            ]);
        }
        attrs.push(egl::NONE);
        let image = fns.create_dmabuf_image(e, &attrs).map_err(|err| {
            Error::notsup(format!(
                "eglCreateImage(dma-buf {:?} {}x{} stride {}) failed: {err}",
                desc.format.name, l.width, l.height, l.stride
            ))
        })?;
        // SAFETY: context current; the texture is deleted (and the image destroyed) on failure.
        let tex = match unsafe { self.gl.create_texture() } {
            Ok(t) => t,
            Err(m) => {
                // SAFETY: destroying the image made above.
                unsafe { (fns.destroy)(fns.display, image) };
                return Err(Error::nomem(format!("glGenTextures: {m}")));
            }
        };
        // SAFETY: context current; `image` is a valid EGLImage and the texture ours.
        unsafe {
            self.gl.bind_texture(glow::TEXTURE_2D, Some(tex));
            target_tex(glow::TEXTURE_2D, image);
            self.gl.tex_parameter_i32(
                glow::TEXTURE_2D,
                glow::TEXTURE_MIN_FILTER,
                glow::NEAREST as i32,
            );
            self.gl.tex_parameter_i32(
                glow::TEXTURE_2D,
                glow::TEXTURE_MAG_FILTER,
                glow::NEAREST as i32,
            );
            self.gl.bind_texture(glow::TEXTURE_2D, None);
        }
        if let Err(err) = self.check("glEGLImageTargetTexture2DOES") {
            // SAFETY: deleting what was made above.
            unsafe {
                self.gl.delete_texture(tex);
                (fns.destroy)(fns.display, image);
            }
            return Err(Error::notsup(err.msg));
        }
        Ok(ImportedTexture { name: tex.0.get(), target: glow::TEXTURE_2D, image: image as usize })
    }

    /// Deletes an imported texture and its EGLImage.
    pub(super) fn release_dmabuf_texture(&mut self, imp: ImportedTexture) {
        if let Err(e) = self.begin() {
            log::warn!("release of imported texture {}: {}", imp.name, e.msg);
            return;
        }
        if let Some(t) = NonZeroU32::new(imp.name) {
            // SAFETY: context current; the texture was created by import_dmabuf_texture and
            // is deleted once (the value is consumed).
            unsafe { self.gl.delete_texture(glow::NativeTexture(t)) };
        }
        if let Ok((fns, _)) = self.egl_image_fns() {
            // SAFETY: the image made with the texture, destroyed once.
            unsafe { (fns.destroy)(fns.display, imp.image as *mut c_void) };
        }
    }

    /// Exports level 0 of a 2D texture as a dma-buf (EGL_MESA_image_dma_buf_export).
    pub(super) fn export_dmabuf_texture(
        &mut self,
        desc: &ResourceDesc,
        name: u32,
        target: u32,
    ) -> Result<Dmabuf> {
        if target != glow::TEXTURE_2D {
            return Err(Error::notsup(format!("texture target {target:#x} cannot be exported")));
        }
        self.begin()?;
        // SAFETY: context current; the texture's contents must be complete before another
        // user reads the buffer.
        unsafe { self.gl.finish() };
        let (fns, e) = self.egl_image_fns()?;
        for ext in ["EGL_MESA_image_dma_buf_export", "EGL_KHR_gl_texture_2D_image"] {
            if !has(&fns.exts, ext) {
                return Err(Error::notsup(format!("{}: no {ext}", self.platform.name)));
            }
        }
        let f = |n: &str| e.get_proc_address(n);
        let (Some(q), Some(x)) =
            (f("eglExportDMABUFImageQueryMESA"), f("eglExportDMABUFImageMESA"))
        else {
            return Err(Error::notsup("EGL lacks the MESA dma-buf export entry points"));
        };
        // SAFETY: EGL_MESA_image_dma_buf_export's documented signatures.
        let (query, export) = unsafe {
            (
                std::mem::transmute::<extern "system" fn(), ExportQuery>(q),
                std::mem::transmute::<extern "system" fn(), Export>(x),
            )
        };
        let attrs = [GL_TEXTURE_LEVEL_KHR, 0, IMAGE_PRESERVED_KHR, 1, egl::NONE];
        // SAFETY: valid display and current context; the client buffer of
        // EGL_GL_TEXTURE_2D_KHR is the texture name cast to a pointer.
        let image = unsafe {
            (fns.create)(
                fns.display,
                fns.context,
                GL_TEXTURE_2D_KHR,
                name as usize as *mut c_void,
                attrs.as_ptr(),
            )
        };
        if image.is_null() {
            return Err(Error::notsup(format!("eglCreateImage of texture {name} failed")));
        }
        let (mut fourcc, mut planes, mut modifier) = (0i32, 0i32, 0u64);
        let mut fds = [-1i32; 4];
        let mut strides = [0i32; 4];
        let mut offsets = [0i32; 4];
        // SAFETY: valid image; the query writes one modifier per plane — asked only after
        // `planes` is known to be ≤ 1 below — and the export writes `planes` (≤ 4) entries.
        let ok = unsafe {
            query(fns.display, image, &mut fourcc, &mut planes, std::ptr::null_mut()) != 0
                && planes == 1
                && query(fns.display, image, &mut fourcc, &mut planes, &mut modifier) != 0
                && export(
                    fns.display,
                    image,
                    fds.as_mut_ptr(),
                    strides.as_mut_ptr(),
                    offsets.as_mut_ptr(),
                ) != 0
        };
        // SAFETY: destroying the image made above (the dma-buf keeps the memory).
        unsafe { (fns.destroy)(fns.display, image) };
        if !ok || fds[0] < 0 {
            return Err(Error::notsup(format!(
                "{} cannot export texture {name} ({}) as a dma-buf (planes {planes})",
                self.platform.name, desc.format.name
            )));
        }
        // SAFETY: the export handed us a new fd.
        let fd = unsafe { OwnedFd::from_raw_fd(fds[0]) };
        // SAFETY: lseek on our fd.
        let size = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_END) }.max(0) as u64;
        Ok(Dmabuf {
            fd,
            fourcc: fourcc as u32,
            modifier,
            size,
            num_planes: 1,
            strides: [strides[0] as u32, 0, 0, 0],
            offsets: [offsets[0] as u32, 0, 0, 0],
        })
    }
}

/// `EGL_DMA_BUF_PLANEn_{FD,OFFSET,PITCH,MODIFIER_LO,MODIFIER_HI}_EXT` for planes 0–3.
const PLANE_ATTRS: [[i32; 5]; 4] = [
    [0x3272, 0x3273, 0x3274, 0x3443, 0x3444],
    [0x3275, 0x3276, 0x3277, 0x3445, 0x3446],
    [0x3278, 0x3279, 0x327A, 0x3447, 0x3448],
    [0x3440, 0x3441, 0x3442, 0x3449, 0x344A],
];

type QueryModifiers =
    unsafe extern "system" fn(*mut c_void, i32, i32, *mut u64, *mut u32, *mut i32) -> u32;
type ImageTargetTexStorage = unsafe extern "system" fn(u32, *mut c_void, *const i32);

impl GlBackend {
    /// The modifiers our EGL display imports `fourcc` with for sampling/rendering
    /// (`eglQueryDmaBufModifiersEXT`, external-only ones left out); empty when it cannot say.
    pub(super) fn dmabuf_modifiers(&self, fourcc: u32) -> Vec<u64> {
        let Ok((fns, e)) = self.egl_image_fns() else {
            return Vec::new();
        };
        if !has(&fns.exts, "EGL_EXT_image_dma_buf_import_modifiers") {
            return Vec::new();
        }
        let Some(q) = e.get_proc_address("eglQueryDmaBufModifiersEXT") else {
            return Vec::new();
        };
        // SAFETY: EGL_EXT_image_dma_buf_import_modifiers' documented signature.
        let query = unsafe { std::mem::transmute::<extern "system" fn(), QueryModifiers>(q) };
        let mut n = 0i32;
        // SAFETY: max 0 with NULL arrays asks for the count only.
        let ok = unsafe {
            query(fns.display, fourcc as i32, 0, std::ptr::null_mut(), std::ptr::null_mut(), &mut n)
        };
        if ok == 0 || n <= 0 {
            return Vec::new();
        }
        let n = n.min(256);
        let mut mods = vec![0u64; n as usize];
        let mut ext_only = vec![0u32; n as usize];
        let mut got = 0i32;
        // SAFETY: both arrays hold `n` entries; EGL writes at most `n`.
        let ok = unsafe {
            query(fns.display, fourcc as i32, n, mods.as_mut_ptr(), ext_only.as_mut_ptr(), &mut got)
        };
        if ok == 0 {
            return Vec::new();
        }
        let got = got.clamp(0, n) as usize;
        mods.iter().zip(&ext_only).take(got).filter(|(_, &x)| x == 0).map(|(&m, _)| m).collect()
    }

    /// Imports a GBM bo as a 2D texture through an EGLImage created with `fourcc` (the
    /// fourcc of the GL storage's byte layout, which may differ from the bo's own):
    /// `glEGLImageTargetTexStorageEXT` where available (immutable storage), else
    /// `glEGLImageTargetTexture2DOES`. Returns the texture name and the EGLImage.
    pub(super) fn import_gbm_bo(
        &mut self,
        bo: &super::gbm::Bo,
        width: u32,
        height: u32,
        fourcc: u32,
    ) -> Result<(glow::NativeTexture, usize)> {
        let (fns, e) = self.egl_image_fns()?;
        if !has(&fns.exts, "EGL_EXT_image_dma_buf_import") {
            return Err(Error::notsup(format!(
                "{}: no EGL_EXT_image_dma_buf_import",
                self.platform.name
            )));
        }
        let with_mods = has(&fns.exts, "EGL_EXT_image_dma_buf_import_modifiers")
            && bo.modifier != crate::sys::dmabuf::DRM_FORMAT_MOD_INVALID;
        let gi = |v: u32, w: &str| i32::try_from(v).map_err(|_| Error::notsup(format!("{w} {v}")));
        let mut attrs = vec![
            egl::WIDTH,
            gi(width, "width")?,
            egl::HEIGHT,
            gi(height, "height")?,
            LINUX_DRM_FOURCC_EXT,
            fourcc as i32,
        ];
        for (p, a) in PLANE_ATTRS.iter().enumerate().take(bo.planes.min(4) as usize) {
            attrs.extend_from_slice(&[
                a[0],
                bo.fd.as_raw_fd(),
                a[1],
                gi(bo.offsets[p], "offset")?,
                a[2],
                gi(bo.strides[p], "stride")?,
            ]);
            if with_mods {
                attrs.extend_from_slice(&[
                    a[3],
                    bo.modifier as u32 as i32,
                    a[4],
                    (bo.modifier >> 32) as u32 as i32,
                ]);
            }
        }
        attrs.push(egl::NONE);
        let image = fns.create_dmabuf_image(e, &attrs).map_err(|err| {
            Error::notsup(format!(
                "eglCreateImage(GBM bo {fourcc:#x} modifier {:#x} {width}x{height}) failed: {err}",
                bo.modifier
            ))
        })?;
        let storage = if self.gl.supported_extensions().contains("GL_EXT_EGL_image_storage") {
            e.get_proc_address("glEGLImageTargetTexStorageEXT")
                // SAFETY: GL_EXT_EGL_image_storage's documented signature.
                .map(|f| unsafe {
                    std::mem::transmute::<extern "system" fn(), ImageTargetTexStorage>(f)
                })
        } else {
            None
        };
        let tex2d = e
            .get_proc_address("glEGLImageTargetTexture2DOES")
            // SAFETY: GL_OES_EGL_image's documented signature.
            .map(|f| unsafe { std::mem::transmute::<extern "system" fn(), ImageTargetTexture>(f) });
        if storage.is_none() && tex2d.is_none() {
            // SAFETY: destroying the image made above.
            unsafe { (fns.destroy)(fns.display, image) };
            return Err(Error::notsup("no glEGLImageTargetTex* entry point"));
        }
        // SAFETY: context current; the texture is deleted (and the image destroyed) on failure.
        let tex = match unsafe { self.gl.create_texture() } {
            Ok(t) => t,
            Err(m) => {
                // SAFETY: destroying the image made above.
                unsafe { (fns.destroy)(fns.display, image) };
                return Err(Error::nomem(format!("glGenTextures: {m}")));
            }
        };
        // SAFETY: context current; `image` is a valid EGLImage, the texture ours and bound;
        // a NULL attribute list is allowed for glEGLImageTargetTexStorageEXT.
        unsafe {
            self.gl.bind_texture(glow::TEXTURE_2D, Some(tex));
            match (storage, tex2d) {
                (Some(st), _) => st(glow::TEXTURE_2D, image, std::ptr::null()),
                (None, Some(t2)) => t2(glow::TEXTURE_2D, image),
                (None, None) => {}
            }
            self.gl.bind_texture(glow::TEXTURE_2D, None);
        }
        if let Err(err) = self.check("glEGLImageTargetTex*") {
            // SAFETY: deleting what was made above.
            unsafe {
                self.gl.delete_texture(tex);
                (fns.destroy)(fns.display, image);
            }
            return Err(Error::notsup(err.msg));
        }
        Ok((tex, image as usize))
    }

    /// Destroys an EGLImage made by [`Self::import_gbm_bo`].
    pub(super) fn destroy_egl_image(&self, image: usize) {
        if let Ok((fns, _)) = self.egl_image_fns() {
            // SAFETY: an image made by import_gbm_bo, destroyed once (its owner is consumed).
            unsafe { (fns.destroy)(fns.display, image as *mut c_void) };
        }
    }
}
