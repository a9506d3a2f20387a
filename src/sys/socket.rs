//! Unix-socket edges for the vtest server: passing a file descriptor to a client with
//! SCM_RIGHTS (rustix's `sendmsg`, no raw control-message handling here).

use rustix::net::{sendmsg, SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd};

/// Sends one payload byte (0) carrying `fd` as SCM_RIGHTS on `socket`, as vtest clients
/// expect (Mesa's `virgl_vtest_receive_fd` reads one byte with the descriptor).
pub fn send_fd(socket: impl AsFd, fd: BorrowedFd<'_>) -> std::io::Result<()> {
    let fds = [fd];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
        return Err(std::io::Error::other("SCM_RIGHTS does not fit its control buffer"));
    }
    let byte = [0u8];
    let n = sendmsg(socket.as_fd(), &[IoSlice::new(&byte)], &mut control, SendFlags::NOSIGNAL)?;
    if n != 1 {
        return Err(std::io::Error::other("sendmsg sent no payload byte"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    #[test]
    fn the_byte_arrives() {
        let (a, mut b) = UnixStream::pair().expect("socketpair");
        let f = std::fs::File::open("/dev/null").expect("/dev/null");
        send_fd(&a, f.as_fd()).expect("send");
        // A plain read gets the byte; the kernel closes the descriptor it carried.
        let mut buf = [1u8; 1];
        b.read_exact(&mut buf).expect("read");
        assert_eq!(buf, [0]);
    }
}
