//! virgl-shim: a drop-in replacement for virglrenderer (`libvirglrenderer.so.1`).
//!
//! The crate is built in one-way layers; each imports only the layers above it in this
//! list (`tests/layers.rs` fails when a `crate::` path goes the other way, and
//! docs/ARCHITECTURE.md has the table):
//!
//! - L0 [`error`], [`config`] — one error type; every `VIRGL_SHIM_*` knob, read once at init.
//! - L1 [`sys`] — OS edges: guest iovecs, host memory (mmap/memfd), dma-buf and udmabuf
//!   plumbing, registered guest RAM, eventfd. Most non-GL `unsafe` is here.
//! - L2 [`model`] — pure values and arithmetic: formats, resource descriptions, transfer
//!   geometry, pixel packing, capsets. No GL, no global state.
//! - L3 [`backend`] — host storage behind one trait: CPU, GL (EGL/GL/GBM `unsafe`),
//!   zero-copy storage.
//! - L4 [`renderer`] — the global state behind one lock: resources, blobs, HOST3D, dma-buf
//!   export/import, zero-copy resources, fences, contexts, the command-stream decoder.
//! - L5 [`ffi`] — the only `extern "C"` code and the only user of the C types (the source of
//!   `include/virglrenderer.h`); converts to Rust types at once; panic boundary.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod backend;
pub(crate) mod config;
pub(crate) mod error;
pub mod ffi;
pub(crate) mod model;
pub(crate) mod renderer;
pub(crate) mod sys;

/// Crate internals for this repository's integration tests, benches and fuzz targets only.
/// Not API: nothing here is stable, and the C ABI in [`ffi`] is the only interface.
#[doc(hidden)]
pub mod internal {
    pub use crate::model::{caps, format, gl_state, protocol, resource, shader, transfer, vtest};
    pub use crate::sys::iov;
    /// The error type.
    pub mod error {
        pub use crate::error::{Error, Result};
    }
    /// Host storage backends.
    pub mod backend {
        pub use crate::backend::{cpu, gl, Backend, MaxSizes, Storage};
    }
    /// The VMM's callbacks as the core sees them (tests drive the GL backend with them).
    pub mod vmm {
        pub use crate::ffi::vmm::VmmCallbacks;
    }
    /// The renderer state (tests peek at a context's error state).
    pub mod renderer {
        pub use crate::renderer::with;
    }
    /// What this repository's `virgl_test_server` (`src/bin/virgl_test_server/`) drives:
    /// the renderer calls `ffi/` makes for a VMM, without the C ABI, and the OS edges it
    /// needs (fd passing, fork, shared memory). The binary has no `unsafe` of its own.
    pub mod server {
        pub use crate::backend::gl::VmmGl;
        pub use crate::config::{get as config, InitFlags};
        pub use crate::ffi::logging::ensure_init as init_logging;
        pub use crate::model::caps::{fill as fill_caps, info as capset_info};
        pub use crate::model::caps::{CAPSET_VIRGL, CAPSET_VIRGL2};
        pub use crate::model::resource::{Backing, CreateArgs};
        pub use crate::model::transfer::RawBox;
        pub use crate::renderer::decode::submit;
        pub use crate::renderer::fence::Retired;
        pub use crate::renderer::host3d::Host3dArgs;
        pub use crate::renderer::{
            capset_host, lock, retire_fences, with, Direction, InitKey, Renderer, VmmFences,
        };
        pub use crate::sys::iov::IovList;
        pub use crate::sys::memory::HostMem;
        pub use crate::sys::process::{fork, reap_children, Forked};
        pub use crate::sys::socket::send_fd;
    }
}
