//! `virgl_test_server`: serves Mesa's virgl driver (`GALLIUM_DRIVER=virpipe`) over a Unix
//! socket with the vtest protocol, rendering with virgl-shim. Command-line compatible
//! with upstream's server:
//!
//! ```text
//! virgl_test_server [--no-fork] [--no-loop-or-fork] [--multi-clients]
//!                   [--use-egl-surfaceless] [--use-gles] [--rendernode DEV]
//!                   [--socket-path PATH | --socket-path=PATH]
//! ```
//!
//! By default every client gets a forked process that initialises its own renderer (as
//! upstream). `--no-fork` serves the clients one after another in this process;
//! `--no-loop-or-fork` serves one client and exits; `--multi-clients` serves several at
//! once in this process, each with its own context (protocol ≥ 3 required). The socket
//! defaults to `/tmp/.virgl_test`. The library picks its EGL platform and GL API itself
//! (docs/ARCHITECTURE.md): `--use-egl-surfaceless` and `--use-gles` are accepted for
//! compatibility and change nothing. Log level: `VIRGL_SHIM_LOG` (error, warn, info, debug).
//!
//! Once a request's first byte arrived, the rest must arrive within a limit, and its reply
//! be taken within the limit again (`conn.rs`), else the client is dropped: 10 s with
//! `--multi-clients` (where one client's stall holds up the others), 60 s otherwise.
//! `VIRGL_TEST_SERVER_REQUEST_LIMIT_MS` sets both (tests use it).
//!
//! The protocol is decoded by the pure `model::vtest` module; this binary holds the
//! sockets, processes and per-client state, and has no `unsafe` (fd passing, fork and
//! shared memory are `src/sys/` helpers, reached through `virglrenderer::internal::server`).

mod client;
mod conn;
mod render;
mod sync;

use client::{Client, Ids, Served};
use render::Render;
use rustix::event::{poll, PollFd, PollFlags};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;
use virglrenderer::internal::server::{fork, init_logging, reap_children, Forked};

const DEFAULT_SOCKET: &str = "/tmp/.virgl_test";
/// `--multi-clients`: most time the rest of a request may take to arrive once its first
/// byte did, and its reply to be taken, before the client is dropped (`conn.rs`): a client
/// that stalls mid-message must not stall the others.
const MULTI_REQUEST_LIMIT: Duration = Duration::from_secs(10);
/// The same for a client served alone (its own process, or one after another): a stalled
/// client must not hold its process, or the clients queued behind it, forever.
const SOLO_REQUEST_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    fork: bool,
    do_loop: bool,
    multi_clients: bool,
    rendernode: Option<String>,
    socket: String,
    /// `--use-gles`: the renderer runs on an OpenGL ES context (`VIRGL_RENDERER_USE_GLES`).
    use_gles: bool,
}

const USAGE: &str = "usage: virgl_test_server [--no-fork] [--no-loop-or-fork] [--multi-clients] \
[--use-egl-surfaceless] [--use-gles] [--rendernode DEV] [--socket-path PATH]";

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o =
        Options { fork: true, do_loop: true, socket: DEFAULT_SOCKET.into(), ..Default::default() };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = |name: &str| -> Result<String, String> {
            if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                return Ok(v.to_string());
            }
            i += 1;
            args.get(i).cloned().ok_or_else(|| format!("{name} needs a value"))
        };
        match a {
            "--no-fork" => o.fork = false,
            "--no-loop-or-fork" => {
                o.fork = false;
                o.do_loop = false;
            }
            "--multi-clients" => {
                o.multi_clients = true;
                o.fork = false;
            }
            "--use-egl-surfaceless" => {}
            "--use-gles" => o.use_gles = true,
            "-h" | "--help" => return Err(String::new()),
            _ if a == "--rendernode" || a.starts_with("--rendernode=") => {
                o.rendernode = Some(value("--rendernode")?)
            }
            _ if a == "--socket-path" || a.starts_with("--socket-path=") => {
                o.socket = value("--socket-path")?
            }
            _ => return Err(format!("unknown argument {a}")),
        }
        i += 1;
    }
    if o.socket.is_empty() {
        return Err("empty socket path".into());
    }
    Ok(o)
}

fn main() {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse_args(&args) {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("virgl_test_server: {msg}");
            }
            eprintln!("{USAGE}");
            std::process::exit(if msg.is_empty() { 0 } else { 1 });
        }
    };
    // Upstream removes a stale socket file before binding.
    let _ = std::fs::remove_file(&opts.socket);
    let listener = match UnixListener::bind(&opts.socket) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("virgl_test_server: cannot listen on {}: {e}", opts.socket);
            std::process::exit(1);
        }
    };
    // Tests wait for this line: the socket accepts connections from here on.
    log::info!("listening on {}", opts.socket);
    let code = if opts.multi_clients {
        serve_multi(&listener, &opts)
    } else if opts.fork {
        serve_forking(listener, &opts)
    } else {
        serve_in_process(&listener, &opts)
    };
    std::process::exit(code);
}

/// The next client; transient failures (a client gone before accept, a signal, out of
/// descriptors for a moment) are logged and retried, others end the server (`None`).
fn accept(listener: &UnixListener) -> Option<UnixStream> {
    loop {
        match listener.accept() {
            Ok((s, _)) => return Some(s),
            Err(e) => {
                let transient = matches!(
                    e.raw_os_error(),
                    Some(libc::EINTR | libc::ECONNABORTED | libc::EMFILE | libc::ENFILE)
                );
                log::error!("accept: {e}{}", if transient { "; retrying" } else { "" });
                if !transient {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// The per-request limit of the mode: `VIRGL_TEST_SERVER_REQUEST_LIMIT_MS` when set (and
/// not 0), else `default`.
fn request_limit(default: Duration) -> Duration {
    std::env::var("VIRGL_TEST_SERVER_REQUEST_LIMIT_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .map_or(default, Duration::from_millis)
}

/// Serves one client to the end in this process.
fn serve_client(stream: UnixStream, number: u64, render: &Render, ids: &mut Ids) {
    let mut c = match Client::new(stream, number, false, request_limit(SOLO_REQUEST_LIMIT), ids) {
        Ok(c) => c,
        Err(e) => {
            log::error!("client {number}: {}", e.msg);
            return;
        }
    };
    while let Served::Continue = c.serve_one(render, ids) {}
}

/// Default: a forked process per client, which initialises its own renderer.
fn serve_forking(listener: UnixListener, opts: &Options) -> i32 {
    let mut number = 0u64;
    loop {
        let Some(stream) = accept(&listener) else { return 1 };
        number += 1;
        reap_children();
        match fork() {
            Ok(Forked::Child) => serve_forked(listener, stream, number, opts),
            Ok(Forked::Parent { .. }) => drop(stream),
            Err(e) => {
                log::error!(
                    "client {number}: {} (--no-fork serves clients without forking)",
                    e.msg
                );
                return 1;
            }
        }
    }
}

/// The forked child: closes its copy of the listening socket first (the parent alone
/// accepts; a child holding it would keep the socket accepting connections nobody serves
/// after the parent is gone), then serves its one client and exits.
fn serve_forked(listener: UnixListener, stream: UnixStream, number: u64, opts: &Options) -> ! {
    drop(listener);
    let render = match Render::init(opts.rendernode.clone(), opts.use_gles) {
        Ok(r) => r,
        Err(e) => {
            log::error!("client {number}: renderer: {}", e.msg);
            std::process::exit(1);
        }
    };
    serve_client(stream, number, &render, &mut Ids::default());
    drop(render);
    std::process::exit(0);
}

/// `--no-fork` / `--no-loop-or-fork`: clients one after another, one renderer.
fn serve_in_process(listener: &UnixListener, opts: &Options) -> i32 {
    let mut render: Option<Render> = None;
    let mut ids = Ids::default();
    let mut number = 0u64;
    loop {
        let Some(stream) = accept(listener) else { return 1 };
        number += 1;
        if render.is_none() {
            match Render::init(opts.rendernode.clone(), opts.use_gles) {
                Ok(r) => render = Some(r),
                Err(e) => {
                    log::error!("renderer: {}", e.msg);
                    return 1;
                }
            }
        }
        if let Some(r) = &render {
            serve_client(stream, number, r, &mut ids);
        }
        if !opts.do_loop {
            return 0;
        }
    }
}

/// `--multi-clients`: one renderer, a context per client, requests served as they come.
fn serve_multi(listener: &UnixListener, opts: &Options) -> i32 {
    let render = match Render::init(opts.rendernode.clone(), opts.use_gles) {
        Ok(r) => r,
        Err(e) => {
            log::error!("renderer: {}", e.msg);
            return 1;
        }
    };
    let mut ids = Ids::default();
    let limit = request_limit(MULTI_REQUEST_LIMIT);
    let mut clients: Vec<Client> = Vec::new();
    let mut number = 0u64;
    loop {
        let ready: Vec<(bool, bool)> = {
            let mut fds = Vec::with_capacity(clients.len() + 1);
            fds.push(PollFd::new(listener, PollFlags::IN));
            for c in &clients {
                fds.push(PollFd::new(c.stream(), PollFlags::IN));
            }
            if let Err(e) = poll(&mut fds, None) {
                if e == rustix::io::Errno::INTR {
                    continue;
                }
                log::error!("poll: {e}");
                return 1;
            }
            fds.iter()
                .map(|f| {
                    let r = f.revents();
                    (r.contains(PollFlags::IN), r.intersects(PollFlags::HUP | PollFlags::ERR))
                })
                .collect()
        };
        // Clients first (indices stay valid), from the back so that removal is cheap.
        for i in (0..clients.len()).rev() {
            let (readable, hangup) = ready[i + 1];
            if !readable && !hangup {
                continue;
            }
            if let Served::Closed = clients[i].serve_one(&render, &mut ids) {
                clients.swap_remove(i);
            }
        }
        if ready[0].0 {
            match listener.accept() {
                Ok((s, _)) => {
                    number += 1;
                    match Client::new(s, number, true, limit, &mut ids) {
                        Ok(c) => clients.push(c),
                        Err(e) => log::error!("client {number}: {}", e.msg),
                    }
                }
                Err(e) => {
                    // EMFILE/ENFILE leave the listener readable: wait instead of spinning.
                    log::warn!("accept: {e}");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn upstream_command_lines() {
        let o = parse_args(&args(&["--use-egl-surfaceless", "--socket-path=/tmp/x"])).unwrap();
        assert_eq!((o.fork, o.do_loop, o.socket.as_str()), (true, true, "/tmp/x"));
        let o = parse_args(&args(&["--socket-path", "/tmp/y", "--no-fork"])).unwrap();
        assert_eq!((o.fork, o.socket.as_str()), (false, "/tmp/y"));
        let o = parse_args(&args(&["--no-loop-or-fork", "--rendernode", "/dev/dri/renderD128"]))
            .unwrap();
        assert_eq!((o.fork, o.do_loop), (false, false));
        assert_eq!(o.rendernode.as_deref(), Some("/dev/dri/renderD128"));
        let o = parse_args(&args(&["--multi-clients", "--use-gles"])).unwrap();
        assert!(o.multi_clients && !o.fork && o.use_gles);
        assert!(!parse_args(&args(&["--use-egl-surfaceless"])).unwrap().use_gles);
        assert_eq!(parse_args(&[]).unwrap().socket, DEFAULT_SOCKET);
        assert!(parse_args(&args(&["--socket-path"])).is_err());
        assert!(parse_args(&args(&["--bogus"])).is_err());
        assert!(parse_args(&args(&["--socket-path="])).is_err());
    }
}
