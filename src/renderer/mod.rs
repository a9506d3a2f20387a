//! The renderer: all state of the library behind one lock. Created by
//! `virgl_renderer_init`, torn down by `virgl_renderer_cleanup`. The upstream API is global
//! (no handle), so there is one renderer per process.

pub mod blob;
pub mod context;
pub mod decode;
pub mod export;
pub mod fence;
pub mod host3d;
pub mod objects;
pub mod state;
mod subctx_gl;
pub mod zerocopy;

use crate::backend::gl::{GlBackend, GlFlags, VmmGl};
use crate::backend::{cpu::CpuBackend, Backend, Storage};
use crate::config::{self, BackendChoice, InitFlags};
use crate::error::{Error, Result};
use crate::model::resource::{flags, Backing, CreateArgs, ResourceDesc};
use crate::model::transfer::{self, RawBox};
use crate::sys::eventfd::EventFd;
use crate::sys::iov::IovList;
use context::Context;
pub use fence::{retire_fences, VmmFences};
use fence::{FenceQueue, FenceThread, Retired};
use std::collections::HashMap;

/// A map keyed by a guest-chosen id (resource handle, context or sub-context id), looked up
/// on every command: foldhash with a random seed per map (far fewer instructions than
/// std's SipHash for a `u32`, and still seeded, so a guest cannot pick colliding ids
/// ahead of time).
pub type IdMap<V> = HashMap<u32, V, foldhash::fast::RandomState>;
/// The set counterpart of [`IdMap`].
pub type IdSet = std::collections::HashSet<u32, foldhash::fast::RandomState>;
use std::sync::{Arc, Mutex, MutexGuard};

/// What `get_info` reports of a resource (`ffi/` writes the C struct).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceInfo {
    pub handle: u32,
    pub virgl_format: u32,
    pub width: u32,
    pub height: u32,
    pub depth: u32,
    pub flags: u32,
    pub tex_id: u32,
    pub stride: u32,
    pub drm_fourcc: i32,
}

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
    /// Bytes this resource holds against the coherent budget (0 for classic resources).
    pub coherent_bytes: u64,
    /// Mapped with `virgl_renderer_resource_map` and not unmapped yet.
    pub mapped: bool,
    /// Bytes of host storage this resource holds against the host memory limit
    /// ([`crate::config`]; 0 for blob and coherent resources).
    pub host_bytes: u64,
    /// Created through an API that only ≥ 1.0 headers declare (blob, coherent): the caller's
    /// `virgl_renderer_resource_info` has the `fd` field 0.10.4's lacks.
    pub new_api: bool,
}

impl Drop for Renderer {
    fn drop(&mut self) {
        // Fence sync points belong to the backend's display: release them first (the
        // backend field drops before the queue otherwise).
        self.fences.clear();
    }
}

impl Resource {
    pub fn new(desc: ResourceDesc, storage: Storage, backing: Option<Backing>) -> Self {
        Resource {
            desc,
            storage,
            backing,
            priv_data: 0,
            coherent_bytes: 0,
            mapped: false,
            host_bytes: 0,
            new_api: false,
        }
    }
}

/// The whole library state.
pub struct Renderer {
    pub key: InitKey,
    /// The VMM's fence callbacks.
    pub vmm: Arc<dyn VmmFences>,
    pub backend: Box<dyn Backend>,
    pub resources: IdMap<Resource>,
    pub contexts: IdMap<Context>,
    /// Signalled fences not reported yet (all work before them is already done).
    pub fences: FenceQueue,
    /// `THREAD_SYNC`: readable while fences wait for `virgl_renderer_poll`.
    pub poll_fd: Option<EventFd>,
    /// `THREAD_SYNC`: the thread that waits for the backend's work behind fences.
    pub fence_thread: Option<FenceThread>,
    /// `THREAD_SYNC | ASYNC_FENCE_CB`: that thread reports fences, `poll` does not.
    pub delivers_async: bool,
    /// The coherent budget (bytes) and what live coherent memory holds of it.
    pub coherent_limit: u64,
    pub coherent_used: u64,
    /// Storage of resources unreferenced while mapped: kept until `unmap` (the guest's BAR
    /// may still point at it), with the budget bytes it holds.
    pub orphans: Vec<(u32, ResourceDesc, Storage, u64)>,
    /// Host storage bytes held by classic resources (bounded by [`crate::config`]).
    pub host_bytes: u64,
    /// The (context, sub-context) that drew last (`decode::query::own_queries`): its draws
    /// take the draw path's short way. Each sub-context's queries live in its own GL
    /// context, so nothing is suspended when it changes.
    pub query_owner: Option<(u32, u32)>,
    /// The capsets offer gallium's lower-left fragment origin
    /// ([`crate::model::caps::offers_lower_left_origin`] of the configured level).
    pub lower_left_origin: bool,
}

static STATE: Mutex<Option<Renderer>> = Mutex::new(None);

/// Locks the global state (a panic inside the lock does not make the library unusable:
/// every operation leaves the tables consistent before anything that could panic).
pub fn lock() -> MutexGuard<'static, Option<Renderer>> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the capsets are served (the renderer executes 3D: a backend that draws), and the
/// live backend's limits for their contents (`None` before `virgl_renderer_init`). Before
/// init (QEMU asks for the capset sizes when the device is realised) the answer follows
/// the configured backend: every choice but `cpu` may draw, and the contents claim what
/// every GL 3.3 core host has. A VMM whose GL then fails to start gets a CPU renderer,
/// which fills nothing (see `model::caps`).
pub fn capset_host() -> (bool, Option<crate::model::resource::MaxSizes>) {
    let g = lock();
    match g.as_ref() {
        Some(r) => {
            let l = r.backend.limits();
            (crate::model::caps::level1::host_can_draw(&l.draw), Some(l))
        }
        None => {
            let serves = config::get().backend != BackendChoice::Cpu;
            // What GL 3.3 core guarantees (`fill_caps` before init; QEMU fills after it).
            let limits = crate::model::resource::MaxSizes {
                max_texture_2d: 1024,
                max_texture_3d: 256,
                max_cube: 1024,
                max_array_layers: 256,
                max_samples: 1,
                draw: crate::model::resource::DrawLimits::GL33_MINIMUM,
                ..Default::default()
            };
            (serves, serves.then_some(limits))
        }
    }
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
fn choose_backend(
    choice: BackendChoice,
    flags: InitFlags,
    gl_vmm: Option<Box<dyn VmmGl>>,
) -> Result<Box<dyn Backend>> {
    let gl_flags = GlFlags { use_egl: flags.use_egl, use_gles: flags.use_gles };
    match choice {
        BackendChoice::Cpu => return Ok(cpu_backend(flags, gl_vmm)),
        BackendChoice::Gl => {
            return GlBackend::new(gl_flags, gl_vmm)
                .map(|b| Box::new(b) as Box<dyn Backend>)
                .map_err(|e| Error::new(e.errno, format!("VIRGL_SHIM_BACKEND=gl: {}", e.msg)))
        }
        BackendChoice::Auto => {}
    }
    if flags.no_virgl {
        return Ok(cpu_backend(flags, gl_vmm));
    }
    match GlBackend::new(gl_flags, gl_vmm) {
        Ok(b) => Ok(Box::new(b)),
        // The VMM asked for OpenGL ES: a renderer without it (the CPU backend) is not what
        // it asked for, so init fails, as upstream's does without a GLES context.
        Err(e) if flags.use_gles => {
            log::error!("VIRGL_RENDERER_USE_GLES: the GL backend cannot start: {}", e.msg);
            Err(Error::new(e.errno, format!("VIRGL_RENDERER_USE_GLES: {}", e.msg)))
        }
        Err(e) => {
            log::info!("GL backend unavailable ({}); using the CPU backend", e.msg);
            Ok(Box::new(CpuBackend::new()))
        }
    }
}

/// The CPU backend, chosen before any GL context was made: a host drawing through libepoxy
/// gets its entry points resolved first, as the GL backend does at start
/// (`Platform::prime_host_epoxy`).
fn cpu_backend(flags: InitFlags, gl_vmm: Option<Box<dyn VmmGl>>) -> Box<dyn Backend> {
    crate::backend::gl::egl::Platform::prime_host_epoxy(flags.use_egl, gl_vmm);
    Box::new(CpuBackend::new())
}

impl Renderer {
    /// Creates the renderer state (called with the global lock held, state empty).
    /// `flags` are the init flags as `ffi/` decoded them, `vmm` the VMM's fence callbacks
    /// and `gl_vmm` its GL callbacks (display, contexts) when it gave any.
    pub fn new(
        key: InitKey,
        flags: InitFlags,
        vmm: Arc<dyn VmmFences>,
        gl_vmm: Option<Box<dyn VmmGl>>,
    ) -> Result<Self> {
        let cfg = config::Config::from_env();
        let choice = cfg.backend;
        let coherent_limit = cfg.coherent_limit;
        let lower_left_origin = crate::model::caps::offers_lower_left_origin(cfg.caps_level);
        config::install(cfg);
        let backend = choose_backend(choice, flags, gl_vmm)?;
        log::info!("initialised with the {} backend (flags {:#x})", backend.name(), key.flags);
        let sync = flags.thread_sync;
        let async_cb = sync && flags.async_fence_cb;
        let fence_thread = if sync {
            Some(
                FenceThread::start(async_cb)
                    .map_err(|e| Error::nomem(format!("fence thread: {e}")))?,
            )
        } else {
            None
        };
        let poll_fd = if sync && !async_cb {
            Some(EventFd::new().map_err(|e| Error::nomem(format!("eventfd: {e}")))?)
        } else {
            None
        };
        Ok(Renderer {
            key,
            vmm,
            backend,
            resources: IdMap::default(),
            contexts: IdMap::default(),
            fences: FenceQueue::default(),
            poll_fd,
            fence_thread,
            delivers_async: async_cb,
            coherent_limit,
            coherent_used: 0,
            orphans: Vec::new(),
            host_bytes: 0,
            query_owner: None,
            lower_left_origin,
        })
    }

    /// Destroys every resource (reset and cleanup).
    pub fn destroy_all(&mut self) {
        self.backend.forget_current();
        self.fences.clear();
        let mut contexts = std::mem::take(&mut self.contexts);
        for c in contexts.values_mut() {
            self.destroy_context_gl(c);
        }
        drop(contexts);
        for (_, r) in self.resources.drain() {
            self.backend.destroy(&r.desc, r.storage);
        }
        // Mapped memory of unreferenced resources is freed with everything else: after
        // reset/cleanup the VMM has torn its mappings down.
        self.orphans.clear();
        self.backend.trim();
        self.coherent_used = 0;
        self.host_bytes = 0;
    }

    /// `virgl_renderer_resource_create` after the handle checks: validate, allocate, insert,
    /// attach the optional backing. Nothing changes on failure.
    pub fn create_resource(&mut self, args: &CreateArgs, backing: Option<Backing>) -> Result<()> {
        let desc = ResourceDesc::validate(args, &self.backend.limits())?;
        self.check_new_resource()?;
        if desc.flags & flags::ZEROCOPY != 0 {
            return self.create_zerocopy(desc, backing);
        }
        self.backend.check_supported(&desc)?;
        let (_, bytes) = transfer::linear_levels(&desc)?;
        config::limits().check_host_memory(self.host_bytes, bytes)?;
        let storage = self.backend.create(&desc)?;
        let mut res = Resource::new(desc, storage, backing);
        res.host_bytes = bytes;
        self.host_bytes += bytes;
        self.resources.insert(desc.handle, res);
        Ok(())
    }

    /// `ENOMEM` when one more resource would pass the resource count limit
    /// ([`crate::config`]); every creation path calls it before allocating.
    pub fn check_new_resource(&self) -> Result<()> {
        config::limits().check_resources(self.resources.len() as u64)
    }

    /// True while `handle` names a live resource or the memory of one unreferenced while
    /// mapped: a new resource may not take it until `unmap` (which would be ambiguous).
    pub fn handle_in_use(&self, handle: u32) -> bool {
        self.resources.contains_key(&handle) || self.orphans.iter().any(|(h, ..)| *h == handle)
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
        for c in self.contexts.values_mut() {
            c.resources.remove(&handle);
        }
        if r.mapped {
            log::debug!("resource {handle} unreferenced while mapped: memory kept until unmap");
            self.orphans.push((handle, r.desc, r.storage, r.coherent_bytes));
            return Ok(());
        }
        self.coherent_used -= r.coherent_bytes;
        self.host_bytes -= r.host_bytes;
        self.backend.destroy(&r.desc, r.storage);
        Ok(())
    }

    pub fn attach_backing(&mut self, handle: u32, backing: Backing) -> Result<()> {
        let r = self.resource(handle)?;
        if matches!(r.storage, Storage::ZeroCopy(_)) {
            return self.zerocopy_attach(handle, backing);
        }
        if r.backing.is_some() {
            return Err(Error::inval(format!("resource {handle} already has backing")));
        }
        r.backing = Some(backing);
        Ok(())
    }

    /// Detaches and returns the caller's iovec pointer and count (NULL/0 when none).
    pub fn detach_backing(&mut self, handle: u32) -> Result<(usize, i32)> {
        self.zerocopy_detach(handle);
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
        self.check_ctx_access(ctx_id, handle)?;
        let Renderer { resources, backend, .. } = self;
        let r = resources
            .get_mut(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
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
        match (&mut r.storage, dir) {
            // Linear storage (CPU backend, coherent memory under any backend) is shared code.
            (Storage::Linear(l), Direction::ToHost) => l.write(&r.desc, &plan, iov),
            (Storage::Linear(l), Direction::FromHost) => l.read(&r.desc, &plan, iov),
            (Storage::ZeroCopy(z), dir) => {
                let explicit = iovs.is_some();
                let b = r.backing.as_ref();
                crate::backend::zerocopy::transfer(
                    backend.as_mut(),
                    &r.desc,
                    z,
                    b,
                    dir == Direction::ToHost,
                    explicit,
                    &plan,
                    iov,
                )
            }
            (Storage::GuestOnly, _) => Err(Error::inval(format!(
                "resource {handle} is a guest-only blob: no host storage"
            ))),
            (st, Direction::ToHost) => backend.write(&r.desc, st, &plan, iov),
            (st, Direction::FromHost) => backend.read(&r.desc, st, &plan, iov),
        }
    }

    /// A transfer through context `ctx_id` (≠ 0) needs the resource attached to it.
    fn check_ctx_access(&self, ctx_id: u32, handle: u32) -> Result<()> {
        if ctx_id == 0 {
            return Ok(());
        }
        let ctx = self
            .contexts
            .get(&ctx_id)
            .ok_or_else(|| Error::inval(format!("unknown context {ctx_id}")))?;
        if !self.resources.contains_key(&handle) {
            return Err(Error::inval(format!("unknown resource {handle}")));
        }
        if !ctx.resources.contains(&handle) {
            return Err(Error::inval(format!(
                "resource {handle} is not attached to context {ctx_id}"
            )));
        }
        Ok(())
    }

    /// Queues a fence behind all work submitted so far and wakes whoever reports it.
    pub fn push_fence(&mut self, f: Retired) -> Result<()> {
        let sync = self.backend.sync_point()?;
        let done = sync.as_ref().is_none_or(|s| s.wait(0));
        self.fences.push(f, sync);
        if let Some(fd) = self.poll_fd.as_ref().filter(|_| done && self.fences.any_ready()) {
            fd.signal();
        }
        if let Some(t) = &self.fence_thread {
            t.notify();
        }
        Ok(())
    }

    /// `context_create_with_flags` after the argument checks.
    pub fn create_context(&mut self, id: u32, capset: u32, name: String) -> Result<()> {
        if let Some(c) = self.contexts.get(&id) {
            if c.capset == capset {
                return Ok(());
            }
            return Err(Error::inval(format!("context {id} exists with capset {}", c.capset)));
        }
        self.contexts.insert(id, Context::new(id, capset, name));
        Ok(())
    }

    pub fn destroy_context(&mut self, id: u32) -> Result<()> {
        let mut c = self
            .contexts
            .remove(&id)
            .ok_or_else(|| Error::inval(format!("unknown context {id}")))?;
        // Its sub-contexts' GL contexts, each with its begun queries.
        self.destroy_context_gl(&mut c);
        if self.query_owner.is_some_and(|(owner, _)| owner == id) {
            self.query_owner = None;
        }
        self.fences.clear_context(id);
        Ok(())
    }

    pub fn context(&mut self, id: u32) -> Result<&mut Context> {
        self.contexts.get_mut(&id).ok_or_else(|| Error::inval(format!("unknown context {id}")))
    }

    /// `get_info` for `handle`, and whether the caller's struct may be written whole (see
    /// [`Resource::new_api`]).
    /// The VMM gets the GL name: the backend readies the object for outside use first.
    pub fn info(&mut self, handle: u32) -> Result<ResourceInfo> {
        let r = self
            .resources
            .get_mut(&handle)
            .ok_or_else(|| Error::inval(format!("unknown resource {handle}")))?;
        self.backend.expose(&r.desc, &mut r.storage)?;
        let d = &r.desc;
        Ok(ResourceInfo {
            handle,
            virgl_format: d.format.id,
            width: d.width,
            height: d.height,
            depth: d.depth,
            flags: d.flags,
            tex_id: self.backend.tex_id(&r.storage),
            stride: u32::try_from(d.texel_format().stride(d.width)).unwrap_or(0),
            drm_fourcc: d.format.drm_fourcc as i32,
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

    /// A transfer between resource `handle` and host memory `buf` (instead of guest
    /// iovecs), validated like any transfer against `buf.len()`: the command decoder's
    /// staging copies and inline writes. `ctx_id` ≠ 0 requires the resource attached to it.
    #[allow(clippy::too_many_arguments)]
    pub fn transfer_host(
        &mut self,
        dir: Direction,
        handle: u32,
        ctx_id: u32,
        level: u32,
        stride: u32,
        layer_stride: u32,
        bx: RawBox,
        buf: &mut [u8],
    ) -> Result<()> {
        let (ptr, len) = (buf.as_mut_ptr(), buf.len());
        // SAFETY: `buf` is borrowed mutably for this whole call and the list is dropped
        // before it returns.
        let iov = unsafe { IovList::from_slices(&[(ptr, len)])? };
        let zero_copy =
            self.resources.get(&handle).is_some_and(|r| matches!(r.storage, Storage::ZeroCopy(_)));
        if zero_copy && dir == Direction::ToHost {
            // A host-side write (the decoder's copies, clears, inline writes) into a
            // zero-copy resource lands in its guest pages: they are the resource.
            self.check_ctx_access(ctx_id, handle)?;
            let r = self.resource(handle)?;
            let plan = transfer::plan(&r.desc, level, stride, layer_stride, bx, 0, iov.total())?;
            return crate::backend::zerocopy::host_write(
                &r.desc,
                &r.storage,
                r.backing.as_ref(),
                &plan,
                &iov,
            );
        }
        self.transfer(dir, handle, ctx_id, level, stride, layer_stride, bx, 0, Some(iov))
    }
}
