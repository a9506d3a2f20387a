//! A client's timeline sync objects (protocol 3: SYNC_CREATE, SYNC_UNREF, SYNC_READ,
//! SYNC_WRITE, SYNC_WAIT; SUBMIT_CMD2 signals them). A sync is a 64-bit value; SYNC_WAIT
//! hands the client an eventfd that becomes readable once every listed sync (or, with
//! the ANY flag, one of them) has reached its value, or never after its timeout. Counts are
//! bounded: a client cannot make the server hold unbounded state.

use rustix::event::{eventfd, EventfdFlags};
use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};
use virglrenderer::internal::error::{Error, Result};
use virglrenderer::internal::vtest::MAX_SYNCS;

/// SYNC_WAIT flag: one satisfied sync is enough.
pub const WAIT_FLAG_ANY: u32 = 1;
/// Most pending waits of one client.
const MAX_WAITS: usize = 256;

struct Wait {
    fd: OwnedFd,
    any: bool,
    deadline: Instant,
    /// (sync id, value) pairs not reached yet.
    pending: Vec<(u32, u64)>,
}

#[derive(Default)]
pub struct Syncs {
    values: HashMap<u32, u64>,
    waits: Vec<Wait>,
    next_id: u32,
}

fn signal(fd: &OwnedFd) {
    // Fails only when the counter would overflow: readable then anyway.
    let _ = rustix::io::write(fd, &1u64.to_ne_bytes());
}

impl Syncs {
    pub fn create(&mut self, value: u64) -> Result<u32> {
        if self.values.len() >= MAX_SYNCS {
            return Err(Error::nomem(format!("more than {MAX_SYNCS} syncs")));
        }
        // Ids are per client (upstream's are per process; the client cannot tell).
        loop {
            self.next_id = self.next_id.wrapping_add(1).max(1);
            if !self.values.contains_key(&self.next_id) {
                break;
            }
        }
        self.values.insert(self.next_id, value);
        Ok(self.next_id)
    }

    /// Unknown ids are ignored, as upstream.
    pub fn unref(&mut self, id: u32) {
        self.values.remove(&id);
    }

    pub fn read(&self, id: u32) -> Result<u64> {
        self.values.get(&id).copied().ok_or_else(|| unknown(id))
    }

    /// Sets a value (it may go backwards, as upstream's SYNC_WRITE) and wakes the waits it
    /// completes.
    pub fn write(&mut self, id: u32, value: u64) -> Result<()> {
        *self.values.get_mut(&id).ok_or_else(|| unknown(id))? = value;
        self.update();
        Ok(())
    }

    /// Sets several values (SUBMIT_CMD2's signals) and then wakes the waits they complete,
    /// once. All ids are checked before any value changes.
    pub fn write_all(&mut self, list: &[(u32, u64)]) -> Result<()> {
        if let Some(&(id, _)) = list.iter().find(|(id, _)| !self.values.contains_key(id)) {
            return Err(unknown(id));
        }
        for &(id, value) in list {
            self.values.insert(id, value);
        }
        self.update();
        Ok(())
    }

    /// SYNC_WAIT: the fd to send to the client.
    pub fn wait(&mut self, flags: u32, timeout_ms: u32, list: &[(u32, u64)]) -> Result<OwnedFd> {
        let mut pending = Vec::new();
        for &(id, v) in list {
            if self.read(id)? < v {
                pending.push((id, v));
            }
        }
        let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
            .map_err(|e| Error::new(e.raw_os_error(), format!("eventfd: {e}")))?;
        let any = flags & WAIT_FLAG_ANY != 0;
        let ready = pending.is_empty() || (any && pending.len() < list.len());
        if ready {
            signal(&fd);
        } else if timeout_ms != 0 {
            self.update();
            if self.waits.len() >= MAX_WAITS {
                return Err(Error::nomem(format!("more than {MAX_WAITS} pending waits")));
            }
            let deadline = Instant::now() + Duration::from_millis(u64::from(timeout_ms));
            let fd2 = fd.try_clone().map_err(|e| Error::nomem(format!("dup: {e}")))?;
            self.waits.push(Wait { fd: fd2, any, deadline, pending });
        }
        Ok(fd)
    }

    /// Signals the waits that are complete and drops those past their timeout.
    fn update(&mut self) {
        let now = Instant::now();
        let values = &self.values;
        self.waits.retain_mut(|w| {
            if w.deadline < now {
                return false;
            }
            let before = w.pending.len();
            w.pending.retain(|(id, v)| values.get(id).is_none_or(|cur| cur < v));
            let ready = w.pending.is_empty() || (w.any && w.pending.len() < before);
            if ready {
                signal(&w.fd);
            }
            !ready
        });
    }
}

fn unknown(id: u32) -> Error {
    Error::new(libc::EEXIST, format!("unknown sync {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::event::{poll, PollFd, PollFlags, Timespec};

    fn readable(fd: &OwnedFd) -> bool {
        let zero = Timespec { tv_sec: 0, tv_nsec: 0 };
        let mut p = [PollFd::new(fd, PollFlags::IN)];
        poll(&mut p, Some(&zero)).unwrap() == 1
    }

    #[test]
    fn waits_complete_when_values_arrive() {
        let mut s = Syncs::default();
        let a = s.create(0).unwrap();
        let b = s.create(5).unwrap();
        assert_eq!(s.read(b).unwrap(), 5);
        // Already reached: ready at once.
        assert!(readable(&s.wait(0, 0, &[(b, 5)]).unwrap()));
        // All of them: ready after both.
        let all = s.wait(0, 10_000, &[(a, 2), (b, 7)]).unwrap();
        let any = s.wait(WAIT_FLAG_ANY, 10_000, &[(a, 2), (b, 7)]).unwrap();
        assert!(!readable(&all) && !readable(&any));
        s.write(a, 2).unwrap();
        assert!(readable(&any) && !readable(&all));
        s.write(b, 9).unwrap();
        assert!(readable(&all));
        // Unknown syncs are errors; unref of an unknown one is not.
        assert_eq!(s.read(99).unwrap_err().errno, libc::EEXIST);
        assert!(s.wait(0, 1, &[(99, 1)]).is_err());
        s.unref(a);
        s.unref(99);
        assert!(s.read(a).is_err());
    }

    #[test]
    fn bounded() {
        let mut s = Syncs::default();
        for _ in 0..MAX_SYNCS {
            s.create(0).unwrap();
        }
        assert_eq!(s.create(0).unwrap_err().errno, libc::ENOMEM);
        let mut t = Syncs::default();
        let id = t.create(0).unwrap();
        for _ in 0..MAX_WAITS {
            t.wait(0, 60_000, &[(id, 1)]).unwrap();
        }
        assert_eq!(t.wait(0, 60_000, &[(id, 1)]).unwrap_err().errno, libc::ENOMEM);
        // A timeout of 0 never waits (the fd stays unsignalled), and keeps nothing.
        let mut u = Syncs::default();
        let id = u.create(0).unwrap();
        assert!(!readable(&u.wait(0, 0, &[(id, 1)]).unwrap()));
        assert!(u.waits.is_empty());
    }
}
