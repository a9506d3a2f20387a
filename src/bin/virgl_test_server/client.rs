//! One vtest client: its socket, negotiated protocol version, renderer context and
//! resources. [`Client::serve_one`] reads and executes one request; whatever the client
//! does, [`Drop`] leaves nothing of it in the renderer.
//!
//! Every request is decoded by the pure `model::vtest` code (lengths checked before
//! anything is allocated). A request that fails closes the connection with one log line,
//! as upstream's server does for its failing handlers; a failed transfer only logs (the
//! client gets no reply for it either way, as with upstream).

use super::conn::Conn;
use super::render::{self, Render};
use super::sync::Syncs;
use std::collections::BTreeSet;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;
use virglrenderer::internal::error::{Error, Result};
use virglrenderer::internal::server::{
    self as api, Backing, Direction, Host3dArgs, HostMem, IovList, CAPSET_VIRGL, CAPSET_VIRGL2,
};
use virglrenderer::internal::vtest::{self as proto, cmd, Header, Request, HDR_BYTES};

/// What the process hands out: context ids and server-chosen resource ids (protocol ≥ 3),
/// unique across the clients of one process.
#[derive(Debug)]
pub struct Ids {
    next_ctx: u32,
    next_res: u32,
}

impl Default for Ids {
    fn default() -> Self {
        Ids { next_ctx: 1, next_res: 1 }
    }
}

impl Ids {
    fn context(&mut self) -> Result<u32> {
        let id = self.next_ctx;
        self.next_ctx = id.checked_add(1).ok_or_else(|| Error::nomem("context ids exhausted"))?;
        Ok(id)
    }

    /// The next resource id not in use in the renderer.
    fn resource(&mut self) -> Result<u32> {
        for _ in 0..1024 {
            let id = self.next_res;
            self.next_res = id.checked_add(1).unwrap_or(1).max(1);
            if !api::with(|r| Ok(r.handle_in_use(id)))? {
                return Ok(id);
            }
        }
        Err(Error::nomem("no free resource id"))
    }
}

/// How a request ended.
pub enum Served {
    /// Keep serving this client.
    Continue,
    /// The client closed the connection (or the server closed it after a failure).
    Closed,
}

pub struct Client {
    conn: Conn,
    /// For log lines: a number and the client's program name.
    tag: String,
    started: bool,
    protocol: u32,
    multi: bool,
    ctx_id: u32,
    ctx_created: bool,
    capset: u32,
    resources: BTreeSet<u32>,
    syncs: Syncs,
    limits: proto::Limits,
}

impl Client {
    /// A client on `stream`; each request must complete within `limit` once its first
    /// byte arrived ([`Conn`]).
    pub fn new(
        stream: UnixStream,
        number: u64,
        multi: bool,
        limit: Duration,
        ids: &mut Ids,
    ) -> Result<Client> {
        Ok(Client {
            conn: Conn::new(stream, limit),
            tag: format!("client {number}"),
            started: false,
            protocol: 0,
            multi,
            ctx_id: ids.context()?,
            ctx_created: false,
            capset: CAPSET_VIRGL2,
            resources: BTreeSet::new(),
            syncs: Syncs::default(),
            limits: proto::Limits::default(),
        })
    }

    /// Other bounds on request sizes (the server-loop fuzz target's smaller ones).
    #[allow(dead_code)] // Used by fuzz/fuzz_targets/vtest_server.rs, which includes this file.
    pub fn with_limits(mut self, limits: proto::Limits) -> Client {
        self.limits = limits;
        self
    }

    pub fn stream(&self) -> &UnixStream {
        self.conn.stream()
    }

    /// Logs a command stream the library rejected; the connection stays open (upstream's
    /// server keeps serving such a client, and the library keeps the context's error
    /// state, so that later streams of the context fail as upstream's do).
    fn rejected_stream(&self, verdict: Result<()>) {
        if let Err(e) = verdict {
            log::warn!("{}: SUBMIT_CMD rejected: {} (errno {})", self.tag, e.msg, e.errno);
        }
    }

    /// Reads and executes one request.
    pub fn serve_one(&mut self, render: &Render, ids: &mut Ids) -> Served {
        let hdr = match self.conn.read_header::<HDR_BYTES>() {
            Ok(Some(h)) => h,
            Ok(None) => {
                log::info!("{}: disconnected", self.tag);
                return Served::Closed;
            }
            Err(e) => {
                log::warn!("{}: read failed ({e}); closing the connection", self.tag);
                return Served::Closed;
            }
        };
        let h = Header::parse(&hdr);
        match self.request(h).and_then(|req| {
            let name = req.name();
            self.execute(req, render, ids)
                .map_err(|e| Error::new(e.errno, format!("{name}: {}", e.msg)))
        }) {
            Ok(()) => Served::Continue,
            Err(e) => {
                log::error!("{}: {}; closing the connection", self.tag, e.msg);
                Served::Closed
            }
        }
    }

    /// Reads the body of `h` and decodes it.
    fn request(&mut self, h: Header) -> Result<Request> {
        if !self.started && h.cmd != cmd::CREATE_RENDERER {
            return Err(Error::inval(format!("command {} before CREATE_RENDERER", h.cmd)));
        }
        let n = proto::body_bytes(h, &self.limits)?;
        let inside = |e| Error::inval(format!("command {}: {}", h.cmd, io_err(e).msg));
        if h.cmd == cmd::CREATE_RENDERER {
            let mut body = vec![0u8; n];
            self.conn.read_exact(&mut body).map_err(inside)?;
            return proto::decode(h, &body, &self.limits, self.protocol);
        }
        let words = self.conn.read_words(n).map_err(inside)?;
        proto::decode_words(h, words, &self.limits, self.protocol)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.conn.write_all(bytes).map_err(io_err)
    }

    fn send_fd(&mut self, fd: std::os::fd::BorrowedFd<'_>) -> Result<()> {
        self.conn.send_fd(fd).map_err(io_err)
    }

    /// Creates the renderer context on the first request that needs it (upstream's lazy
    /// init), with the capset of CONTEXT_INIT or VIRGL2.
    fn context(&mut self) -> Result<u32> {
        if !self.ctx_created {
            let (id, capset, name) = (self.ctx_id, self.capset, self.tag.clone());
            api::with(|r| r.create_context(id, capset, name))?;
            self.ctx_created = true;
        }
        Ok(self.ctx_id)
    }

    /// A resource of this client (another client's ids are refused, as unknown).
    fn own(&self, handle: u32) -> Result<()> {
        if self.resources.contains(&handle) {
            Ok(())
        } else {
            Err(Error::new(libc::ESRCH, format!("resource {handle} is not this client's")))
        }
    }

    fn execute(&mut self, req: Request, render: &Render, ids: &mut Ids) -> Result<()> {
        match req {
            Request::CreateRenderer { name } => {
                if self.started {
                    return Err(Error::inval("second CREATE_RENDERER"));
                }
                self.started = true;
                self.tag = format!("{} ({name})", self.tag);
                log::info!("{}: connected", self.tag);
                Ok(())
            }
            Request::PingProtocolVersion => {
                self.write(&proto::reply(cmd::PING_PROTOCOL_VERSION, &[]))
            }
            Request::ProtocolVersion { version } => {
                self.protocol = proto::negotiate(version, self.multi)?;
                let v = self.protocol;
                log::info!("{}: protocol version {version} asked, {v} served", self.tag);
                self.write(&proto::reply(cmd::PROTOCOL_VERSION, &[v]))
            }
            Request::GetCaps | Request::GetCaps2 => {
                let id = if matches!(req, Request::GetCaps) { CAPSET_VIRGL } else { CAPSET_VIRGL2 };
                // Upstream's server fills both sets at version 1.
                let caps = render::capset(id, 1).ok_or_else(|| {
                    Error::new(libc::ENOTSUP, format!("capset {id} is not served by this renderer"))
                })?;
                self.write(&proto::reply_caps(id, &caps)?)
            }
            Request::GetParam { param } => {
                let resp = match param {
                    proto::PARAM_MAX_TIMELINE_COUNT => [1, proto::MAX_TIMELINES],
                    // No DRM syncobjs (native DRM contexts only): [not present, 0], as
                    // upstream answers a context without a DRM device.
                    proto::PARAM_HAS_TIMELINE_SYNCOBJ => [0, 0],
                    _ => [0, 0],
                };
                self.write(&proto::reply(cmd::GET_PARAM, &resp))
            }
            Request::GetCapset { id, version } => {
                let caps = render::capset(id, version);
                self.write(&proto::reply_capset(caps.as_deref())?)
            }
            Request::ContextInit { capset_id } => {
                if capset_id != CAPSET_VIRGL && capset_id != CAPSET_VIRGL2 {
                    return Err(Error::inval(format!("capset {capset_id} is not served")));
                }
                if self.ctx_created {
                    return if capset_id == self.capset {
                        Ok(())
                    } else {
                        Err(Error::inval("context already initialised with another capset"))
                    };
                }
                self.capset = capset_id;
                self.context().map(|_| ())
            }
            Request::ResourceCreate(a) => self.create(a, cmd::RESOURCE_CREATE, ids),
            Request::ResourceCreate2(a) => self.create(a, cmd::RESOURCE_CREATE2, ids),
            Request::ResourceUnref { handle } => {
                self.context()?;
                if self.resources.remove(&handle) {
                    api::with(|r| r.unref(handle))
                } else {
                    log::warn!("{}: RESOURCE_UNREF of unknown resource {handle} ignored", self.tag);
                    Ok(())
                }
            }
            Request::TransferGet(t) | Request::TransferPut(t) => {
                let put = matches!(req, Request::TransferPut(_));
                self.legacy_transfer(t, put)
            }
            Request::TransferGet2(t) | Request::TransferPut2(t) => {
                let ctx = self.context()?;
                self.own(t.handle)?;
                let dir = if matches!(req, Request::TransferPut2(_)) {
                    Direction::ToHost
                } else {
                    Direction::FromHost
                };
                let bx = t.bx;
                let off = u64::from(t.offset);
                let r = api::with(|r| r.transfer(dir, t.handle, ctx, t.level, 0, 0, bx, off, None));
                if let Err(e) = r {
                    log::warn!("{}: {}: {}", self.tag, req.name(), e.msg);
                }
                Ok(())
            }
            Request::SubmitCmd { words } => {
                let ctx = self.context()?;
                let verdict = render.submit(ctx, &words)?;
                self.rejected_stream(verdict);
                Ok(())
            }
            Request::BusyWait { handle, flags } => {
                if !self.ctx_created && handle != 0 {
                    self.context()?;
                }
                let busy = render.busy(flags & proto::BUSY_WAIT_FLAG_WAIT != 0);
                self.write(&proto::reply(cmd::RESOURCE_BUSY_WAIT, &[u32::from(busy)]))
            }
            Request::SyncCreate { value } => {
                self.context()?;
                let id = self.syncs.create(value)?;
                self.write(&proto::reply(cmd::SYNC_CREATE, &[id]))
            }
            Request::SyncUnref { id } => {
                self.syncs.unref(id);
                Ok(())
            }
            Request::SyncRead { id } => {
                let v = self.syncs.read(id)?;
                self.write(&proto::reply(cmd::SYNC_READ, &[v as u32, (v >> 32) as u32]))
            }
            Request::SyncWrite { id, value } => self.syncs.write(id, value),
            Request::SyncWait { flags, timeout_ms, waits } => {
                let fd = self.syncs.wait(flags, timeout_ms, &waits)?;
                self.write(&proto::reply(cmd::SYNC_WAIT, &[]))?;
                self.send_fd(fd.as_fd())
            }
            Request::SubmitCmd2 { batches, words } => {
                let ctx = self.context()?;
                for b in batches {
                    // Ranges checked by the decoder against the body.
                    let start = b.cmd_offset as usize;
                    let cmds = &words[start..start + b.cmd_size as usize];
                    let verdict = render.submit(ctx, cmds)?;
                    self.rejected_stream(verdict);
                    if b.sync_count == 0 {
                        continue;
                    }
                    // On a ring the syncs signal once the work is done (waited for here);
                    // without one at once, as upstream.
                    if b.flags & proto::SUBMIT_CMD2_FLAG_RING_IDX != 0 {
                        render.busy(true);
                    }
                    let at = b.sync_offset as usize;
                    let signals: Vec<(u32, u64)> = words[at..at + 3 * b.sync_count as usize]
                        .chunks_exact(3)
                        .map(|t| (t[0], proto::u64_of(t[1], t[2])))
                        .collect();
                    self.syncs.write_all(&signals)?;
                }
                Ok(())
            }
            Request::ResourceCreateBlob { blob_type, flags, size, blob_id } => {
                self.create_blob(blob_type, flags, size, blob_id, ids)
            }
            Request::ResourceExportFd { handle } => {
                self.context()?;
                // Only the client's own resources (upstream exports any id it is given).
                self.own(handle)?;
                // A dma-buf where the host makes one, else coherent memory's memfd; a
                // resource with neither (a texture in private memory) is refused.
                let (_, fd) = api::with(|r| r.export_blob(handle))?;
                self.write(&proto::reply(cmd::RESOURCE_EXPORT_FD, &[]))?;
                self.send_fd(fd.as_fd())
            }
        }
    }

    /// RESOURCE_CREATE / RESOURCE_CREATE2: the resource, attached to the context, with
    /// `data_size` bytes of shared memory as its backing, whose fd goes to the client.
    fn create(&mut self, c: proto::ResourceCreate, reply_cmd: u32, ids: &mut Ids) -> Result<()> {
        let ctx = self.context()?;
        let mut args = c.args;
        if self.multi && self.protocol < 3 {
            // Client-chosen handles would collide between clients (what negotiation says).
            return Err(Error::inval("--multi-clients serves protocol 3 clients only"));
        }
        let handle = if self.protocol >= 3 {
            if args.handle != 0 {
                return Err(Error::inval(format!(
                    "client chose handle {} (protocol 3)",
                    args.handle
                )));
            }
            ids.resource()?
        } else {
            if args.handle == 0 || api::with(|r| Ok(r.handle_in_use(args.handle)))? {
                return Err(Error::new(
                    libc::EEXIST,
                    format!("handle {} is 0 or in use", args.handle),
                ));
            }
            args.handle
        };
        args.handle = handle;
        let shm = if c.data_size > 0 {
            Some(HostMem::shared(u64::from(c.data_size), "vtest-shm")?)
        } else {
            None
        };
        let fd = match &shm {
            Some(m) => Some(
                m.fd()
                    .ok_or_else(|| Error::nomem("shared memory without an fd"))?
                    .try_clone()
                    .map_err(io_err)?,
            ),
            None => None,
        };
        let backing = match shm {
            Some(m) => Some(Backing { raw_iov: 0, raw_count: 0, iovs: IovList::owning(m)? }),
            None => None,
        };
        api::with(|r| {
            r.create_resource(&args, backing)?;
            r.context(ctx)?.resources.insert(handle);
            Ok(())
        })?;
        self.resources.insert(handle);
        if self.protocol >= 3 {
            self.write(&proto::reply(reply_cmd, &[handle]))?;
        }
        if let Some(fd) = fd {
            self.send_fd(fd.as_fd())?;
        }
        Ok(())
    }

    /// RESOURCE_CREATE_BLOB: a guest blob or a HOST3D_GUEST blob on fresh shared memory, or
    /// a HOST3D blob from the pipe resource the context's commands described under
    /// `blob_id`, exported (its memfd or a dma-buf); the fd goes to the client.
    fn create_blob(
        &mut self,
        blob_type: u32,
        flags: u32,
        size: u64,
        blob_id: u64,
        ids: &mut Ids,
    ) -> Result<()> {
        /// Most bytes of one blob (Mesa sends 32-bit sizes).
        const MAX_BLOB: u64 = 1 << 32;
        let ctx = self.context()?;
        if size == 0 || size > MAX_BLOB {
            return Err(Error::inval(format!("blob of {size} bytes (1..={MAX_BLOB})")));
        }
        if flags & !proto::BLOB_FLAG_MAPPABLE != 0 {
            return Err(Error::inval(format!("unknown blob flags {flags:#x}")));
        }
        let handle = ids.resource()?;
        let shm = match blob_type {
            proto::BLOB_TYPE_GUEST | proto::BLOB_TYPE_HOST3D_GUEST => {
                let m = HostMem::shared(size, "vtest-blob")?;
                let fd = m.fd().ok_or_else(|| Error::nomem("shared memory without an fd"))?;
                let fd = fd.try_clone().map_err(io_err)?;
                Some((fd, IovList::owning(m)?))
            }
            proto::BLOB_TYPE_HOST3D => None,
            t => return Err(Error::inval(format!("blob type {t}"))),
        };
        let host3d = Host3dArgs {
            res_handle: handle,
            ctx_id: ctx,
            mappable: flags & proto::BLOB_FLAG_MAPPABLE != 0,
            blob_id,
            size,
        };
        let fd = api::with(|r| match shm {
            Some((fd, iovs)) if blob_type == proto::BLOB_TYPE_GUEST => {
                r.create_guest_blob(handle, size, iovs, (0, 0))?;
                r.context(ctx)?.resources.insert(handle);
                Ok(fd)
            }
            Some((fd, iovs)) => {
                let backing = Backing { raw_iov: 0, raw_count: 0, iovs };
                r.create_host3d_blob(&host3d, Some(backing))?;
                Ok(fd)
            }
            None => {
                r.create_host3d_blob(&host3d, None)?;
                match r.export_blob(handle) {
                    Ok((_, fd)) => Ok(fd),
                    Err(e) => {
                        let _ = r.unref(handle);
                        Err(e)
                    }
                }
            }
        })?;
        self.resources.insert(handle);
        self.write(&proto::reply(cmd::RESOURCE_CREATE_BLOB, &[handle]))?;
        self.send_fd(fd.as_fd())
    }

    /// Protocol 0 transfers: the data on the socket.
    fn legacy_transfer(&mut self, t: proto::Transfer, put: bool) -> Result<()> {
        let ctx = self.context()?;
        self.own(t.handle)?;
        let mut data = vec![0u8; t.data_size as usize];
        if put {
            self.conn
                .read_exact(&mut data)
                .map_err(|e| Error::inval(format!("TRANSFER_PUT data: {}", io_err(e).msg)))?;
        }
        let bx = t.bx;
        let dir = if put { Direction::ToHost } else { Direction::FromHost };
        let r = api::with(|r| {
            r.transfer_host(dir, t.handle, ctx, t.level, t.stride, t.layer_stride, bx, &mut data)
        });
        if let Err(e) = r {
            log::warn!("{}: TRANSFER_{}: {}", self.tag, if put { "PUT" } else { "GET" }, e.msg);
        }
        if !put {
            self.write(&data)?;
        }
        Ok(())
    }
}

impl Drop for Client {
    /// Unreferences every resource of the client and destroys its context.
    fn drop(&mut self) {
        let handles = std::mem::take(&mut self.resources);
        let (ctx, created) = (self.ctx_id, self.ctx_created);
        let r = api::with(|r| {
            for h in handles {
                if let Err(e) = r.unref(h) {
                    log::warn!("cleanup: resource {h}: {}", e.msg);
                }
            }
            if created {
                r.destroy_context(ctx)?;
            }
            Ok(())
        });
        if let Err(e) = r {
            log::warn!("{}: cleanup: {}", self.tag, e.msg);
        }
        log::info!("{}: gone, its context and resources released", self.tag);
    }
}

fn io_err(e: std::io::Error) -> Error {
    Error::new(e.raw_os_error().unwrap_or(libc::EIO), format!("socket: {e}"))
}
