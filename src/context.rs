//! Rendering contexts: which resources each context may use, and the virgl command stream
//! decoder (framing only so far: every command is validated against the buffer and then
//! skipped with a one-time log, marking the context with upstream's error).

use crate::error::{Error, Result};
use std::collections::HashSet;

/// `VIRTGPU_DRM_CAPSET_VIRGL`.
pub const CAPSET_VIRGL: u32 = 1;
/// `VIRTGPU_DRM_CAPSET_VIRGL2`.
pub const CAPSET_VIRGL2: u32 = 2;

/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_CMD`: a command the context cannot execute.
pub const ERROR_CTX_ILLEGAL_CMD: u32 = 9;

/// One context.
#[derive(Debug)]
pub struct Context {
    pub id: u32,
    pub capset: u32,
    pub name: String,
    /// Resources attached with `ctx_attach_resource`.
    pub resources: HashSet<u32>,
    /// Last context error (upstream's `VIRGL_ERROR_CTX_*`), 0 when none.
    pub error: u32,
}

impl Context {
    pub fn new(id: u32, capset: u32, name: String) -> Self {
        Context { id, capset, name, resources: HashSet::new(), error: 0 }
    }
}

/// One decoded command header: `cmd | obj_type << 8 | len << 16`, `len` dwords follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdHeader {
    pub cmd: u8,
    pub obj_type: u8,
    pub len: u16,
}

impl CmdHeader {
    pub fn parse(dw: u32) -> Self {
        CmdHeader { cmd: dw as u8, obj_type: (dw >> 8) as u8, len: (dw >> 16) as u16 }
    }
}

/// Splits a command buffer into (header, payload) pairs, rejecting (EINVAL) a command whose
/// length runs past the end of the buffer before anything is executed.
pub fn split_commands(buf: &[u32]) -> Result<Vec<(CmdHeader, &[u32])>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < buf.len() {
        let h = CmdHeader::parse(buf[at]);
        let start = at + 1;
        let end = start + h.len as usize;
        if end > buf.len() {
            return Err(Error::inval(format!(
                "command {} at dword {at} claims {} dwords, only {} remain",
                h.cmd,
                h.len,
                buf.len() - start
            )));
        }
        out.push((h, &buf[start..end]));
        at = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let buf = [1 | (2 << 16), 7, 8, 3, 5 | (1 << 16), 9];
        let cmds = split_commands(&buf).unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0].0, CmdHeader { cmd: 1, obj_type: 0, len: 2 });
        assert_eq!(cmds[0].1, &[7, 8]);
        assert_eq!(cmds[1].0.len, 0);
        assert_eq!(cmds[2].1, &[9]);
        assert!(split_commands(&[1 | (3 << 16), 0]).is_err());
        assert!(split_commands(&[]).unwrap().is_empty());
    }
}
