//! Rendering contexts: which resources each context may use, the state the virgl command
//! decoder ([`crate::renderer::decode`]) keeps per context (sub-contexts with their surface objects
//! and framebuffer, pipe resources waiting for `create_blob`), and command-stream framing.

use crate::error::{Error, Result};
use crate::model::resource::ResourceDesc;
use std::collections::{HashMap, HashSet};

/// Upstream's `VIRGL_ERROR_CTX_UNSUPPORTED_FUNCTION` (14): recorded for a command the
/// context does not execute (draws, shaders, state objects; unsupported format pairs).
pub const ERROR_CTX_UNSUPPORTED_FUNCTION: u32 = 14;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_HANDLE`.
pub const ERROR_CTX_ILLEGAL_HANDLE: u32 = 3;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_RESOURCE`: unknown or not attached resource.
pub const ERROR_CTX_ILLEGAL_RESOURCE: u32 = 4;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_SURFACE`.
pub const ERROR_CTX_ILLEGAL_SURFACE: u32 = 5;
/// Upstream's `VIRGL_ERROR_CTX_ILLEGAL_CMD_BUFFER`: a malformed command.
pub const ERROR_CTX_ILLEGAL_CMD_BUFFER: u32 = 7;

/// Most sub-contexts per context.
pub const MAX_SUB_CONTEXTS: usize = 4096;
/// Most surface objects per sub-context.
pub const MAX_SURFACES: usize = 1 << 16;
/// Most pipe resources waiting for `create_blob` per context.
pub const MAX_PENDING_BLOBS: usize = 4096;

/// A SURFACE object: a view of one level (and a layer range) of a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Surface {
    pub res: u32,
    /// `VIRGL_FORMAT_*` of the view.
    pub format: u32,
    pub level: u32,
    pub first_layer: u32,
    pub last_layer: u32,
}

/// Framebuffer state (SET_FRAMEBUFFER_STATE): colour buffers and depth/stencil buffer.
/// Surfaces are captured by value, as upstream holds references to them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Framebuffer {
    pub cbufs: Vec<Option<Surface>>,
    pub zsurf: Option<Surface>,
}

/// One sub-context: an object namespace and its bound state.
#[derive(Clone, Debug, Default)]
pub struct SubContext {
    pub surfaces: HashMap<u32, Surface>,
    pub fb: Framebuffer,
}

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
    /// Sub-contexts by id; 0 always exists.
    pub subs: HashMap<u32, SubContext>,
    /// The sub-context commands act on.
    pub current_sub: u32,
    /// Validated PIPE_RESOURCE_CREATE descriptions by blob id, waiting for
    /// `virgl_renderer_resource_create_blob(HOST3D…, blob_id)` (handle field unused).
    pub blobs: HashMap<u64, ResourceDesc>,
}

impl Context {
    /// A context with sub-context 0 current.
    pub fn new(id: u32, capset: u32, name: String) -> Self {
        let mut subs = HashMap::new();
        subs.insert(0, SubContext::default());
        Context {
            id,
            capset,
            name,
            resources: HashSet::new(),
            error: 0,
            subs,
            current_sub: 0,
            blobs: HashMap::new(),
        }
    }

    /// The current sub-context (recreated empty should it be missing).
    pub fn sub(&mut self) -> &mut SubContext {
        self.subs.entry(self.current_sub).or_default()
    }

    /// CREATE_SUB_CTX: a new empty sub-context; an existing id is left alone.
    pub fn create_sub(&mut self, id: u32) -> Result<()> {
        if self.subs.contains_key(&id) {
            return Ok(());
        }
        if self.subs.len() >= MAX_SUB_CONTEXTS {
            return Err(Error::nomem(format!("more than {MAX_SUB_CONTEXTS} sub-contexts")));
        }
        self.subs.insert(id, SubContext::default());
        Ok(())
    }

    /// SET_SUB_CTX: switches to an existing sub-context (unknown ids are ignored).
    pub fn set_sub(&mut self, id: u32) {
        if self.subs.contains_key(&id) {
            self.current_sub = id;
        }
    }

    /// DESTROY_SUB_CTX: sub-context 0 cannot be destroyed; destroying the current one makes
    /// 0 current.
    pub fn destroy_sub(&mut self, id: u32) {
        if id == 0 {
            return;
        }
        self.subs.remove(&id);
        if self.current_sub == id {
            self.current_sub = 0;
        }
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

    #[test]
    fn sub_contexts() {
        let mut c = Context::new(1, crate::model::caps::CAPSET_VIRGL2, String::new());
        c.sub()
            .surfaces
            .insert(5, Surface { res: 1, format: 1, level: 0, first_layer: 0, last_layer: 0 });
        c.create_sub(2).unwrap();
        c.set_sub(2);
        assert_eq!(c.current_sub, 2);
        assert!(c.sub().surfaces.is_empty(), "objects are per sub-context");
        c.set_sub(9);
        assert_eq!(c.current_sub, 2, "unknown sub-context ignored");
        c.destroy_sub(2);
        assert_eq!(c.current_sub, 0);
        assert!(c.sub().surfaces.contains_key(&5));
        c.destroy_sub(0);
        assert!(c.subs.contains_key(&0), "sub-context 0 survives");
    }
}
