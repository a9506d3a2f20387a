//! The CPU backend in a host that draws through libepoxy (QEMU's GL displays): at init the
//! library borrows a GL context for a moment, through the VMM's context callbacks as QEMU
//! gives them, so that libepoxy resolves the entry points QEMU's reset later calls without
//! a context (docs/qemu-hostmem.md). One process per test (cargo nextest).
//!
//! libepoxy0 and a working EGL (llvmpipe, surfaceless) are on every CI host: tests fail
//! without them, they do not skip.

use khronos_egl as egl;
use std::ffi::{c_int, c_void, CStr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use virglrenderer::ffi::*;

type Egl = egl::DynamicInstance<egl::EGL1_4>;

/// libepoxy's dispatch pointer for glDeleteFramebuffers, a GL 3.0 entry point whose
/// resolution needs a current context.
const VAR: &CStr = c"epoxy_glDeleteFramebuffers";
const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;

static CREATED: AtomicUsize = AtomicUsize::new(0);
static DESTROYED: AtomicUsize = AtomicUsize::new(0);
static MADE_CURRENT: AtomicUsize = AtomicUsize::new(0);

/// The "VMM's" EGL: a surfaceless display, as a QEMU with an EGL display has one.
struct VmmEgl {
    egl: Egl,
    display: egl::Display,
}
// SAFETY: the EGL instance and display handle are process-wide; EGL is thread-safe.
unsafe impl Send for VmmEgl {}
// SAFETY: as above.
unsafe impl Sync for VmmEgl {}

fn vmm_egl() -> &'static VmmEgl {
    static V: OnceLock<VmmEgl> = OnceLock::new();
    V.get_or_init(|| {
        // SAFETY: loads the system libEGL.so.1 (its initialisers only).
        let egl = unsafe { Egl::load_required() }.expect("libEGL.so.1 (required)");
        let gpd = egl.get_proc_address("eglGetPlatformDisplayEXT").expect("EGL_EXT_platform_base");
        type Gpd = unsafe extern "C" fn(egl::Enum, *mut c_void, *const egl::Int) -> *mut c_void;
        // SAFETY: eglGetPlatformDisplayEXT has this signature (EGL_EXT_platform_base).
        let gpd: Gpd = unsafe { std::mem::transmute(gpd) };
        // SAFETY: the surfaceless platform takes no native display.
        let d = unsafe { gpd(PLATFORM_SURFACELESS_MESA, std::ptr::null_mut(), std::ptr::null()) };
        assert!(!d.is_null(), "surfaceless EGL display (required)");
        // SAFETY: a display eglGetPlatformDisplayEXT returned.
        let display = unsafe { egl::Display::from_ptr(d) };
        egl.initialize(display).expect("eglInitialize");
        egl.bind_api(egl::OPENGL_API).expect("eglBindAPI(OpenGL)");
        VmmEgl { egl, display }
    })
}

unsafe extern "C" fn create_ctx(
    _cookie: *mut c_void,
    _scanout: c_int,
    param: *mut virgl_renderer_gl_ctx_param,
) -> virgl_renderer_gl_context {
    // SAFETY: the library passes a valid parameter block for the call.
    let p = unsafe { &*param };
    let v = vmm_egl();
    let attribs = [
        egl::CONTEXT_MAJOR_VERSION,
        p.major_ver,
        egl::CONTEXT_MINOR_VERSION,
        p.minor_ver,
        egl::CONTEXT_OPENGL_PROFILE_MASK,
        egl::CONTEXT_OPENGL_CORE_PROFILE_BIT,
        egl::NONE,
    ];
    // SAFETY: EGL_NO_CONFIG_KHR (NULL) is valid with EGL_KHR_no_config_context.
    let config = unsafe { egl::Config::from_ptr(std::ptr::null_mut()) };
    match v.egl.create_context(v.display, config, None, &attribs) {
        Ok(c) => {
            CREATED.fetch_add(1, Ordering::SeqCst);
            c.as_ptr()
        }
        Err(_) => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn destroy_ctx(_cookie: *mut c_void, ctx: virgl_renderer_gl_context) {
    let v = vmm_egl();
    // SAFETY: a context create_ctx returned.
    let c = unsafe { egl::Context::from_ptr(ctx) };
    if v.egl.get_current_context().map(|x| x.as_ptr()) == Some(ctx) {
        let _ = v.egl.make_current(v.display, None, None, None);
    }
    v.egl.destroy_context(v.display, c).expect("eglDestroyContext");
    DESTROYED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn make_current(
    _cookie: *mut c_void,
    _scanout: c_int,
    ctx: virgl_renderer_gl_context,
) -> c_int {
    let v = vmm_egl();
    // SAFETY: NULL or a context create_ctx returned.
    let c = (!ctx.is_null()).then(|| unsafe { egl::Context::from_ptr(ctx) });
    MADE_CURRENT.fetch_add(1, Ordering::SeqCst);
    match v.egl.make_current(v.display, None, None, c) {
        Ok(()) => 0,
        Err(_) => -libc::EINVAL,
    }
}

unsafe extern "C" fn write_fence(_c: *mut c_void, _fence: u32) {}

static mut COOKIE: u8 = 0;
static mut CBS: virgl_renderer_callbacks = virgl_renderer_callbacks {
    version: 1,
    write_fence: Some(write_fence),
    create_gl_context: Some(create_ctx),
    destroy_gl_context: Some(destroy_ctx),
    make_current: Some(make_current),
    get_drm_fd: None,
    write_context_fence: None,
    get_server_fd: None,
    get_egl_display: None,
};

/// Loads libepoxy as QEMU links it (global scope) and returns its dispatch variable.
fn load_epoxy() -> *mut c_void {
    // SAFETY: loads the system libepoxy (its initialisers only), kept for the process.
    let h = unsafe { libc::dlopen(c"libepoxy.so.0".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    assert!(
        !h.is_null(),
        "libepoxy.so.0 is required (libepoxy0, a dependency of libvirglrenderer1)"
    );
    // SAFETY: name lookup only.
    let var = unsafe { libc::dlsym(libc::RTLD_DEFAULT, VAR.as_ptr()) };
    assert!(!var.is_null());
    var
}

/// The library `var`'s function pointer points into.
fn points_into(var: *mut c_void) -> String {
    // SAFETY: `var` is libepoxy's dispatch pointer variable (a function pointer).
    let f = unsafe { std::ptr::read(var as *const *const c_void) };
    // SAFETY: Dl_info is plain pointers, all-zero is a valid value.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the loader's tables.
    if unsafe { libc::dladdr(f, &mut info) } == 0 || info.dli_fname.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated path owned by the loader.
    unsafe { CStr::from_ptr(info.dli_fname) }.to_string_lossy().into_owned()
}

fn init(with_callbacks: bool) -> i32 {
    std::env::set_var("VIRGL_SHIM_BACKEND", "cpu");
    // SAFETY: static cookie and callbacks outlive the renderer; the test is single-threaded.
    unsafe {
        if !with_callbacks {
            CBS.create_gl_context = None;
            CBS.destroy_gl_context = None;
            CBS.make_current = None;
        }
        virgl_renderer_init(std::ptr::addr_of_mut!(COOKIE).cast(), 0, std::ptr::addr_of_mut!(CBS))
    }
}

/// QEMU's case: callbacks given, the CPU backend chosen. The entry point is resolved into
/// GL after init, through one context the "VMM" created, made current and destroyed.
#[test]
fn cpu_backend_resolves_host_epoxy_through_vmm_context() {
    let var = load_epoxy();
    assert!(points_into(var).contains("libepoxy"), "unresolved before init");
    assert_eq!(init(true), 0);
    let after = points_into(var);
    assert!(!after.is_empty() && !after.contains("libepoxy"), "resolved into GL: {after}");
    assert_eq!(CREATED.load(Ordering::SeqCst), 1, "one VMM context borrowed");
    assert_eq!(DESTROYED.load(Ordering::SeqCst), 1, "and given back");
    assert!(MADE_CURRENT.load(Ordering::SeqCst) >= 1);
    virgl_renderer_cleanup(std::ptr::null_mut());
    assert_eq!(CREATED.load(Ordering::SeqCst), DESTROYED.load(Ordering::SeqCst));
}

/// Without context callbacks the library borrows its own surfaceless EGL context.
#[test]
fn cpu_backend_resolves_host_epoxy_without_callbacks() {
    let var = load_epoxy();
    assert!(points_into(var).contains("libepoxy"), "unresolved before init");
    assert_eq!(init(false), 0);
    let after = points_into(var);
    assert!(!after.is_empty() && !after.contains("libepoxy"), "resolved into GL: {after}");
    assert_eq!(CREATED.load(Ordering::SeqCst), 0);
    virgl_renderer_cleanup(std::ptr::null_mut());
}

/// Without libepoxy in the process the CPU backend touches no GL at all: no VMM context is
/// asked for.
#[test]
fn cpu_backend_without_libepoxy_asks_for_no_context() {
    assert_eq!(init(true), 0);
    assert_eq!(CREATED.load(Ordering::SeqCst), 0);
    assert_eq!(MADE_CURRENT.load(Ordering::SeqCst), 0);
    virgl_renderer_cleanup(std::ptr::null_mut());
}
