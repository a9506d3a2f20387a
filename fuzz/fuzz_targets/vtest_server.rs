//! vtest server-loop fuzzer: the server's own per-client code (`virgl_test_server`'s
//! `client.rs`, `conn.rs`, `render.rs`, `sync.rs`, included here by path) serves an
//! arbitrary byte stream arriving on a socket, against the live renderer (CPU backend
//! unless `VIRGL_SHIM_FUZZ_BACKEND` says otherwise). Where `vtest_stream` checks the pure
//! decoder, this runs every request to its end: resources and shared memory, transfers,
//! command buffers, syncs and their eventfds, blobs, replies and fds on the socket.
//!
//! The first input byte picks the mode (bit 0: `--multi-clients`) and the protocol version
//! the stream negotiates (bit 3: 4; else `byte >> 1 & 3`: 0, 2, 3 or, for 1, none); a handshake
//! (CREATE_RENDERER, PROTOCOL_VERSION) is prepended so that the rest reaches the request
//! handlers. Two threads play the client: one writes the stream and closes its side for
//! writing, the other drains the replies (fds passed along are closed by the kernel, as
//! nobody takes them).
//!
//! Oracles: no panic or sanitizer report; the server always ends the connection (at the
//! end of the stream or at the first failing request; a command stream the library
//! rejects is logged and does not end it, as on upstream's server) in bounded time; the
//! client's cleanup leaves the renderer without any resource or context.
#![no_main]

#[allow(dead_code)]
#[path = "../../src/bin/virgl_test_server/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../../src/bin/virgl_test_server/conn.rs"]
mod conn;
#[allow(dead_code)]
#[path = "../../src/bin/virgl_test_server/render.rs"]
mod render;
#[allow(dead_code)]
#[path = "../../src/bin/virgl_test_server/sync.rs"]
mod sync;

use client::{Client, Ids, Served};
use libfuzzer_sys::fuzz_target;
use render::Render;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use virglrenderer::internal::server;
use virglrenderer::internal::vtest::{cmd, reply, Limits};

static RENDER: OnceLock<Render> = OnceLock::new();
/// A request's limit: the client thread never stalls, so this is never reached unless
/// the server waits for something that cannot come.
const LIMIT: Duration = Duration::from_secs(5);
const LIMITS: Limits = Limits { max_cmd_bytes: 64 << 10, max_transfer_bytes: 1 << 20 };

fn render() -> &'static Render {
    RENDER.get_or_init(|| {
        let backend = std::env::var("VIRGL_SHIM_FUZZ_BACKEND").unwrap_or_else(|_| "cpu".into());
        std::env::set_var("VIRGL_SHIM_BACKEND", backend);
        std::env::set_var("VIRGL_SHIM_LOG", "off");
        std::env::set_var("VIRGL_SHIM_MAX_HOST_MEMORY", "256M");
        std::env::set_var("VIRGL_SHIM_MAX_RESOURCES", "64");
        Render::init(None, false).expect("renderer")
    })
}

fn handshake(version: Option<u32>) -> Vec<u8> {
    let mut m = 5u32.to_le_bytes().to_vec();
    m.extend_from_slice(&cmd::CREATE_RENDERER.to_le_bytes());
    m.extend_from_slice(b"fuzz\0");
    if let Some(v) = version {
        m.extend_from_slice(&reply(cmd::PROTOCOL_VERSION, &[v]));
    }
    m
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let render = render();
    let multi = mode & 1 != 0;
    let version = if mode & 8 != 0 {
        Some(4)
    } else {
        [Some(0), None, Some(2), Some(3)][usize::from(mode >> 1 & 3)]
    };
    let mut stream = handshake(version);
    stream.extend_from_slice(rest);

    let (ours, mut theirs) = UnixStream::pair().expect("socketpair");
    let mut replies = theirs.try_clone().expect("dup");
    // Writing and reading on threads of their own: neither side ever waits for the other.
    let writer = std::thread::spawn(move || {
        // The server may close early: a failed write just ends the stream.
        let _ = theirs.write_all(&stream);
        let _ = theirs.shutdown(Shutdown::Write);
    });
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 1 << 16];
        while matches!(replies.read(&mut buf), Ok(n) if n > 0) {}
    });

    let mut ids = Ids::default();
    let t0 = Instant::now();
    let mut c = Client::new(ours, 1, multi, LIMIT, &mut ids).expect("client").with_limits(LIMITS);
    while let Served::Continue = c.serve_one(render, &mut ids) {
        assert!(t0.elapsed() < 4 * LIMIT, "the connection outlived its stream");
    }
    drop(c);
    writer.join().expect("writer thread");
    reader.join().expect("reader thread");

    // Nothing of the client is left: no resource, no context.
    let left =
        server::with(|r| Ok((r.resources.keys().copied().collect::<Vec<_>>(), r.contexts.len())))
            .expect("renderer");
    assert_eq!(left, (vec![], 0), "left behind (resources, contexts)");
});
