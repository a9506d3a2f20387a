//! L1: the OS edges. Guest iovecs (raw copies only: guest RAM changes under us), host
//! memory (mmap, memfd), dma-buf and udmabuf plumbing, the registry of guest RAM backed by
//! memfds, eventfd, and the vtest server's socket and process edges (`socket`: fd
//! passing; `process`: fork per client). Imports only L0 (`error`, `config`).

pub mod dmabuf;
pub mod eventfd;
pub mod guest_memory;
pub mod iov;
pub mod memory;
pub mod process;
pub mod socket;
