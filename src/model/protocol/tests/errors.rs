use super::*;

// ---- error paths --------------------------------------------------------------------------

#[test]
fn unknown_command_and_truncation() {
    for cmd in [ccmd::COUNT, 63, 100, 255] {
        let e = err(&[hdr(cmd, 0, 0)]);
        assert_eq!(
            (e.kind, e.errno, e.cmd, e.offset),
            (ErrorKind::UnknownCommand, libc::EINVAL, cmd, 0)
        );
        // The command number is checked before the length.
        let e = err(&[hdr(cmd, 0, 50)]);
        assert_eq!(e.kind, ErrorKind::UnknownCommand);
    }
    // Length past the end of the buffer.
    let mut words = encode(&Command::Nop);
    words.extend([hdr(ccmd::SET_SAMPLE_MASK, 0, 3), 1]);
    let mut it = decode(&words);
    assert_eq!(it.next().unwrap().unwrap(), Command::Nop);
    let e = it.next().unwrap().unwrap_err();
    assert_eq!((e.kind, e.offset, e.recorded_ctx_error()), (ErrorKind::Truncated, 1, 7));
    assert!(it.next().is_none(), "fused after an error");
    // Commands after a bad one are not decoded.
    let mut words = vec![hdr(ccmd::SET_SAMPLE_MASK, 0, 2), 1, 2];
    words.extend(encode(&Command::Nop));
    let mut it = decode(&words);
    assert_eq!(it.next().unwrap().unwrap_err().kind, ErrorKind::Invalid);
    assert!(it.next().is_none());
}

/// Every fixed-size command one dword short and one dword long.
#[test]
fn wrong_fixed_lengths() {
    let fixed: &[(u8, u8, usize)] = &[
        (ccmd::BIND_OBJECT, object::BLEND, 1),
        (ccmd::DESTROY_OBJECT, 0, 1),
        (ccmd::BIND_SHADER, 0, 2),
        (ccmd::SET_UNIFORM_BUFFER, 0, 5),
        (ccmd::SET_BLEND_COLOR, 0, 4),
        (ccmd::SET_STENCIL_REF, 0, 1),
        (ccmd::SET_SAMPLE_MASK, 0, 1),
        (ccmd::SET_MIN_SAMPLES, 0, 1),
        (ccmd::SET_TESS_STATE, 0, 6),
        (ccmd::SET_CLIP_STATE, 0, 32),
        (ccmd::SET_POLYGON_STIPPLE, 0, 32),
        (ccmd::CLEAR, 0, 8),
        (ccmd::CLEAR_TEXTURE, 0, 12),
        (ccmd::CLEAR_SURFACE, 0, 10),
        (ccmd::BLIT, 0, 21),
        (ccmd::RESOURCE_COPY_REGION, 0, 13),
        (ccmd::COPY_TRANSFER3D, 0, 14),
        (ccmd::CREATE_SUB_CTX, 0, 1),
        (ccmd::SET_SUB_CTX, 0, 1),
        (ccmd::DESTROY_SUB_CTX, 0, 1),
        (ccmd::BEGIN_QUERY, 0, 1),
        (ccmd::END_QUERY, 0, 1),
        (ccmd::GET_QUERY_RESULT, 0, 2),
        (ccmd::GET_QUERY_RESULT_QBO, 0, 6),
        (ccmd::SET_RENDER_CONDITION, 0, 3),
        (ccmd::PIPE_RESOURCE_CREATE, 0, 11),
        (ccmd::LINK_SHADER, 0, 6),
        (ccmd::MEMORY_BARRIER, 0, 1),
        (ccmd::TEXTURE_BARRIER, 0, 1),
        (ccmd::GET_MEMORY_INFO, 0, 1),
        (ccmd::CREATE_OBJECT, object::BLEND, 11),
        (ccmd::CREATE_OBJECT, object::RASTERIZER, 9),
        (ccmd::CREATE_OBJECT, object::DSA, 5),
        (ccmd::CREATE_OBJECT, object::SAMPLER_VIEW, 6),
        (ccmd::CREATE_OBJECT, object::SAMPLER_STATE, 9),
        (ccmd::CREATE_OBJECT, object::SURFACE, 5),
        (ccmd::CREATE_OBJECT, object::MSAA_SURFACE, 6),
        (ccmd::CREATE_OBJECT, object::QUERY, 4),
        (ccmd::CREATE_OBJECT, object::STREAMOUT_TARGET, 4),
    ];
    for &(cmd, obj, n) in fixed {
        // A valid-looking payload: handle 1, sampler-view format 1, rest 0.
        let payload = |len: usize| {
            let mut p = vec![0u32; len];
            if let Some(h) = p.first_mut() {
                *h = 1;
            }
            if obj == object::SAMPLER_VIEW && len > 2 {
                p[2] = 1;
            }
            if cmd == ccmd::TRANSFER3D && len > 12 {
                p[12] = 1;
            }
            p
        };
        let ok = with_header(cmd, obj, payload(n));
        decode_one(&ok).unwrap_or_else(|e| panic!("{} exact: {e}", command_name(cmd)));
        for len in [n - 1, n + 1] {
            let e = err(&with_header(cmd, obj, payload(len)));
            assert_eq!((e.kind, e.errno), (ErrorKind::Invalid, libc::EINVAL), "{e}");
            assert!(e.msg.contains("payload dwords"), "{e}");
            assert_eq!(e.ctx_error, ctx_error::ILLEGAL_CMD_BUFFER);
        }
    }
}

/// Minimum lengths: one dword short fails, the minimum and more decode.
#[test]
fn minimum_lengths() {
    let mins: &[(u8, usize)] = &[
        (ccmd::SET_CONSTANT_BUFFER, 2),
        (ccmd::SET_SAMPLER_VIEWS, 2),
        (ccmd::BIND_SAMPLER_STATES, 2),
        (ccmd::SET_FRAMEBUFFER_STATE, 2),
        (ccmd::RESOURCE_INLINE_WRITE, 12),
        (ccmd::TRANSFER3D, 13),
        (ccmd::SET_STREAMOUT_TARGETS, 1),
        (ccmd::SET_TWEAKS, 2),
        (ccmd::SET_DEBUG_FLAGS, 2),
        (ccmd::SEND_STRING_MARKER, 2),
        (ccmd::SET_VIEWPORT_STATE, 1),
        (ccmd::SET_SCISSOR_STATE, 1),
    ];
    for &(cmd, n) in mins {
        let mk = |len: usize| {
            let mut p = vec![0u32; len];
            if cmd == ccmd::TRANSFER3D && len > 12 {
                p[12] = TRANSFER_FROM_HOST;
            }
            with_header(cmd, 0, p)
        };
        let e = err(&mk(n - 1));
        assert!(e.msg.contains("payload dwords"), "{e}");
        decode_one(&mk(n)).unwrap_or_else(|e| panic!("{} min: {e}", command_name(cmd)));
    }
    // Commands whose extra words are ignored upstream.
    for cmd in [ccmd::TRANSFER3D, ccmd::SET_TWEAKS] {
        let mut p = vec![0u32; if cmd == ccmd::TRANSFER3D { 15 } else { 4 }];
        if cmd == ccmd::TRANSFER3D {
            p[12] = TRANSFER_TO_HOST;
        }
        decode_one(&with_header(cmd, 0, p)).unwrap();
    }
    // CREATE_OBJECT needs a handle; SHADER needs 5 words; VERTEX_ELEMENTS needs 1.
    inval_with(&[hdr(ccmd::CREATE_OBJECT, object::BLEND, 0)], "payload dwords");
    inval_with(
        &with_header(ccmd::CREATE_OBJECT, object::SHADER, vec![1, 0, 0, 0]),
        "payload dwords",
    );
    decode_one(&with_header(ccmd::CREATE_OBJECT, object::SHADER, vec![1, 0, 0, 0, 0])).unwrap();
    inval_with(&[hdr(ccmd::CREATE_OBJECT, object::VERTEX_ELEMENTS, 0)], "payload dwords");
}

#[test]
fn variable_lengths_must_fit_their_units() {
    inval_with(&with_header(ccmd::SET_VIEWPORT_STATE, 0, vec![0; 1 + 6 + 1]), "not 1 + 6n");
    inval_with(&with_header(ccmd::SET_SCISSOR_STATE, 0, vec![0; 1 + 3]), "not 1 + 2n");
    inval_with(&with_header(ccmd::SET_VERTEX_BUFFERS, 0, vec![0; 4]), "multiple of 3");
    inval_with(&with_header(ccmd::CREATE_OBJECT, object::VERTEX_ELEMENTS, vec![1, 0, 0]), "1 + 4n");
    for n in [0, 2, 4] {
        inval_with(&with_header(ccmd::SET_INDEX_BUFFER, 0, vec![0; n]), "want 1 or 3");
    }
    for n in [11, 13, 15, 19, 21] {
        inval_with(&with_header(ccmd::DRAW_VBO, 0, vec![0; n]), "want 12, 14 or 20");
    }
    // Framebuffer: length must be 2 + nr_cbufs.
    inval_with(&with_header(ccmd::SET_FRAMEBUFFER_STATE, 0, vec![2, 0, 1]), "payload dwords");
    inval_with(&with_header(ccmd::SET_FRAMEBUFFER_STATE, 0, vec![0, 0, 1]), "payload dwords");
    inval_with(&with_header(ccmd::SET_FRAMEBUFFER_STATE, 0, vec![u32::MAX, 0]), "colour buffers");
    // Stream outputs need their header words.
    let shader = |nso: u32, extra: usize| {
        let mut p = vec![1, shader::VERTEX, 0, 0, nso];
        p.extend(vec![0; extra]);
        with_header(ccmd::CREATE_OBJECT, object::SHADER, p)
    };
    inval_with(&shader(1, 5), "stream outputs");
    decode_one(&shader(1, 6)).unwrap();
    inval_with(&shader(64, 4 + 127), "stream outputs");
    decode_one(&shader(64, 4 + 128)).unwrap();
    // String marker length bounded by the sent words.
    inval_with(&with_header(ccmd::SEND_STRING_MARKER, 0, vec![5, 0]), "claimed");
    inval_with(&with_header(ccmd::SEND_STRING_MARKER, 0, vec![u32::MAX, 0]), "claimed");
    // PIPE_RESOURCE_SET_TYPE: 8 + 2 per plane, 1 to 4 planes (upstream's EINVAL cases).
    for n in [0, 7, 8, 9, 11, 17, 18, 20] {
        inval_with(&with_header(ccmd::PIPE_RESOURCE_SET_TYPE, 0, vec![0; n]), "SET_TYPE");
    }
    for planes in 1..=4 {
        let words = with_header(ccmd::PIPE_RESOURCE_SET_TYPE, 0, vec![0; 8 + 2 * planes]);
        let c = decode_one(&words);
        assert!(
            matches!(c, Ok(Command::PipeResourceSetType(t)) if usize::from(t.plane_count) == planes)
        );
    }
}

#[test]
fn too_many_elements() {
    // 17 viewports / scissors (3D.md §3: EINVAL).
    inval_with(&with_header(ccmd::SET_VIEWPORT_STATE, 0, vec![0; 1 + 6 * 17]), "17 viewports");
    inval_with(&with_header(ccmd::SET_SCISSOR_STATE, 0, vec![0; 1 + 2 * 17]), "17 scissors");
    // Slots past 16.
    inval_with(&with_header(ccmd::SET_VIEWPORT_STATE, 0, [vec![16], vec![0; 6]].concat()), "slots");
    inval_with(
        &with_header(ccmd::SET_VIEWPORT_STATE, 0, [vec![u32::MAX], vec![0; 6]].concat()),
        "slots",
    );
    inval_with(&with_header(ccmd::SET_SCISSOR_STATE, 0, vec![16]), "start slot");
    inval_with(&with_header(ccmd::SET_SCISSOR_STATE, 0, [vec![15], vec![0; 4]].concat()), "slots");
    // 33 vertex elements; a vertex buffer index of 32.
    let mut ve = vec![1];
    ve.extend(vec![0; 4 * 33]);
    inval_with(&with_header(ccmd::CREATE_OBJECT, object::VERTEX_ELEMENTS, ve), "33 elements");
    inval_with(
        &with_header(ccmd::CREATE_OBJECT, object::VERTEX_ELEMENTS, vec![1, 0, 0, 32, 0]),
        "vertex buffer index 32",
    );
    inval_with(&with_header(ccmd::SET_VERTEX_BUFFERS, 0, vec![0; 3 * 33]), "33 buffers");
    // Sampler views (128 per stage) and sampler states (32 per stage).
    let views = |start: u32, n: usize| {
        with_header(ccmd::SET_SAMPLER_VIEWS, 0, [vec![1, start], vec![0; n]].concat())
    };
    inval_with(&views(0, 129), "slots");
    inval_with(&views(127, 2), "slots");
    inval_with(&views(u32::MAX, 1), "slots");
    decode_one(&views(128, 0)).unwrap();
    let states = |start: u32, n: usize| {
        with_header(ccmd::BIND_SAMPLER_STATES, 0, [vec![1, start], vec![0; n]].concat())
    };
    inval_with(&states(0, 33), "slots");
    inval_with(&states(31, 2), "slots");
    decode_one(&states(31, 1)).unwrap();
    // Framebuffer colour buffers (8), streamout targets (16), stream outputs (64), UBO index.
    inval_with(
        &with_header(ccmd::SET_FRAMEBUFFER_STATE, 0, [vec![9, 0], vec![0; 9]].concat()),
        "9 colour buffers",
    );
    inval_with(&with_header(ccmd::SET_STREAMOUT_TARGETS, 0, vec![0; 18]), "17 targets");
    let mut sh = vec![1, shader::VERTEX, 0, 0, 65];
    sh.extend(vec![0; 4 + 130]);
    inval_with(&with_header(ccmd::CREATE_OBJECT, object::SHADER, sh), "65 stream outputs");
    inval_with(&with_header(ccmd::SET_UNIFORM_BUFFER, 0, vec![0, 32, 0, 0, 0]), "index 32");
}

#[test]
fn bad_shader_types() {
    for t in [6, 7, u32::MAX] {
        let mut sh = vec![1, t, 0, 0, 0];
        sh.push(0);
        inval_with(&with_header(ccmd::CREATE_OBJECT, object::SHADER, sh), "shader type");
        inval_with(&with_header(ccmd::SET_CONSTANT_BUFFER, 0, vec![t, 0]), "shader type");
        inval_with(&with_header(ccmd::SET_UNIFORM_BUFFER, 0, vec![t, 0, 0, 0, 0]), "shader type");
        inval_with(&with_header(ccmd::SET_SAMPLER_VIEWS, 0, vec![t, 0]), "shader type");
        inval_with(&with_header(ccmd::BIND_SAMPLER_STATES, 0, vec![t, 0]), "shader type");
        // BIND_SHADER with a bad stage is ignored upstream, not an error.
        assert_eq!(
            decode_one(&with_header(ccmd::BIND_SHADER, 0, vec![1, t])).unwrap(),
            Command::BindShader { handle: 1, shader_type: None }
        );
    }
}

#[test]
fn object_specific_errors() {
    // Handle 0 for a new object; unknown object types.
    inval_with(&with_header(ccmd::CREATE_OBJECT, object::SURFACE, vec![0, 1, 1, 0, 0]), "handle 0");
    for t in [object::NULL, object::COUNT, 255] {
        inval_with(&with_header(ccmd::CREATE_OBJECT, t, vec![1]), "object type");
    }
    for t in [object::NULL, object::SHADER, object::SURFACE, object::SAMPLER_VIEW, 99] {
        inval_with(&with_header(ccmd::BIND_OBJECT, t, vec![1]), "cannot be bound");
    }
    // Sampler view: format NONE, format past the table, target past cube array, layers.
    let sv = |fmt: u32, val0: u32| {
        with_header(ccmd::CREATE_OBJECT, object::SAMPLER_VIEW, vec![1, 2, fmt, val0, 0, 0])
    };
    let e = inval_with(&sv(0, 0), "format 0");
    assert_eq!(e.ctx_error, ctx_error::ILLEGAL_FORMAT);
    assert_eq!(e.recorded_ctx_error(), ctx_error::ILLEGAL_CMD_BUFFER);
    let e = inval_with(&sv(2 << 24, 0), "format 0");
    assert_eq!(e.ctx_error, ctx_error::ILLEGAL_FORMAT);
    inval_with(&sv(limits::FORMAT_MAX, 0), "format 481");
    let e = inval_with(&sv(67 | (9 << 24), 0), "target 9");
    assert_eq!(e.ctx_error, ctx_error::ILLEGAL_SAMPLER_VIEW_TARGET);
    inval_with(&sv(67 | (2 << 24), 5 | (4 << 16)), "first layer 5 > last layer 4");
    decode_one(&sv(67 | (2 << 24), 4 | (4 << 16))).unwrap();
    // Target 0 (buffer, or older guests): val0 is not a layer pair here.
    decode_one(&sv(67, 5 | (4 << 16))).unwrap();
    // Surface: format past the table; layers out of order.
    let surf = |fmt: u32, val1: u32| {
        with_header(ccmd::CREATE_OBJECT, object::SURFACE, vec![1, 2, fmt, 0, val1])
    };
    let e = inval_with(&surf(limits::FORMAT_MAX, 0), "format");
    assert_eq!(e.ctx_error, ctx_error::ILLEGAL_FORMAT);
    inval_with(&surf(1, 2 | (1 << 16)), "first layer 2 > last layer 1");
    decode_one(&surf(0, 0)).unwrap();
    // Sampler state: mip filter 3 does not exist.
    inval_with(
        &with_header(
            ccmd::CREATE_OBJECT,
            object::SAMPLER_STATE,
            [vec![1, 3 << 11], vec![0; 7]].concat(),
        ),
        "mip filter 3",
    );
    // TRANSFER3D direction.
    for d in [0, 3, u32::MAX] {
        let mut p = vec![0; 13];
        p[12] = d;
        inval_with(&with_header(ccmd::TRANSFER3D, 0, p), "direction");
    }
}

// ---- random streams -------------------------------------------------------------------------

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
}

/// Random words biased toward plausible headers: the decoder must never panic, must stop at
/// its first error, and must only hand out payloads inside the buffer.
#[test]
fn random_streams_never_panic() {
    let mut rng = Lcg(0x5eed);
    let mut decoded = 0usize;
    for round in 0..20_000 {
        let n = (rng.next() % 64) as usize;
        let mut words = Vec::with_capacity(n);
        while words.len() < n {
            let r = rng.next();
            let w = match r % 4 {
                // A header with a known command and a short length.
                0 => {
                    let cmd = rng.next() % u32::from(ccmd::COUNT + 2);
                    let obj = rng.next() % u32::from(object::COUNT + 1);
                    let len = rng.next() % 24;
                    cmd | (obj << 8) | (len << 16)
                }
                1 => rng.next() % 40,
                2 => rng.next(),
                _ => u32::MAX - rng.next() % 4,
            };
            words.push(w);
        }
        let mut errors = 0;
        for item in decode(&words) {
            match item {
                Ok(_) => decoded += 1,
                Err(e) => {
                    errors += 1;
                    assert_eq!(e.errno, libc::EINVAL);
                    assert!(e.offset < words.len(), "round {round}: {e}");
                }
            }
        }
        assert!(errors <= 1, "round {round}: decoding went on after an error");
    }
    assert!(decoded > 1000, "the generator should produce valid commands too ({decoded})");
}

/// Every command byte and object type with every payload length up to 40 of random words.
#[test]
fn exhaustive_headers_short_payloads() {
    let mut rng = Lcg(42);
    for cmd in 0..=255u32 {
        for obj in 0..=u32::from(object::COUNT) {
            for len in 0..40u32 {
                let mut words = vec![cmd | (obj << 8) | (len << 16)];
                words.extend((0..len).map(|_| {
                    if rng.next() % 2 == 0 {
                        rng.next() % 8
                    } else {
                        rng.next()
                    }
                }));
                let r = decode(&words).next().unwrap();
                if cmd >= u32::from(ccmd::COUNT) {
                    assert_eq!(r.unwrap_err().kind, ErrorKind::UnknownCommand);
                }
            }
        }
    }
}

// ---- layering and shared facts --------------------------------------------------------------

/// The module stays pure: its code names no crate module but `crate::error`.
#[test]
fn imports_only_crate_error() {
    let files = [
        ("mod.rs", include_str!("../mod.rs")),
        ("parse.rs", include_str!("../parse.rs")),
        ("types.rs", include_str!("../types.rs")),
        ("consts.rs", include_str!("../consts.rs")),
    ];
    for (name, src) in files {
        for line in
            src.lines().filter(|l| l.contains("crate::") && !l.trim_start().starts_with("//"))
        {
            let rest = line.split("crate::").skip(1);
            for r in rest {
                assert!(r.starts_with("error"), "{name}: {line}");
            }
        }
    }
}

/// The format count is kept equal to the format table's (this module may not import it).
#[test]
fn format_max_matches_the_format_table() {
    assert_eq!(limits::FORMAT_MAX, crate::model::format::VIRGL_FORMAT_MAX);
}
