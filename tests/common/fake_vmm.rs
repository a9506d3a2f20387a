//! A VMM's GL context callbacks in plain Rust over its own surfaceless EGL display, as
//! QEMU's `-display sdl,gl=on` gives them (`create_gl_context` shares with the current
//! context when asked to), counting the calls.

use super::GL_REQUIRED;
use std::ffi::c_void;
use virglrenderer::ffi::types::{virgl_renderer_gl_context, virgl_renderer_gl_ctx_param};

pub type Egl = khronos_egl::DynamicInstance<khronos_egl::EGL1_4>;

/// What a VMM keeps behind its cookie: its EGL display and call counts.
pub struct FakeVmm {
    pub egl: Egl,
    pub display: khronos_egl::Display,
    pub created: std::sync::atomic::AtomicU32,
    pub made_current: std::sync::atomic::AtomicU32,
    pub destroyed: std::sync::atomic::AtomicU32,
    /// `create_gl_context` returns NULL while set.
    pub refuse: std::sync::atomic::AtomicBool,
    /// Contexts created while set refuse `make_current` (returns -1) for good.
    pub refuse_current: std::sync::atomic::AtomicBool,
    refused: std::sync::Mutex<Vec<usize>>,
}

pub unsafe extern "C" fn vmm_create(
    cookie: *mut c_void,
    _scanout: i32,
    param: *mut virgl_renderer_gl_ctx_param,
) -> virgl_renderer_gl_context {
    // SAFETY: the cookie is the FakeVmm the test passed; `param` is valid for the call.
    let (vmm, p) = unsafe { (&*(cookie as *const FakeVmm), &*param) };
    if vmm.refuse.load(std::sync::atomic::Ordering::SeqCst) {
        return std::ptr::null_mut();
    }
    let attribs = [
        0x3098, // EGL_CONTEXT_MAJOR_VERSION
        p.major_ver,
        0x30FB, // EGL_CONTEXT_MINOR_VERSION
        p.minor_ver,
        0x30FD, // EGL_CONTEXT_OPENGL_PROFILE_MASK
        1,      // core
        khronos_egl::NONE,
    ];
    vmm.egl.bind_api(khronos_egl::OPENGL_API).unwrap();
    // SAFETY: EGL_NO_CONFIG_KHR (Mesa has KHR_no_config_context).
    let config = unsafe { khronos_egl::Config::from_ptr(std::ptr::null_mut()) };
    // `shared`: in the current context's share group, as QEMU's contexts are.
    let share = if p.shared { vmm.egl.get_current_context() } else { None };
    match vmm.egl.create_context(vmm.display, config, share, &attribs) {
        Ok(c) => {
            vmm.created.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if vmm.refuse_current.load(std::sync::atomic::Ordering::SeqCst) {
                vmm.refused.lock().unwrap().push(c.as_ptr() as usize);
            }
            c.as_ptr()
        }
        Err(_) => std::ptr::null_mut(),
    }
}

pub unsafe extern "C" fn vmm_destroy(cookie: *mut c_void, ctx: virgl_renderer_gl_context) {
    // SAFETY: as in vmm_create; `ctx` came from vmm_create.
    let vmm = unsafe { &*(cookie as *const FakeVmm) };
    // SAFETY: a context handle this fake VMM created.
    let ctx = unsafe { khronos_egl::Context::from_ptr(ctx) };
    let _ = vmm.egl.make_current(vmm.display, None, None, None);
    vmm.egl.destroy_context(vmm.display, ctx).unwrap();
    vmm.destroyed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

pub unsafe extern "C" fn vmm_make_current(
    cookie: *mut c_void,
    _scanout: i32,
    ctx: virgl_renderer_gl_context,
) -> i32 {
    // SAFETY: as in vmm_create.
    let vmm = unsafe { &*(cookie as *const FakeVmm) };
    vmm.made_current.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if vmm.refused.lock().unwrap().contains(&(ctx as usize)) {
        return -1;
    }
    // SAFETY: a context handle this fake VMM created.
    let ctx = unsafe { khronos_egl::Context::from_ptr(ctx) };
    match vmm.egl.make_current(vmm.display, None, None, Some(ctx)) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// A "VMM" with its own surfaceless EGL display; panics without one (GL is required).
pub fn fake_vmm() -> Box<FakeVmm> {
    let no = |what: &str| -> ! { panic!("fake VMM: {what}: {GL_REQUIRED}") };
    // SAFETY: the system libEGL.
    let egl = unsafe { Egl::load_required() }.unwrap_or_else(|e| no(&format!("libEGL: {e}")));
    type Gpd = unsafe extern "system" fn(u32, *mut c_void, *const i32) -> *mut c_void;
    let f = egl
        .get_proc_address("eglGetPlatformDisplayEXT")
        .unwrap_or_else(|| no("no eglGetPlatformDisplayEXT"));
    // SAFETY: EGL_EXT_platform_base's signature.
    let gpd: Gpd = unsafe { std::mem::transmute::<extern "system" fn(), Gpd>(f) };
    // SAFETY: surfaceless platform, default display.
    let d = unsafe { gpd(0x31DD, std::ptr::null_mut(), std::ptr::null()) };
    if d.is_null() {
        no("no surfaceless EGL display");
    }
    // SAFETY: a display EGL returned.
    let display = unsafe { khronos_egl::Display::from_ptr(d) };
    egl.initialize(display).unwrap_or_else(|e| no(&format!("eglInitialize: {e}")));
    Box::new(FakeVmm {
        egl,
        display,
        created: 0.into(),
        made_current: 0.into(),
        destroyed: 0.into(),
        refuse: false.into(),
        refuse_current: false.into(),
        refused: Default::default(),
    })
}
