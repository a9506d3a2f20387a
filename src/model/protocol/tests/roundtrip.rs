use super::*;

// ---- encode → decode, one per command -----------------------------------------------

fn sample_rasterizer() -> Rasterizer {
    Rasterizer {
        flatshade: true,
        depth_clip: true,
        rasterizer_discard: false,
        flatshade_first: true,
        sprite_coord_mode: true,
        cull_face: 3,
        fill_front: 1,
        fill_back: 2,
        scissor: true,
        front_ccw: true,
        clamp_fragment_color: true,
        offset_point: true,
        poly_stipple_enable: true,
        point_size_per_vertex: true,
        line_stipple_enable: true,
        half_pixel_center: true,
        force_persample_interp: true,
        point_size: 3.5,
        sprite_coord_enable: 0x8000_0001,
        line_stipple_pattern: 0xf0f0,
        line_stipple_factor: 7,
        clip_plane_enable: 0xa5,
        line_width: 1.25,
        offset_units: -2.0,
        offset_scale: 0.5,
        offset_clamp: 10.0,
        ..Default::default()
    }
}

#[test]
fn roundtrip_state_objects() {
    let mut blend = Blend {
        independent_blend_enable: true,
        dither: true,
        alpha_to_one: true,
        logicop_func: 0xc,
        ..Default::default()
    };
    for (i, rt) in blend.rt.iter_mut().enumerate() {
        let i = i as u8;
        *rt = RtBlend {
            blend_enable: i % 2 == 0,
            rgb_func: i % 5,
            rgb_src_factor: 0x11 + i,
            rgb_dst_factor: 0x1f - i,
            alpha_func: 4 - i % 5,
            alpha_src_factor: i,
            alpha_dst_factor: 0x10 | i,
            colormask: 0xf - i,
        };
    }
    roundtrip(Command::CreateObject { handle: 7, object: Object::Blend(blend) });
    roundtrip(Command::CreateObject { handle: 8, object: Object::Rasterizer(sample_rasterizer()) });
    let all = Rasterizer {
        clip_halfz: true,
        light_twoside: true,
        point_quad_rasterization: true,
        clamp_vertex_color: true,
        offset_line: true,
        offset_tri: true,
        poly_smooth: true,
        point_smooth: true,
        multisample: true,
        line_smooth: true,
        line_last_pixel: true,
        bottom_edge_rule: true,
        ..Default::default()
    };
    roundtrip(Command::CreateObject { handle: 9, object: Object::Rasterizer(all) });
    let dsa = Dsa {
        depth_enabled: true,
        depth_writemask: true,
        depth_func: 5,
        alpha_enabled: true,
        alpha_func: 6,
        stencil: [
            StencilState {
                enabled: true,
                func: 7,
                fail_op: 1,
                zpass_op: 2,
                zfail_op: 3,
                valuemask: 0xab,
                writemask: 0xcd,
            },
            StencilState { enabled: false, func: 2, writemask: 0xff, ..Default::default() },
        ],
        alpha_ref: 0.75,
    };
    roundtrip(Command::CreateObject { handle: 10, object: Object::Dsa(dsa) });
    let ss = SamplerState {
        wrap_s: 7,
        wrap_t: 2,
        wrap_r: 5,
        min_img_filter: 1,
        min_mip_filter: MIPFILTER_NONE,
        mag_img_filter: 1,
        compare_mode: true,
        compare_func: 3,
        seamless_cube_map: true,
        max_anisotropy: 16,
        lod_bias: -1.5,
        min_lod: 0.0,
        max_lod: 1000.0,
        border_color: [1, 2, 3, 0xffff_ffff],
    };
    roundtrip(Command::CreateObject { handle: 11, object: Object::SamplerState(ss) });
}

#[test]
fn roundtrip_resource_objects() {
    let ves = vec![
        VertexElement {
            src_offset: 0,
            instance_divisor: 0,
            vertex_buffer_index: 0,
            src_format: 31,
        },
        VertexElement {
            src_offset: 16,
            instance_divisor: 2,
            vertex_buffer_index: 31,
            src_format: 67,
        },
    ];
    roundtrip(Command::CreateObject { handle: 1, object: Object::VertexElements(ves) });
    roundtrip(Command::CreateObject { handle: 1, object: Object::VertexElements(vec![]) });
    let max = vec![VertexElement::default(); 32];
    roundtrip(Command::CreateObject { handle: 1, object: Object::VertexElements(max) });
    let view = SamplerView {
        res_handle: 5,
        format: 67,
        target: 2,
        val0: 3 | (4 << 16),
        val1: 1 | (6 << 8),
        swizzle: [0, 1, 4, 5],
    };
    roundtrip(Command::CreateObject { handle: 2, object: Object::SamplerView(view) });
    let buf_view = SamplerView { target: 0, val0: 100, val1: 7, ..view };
    roundtrip(Command::CreateObject { handle: 2, object: Object::SamplerView(buf_view) });
    let s = Surface { res_handle: 9, format: 1, val0: 2, val1: 3 | (5 << 16), nr_samples: 0 };
    roundtrip(Command::CreateObject { handle: 3, object: Object::Surface(s) });
    let ms = Surface { nr_samples: 4, ..s };
    roundtrip(Command::CreateObject { handle: 3, object: Object::MsaaSurface(ms) });
    let q = Query { query_type: 0, index: 3, offset: 64, res_handle: 12 };
    roundtrip(Command::CreateObject { handle: 4, object: Object::Query(q) });
    let t = StreamoutTarget { res_handle: 13, buffer_offset: 256, buffer_size: 4096 };
    roundtrip(Command::CreateObject { handle: 5, object: Object::StreamoutTarget(t) });
}

#[test]
fn roundtrip_shaders() {
    let text: Vec<u32> = b"VERT\nDCL IN[0]\nEND\n\0"
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect();
    let plain = Shader {
        shader_type: ShaderType::Vertex,
        chunk: ShaderChunk::First { total_len: 21 },
        num_tokens: 300,
        req_local_mem: 0,
        stream_output: None,
        text: &text,
    };
    roundtrip(Command::CreateObject { handle: 1, object: Object::Shader(plain.clone()) });
    assert_eq!(&plain.text_bytes()[..5], b"VERT\n");
    let cont = Shader {
        shader_type: ShaderType::Fragment,
        chunk: ShaderChunk::Continuation { offset: 4096 },
        ..plain.clone()
    };
    roundtrip(Command::CreateObject { handle: 1, object: Object::Shader(cont) });
    let so = StreamOutput {
        stride: [4, 8, 0, 16],
        outputs: vec![
            StreamOutputEntry {
                register_index: 200,
                start_component: 3,
                num_components: 4,
                output_buffer: 7,
                dst_offset: 0xfffe,
                stream: 3,
            },
            StreamOutputEntry { register_index: 1, num_components: 2, ..Default::default() },
        ],
    };
    let with_so =
        Shader { shader_type: ShaderType::Geometry, stream_output: Some(so), ..plain.clone() };
    roundtrip(Command::CreateObject { handle: 1, object: Object::Shader(with_so) });
    let max_so = StreamOutput { stride: [0; 4], outputs: vec![Default::default(); 64] };
    let many = Shader { stream_output: Some(max_so), text: &[], ..plain.clone() };
    roundtrip(Command::CreateObject { handle: 1, object: Object::Shader(many) });
    let compute =
        Shader { shader_type: ShaderType::Compute, req_local_mem: 1 << 30, ..plain.clone() };
    roundtrip(Command::CreateObject { handle: 1, object: Object::Shader(compute) });
    // A compute shader's 5th word is never a stream-output count.
    let mut words = encode(&Command::CreateObject { handle: 1, object: Object::Shader(plain) });
    words[2] = shader::COMPUTE;
    words[5] = 1000;
    match decode_one(&words).unwrap() {
        Command::CreateObject { object: Object::Shader(s), .. } => {
            assert_eq!((s.req_local_mem, s.stream_output), (1000, None));
            assert_eq!(s.text, &text[..]);
        }
        c => panic!("{c:?}"),
    }
}

#[test]
fn roundtrip_binding_and_state_commands() {
    use Command as C;
    roundtrip(C::Nop);
    for obj_type in [
        BindableObject::Blend,
        BindableObject::Dsa,
        BindableObject::Rasterizer,
        BindableObject::VertexElements,
    ] {
        roundtrip(C::BindObject { obj_type, handle: 42 });
    }
    roundtrip(C::DestroyObject { obj_type: object::SAMPLER_VIEW, handle: 3 });
    roundtrip(C::DestroyObject { obj_type: 200, handle: 3 });
    roundtrip(C::BindShader { handle: 4, shader_type: Some(ShaderType::TessEval) });
    roundtrip(C::BindShader { handle: 4, shader_type: None });
    let vp = Viewport { scale: [1.0, -2.0, 0.5], translate: [3.0, 4.0, 0.5] };
    roundtrip(C::SetViewportState { start_slot: 0, viewports: vec![vp] });
    roundtrip(C::SetViewportState { start_slot: 0, viewports: vec![vp; 16] });
    roundtrip(C::SetViewportState { start_slot: 15, viewports: vec![vp] });
    roundtrip(C::SetViewportState { start_slot: 16, viewports: vec![] });
    let sc = Scissor { minx: 1, miny: 2, maxx: 0xffff, maxy: 300 };
    roundtrip(C::SetScissorState { start_slot: 3, scissors: vec![sc, sc] });
    roundtrip(C::SetScissorState { start_slot: 0, scissors: vec![sc; 16] });
    let vb = VertexBuffer { stride: 12, offset: 4, res_handle: 9 };
    roundtrip(C::SetVertexBuffers(vec![vb, vb]));
    roundtrip(C::SetVertexBuffers(vec![]));
    roundtrip(C::SetVertexBuffers(vec![vb; 32]));
    roundtrip(C::SetIndexBuffer(IndexBuffer { res_handle: 3, index_size: 2, offset: 8 }));
    roundtrip(C::SetIndexBuffer(IndexBuffer { res_handle: 0, index_size: 0, offset: 0 }));
    let consts = [fb(1.0), fb(2.0), fb(-3.0)];
    roundtrip(C::SetConstantBuffer { shader_type: ShaderType::Fragment, index: 0, data: &consts });
    roundtrip(C::SetConstantBuffer { shader_type: ShaderType::Compute, index: 1, data: &[] });
    roundtrip(C::SetUniformBuffer {
        shader_type: ShaderType::Vertex,
        index: 31,
        offset: 256,
        length: 1024,
        res_handle: 77,
    });
    let handles = [1, 0, 3];
    roundtrip(C::SetSamplerViews {
        shader_type: ShaderType::Fragment,
        start_slot: 2,
        handles: &handles,
    });
    let full = [5u32; 128];
    roundtrip(C::SetSamplerViews {
        shader_type: ShaderType::Vertex,
        start_slot: 0,
        handles: &full,
    });
    roundtrip(C::BindSamplerStates {
        shader_type: ShaderType::Geometry,
        start_slot: 29,
        handles: &handles,
    });
    roundtrip(C::BindSamplerStates {
        shader_type: ShaderType::Fragment,
        start_slot: 0,
        handles: &full[..32],
    });
    roundtrip(C::SetBlendColor([0.25, 0.5, 0.75, 1.0]));
    roundtrip(C::SetStencilRef { front: 0x12, back: 0xfe });
    roundtrip(C::SetSampleMask(0xffff_ffff));
    roundtrip(C::SetMinSamples(4));
    roundtrip(C::SetTessState { outer: [1.0, 2.5, 64.0, -1.0], inner: [3.0, 0.0] });
    let mut clip = [[0.0f32; 4]; 8];
    for (i, p) in clip.iter_mut().enumerate() {
        *p = [i as f32, -(i as f32), 0.5, 1.0];
    }
    roundtrip(C::SetClipState(Box::new(clip)));
    roundtrip(C::SetPolygonStipple(Box::new(std::array::from_fn(|i| (i as u32) * 0x0101_0101))));
    roundtrip(C::SetFramebufferState { zsurf_handle: 9, cbufs: &[1, 2, 0, 4] });
    roundtrip(C::SetFramebufferState { zsurf_handle: 0, cbufs: &[] });
    roundtrip(C::SetFramebufferState { zsurf_handle: 0, cbufs: &[1; 8] });
    roundtrip(C::SetStreamoutTargets { append_bitmask: 0b101, handles: &[4, 5, 6] });
    roundtrip(C::SetStreamoutTargets { append_bitmask: 0, handles: &[7; 16] });
    roundtrip(C::SetRenderCondition { handle: 3, condition: true, mode: 2 });
    roundtrip(C::SetTweaks { id: 1, value: 0x9000 });
    roundtrip(C::LinkShader(LinkShader {
        vertex: 1,
        fragment: 2,
        geometry: 3,
        tess_ctrl: 4,
        tess_eval: 5,
        compute: 6,
    }));
    roundtrip(C::SetDebugFlags(&[u32::from_le_bytes(*b"tgsi"), 0]));
    roundtrip(C::SendStringMarker { len: 5, data: &[u32::from_le_bytes(*b"mark"), 0x21] });
    roundtrip(C::MemoryBarrier(0xf));
    roundtrip(C::TextureBarrier(1));
    roundtrip(C::GetMemoryInfo(12));
}

#[test]
fn roundtrip_draws_clears_copies_transfers() {
    use Command as C;
    let base = DrawVbo {
        start: 1,
        count: 3,
        mode: 4,
        indexed: true,
        instance_count: 2,
        index_bias: -5,
        start_instance: 1,
        primitive_restart: true,
        restart_index: 0xffff,
        min_index: 0,
        max_index: 99,
        count_from_so: 0,
        tess: None,
        indirect: None,
    };
    roundtrip(C::DrawVbo(base));
    let tess = Some(DrawTess { vertices_per_patch: 3, drawid: 7 });
    roundtrip(C::DrawVbo(DrawVbo { tess, ..base }));
    roundtrip(C::DrawVbo(DrawVbo {
        tess,
        indirect: Some(DrawIndirect {
            res_handle: 11,
            offset: 16,
            stride: 20,
            draw_count: 4,
            draw_count_offset: 8,
            draw_count_handle: 12,
        }),
        ..base
    }));
    roundtrip(C::Clear(Clear {
        buffers: 0x7,
        color: [fb(0.5), 1, 2, 3],
        depth: 0.25,
        stencil: 0x80,
    }));
    let bx = BoxRaw { x: 1, y: 2, z: 3, w: 4, h: 5, d: 6 };
    roundtrip(C::ClearTexture(ClearTexture { res_handle: 4, level: 2, bx, data: [9, 8, 7, 6] }));
    roundtrip(C::ClearSurface(ClearSurface {
        render_condition_enable: true,
        buffers: 4,
        surface_handle: 17,
        color: [1, 2, 3, 4],
        x: 10,
        y: 20,
        width: 30,
        height: 40,
    }));
    for plane_count in 1..=4u8 {
        let mut planes = [(0, 0); 4];
        for (i, p) in planes.iter_mut().take(usize::from(plane_count)).enumerate() {
            *p = (256 * (i as u32 + 1), 4096 * i as u32);
        }
        roundtrip(C::PipeResourceSetType(PipeResourceSetType {
            res_handle: 9,
            format: 2,
            bind: 8,
            width: 64,
            height: 32,
            usage: 0,
            modifier: 0x00ff_ffff_ffff_ffff,
            plane_count,
            planes,
        }));
    }
    roundtrip(C::Blit(Blit {
        mask: 0x3f,
        filter: 1,
        scissor_enable: true,
        render_condition_enable: false,
        alpha_blend: true,
        scissor: Scissor { minx: 1, miny: 2, maxx: 3, maxy: 4 },
        dst: BlitSide { res_handle: 1, level: 2, format: 67, bx },
        src: BlitSide { res_handle: 3, level: 0, format: 1, bx: BoxRaw { x: 9, ..bx } },
    }));
    roundtrip(C::ResourceCopyRegion(CopyRegion {
        dst_handle: 1,
        dst_level: 2,
        dst_x: 3,
        dst_y: 4,
        dst_z: 5,
        src_handle: 6,
        src_level: 7,
        src_box: bx,
    }));
    let t = Transfer { res_handle: 5, level: 1, usage: 2, stride: 64, layer_stride: 4096, bx };
    roundtrip(C::ResourceInlineWrite { transfer: t, data: &[0xdead_beef, 1, 2] });
    roundtrip(C::Transfer3d { transfer: t, offset: 128, direction: TransferDirection::ToHost });
    roundtrip(C::Transfer3d { transfer: t, offset: 0, direction: TransferDirection::FromHost });
    roundtrip(C::CopyTransfer3d {
        transfer: t,
        staging_handle: 6,
        staging_offset: 512,
        synchronized: true,
        read_from_host: true,
    });
    roundtrip(C::CopyTransfer3d {
        transfer: t,
        staging_handle: 6,
        staging_offset: 0,
        synchronized: false,
        read_from_host: false,
    });
    roundtrip(C::EndTransfers);
    roundtrip(C::PipeResourceCreate(PipeResourceCreate {
        target: 2,
        format: 67,
        bind: 2,
        width: 64,
        height: 32,
        depth: 1,
        array_size: 1,
        last_level: 5,
        nr_samples: 0,
        flags: 0,
        blob_id: 0x1234,
    }));
}

#[test]
fn roundtrip_contexts_and_queries() {
    use Command as C;
    roundtrip(C::CreateSubCtx(1));
    roundtrip(C::SetSubCtx(1));
    roundtrip(C::DestroySubCtx(1));
    roundtrip(C::BeginQuery(3));
    roundtrip(C::EndQuery(3));
    roundtrip(C::GetQueryResult { handle: 3, wait: true });
    roundtrip(C::GetQueryResult { handle: 3, wait: false });
    roundtrip(C::GetQueryResultQbo(QueryResultQbo {
        handle: 3,
        qbo_handle: 4,
        wait: true,
        result_type: 1,
        offset: 8,
        index: -1,
    }));
    for cmd in [
        ccmd::SET_SHADER_BUFFERS,
        ccmd::SET_SHADER_IMAGES,
        ccmd::LAUNCH_GRID,
        ccmd::SET_FRAMEBUFFER_STATE_NO_ATTACH,
        ccmd::SET_ATOMIC_BUFFERS,
        ccmd::CREATE_VIDEO_CODEC,
        ccmd::END_FRAME,
    ] {
        roundtrip(C::Unimplemented { cmd, obj_type: 0, payload: &[1, 2, 3] });
    }
}

// ---- hand-packed words: the layouts themselves ------------------------------------------

#[test]
fn layouts_from_hand_packed_words() {
    // Mesa's default blend for one RT: blend off, colormask RGBA.
    let words =
        [hdr(ccmd::CREATE_OBJECT, object::BLEND, 11), 5, 0, 0, 0xf << 27, 0, 0, 0, 0, 0, 0, 0];
    match decode_one(&words).unwrap() {
        Command::CreateObject { handle: 5, object: Object::Blend(b) } => {
            assert_eq!(b.rt[0].colormask, 0xf);
            assert!(!b.rt[0].blend_enable && !b.independent_blend_enable);
        }
        c => panic!("{c:?}"),
    }
    // RASTERIZER: cull back (2) at bits 8-9, front_ccw bit 15, line width 1.0 at word 6.
    let mut rs = vec![hdr(ccmd::CREATE_OBJECT, object::RASTERIZER, 9), 1, (2 << 8) | (1 << 15)];
    rs.extend([fb(1.0), 0, 0, fb(1.0), 0, 0, 0]);
    match decode_one(&rs).unwrap() {
        Command::CreateObject { object: Object::Rasterizer(r), .. } => {
            assert_eq!((r.cull_face, r.front_ccw, r.line_width, r.point_size), (2, true, 1.0, 1.0));
        }
        c => panic!("{c:?}"),
    }
    // DSA: depth on, write, LESS (1) at bits 2-4; alpha ref 0.5.
    let dsa = [hdr(ccmd::CREATE_OBJECT, object::DSA, 5), 2, 0b111, 0, 0, fb(0.5)];
    match decode_one(&dsa).unwrap() {
        Command::CreateObject { object: Object::Dsa(d), .. } => {
            assert!(d.depth_enabled && d.depth_writemask);
            assert_eq!((d.depth_func, d.alpha_ref), (1, 0.5));
        }
        c => panic!("{c:?}"),
    }
    // CLEAR depth is a little-endian f64 across words 6-7 (upstream numbering).
    let d = 1.0f64.to_bits();
    let clear = [hdr(ccmd::CLEAR, 0, 8), 1, 0, 0, 0, 0, d as u32, (d >> 32) as u32, 0];
    match decode_one(&clear).unwrap() {
        Command::Clear(c) => assert_eq!((c.buffers, c.depth), (1, 1.0)),
        c => panic!("{c:?}"),
    }
    // Sampler view format word: format in the low 24 bits, target in the top byte.
    let sv = [hdr(ccmd::CREATE_OBJECT, object::SAMPLER_VIEW, 6), 1, 2, 67 | (3 << 24), 0, 0, 0x688];
    match decode_one(&sv).unwrap() {
        Command::CreateObject { object: Object::SamplerView(v), .. } => {
            assert_eq!((v.format, v.target, v.swizzle), (67, 3, [0, 1, 2, 3]));
        }
        c => panic!("{c:?}"),
    }
}

#[test]
fn stream_of_several_commands() {
    let mut words = encode(&Command::CreateSubCtx(1));
    words.extend(encode(&Command::SetSubCtx(1)));
    words.extend(encode(&Command::Nop));
    words.extend(encode(&Command::SetSampleMask(3)));
    let got = decode_all(&words).unwrap();
    assert_eq!(
        got,
        [Command::CreateSubCtx(1), Command::SetSubCtx(1), Command::Nop, Command::SetSampleMask(3)]
    );
    assert!(decode_all(&[]).unwrap().is_empty());
    // NOP and END_TRANSFERS take any payload.
    assert_eq!(decode_one(&[hdr(ccmd::NOP, 0, 2), 1, 2]).unwrap(), Command::Nop);
    assert_eq!(decode_one(&[hdr(ccmd::END_TRANSFERS, 0, 1), 1]).unwrap(), Command::EndTransfers);
}

#[test]
fn helpers() {
    assert_eq!(
        words_to_string(&[u32::from_le_bytes(*b"abcd"), u32::from_le_bytes(*b"e\0zz")]),
        "abcde"
    );
    assert_eq!(command_name(ccmd::DRAW_VBO), "DRAW_VBO");
    assert_eq!(command_name(ccmd::CLEAR_SURFACE), "CLEAR_SURFACE");
    assert_eq!(command_name(ccmd::COUNT), "?");
    let v = SamplerView { val0: 2 | (5 << 16), val1: 1 | (3 << 8), ..Default::default() };
    assert_eq!((v.first_layer(), v.last_layer(), v.first_level(), v.last_level()), (2, 5, 1, 3));
    let s = Surface { val0: 4, val1: 6 | (6 << 16), ..Default::default() };
    assert_eq!((s.level(), s.first_layer(), s.last_layer()), (4, 6, 6));
    for t in 0..6 {
        assert_eq!(ShaderType::from_u32(t).unwrap().as_u32(), t);
    }
    assert_eq!(ShaderType::from_u32(6), None);
    let e: crate::error::Error = err(&[hdr(ccmd::COUNT, 0, 0)]).into();
    assert_eq!(e.errno, libc::EINVAL);
}

/// The stream-output words as Mesa's virgl_encode_shader_state packs them (hand-packed
/// here, not through the test encoder): count, 4 strides, then per output
/// `register | start << 8 | components << 10 | buffer << 13 | dst_offset << 16` and the
/// stream; the text follows.
#[test]
fn shader_stream_output_word_layout() {
    let text = u32::from_le_bytes(*b"VERT");
    let out0 = 3 | 1 << 8 | 2 << 10 | 1 << 13 | 5 << 16;
    let p = vec![9, shader::VERTEX, 4, 10, 2, 6, 8, 0, 0, out0, 0, 4 << 10, 1, text];
    let words = with_header(ccmd::CREATE_OBJECT, object::SHADER, p);
    let Command::CreateObject { handle: 9, object: Object::Shader(s) } =
        decode_one(&words).unwrap()
    else {
        panic!("not a shader");
    };
    let so = s.stream_output.expect("two outputs");
    assert_eq!(so.stride, [6, 8, 0, 0]);
    let e = StreamOutputEntry {
        register_index: 3,
        start_component: 1,
        num_components: 2,
        output_buffer: 1,
        dst_offset: 5,
        stream: 0,
    };
    let second = StreamOutputEntry { num_components: 4, stream: 1, ..Default::default() };
    assert_eq!(so.outputs, [e, second]);
    assert_eq!(s.text, &[text]);
}
