//! virgl-shim: a drop-in replacement for virglrenderer (`libvirglrenderer.so.1`).
//!
//! The C ABI lives in [`ffi`]; everything else is safe Rust except the guest-memory edge
//! ([`iov`]), host memory ([`memory`]) and the EGL/GL edge ([`backend::gl`]).
//!
//! Module map:
//!
//! - [`ffi`] — exported functions, C types (the source of `include/virglrenderer.h`), logging.
//! - [`renderer`] — the global state behind one lock: resources, contexts, fences.
//! - [`resource`] — create-argument validation, backing.
//! - [`transfer`] — transfer geometry (pure).
//! - [`format`] — the virgl format table.
//! - [`backend`] — host storage (CPU, GL).
//! - [`context`] — contexts and command-stream framing; [`decode`] — the command decoder
//!   ([`pixel`]: its pixel arithmetic); [`host3d`] — HOST3D blobs; [`fence`] — fence delivery.
//! - [`caps`] — capsets.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod backend;
pub mod blob;
pub mod caps;
pub mod context;
pub mod decode;
pub mod dmabuf;
pub mod error;
pub mod fence;
pub mod ffi;
pub mod format;
pub mod host3d;
pub mod iov;
pub mod limits;
pub mod memory;
pub mod pixel;
pub mod renderer;
pub mod resource;
pub mod transfer;
pub mod zerocopy;
