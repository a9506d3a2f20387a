//! One error type for the whole library: an errno plus a message for the log line.
//! The FFI layer decides the sign each entry point returns (upstream mixes them).
use std::fmt;

/// A rejected request: the errno the caller sees and why, for the one log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Positive errno value (libc::EINVAL, …).
    pub errno: i32,
    /// Human-readable reason, logged once at the API boundary.
    pub msg: String,
}

/// Result of every fallible operation inside the library.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(errno: i32, msg: impl Into<String>) -> Self {
        Error { errno, msg: msg.into() }
    }
    pub fn inval(msg: impl Into<String>) -> Self {
        Self::new(libc::EINVAL, msg)
    }
    pub fn nomem(msg: impl Into<String>) -> Self {
        Self::new(libc::ENOMEM, msg)
    }
    pub fn notsup(msg: impl Into<String>) -> Self {
        Self::new(libc::EOPNOTSUPP, msg)
    }
    /// The value for entry points that return a negative errno.
    pub fn neg(&self) -> i32 {
        -self.errno
    }
    /// The value for legacy entry points that return a positive errno.
    pub fn pos(&self) -> i32 {
        self.errno
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (errno {})", self.msg, self.errno)
    }
}

impl std::error::Error for Error {}

/// Return early with an [`Error`] built from an errno and a format string.
#[macro_export]
macro_rules! bail {
    ($errno:expr, $($arg:tt)*) => {
        return Err($crate::error::Error::new($errno, format!($($arg)*)))
    };
}

/// Checked `a + b` on guest-controlled values; the error names the fields.
pub fn add(a: u64, b: u64, what: &str) -> Result<u64> {
    a.checked_add(b).ok_or_else(|| Error::inval(format!("{what}: {a} + {b} overflows")))
}

/// Checked `a * b` on guest-controlled values; the error names the fields.
pub fn mul(a: u64, b: u64, what: &str) -> Result<u64> {
    a.checked_mul(b).ok_or_else(|| Error::inval(format!("{what}: {a} * {b} overflows")))
}
