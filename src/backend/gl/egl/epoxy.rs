//! A host that draws through libepoxy (QEMU's UI does) shares libepoxy's lazily resolved GL
//! entry points with whatever else runs GL in the process. libepoxy resolves each entry
//! point on its first call, and for a function newer than GL 1.2 it needs a current EGL or
//! GLX context then: without one it aborts the process ("Couldn't find current GLX or EGL
//! context"). Once resolved, a call without a context goes to the GL dispatch's no-op.
//!
//! QEMU 10.0's virtio-gpu reset (a guest power-off, on a vCPU thread with no GL context
//! current) tears down the SDL scanout framebuffer with `glDeleteFramebuffers`, a function
//! its UI had not called before when the guest's scanout never switched off. Upstream
//! virglrenderer calls GL through the same libepoxy on its own context and so has resolved
//! it long before; we load GL without libepoxy, so QEMU's reset made the first call and
//! aborted now and then (docs/qemu-hostmem.md). At start-up, with our context current, we
//! call those entry points once with arguments that do nothing, so that libepoxy resolves
//! them as it would for upstream. Only when libepoxy is already in the process: we never
//! load it.

use super::Egl;
use std::ffi::{c_char, c_void, CStr};

/// The entry points resolved, each called as `f(0, &0)`: no-ops by the GL spec (n = 0).
/// `glDeleteFramebuffers` (GL 3.0) is the one QEMU 10.0.2's reset path calls
/// (`egl_fb_destroy`) whose resolution needs a context; the others on that path
/// (`glDeleteTextures`, `glGenTextures`, `glBindTexture`, `glPixelStorei`, `glTexImage2D`,
/// `glTexParameteri`, `glTexSubImage2D`, GL ≤ 1.1) resolve through dlsym without one, and
/// QEMU's UI has called them all on its own context anyway.
const DELETE_LIKE: [&CStr; 1] = [c"epoxy_glDeleteFramebuffers"];

/// The soname of the libepoxy a host links.
pub(super) const LIBEPOXY: &CStr = c"libepoxy.so.0";

/// What [`resolve_shared_entry_points`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// libepoxy is not in the process: nothing to do.
    NotLoaded,
    /// No EGL or GLX context is current on this thread, where libepoxy would look: not
    /// called (libepoxy would abort).
    NoContext,
    /// This many entry points were called through libepoxy (each resolved by then).
    Resolved(usize),
}

/// GL's `void (GLsizei n, const GLuint *names)`, the type of every [`DELETE_LIKE`] entry.
type DeleteFn = unsafe extern "C" fn(i32, *const u32);

/// True when libepoxy will find a context on this thread: it asks GLX first
/// (`glXGetCurrentContext`, when the process has it), then EGL for the OpenGL and OpenGL ES
/// APIs. The EGL context current for this thread's bound API is one it finds.
fn context_current(egl: Option<&Egl>) -> bool {
    if egl.is_some_and(|e| e.get_current_context().is_some()) {
        return true;
    }
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks the name up.
    let glx = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"glXGetCurrentContext".as_ptr()) };
    if glx.is_null() {
        return false;
    }
    // SAFETY: glXGetCurrentContext takes no arguments and returns a pointer (GLX 1.0); the
    // symbol is the process's own libGL/libGLX one.
    let f: unsafe extern "C" fn() -> *mut c_void = unsafe { std::mem::transmute(glx) };
    // SAFETY: see above; it only reads the calling thread's GLX state.
    !unsafe { f() }.is_null()
}

/// True when `lib` (libepoxy) is already in the process; never loads it.
pub(super) fn loaded(lib: &CStr) -> bool {
    // SAFETY: RTLD_NOLOAD never loads anything: it returns the handle of a library already
    // in the process (taking a reference, dropped below) or NULL.
    let handle = unsafe { libc::dlopen(lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD) };
    if handle.is_null() {
        return false;
    }
    // SAFETY: drops the reference RTLD_NOLOAD took; the library stays loaded by its owner.
    unsafe { libc::dlclose(handle) };
    true
}

/// Calls [`DELETE_LIKE`] through `lib`'s (libepoxy's) dispatch pointers so that libepoxy
/// resolves them on the context current on this thread. Does nothing unless `lib` is
/// already loaded and a context libepoxy can find is current.
pub(super) fn resolve_shared_entry_points(lib: &CStr, egl: Option<&Egl>) -> Outcome {
    // SAFETY: RTLD_NOLOAD never loads anything: it returns the handle of a library already
    // in the process (taking a reference, dropped below) or NULL.
    let handle = unsafe { libc::dlopen(lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD) };
    if handle.is_null() {
        return Outcome::NotLoaded;
    }
    let outcome = if context_current(egl) {
        Outcome::Resolved(DELETE_LIKE.iter().filter(|n| call_delete_like(handle, n)).count())
    } else {
        Outcome::NoContext
    };
    // SAFETY: drops the reference RTLD_NOLOAD took; the library stays loaded by its owner.
    unsafe { libc::dlclose(handle) };
    outcome
}

/// Reads libepoxy's public dispatch pointer `name` and calls it as `f(0, &0)`. The pointer
/// is looked up in the global scope first: an executable linked with libepoxy (QEMU) holds
/// the copy of the variable every caller uses (a copy relocation), and libepoxy rewrites
/// that one when it resolves. A libepoxy loaded with RTLD_LOCAL is only found through
/// `handle`.
fn call_delete_like(handle: *mut c_void, name: &CStr) -> bool {
    let n: *const c_char = name.as_ptr();
    // SAFETY: dlsym only looks up a NUL-terminated name (in the global scope, then in the
    // handle libepoxy's dlopen returned, still open).
    let mut var = unsafe { libc::dlsym(libc::RTLD_DEFAULT, n) };
    if var.is_null() {
        // SAFETY: as above.
        var = unsafe { libc::dlsym(handle, n) };
    }
    if var.is_null() {
        log::debug!("{name:?} not in libepoxy");
        return false;
    }
    // SAFETY: libepoxy exports each GL entry point as a data symbol holding a function
    // pointer of the GL signature (`PFNGLDELETEFRAMEBUFFERSPROC epoxy_glDeleteFramebuffers`
    // in <epoxy/gl_generated.h>); an aligned pointer-sized read of it is what every caller
    // of libepoxy does.
    let f = unsafe { std::ptr::read(var as *const Option<DeleteFn>) };
    let Some(f) = f else {
        return false;
    };
    let zero: u32 = 0;
    // SAFETY: a context libepoxy finds is current on this thread (checked by the caller),
    // so libepoxy resolves the entry point and calls it; n = 0 deletes nothing and reads no
    // name (the pointer is valid anyway).
    unsafe { f(0, &zero) };
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::gl::{GlBackend, GlFlags};

    /// The library a dispatch pointer points into.
    fn points_into(var: *mut c_void) -> String {
        // SAFETY: `var` is libepoxy's dispatch pointer variable (see call_delete_like).
        let f = unsafe { std::ptr::read(var as *const *const c_void) };
        // SAFETY: Dl_info is plain pointers, all-zero is a valid value.
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        // SAFETY: dladdr only reads the loader's tables; dli_fname is a NUL-terminated path
        // owned by the loader while the object stays loaded.
        if unsafe { libc::dladdr(f, &mut info) } == 0 || info.dli_fname.is_null() {
            return String::new();
        }
        // SAFETY: see above.
        unsafe { CStr::from_ptr(info.dli_fname) }.to_string_lossy().into_owned()
    }

    #[test]
    fn nothing_when_the_library_is_not_loaded() {
        assert_eq!(
            resolve_shared_entry_points(c"libvirgl-shim-never-loaded.so.0", None),
            Outcome::NotLoaded
        );
    }

    /// libepoxy0 is on every CI host (libvirglrenderer1, which scripts/install-deps.sh
    /// installs, depends on it). Loaded here as a host would, its glDeleteFramebuffers
    /// pointer is libepoxy's resolver until the GL backend starts, and GL's afterwards.
    #[test]
    fn backend_start_resolves_libepoxy_entry_points() {
        // SAFETY: loads the system libepoxy (its initialisers only), kept for the process.
        let h = unsafe { libc::dlopen(LIBEPOXY.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        assert!(
            !h.is_null(),
            "libepoxy.so.0 is required (libepoxy0, a dependency of libvirglrenderer1)"
        );
        // SAFETY: name lookup only.
        let var =
            unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"epoxy_glDeleteFramebuffers".as_ptr()) };
        assert!(!var.is_null());
        let before = points_into(var);
        assert!(before.contains("libepoxy"), "unresolved at first: {before}");
        // SAFETY: loads the system libEGL.so.1 (as Platform::new does).
        let egl = unsafe { Egl::load_required() }.expect("libEGL.so.1");
        // No context on this thread yet: nothing is called (libepoxy would abort).
        assert_eq!(resolve_shared_entry_points(LIBEPOXY, Some(&egl)), Outcome::NoContext);
        let be = GlBackend::new(GlFlags::default(), None).unwrap_or_else(|e| {
            panic!("GL backend failed to start (GL is required on every host): {e}")
        });
        let after = points_into(var);
        assert!(!after.is_empty() && !after.contains("libepoxy"), "resolved into GL: {after}");
        // Again, on the backend's context: harmless.
        assert_eq!(resolve_shared_entry_points(LIBEPOXY, Some(&egl)), Outcome::Resolved(1));
        assert_eq!(points_into(var), after);
        drop(be);
    }
}
