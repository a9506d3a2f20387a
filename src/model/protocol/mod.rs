//! The virgl command stream → typed commands (pure: no GL, no renderer state, no unsafe).
//!
//! A submit buffer is a sequence of commands, each a header dword `cmd | obj_type << 8 |
//! len << 16` followed by `len` payload dwords. [`decode`] walks it lazily and yields one
//! [`Command`] per command, or a [`DecodeError`] carrying upstream's errno and context
//! error for the first command it rejects (and then stops, as upstream does).
//!
//! What is checked here is what the protocol alone decides: payload lengths (exact or
//! minimum, as upstream accepts them), counts within the gallium maxima, shader-stage and
//! slot ranges, format/target ranges, layer order, handle 0 for new objects. Whether
//! handles name live objects or attached resources is the executor's business.
//!
//! Allocation: only `Vec`s bounded by a protocol maximum (viewports, scissors, vertex
//! buffers/elements, stream outputs) or by the payload length; variable data (inline
//! uploads, uniforms, shader text, handle lists) is borrowed from the input.
//!
//! Upstream's order of checks, mirrored: a command byte at or past [`ccmd::COUNT`] fails
//! (EINVAL) before the length is looked at; a length that runs past the buffer fails next.

#![forbid(unsafe_code)]

mod consts;
mod parse;
mod parse_set_type;
mod types;

#[cfg(test)]
mod tests;

pub use consts::*;
pub use types::*;

use std::fmt;

/// Why a command was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Command byte at or past the protocol's command count: upstream returns EINVAL from
    /// the submit at once.
    UnknownCommand,
    /// The header's length runs past the end of the buffer: upstream records
    /// ILLEGAL_CMD_BUFFER and stops the buffer *without* failing the submit.
    Truncated,
    /// A malformed command (length, count, range): upstream fails the submit with EINVAL
    /// and records ILLEGAL_CMD_BUFFER (after any more specific report).
    Invalid,
}

/// A rejected command: upstream's codes plus a message for the one log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub kind: ErrorKind,
    /// Positive errno the submit returns (EINVAL).
    pub errno: i32,
    /// The `VIRGL_ERROR_CTX_*` upstream reports for this condition. For EINVAL its submit
    /// loop then reports ILLEGAL_CMD_BUFFER on top, so that is what the context's last
    /// error ends as; this field keeps the specific one (ILLEGAL_FORMAT, …) for the log.
    pub ctx_error: u32,
    /// Command byte of the rejected command.
    pub cmd: u8,
    /// Dword offset of its header in the buffer.
    pub offset: usize,
    pub msg: String,
}

impl DecodeError {
    /// The context error upstream's context holds afterwards.
    pub fn recorded_ctx_error(&self) -> u32 {
        ctx_error::ILLEGAL_CMD_BUFFER
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) at dword {}: {}",
            command_name(self.cmd),
            self.cmd,
            self.offset,
            self.msg
        )
    }
}

impl std::error::Error for DecodeError {}

impl From<DecodeError> for crate::error::Error {
    fn from(e: DecodeError) -> Self {
        crate::error::Error::new(e.errno, e.to_string())
    }
}

/// An error from a command's parser before the decoder adds where it happened.
#[derive(Debug)]
pub(crate) struct Reject {
    pub ctx_error: u32,
    pub msg: String,
}

pub(crate) type Parsed<T> = std::result::Result<T, Reject>;

/// EINVAL with `ILLEGAL_CMD_BUFFER`.
pub(crate) fn inval(msg: impl Into<String>) -> Reject {
    Reject { ctx_error: ctx_error::ILLEGAL_CMD_BUFFER, msg: msg.into() }
}

/// The lazy decoder [`decode`] returns. Fused: after an error it yields nothing more.
#[derive(Clone, Debug)]
pub struct Decoder<'a> {
    words: &'a [u32],
    at: usize,
    done: bool,
}

impl<'a> Decoder<'a> {
    /// Dword offset of the next command's header.
    pub fn offset(&self) -> usize {
        self.at
    }
}

/// Decodes the command buffer `words` lazily, command by command.
pub fn decode(words: &[u32]) -> Decoder<'_> {
    Decoder { words, at: 0, done: false }
}

impl<'a> Iterator for Decoder<'a> {
    type Item = Result<Command<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.at >= self.words.len() {
            return None;
        }
        let offset = self.at;
        let header = self.words[offset];
        let cmd = header as u8;
        let obj_type = (header >> 8) as u8;
        let len = (header >> 16) as usize;
        let fail = |kind, ctx_error, msg: String| DecodeError {
            kind,
            errno: libc::EINVAL,
            ctx_error,
            cmd,
            offset,
            msg,
        };
        if cmd >= ccmd::COUNT {
            self.done = true;
            return Some(Err(fail(
                ErrorKind::UnknownCommand,
                ctx_error::ILLEGAL_CMD_BUFFER,
                format!("unknown command {cmd} (the protocol has {})", ccmd::COUNT),
            )));
        }
        let start = offset + 1;
        let remaining = self.words.len() - start;
        if len > remaining {
            self.done = true;
            return Some(Err(fail(
                ErrorKind::Truncated,
                ctx_error::ILLEGAL_CMD_BUFFER,
                format!("length {len} runs past the buffer ({remaining} dwords remain)"),
            )));
        }
        let payload = &self.words[start..start + len];
        self.at = start + len;
        match parse::command(cmd, obj_type, payload) {
            Ok(c) => Some(Ok(c)),
            Err(r) => {
                self.done = true;
                Some(Err(fail(ErrorKind::Invalid, r.ctx_error, r.msg)))
            }
        }
    }
}

impl std::iter::FusedIterator for Decoder<'_> {}
