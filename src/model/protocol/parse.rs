//! One parser per command: payload dwords → typed command, with upstream's checks.

use super::consts::{ccmd, ctx_error, layout as l, limits, object};
use super::types::*;
use super::{inval, Parsed, Reject};

fn exact(name: &str, p: &[u32], n: usize) -> Parsed<()> {
    if p.len() != n {
        return Err(inval(format!("{name}: {} payload dwords, want {n}", p.len())));
    }
    Ok(())
}

fn at_least(name: &str, p: &[u32], n: usize) -> Parsed<()> {
    if p.len() < n {
        return Err(inval(format!("{name}: {} payload dwords, want at least {n}", p.len())));
    }
    Ok(())
}

fn bit(w: u32, shift: u32) -> bool {
    (w >> shift) & 1 != 0
}

fn bits(w: u32, shift: u32, width: u32) -> u8 {
    ((w >> shift) & ((1 << width) - 1)) as u8
}

fn float(w: u32) -> f32 {
    f32::from_bits(w)
}

fn floats<const N: usize>(p: &[u32]) -> [f32; N] {
    std::array::from_fn(|i| float(p[i]))
}

fn words<const N: usize>(p: &[u32]) -> [u32; N] {
    std::array::from_fn(|i| p[i])
}

fn stage(name: &str, v: u32) -> Parsed<ShaderType> {
    ShaderType::from_u32(v).ok_or_else(|| {
        inval(format!("{name}: shader type {v} (there are {})", limits::SHADER_TYPES))
    })
}

/// `start_slot + count <= max`, overflow-free.
fn slots(name: &str, start_slot: u32, count: usize, max: u32) -> Parsed<()> {
    let ok =
        u32::try_from(count).ok().and_then(|c| start_slot.checked_add(c)).is_some_and(|e| e <= max);
    if !ok {
        return Err(inval(format!("{name}: {count} slots from {start_slot} (max {max})")));
    }
    Ok(())
}

fn raw_box(p: &[u32]) -> BoxRaw {
    BoxRaw { x: p[0], y: p[1], z: p[2], w: p[3], h: p[4], d: p[5] }
}

fn xy16(w: u32) -> (u16, u16) {
    (w as u16, (w >> 16) as u16)
}

fn scissor(min: u32, max: u32) -> Scissor {
    let (minx, miny) = xy16(min);
    let (maxx, maxy) = xy16(max);
    Scissor { minx, miny, maxx, maxy }
}

fn transfer(p: &[u32]) -> Transfer {
    Transfer {
        res_handle: p[0],
        level: p[1],
        usage: p[2],
        stride: p[3],
        layer_stride: p[4],
        bx: raw_box(&p[5..11]),
    }
}

/// Decodes one command (`p` is its payload, bounded by the buffer).
pub(crate) fn command<'a>(cmd: u8, obj_type: u8, p: &'a [u32]) -> Parsed<Command<'a>> {
    use Command as C;
    Ok(match cmd {
        ccmd::NOP => C::Nop,
        ccmd::END_TRANSFERS => C::EndTransfers,
        ccmd::CREATE_OBJECT => create_object(obj_type, p)?,
        ccmd::BIND_OBJECT => {
            exact("BIND_OBJECT", p, 1)?;
            let obj_type = match obj_type {
                object::BLEND => BindableObject::Blend,
                object::DSA => BindableObject::Dsa,
                object::RASTERIZER => BindableObject::Rasterizer,
                object::VERTEX_ELEMENTS => BindableObject::VertexElements,
                t => return Err(inval(format!("BIND_OBJECT: object type {t} cannot be bound"))),
            };
            C::BindObject { obj_type, handle: p[0] }
        }
        ccmd::DESTROY_OBJECT => {
            exact("DESTROY_OBJECT", p, 1)?;
            C::DestroyObject { obj_type, handle: p[0] }
        }
        ccmd::BIND_SHADER => {
            exact("BIND_SHADER", p, 2)?;
            C::BindShader { handle: p[0], shader_type: ShaderType::from_u32(p[1]) }
        }
        ccmd::SET_VIEWPORT_STATE => set_viewports(p)?,
        ccmd::SET_SCISSOR_STATE => set_scissors(p)?,
        ccmd::SET_VERTEX_BUFFERS => {
            if p.len() % l::VERTEX_BUFFER_WORDS != 0 {
                return Err(inval(format!(
                    "SET_VERTEX_BUFFERS: {} payload dwords, not a multiple of 3",
                    p.len()
                )));
            }
            let n = p.len() / l::VERTEX_BUFFER_WORDS;
            if n > limits::ATTRIBS as usize {
                return Err(inval(format!(
                    "SET_VERTEX_BUFFERS: {n} buffers (max {})",
                    limits::ATTRIBS
                )));
            }
            let vbs = p
                .chunks_exact(l::VERTEX_BUFFER_WORDS)
                .map(|c| VertexBuffer { stride: c[0], offset: c[1], res_handle: c[2] })
                .collect();
            C::SetVertexBuffers(vbs)
        }
        ccmd::SET_INDEX_BUFFER => match p.len() {
            1 => C::SetIndexBuffer(IndexBuffer { res_handle: p[0], index_size: 0, offset: 0 }),
            3 => {
                C::SetIndexBuffer(IndexBuffer { res_handle: p[0], index_size: p[1], offset: p[2] })
            }
            n => return Err(inval(format!("SET_INDEX_BUFFER: {n} payload dwords, want 1 or 3"))),
        },
        ccmd::SET_CONSTANT_BUFFER => {
            at_least("SET_CONSTANT_BUFFER", p, 2)?;
            C::SetConstantBuffer {
                shader_type: stage("SET_CONSTANT_BUFFER", p[0])?,
                index: p[1],
                data: &p[2..],
            }
        }
        ccmd::SET_UNIFORM_BUFFER => {
            exact("SET_UNIFORM_BUFFER", p, l::UNIFORM_BUFFER_SIZE)?;
            let shader_type = stage("SET_UNIFORM_BUFFER", p[0])?;
            if p[1] >= limits::CONSTANT_BUFFERS {
                return Err(inval(format!(
                    "SET_UNIFORM_BUFFER: index {} (max {})",
                    p[1],
                    limits::CONSTANT_BUFFERS - 1
                )));
            }
            C::SetUniformBuffer {
                shader_type,
                index: p[1],
                offset: p[2],
                length: p[3],
                res_handle: p[4],
            }
        }
        ccmd::SET_SAMPLER_VIEWS => {
            at_least("SET_SAMPLER_VIEWS", p, 2)?;
            let shader_type = stage("SET_SAMPLER_VIEWS", p[0])?;
            let handles = &p[2..];
            slots("SET_SAMPLER_VIEWS", p[1], handles.len(), limits::SAMPLER_VIEWS)?;
            C::SetSamplerViews { shader_type, start_slot: p[1], handles }
        }
        ccmd::BIND_SAMPLER_STATES => {
            at_least("BIND_SAMPLER_STATES", p, 2)?;
            let shader_type = stage("BIND_SAMPLER_STATES", p[0])?;
            let handles = &p[2..];
            slots("BIND_SAMPLER_STATES", p[1], handles.len(), limits::SAMPLERS)?;
            C::BindSamplerStates { shader_type, start_slot: p[1], handles }
        }
        ccmd::SET_BLEND_COLOR => {
            exact("SET_BLEND_COLOR", p, 4)?;
            C::SetBlendColor(floats(p))
        }
        ccmd::SET_STENCIL_REF => {
            exact("SET_STENCIL_REF", p, 1)?;
            C::SetStencilRef { front: p[0] as u8, back: (p[0] >> 8) as u8 }
        }
        ccmd::SET_SAMPLE_MASK => {
            exact("SET_SAMPLE_MASK", p, 1)?;
            C::SetSampleMask(p[0])
        }
        ccmd::SET_MIN_SAMPLES => {
            exact("SET_MIN_SAMPLES", p, 1)?;
            C::SetMinSamples(p[0])
        }
        ccmd::SET_TESS_STATE => {
            exact("SET_TESS_STATE", p, 6)?;
            C::SetTessState { outer: floats(p), inner: floats(&p[4..]) }
        }
        ccmd::SET_CLIP_STATE => {
            exact("SET_CLIP_STATE", p, l::CLIP_STATE_SIZE)?;
            C::SetClipState(Box::new(std::array::from_fn(|i| floats(&p[i * 4..]))))
        }
        ccmd::SET_POLYGON_STIPPLE => {
            exact("SET_POLYGON_STIPPLE", p, l::POLYGON_STIPPLE_SIZE)?;
            C::SetPolygonStipple(Box::new(words(p)))
        }
        ccmd::SET_FRAMEBUFFER_STATE => {
            at_least("SET_FRAMEBUFFER_STATE", p, 2)?;
            let nr_cbufs = p[0];
            if nr_cbufs > limits::COLOR_BUFS {
                return Err(inval(format!(
                    "SET_FRAMEBUFFER_STATE: {nr_cbufs} colour buffers (max {})",
                    limits::COLOR_BUFS
                )));
            }
            exact("SET_FRAMEBUFFER_STATE", p, 2 + nr_cbufs as usize)?;
            C::SetFramebufferState { zsurf_handle: p[1], cbufs: &p[2..] }
        }
        ccmd::DRAW_VBO => draw_vbo(p)?,
        ccmd::CLEAR => {
            exact("CLEAR", p, l::CLEAR_SIZE)?;
            C::Clear(Clear {
                buffers: p[0],
                color: words(&p[1..]),
                depth: f64::from_bits(u64::from(p[5]) | (u64::from(p[6]) << 32)),
                stencil: p[7],
            })
        }
        ccmd::CLEAR_TEXTURE => {
            exact("CLEAR_TEXTURE", p, l::CLEAR_TEXTURE_SIZE)?;
            C::ClearTexture(ClearTexture {
                res_handle: p[0],
                level: p[1],
                bx: raw_box(&p[2..8]),
                data: words(&p[8..]),
            })
        }
        ccmd::CLEAR_SURFACE => {
            exact("CLEAR_SURFACE", p, l::CLEAR_SURFACE_SIZE)?;
            C::ClearSurface(ClearSurface {
                render_condition_enable: bit(p[0], 0),
                buffers: bits(p[0], 1, 3),
                surface_handle: p[1],
                color: words(&p[2..]),
                x: p[6],
                y: p[7],
                width: p[8],
                height: p[9],
            })
        }
        ccmd::BLIT => {
            exact("BLIT", p, l::BLIT_SIZE)?;
            let side = |q: &[u32]| BlitSide {
                res_handle: q[0],
                level: q[1],
                format: q[2],
                bx: raw_box(&q[3..9]),
            };
            C::Blit(Blit {
                mask: bits(p[0], 0, 8),
                filter: bits(p[0], 8, 2),
                scissor_enable: bit(p[0], 10),
                render_condition_enable: bit(p[0], 11),
                alpha_blend: bit(p[0], 12),
                scissor: scissor(p[1], p[2]),
                dst: side(&p[3..12]),
                src: side(&p[12..21]),
            })
        }
        ccmd::RESOURCE_COPY_REGION => {
            exact("RESOURCE_COPY_REGION", p, l::COPY_REGION_SIZE)?;
            C::ResourceCopyRegion(CopyRegion {
                dst_handle: p[0],
                dst_level: p[1],
                dst_x: p[2],
                dst_y: p[3],
                dst_z: p[4],
                src_handle: p[5],
                src_level: p[6],
                src_box: raw_box(&p[7..13]),
            })
        }
        ccmd::RESOURCE_INLINE_WRITE => {
            at_least("RESOURCE_INLINE_WRITE", p, l::INLINE_WRITE_MIN_SIZE)?;
            C::ResourceInlineWrite { transfer: transfer(p), data: &p[l::TRANSFER_WORDS..] }
        }
        ccmd::TRANSFER3D => {
            at_least("TRANSFER3D", p, l::TRANSFER3D_SIZE)?;
            let direction = match p[12] {
                super::TRANSFER_TO_HOST => TransferDirection::ToHost,
                super::TRANSFER_FROM_HOST => TransferDirection::FromHost,
                d => return Err(inval(format!("TRANSFER3D: direction {d}"))),
            };
            C::Transfer3d { transfer: transfer(p), offset: p[11], direction }
        }
        ccmd::COPY_TRANSFER3D => {
            exact("COPY_TRANSFER3D", p, l::COPY_TRANSFER3D_SIZE)?;
            C::CopyTransfer3d {
                transfer: transfer(p),
                staging_handle: p[11],
                staging_offset: p[12],
                synchronized: p[13] & super::COPY_TRANSFER3D_SYNCHRONIZED != 0,
                read_from_host: p[13] & super::COPY_TRANSFER3D_READ_FROM_HOST != 0,
            }
        }
        ccmd::CREATE_SUB_CTX | ccmd::SET_SUB_CTX | ccmd::DESTROY_SUB_CTX => {
            exact(super::command_name(cmd), p, 1)?;
            match cmd {
                ccmd::CREATE_SUB_CTX => C::CreateSubCtx(p[0]),
                ccmd::SET_SUB_CTX => C::SetSubCtx(p[0]),
                _ => C::DestroySubCtx(p[0]),
            }
        }
        ccmd::BEGIN_QUERY => {
            exact("BEGIN_QUERY", p, 1)?;
            C::BeginQuery(p[0])
        }
        ccmd::END_QUERY => {
            exact("END_QUERY", p, 1)?;
            C::EndQuery(p[0])
        }
        ccmd::GET_QUERY_RESULT => {
            exact("GET_QUERY_RESULT", p, 2)?;
            C::GetQueryResult { handle: p[0], wait: p[1] != 0 }
        }
        ccmd::GET_QUERY_RESULT_QBO => {
            exact("GET_QUERY_RESULT_QBO", p, l::QUERY_RESULT_QBO_SIZE)?;
            C::GetQueryResultQbo(QueryResultQbo {
                handle: p[0],
                qbo_handle: p[1],
                wait: p[2] != 0,
                result_type: p[3],
                offset: p[4],
                index: p[5] as i32,
            })
        }
        ccmd::SET_STREAMOUT_TARGETS => {
            at_least("SET_STREAMOUT_TARGETS", p, 1)?;
            let handles = &p[1..];
            if handles.len() > limits::STREAMOUT_TARGETS as usize {
                return Err(inval(format!(
                    "SET_STREAMOUT_TARGETS: {} targets (max {})",
                    handles.len(),
                    limits::STREAMOUT_TARGETS
                )));
            }
            C::SetStreamoutTargets { append_bitmask: p[0], handles }
        }
        ccmd::SET_RENDER_CONDITION => {
            exact("SET_RENDER_CONDITION", p, l::RENDER_CONDITION_SIZE)?;
            C::SetRenderCondition { handle: p[0], condition: p[1] & 1 != 0, mode: p[2] }
        }
        ccmd::PIPE_RESOURCE_CREATE => {
            exact("PIPE_RESOURCE_CREATE", p, l::PIPE_RESOURCE_CREATE_SIZE)?;
            C::PipeResourceCreate(PipeResourceCreate {
                target: p[0],
                format: p[1],
                bind: p[2],
                width: p[3],
                height: p[4],
                depth: p[5],
                array_size: p[6],
                last_level: p[7],
                nr_samples: p[8],
                flags: p[9],
                blob_id: p[10],
            })
        }
        ccmd::PIPE_RESOURCE_SET_TYPE => C::PipeResourceSetType(super::parse_set_type::parse(p)?),
        ccmd::SET_TWEAKS => {
            at_least("SET_TWEAKS", p, l::SET_TWEAKS_MIN_SIZE)?;
            C::SetTweaks { id: p[0], value: p[1] }
        }
        ccmd::LINK_SHADER => {
            exact("LINK_SHADER", p, l::LINK_SHADER_SIZE)?;
            C::LinkShader(LinkShader {
                vertex: p[0],
                fragment: p[1],
                geometry: p[2],
                tess_ctrl: p[3],
                tess_eval: p[4],
                compute: p[5],
            })
        }
        ccmd::MEMORY_BARRIER => {
            exact("MEMORY_BARRIER", p, 1)?;
            C::MemoryBarrier(p[0])
        }
        ccmd::TEXTURE_BARRIER => {
            exact("TEXTURE_BARRIER", p, 1)?;
            C::TextureBarrier(p[0])
        }
        ccmd::GET_MEMORY_INFO => {
            exact("GET_MEMORY_INFO", p, 1)?;
            C::GetMemoryInfo(p[0])
        }
        ccmd::SET_DEBUG_FLAGS => {
            at_least("SET_DEBUG_FLAGS", p, l::SET_DEBUG_FLAGS_MIN_SIZE)?;
            C::SetDebugFlags(p)
        }
        ccmd::SEND_STRING_MARKER => {
            at_least("SEND_STRING_MARKER", p, l::STRING_MARKER_MIN_SIZE)?;
            let data = &p[1..];
            let bytes = data.len() as u64 * 4;
            if u64::from(p[0]) > bytes {
                return Err(inval(format!(
                    "SEND_STRING_MARKER: {} bytes claimed, {bytes} sent",
                    p[0]
                )));
            }
            C::SendStringMarker { len: p[0], data }
        }
        _ => C::Unimplemented { cmd, obj_type, payload: p },
    })
}

fn set_viewports(p: &[u32]) -> Parsed<Command<'_>> {
    at_least("SET_VIEWPORT_STATE", p, 1)?;
    let rest = &p[1..];
    if rest.len() % l::VIEWPORT_WORDS != 0 {
        return Err(inval(format!("SET_VIEWPORT_STATE: {} payload dwords, not 1 + 6n", p.len())));
    }
    let n = rest.len() / l::VIEWPORT_WORDS;
    if n > limits::VIEWPORTS as usize {
        return Err(inval(format!(
            "SET_VIEWPORT_STATE: {n} viewports (max {})",
            limits::VIEWPORTS
        )));
    }
    slots("SET_VIEWPORT_STATE", p[0], n, limits::VIEWPORTS)?;
    let viewports = rest
        .chunks_exact(l::VIEWPORT_WORDS)
        .map(|c| Viewport { scale: floats(c), translate: floats(&c[3..]) })
        .collect();
    Ok(Command::SetViewportState { start_slot: p[0], viewports })
}

fn set_scissors(p: &[u32]) -> Parsed<Command<'_>> {
    at_least("SET_SCISSOR_STATE", p, 1)?;
    let rest = &p[1..];
    if rest.len() % l::SCISSOR_WORDS != 0 {
        return Err(inval(format!("SET_SCISSOR_STATE: {} payload dwords, not 1 + 2n", p.len())));
    }
    let n = rest.len() / l::SCISSOR_WORDS;
    if n > limits::VIEWPORTS as usize {
        return Err(inval(format!("SET_SCISSOR_STATE: {n} scissors (max {})", limits::VIEWPORTS)));
    }
    // Upstream also refuses start slot 16 with no scissors (unlike viewports).
    if p[0] >= limits::VIEWPORTS {
        return Err(inval(format!("SET_SCISSOR_STATE: start slot {}", p[0])));
    }
    slots("SET_SCISSOR_STATE", p[0], n, limits::VIEWPORTS)?;
    let scissors = rest.chunks_exact(l::SCISSOR_WORDS).map(|c| scissor(c[0], c[1])).collect();
    Ok(Command::SetScissorState { start_slot: p[0], scissors })
}

fn draw_vbo(p: &[u32]) -> Parsed<Command<'_>> {
    let n = p.len();
    if n != l::DRAW_VBO_SIZE && n != l::DRAW_VBO_SIZE_TESS && n != l::DRAW_VBO_SIZE_INDIRECT {
        return Err(inval(format!("DRAW_VBO: {n} payload dwords, want 12, 14 or 20")));
    }
    let tess =
        (n >= l::DRAW_VBO_SIZE_TESS).then(|| DrawTess { vertices_per_patch: p[12], drawid: p[13] });
    let indirect = (n == l::DRAW_VBO_SIZE_INDIRECT).then(|| DrawIndirect {
        res_handle: p[14],
        offset: p[15],
        stride: p[16],
        draw_count: p[17],
        draw_count_offset: p[18],
        draw_count_handle: p[19],
    });
    Ok(Command::DrawVbo(DrawVbo {
        start: p[0],
        count: p[1],
        mode: p[2],
        indexed: p[3] != 0,
        instance_count: p[4],
        index_bias: p[5] as i32,
        start_instance: p[6],
        primitive_restart: p[7] != 0,
        restart_index: p[8],
        min_index: p[9],
        max_index: p[10],
        count_from_so: p[11],
        tess,
        indirect,
    }))
}

fn create_object(obj_type: u8, p: &[u32]) -> Parsed<Command<'_>> {
    at_least("CREATE_OBJECT", p, 1)?;
    let handle = p[l::CREATE_HANDLE];
    if handle == 0 {
        return Err(inval("CREATE_OBJECT: handle 0"));
    }
    let obj = match obj_type {
        object::BLEND => Object::Blend(blend(p)?),
        object::RASTERIZER => Object::Rasterizer(rasterizer(p)?),
        object::DSA => Object::Dsa(dsa(p)?),
        object::SHADER => Object::Shader(shader(p)?),
        object::VERTEX_ELEMENTS => Object::VertexElements(vertex_elements(p)?),
        object::SAMPLER_VIEW => Object::SamplerView(sampler_view(p)?),
        object::SAMPLER_STATE => Object::SamplerState(sampler_state(p)?),
        object::SURFACE => {
            exact("CREATE_OBJECT(SURFACE)", p, l::SURFACE_SIZE)?;
            Object::Surface(surface(p, 0)?)
        }
        object::MSAA_SURFACE => {
            exact("CREATE_OBJECT(MSAA_SURFACE)", p, l::MSAA_SURFACE_SIZE)?;
            Object::MsaaSurface(surface(p, p[5])?)
        }
        object::QUERY => {
            exact("CREATE_OBJECT(QUERY)", p, l::QUERY_SIZE)?;
            Object::Query(Query {
                query_type: p[1] as u16,
                index: (p[1] >> 16) as u16,
                offset: p[2],
                res_handle: p[3],
            })
        }
        object::STREAMOUT_TARGET => {
            exact("CREATE_OBJECT(STREAMOUT_TARGET)", p, l::STREAMOUT_SIZE)?;
            Object::StreamoutTarget(StreamoutTarget {
                res_handle: p[1],
                buffer_offset: p[2],
                buffer_size: p[3],
            })
        }
        t => return Err(inval(format!("CREATE_OBJECT: object type {t}"))),
    };
    Ok(Command::CreateObject { handle, object: obj })
}

fn blend(p: &[u32]) -> Parsed<Blend> {
    exact("CREATE_OBJECT(BLEND)", p, l::BLEND_SIZE)?;
    let s0 = p[l::BLEND_S0];
    let rt = std::array::from_fn(|i| {
        let w = p[l::BLEND_S2 + i];
        RtBlend {
            blend_enable: bit(w, 0),
            rgb_func: bits(w, 1, 3),
            rgb_src_factor: bits(w, 4, 5),
            rgb_dst_factor: bits(w, 9, 5),
            alpha_func: bits(w, 14, 3),
            alpha_src_factor: bits(w, 17, 5),
            alpha_dst_factor: bits(w, 22, 5),
            colormask: bits(w, 27, 4),
        }
    });
    Ok(Blend {
        independent_blend_enable: bit(s0, 0),
        logicop_enable: bit(s0, 1),
        dither: bit(s0, 2),
        alpha_to_coverage: bit(s0, 3),
        alpha_to_one: bit(s0, 4),
        logicop_func: bits(p[l::BLEND_S1], 0, 4),
        rt,
    })
}

fn rasterizer(p: &[u32]) -> Parsed<Rasterizer> {
    exact("CREATE_OBJECT(RASTERIZER)", p, l::RS_SIZE)?;
    let s0 = p[l::RS_S0];
    let s3 = p[l::RS_S3];
    Ok(Rasterizer {
        flatshade: bit(s0, 0),
        depth_clip: bit(s0, 1),
        clip_halfz: bit(s0, 2),
        rasterizer_discard: bit(s0, 3),
        flatshade_first: bit(s0, 4),
        light_twoside: bit(s0, 5),
        sprite_coord_mode: bit(s0, 6),
        point_quad_rasterization: bit(s0, 7),
        cull_face: bits(s0, 8, 2),
        fill_front: bits(s0, 10, 2),
        fill_back: bits(s0, 12, 2),
        scissor: bit(s0, 14),
        front_ccw: bit(s0, 15),
        clamp_vertex_color: bit(s0, 16),
        clamp_fragment_color: bit(s0, 17),
        offset_line: bit(s0, 18),
        offset_point: bit(s0, 19),
        offset_tri: bit(s0, 20),
        poly_smooth: bit(s0, 21),
        poly_stipple_enable: bit(s0, 22),
        point_smooth: bit(s0, 23),
        point_size_per_vertex: bit(s0, 24),
        multisample: bit(s0, 25),
        line_smooth: bit(s0, 26),
        line_stipple_enable: bit(s0, 27),
        line_last_pixel: bit(s0, 28),
        half_pixel_center: bit(s0, 29),
        bottom_edge_rule: bit(s0, 30),
        force_persample_interp: bit(s0, 31),
        point_size: float(p[l::RS_POINT_SIZE]),
        sprite_coord_enable: p[l::RS_SPRITE_COORD_ENABLE],
        line_stipple_pattern: s3 as u16,
        line_stipple_factor: bits(s3, 16, 8),
        clip_plane_enable: bits(s3, 24, 8),
        line_width: float(p[l::RS_LINE_WIDTH]),
        offset_units: float(p[l::RS_OFFSET_UNITS]),
        offset_scale: float(p[l::RS_OFFSET_SCALE]),
        offset_clamp: float(p[l::RS_OFFSET_CLAMP]),
    })
}

fn dsa(p: &[u32]) -> Parsed<Dsa> {
    exact("CREATE_OBJECT(DSA)", p, l::DSA_SIZE)?;
    let s0 = p[l::DSA_S0];
    let stencil = std::array::from_fn(|i| {
        let w = p[l::DSA_S1 + i];
        StencilState {
            enabled: bit(w, 0),
            func: bits(w, 1, 3),
            fail_op: bits(w, 4, 3),
            zpass_op: bits(w, 7, 3),
            zfail_op: bits(w, 10, 3),
            valuemask: bits(w, 13, 8),
            writemask: bits(w, 21, 8),
        }
    });
    Ok(Dsa {
        depth_enabled: bit(s0, 0),
        depth_writemask: bit(s0, 1),
        depth_func: bits(s0, 2, 3),
        alpha_enabled: bit(s0, 8),
        alpha_func: bits(s0, 9, 3),
        stencil,
        alpha_ref: float(p[l::DSA_ALPHA_REF]),
    })
}

fn shader(p: &[u32]) -> Parsed<Shader<'_>> {
    at_least("CREATE_OBJECT(SHADER)", p, l::SHADER_MIN_SIZE)?;
    let shader_type = stage("CREATE_OBJECT(SHADER)", p[l::SHADER_TYPE])?;
    let offlen = p[l::SHADER_OFFSET];
    let chunk = if offlen & l::SHADER_OFFSET_CONT != 0 {
        ShaderChunk::Continuation { offset: offlen & !l::SHADER_OFFSET_CONT }
    } else {
        ShaderChunk::First { total_len: offlen }
    };
    let count_word = p[l::SHADER_SO_NUM_OUTPUTS];
    let (req_local_mem, num_so) =
        if shader_type == ShaderType::Compute { (count_word, 0) } else { (0, count_word) };
    if num_so > limits::SO_OUTPUTS {
        return Err(inval(format!(
            "CREATE_OBJECT(SHADER): {num_so} stream outputs (max {})",
            limits::SO_OUTPUTS
        )));
    }
    // Header: 5 words, plus 4 strides and 2 words per output when there are outputs.
    let header = if num_so > 0 { l::SHADER_MIN_SIZE + 4 + 2 * num_so as usize } else { 5 };
    at_least("CREATE_OBJECT(SHADER) with stream outputs", p, header)?;
    let stream_output = (num_so > 0).then(|| {
        let strides = l::SHADER_SO_STRIDE;
        let first = strides + limits::SO_BUFFERS;
        let outputs = p[first..header]
            .chunks_exact(2)
            .map(|c| StreamOutputEntry {
                register_index: bits(c[0], 0, 8),
                start_component: bits(c[0], 8, 2),
                num_components: bits(c[0], 10, 3),
                output_buffer: bits(c[0], 13, 3),
                dst_offset: (c[0] >> 16) as u16,
                stream: bits(c[1], 0, 2),
            })
            .collect();
        StreamOutput { stride: words(&p[strides..]), outputs }
    });
    Ok(Shader {
        shader_type,
        chunk,
        num_tokens: p[l::SHADER_NUM_TOKENS],
        req_local_mem,
        stream_output,
        text: &p[header..],
    })
}

fn vertex_elements(p: &[u32]) -> Parsed<Vec<VertexElement>> {
    at_least("CREATE_OBJECT(VERTEX_ELEMENTS)", p, 1)?;
    let rest = &p[1..];
    if rest.len() % l::VE_ELEMENT_WORDS != 0 {
        return Err(inval(format!(
            "CREATE_OBJECT(VERTEX_ELEMENTS): {} payload dwords, not 1 + 4n",
            p.len()
        )));
    }
    let n = rest.len() / l::VE_ELEMENT_WORDS;
    if n > limits::ATTRIBS as usize {
        return Err(inval(format!(
            "CREATE_OBJECT(VERTEX_ELEMENTS): {n} elements (max {})",
            limits::ATTRIBS
        )));
    }
    rest.chunks_exact(l::VE_ELEMENT_WORDS)
        .map(|c| {
            if c[2] >= limits::ATTRIBS {
                return Err(inval(format!(
                    "CREATE_OBJECT(VERTEX_ELEMENTS): vertex buffer index {} (max {})",
                    c[2],
                    limits::ATTRIBS - 1
                )));
            }
            Ok(VertexElement {
                src_offset: c[0],
                instance_divisor: c[1],
                vertex_buffer_index: c[2],
                src_format: c[3],
            })
        })
        .collect()
}

fn sampler_view(p: &[u32]) -> Parsed<SamplerView> {
    exact("CREATE_OBJECT(SAMPLER_VIEW)", p, l::SAMPLER_VIEW_SIZE)?;
    let format = p[2] & 0x00ff_ffff;
    let target = (p[2] >> 24) as u8;
    if format == 0 || format >= limits::FORMAT_MAX {
        return Err(Reject {
            ctx_error: ctx_error::ILLEGAL_FORMAT,
            msg: format!("CREATE_OBJECT(SAMPLER_VIEW): format {format}"),
        });
    }
    if u32::from(target) >= limits::TEXTURE_TYPES {
        return Err(Reject {
            ctx_error: ctx_error::ILLEGAL_SAMPLER_VIEW_TARGET,
            msg: format!("CREATE_OBJECT(SAMPLER_VIEW): target {target}"),
        });
    }
    let sw = p[5];
    let view = SamplerView {
        res_handle: p[1],
        format,
        target,
        val0: p[3],
        val1: p[4],
        swizzle: [bits(sw, 0, 3), bits(sw, 3, 3), bits(sw, 6, 3), bits(sw, 9, 3)],
    };
    // A texture target named in the command: its layer range must be ordered. (Target 0
    // leaves buffer-or-texture to the resource; the executor checks those.)
    if target != 0 && view.first_layer() > view.last_layer() {
        return Err(inval(format!(
            "CREATE_OBJECT(SAMPLER_VIEW): first layer {} > last layer {}",
            view.first_layer(),
            view.last_layer()
        )));
    }
    Ok(view)
}

fn sampler_state(p: &[u32]) -> Parsed<SamplerState> {
    exact("CREATE_OBJECT(SAMPLER_STATE)", p, l::SAMPLER_STATE_SIZE)?;
    let s0 = p[1];
    let min_mip_filter = bits(s0, 11, 2);
    if min_mip_filter > super::MIPFILTER_NONE {
        return Err(inval(format!("CREATE_OBJECT(SAMPLER_STATE): mip filter {min_mip_filter}")));
    }
    Ok(SamplerState {
        wrap_s: bits(s0, 0, 3),
        wrap_t: bits(s0, 3, 3),
        wrap_r: bits(s0, 6, 3),
        min_img_filter: bits(s0, 9, 1),
        min_mip_filter,
        mag_img_filter: bits(s0, 13, 1),
        compare_mode: bit(s0, 15),
        compare_func: bits(s0, 16, 3),
        seamless_cube_map: bit(s0, 19),
        max_anisotropy: bits(s0, 20, 5),
        lod_bias: float(p[2]),
        min_lod: float(p[3]),
        max_lod: float(p[4]),
        border_color: words(&p[5..]),
    })
}

fn surface(p: &[u32], nr_samples: u32) -> Parsed<Surface> {
    let s = Surface { res_handle: p[1], format: p[2], val0: p[3], val1: p[4], nr_samples };
    if s.format >= limits::FORMAT_MAX {
        return Err(Reject {
            ctx_error: ctx_error::ILLEGAL_FORMAT,
            msg: format!("CREATE_OBJECT(SURFACE): format {}", s.format),
        });
    }
    // Upstream reads the layer pair from val1 whatever the resource is.
    if s.first_layer() > s.last_layer() {
        return Err(inval(format!(
            "CREATE_OBJECT(SURFACE): first layer {} > last layer {}",
            s.first_layer(),
            s.last_layer()
        )));
    }
    Ok(s)
}
