//! The parent's markdown report: the table, the targets and the scale section.

use crate::{res_flags, Samples, UPSTREAM_PATH, WORKLOADS};
use std::process::Command;

pub(crate) fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// Half the min–max range, in % of the median.
pub(crate) fn spread(v: &[f64]) -> f64 {
    let (lo, hi) = v.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
    let m = median(v);
    if v.len() < 2 || m == 0.0 {
        0.0
    } else {
        (hi - lo) / 2.0 / m * 100.0
    }
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let nproc = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let sh = |c: &str| {
        Command::new("sh")
            .args(["-c", c])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "unknown".into())
    };
    let mesa = sh("dpkg-query -W -f='${Version}' libgl1-mesa-dri 2>/dev/null");
    let upstream = sh("dpkg-query -W -f='${Version}' libvirglrenderer1 2>/dev/null");
    let date = sh("date -u '+%Y-%m-%d %H:%M UTC'");
    let kernel = sh("uname -r");
    format!(
        "- date: {date}\n- CPU: {cpu}, nproc {nproc}\n- kernel: {kernel}\n- Mesa (libgl1-mesa-dri): \
         {mesa}, llvmpipe, EGL surfaceless\n- upstream: libvirglrenderer1 {upstream} ({UPSTREAM_PATH})"
    )
}

pub(crate) fn report(s: &Samples, impls: &[&str], reps: usize, quick: bool, scale_count: u32) {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    println!("\n## virgl-shim transfer benchmark\n");
    println!("command: `cargo bench --bench transfer -- {}`", args.join(" "));
    println!("{}", machine());
    println!(
        "- {reps} run(s) per implementation, each its own process; cell = median over runs \
         ± half the min–max range in % of it; MB = 10^6 bytes; 2D resources: bind \
         RENDER_TARGET, flags {:#x}{}\n",
        res_flags(),
        if quick { "; QUICK MODE: timings are not meaningful" } else { "" }
    );
    let get = |imp: &str, key: &str| s.get(&(imp.to_string(), key.to_string()));
    let med = |imp: &str, key: &str| get(imp, key).map(|v| median(v));
    print!("| workload | unit |");
    for i in impls {
        print!(" {i} |");
    }
    println!(" gl/upstream | cpu/upstream | gl/memcpy | cpu/memcpy |");
    println!("|{}", "---|".repeat(2 + impls.len() + 4));
    for (w, unit, what) in WORKLOADS {
        print!("| {w} {what} | {unit} |");
        for i in impls {
            match get(i, w) {
                Some(v) => print!(" {} ±{:.0}% |", fmt_num(median(v)), spread(v)),
                None => print!(" n/a |"),
            }
        }
        let ratio = |a: &str, b: &str| match (med(a, w), med(b, w)) {
            (Some(x), Some(y)) if y > 0.0 => format!("{x:.2}x", x = x / y),
            _ => "n/a".into(),
        };
        println!(
            " {} | {} | {} | {} |",
            ratio("shim-gl", "upstream"),
            ratio("shim-cpu", "upstream"),
            ratio("shim-gl", "memcpy"),
            ratio("shim-cpu", "memcpy")
        );
    }
    if let Some(v) = med("shim-gl", "W7.lib_bytes_per_frame") {
        println!(
            "\nW7 bytes copied by the library per frame: shim-gl {v:.0}, shim-cpu {:.0}; \
                  upstream 0.10.4 has no coherent resources (n/a).",
            med("shim-cpu", "W7.lib_bytes_per_frame").unwrap_or(f64::NAN)
        );
    }

    // Targets (informational: never asserted).
    println!("\n### Targets (same run)\n");
    let check = |label: &str, got: Option<f64>, want: f64| match got {
        Some(g) => println!(
            "- {label}: {g:.2} (target ≥ {want}) — {}",
            if g >= want { "met" } else { "MISSED" }
        ),
        None => println!("- {label}: n/a"),
    };
    let r = |a: &str, b: &str, w: &str| match (med(a, w), med(b, w)) {
        (Some(x), Some(y)) if y > 0.0 => Some(x / y),
        _ => None,
    };
    for w in ["W1", "W2", "W4", "W5"] {
        check(&format!("{w} gl/upstream"), r("shim-gl", "upstream", w), 2.0);
    }
    check("W3 gl/upstream", r("shim-gl", "upstream", "W3"), 10.0);
    check("W3s gl/upstream (W3 on guest pages)", r("shim-gl", "upstream", "W3s"), 10.0);
    check("W6 gl/upstream (at least as fast)", r("shim-gl", "upstream", "W6"), 1.0);
    for w in ["W1", "W2", "W5"] {
        check(&format!("{w} cpu/memcpy"), r("shim-cpu", "memcpy", w), 0.8);
    }
    check("W6 cpu ops/s (millions)", med("shim-cpu", "W6").map(|v| v / 1e6), 1.0);
    for i in ["shim-gl", "shim-cpu"] {
        if let Some(b) = med(i, "W7.lib_bytes_per_frame") {
            println!(
                "- W7 {i}: {b:.0} bytes copied by the library per frame (target 0) — {}",
                if b == 0.0 { "met" } else { "MISSED" }
            );
        }
    }

    if s.keys().any(|(i, _)| i == "scale") {
        println!("\n### Scale: {scale_count} live 1-byte buffers, CPU backend\n");
        let m = |k: &str| med("scale", k).map(fmt_num).unwrap_or_else(|| "n/a".into());
        println!(
            "- host overhead per resource, data (1 byte) subtracted: RSS delta / count {} bytes, \
             malloc in-use delta / count {} bytes",
            m("scale.rss_bytes_per_resource"),
            m("scale.heap_bytes_per_resource")
        );
        println!("- 1-byte transfer to a random live resource: {} ns with 1 alive, {} ns with {scale_count} alive",
                 m("scale.lookup_ns.1"), m(&format!("scale.lookup_ns.{scale_count}")));
        println!("\n| workload | without | with {scale_count} alive | ratio |\n|---|---|---|---|");
        for w in ["W1", "W2", "W3", "W4", "W5"] {
            let (a, b) = (med("scale", w), med("scale", &format!("alive.{w}")));
            let ratio = match (a, b) {
                (Some(a), Some(b)) if a > 0.0 => format!("{:.2}", b / a),
                _ => "n/a".into(),
            };
            println!(
                "| {w} MB/s | {} | {} | {ratio} |",
                a.map(fmt_num).unwrap_or_default(),
                b.map(fmt_num).unwrap_or_default()
            );
        }
    }
}
