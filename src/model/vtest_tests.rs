//! Unit tests of the vtest protocol module.

use super::*;

fn msg(cmd: u32, len: u32, body: &[u32]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(&cmd.to_le_bytes());
    for w in body {
        v.extend_from_slice(&w.to_le_bytes());
    }
    v
}

fn one(cmd: u32, len: u32, body: &[u32]) -> Result<Request> {
    let l = Limits::default();
    let h = Header { len, cmd };
    let bytes: Vec<u8> = body.iter().flat_map(|w| w.to_le_bytes()).collect();
    decode(h, &bytes, &l, 3)
}

#[test]
fn mesa_handshake_stream() {
    // CREATE_RENDERER "shader_runner\0", PING, BUSY_WAIT(0, 0), PROTOCOL_VERSION(3).
    let mut s = Vec::new();
    let name = b"shader_runner\0";
    s.extend_from_slice(&(name.len() as u32).to_le_bytes());
    s.extend_from_slice(&cmd::CREATE_RENDERER.to_le_bytes());
    s.extend_from_slice(name);
    s.extend(msg(cmd::PING_PROTOCOL_VERSION, 0, &[]));
    s.extend(msg(cmd::RESOURCE_BUSY_WAIT, 2, &[0, 0]));
    s.extend(msg(cmd::PROTOCOL_VERSION, 1, &[3]));
    s.extend(msg(cmd::GET_CAPS2, 0, &[]));
    s.extend(msg(cmd::GET_CAPS, 0, &[]));
    let (got, used) = decode_stream(&s, &Limits::default());
    assert_eq!(used, s.len());
    let got: Vec<_> = got.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        got,
        vec![
            Request::CreateRenderer { name: "shader_runner".into() },
            Request::PingProtocolVersion,
            Request::BusyWait { handle: 0, flags: 0 },
            Request::ProtocolVersion { version: 3 },
            Request::GetCaps2,
            Request::GetCaps,
        ]
    );
}

#[test]
fn fixed_bodies_ignore_the_length_field() {
    // Mesa's TRANSFER_PUT2 header counts (data_size + 3) / 4 dwords it never sends.
    let h = Header { len: 10 + 1000, cmd: cmd::TRANSFER_PUT2 };
    assert_eq!(body_bytes(h, &Limits::default()).unwrap(), 40);
    let r = one(cmd::TRANSFER_PUT2, 1010, &[5, 0, 1, 2, 0, 16, 8, 1, 4000, 64]).unwrap();
    assert_eq!(
        r,
        Request::TransferPut2(Transfer2 {
            handle: 5,
            level: 0,
            bx: RawBox { x: 1, y: 2, z: 0, w: 16, h: 8, d: 1 },
            data_size: 4000,
            offset: 64
        })
    );
    assert_eq!(r.trailing_bytes(), 0);
}

#[test]
fn resource_create2_and_legacy_transfer_put() {
    let r = one(cmd::RESOURCE_CREATE2, 11, &[0, 2, 1, 2, 64, 32, 1, 1, 0, 0, 8192]).unwrap();
    let Request::ResourceCreate2(c) = r else { panic!("{r:?}") };
    let a = c.args;
    assert_eq!((a.handle, a.target, a.width, a.height, c.data_size), (0, 2, 64, 32, 8192));
    let t = one(cmd::TRANSFER_PUT, 11 + 3, &[7, 0, 16, 0, 0, 0, 0, 4, 1, 1, 10]).unwrap();
    assert_eq!(t.trailing_bytes(), 10);
    // The stream skips exactly data_size bytes (not the rounded dwords).
    let mut s = msg(cmd::TRANSFER_PUT, 14, &[7, 0, 16, 0, 0, 0, 0, 4, 1, 1, 10]);
    s.extend_from_slice(&[0xaa; 10]);
    s.extend(msg(cmd::RESOURCE_UNREF, 1, &[7]));
    let (got, used) = decode_stream(&s, &Limits::default());
    assert_eq!((got.len(), used), (2, s.len()));
    assert_eq!(got[1].as_ref().unwrap(), &Request::ResourceUnref { handle: 7 });
}

#[test]
fn sizes_are_bounded_before_allocation() {
    let l = Limits { max_cmd_bytes: 1024, max_transfer_bytes: 4096 };
    assert!(body_bytes(Header { len: 256, cmd: cmd::SUBMIT_CMD }, &l).is_ok());
    assert!(body_bytes(Header { len: 257, cmd: cmd::SUBMIT_CMD }, &l).is_err());
    assert!(body_bytes(Header { len: u32::MAX, cmd: cmd::SUBMIT_CMD }, &l).is_err());
    assert!(body_bytes(Header { len: 2000, cmd: cmd::CREATE_RENDERER }, &l).is_err());
    let h = Header { len: 11, cmd: cmd::TRANSFER_PUT };
    let body: Vec<u8> =
        [1u32, 0, 0, 0, 0, 0, 0, 1, 1, 1, 4097].iter().flat_map(|w| w.to_le_bytes()).collect();
    assert!(decode(h, &body, &l, 3).is_err());
    assert!(body_bytes(Header { len: 0, cmd: 99 }, &l).is_err());
    assert!(body_bytes(Header { len: 0, cmd: 0 }, &l).is_err());
    // A body of the wrong size is refused.
    assert!(decode(Header { len: 1, cmd: cmd::RESOURCE_UNREF }, &[0; 3], &l, 3).is_err());
}

#[test]
fn sync_wait_and_submit_cmd2_layouts() {
    assert!(body_bytes(Header { len: 4, cmd: cmd::SYNC_WAIT }, &Limits::default()).is_err());
    assert!(body_bytes(Header { len: 1, cmd: cmd::SYNC_WAIT }, &Limits::default()).is_err());
    let r = one(cmd::SYNC_WAIT, 5, &[1, 100, 3, 7, 1]).unwrap();
    assert_eq!(r, Request::SyncWait { flags: 1, timeout_ms: 100, waits: vec![(3, (1 << 32) | 7)] });
    // One batch: commands at dwords 7..9, one sync triple at 9..12, ring 2.
    let body = [1, 1, 7, 2, 9, 1, 2, 0xaa, 0xbb, 4, 5, 0];
    let r = one(cmd::SUBMIT_CMD2, 12, &body).unwrap();
    let Request::SubmitCmd2 { batches, words } = r else { panic!() };
    assert_eq!(batches.len(), 1);
    assert_eq!(words[7..9], [0xaa, 0xbb]);
    // Ranges past the body, rings past 63, batch counts that overflow: refused.
    assert!(one(cmd::SUBMIT_CMD2, 7, &[1, 0, 5, 9, 0, 0, 0]).is_err());
    assert!(one(cmd::SUBMIT_CMD2, 7, &[1, 1, 0, 0, 0, 0, 64]).is_err());
    assert!(one(cmd::SUBMIT_CMD2, 2, &[u32::MAX, 0]).is_err());
    assert!(one(cmd::SUBMIT_CMD2, 7, &[1, 0, 0, 0, 5, 0xffff_ffff, 0]).is_err());
    // Work stays bounded by the body: ranges into the batch table, and batches that all
    // point at one region (N batches × R words for a body of 6N + R), are refused.
    assert!(one(cmd::SUBMIT_CMD2, 9, &[1, 0, 0, 3, 0, 0, 0, 0xaa, 0xbb]).is_err());
    assert!(one(cmd::SUBMIT_CMD2, 9, &[1, 0, 7, 2, 2, 1, 0, 0xaa, 0xbb]).is_err());
    let twice = [2, 0, 13, 2, 0, 0, 0, 0, 13, 2, 0, 0, 0, 0xaa, 0xbb];
    assert!(one(cmd::SUBMIT_CMD2, 15, &twice).is_err());
    let apart = [2, 0, 13, 1, 0, 0, 0, 0, 14, 1, 0, 0, 0, 0xaa, 0xbb];
    assert!(one(cmd::SUBMIT_CMD2, 15, &apart).is_ok());
    // A SYNC_WAIT lists at most MAX_SYNCS syncs (its length is checked before the body is
    // read).
    let h = |n: usize| Header { len: (2 + 3 * n) as u32, cmd: cmd::SYNC_WAIT };
    assert!(body_bytes(h(MAX_SYNCS), &Limits::default()).is_ok());
    assert!(body_bytes(h(MAX_SYNCS + 1), &Limits::default()).is_err());
}

#[test]
fn negotiation() {
    assert_eq!(negotiate(3, false).unwrap(), 3);
    // Up to upstream's 4 (Mesa 25's clients ask for 3 and keep 3).
    assert_eq!(negotiate(4, false).unwrap(), 4);
    assert_eq!(negotiate(5, true).unwrap(), 4);
    assert_eq!(SERVER_PROTOCOL_VERSION, 4);
    assert_eq!(negotiate(2, false).unwrap(), 2);
    assert_eq!(negotiate(1, false).unwrap(), 0);
    assert_eq!(negotiate(0, false).unwrap(), 0);
    assert!(negotiate(2, true).is_err());
    assert_eq!(negotiate(3, true).unwrap(), 3);
}

#[test]
fn replies() {
    assert_eq!(reply(cmd::PING_PROTOCOL_VERSION, &[]), msg(cmd::PING_PROTOCOL_VERSION, 0, &[]));
    assert_eq!(reply(cmd::RESOURCE_BUSY_WAIT, &[1]), msg(cmd::RESOURCE_BUSY_WAIT, 1, &[1]));
    let caps = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let r = reply_caps(2, &caps).unwrap();
    assert_eq!(&r[..8], &msg(2, 9, &[])[..]);
    assert_eq!(&r[8..], &caps);
    let r = reply_capset(Some(&caps)).unwrap();
    assert_eq!(&r[..12], &msg(cmd::GET_CAPSET, 3, &[1])[..]);
    assert_eq!(reply_capset(None).unwrap(), msg(cmd::GET_CAPSET, 1, &[0]));
    assert!(reply_capset(Some(&caps[..3])).is_err());
}

#[test]
fn truncated_and_garbage_streams_do_not_panic() {
    let l = Limits::default();
    assert_eq!(decode_stream(&[], &l), (vec![], 0));
    assert_eq!(decode_stream(&[1, 2, 3], &l), (vec![], 0));
    // A SUBMIT_CMD announcing more than is there: nothing decoded, no error.
    assert_eq!(decode_stream(&msg(cmd::SUBMIT_CMD, 4, &[1]), &l), (vec![], 0));
    // A legacy TRANSFER_PUT whose data is cut short: not returned.
    let s = msg(cmd::TRANSFER_PUT, 11, &[7, 0, 16, 0, 0, 0, 0, 4, 1, 1, 10]);
    assert_eq!(decode_stream(&s, &l), (vec![], 0));
    let mut x: u32 = 12345;
    for _ in 0..2000 {
        let mut s = Vec::new();
        for _ in 0..64 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s.extend_from_slice(&(x % 30).to_le_bytes());
        }
        // The fuzz target's oracles (fuzz/fuzz_targets/vtest_stream.rs), replayed here.
        let (items, used) = decode_stream(&s, &l);
        assert!(used <= s.len());
        let errors = items.iter().filter(|r| r.is_err()).count();
        assert!(errors <= 1);
        if errors == 1 {
            assert!(items.last().unwrap().is_err(), "the error is the last item");
        } else if s.len() - used >= HDR_BYTES {
            let h = Header::parse(s[used..used + HDR_BYTES].try_into().unwrap());
            let need = HDR_BYTES + body_bytes(h, &l).unwrap();
            // Cut short in its header and body, or (a legacy TRANSFER_PUT) in its data.
            let rest = s.len() - used;
            let mut protocol = 0;
            for r in &items {
                if let Ok(Request::ProtocolVersion { version }) = r {
                    protocol = negotiate(*version, false).unwrap();
                }
            }
            let data = if rest >= need {
                let body = &s[used + HDR_BYTES..used + need];
                decode(h, body, &l, protocol).unwrap().trailing_bytes()
            } else {
                0
            };
            assert!(rest < need + data, "a whole message was left undecoded");
        }
    }
}

#[test]
fn bodies_read_as_dwords_decode_alike() {
    let l = Limits::default();
    let h = Header { len: 3, cmd: cmd::SUBMIT_CMD };
    let w = vec![1u32, 2, 0xdead_beef];
    let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(decode_words(h, w.clone(), &l, 3).unwrap(), decode(h, &bytes, &l, 3).unwrap());
    // The dwords must be exactly the body; CREATE_RENDERER's body is bytes.
    assert!(decode_words(h, vec![1, 2], &l, 3).is_err());
    assert!(decode_words(Header { len: 4, cmd: cmd::CREATE_RENDERER }, vec![0], &l, 3).is_err());
    // Fixed bodies by their fixed size, whatever the length field says.
    let unref = Header { len: 99, cmd: cmd::RESOURCE_UNREF };
    assert_eq!(decode_words(unref, vec![5], &l, 3).unwrap(), Request::ResourceUnref { handle: 5 });
}

fn v(cmd: u32, len: u32, body: &[u32], protocol: u32) -> Result<Request> {
    let h = Header { len, cmd };
    let bytes: Vec<u8> = body.iter().flat_map(|w| w.to_le_bytes()).collect();
    decode(h, &bytes, &Limits::default(), protocol)
}

#[test]
fn protocol_4_export_fd_and_drm_sync() {
    // RESOURCE_EXPORT_FD: one dword, protocol 4 only (a protocol 3 client is refused, as
    // before 4 was served).
    let e = Header { len: 1, cmd: cmd::RESOURCE_EXPORT_FD };
    assert_eq!(body_bytes(e, &Limits::default()).unwrap(), 4);
    assert_eq!(v(38, 1, &[9], 4).unwrap(), Request::ResourceExportFd { handle: 9 });
    assert!(v(38, 1, &[9], 3).unwrap_err().msg.contains("needs protocol 4"));
    // DRM_SYNC_* (25..=37): refused before any body is read, at every version.
    for c in cmd::DRM_SYNC_CREATE..=cmd::DRM_SYNC_TRANSFER {
        let err = body_bytes(Header { len: 4, cmd: c }, &Limits::default()).unwrap_err();
        assert_eq!(err.errno, libc::EINVAL);
        assert!(err.msg.starts_with("DRM_SYNC_") && err.msg.contains("native DRM"), "{}", err.msg);
    }
    assert!(body_bytes(Header { len: 0, cmd: 39 }, &Limits::default()).is_err());
    // The stream decoder follows the negotiation: 38 after PROTOCOL_VERSION(4) decodes.
    let mut s = msg(cmd::PROTOCOL_VERSION, 1, &[4]);
    s.extend(msg(cmd::RESOURCE_EXPORT_FD, 1, &[5]));
    let (got, used) = decode_stream(&s, &Limits::default());
    assert_eq!(used, s.len());
    assert_eq!(got[1].as_ref().unwrap(), &Request::ResourceExportFd { handle: 5 });
    let mut s = msg(cmd::PROTOCOL_VERSION, 1, &[3]);
    s.extend(msg(cmd::RESOURCE_EXPORT_FD, 1, &[5]));
    assert!(decode_stream(&s, &Limits::default()).0[1].is_err());
}

#[test]
fn protocol_4_submit_cmd2_batches_are_eight_dwords() {
    // One v4 batch: flags RING_IDX, commands at 9..11, one sync triple at 11..14, ring 2,
    // no DRM syncobjs.
    let body = [1, 1, 9, 2, 11, 1, 2, 0, 0, 0xaa, 0xbb, 4, 5, 0];
    let Request::SubmitCmd2 { batches, words } = v(24, 14, &body, 4).unwrap() else { panic!() };
    assert_eq!(batches.len(), 1);
    let b = batches[0];
    assert_eq!(
        (b.cmd_offset, b.cmd_size, b.sync_offset, b.sync_count, b.ring_idx),
        (9, 2, 11, 1, 2)
    );
    assert_eq!(words[9..11], [0xaa, 0xbb]);
    // Read with protocol 3's six dwords the same body is another request: its ranges
    // (commands at 9) are checked all the same.
    assert!(v(24, 14, &body, 3).is_ok());
    // Two v4 batches: the second one's table entry starts at dword 9.
    let two = [2, 1, 17, 1, 0, 0, 0, 0, 0, 1, 18, 1, 0, 0, 5, 0, 0, 0xaa, 0xbb];
    let Request::SubmitCmd2 { batches, .. } = v(24, 19, &two, 4).unwrap() else { panic!() };
    assert_eq!((batches[1].cmd_offset, batches[1].ring_idx), (18, 5));
    // A table that does not fit: 1 + 8 dwords needed.
    assert!(v(24, 8, &[1, 0, 0, 0, 0, 0, 0, 0], 4).is_err());
    // DRM syncobjs in or out and fence-fd flags: refused (nothing read for them).
    let mut in_sync = body;
    in_sync[7] = 1;
    assert!(v(24, 14, &in_sync, 4).unwrap_err().msg.contains("DRM syncobjs"));
    let mut out_sync = body;
    out_sync[8] = 2;
    assert!(v(24, 14, &out_sync, 4).unwrap_err().msg.contains("DRM syncobjs"));
    for f in [SUBMIT_CMD2_FLAG_IN_FENCE_FD, SUBMIT_CMD2_FLAG_OUT_FENCE_FD] {
        let mut fenced = body;
        fenced[1] |= f;
        assert!(v(24, 14, &fenced, 4).unwrap_err().msg.contains("fence"));
    }
    let mut unknown = body;
    unknown[1] |= 1 << 3;
    assert!(v(24, 14, &unknown, 4).unwrap_err().msg.contains("unknown flags"));
}
