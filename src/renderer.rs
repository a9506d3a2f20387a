//! The renderer: all state of the library behind one lock. Created by
//! `virgl_renderer_init`, torn down by `virgl_renderer_cleanup`. The upstream API is global
//! (no handle), so there is one renderer per process.

use crate::backend::{cpu::CpuBackend, gl::GlBackend, Backend, Storage};
use crate::error::{Error, Result};
use crate::ffi::types::{virgl_renderer_callbacks, virgl_renderer_resource_info};
use crate::iov::IovList;
use crate::resource::{flags, Backing, ResourceDesc};
use crate::transfer::{self, RawBox};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// The callbacks the VMM gave, with only the fields its `version` covers.
#[derive(Clone, Copy)]
pub struct Callbacks {
    pub raw: virgl_renderer_callbacks,
}

// SAFETY: function pointers of the VMM; the API contract allows calling them from our
// threads (upstream does the same from its sync thread).
unsafe impl Send for Callbacks {}

/// Arguments `virgl_renderer_init` was called with (re-init must repeat them exactly).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct InitKey {
    pub cookie: usize,
    pub flags: i32,
    pub cbs: usize,
}

/// Direction of a transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// TRANSFER_TO_HOST: guest memory → host resource.
    ToHost,
    /// TRANSFER_FROM_HOST: host resource → guest memory.
    FromHost,
}

/// One live resource.
pub struct Resource {
    pub desc: ResourceDesc,
    pub storage: Storage,
    pub backing: Option<Backing>,
    /// `virgl_renderer_resource_set_priv` value.
    pub priv_data: usize,
}

/// The whole library state.
pub struct Renderer {
    pub key: InitKey,
    pub callbacks: Callbacks,
    pub backend: Box<dyn Backend>,
    pub resources: HashMap<u32, Resource>,
    /// ctx-0 fences created since the last poll (all work before them is already done).
    pub pending_fences: Vec<u32>,
}

static STATE: Mutex<Option<Renderer>> = Mutex::new(None);

/// Locks the global state (a panic inside the lock does not make the library unusable:
/// every operation leaves the tables consistent before anything that could panic).
pub fn lock() -> MutexGuard<'static, Option<Renderer>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` on the initialised renderer, or fails with EINVAL.
pub fn with<R>(f: impl FnOnce(&mut Renderer) -> Result<R>) -> Result<R> {
    let mut g = lock();
    match g.as_mut() {
        Some(r) => f(r),
        None => Err(Error::inval("renderer not initialized")),
    }
}

/// Picks the host storage: `VIRGL_SHIM_BACKEND=cpu|gl`, `NO_VIRGL` → CPU, else GL with a
/// fallback to CPU when GL cannot start.
fn choose_backend(flags: i32, _cbs: &Callbacks) -> Result<Box<dyn Backend>> {
    let want = std::env::var("VIRGL_SHIM_BACKEND").unwrap_or_default();
    let no_gl = flags & crate::ffi::types::VIRGL_RENDERER_NO_VIRGL != 0;
    match want.as_str() {
        "cpu" => return Ok(Box::new(CpuBackend::new())),
        "gl" => {
            return GlBackend::new()
                .map(|b| Box::new(b) as Box<dyn Backend>)
                .map_err(|e| Error::new(e.errno, format!("VIRGL_SHIM_BACKEND=gl: {}", e.msg)))
        }
        "" => {}
        other => log::warn!("VIRGL_SHIM_BACKEND={other} is not cpu or gl; choosing automatically"),
    }
    if no_gl {
        return Ok(Box::new(CpuBackend::new()));
    }
    match GlBackend::new() {
        Ok(b) => Ok(Box::new(b)),
        Err(e) => {
            log::info!("GL backend unavailable ({}); using the CPU backend", e.msg);
            Ok(Box::new(CpuBackend::new()))
        }
    }
}

impl Renderer {
    /// Creates the renderer state (called with the global lock held, state empty).
    pub fn new(key: InitKey, callbacks: Callbacks) -> Result<Self> {
        let backend = choose_backend(key.flags, &callbacks)?;
        log::info!("initialised with the {} backend (flags {:#x})", backend.name(), key.flags);
        Ok(Renderer {
            key,
            callbacks,
            backend,
            resources: HashMap::new(),
            pending_fences: Vec::new(),
        })
    }

    /// Destroys every resource (reset and cleanup).
    pub fn destroy_all(&mut self) {
        self.pending_fences.clear();
        for (_, r) in self.resources.drain() {
            self.backend.destroy(r.storage);
        }
    }

    /// `virgl_renderer_resource_create` after the handle checks: validate, allocate, insert,
    /// attach the optional backing. Nothing changes on failure.
    pub fn create_resource(
        &mut self,
        args: &crate::ffi::types::virgl_renderer_resource_create_args,
        backing: Option<Backing>,
    ) -> Result<()> {
        let desc = ResourceDesc::validate(args, &self.backend.limits())?;
        if desc.flags & flags::ZEROCOPY != 0 {
            return Err(Error::notsup("zero-copy resources are not implemented yet"));
        }
        self.backend.check_supported(&desc)?;
        let storage = self.backend.create(&desc)?;
        self.resources.insert(desc.handle, Resource { desc, storage, backing, priv_data: 0 });
        Ok(())
    }

    pub fn resource(&mut self, handle: u32) -> Result<&mut Resource> {
        self.resources
            .get_mut(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))
    }

    pub fn unref(&mut self, handle: u32) -> Result<()> {
        let r = self
            .resources
            .remove(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
        self.backend.destroy(r.storage);
        Ok(())
    }

    pub fn attach_backing(&mut self, handle: u32, backing: Backing) -> Result<()> {
        let r = self.resource(handle)?;
        if r.backing.is_some() {
            return Err(Error::inval(format!("resource {handle} already has backing")));
        }
        r.backing = Some(backing);
        Ok(())
    }

    /// Detaches and returns the caller's iovec pointer and count (NULL/0 when none).
    pub fn detach_backing(&mut self, handle: u32) -> Result<(usize, i32)> {
        let r = self.resource(handle)?;
        Ok(r.backing.take().map(|b| (b.raw_iov, b.raw_count)).unwrap_or((0, 0)))
    }

    /// `transfer_write_iov` / `transfer_read_iov` / `get_rect`.
    #[allow(clippy::too_many_arguments)]
    pub fn transfer(
        &mut self,
        dir: Direction,
        handle: u32,
        ctx_id: u32,
        level: u32,
        stride: u32,
        layer_stride: u32,
        bx: RawBox,
        offset: u64,
        iovs: Option<IovList>,
    ) -> Result<()> {
        let Renderer { resources, backend, .. } = self;
        let r = resources
            .get_mut(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
        if ctx_id != 0 {
            return Err(Error::inval(format!("unknown context {ctx_id}")));
        }
        let iov = match (&iovs, &r.backing) {
            (Some(i), _) => i,
            (None, Some(b)) => &b.iovs,
            (None, None) => {
                return Err(Error::inval(format!("resource {handle} has no backing")));
            }
        };
        let plan = transfer::plan(&r.desc, level, stride, layer_stride, bx, offset, iov.total())
            .map_err(|e| Error::new(e.errno, format!("resource {handle}: {}", e.msg)))?;
        if plan.is_empty() {
            return Ok(());
        }
        match dir {
            Direction::ToHost => backend.write(&r.desc, &mut r.storage, &plan, iov),
            Direction::FromHost => backend.read(&r.desc, &mut r.storage, &plan, iov),
        }
    }

    pub fn info(&self, handle: u32) -> Result<virgl_renderer_resource_info> {
        let r = self
            .resources
            .get(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
        let d = &r.desc;
        Ok(virgl_renderer_resource_info {
            handle,
            virgl_format: d.format.id,
            width: d.width,
            height: d.height,
            depth: d.depth,
            flags: d.flags,
            tex_id: self.backend.tex_id(&r.storage),
            stride: u32::try_from(d.texel_format().stride(d.width)).unwrap_or(0),
            drm_fourcc: d.format.drm_fourcc as i32,
            fd: -1,
        })
    }

    /// Level 0 of a 2D resource in guest row order, `(bytes, width, height)`.
    pub fn read_level0(&mut self, handle: u32) -> Result<(Vec<u8>, u32, u32)> {
        let r = self.resource(handle)?;
        let (w, h) = (r.desc.width, r.desc.height);
        let fmt = r.desc.texel_format();
        let size = crate::error::mul(fmt.stride(w), fmt.nblocksy(h), "level 0 size")?;
        let mut buf =
            vec![0u8; usize::try_from(size).map_err(|_| Error::nomem("level 0 too large"))?];
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `buf` outlives the list, which is dropped at the end of this function.
        let iov = unsafe { IovList::from_slices(&[(ptr, len)])? };
        let bx = RawBox { x: 0, y: 0, z: 0, w, h, d: 1 };
        self.transfer(Direction::FromHost, handle, 0, 0, 0, 0, bx, 0, Some(iov))?;
        Ok((buf, w, h))
    }
}
