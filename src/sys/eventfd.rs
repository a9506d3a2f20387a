//! An eventfd: the fd `virgl_renderer_get_poll_fd` hands out under `THREAD_SYNC`.

use rustix::event::{eventfd, EventfdFlags};
use std::os::fd::{AsRawFd, OwnedFd};

/// An eventfd that is readable while fences wait to be retired.
pub struct EventFd(OwnedFd);

impl EventFd {
    pub fn new() -> std::io::Result<Self> {
        Ok(EventFd(eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?))
    }

    pub fn raw(&self) -> i32 {
        self.0.as_raw_fd()
    }

    /// Makes the fd readable.
    pub fn signal(&self) {
        // Only fails (EAGAIN) when the counter would overflow: it is readable then anyway.
        let _ = rustix::io::write(&self.0, &1u64.to_ne_bytes());
    }

    /// Consumes the readiness (non-blocking).
    pub fn drain(&self) {
        let mut v = [0u8; 8];
        // EAGAIN when nothing was signalled: nothing to consume.
        let _ = rustix::io::read(&self.0, &mut v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::{poll, PollFd, PollFlags, Timespec};

    fn readable(e: &EventFd) -> bool {
        let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
        let mut p = [PollFd::new(&e.0, PollFlags::IN)];
        poll(&mut p, Some(&zero)).unwrap() == 1
    }

    #[test]
    fn eventfd_readiness() {
        let e = EventFd::new().unwrap();
        assert!(!readable(&e));
        e.signal();
        assert!(readable(&e));
        e.drain();
        assert!(!readable(&e));
    }
}
