//! Stream output (transform feedback) of the last vertex stage: the components the guest's
//! stream-output info lists become generated varyings (`xfb<i>`; a whole register that
//! leaves the stage as `gl_Position` or a varying is captured under that name), and the list GL's
//! `glTransformFeedbackVaryings` takes (interleaved mode) places each at its dword offset in
//! its buffer: gaps are `gl_SkipComponents<n>`, buffers are separated by `gl_NextBuffer`,
//! and each buffer is padded to its vertex stride.

use super::*;

/// Stream outputs a shader may list (gallium's `PIPE_MAX_SO_OUTPUTS`).
pub const MAX_SO_OUTPUTS: usize = 64;
/// Stream-output buffers (gallium's `PIPE_MAX_SO_BUFFERS`).
pub const MAX_SO_BUFFERS: usize = 4;
/// Components (captured or skipped) one buffer's vertex may span: GL's interleaved limit
/// is at least 64 and llvmpipe's is 128; more is refused before anything is generated.
pub const MAX_SO_COMPONENTS: u32 = 128;

/// One captured output: components `start..start + components` of `OUT[register]`, written
/// at dword `dst_offset` of each vertex in buffer `buffer`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SoOutput {
    pub register: u8,
    pub start: u8,
    pub components: u8,
    pub buffer: u8,
    pub dst_offset: u16,
}

/// The stream-output layout of a shader, in the variant key of the last vertex stage
/// (fixed size so the key stays `Copy`; empty: nothing captured). Compared and hashed over
/// its `count` outputs only: every draw compares variant keys, and most capture nothing.
#[derive(Clone, Copy, Debug)]
pub struct StreamOutKey {
    count: u8,
    /// Vertex stride of each buffer, in dwords.
    stride: [u16; MAX_SO_BUFFERS],
    outputs: [SoOutput; MAX_SO_OUTPUTS],
}

impl Default for StreamOutKey {
    fn default() -> Self {
        StreamOutKey {
            count: 0,
            stride: [0; MAX_SO_BUFFERS],
            outputs: [SoOutput::default(); MAX_SO_OUTPUTS],
        }
    }
}

impl PartialEq for StreamOutKey {
    fn eq(&self, other: &Self) -> bool {
        (self.count, self.stride, self.outputs()) == (other.count, other.stride, other.outputs())
    }
}

impl Eq for StreamOutKey {}

impl std::hash::Hash for StreamOutKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.count, self.stride, self.outputs()).hash(h);
    }
}

impl StreamOutKey {
    /// Checks the layout (at most 64 outputs, 1–4 components within the register, buffer
    /// below 4, strides and offsets within [`MAX_SO_COMPONENTS`]); the reason otherwise.
    pub fn new(stride: [u32; 4], outputs: &[SoOutput]) -> std::result::Result<Self, String> {
        if outputs.len() > MAX_SO_OUTPUTS {
            return Err(format!("{} stream outputs (max {MAX_SO_OUTPUTS})", outputs.len()));
        }
        let mut key = StreamOutKey { count: outputs.len() as u8, ..Default::default() };
        for (i, s) in stride.iter().enumerate() {
            if *s > MAX_SO_COMPONENTS {
                return Err(format!("stream-output stride {s} dwords (max {MAX_SO_COMPONENTS})"));
            }
            key.stride[i] = *s as u16;
        }
        for (i, o) in outputs.iter().enumerate() {
            if !(1..=4).contains(&o.components) || u32::from(o.start) + u32::from(o.components) > 4
            {
                return Err(format!(
                    "stream output {i}: components {}..{} of a 4-component register",
                    o.start,
                    u32::from(o.start) + u32::from(o.components)
                ));
            }
            if usize::from(o.buffer) >= MAX_SO_BUFFERS {
                return Err(format!("stream output {i}: buffer {}", o.buffer));
            }
            if u32::from(o.dst_offset) + u32::from(o.components) > MAX_SO_COMPONENTS {
                return Err(format!("stream output {i}: dword offset {}", o.dst_offset));
            }
            key.outputs[i] = *o;
        }
        Ok(key)
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn outputs(&self) -> &[SoOutput] {
        &self.outputs[..usize::from(self.count)]
    }

    /// Vertex stride of each buffer, in dwords.
    pub fn strides(&self) -> [u16; MAX_SO_BUFFERS] {
        self.stride
    }

    /// The buffers written (bit b = buffer b).
    pub fn buffers(&self) -> u8 {
        self.outputs().iter().fold(0, |m, o| m | 1 << o.buffer)
    }
}

/// What the emitter adds for stream output.
pub(super) struct SoPlan {
    /// Declarations (`out vecN xfb<i>;`).
    pub decls: String,
    /// Stores into the varyings (in `store_outputs`).
    pub stores: String,
    /// The names for `glTransformFeedbackVaryings` (interleaved), in capture order.
    pub varyings: Vec<String>,
}

fn skip(varyings: &mut Vec<String>, mut n: u32) {
    while n > 0 {
        let k = n.min(4);
        varyings.push(format!("gl_SkipComponents{k}"));
        n -= k;
    }
}

/// The varyings for `key`: `outputs` are the stage's declared (register, semantic) pairs.
/// `to_geometry`: the stage's varyings go to a geometry stage (not captured by name).
pub(super) fn plan(
    key: &StreamOutKey,
    outputs: &[(u32, Semantic)],
    es: bool,
    to_geometry: bool,
) -> Result<SoPlan> {
    let mut p = SoPlan { decls: String::new(), stores: String::new(), varyings: Vec::new() };
    // Per output: the name GL captures. A whole register that already leaves the stage
    // as gl_Position or a varying is captured under that name (no second copy taking
    // varying space); anything else is copied into a generated `xfb<i>`.
    let mut names: Vec<String> = Vec::with_capacity(key.outputs().len());
    for (i, o) in key.outputs().iter().enumerate() {
        let reg = u32::from(o.register);
        let Some(&(_, sem)) = outputs.iter().find(|&&(r, _)| r == reg) else {
            return Err(invalid(0, "stream output of an undeclared output register"));
        };
        if o.start == 0 && o.components == 4 && !to_geometry {
            let own = match sem.name {
                SemanticName::Position if sem.index == 0 => Some("gl_Position".to_string()),
                _ => varying_slot(sem).map(varying_name),
            };
            if let Some(n) = own.filter(|n| !names.contains(n)) {
                names.push(n);
                continue;
            }
        }
        let ty = match o.components {
            1 => "float".to_string(),
            n => format!("vec{n}"),
        };
        let comps: String =
            COMP[usize::from(o.start)..usize::from(o.start + o.components)].iter().collect();
        let _ = writeln!(p.decls, "out {ty} xfb{i};");
        let _ = writeln!(p.stores, "    xfb{i} = o{reg}.{comps};");
        names.push(format!("xfb{i}"));
    }
    let last = (0..MAX_SO_BUFFERS).rev().find(|b| key.buffers() & (1 << b) != 0);
    let Some(last) = last else { return Ok(p) };
    for b in 0..=last {
        if b > 0 {
            p.varyings.push("gl_NextBuffer".into());
        }
        let mut in_buffer: Vec<(usize, &SoOutput)> =
            key.outputs().iter().enumerate().filter(|(_, o)| usize::from(o.buffer) == b).collect();
        in_buffer.sort_by_key(|(_, o)| o.dst_offset);
        let mut at = 0u32;
        for (i, o) in in_buffer {
            let off = u32::from(o.dst_offset);
            if off < at {
                return Err(EmitError::Unsupported("overlapping stream outputs"));
            }
            skip(&mut p.varyings, off - at);
            p.varyings.push(names[i].clone());
            at = off + u32::from(o.components);
        }
        let stride = u32::from(key.stride[b]);
        if stride != 0 && stride < at {
            return Err(invalid(0, "stream outputs past their buffer's stride"));
        }
        skip(&mut p.varyings, stride.saturating_sub(at));
    }
    if es && p.varyings.iter().any(|v| v.starts_with("gl_")) {
        return Err(EmitError::Unsupported("stream-output gaps or several buffers on GLSL ES"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::super::emit_with_info;
    use super::*;
    use crate::model::shader::parse;

    const VS: &str = "VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
        IMM[0] FLT32 { 1.0, 2.0, 3.0, 4.0 }\n  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IMM[0]\n  2: END\n";

    fn out(register: u8, start: u8, components: u8, buffer: u8, dst_offset: u16) -> SoOutput {
        SoOutput { register, start, components, buffer, dst_offset }
    }

    fn emit_so(text: &str, key: StreamOutKey, es: bool) -> Result<(String, ShaderInfo)> {
        let p = parse(text).expect("test shader parses");
        emit_with_info(&p, &VariantKey { stream_output: key, glsl_es: es, ..Default::default() })
    }

    #[test]
    fn key_checks_the_layout() {
        assert!(StreamOutKey::new([4, 0, 0, 0], &[out(0, 0, 4, 0, 0)]).is_ok());
        assert!(StreamOutKey::new([4, 0, 0, 0], &[out(0, 0, 0, 0, 0)]).is_err(), "0 components");
        assert!(StreamOutKey::new([4, 0, 0, 0], &[out(0, 2, 3, 0, 0)]).is_err(), "past w");
        assert!(StreamOutKey::new([4, 0, 0, 0], &[out(0, 0, 4, 4, 0)]).is_err(), "buffer 4");
        assert!(StreamOutKey::new([129, 0, 0, 0], &[]).is_err(), "stride");
        assert!(StreamOutKey::new([4, 0, 0, 0], &[out(0, 0, 4, 0, 126)]).is_err(), "offset");
        assert!(StreamOutKey::new([4; 4], &[out(0, 0, 1, 0, 0); 65]).is_err(), "65 outputs");
        let k = StreamOutKey::new([4; 4], &[out(0, 0, 1, 3, 0); 64]).unwrap();
        assert_eq!((k.outputs().len(), k.buffers()), (64, 0b1000));
        assert!(StreamOutKey::default().is_empty());
    }

    #[test]
    fn varyings_carry_the_requested_components_at_their_offsets() {
        // GENERIC[0].yz at dword 0, POSITION at dword 3 (one skipped), stride 8.
        let key =
            StreamOutKey::new([8, 0, 0, 0], &[out(1, 1, 2, 0, 0), out(0, 0, 4, 0, 3)]).unwrap();
        let (glsl, info) = emit_so(VS, key, false).unwrap();
        assert!(glsl.contains("out vec2 xfb0;"), "{glsl}");
        assert!(glsl.contains("    xfb0 = o1.yz;"), "{glsl}");
        assert!(!glsl.contains("xfb1"), "POSITION is captured as gl_Position: {glsl}");
        assert_eq!(
            info.xfb_varyings,
            ["xfb0", "gl_SkipComponents1", "gl_Position", "gl_SkipComponents1"]
        );
        // A whole GENERIC register goes by its varying's name; twice, the second is a copy.
        let key =
            StreamOutKey::new([8, 0, 0, 0], &[out(1, 0, 4, 0, 0), out(1, 0, 4, 0, 4)]).unwrap();
        let (glsl, info) = emit_so(VS, key, false).unwrap();
        assert_eq!(info.xfb_varyings, ["v_g0", "xfb1"]);
        assert!(glsl.contains("out vec4 xfb1;") && glsl.contains("xfb1 = o1.xyzw;"), "{glsl}");
        assert_eq!(info.xfb_buffers, 1);
    }

    #[test]
    fn outputs_are_sorted_by_offset_and_split_by_buffer() {
        // Buffer 0: POSITION.x at 5 (five skipped), GENERIC.w at 0; buffer 2: GENERIC.xyz.
        let key = StreamOutKey::new(
            [6, 0, 3, 0],
            &[out(0, 0, 1, 0, 5), out(1, 0, 3, 2, 0), out(1, 3, 1, 0, 0)],
        )
        .unwrap();
        let (glsl, info) = emit_so(VS, key, false).unwrap();
        assert!(glsl.contains("out float xfb0;") && glsl.contains("xfb2 = o1.w;"), "{glsl}");
        assert_eq!(
            info.xfb_varyings,
            ["xfb2", "gl_SkipComponents4", "xfb0", "gl_NextBuffer", "gl_NextBuffer", "xfb1"]
        );
        assert_eq!(info.xfb_buffers, 0b101);
    }

    #[test]
    fn bad_layouts_are_refused() {
        let overlap =
            StreamOutKey::new([8, 0, 0, 0], &[out(0, 0, 4, 0, 0), out(1, 0, 2, 0, 3)]).unwrap();
        assert_eq!(
            emit_so(VS, overlap, false).unwrap_err(),
            EmitError::Unsupported("overlapping stream outputs")
        );
        let undeclared = StreamOutKey::new([4, 0, 0, 0], &[out(7, 0, 4, 0, 0)]).unwrap();
        assert!(matches!(emit_so(VS, undeclared, false), Err(EmitError::Invalid { .. })));
        let past_stride = StreamOutKey::new([2, 0, 0, 0], &[out(0, 0, 4, 0, 0)]).unwrap();
        assert!(matches!(emit_so(VS, past_stride, false), Err(EmitError::Invalid { .. })));
        // GLSL ES 3.00 has neither gaps nor gl_NextBuffer; a packed single buffer works.
        let gap = StreamOutKey::new([5, 0, 0, 0], &[out(0, 0, 4, 0, 1)]).unwrap();
        assert!(matches!(emit_so(VS, gap, true), Err(EmitError::Unsupported(_))));
        let packed = StreamOutKey::new([3, 0, 0, 0], &[out(0, 0, 3, 0, 0)]).unwrap();
        assert_eq!(emit_so(VS, packed, true).unwrap().1.xfb_varyings, ["xfb0"]);
    }

    #[test]
    fn geometry_stores_before_each_emit_and_fragments_ignore_the_key() {
        let gs = "GEOM\nPROPERTY GS_INPUT_PRIMITIVE POINTS\nPROPERTY GS_OUTPUT_PRIMITIVE POINTS\n\
            PROPERTY GS_MAX_OUTPUT_VERTICES 1\nDCL IN[][0], POSITION\nDCL OUT[0], POSITION\n\
            \x20 0: MOV OUT[0], IN[0][0]\n  1: EMIT IMM[0].xxxx\n  2: END\n";
        let gs = gs.replace(
            "DCL OUT[0], POSITION\n",
            "DCL OUT[0], POSITION\nIMM[0] INT32 { 0, 0, 0, 0 }\n",
        );
        let key = StreamOutKey::new([2, 0, 0, 0], &[out(0, 1, 2, 0, 0)]).unwrap();
        let (glsl, info) = emit_so(&gs, key, false).unwrap();
        let store = glsl.find("xfb0 = o0.yz;").expect("stored");
        let emit = glsl.find("EmitVertex();").expect("emits");
        assert!(glsl[..store].contains("void store_outputs()") && store < emit, "{glsl}");
        assert_eq!(info.xfb_varyings, ["xfb0"]);
        let fs = "FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 { 1.0, 0.0, 0.0, 1.0 }\n  0: MOV OUT[0], IMM[0]\n  1: END\n";
        let (glsl, info) = emit_so(fs, key, false).unwrap();
        assert!(!glsl.contains("xfb") && info.xfb_varyings.is_empty());
    }

    #[test]
    fn random_layouts_never_panic_and_stay_bounded() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..2000 {
            let count = next(8) as usize;
            let outs: Vec<SoOutput> = (0..count)
                .map(|_| {
                    out(
                        next(3) as u8,
                        next(4) as u8,
                        next(5) as u8,
                        next(5) as u8,
                        next(140) as u16,
                    )
                })
                .collect();
            let strides = [next(140) as u32, next(20) as u32, 0, next(9) as u32];
            let Ok(key) = StreamOutKey::new(strides, &outs) else { continue };
            if let Ok((_, info)) = emit_so(VS, key, false) {
                let comps: usize = info
                    .xfb_varyings
                    .iter()
                    .map(|v| match v.strip_prefix("gl_SkipComponents") {
                        Some(n) => n.parse().unwrap(),
                        None => 1,
                    })
                    .sum();
                assert!(comps <= 4 * MAX_SO_COMPONENTS as usize + 8, "{:?}", info.xfb_varyings);
            }
        }
    }
}
