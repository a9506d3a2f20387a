//! The vtest wire protocol (Mesa's `virpipe` driver talking to `virgl_test_server` over a
//! Unix socket), as pure code: request headers and bodies → typed, validated [`Request`]s,
//! and the server's replies as bytes. No I/O: the server (`src/bin/virgl_test_server/`)
//! reads exactly [`body_bytes`] after each header, then [`Request::trailing_bytes`] for a
//! legacy TRANSFER_PUT, and writes what the `reply_*` functions return.
//!
//! Wire facts (upstream's `vtest/vtest_protocol.h`, Mesa's `virgl_vtest_socket.c`): every
//! message starts with two little-endian dwords `[length, command]`. The length is in
//! dwords, except for CREATE_RENDERER (bytes of the client's name) and for the caps replies
//! (bytes + 1). Fixed-size commands are read at their fixed size whatever the length says
//! (Mesa's TRANSFER_PUT2 header counts data it never sends, so the length cannot be
//! trusted), variable ones (SUBMIT_CMD, SYNC_WAIT, SUBMIT_CMD2) at the length, bounded by
//! [`Limits`] before anything is allocated.
//!
//! Protocol 4 (upstream's current version; Mesa 25's virpipe and Venus clients negotiate
//! 3): RESOURCE_EXPORT_FD (38; reply `[0, 38]` and the fd), SUBMIT_CMD2 batches of eight
//! dwords (in / out DRM syncobj counts; fence-fd flags), the DRM_SYNC_* commands (25-37)
//! of native DRM contexts and GET_PARAM HAS_TIMELINE_SYNCOBJ. What needs DRM syncobjs or
//! sync-file fences is refused (see [`body_bytes`] and the SUBMIT_CMD2 decoder).

use crate::error::{Error, Result};
use crate::model::resource::CreateArgs;
use crate::model::transfer::RawBox;

/// Bytes of a message header.
pub const HDR_BYTES: usize = 8;

/// Command ids.
pub mod cmd {
    pub const GET_CAPS: u32 = 1;
    pub const RESOURCE_CREATE: u32 = 2;
    pub const RESOURCE_UNREF: u32 = 3;
    pub const TRANSFER_GET: u32 = 4;
    pub const TRANSFER_PUT: u32 = 5;
    pub const SUBMIT_CMD: u32 = 6;
    pub const RESOURCE_BUSY_WAIT: u32 = 7;
    pub const CREATE_RENDERER: u32 = 8;
    pub const GET_CAPS2: u32 = 9;
    pub const PING_PROTOCOL_VERSION: u32 = 10;
    pub const PROTOCOL_VERSION: u32 = 11;
    // Protocol version 2.
    pub const RESOURCE_CREATE2: u32 = 12;
    pub const TRANSFER_GET2: u32 = 13;
    pub const TRANSFER_PUT2: u32 = 14;
    // Protocol version 3.
    pub const GET_PARAM: u32 = 15;
    pub const GET_CAPSET: u32 = 16;
    pub const CONTEXT_INIT: u32 = 17;
    pub const RESOURCE_CREATE_BLOB: u32 = 18;
    pub const SYNC_CREATE: u32 = 19;
    pub const SYNC_UNREF: u32 = 20;
    pub const SYNC_READ: u32 = 21;
    pub const SYNC_WRITE: u32 = 22;
    pub const SYNC_WAIT: u32 = 23;
    pub const SUBMIT_CMD2: u32 = 24;
    // Protocol version 4: DRM sync objects of native DRM contexts (refused here, see
    // [`body_bytes`]), and a resource's fd on request.
    pub const DRM_SYNC_CREATE: u32 = 25;
    pub const DRM_SYNC_TRANSFER: u32 = 37;
    pub const RESOURCE_EXPORT_FD: u32 = 38;
}

/// The names of protocol 4's DRM_SYNC_* commands (25 ..= 37), for log lines.
const DRM_SYNC_NAMES: [&str; 13] = [
    "DRM_SYNC_CREATE",
    "DRM_SYNC_DESTROY",
    "DRM_SYNC_HANDLE_TO_FD",
    "DRM_SYNC_FD_TO_HANDLE",
    "DRM_SYNC_IMPORT_SYNC_FILE",
    "DRM_SYNC_EXPORT_SYNC_FILE",
    "DRM_SYNC_WAIT",
    "DRM_SYNC_RESET",
    "DRM_SYNC_SIGNAL",
    "DRM_SYNC_TIMELINE_SIGNAL",
    "DRM_SYNC_TIMELINE_WAIT",
    "DRM_SYNC_QUERY",
    "DRM_SYNC_TRANSFER",
];

/// The highest protocol version this server speaks (upstream's current one; Mesa 25's
/// virpipe and Venus clients ask for 3 and get 3).
pub const SERVER_PROTOCOL_VERSION: u32 = 4;
/// RESOURCE_BUSY_WAIT flag: block until the work is done.
pub const BUSY_WAIT_FLAG_WAIT: u32 = 1;
/// RESOURCE_CREATE_BLOB types.
pub const BLOB_TYPE_GUEST: u32 = 1;
pub const BLOB_TYPE_HOST3D: u32 = 2;
pub const BLOB_TYPE_HOST3D_GUEST: u32 = 3;
/// RESOURCE_CREATE_BLOB flag: the client maps the memory.
pub const BLOB_FLAG_MAPPABLE: u32 = 1;
/// GET_PARAM: the number of timelines (rings) SUBMIT_CMD2 may use.
pub const PARAM_MAX_TIMELINE_COUNT: u32 = 1;
/// GET_PARAM (protocol 4): whether DRM sync objects (and timeline ones) are served.
pub const PARAM_HAS_TIMELINE_SYNCOBJ: u32 = 2;
/// Most rings a SUBMIT_CMD2 batch may name (upstream's count).
pub const MAX_TIMELINES: u32 = 64;
/// SUBMIT_CMD2 batch flag: `ring_idx` is valid.
pub const SUBMIT_CMD2_FLAG_RING_IDX: u32 = 1;
/// SUBMIT_CMD2 batch flags (protocol 4): a sync-file fd follows the request (SCM_RIGHTS)
/// for the batch to wait for; the server answers one that signals when the batch is done.
pub const SUBMIT_CMD2_FLAG_IN_FENCE_FD: u32 = 1 << 1;
pub const SUBMIT_CMD2_FLAG_OUT_FENCE_FD: u32 = 1 << 2;
/// Dwords per SUBMIT_CMD2 batch description: protocol 3's six (what Mesa's clients write,
/// `sizeof(struct vcmd_submit_cmd2_batch)`), protocol 4's eight (in / out DRM syncobj
/// counts added).
const BATCH_DWORDS_V3: usize = 6;
const BATCH_DWORDS_V4: usize = 8;
/// Most sync objects of one client (and so of one SYNC_WAIT list).
pub const MAX_SYNCS: usize = 4096;

/// Bounds on guest-chosen sizes, checked before anything is allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of a SUBMIT_CMD / SUBMIT_CMD2 / SYNC_WAIT body.
    pub max_cmd_bytes: usize,
    /// Most bytes of a legacy TRANSFER_PUT / TRANSFER_GET payload.
    pub max_transfer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_cmd_bytes: 16 << 20, max_transfer_bytes: 256 << 20 }
    }
}

/// Most bytes of a CREATE_RENDERER name (Mesa sends at most 64).
pub const MAX_NAME_BYTES: usize = 1024;

/// A message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub len: u32,
    pub cmd: u32,
}

impl Header {
    pub fn parse(b: &[u8; HDR_BYTES]) -> Header {
        Header {
            len: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            cmd: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }
}

/// RESOURCE_CREATE / RESOURCE_CREATE2: the resource's arguments (`flags` 0; `handle` 0
/// when the server chooses it, protocol 3) and the bytes of shared memory the client wants
/// as its backing (`data_size`, CREATE2 only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceCreate {
    pub args: CreateArgs,
    pub data_size: u32,
}

/// Legacy TRANSFER_GET / TRANSFER_PUT: the data travels on the socket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub handle: u32,
    pub level: u32,
    pub stride: u32,
    pub layer_stride: u32,
    pub bx: RawBox,
    /// Bytes on the socket: after the body (PUT) or in the reply (GET).
    pub data_size: u32,
}

/// TRANSFER_GET2 / TRANSFER_PUT2: the data is in the resource's shared memory at `offset`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer2 {
    pub handle: u32,
    pub level: u32,
    pub bx: RawBox,
    pub data_size: u32,
    pub offset: u32,
}

/// One SUBMIT_CMD2 batch, its ranges checked against the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    pub flags: u32,
    /// Dword range of the command buffer in the body.
    pub cmd_offset: u32,
    pub cmd_size: u32,
    /// Dword offset and count of the (sync id, value lo, value hi) triples to signal.
    pub sync_offset: u32,
    pub sync_count: u32,
    pub ring_idx: u32,
}

/// A decoded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    CreateRenderer {
        name: String,
    },
    GetCaps,
    GetCaps2,
    PingProtocolVersion,
    ProtocolVersion {
        version: u32,
    },
    ResourceCreate(ResourceCreate),
    ResourceCreate2(ResourceCreate),
    ResourceUnref {
        handle: u32,
    },
    TransferGet(Transfer),
    TransferPut(Transfer),
    TransferGet2(Transfer2),
    TransferPut2(Transfer2),
    SubmitCmd {
        words: Vec<u32>,
    },
    BusyWait {
        handle: u32,
        flags: u32,
    },
    GetParam {
        param: u32,
    },
    GetCapset {
        id: u32,
        version: u32,
    },
    ContextInit {
        capset_id: u32,
    },
    ResourceCreateBlob {
        blob_type: u32,
        flags: u32,
        size: u64,
        blob_id: u64,
    },
    SyncCreate {
        value: u64,
    },
    SyncUnref {
        id: u32,
    },
    SyncRead {
        id: u32,
    },
    SyncWrite {
        id: u32,
        value: u64,
    },
    SyncWait {
        flags: u32,
        timeout_ms: u32,
        waits: Vec<(u32, u64)>,
    },
    SubmitCmd2 {
        batches: Vec<Batch>,
        words: Vec<u32>,
    },
    /// Protocol 4: the resource's memory as an fd (its memfd or a dma-buf).
    ResourceExportFd {
        handle: u32,
    },
}

impl Request {
    /// The command's name for log lines.
    pub fn name(&self) -> &'static str {
        match self {
            Request::CreateRenderer { .. } => "CREATE_RENDERER",
            Request::GetCaps => "GET_CAPS",
            Request::GetCaps2 => "GET_CAPS2",
            Request::PingProtocolVersion => "PING_PROTOCOL_VERSION",
            Request::ProtocolVersion { .. } => "PROTOCOL_VERSION",
            Request::ResourceCreate(_) => "RESOURCE_CREATE",
            Request::ResourceCreate2(_) => "RESOURCE_CREATE2",
            Request::ResourceUnref { .. } => "RESOURCE_UNREF",
            Request::TransferGet(_) => "TRANSFER_GET",
            Request::TransferPut(_) => "TRANSFER_PUT",
            Request::TransferGet2(_) => "TRANSFER_GET2",
            Request::TransferPut2(_) => "TRANSFER_PUT2",
            Request::SubmitCmd { .. } => "SUBMIT_CMD",
            Request::BusyWait { .. } => "RESOURCE_BUSY_WAIT",
            Request::GetParam { .. } => "GET_PARAM",
            Request::GetCapset { .. } => "GET_CAPSET",
            Request::ContextInit { .. } => "CONTEXT_INIT",
            Request::ResourceCreateBlob { .. } => "RESOURCE_CREATE_BLOB",
            Request::SyncCreate { .. } => "SYNC_CREATE",
            Request::SyncUnref { .. } => "SYNC_UNREF",
            Request::SyncRead { .. } => "SYNC_READ",
            Request::SyncWrite { .. } => "SYNC_WRITE",
            Request::SyncWait { .. } => "SYNC_WAIT",
            Request::SubmitCmd2 { .. } => "SUBMIT_CMD2",
            Request::ResourceExportFd { .. } => "RESOURCE_EXPORT_FD",
        }
    }

    /// Bytes that follow the body on the socket: a legacy TRANSFER_PUT's data (exactly
    /// `data_size` bytes, as Mesa writes them; bounded by [`Limits`] at decode).
    pub fn trailing_bytes(&self) -> usize {
        match self {
            Request::TransferPut(t) => t.data_size as usize,
            _ => 0,
        }
    }
}

/// A variable body of `len` dwords, bounded by `max` bytes.
fn dwords(h: Header, max: usize, what: &str) -> Result<usize> {
    let bytes = (h.len as usize)
        .checked_mul(4)
        .filter(|&b| b <= max)
        .ok_or_else(|| Error::inval(format!("{what}: {} dwords exceed {max} bytes", h.len)))?;
    Ok(bytes)
}

/// The bytes to read after header `h` before [`decode`] (an unknown command is an error).
pub fn body_bytes(h: Header, limits: &Limits) -> Result<usize> {
    Ok(match h.cmd {
        cmd::CREATE_RENDERER => {
            let n = h.len as usize;
            if n > MAX_NAME_BYTES {
                return Err(Error::inval(format!(
                    "CREATE_RENDERER: name of {n} bytes (most {MAX_NAME_BYTES})"
                )));
            }
            n
        }
        cmd::GET_CAPS | cmd::GET_CAPS2 | cmd::PING_PROTOCOL_VERSION => 0,
        cmd::PROTOCOL_VERSION
        | cmd::RESOURCE_UNREF
        | cmd::GET_PARAM
        | cmd::CONTEXT_INIT
        | cmd::SYNC_UNREF
        | cmd::SYNC_READ
        | cmd::RESOURCE_EXPORT_FD => 4,
        cmd::RESOURCE_BUSY_WAIT | cmd::GET_CAPSET | cmd::SYNC_CREATE => 8,
        cmd::SYNC_WRITE => 12,
        cmd::RESOURCE_CREATE_BLOB => 24,
        cmd::RESOURCE_CREATE => 40,
        cmd::RESOURCE_CREATE2 => 44,
        cmd::TRANSFER_GET | cmd::TRANSFER_PUT => 44,
        cmd::TRANSFER_GET2 | cmd::TRANSFER_PUT2 => 40,
        cmd::SUBMIT_CMD => dwords(h, limits.max_cmd_bytes, "SUBMIT_CMD")?,
        cmd::SYNC_WAIT => {
            if h.len < 2 || (h.len - 2) % 3 != 0 {
                return Err(Error::inval(format!("SYNC_WAIT: length {} is not 2 + 3n", h.len)));
            }
            // A wait lists each sync at most once; a client has at most MAX_SYNCS of them.
            if (h.len as usize - 2) / 3 > MAX_SYNCS {
                return Err(Error::inval(format!(
                    "SYNC_WAIT: {} syncs (max {MAX_SYNCS})",
                    (h.len - 2) / 3
                )));
            }
            dwords(h, limits.max_cmd_bytes, "SYNC_WAIT")?
        }
        cmd::SUBMIT_CMD2 => {
            if h.len == 0 {
                return Err(Error::inval("SUBMIT_CMD2: empty body"));
            }
            dwords(h, limits.max_cmd_bytes, "SUBMIT_CMD2")?
        }
        c @ cmd::DRM_SYNC_CREATE..=cmd::DRM_SYNC_TRANSFER => {
            // Upstream's server serves these only to native DRM contexts (through the
            // context's DRM device; virgl contexts have none, and GET_PARAM
            // HAS_TIMELINE_SYNCOBJ says so), and fails the request otherwise. Their
            // handles, points and fds follow outside the length, so nothing after them
            // can be framed: refused before the body is read.
            let name = DRM_SYNC_NAMES[(c - cmd::DRM_SYNC_CREATE) as usize];
            return Err(Error::inval(format!(
                "{name} (protocol 4): DRM sync objects belong to native DRM contexts, \
                 which this renderer does not serve"
            )));
        }
        c => return Err(Error::inval(format!("unknown command {c} (length {})", h.len))),
    })
}

fn words_of(body: &[u8]) -> Vec<u32> {
    body.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// A 64-bit value sent as two dwords, low first.
pub fn u64_of(lo: u32, hi: u32) -> u64 {
    u64::from(lo) | (u64::from(hi) << 32)
}

fn create_args(w: &[u32], data_size: u32) -> ResourceCreate {
    let args = CreateArgs {
        handle: w[0],
        target: w[1],
        format: w[2],
        bind: w[3],
        width: w[4],
        height: w[5],
        depth: w[6],
        array_size: w[7],
        last_level: w[8],
        nr_samples: w[9],
        flags: 0,
    };
    ResourceCreate { args, data_size }
}

fn transfer_box(w: &[u32]) -> RawBox {
    RawBox { x: w[0], y: w[1], z: w[2], w: w[3], h: w[4], d: w[5] }
}

/// SUBMIT_CMD2 of a client at `protocol` (its batch table's layout).
fn submit_cmd2(w: Vec<u32>, protocol: u32) -> Result<Request> {
    let v4 = protocol >= 4;
    let stride = if v4 { BATCH_DWORDS_V4 } else { BATCH_DWORDS_V3 };
    let len = w.len();
    let count = w[0] as usize;
    let fits = count.checked_mul(stride).and_then(|n| n.checked_add(1)).is_some_and(|n| n <= len);
    if !fits {
        return Err(Error::inval(format!("SUBMIT_CMD2: {count} batches do not fit {len} dwords")));
    }
    // Command and sync ranges lie after the batch table and add up to no more than the
    // body: ranges that overlap (or repeat one region in many batches) would make one
    // request cost batches × region size in submits and sync writes.
    let table_end = 1 + count * stride;
    let mut referenced = 0u64;
    let mut batches = Vec::with_capacity(count);
    for i in 0..count {
        let b = &w[1 + i * stride..1 + (i + 1) * stride];
        if v4 {
            v4_batch_extras(i, b[0], b[6], b[7])?;
        }
        let batch = Batch {
            flags: b[0],
            cmd_offset: b[1],
            cmd_size: b[2],
            sync_offset: b[3],
            sync_count: b[4],
            ring_idx: b[5],
        };
        let cmd_end = u64::from(batch.cmd_offset) + u64::from(batch.cmd_size);
        let sync_end = u64::from(batch.sync_offset) + 3 * u64::from(batch.sync_count);
        if cmd_end > len as u64 || sync_end > len as u64 {
            return Err(Error::inval(format!("SUBMIT_CMD2: batch {i} runs past {len} dwords")));
        }
        let inside_table = |start: u32, size: u64| size != 0 && (start as usize) < table_end;
        if inside_table(batch.cmd_offset, batch.cmd_size.into())
            || inside_table(batch.sync_offset, batch.sync_count.into())
        {
            return Err(Error::inval(format!(
                "SUBMIT_CMD2: batch {i} points into the batch table"
            )));
        }
        referenced += u64::from(batch.cmd_size) + 3 * u64::from(batch.sync_count);
        if referenced > (len - table_end) as u64 {
            return Err(Error::inval(format!(
                "SUBMIT_CMD2: batches 0..={i} reference more than the {} dwords after their table",
                len - table_end
            )));
        }
        if batch.flags & SUBMIT_CMD2_FLAG_RING_IDX != 0 && batch.ring_idx >= MAX_TIMELINES {
            return Err(Error::inval(format!(
                "SUBMIT_CMD2: batch {i} ring {} >= {MAX_TIMELINES}",
                batch.ring_idx
            )));
        }
        if batch.flags & !SUBMIT_CMD2_FLAG_RING_IDX != 0 {
            return Err(Error::inval(format!(
                "SUBMIT_CMD2: batch {i} unknown flags {:#x}",
                batch.flags
            )));
        }
        batches.push(batch);
    }
    Ok(Request::SubmitCmd2 { batches, words: w })
}

/// What protocol 4 adds to a SUBMIT_CMD2 batch, refused: DRM syncobjs to wait for
/// (`num_in`) or signal (`num_out`), 16 bytes each after the request, belong to native
/// DRM contexts; fence fds (a sync file received after the request, one sent back) need
/// sync-file fences, which the renderer does not make. Nothing is read for them.
fn v4_batch_extras(i: usize, flags: u32, num_in: u32, num_out: u32) -> Result<()> {
    if num_in != 0 || num_out != 0 {
        return Err(Error::inval(format!(
            "SUBMIT_CMD2: batch {i} names {num_in} in / {num_out} out DRM syncobjs \
             (protocol 4; native DRM contexts only, not served)"
        )));
    }
    let fences = flags & (SUBMIT_CMD2_FLAG_IN_FENCE_FD | SUBMIT_CMD2_FLAG_OUT_FENCE_FD);
    if fences != 0 {
        return Err(Error::inval(format!(
            "SUBMIT_CMD2: batch {i} fence fd flags {fences:#x} (protocol 4): sync-file \
             fences are not served by this renderer"
        )));
    }
    Ok(())
}

/// Decodes the body of header `h` (`body.len()` must be what [`body_bytes`] said) for a
/// client that negotiated `protocol` (0 before PROTOCOL_VERSION, as upstream).
pub fn decode(h: Header, body: &[u8], limits: &Limits, protocol: u32) -> Result<Request> {
    let want = body_bytes(h, limits)?;
    if body.len() != want {
        return Err(Error::inval(format!(
            "command {}: body of {} bytes, expected {want}",
            h.cmd,
            body.len()
        )));
    }
    if h.cmd == cmd::CREATE_RENDERER {
        // A C string: up to the first NUL.
        let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
        return Ok(Request::CreateRenderer {
            name: String::from_utf8_lossy(&body[..end]).into_owned(),
        });
    }
    decode_words(h, words_of(body), limits, protocol)
}

/// Decodes the body of header `h` already read as little-endian dwords (every command but
/// CREATE_RENDERER, whose body is bytes): `w` must hold the [`body_bytes`] of `h`. The
/// server reads bodies straight into such a vector, so a SUBMIT_CMD's dwords are allocated
/// once.
pub fn decode_words(h: Header, w: Vec<u32>, limits: &Limits, protocol: u32) -> Result<Request> {
    let want = body_bytes(h, limits)?;
    if h.cmd == cmd::CREATE_RENDERER || w.len().checked_mul(4) != Some(want) {
        return Err(Error::inval(format!(
            "command {}: body of {} dwords, expected {want} bytes",
            h.cmd,
            w.len()
        )));
    }
    Ok(match h.cmd {
        cmd::GET_CAPS => Request::GetCaps,
        cmd::GET_CAPS2 => Request::GetCaps2,
        cmd::PING_PROTOCOL_VERSION => Request::PingProtocolVersion,
        cmd::PROTOCOL_VERSION => Request::ProtocolVersion { version: w[0] },
        cmd::RESOURCE_CREATE => Request::ResourceCreate(create_args(&w, 0)),
        cmd::RESOURCE_CREATE2 => Request::ResourceCreate2(create_args(&w, w[10])),
        cmd::RESOURCE_UNREF => Request::ResourceUnref { handle: w[0] },
        cmd::TRANSFER_GET | cmd::TRANSFER_PUT => {
            let t = Transfer {
                handle: w[0],
                level: w[1],
                stride: w[2],
                layer_stride: w[3],
                bx: transfer_box(&w[4..10]),
                data_size: w[10],
            };
            if t.data_size as usize > limits.max_transfer_bytes {
                return Err(Error::inval(format!(
                    "transfer of {} bytes (most {})",
                    t.data_size, limits.max_transfer_bytes
                )));
            }
            if h.cmd == cmd::TRANSFER_GET {
                Request::TransferGet(t)
            } else {
                Request::TransferPut(t)
            }
        }
        cmd::TRANSFER_GET2 | cmd::TRANSFER_PUT2 => {
            let t = Transfer2 {
                handle: w[0],
                level: w[1],
                bx: transfer_box(&w[2..8]),
                data_size: w[8],
                offset: w[9],
            };
            if h.cmd == cmd::TRANSFER_GET2 {
                Request::TransferGet2(t)
            } else {
                Request::TransferPut2(t)
            }
        }
        cmd::SUBMIT_CMD => Request::SubmitCmd { words: w },
        cmd::RESOURCE_BUSY_WAIT => Request::BusyWait { handle: w[0], flags: w[1] },
        cmd::GET_PARAM => Request::GetParam { param: w[0] },
        cmd::GET_CAPSET => Request::GetCapset { id: w[0], version: w[1] },
        cmd::CONTEXT_INIT => Request::ContextInit { capset_id: w[0] },
        cmd::RESOURCE_CREATE_BLOB => Request::ResourceCreateBlob {
            blob_type: w[0],
            flags: w[1],
            size: u64_of(w[2], w[3]),
            blob_id: u64_of(w[4], w[5]),
        },
        cmd::SYNC_CREATE => Request::SyncCreate { value: u64_of(w[0], w[1]) },
        cmd::SYNC_UNREF => Request::SyncUnref { id: w[0] },
        cmd::SYNC_READ => Request::SyncRead { id: w[0] },
        cmd::SYNC_WRITE => Request::SyncWrite { id: w[0], value: u64_of(w[1], w[2]) },
        cmd::SYNC_WAIT => Request::SyncWait {
            flags: w[0],
            timeout_ms: w[1],
            waits: w[2..].chunks_exact(3).map(|t| (t[0], u64_of(t[1], t[2]))).collect(),
        },
        cmd::SUBMIT_CMD2 => submit_cmd2(w, protocol)?,
        cmd::RESOURCE_EXPORT_FD => {
            // Upstream serves every command whatever was negotiated; a command of protocol
            // 4 from a client that did not negotiate it is refused here, so that what a
            // protocol 3 client gets stays what it got before 4 was served.
            if protocol < 4 {
                return Err(Error::inval(format!(
                    "RESOURCE_EXPORT_FD needs protocol 4 (this client negotiated {protocol})"
                )));
            }
            Request::ResourceExportFd { handle: w[0] }
        }
        c => return Err(Error::inval(format!("unknown command {c}"))),
    })
}

/// The protocol version the server answers a PROTOCOL_VERSION request with: the lower of
/// both sides (a client asking for 4 or more gets 4, one asking for 3 gets 3, as from
/// upstream's server), version 1 (deprecated) served as 0; with several clients in one process the
/// client must take server-chosen resource ids (version ≥ 3), else it is refused.
pub fn negotiate(client: u32, multi_clients: bool) -> Result<u32> {
    let v = match client.min(SERVER_PROTOCOL_VERSION) {
        1 => 0,
        v => v,
    };
    if multi_clients && v < 3 {
        return Err(Error::inval(format!(
            "protocol version {v}: several clients in one process need version 3 \
             (server-chosen resource ids; Mesa falls back to 2 when the capset's \
             host_feature_check_version is below 23)"
        )));
    }
    Ok(v)
}

/// A reply: header `[len, cmd]` and `body` dwords (`len` is the number of body dwords).
pub fn reply(cmd: u32, body: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HDR_BYTES + 4 * body.len());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&cmd.to_le_bytes());
    for w in body {
        out.extend_from_slice(&w.to_le_bytes());
    }
    out
}

/// The GET_CAPS / GET_CAPS2 reply: `[bytes + 1, capset id]` then the capset (upstream's
/// length is in bytes, plus one; Mesa reads `length - 1` bytes).
pub fn reply_caps(capset_id: u32, caps: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(caps.len())
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or_else(|| Error::inval("capset too large"))?;
    let mut out = Vec::with_capacity(HDR_BYTES + caps.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&capset_id.to_le_bytes());
    out.extend_from_slice(caps);
    Ok(out)
}

/// The GET_CAPSET reply: `[1 + dwords, GET_CAPSET, valid]` then the capset (`None`: not
/// served, `[1, GET_CAPSET, 0]`). The capset must be whole dwords.
pub fn reply_capset(caps: Option<&[u8]>) -> Result<Vec<u8>> {
    let Some(caps) = caps else { return Ok(reply(cmd::GET_CAPSET, &[0])) };
    if caps.len() % 4 != 0 {
        return Err(Error::inval(format!("capset of {} bytes is not whole dwords", caps.len())));
    }
    let len = u32::try_from(caps.len() / 4 + 1).map_err(|_| Error::inval("capset too large"))?;
    let mut out = Vec::with_capacity(HDR_BYTES + 4 + caps.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&cmd::GET_CAPSET.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(caps);
    Ok(out)
}

/// Decodes a whole client stream (the fuzz target's entry): requests in order, stopping
/// after the first error or at a truncated message, and the bytes consumed by the
/// requests returned (legacy TRANSFER_PUT data included; a truncated tail is not). The
/// protocol version follows the stream's PROTOCOL_VERSION requests ([`negotiate`] for
/// one client per process), from 0.
pub fn decode_stream(mut bytes: &[u8], limits: &Limits) -> (Vec<Result<Request>>, usize) {
    let (mut out, total) = (Vec::new(), bytes.len());
    let mut protocol = 0;
    while bytes.len() >= HDR_BYTES {
        let (hdr, rest) = bytes.split_at(HDR_BYTES);
        let h = Header::parse(hdr.try_into().expect("8 bytes"));
        let n = match body_bytes(h, limits) {
            Ok(n) => n,
            Err(e) => {
                out.push(Err(e));
                break;
            }
        };
        if rest.len() < n {
            break;
        }
        let (body, rest) = rest.split_at(n);
        let r = decode(h, body, limits, protocol);
        if let Ok(Request::ProtocolVersion { version }) = r {
            protocol = negotiate(version, false).unwrap_or(protocol);
        }
        if r.is_err() {
            out.push(r);
            break;
        }
        let skip = r.as_ref().map(|r| r.trailing_bytes()).unwrap_or(0);
        if rest.len() < skip {
            break;
        }
        out.push(r);
        bytes = &rest[skip..];
    }
    let consumed = total - bytes.len();
    (out, consumed)
}

#[cfg(test)]
#[path = "vtest_tests.rs"]
mod tests;
