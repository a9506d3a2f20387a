//! Side-by-side transfer benchmark: virgl-shim's GL backend, virgl-shim's CPU backend,
//! Debian's `libvirglrenderer.so.1` (0.10.4, loaded with dlopen) and plain memcpy of the same
//! bytes, on the same workloads, in one run.
//!
//! Usage: `cargo bench --bench transfer [-- --quick] [--reps N] [--only a,b] [--focus W6]`.
//!
//! The C API has global state (one renderer per process), so the parent re-executes this
//! binary once per implementation and repetition (`--child NAME`); each child prints
//! `RESULT <key> <value> <unit>` lines that the parent collects into the table. Our rlib exports
//! the same C symbols as Debian's library, so upstream is opened with
//! `RTLD_LOCAL | RTLD_DEEPBIND` and called only through the function pointers dlsym returns.
//!
//! `--quick` (CI) runs every workload a few times and checks results and data, never timings.
//!
//! Modules: `api` (the C API as function pointers: ours or upstream's dlopen'd library, and
//! the per-process renderer), `memory` (guest memory and test data), `workloads` (W1–W7 and
//! their timing), `scale` (many live resources), `report` (the parent's markdown report).

mod api;
mod memory;
mod report;
mod scale;
mod workloads;

use crate::api::{shim_api, upstream_api, Lib, R};
use crate::report::report;
use crate::scale::scale;
use crate::workloads::{library_workloads, memcpy_workloads, Cfg};
use std::ffi::c_int;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const UPSTREAM_PATH: &str = "/usr/lib/x86_64-linux-gnu/libvirglrenderer.so.1";

const FB_W: u32 = 1920;
const FB_H: u32 = 1080;
const BPP: usize = 4;
const STRIDE: usize = FB_W as usize * BPP;
const FRAME: usize = STRIDE * FB_H as usize;
const PAGE: usize = 4096;
const BUF_BYTES: usize = 1 << 20;
const RECTS: usize = 64;
const RECT: u32 = 128;
const SMALL: u32 = 64;

const PIPE_BUFFER: u32 = 0;
const PIPE_TEXTURE_2D: u32 = 2;
const VIRGL_FORMAT_B8G8R8A8_UNORM: u32 = 1;
const VIRGL_FORMAT_R8_UNORM: u32 = 64;
const BIND_RENDER_TARGET: u32 = 1 << 1;
const BIND_VERTEX_BUFFER: u32 = 1 << 4;
/// What QEMU's RESOURCE_CREATE_2D passes (VIRTIO_GPU_RESOURCE_FLAG_Y_0_TOP): the default
/// flags of the 2D resources; `--res-flags N` overrides them (for analysis).
const FLAG_Y_0_TOP: u32 = 1;
static RES_FLAGS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(FLAG_Y_0_TOP);

fn res_flags() -> u32 {
    RES_FLAGS.load(std::sync::atomic::Ordering::Relaxed)
}
const USE_EGL: c_int = 1;
const USE_SURFACELESS: c_int = 1 << 3;

/// Implementations, in table order.
const IMPLS: [&str; 4] = ["memcpy", "shim-gl", "shim-cpu", "upstream"];
/// Workloads, in table order, with their unit.
const WORKLOADS: [(&str, &str, &str); 10] = [
    ("W1", "MB/s", "full frame write, 1 contiguous iovec"),
    ("W2", "MB/s", "full frame write, shuffled 4 KiB iovecs"),
    ("W3", "MB/s", "64 dirty 128x128 rects per frame"),
    ("W3s", "MB/s", "W3 on W2's shuffled 4 KiB pages"),
    ("W4", "MB/s", "1 MiB buffer write"),
    ("W5", "MB/s", "full frame read_iov"),
    ("W5s", "MB/s", "W5 into W2's shuffled 4 KiB pages"),
    ("W6", "ops/s", "create+attach+detach+unref 64x64 (1 op = 4 calls)"),
    ("W6v", "ops/s", "W6 cycling through 64 sizes (no storage reuse possible)"),
    ("W7", "MB/s", "coherent frame: guest writes in place, host reads"),
];

fn child(name: &str, cfg: Cfg, scale_count: u32) -> R {
    match name {
        "memcpy" => memcpy_workloads(cfg),
        "shim-gl" | "shim-cpu" => {
            let lib = Lib::init(shim_api())?;
            library_workloads(&lib, cfg, "", true)
        }
        "upstream" => {
            let lib = Lib::init(upstream_api()?)?;
            library_workloads(&lib, cfg, "", true)
        }
        "scale" => {
            let lib = Lib::init(shim_api())?;
            scale(&lib, cfg, scale_count)
        }
        other => Err(format!("unknown implementation {other}")),
    }
}

// ---- the parent -----------------------------------------------------------------------------

type Samples = std::collections::BTreeMap<(String, String), Vec<f64>>;

fn run_child(name: &str, quick: bool, scale_count: u32, out: &mut Samples) -> R {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.args(["--child", name, "--scale-count", &scale_count.to_string()]);
    if quick {
        cmd.arg("--quick");
    }
    cmd.args(["--res-flags", &res_flags().to_string()]);
    let args: Vec<String> = std::env::args().collect();
    for opt in ["--budget-ms", "--focus"] {
        if let Some(v) = args.iter().position(|a| a == opt).and_then(|i| args.get(i + 1)) {
            cmd.args([opt, v]);
        }
    }
    match name {
        "shim-gl" => {
            cmd.env("VIRGL_SHIM_BACKEND", "gl");
        }
        "shim-cpu" | "scale" => {
            cmd.env("VIRGL_SHIM_BACKEND", "cpu");
        }
        _ => {}
    }
    let o = cmd.output().map_err(|e| format!("spawn {name}: {e}"))?;
    let stdout = String::from_utf8_lossy(&o.stdout);
    if !o.status.success() {
        return Err(format!(
            "child {name} failed ({}):\n{stdout}{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    for line in stdout.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if let ["RESULT", key, v, _unit] = f[..] {
            if let Ok(v) = v.parse::<f64>() {
                out.entry((name.to_string(), key.to_string())).or_default().push(v);
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| args.iter().position(|a| a == f).and_then(|i| args.get(i + 1)).cloned();
    let quick = flag("--quick");
    let scale_count: u32 = value("--scale-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 10_000 } else { 100_000 })
        .max(2);
    let cfg = Cfg {
        quick,
        budget: Duration::from_millis(
            value("--budget-ms").and_then(|v| v.parse().ok()).unwrap_or(500),
        ),
        focus: value("--focus").map(|v| &*v.leak()),
    };
    if let Some(f) = value("--res-flags").and_then(|v| v.parse().ok()) {
        RES_FLAGS.store(f, std::sync::atomic::Ordering::Relaxed);
    }
    if let Some(name) = value("--child") {
        return match child(&name, cfg, scale_count) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("transfer bench [{name}]: {e}");
                ExitCode::FAILURE
            }
        };
    }

    let reps: usize =
        value("--reps").and_then(|v| v.parse().ok()).unwrap_or(if quick { 1 } else { 5 }).max(1);
    let only = value("--only");
    let mut impls: Vec<&str> = IMPLS
        .iter()
        .copied()
        .filter(|i| only.as_deref().is_none_or(|o| o.split(',').any(|x| x == *i)))
        .collect();
    if impls.contains(&"upstream") && !std::path::Path::new(UPSTREAM_PATH).exists() {
        eprintln!("transfer bench: {UPSTREAM_PATH} not found (apt install libvirglrenderer1): upstream skipped");
        impls.retain(|i| *i != "upstream");
    }
    let do_scale = only.as_deref().is_none_or(|o| o.split(',').any(|x| x == "scale"));
    let mut samples = Samples::new();
    let mut failed = false;
    let t0 = Instant::now();
    // Round-robin so that drift on the machine spreads over every implementation.
    for rep in 0..reps {
        for imp in &impls {
            eprintln!("transfer bench: run {}/{reps} {imp}", rep + 1);
            if let Err(e) = run_child(imp, quick, scale_count, &mut samples) {
                eprintln!("transfer bench: {e}");
                failed = true;
            }
        }
    }
    if do_scale {
        eprintln!("transfer bench: scale ({scale_count} resources)");
        if let Err(e) = run_child("scale", quick, scale_count, &mut samples) {
            eprintln!("transfer bench: {e}");
            failed = true;
        }
    }
    report(&samples, &impls, reps, quick, scale_count);
    eprintln!("transfer bench: done in {:.1} s", t0.elapsed().as_secs_f64());
    if failed {
        eprintln!("transfer bench: FAILED (see above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
