//! Encode-then-decode for every typed command, every error path, hand-packed words for
//! the bitfield layouts, and a random-stream no-panic test.

use super::*;

// ---- a tiny encoder (test only) ---------------------------------------------------------

fn hdr(cmd: u8, obj: u8, len: usize) -> u32 {
    assert!(len <= 0xffff);
    u32::from(cmd) | (u32::from(obj) << 8) | ((len as u32) << 16)
}

fn with_header(cmd: u8, obj: u8, p: Vec<u32>) -> Vec<u32> {
    let mut v = vec![hdr(cmd, obj, p.len())];
    v.extend(p);
    v
}

fn fb(x: f32) -> u32 {
    x.to_bits()
}

fn box_words(b: &BoxRaw) -> [u32; 6] {
    [b.x, b.y, b.z, b.w, b.h, b.d]
}

fn transfer_words(t: &Transfer) -> Vec<u32> {
    let mut v = vec![t.res_handle, t.level, t.usage, t.stride, t.layer_stride];
    v.extend(box_words(&t.bx));
    v
}

fn scissor_words(s: &Scissor) -> [u32; 2] {
    [u32::from(s.minx) | (u32::from(s.miny) << 16), u32::from(s.maxx) | (u32::from(s.maxy) << 16)]
}

fn b(v: bool, shift: u32) -> u32 {
    u32::from(v) << shift
}

fn f(v: u8, shift: u32) -> u32 {
    u32::from(v) << shift
}

fn encode_object(handle: u32, o: &Object) -> Vec<u32> {
    let mut p = vec![handle];
    match o {
        Object::Blend(x) => {
            p.push(
                b(x.independent_blend_enable, 0)
                    | b(x.logicop_enable, 1)
                    | b(x.dither, 2)
                    | b(x.alpha_to_coverage, 3)
                    | b(x.alpha_to_one, 4),
            );
            p.push(u32::from(x.logicop_func));
            for rt in &x.rt {
                p.push(
                    b(rt.blend_enable, 0)
                        | f(rt.rgb_func, 1)
                        | f(rt.rgb_src_factor, 4)
                        | f(rt.rgb_dst_factor, 9)
                        | f(rt.alpha_func, 14)
                        | f(rt.alpha_src_factor, 17)
                        | f(rt.alpha_dst_factor, 22)
                        | f(rt.colormask, 27),
                );
            }
        }
        Object::Rasterizer(r) => {
            let flags = [
                r.flatshade,
                r.depth_clip,
                r.clip_halfz,
                r.rasterizer_discard,
                r.flatshade_first,
                r.light_twoside,
                r.sprite_coord_mode,
                r.point_quad_rasterization,
            ];
            let mut s0 = 0;
            for (i, &v) in flags.iter().enumerate() {
                s0 |= b(v, i as u32);
            }
            s0 |= f(r.cull_face, 8) | f(r.fill_front, 10) | f(r.fill_back, 12);
            let hi = [
                r.scissor,
                r.front_ccw,
                r.clamp_vertex_color,
                r.clamp_fragment_color,
                r.offset_line,
                r.offset_point,
                r.offset_tri,
                r.poly_smooth,
                r.poly_stipple_enable,
                r.point_smooth,
                r.point_size_per_vertex,
                r.multisample,
                r.line_smooth,
                r.line_stipple_enable,
                r.line_last_pixel,
                r.half_pixel_center,
                r.bottom_edge_rule,
                r.force_persample_interp,
            ];
            for (i, &v) in hi.iter().enumerate() {
                s0 |= b(v, 14 + i as u32);
            }
            p.extend([
                s0,
                fb(r.point_size),
                r.sprite_coord_enable,
                u32::from(r.line_stipple_pattern)
                    | f(r.line_stipple_factor, 16)
                    | f(r.clip_plane_enable, 24),
                fb(r.line_width),
                fb(r.offset_units),
                fb(r.offset_scale),
                fb(r.offset_clamp),
            ]);
        }
        Object::Dsa(d) => {
            p.push(
                b(d.depth_enabled, 0)
                    | b(d.depth_writemask, 1)
                    | f(d.depth_func, 2)
                    | b(d.alpha_enabled, 8)
                    | f(d.alpha_func, 9),
            );
            for s in &d.stencil {
                p.push(
                    b(s.enabled, 0)
                        | f(s.func, 1)
                        | f(s.fail_op, 4)
                        | f(s.zpass_op, 7)
                        | f(s.zfail_op, 10)
                        | f(s.valuemask, 13)
                        | f(s.writemask, 21),
                );
            }
            p.push(fb(d.alpha_ref));
        }
        Object::Shader(s) => {
            let off = match s.chunk {
                ShaderChunk::First { total_len } => total_len,
                ShaderChunk::Continuation { offset } => offset | layout::SHADER_OFFSET_CONT,
            };
            let n = s.stream_output.as_ref().map_or(0, |so| so.outputs.len() as u32);
            let count = if s.shader_type == ShaderType::Compute { s.req_local_mem } else { n };
            p.extend([s.shader_type.as_u32(), off, s.num_tokens, count]);
            if let Some(so) = &s.stream_output {
                p.extend(so.stride);
                for o in &so.outputs {
                    p.push(
                        u32::from(o.register_index)
                            | f(o.start_component, 8)
                            | f(o.num_components, 10)
                            | f(o.output_buffer, 13)
                            | (u32::from(o.dst_offset) << 16),
                    );
                    p.push(u32::from(o.stream));
                }
            }
            p.extend(s.text);
        }
        Object::VertexElements(ves) => {
            for v in ves {
                p.extend([v.src_offset, v.instance_divisor, v.vertex_buffer_index, v.src_format]);
            }
        }
        Object::SamplerView(v) => {
            let sw = v.swizzle;
            p.extend([
                v.res_handle,
                v.format | (u32::from(v.target) << 24),
                v.val0,
                v.val1,
                f(sw[0], 0) | f(sw[1], 3) | f(sw[2], 6) | f(sw[3], 9),
            ]);
        }
        Object::SamplerState(s) => {
            p.push(
                f(s.wrap_s, 0)
                    | f(s.wrap_t, 3)
                    | f(s.wrap_r, 6)
                    | f(s.min_img_filter, 9)
                    | f(s.min_mip_filter, 11)
                    | f(s.mag_img_filter, 13)
                    | b(s.compare_mode, 15)
                    | f(s.compare_func, 16)
                    | b(s.seamless_cube_map, 19)
                    | f(s.max_anisotropy, 20),
            );
            p.extend([fb(s.lod_bias), fb(s.min_lod), fb(s.max_lod)]);
            p.extend(s.border_color);
        }
        Object::Surface(s) => p.extend([s.res_handle, s.format, s.val0, s.val1]),
        Object::MsaaSurface(s) => p.extend([s.res_handle, s.format, s.val0, s.val1, s.nr_samples]),
        Object::Query(q) => {
            p.extend([u32::from(q.query_type) | (u32::from(q.index) << 16), q.offset, q.res_handle])
        }
        Object::StreamoutTarget(t) => p.extend([t.res_handle, t.buffer_offset, t.buffer_size]),
    }
    p
}

fn encode(c: &Command) -> Vec<u32> {
    use Command as C;
    let (cmd, obj, p): (u8, u8, Vec<u32>) = match c {
        C::Nop => (ccmd::NOP, 0, vec![]),
        C::CreateObject { handle, object } => {
            (ccmd::CREATE_OBJECT, object.type_id(), encode_object(*handle, object))
        }
        C::BindObject { obj_type, handle } => {
            let t = match obj_type {
                BindableObject::Blend => object::BLEND,
                BindableObject::Dsa => object::DSA,
                BindableObject::Rasterizer => object::RASTERIZER,
                BindableObject::VertexElements => object::VERTEX_ELEMENTS,
            };
            (ccmd::BIND_OBJECT, t, vec![*handle])
        }
        C::DestroyObject { obj_type, handle } => (ccmd::DESTROY_OBJECT, *obj_type, vec![*handle]),
        C::BindShader { handle, shader_type } => {
            (ccmd::BIND_SHADER, 0, vec![*handle, shader_type.map_or(99, ShaderType::as_u32)])
        }
        C::SetViewportState { start_slot, viewports } => {
            let mut p = vec![*start_slot];
            for v in viewports {
                p.extend(v.scale.iter().chain(&v.translate).map(|&x| fb(x)));
            }
            (ccmd::SET_VIEWPORT_STATE, 0, p)
        }
        C::SetScissorState { start_slot, scissors } => {
            let mut p = vec![*start_slot];
            for s in scissors {
                p.extend(scissor_words(s));
            }
            (ccmd::SET_SCISSOR_STATE, 0, p)
        }
        C::SetVertexBuffers(vbs) => (
            ccmd::SET_VERTEX_BUFFERS,
            0,
            vbs.iter().flat_map(|v| [v.stride, v.offset, v.res_handle]).collect(),
        ),
        C::SetIndexBuffer(ib) => {
            let p = if ib.index_size == 0 && ib.offset == 0 {
                vec![ib.res_handle]
            } else {
                vec![ib.res_handle, ib.index_size, ib.offset]
            };
            (ccmd::SET_INDEX_BUFFER, 0, p)
        }
        C::SetConstantBuffer { shader_type, index, data } => {
            let mut p = vec![shader_type.as_u32(), *index];
            p.extend(*data);
            (ccmd::SET_CONSTANT_BUFFER, 0, p)
        }
        C::SetUniformBuffer { shader_type, index, offset, length, res_handle } => (
            ccmd::SET_UNIFORM_BUFFER,
            0,
            vec![shader_type.as_u32(), *index, *offset, *length, *res_handle],
        ),
        C::SetSamplerViews { shader_type, start_slot, handles } => {
            let mut p = vec![shader_type.as_u32(), *start_slot];
            p.extend(*handles);
            (ccmd::SET_SAMPLER_VIEWS, 0, p)
        }
        C::BindSamplerStates { shader_type, start_slot, handles } => {
            let mut p = vec![shader_type.as_u32(), *start_slot];
            p.extend(*handles);
            (ccmd::BIND_SAMPLER_STATES, 0, p)
        }
        C::SetBlendColor(c) => (ccmd::SET_BLEND_COLOR, 0, c.iter().map(|&x| fb(x)).collect()),
        C::SetStencilRef { front, back } => {
            (ccmd::SET_STENCIL_REF, 0, vec![u32::from(*front) | (u32::from(*back) << 8)])
        }
        C::SetSampleMask(m) => (ccmd::SET_SAMPLE_MASK, 0, vec![*m]),
        C::SetMinSamples(m) => (ccmd::SET_MIN_SAMPLES, 0, vec![*m]),
        C::SetClipState(planes) => {
            (ccmd::SET_CLIP_STATE, 0, planes.iter().flatten().map(|&x| fb(x)).collect())
        }
        C::SetPolygonStipple(s) => (ccmd::SET_POLYGON_STIPPLE, 0, s.to_vec()),
        C::SetFramebufferState { zsurf_handle, cbufs } => {
            let mut p = vec![cbufs.len() as u32, *zsurf_handle];
            p.extend(*cbufs);
            (ccmd::SET_FRAMEBUFFER_STATE, 0, p)
        }
        C::DrawVbo(d) => {
            let mut p = vec![
                d.start,
                d.count,
                d.mode,
                u32::from(d.indexed),
                d.instance_count,
                d.index_bias as u32,
                d.start_instance,
                u32::from(d.primitive_restart),
                d.restart_index,
                d.min_index,
                d.max_index,
                d.count_from_so,
            ];
            if let Some(t) = d.tess {
                p.extend([t.vertices_per_patch, t.drawid]);
            }
            if let Some(i) = d.indirect {
                p.extend([
                    i.res_handle,
                    i.offset,
                    i.stride,
                    i.draw_count,
                    i.draw_count_offset,
                    i.draw_count_handle,
                ]);
            }
            (ccmd::DRAW_VBO, 0, p)
        }
        C::Clear(c) => {
            let d = c.depth.to_bits();
            let mut p = vec![c.buffers];
            p.extend(c.color);
            p.extend([d as u32, (d >> 32) as u32, c.stencil]);
            (ccmd::CLEAR, 0, p)
        }
        C::ClearTexture(c) => {
            let mut p = vec![c.res_handle, c.level];
            p.extend(box_words(&c.bx));
            p.extend(c.data);
            (ccmd::CLEAR_TEXTURE, 0, p)
        }
        C::ClearSurface(c) => {
            let mut p = vec![b(c.render_condition_enable, 0) | f(c.buffers, 1), c.surface_handle];
            p.extend(c.color);
            p.extend([c.x, c.y, c.width, c.height]);
            (ccmd::CLEAR_SURFACE, 0, p)
        }
        C::Blit(bl) => {
            let mut p = vec![
                u32::from(bl.mask)
                    | f(bl.filter, 8)
                    | b(bl.scissor_enable, 10)
                    | b(bl.render_condition_enable, 11)
                    | b(bl.alpha_blend, 12),
            ];
            p.extend(scissor_words(&bl.scissor));
            for s in [&bl.dst, &bl.src] {
                p.extend([s.res_handle, s.level, s.format]);
                p.extend(box_words(&s.bx));
            }
            (ccmd::BLIT, 0, p)
        }
        C::ResourceCopyRegion(r) => {
            let mut p = vec![
                r.dst_handle,
                r.dst_level,
                r.dst_x,
                r.dst_y,
                r.dst_z,
                r.src_handle,
                r.src_level,
            ];
            p.extend(box_words(&r.src_box));
            (ccmd::RESOURCE_COPY_REGION, 0, p)
        }
        C::ResourceInlineWrite { transfer, data } => {
            let mut p = transfer_words(transfer);
            p.extend(*data);
            (ccmd::RESOURCE_INLINE_WRITE, 0, p)
        }
        C::Transfer3d { transfer, offset, direction } => {
            let mut p = transfer_words(transfer);
            let d = match direction {
                TransferDirection::ToHost => TRANSFER_TO_HOST,
                TransferDirection::FromHost => TRANSFER_FROM_HOST,
            };
            p.extend([*offset, d]);
            (ccmd::TRANSFER3D, 0, p)
        }
        C::CopyTransfer3d {
            transfer,
            staging_handle,
            staging_offset,
            synchronized,
            read_from_host,
        } => {
            let mut p = transfer_words(transfer);
            p.extend([
                *staging_handle,
                *staging_offset,
                b(*synchronized, 0) | b(*read_from_host, 1),
            ]);
            (ccmd::COPY_TRANSFER3D, 0, p)
        }
        C::EndTransfers => (ccmd::END_TRANSFERS, 0, vec![]),
        C::CreateSubCtx(id) => (ccmd::CREATE_SUB_CTX, 0, vec![*id]),
        C::SetSubCtx(id) => (ccmd::SET_SUB_CTX, 0, vec![*id]),
        C::DestroySubCtx(id) => (ccmd::DESTROY_SUB_CTX, 0, vec![*id]),
        C::BeginQuery(h) => (ccmd::BEGIN_QUERY, 0, vec![*h]),
        C::EndQuery(h) => (ccmd::END_QUERY, 0, vec![*h]),
        C::GetQueryResult { handle, wait } => {
            (ccmd::GET_QUERY_RESULT, 0, vec![*handle, u32::from(*wait)])
        }
        C::GetQueryResultQbo(q) => (
            ccmd::GET_QUERY_RESULT_QBO,
            0,
            vec![
                q.handle,
                q.qbo_handle,
                u32::from(q.wait),
                q.result_type,
                q.offset,
                q.index as u32,
            ],
        ),
        C::SetStreamoutTargets { append_bitmask, handles } => {
            let mut p = vec![*append_bitmask];
            p.extend(*handles);
            (ccmd::SET_STREAMOUT_TARGETS, 0, p)
        }
        C::SetRenderCondition { handle, condition, mode } => {
            (ccmd::SET_RENDER_CONDITION, 0, vec![*handle, u32::from(*condition), *mode])
        }
        C::PipeResourceCreate(r) => (
            ccmd::PIPE_RESOURCE_CREATE,
            0,
            vec![
                r.target,
                r.format,
                r.bind,
                r.width,
                r.height,
                r.depth,
                r.array_size,
                r.last_level,
                r.nr_samples,
                r.flags,
                r.blob_id,
            ],
        ),
        C::SetTweaks { id, value } => (ccmd::SET_TWEAKS, 0, vec![*id, *value]),
        C::LinkShader(s) => (
            ccmd::LINK_SHADER,
            0,
            vec![s.vertex, s.fragment, s.geometry, s.tess_ctrl, s.tess_eval, s.compute],
        ),
        C::MemoryBarrier(v) => (ccmd::MEMORY_BARRIER, 0, vec![*v]),
        C::TextureBarrier(v) => (ccmd::TEXTURE_BARRIER, 0, vec![*v]),
        C::GetMemoryInfo(v) => (ccmd::GET_MEMORY_INFO, 0, vec![*v]),
        C::SetDebugFlags(w) => (ccmd::SET_DEBUG_FLAGS, 0, w.to_vec()),
        C::SendStringMarker { len, data } => {
            let mut p = vec![*len];
            p.extend(*data);
            (ccmd::SEND_STRING_MARKER, 0, p)
        }
        C::Unimplemented { cmd, obj_type, payload } => (*cmd, *obj_type, payload.to_vec()),
    };
    with_header(cmd, obj, p)
}

fn decode_all(words: &[u32]) -> Result<Vec<Command<'_>>, DecodeError> {
    decode(words).collect()
}

fn decode_one(words: &[u32]) -> Result<Command<'_>, DecodeError> {
    let mut v = decode_all(words)?;
    assert_eq!(v.len(), 1, "{v:?}");
    Ok(v.remove(0))
}

fn roundtrip(c: Command) {
    let words = encode(&c);
    let got = decode_one(&words).unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert_eq!(got, c);
}

fn err(words: &[u32]) -> DecodeError {
    match decode_all(words) {
        Err(e) => e,
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

/// Asserts `words` fails with EINVAL and a message mentioning `needle`.
fn inval_with(words: &[u32], needle: &str) -> DecodeError {
    let e = err(words);
    assert_eq!(e.errno, libc::EINVAL, "{e}");
    assert!(e.msg.contains(needle), "{e}: want {needle:?}");
    e
}

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
    let mut clip = [[0.0f32; 4]; 8];
    for (i, p) in clip.iter_mut().enumerate() {
        *p = [i as f32, -(i as f32), 0.5, 1.0];
    }
    roundtrip(C::SetClipState(clip));
    roundtrip(C::SetPolygonStipple(std::array::from_fn(|i| (i as u32) * 0x0101_0101)));
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
        ccmd::SET_TESS_STATE,
        ccmd::SET_SHADER_BUFFERS,
        ccmd::SET_SHADER_IMAGES,
        ccmd::LAUNCH_GRID,
        ccmd::SET_FRAMEBUFFER_STATE_NO_ATTACH,
        ccmd::SET_ATOMIC_BUFFERS,
        ccmd::PIPE_RESOURCE_SET_TYPE,
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
        ("mod.rs", include_str!("mod.rs")),
        ("parse.rs", include_str!("parse.rs")),
        ("types.rs", include_str!("types.rs")),
        ("consts.rs", include_str!("consts.rs")),
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
    assert_eq!(limits::FORMAT_MAX, crate::format::VIRGL_FORMAT_MAX);
}
