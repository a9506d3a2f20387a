//! Process edges for the vtest server: fork a child per client (as upstream's server
//! does) and reap the children that exited.

use crate::error::{Error, Result};

/// Which side of a fork this is.
#[derive(Debug, PartialEq, Eq)]
pub enum Forked {
    Parent { child: i32 },
    Child,
}

/// Threads of this process (from /proc/self/task), `None` when it cannot be read.
fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}

/// Forks the process. Refused (EBUSY) unless the process has exactly one thread: after a
/// fork only the calling thread exists in the child, so a lock another thread held (the
/// allocator's, the renderer's) would never be released there. The vtest server forks
/// from its accept loop before it starts any renderer or thread.
pub fn fork() -> Result<Forked> {
    match thread_count() {
        Some(1) => {}
        n => {
            return Err(Error::new(
                libc::EBUSY,
                format!("fork refused: the process has {n:?} threads (only one may fork)"),
            ))
        }
    }
    // SAFETY: the process is single-threaded (checked above), so the child is a complete
    // copy with no lock held by a thread that does not exist there; fork has no other
    // memory-safety precondition.
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(Error::new(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EAGAIN),
            "fork failed",
        )),
        0 => Ok(Forked::Child),
        child => Ok(Forked::Parent { child }),
    }
}

/// Reaps every child that has exited, without blocking; returns their pids.
pub fn reap_children() -> Vec<i32> {
    let mut out = Vec::new();
    while let Ok(Some((pid, _))) =
        rustix::process::waitpid(None, rustix::process::WaitOptions::NOHANG)
    {
        out.push(pid.as_raw_nonzero().get());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multithreaded_process_may_not_fork() {
        // The test harness runs tests on threads of its own: the check must refuse.
        let _t = std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_millis(200)));
        let e = fork().expect_err("several threads");
        assert_eq!(e.errno, libc::EBUSY);
        // No child of ours exists: nothing to reap, and no blocking.
        assert!(reap_children().is_empty());
    }
}
