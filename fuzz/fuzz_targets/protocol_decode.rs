//! protocol decoder fuzzer: arbitrary words into `protocol::decode` (pure, no renderer).
//! Oracles: no panic; every error is EINVAL and the last item (the decoder stops at its
//! first error); a buffer whose headers frame it exactly ([`framed`]) and whose command
//! numbers are all known never comes back Truncated or UnknownCommand; the decoder's offset
//! never passes the end of the buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virglrenderer::internal::protocol::{self, ccmd, ErrorKind};

/// The command bytes of `words` when every header's length stays inside the buffer.
fn framed(words: &[u32]) -> Option<Vec<u8>> {
    let (mut at, mut cmds) = (0usize, Vec::new());
    while at < words.len() {
        cmds.push(words[at] as u8);
        at = at + 1 + (words[at] >> 16) as usize;
    }
    (at == words.len()).then_some(cmds)
}

fn run(data: &[u8]) {
    let words: Vec<u32> =
        data.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let mut dec = protocol::decode(&words);
    let mut error = None;
    for item in dec.by_ref() {
        assert!(error.is_none(), "decoded past an error");
        if let Err(e) = item {
            assert_eq!(e.errno, libc::EINVAL, "{e}");
            assert!(e.offset < words.len(), "{e}");
            error = Some(e);
        }
    }
    assert!(dec.offset() <= words.len());
    if let Some(cmds) = framed(&words) {
        if cmds.iter().all(|&c| c < ccmd::COUNT) {
            if let Some(e) = &error {
                assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| run(data));
