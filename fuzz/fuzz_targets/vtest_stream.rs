//! vtest protocol fuzzer: an arbitrary client byte stream into `vtest::decode_stream`
//! (the pure decoder `virgl_test_server` reads every request with), under small limits so
//! that the bounds are reached. Oracles: no panic; at most one error, the last item, with
//! EINVAL; the bytes consumed never pass the input, and when no error stopped the decoder
//! what is left is a truncated message (shorter than a header, or than its header's body
//! and data); no decoded request is larger than the limits allow; SUBMIT_CMD2 batches lie
//! inside their body; decoding the same bytes again gives the same result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virglrenderer::internal::vtest::{self, body_bytes, Header, Limits, Request, HDR_BYTES};

const LIMITS: Limits = Limits { max_cmd_bytes: 4096, max_transfer_bytes: 8192 };

fn check_request(r: &Request) {
    match r {
        Request::SubmitCmd { words } => assert!(words.len() * 4 <= LIMITS.max_cmd_bytes),
        Request::TransferPut(t) | Request::TransferGet(t) => {
            assert!(t.data_size as usize <= LIMITS.max_transfer_bytes)
        }
        Request::SyncWait { waits, .. } => assert!(2 + 3 * waits.len() <= LIMITS.max_cmd_bytes / 4),
        Request::SubmitCmd2 { batches, words } => {
            assert!(words.len() * 4 <= LIMITS.max_cmd_bytes);
            for b in batches {
                assert!(b.cmd_offset as usize + b.cmd_size as usize <= words.len());
                assert!(b.sync_offset as usize + 3 * b.sync_count as usize <= words.len());
            }
        }
        Request::CreateRenderer { name } => assert!(name.len() <= 3 * vtest::MAX_NAME_BYTES),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let (items, used) = vtest::decode_stream(data, &LIMITS);
    assert!(used <= data.len());
    let mut failed = false;
    for item in &items {
        assert!(!failed, "decoded past an error");
        match item {
            Ok(r) => check_request(r),
            Err(e) => {
                assert_eq!(e.errno, libc::EINVAL, "{}", e.msg);
                failed = true;
            }
        }
    }
    if !failed {
        // The protocol the decoder had reached (its SUBMIT_CMD2 layout, protocol 4's
        // commands): what the stream's PROTOCOL_VERSION requests negotiated.
        let mut protocol = 0;
        for item in &items {
            if let Ok(Request::ProtocolVersion { version }) = item {
                protocol = vtest::negotiate(*version, false).expect("one client");
            }
        }
        let rest = &data[used..];
        if rest.len() >= HDR_BYTES {
            // A whole message would have been decoded: the tail must be cut short.
            let h = Header::parse(rest[..HDR_BYTES].try_into().expect("8 bytes"));
            let body = body_bytes(h, &LIMITS).expect("no error stopped the decoder");
            let need = HDR_BYTES + body;
            if rest.len() >= need {
                let r =
                    vtest::decode(h, &rest[HDR_BYTES..need], &LIMITS, protocol).expect("decodes");
                assert!(rest.len() < need + r.trailing_bytes(), "a whole message was left");
            }
        }
    }
    assert_eq!(vtest::decode_stream(data, &LIMITS), (items, used), "deterministic");
});
