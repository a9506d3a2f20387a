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
        C::SetTessState { outer, inner } => {
            (ccmd::SET_TESS_STATE, 0, outer.iter().chain(inner).map(|&x| fb(x)).collect())
        }
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
        C::PipeResourceSetType(t) => {
            let mut p = vec![
                t.res_handle,
                t.format,
                t.bind,
                t.width,
                t.height,
                t.usage,
                t.modifier as u32,
                (t.modifier >> 32) as u32,
            ];
            for (stride, offset) in &t.planes[..usize::from(t.plane_count)] {
                p.extend([*stride, *offset]);
            }
            (ccmd::PIPE_RESOURCE_SET_TYPE, 0, p)
        }
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

mod errors;
mod roundtrip;
