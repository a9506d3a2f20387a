//! A client's socket with per-request deadlines. Waiting for the *first* byte of a request
//! has no limit (a client may idle between requests); from that byte on, the rest of the
//! request (header, body, a legacy TRANSFER_PUT's data) must arrive within the connection's
//! limit, and everything written back for it (replies, fds) must be taken by the client
//! within the limit again, counted from the first write (the work between, such as a
//! BUSY_WAIT on the GPU, is not the client's doing). The socket timeout of every read and
//! write is the time *left*, not a fresh limit per call, so a client trickling one byte at a
//! time cannot stretch a request. A client past a deadline gets `TimedOut` and is dropped,
//! releasing everything it held.

use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};
use virglrenderer::internal::server::send_fd;

/// Bytes read per step while filling a body of dwords (on the stack, then converted).
const CHUNK: usize = 64 << 10;

pub struct Conn {
    stream: UnixStream,
    limit: Duration,
    deadline: Option<Instant>,
    /// The current request's reply has started (its own deadline runs).
    replying: bool,
}

impl Conn {
    pub fn new(stream: UnixStream, limit: Duration) -> Conn {
        Conn { stream, limit, deadline: None, replying: false }
    }

    pub fn stream(&self) -> &UnixStream {
        &self.stream
    }

    /// The next request's header; `Ok(None)` when the client closed the connection between
    /// requests. Blocks without limit for the first byte, then starts the deadline.
    pub fn read_header<const N: usize>(&mut self) -> io::Result<Option<[u8; N]>> {
        (self.deadline, self.replying) = (None, false);
        self.stream.set_read_timeout(None)?;
        let mut hdr = [0u8; N];
        let first = loop {
            match self.stream.read(&mut hdr) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if first == 0 {
            return Ok(None);
        }
        self.deadline = Some(Instant::now() + self.limit);
        self.read_exact(&mut hdr[first..])?;
        Ok(Some(hdr))
    }

    /// The time left for the current request (an error once none is).
    fn left(&self) -> io::Result<Option<Duration>> {
        let Some(d) = self.deadline else { return Ok(None) };
        match d.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(self.timed_out()),
        }
    }

    fn timed_out(&self) -> io::Error {
        io::Error::new(
            ErrorKind::TimedOut,
            format!("request not complete within {} s", self.limit.as_secs_f32()),
        )
    }

    /// A socket timeout error (EAGAIN with SO_RCVTIMEO/SO_SNDTIMEO) as the deadline's.
    fn map_timeout(&self, e: io::Error) -> io::Error {
        if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) {
            self.timed_out()
        } else {
            e
        }
    }

    /// Fills `buf` within the request's deadline (a closed connection is `UnexpectedEof`).
    pub fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let mut done = 0;
        while done < buf.len() {
            self.stream.set_read_timeout(self.left()?)?;
            match self.stream.read(&mut buf[done..]) {
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.map_timeout(e)),
            }
        }
        Ok(())
    }

    /// `bytes` (a multiple of 4) of little-endian dwords, read into the one vector that
    /// holds them (no byte copy of the whole body is allocated).
    pub fn read_words(&mut self, bytes: usize) -> io::Result<Vec<u32>> {
        debug_assert_eq!(bytes % 4, 0);
        let mut words = Vec::with_capacity(bytes / 4);
        let mut chunk = [0u8; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            self.read_exact(&mut chunk[..n])?;
            words.extend(
                chunk[..n].chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
            left -= n;
        }
        Ok(words)
    }

    /// The first write of a reply starts the reply's deadline.
    fn start_reply(&mut self) {
        if !self.replying {
            self.replying = true;
            self.deadline = Some(Instant::now() + self.limit);
        }
    }

    /// Writes `bytes` within the reply's deadline.
    pub fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        self.start_reply();
        while !bytes.is_empty() {
            self.stream.set_write_timeout(self.left()?)?;
            match self.stream.write(bytes) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.map_timeout(e)),
            }
        }
        Ok(())
    }

    /// Passes `fd` (SCM_RIGHTS with one payload byte) within the reply's deadline.
    pub fn send_fd(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.start_reply();
        self.stream.set_write_timeout(self.left()?)?;
        send_fd(self.stream.as_fd(), fd).map_err(|e| self.map_timeout(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trickling_client_meets_one_deadline() {
        let (mut ours, mut theirs) = UnixStream::pair().unwrap();
        let mut c = Conn::new(ours.try_clone().unwrap(), Duration::from_millis(300));
        // A whole header and a body: served.
        theirs.write_all(&[1, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0]).unwrap();
        assert_eq!(c.read_header::<8>().unwrap(), Some([1, 0, 0, 0, 2, 0, 0, 0]));
        assert_eq!(c.read_words(4).unwrap(), [7]);
        // A header trickled a byte per 100 ms takes 700 ms: past the 300 ms deadline that
        // started with its first byte (a timeout renewed per read would accept it).
        let writer = std::thread::spawn(move || {
            for _ in 0..8 {
                if theirs.write_all(&[0]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            theirs
        });
        let e = c.read_header::<8>().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
        let theirs = writer.join().unwrap();
        // A closed connection between requests is not an error.
        drop(theirs);
        let mut rest = [0u8; 8];
        while ours.read(&mut rest).unwrap() != 0 {}
        assert_eq!(c.read_header::<8>().unwrap(), None);
    }

    #[test]
    fn replies_have_their_own_deadline() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let mut c = Conn::new(ours, Duration::from_millis(200));
        theirs.write_all(&[0; 8]).unwrap();
        c.read_header::<8>().unwrap().unwrap();
        // Work longer than the limit between request and reply does not count.
        std::thread::sleep(Duration::from_millis(300));
        c.write_all(&[1; 8]).unwrap();
        let mut got = [0u8; 8];
        theirs.read_exact(&mut got).unwrap();
        // A reply the client never reads (more than the socket buffers hold) times out.
        let e = c.write_all(&vec![0u8; 64 << 20]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TimedOut, "{e}");
    }
}
