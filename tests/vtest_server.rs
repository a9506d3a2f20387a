//! `virgl_test_server` end to end: a small vtest client written here (the wire format of
//! `model::vtest`) drives the real binary over its socket. Two clients at once, in
//! `--multi-clients` mode (one process, a context each) and in the default mode (a forked
//! process each): handshake, resources with shared memory (the fd arrives by SCM_RIGHTS
//! and is written with pwrite, no mapping needed), TRANSFER_PUT2 / GET2 round trips,
//! BUSY_WAIT; a client naming another's resource is dropped while the other goes on; a
//! client gone leaves no cleanup error behind; a client stalled mid-request is dropped
//! after the request limit; forked children do not keep the listening socket. The tests
//! synchronise on the server's log lines ("listening on", "gone, ..."), never on sleeps.
//!
//! The renderer's backend is `VIRGL_SHIM_TEST_BACKEND` (`cpu` by default, `gl`): the test
//! uses no capset, so it holds on both.

use rustix::net::{recvmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
use std::fs::File;
use std::io::{IoSliceMut, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use virglrenderer::internal::vtest::{cmd, reply, BUSY_WAIT_FLAG_WAIT};

struct Server {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

impl Server {
    fn start(tag: &str, extra: &[&str]) -> Server {
        Server::start_with_env(tag, extra, &[])
    }

    fn start_with_env(tag: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = std::env::temp_dir();
        let socket = dir.join(format!("vtest-server-test-{tag}-{}.sock", std::process::id()));
        let log = dir.join(format!("vtest-server-test-{tag}-{}.log", std::process::id()));
        let backend = std::env::var("VIRGL_SHIM_TEST_BACKEND").unwrap_or_else(|_| "cpu".into());
        let _ = std::fs::remove_file(&socket);
        let child = Command::new(env!("CARGO_BIN_EXE_virgl_test_server"))
            .args(extra)
            .arg(format!("--socket-path={}", socket.display()))
            .env("VIRGL_SHIM_BACKEND", backend)
            .env("VIRGL_SHIM_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("log file"))
            .spawn()
            .expect("start virgl_test_server");
        let srv = Server { child, socket, log };
        // The socket file exists from bind(), but connections are refused until listen():
        // the server says when it listens.
        srv.wait_log("the server to listen", |l| l.contains("listening on"));
        srv
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Polls the server's log until `done` holds (at most 30 s): the log is how the test
    /// learns that the server (or its forked children) got somewhere.
    fn wait_log(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let log = self.log();
            if done(&log) {
                return log;
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "waiting for {what}; log:\n{log}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits until `n` clients in all have been released (their contexts and resources
    /// destroyed), and returns the log.
    fn wait_gone(&self, n: usize) -> String {
        self.wait_log(&format!("{n} clients released"), |l| l.matches(": gone, ").count() >= n)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_file(&self.log);
    }
}

struct Client {
    s: UnixStream,
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

impl Client {
    /// Connects and negotiates `version` as Mesa does; returns the server's version.
    fn connect(srv: &Server, name: &str, version: u32) -> (Client, Option<u32>) {
        let s = UnixStream::connect(&srv.socket).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut c = Client { s };
        let mut n = name.as_bytes().to_vec();
        n.push(0);
        let mut m = (n.len() as u32).to_le_bytes().to_vec();
        m.extend_from_slice(&cmd::CREATE_RENDERER.to_le_bytes());
        m.extend_from_slice(&n);
        c.send(&m);
        c.send(&reply(cmd::PING_PROTOCOL_VERSION, &[]));
        c.send(&reply(cmd::RESOURCE_BUSY_WAIT, &[0, 0]));
        assert_eq!(c.recv(2), [0, cmd::PING_PROTOCOL_VERSION]);
        assert_eq!(c.recv(3), [1, cmd::RESOURCE_BUSY_WAIT, 0]);
        c.send(&reply(cmd::PROTOCOL_VERSION, &[version]));
        let v = c.try_recv(3).map(|r| {
            assert_eq!(r[..2], [1, cmd::PROTOCOL_VERSION]);
            r[2]
        });
        (c, v)
    }

    fn send(&mut self, b: &[u8]) {
        self.s.write_all(b).expect("send");
    }

    fn try_recv(&mut self, n: usize) -> Option<Vec<u32>> {
        let mut b = vec![0u8; 4 * n];
        self.s.read_exact(&mut b).ok().map(|_| words(&b))
    }

    fn recv(&mut self, n: usize) -> Vec<u32> {
        self.try_recv(n).expect("reply")
    }

    /// The server closed this connection (a reset when it left some of our request
    /// unread, as for a request refused from its header).
    fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        match self.s.read(&mut b) {
            Ok(n) => n == 0,
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }

    /// A 16x16 BGRA texture with 1024 bytes of shared memory: (server id, the memfd).
    fn create_texture(&mut self) -> (u32, File) {
        // handle 0 (protocol 3), PIPE_TEXTURE_2D, B8G8R8A8_UNORM, SAMPLER_VIEW, 16x16x1,
        // array 1, level 0, samples 0, 1024 bytes.
        self.send(&reply(cmd::RESOURCE_CREATE2, &[0, 2, 1, 1 << 3, 16, 16, 1, 1, 0, 0, 1024]));
        let r = self.recv(3);
        assert_eq!(r[..2], [1, cmd::RESOURCE_CREATE2]);
        (r[2], File::from(self.recv_fd()))
    }

    fn recv_fd(&mut self) -> OwnedFd {
        let mut byte = [0u8; 1];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let mut iov = [IoSliceMut::new(&mut byte)];
        let r = recvmsg(&self.s, &mut iov, &mut control, RecvFlags::CMSG_CLOEXEC).expect("recvmsg");
        assert_eq!(r.bytes, 1);
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(mut fds) = m {
                return fds.next().expect("one fd");
            }
        }
        panic!("no fd with the shared memory");
    }

    fn transfer2(&mut self, put: bool, handle: u32) {
        let c = if put { cmd::TRANSFER_PUT2 } else { cmd::TRANSFER_GET2 };
        // Mesa's PUT2 length counts the data it does not send: the server must ignore it.
        let len: u32 = if put { 10 + 256 } else { 10 };
        let mut m = len.to_le_bytes().to_vec();
        m.extend_from_slice(&c.to_le_bytes());
        for w in [handle, 0, 0, 0, 0, 16, 16, 1, 1024, 0u32] {
            m.extend_from_slice(&w.to_le_bytes());
        }
        self.send(&m);
    }

    fn busy_wait(&mut self, handle: u32) -> u32 {
        self.send(&reply(cmd::RESOURCE_BUSY_WAIT, &[handle, BUSY_WAIT_FLAG_WAIT]));
        let r = self.recv(3);
        assert_eq!(r[..2], [1, cmd::RESOURCE_BUSY_WAIT]);
        r[2]
    }

    /// PUT2 a pattern, clear the memory, GET2 it back.
    fn round_trip(&mut self, handle: u32, shm: &File, seed: u8) {
        let pattern: Vec<u8> = (0..1024u32).map(|i| (i as u8).wrapping_mul(seed)).collect();
        shm.write_all_at(&pattern, 0).unwrap();
        self.transfer2(true, handle);
        // An empty SUBMIT_CMD: the implicit fence BUSY_WAIT waits for.
        self.send(&reply(cmd::SUBMIT_CMD, &[]));
        // PUT2 has no reply: the BUSY_WAIT reply says the server has read the memory.
        assert_eq!(self.busy_wait(handle), 0);
        shm.write_all_at(&[0u8; 1024], 0).unwrap();
        self.transfer2(false, handle);
        assert_eq!(self.busy_wait(handle), 0);
        let mut back = vec![0u8; 1024];
        shm.read_exact_at(&mut back, 0).unwrap();
        let same = back == pattern;
        let first_diff = back.iter().zip(&pattern).position(|(a, b)| a != b);
        assert!(same, "resource {handle}: GET2 differs from PUT2 at byte {first_diff:?}");
    }
}

/// SUBMIT_CMD with one RESOURCE_COPY_REGION (17) of the whole 16x16 level 0 of `src`
/// into `dst`.
fn copy_region(dst: u32, src: u32) -> Vec<u8> {
    let header = 17 | (13 << 16);
    reply(cmd::SUBMIT_CMD, &[header, dst, 0, 0, 0, 0, src, 0, 0, 0, 0, 16, 16, 1])
}

#[test]
fn two_clients_in_one_process() {
    let srv = Server::start("multi", &["--multi-clients"]);
    let (mut a, va) = Client::connect(&srv, "client-a", 3);
    let (mut b, vb) = Client::connect(&srv, "client-b", 3);
    assert_eq!((va, vb), (Some(3), Some(3)));
    let (ra, shm_a) = a.create_texture();
    let (rb, shm_b) = b.create_texture();
    assert_ne!(ra, rb, "server-chosen ids are unique across clients");
    // Interleaved work of both clients.
    a.round_trip(ra, &shm_a, 3);
    b.round_trip(rb, &shm_b, 5);
    a.round_trip(ra, &shm_a, 7);
    // A command stream reaches only the client's own resources: A copies its texture into
    // a second one of its own (the control: the copy arrives) ...
    let (ra2, shm_a2) = a.create_texture();
    a.send(&copy_region(ra2, ra));
    shm_a2.write_all_at(&[0u8; 1024], 0).unwrap();
    a.transfer2(false, ra2);
    assert_eq!(a.busy_wait(ra2), 0);
    let mut got = vec![0u8; 1024];
    shm_a2.read_exact_at(&mut got, 0).unwrap();
    let mut want = vec![0u8; 1024];
    shm_a.read_exact_at(&mut want, 0).unwrap();
    assert!(got == want && got.iter().any(|&b| b != 0), "COPY_REGION within a client");
    // ... B naming A's texture in the same command is rejected by the library (B's context
    // does not hold it): B's texture keeps its own content; B keeps its connection, as on
    // upstream's server.
    let (mut b2, _) = Client::connect(&srv, "client-b2", 3);
    let (rb2, shm_b2) = b2.create_texture();
    b2.round_trip(rb2, &shm_b2, 13);
    let mut own = vec![0u8; 1024];
    shm_b2.read_exact_at(&mut own, 0).unwrap();
    b2.send(&copy_region(rb2, ra));
    shm_b2.write_all_at(&[0u8; 1024], 0).unwrap();
    b2.transfer2(false, rb2);
    assert_eq!(b2.busy_wait(rb2), 0);
    let mut after = vec![0u8; 1024];
    shm_b2.read_exact_at(&mut after, 0).unwrap();
    assert!(after == own, "a command naming another client's resource reads nothing of it");
    srv.wait_log("the rejected copy", |l| l.contains("client-b2") && l.contains("rejected"));
    // Protocol 2 (client-chosen handles) is refused with several clients.
    let (mut c, vc) = Client::connect(&srv, "client-c", 2);
    assert_eq!(vc, None);
    assert!(c.closed());
    // B naming A's resource is dropped; A is unaffected.
    b.transfer2(false, ra);
    assert!(b.closed(), "a client that names another's resource is disconnected");
    a.round_trip(ra, &shm_a, 9);
    drop(a);
    // A new client after both are gone works, with a fresh id.
    let (mut d, vd) = Client::connect(&srv, "client-d", 3);
    assert_eq!(vd, Some(3));
    let (rd, shm_d) = d.create_texture();
    d.round_trip(rd, &shm_d, 11);
    drop(d);
    drop(b2);
    // a, b, b2, c, d.
    let log = srv.wait_gone(5);
    assert!(!log.contains("cleanup"), "cleanup errors:\n{log}");
    assert!(log.contains("resource") && log.contains("not this client's"), "{log}");
}

#[test]
fn two_clients_forked() {
    let srv = Server::start("fork", &[]);
    let (mut a, va) = Client::connect(&srv, "client-a", 3);
    let (mut b, vb) = Client::connect(&srv, "client-b", 3);
    assert_eq!((va, vb), (Some(3), Some(3)));
    let (ra, shm_a) = a.create_texture();
    let (rb, shm_b) = b.create_texture();
    a.round_trip(ra, &shm_a, 3);
    b.round_trip(rb, &shm_b, 5);
    // Protocol 2: the client's own handles (its own process, so no collision).
    let (mut c, vc) = Client::connect(&srv, "client-c", 2);
    assert_eq!(vc, Some(2));
    c.send(&reply(cmd::RESOURCE_CREATE2, &[77, 2, 1, 1 << 3, 16, 16, 1, 1, 0, 0, 1024]));
    let shm_c = File::from(c.recv_fd());
    c.round_trip(77, &shm_c, 13);
    drop((a, b, c));
    let log = srv.wait_gone(3);
    assert!(!log.contains("cleanup"), "cleanup errors:\n{log}");
}

/// A forked child holds no copy of the listening socket: once the parent is gone, nothing
/// accepts connections (they are refused instead of queueing unserved), while the child
/// still serves its own client to the end.
#[test]
fn forked_children_do_not_keep_the_socket() {
    let mut srv = Server::start("forkfd", &[]);
    let (mut a, _) = Client::connect(&srv, "client-a", 3);
    let (ra, shm_a) = a.create_texture();
    srv.child.kill().unwrap();
    srv.child.wait().unwrap();
    let e = UnixStream::connect(&srv.socket).expect_err("nobody listens after the parent");
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
    a.round_trip(ra, &shm_a, 31);
}

#[test]
fn garbage_closes_only_that_connection() {
    let srv = Server::start("garbage", &["--multi-clients"]);
    let (mut a, _) = Client::connect(&srv, "good", 3);
    let (ra, shm_a) = a.create_texture();
    // Unknown command, huge SUBMIT_CMD, command before CREATE_RENDERER.
    for bad in [reply(99, &[]), reply(cmd::SUBMIT_CMD, &[]), reply(cmd::GET_CAPS, &[])] {
        let mut s = UnixStream::connect(&srv.socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut m = bad.clone();
        if m[4..8] == cmd::SUBMIT_CMD.to_le_bytes() {
            // CREATE_RENDERER first, then a SUBMIT_CMD of 2^30 dwords.
            let mut first = 4u32.to_le_bytes().to_vec();
            first.extend_from_slice(&cmd::CREATE_RENDERER.to_le_bytes());
            first.extend_from_slice(b"bad\0");
            m = first;
            m.extend_from_slice(&(1u32 << 30).to_le_bytes());
            m.extend_from_slice(&cmd::SUBMIT_CMD.to_le_bytes());
        }
        s.write_all(&m).unwrap();
        let mut b = [0u8; 1];
        assert!(matches!(s.read(&mut b), Ok(0)), "connection closed");
    }
    a.round_trip(ra, &shm_a, 17);
}

/// `--multi-clients`: a client that stops in the middle of a request holds up the others
/// for at most the request limit (here 500 ms), then it is dropped and released; a client
/// idle *between* requests is not.
#[test]
fn a_client_stalled_mid_request_is_dropped() {
    let srv = Server::start_with_env(
        "stall",
        &["--multi-clients"],
        &[("VIRGL_TEST_SERVER_REQUEST_LIMIT_MS", "500")],
    );
    let (mut idle, _) = Client::connect(&srv, "idle", 3);
    let (mut stalled, _) = Client::connect(&srv, "stalled", 3);
    // Half of a RESOURCE_CREATE2 header, and nothing more.
    stalled.send(&11u32.to_le_bytes());
    let (mut good, _) = Client::connect(&srv, "good", 3);
    let (r, shm) = good.create_texture();
    good.round_trip(r, &shm, 23);
    assert!(stalled.closed(), "the stalled client is dropped");
    let log = srv.wait_log("the stalled client released", |l| {
        l.lines().any(|l| l.contains("(stalled): gone, "))
    });
    assert!(log.contains("request not complete within"), "{log}");
    // The idle client (between requests all along) is still served.
    let (ri, shm_i) = idle.create_texture();
    idle.round_trip(ri, &shm_i, 29);
}

/// Random request streams after a valid handshake, one connection each, into one
/// `--multi-clients` server (where a crash would take every client down): the server
/// survives them all and still serves a good client; nothing is left of them.
#[test]
fn random_streams_do_not_kill_the_server() {
    let srv = Server::start("random", &["--multi-clients"]);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..150 {
        let (mut c, v) = Client::connect(&srv, &format!("random-{round}"), 3);
        assert_eq!(v, Some(3));
        // A resource of its own, named often below so that requests reach the renderer.
        let (own, _shm) = c.create_texture();
        let mut m = Vec::new();
        for _ in 0..(1 + next() % 6) {
            // A known command id (mostly) with a plausible length, then random dwords.
            let cmd = if next() % 8 == 0 { (next() % 40) as u32 } else { 1 + (next() % 24) as u32 };
            let len = (next() % 16) as u32;
            m.extend_from_slice(&len.to_le_bytes());
            m.extend_from_slice(&cmd.to_le_bytes());
            for _ in 0..len {
                let w = match next() % 5 {
                    0 => (next() % 4) as u32,
                    4 => own,
                    1 => (next() % 64) as u32,
                    2 => u32::MAX,
                    _ => next() as u32,
                };
                m.extend_from_slice(&w.to_le_bytes());
            }
        }
        // The server may close the connection at any point: ignore write errors.
        let _ = c.s.write_all(&m);
        drop(c);
    }
    let (mut good, v) = Client::connect(&srv, "good", 3);
    assert_eq!(v, Some(3), "server alive after the random streams:\n{}", srv.log());
    let (r, shm) = good.create_texture();
    good.round_trip(r, &shm, 19);
    drop(good);
    let log = srv.wait_gone(151);
    if let Ok(keep) = std::env::var("VTEST_SERVER_TEST_KEEP_LOG") {
        let _ = std::fs::write(keep, &log);
    }
    assert!(log.lines().all(|l| !l.contains("cleanup")), "cleanup errors");
}

/// Protocol 3 timelines: GET_PARAM, SYNC_CREATE / READ / WRITE / WAIT (the eventfd arrives
/// by SCM_RIGHTS and becomes readable when the value is reached), SUBMIT_CMD2 signalling a
/// sync after its batch on a ring.
#[test]
fn syncs_and_submit_cmd2() {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let readable = |fd: &OwnedFd| {
        let t = Timespec { tv_sec: 5, tv_nsec: 0 };
        let mut p = [PollFd::new(fd, PollFlags::IN)];
        poll(&mut p, Some(&t)).unwrap() == 1
    };
    let not_readable = |fd: &OwnedFd| {
        let t = Timespec { tv_sec: 0, tv_nsec: 0 };
        let mut p = [PollFd::new(fd, PollFlags::IN)];
        poll(&mut p, Some(&t)).unwrap() == 0
    };
    let srv = Server::start("sync", &[]);
    let (mut c, v) = Client::connect(&srv, "sync", 3);
    assert_eq!(v, Some(3));
    c.send(&reply(cmd::GET_PARAM, &[1]));
    assert_eq!(c.recv(4), [2, cmd::GET_PARAM, 1, 64]);
    c.send(&reply(cmd::SYNC_CREATE, &[0, 0]));
    let r = c.recv(3);
    assert_eq!(r[..2], [1, cmd::SYNC_CREATE]);
    let id = r[2];
    // Wait for value 2^32 + 1 (high dword used), 5 s timeout.
    c.send(&reply(cmd::SYNC_WAIT, &[0, 5000, id, 1, 1]));
    assert_eq!(c.recv(2), [0, cmd::SYNC_WAIT]);
    let fd = c.recv_fd();
    assert!(not_readable(&fd), "not signalled yet");
    // SUBMIT_CMD2: one batch, no commands, signals (id, 2^32 + 1) on ring 3.
    c.send(&reply(cmd::SUBMIT_CMD2, &[1, 1, 7, 0, 7, 1, 3, id, 1, 1]));
    assert!(readable(&fd), "signalled after the batch");
    c.send(&reply(cmd::SYNC_READ, &[id]));
    assert_eq!(c.recv(4), [2, cmd::SYNC_READ, 1, 1]);
    c.send(&reply(cmd::SYNC_WRITE, &[id, 7, 0]));
    c.send(&reply(cmd::SYNC_READ, &[id]));
    assert_eq!(c.recv(4), [2, cmd::SYNC_READ, 7, 0]);
    // Unknown syncs close the connection.
    c.send(&reply(cmd::SYNC_READ, &[id + 100]));
    assert!(c.closed());
}

/// RESOURCE_CREATE_BLOB: a HOST3D blob from the pipe resource a SUBMIT_CMD described
/// (PIPE_RESOURCE_CREATE, 48, keyed by blob id), mappable: its memory arrives as an fd; a
/// guest blob on fresh shared memory; an unknown blob id drops the client.
#[test]
fn blobs() {
    let srv = Server::start("blob", &[]);
    let (mut c, _) = Client::connect(&srv, "blob", 3);
    // A 4096-byte R8_UNORM buffer (PIPE_BUFFER, VERTEX_BUFFER bind) under blob id 1.
    let r8_unorm = 64;
    c.send(&reply(
        cmd::SUBMIT_CMD,
        &[48 | (11 << 16), 0, r8_unorm, 1 << 4, 4096, 1, 1, 1, 0, 0, 0, 1],
    ));
    c.send(&reply(cmd::RESOURCE_CREATE_BLOB, &[2, 1, 4096, 0, 1, 0]));
    let r = c.recv(3);
    assert_eq!(r[..2], [1, cmd::RESOURCE_CREATE_BLOB]);
    let host3d = File::from(c.recv_fd());
    assert!(host3d.metadata().unwrap().len() >= 4096);
    // A guest blob: shared memory of the client's size.
    c.send(&reply(cmd::RESOURCE_CREATE_BLOB, &[1, 1, 8192, 0, 0, 0]));
    let g = c.recv(3);
    assert_eq!(g[..2], [1, cmd::RESOURCE_CREATE_BLOB]);
    assert_ne!(g[2], r[2]);
    let guest = File::from(c.recv_fd());
    assert!(guest.metadata().unwrap().len() >= 8192);
    // The blob id was consumed: a second HOST3D blob from it is refused.
    c.send(&reply(cmd::RESOURCE_CREATE_BLOB, &[2, 1, 4096, 0, 1, 0]));
    assert!(c.closed());
}

/// `--no-fork`: clients one after another in one process and renderer. The second client
/// takes the same client-chosen handle (protocol 2) as the first: nothing of the first is
/// left behind. `--no-loop-or-fork`: one client, then the server exits by itself.
#[test]
fn sequential_modes_leave_nothing_behind() {
    let srv = Server::start("nofork", &["--no-fork"]);
    for round in 0..3 {
        let (mut c, v) = Client::connect(&srv, &format!("seq-{round}"), 2);
        assert_eq!(v, Some(2));
        c.send(&reply(cmd::RESOURCE_CREATE2, &[1, 2, 1, 1 << 3, 16, 16, 1, 1, 0, 0, 1024]));
        let shm = File::from(c.recv_fd());
        c.round_trip(1, &shm, 21 + round);
        // Resources and context go when the client does (a second RESOURCE_CREATE2 of
        // handle 1 in the same client is refused: it is in use).
        if round == 2 {
            c.send(&reply(cmd::RESOURCE_CREATE2, &[1, 2, 1, 1 << 3, 16, 16, 1, 1, 0, 0, 1024]));
            assert!(c.closed(), "handle 1 in use within one client");
        }
    }
    let mut once = Server::start("once", &["--no-loop-or-fork"]);
    let (c, v) = Client::connect(&once, "once", 3);
    assert_eq!(v, Some(3));
    drop(c);
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = once.child.try_wait().unwrap() {
            break s;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "server still running after its client");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

/// Maps `len` bytes of `fd` (a memfd or a dma-buf) and copies them out.
fn mapped(fd: &OwnedFd, len: usize) -> Vec<u8> {
    use std::os::fd::AsRawFd;
    // SAFETY: a read-only shared mapping of a file we hold, copied out and unmapped before
    // returning.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        );
        assert_ne!(p, libc::MAP_FAILED, "mmap: {}", std::io::Error::last_os_error());
        let v = std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec();
        libc::munmap(p, len);
        v
    }
}

/// SUBMIT_CMD words: PIPE_RESOURCE_CREATE (48) of a 4096-byte R8_UNORM buffer under
/// `blob_id`, for a HOST3D blob.
fn pipe_buffer(blob_id: u32) -> Vec<u8> {
    reply(cmd::SUBMIT_CMD, &[48 | (11 << 16), 0, 64, 1 << 4, 4096, 1, 1, 1, 0, 0, 0, blob_id])
}

/// RESOURCE_INLINE_WRITE (9) of `data` at byte `x` of buffer `handle`.
fn inline_write(handle: u32, x: u32, data: &[u32]) -> Vec<u32> {
    let mut w = vec![9 | ((11 + data.len() as u32) << 16), handle, 0, 0, 0, 0];
    w.extend_from_slice(&[x, 0, 0, 4 * data.len() as u32, 1, 1]);
    w.extend_from_slice(data);
    w
}

/// Protocol 4: negotiated when asked for; a HOST3D blob written by a protocol 4
/// SUBMIT_CMD2 batch (eight-dword batch table) that also signals a sync on its ring;
/// RESOURCE_EXPORT_FD hands out the blob's memory, whose mapping shows the write; GET_PARAM
/// says there are no DRM syncobjs.
#[test]
fn protocol_4_export_fd_and_submit_cmd2() {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let srv = Server::start("v4", &[]);
    let (mut c, v) = Client::connect(&srv, "v4", 4);
    assert_eq!(v, Some(4), "a client asking for 4 gets 4");
    let (_, v5) = Client::connect(&srv, "v5", 5);
    assert_eq!(v5, Some(4), "and one asking for more gets 4 too");
    c.send(&reply(cmd::GET_PARAM, &[2]));
    assert_eq!(c.recv(4), [2, cmd::GET_PARAM, 0, 0], "HAS_TIMELINE_SYNCOBJ: none");
    c.send(&pipe_buffer(1));
    c.send(&reply(cmd::RESOURCE_CREATE_BLOB, &[2, 1, 4096, 0, 1, 0]));
    let r = c.recv(3);
    assert_eq!(r[..2], [1, cmd::RESOURCE_CREATE_BLOB]);
    let blob = r[2];
    drop(c.recv_fd());
    c.send(&reply(cmd::SYNC_CREATE, &[0, 0]));
    let sync = c.recv(3)[2];
    c.send(&reply(cmd::SYNC_WAIT, &[0, 5000, sync, 9, 0]));
    assert_eq!(c.recv(2), [0, cmd::SYNC_WAIT]);
    let wait = c.recv_fd();
    // One batch of eight dwords: flags RING_IDX, commands at 9, syncs after them, ring 3,
    // no DRM syncobjs in or out.
    let data = [0x0403_0201, 0x0807_0605, 0xdead_beef, 0x1234_5678];
    let cmds = inline_write(blob, 64, &data);
    let n = cmds.len() as u32;
    let mut body = vec![1, 1, 9, n, 9 + n, 1, 3, 0, 0];
    body.extend_from_slice(&cmds);
    body.extend_from_slice(&[sync, 9, 0]);
    c.send(&reply(cmd::SUBMIT_CMD2, &body));
    let mut p = [PollFd::new(&wait, PollFlags::IN)];
    let t = Timespec { tv_sec: 5, tv_nsec: 0 };
    assert_eq!(poll(&mut p, Some(&t)).unwrap(), 1, "the sync signalled after the batch");
    // The blob's memory, exported again on request: the batch's write is in it.
    c.send(&reply(cmd::RESOURCE_EXPORT_FD, &[blob]));
    assert_eq!(c.recv(2), [0, cmd::RESOURCE_EXPORT_FD]);
    let fd = c.recv_fd();
    let mem = mapped(&fd, 4096);
    let want: Vec<u8> = data.iter().flat_map(|w| w.to_le_bytes()).collect();
    assert_eq!(mem[64..80], want[..], "the exported memory holds the resource's contents");
    // A resource that is not the client's is refused: the connection closes.
    c.send(&reply(cmd::RESOURCE_EXPORT_FD, &[blob + 1000]));
    assert!(c.closed());
    let log = srv.wait_gone(1);
    assert!(log.contains("protocol version 4 asked, 4 served"), "{log}");
    assert!(!log.contains("cleanup"), "cleanup errors:\n{log}");
}

/// What protocol 4 has that this renderer does not (DRM syncobjs of native contexts,
/// sync-file fence fds), and RESOURCE_EXPORT_FD from a protocol 3 client, are refused
/// with the protocol's error (the connection closes) and a log line, in one
/// `--multi-clients` process; a protocol 4 client beside them is not disturbed.
#[test]
fn protocol_4_refusals_leave_the_server_sane() {
    let srv = Server::start("v4refuse", &["--multi-clients"]);
    let (mut good, v) = Client::connect(&srv, "good", 4);
    assert_eq!(v, Some(4));
    let (r, shm) = good.create_texture();
    let one_batch = |flags: u32, num_in: u32, num_out: u32| {
        reply(cmd::SUBMIT_CMD2, &[1, flags, 9, 0, 9, 0, 0, num_in, num_out])
    };
    let refused: [(&str, u32, Vec<u8>); 6] = [
        ("drm-create", 4, reply(25, &[0])),
        ("drm-wait", 4, reply(31, &[1, 0, 0, 0, 7])),
        ("in-fence", 4, one_batch(1 | 2, 0, 0)),
        ("out-fence", 4, one_batch(1 | 4, 0, 0)),
        ("syncobjs", 4, one_batch(1, 1, 0)),
        ("v3-export", 3, reply(cmd::RESOURCE_EXPORT_FD, &[1])),
    ];
    for (name, version, m) in &refused {
        let (mut c, v) = Client::connect(&srv, name, *version);
        assert_eq!(v, Some(*version));
        c.send(m);
        assert!(c.closed(), "{name}: refused");
        good.round_trip(r, &shm, 37);
    }
    // The empty v4 batch itself is served (no reply; the connection stays open).
    good.send(&one_batch(1, 0, 0));
    good.round_trip(r, &shm, 41);
    drop(good);
    let log = srv.wait_gone(1 + refused.len());
    for needle in ["DRM_SYNC_CREATE", "DRM_SYNC_WAIT", "fence fd flags", "DRM syncobjs"] {
        assert!(log.contains(needle), "no log line for {needle}:\n{log}");
    }
    assert!(log.contains("RESOURCE_EXPORT_FD needs protocol 4"), "{log}");
    assert!(!log.contains("cleanup"), "cleanup errors:\n{log}");
}

/// RESOURCE_EXPORT_FD of a resource that has no fd (a texture without shared memory lives
/// in private host memory on the CPU backend, whatever backend the other tests use; on GL
/// a texture may export as a dma-buf) is refused: the connection closes, with a log line.
#[test]
fn protocol_4_export_without_an_fd_is_refused() {
    let srv =
        Server::start_with_env("v4nofd", &["--multi-clients"], &[("VIRGL_SHIM_BACKEND", "cpu")]);
    let (mut c, v) = Client::connect(&srv, "nofd", 4);
    assert_eq!(v, Some(4));
    c.send(&reply(cmd::RESOURCE_CREATE2, &[0, 2, 1, 1 << 3, 16, 16, 1, 1, 0, 0, 0]));
    let t = c.recv(3)[2];
    c.send(&reply(cmd::RESOURCE_EXPORT_FD, &[t]));
    assert!(c.closed(), "a resource without an fd is refused");
    let log = srv.wait_gone(1);
    assert!(log.contains("RESOURCE_EXPORT_FD"), "no log line for the refusal:\n{log}");
    assert!(!log.contains("cleanup"), "cleanup errors:\n{log}");
}

/// A command stream the library rejects (an unknown command number: EINVAL) is logged and
/// the client keeps its connection, as on upstream's server (piglit's
/// gl-3.1-vao-broken-attrib draws from an unbound vertex buffer and goes on): BUSY_WAIT
/// still answers and the client's texture still transfers both ways.
#[test]
fn a_rejected_stream_keeps_the_connection() {
    let srv = Server::start("rejected", &[]);
    let (mut c, _) = Client::connect(&srv, "rejected", 3);
    let (r, shm) = c.create_texture();
    // Command 0xfe with no payload: not a virgl command.
    c.send(&reply(cmd::SUBMIT_CMD, &[0xfe]));
    assert_eq!(c.busy_wait(r), 0);
    c.round_trip(r, &shm, 5);
    let log = srv.wait_log("the rejection's log line", |l| l.contains("SUBMIT_CMD rejected"));
    assert!(!log.contains("closing the connection"), "{log}");
}
