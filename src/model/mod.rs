//! L2: the pure model. Values and arithmetic with no GL and no global state: the virgl
//! format table, resource descriptions and their validation, transfer geometry, CPU pixel
//! packing, capsets. Imports only L0 and L1 (`sys::iov` for a resource's backing).

pub mod caps;
pub mod format;
pub mod gl_state;
pub mod pixel;
pub mod protocol;
pub mod resource;
pub mod shader;
pub mod transfer;
pub mod vtest;
