//! The GL program cache: guest shaders (TGSI text per stage + a [`VariantKey`] each)
//! → linked GL programs, with what a draw binds and enables for them.
//!
//! A miss parses and translates each stage with [`crate::model::shader`] (the GLSL holds
//! no guest text), compiles and links it; compile and link failures come back as an
//! EINVAL [`Error`] carrying the GL info log, logged once: the last few failures are
//! remembered, so a guest asking again gets the same error without another compile.
//!
//! Keys: the entries are found through a SipHash of the stages' texts and keys, keyed
//! randomly per cache (std's `RandomState`), and every hit compares the full texts and
//! keys, so a guest that finds a collision only gets a miss. Bounded: at most
//! [`MAX_PROGRAMS`] programs and [`MAX_SOURCE_BYTES`] of TGSI + GLSL held; the least
//! recently used program is deleted first. [`ProgramId`]s are never reused: the id of an
//! evicted program fails with EINVAL (the caller asks [`GlBackend::program`] again).
//!
//! Sampler `SAMP[i]` of each stage gets a texture unit, numbered across the stages in
//! order (vertex, geometry, fragment), set in the program once at link time
//! ([`StageBindings::samplers`]). Uniform blocks get their binding points
//! ([`super::buffer_bindings::ubo_binding`]) at link time too.

use super::GlBackend;
use crate::error::{Error, Result};
use crate::model::shader::{self, Processor, ShaderInfo, VariantKey};
use glow::HasContext;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// Programs kept at most.
pub const MAX_PROGRAMS: usize = 1024;
/// TGSI + GLSL bytes kept at most (over all cached programs).
pub const MAX_SOURCE_BYTES: usize = 64 << 20;
/// Failed translations/links remembered (their error is returned without a new compile).
const MAX_FAILURES: usize = 16;

/// A cached program; stays valid until evicted (never reused for another program).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProgramId(u64);

/// One constant buffer a stage reads: `{stage}_cb{index}[len]` (`uvec4`s).
#[derive(Clone, Debug)]
pub struct ConstBuffer {
    pub index: u32,
    /// Length in `uvec4`s.
    pub len: u32,
    loc: Option<glow::NativeUniformLocation>,
}

/// What one stage of a program binds.
#[derive(Clone, Debug)]
pub struct StageBindings {
    pub stage: Processor,
    pub const_buffers: Vec<ConstBuffer>,
    /// (SAMP index, texture unit): bind the sampler view for SAMP[i] of this stage there.
    pub samplers: Vec<(u32, u32)>,
    /// What the translator reported for the stage.
    pub info: ShaderInfo,
}

/// What a draw with this program needs beyond the program itself.
#[derive(Clone, Debug)]
pub struct ProgramInfo {
    /// Per stage, in pipeline order.
    pub stages: Vec<StageBindings>,
    /// Enable `GL_PROGRAM_POINT_SIZE` ([`GlBackend::use_program`] does).
    pub point_size: bool,
    /// Enable `GL_CLIP_DISTANCEi` for bit i ([`GlBackend::use_program`] does).
    pub clip_distances: u8,
}

/// Counters for tests and debugging.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgramStats {
    pub hits: u64,
    pub misses: u64,
    /// Misses that failed (translation, compile or link), and repeats of a remembered one.
    pub failures: u64,
    pub evictions: u64,
    /// Programs held now, and their TGSI + GLSL bytes.
    pub programs: usize,
    pub bytes: usize,
}

/// The stages of a program as asked: TGSI text and variant key each.
type Stages = Vec<(Box<str>, VariantKey)>;

struct Entry {
    program: glow::NativeProgram,
    hash: u64,
    stages: Stages,
    bytes: usize,
    last_used: u64,
    info: ProgramInfo,
}

/// Hashes [`ProgramId`]s (our own sequence numbers, never the guest's: no keyed hash
/// needed) with one multiplication; every draw looks its program up several times.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Owned by [`GlBackend`]; see the module docs.
pub(super) struct ProgramCache {
    hasher: RandomState,
    by_hash: HashMap<u64, Vec<ProgramId>>,
    entries: HashMap<ProgramId, Entry, BuildHasherDefault<IdHasher>>,
    failures: VecDeque<(u64, Stages, Error)>,
    clock: u64,
    next_id: u64,
    max_programs: usize,
    max_bytes: usize,
    stats: ProgramStats,
}

impl ProgramCache {
    pub(super) fn new() -> Self {
        ProgramCache {
            hasher: RandomState::new(),
            by_hash: HashMap::new(),
            entries: HashMap::default(),
            failures: VecDeque::new(),
            clock: 0,
            next_id: 1,
            max_programs: MAX_PROGRAMS,
            max_bytes: MAX_SOURCE_BYTES,
            stats: ProgramStats::default(),
        }
    }

    fn hash(&self, stages: &[(&str, &VariantKey)]) -> u64 {
        let mut h = self.hasher.build_hasher();
        stages.len().hash(&mut h);
        for (text, key) in stages {
            text.hash(&mut h);
            key.hash(&mut h);
        }
        h.finish()
    }

    fn find(&self, hash: u64, stages: &[(&str, &VariantKey)]) -> Option<ProgramId> {
        let ids = self.by_hash.get(&hash)?;
        ids.iter().copied().find(|id| same(&self.entries[id].stages, stages))
    }

    fn touch(&mut self, id: ProgramId) -> Option<&Entry> {
        self.clock += 1;
        let now = self.clock;
        let e = self.entries.get_mut(&id)?;
        e.last_used = now;
        Some(e)
    }

    /// Removes the least recently used entry; its GL program is the caller's to delete.
    fn pop_lru(&mut self) -> Option<glow::NativeProgram> {
        let (&id, _) = self.entries.iter().min_by_key(|(_, e)| e.last_used)?;
        let e = self.entries.remove(&id)?;
        if let Some(ids) = self.by_hash.get_mut(&e.hash) {
            ids.retain(|&i| i != id);
            if ids.is_empty() {
                self.by_hash.remove(&e.hash);
            }
        }
        self.stats.programs -= 1;
        self.stats.bytes -= e.bytes;
        self.stats.evictions += 1;
        Some(e.program)
    }

    fn over(&self, extra_programs: usize, extra_bytes: usize) -> bool {
        self.stats.programs + extra_programs > self.max_programs
            || self.stats.bytes + extra_bytes > self.max_bytes
    }
}

fn same(held: &[(Box<str>, VariantKey)], asked: &[(&str, &VariantKey)]) -> bool {
    held.len() == asked.len()
        && held.iter().zip(asked).all(|((t, k), (at, ak))| &**t == *at && k == *ak)
}

fn owned(stages: &[(&str, &VariantKey)]) -> Stages {
    stages.iter().map(|(t, k)| (Box::from(*t), **k)).collect()
}

fn prefix(p: Processor) -> &'static str {
    match p {
        Processor::Fragment => "fs",
        Processor::Geometry => "gs",
        Processor::TessCtrl => "tcs",
        Processor::TessEval => "tes",
        _ => "vs",
    }
}

fn gl_stage(p: Processor) -> u32 {
    match p {
        Processor::Fragment => glow::FRAGMENT_SHADER,
        Processor::Geometry => glow::GEOMETRY_SHADER,
        Processor::TessCtrl => glow::TESS_CONTROL_SHADER,
        Processor::TessEval => glow::TESS_EVALUATION_SHADER,
        _ => glow::VERTEX_SHADER,
    }
}

impl GlBackend {
    /// The program for these stages (vertex, optional geometry, fragment: TGSI text and
    /// the variant key each stage is translated with), from the cache or built now.
    pub fn program(&mut self, stages: &[(&str, &VariantKey)]) -> Result<ProgramId> {
        let hash = self.programs.hash(stages);
        if let Some(id) = self.programs.find(hash, stages) {
            self.programs.stats.hits += 1;
            self.programs.touch(id);
            return Ok(id);
        }
        if let Some((_, _, e)) =
            self.programs.failures.iter().find(|(h, s, _)| *h == hash && same(s, stages))
        {
            self.programs.stats.failures += 1;
            return Err(e.clone());
        }
        self.programs.stats.misses += 1;
        self.begin()?;
        match self.build_program(stages) {
            Ok((program, info, glsl_bytes)) => {
                let bytes = glsl_bytes + stages.iter().map(|(t, _)| t.len()).sum::<usize>();
                self.evict_until(1, bytes);
                let c = &mut self.programs;
                let id = ProgramId(c.next_id);
                c.next_id += 1;
                c.clock += 1;
                let stages = owned(stages);
                let last_used = c.clock;
                c.entries.insert(id, Entry { program, hash, stages, bytes, last_used, info });
                c.by_hash.entry(hash).or_default().push(id);
                c.stats.programs += 1;
                c.stats.bytes += bytes;
                Ok(id)
            }
            Err(e) => {
                log::warn!("shader program not built: {}", e.msg);
                let c = &mut self.programs;
                c.stats.failures += 1;
                if c.failures.len() == MAX_FAILURES {
                    c.failures.pop_front();
                }
                c.failures.push_back((hash, owned(stages), e.clone()));
                Err(e)
            }
        }
    }

    /// Evicts least recently used programs until `programs` more and `bytes` more fit.
    fn evict_until(&mut self, programs: usize, bytes: usize) {
        while self.programs.stats.programs > 0 && self.programs.over(programs, bytes) {
            if let Some(p) = self.programs.pop_lru() {
                // SAFETY: the context is current (callers ran begin()); the program is ours
                // and no longer referenced by the cache.
                unsafe { self.gl.delete_program(p) };
            }
        }
    }

    /// Translates, compiles and links; returns the program, its bindings and GLSL bytes.
    fn build_program(
        &mut self,
        stages: &[(&str, &VariantKey)],
    ) -> Result<(glow::NativeProgram, ProgramInfo, usize)> {
        let mut parsed = Vec::with_capacity(stages.len());
        for (i, (text, key)) in stages.iter().enumerate() {
            let p = shader::parse(text)
                .map_err(|e| Error::inval(format!("shader stage {i}: TGSI: {e}")))?;
            // An OpenGL ES host compiles GLSL ES (the caller's key says nothing of the host).
            let key = VariantKey {
                glsl_es: self.es.is_some(),
                es_clip_distance: self.es.is_some_and(|e| e.clip_distance),
                ..**key
            };
            parsed.push((p, key));
        }
        let order: Vec<Processor> = parsed.iter().map(|(p, _)| p.processor).collect();
        use Processor::{Fragment as F, Geometry as G, TessCtrl as C, TessEval as E, Vertex as V};
        if !matches!(
            order.as_slice(),
            [V, F] | [V, G, F] | [V, E, F] | [V, C, E, F] | [V, E, G, F] | [V, C, E, G, F]
        ) {
            return Err(Error::inval(format!(
                "shader stages {order:?}: a program is vertex, [[tess control,] tess \
                 evaluation,] [geometry,] fragment"
            )));
        }
        let mut glsl = Vec::with_capacity(parsed.len());
        for (p, key) in &parsed {
            let (src, info) = shader::emit_with_info(p, key).map_err(|e| {
                Error::inval(format!("{} shader not translated: {e}", prefix(p.processor)))
            })?;
            log::trace!("GLSL ({:?}):\n{src}", p.processor);
            glsl.push((p.processor, src, info));
        }
        for (stage, _, info) in &glsl {
            if let Some(&(b, _)) = info
                .uniform_blocks
                .iter()
                .find(|&&(b, _)| super::buffer_bindings::ubo_binding(*stage, b).is_none())
            {
                return Err(Error::inval(format!(
                    "{} shader reads uniform block {b} (at most {})",
                    prefix(*stage),
                    super::buffer_bindings::MAX_UNIFORM_BLOCKS
                )));
            }
        }
        let glsl_bytes = glsl.iter().map(|(_, s, _)| s.len()).sum();
        let units: usize = glsl.iter().map(|(_, _, i)| i.samplers.len()).sum();
        // SAFETY: a plain query on the current context.
        let max = unsafe { self.gl.get_parameter_i32(glow::MAX_COMBINED_TEXTURE_IMAGE_UNITS) };
        if units > max.max(0) as usize {
            return Err(Error::inval(format!(
                "program samples {units} textures; GL has {max} texture units"
            )));
        }
        let program = self.link(&glsl)?;
        // The program current in GL changes here (to none at the end).
        self.draw.current_program = None;
        let info = self.bindings(program, glsl);
        if let Err(e) = self.check("program bindings") {
            // SAFETY: the context is current; the program is ours and not cached.
            unsafe { self.gl.delete_program(program) };
            return Err(e);
        }
        Ok((program, info, glsl_bytes))
    }

    /// Compiles each stage and links them; any failure deletes what was made.
    fn link(&self, glsl: &[(Processor, String, ShaderInfo)]) -> Result<glow::NativeProgram> {
        let gl = &self.gl;
        let mut shaders = Vec::with_capacity(glsl.len());
        let mut failure = None;
        for (stage, src, _) in glsl {
            // SAFETY: the context is current; the shader objects are created and deleted here.
            unsafe {
                let s = gl
                    .create_shader(gl_stage(*stage))
                    .map_err(|e| Error::nomem(format!("glCreateShader: {e}")))?;
                gl.shader_source(s, src);
                gl.compile_shader(s);
                shaders.push(s);
                if !gl.get_shader_compile_status(s) {
                    let log = gl.get_shader_info_log(s);
                    failure = Some(format!("{} shader did not compile: {log}", prefix(*stage)));
                    break;
                }
            }
        }
        // SAFETY: the context is current; the program and shaders are ours; the shaders are
        // deleted once attached (GL frees them with the program).
        unsafe {
            let result = match failure {
                Some(f) => Err(Error::inval(f)),
                None => match gl.create_program() {
                    Err(e) => Err(Error::nomem(format!("glCreateProgram: {e}"))),
                    Ok(p) => {
                        for &s in &shaders {
                            gl.attach_shader(p, s);
                        }
                        // Stream output: the last vertex stage's captured varyings.
                        if let Some((_, _, i)) =
                            glsl.iter().find(|(_, _, i)| !i.xfb_varyings.is_empty())
                        {
                            let names: Vec<&str> =
                                i.xfb_varyings.iter().map(String::as_str).collect();
                            gl.transform_feedback_varyings(p, &names, glow::INTERLEAVED_ATTRIBS);
                        }
                        gl.link_program(p);
                        for &s in &shaders {
                            gl.detach_shader(p, s);
                        }
                        if gl.get_program_link_status(p) {
                            Ok(p)
                        } else {
                            let log = gl.get_program_info_log(p);
                            gl.delete_program(p);
                            Err(Error::inval(format!("program did not link: {log}")))
                        }
                    }
                },
            };
            for s in shaders {
                gl.delete_shader(s);
            }
            result
        }
    }

    /// Uniform locations, texture units (set in the program now), what to enable.
    fn bindings(
        &self,
        program: glow::NativeProgram,
        glsl: Vec<(Processor, String, ShaderInfo)>,
    ) -> ProgramInfo {
        let gl = &self.gl;
        let mut unit = 0u32;
        let mut out = ProgramInfo { stages: Vec::new(), point_size: false, clip_distances: 0 };
        let last_vertex = glsl.len().saturating_sub(2);
        // SAFETY: the context is current; the program is ours and linked.
        unsafe {
            gl.use_program(Some(program));
            for (i, (stage, _, info)) in glsl.into_iter().enumerate() {
                let pre = prefix(stage);
                let const_buffers = info
                    .const_buffers
                    .iter()
                    .map(|&(index, len)| ConstBuffer {
                        index,
                        len,
                        loc: gl.get_uniform_location(program, &format!("{pre}_cb{index}")),
                    })
                    .collect();
                let mut samplers = Vec::new();
                for &(index, _, _) in &info.samplers {
                    let loc = gl.get_uniform_location(program, &format!("{pre}_samp{index}"));
                    gl.uniform_1_i32(loc.as_ref(), unit as i32);
                    samplers.push((index, unit));
                    unit += 1;
                }
                for &(index, _) in &info.uniform_blocks {
                    let block = gl.get_uniform_block_index(program, &format!("{pre}_block{index}"));
                    if let (Some(block), Some(binding)) =
                        (block, super::buffer_bindings::ubo_binding(stage, index))
                    {
                        gl.uniform_block_binding(program, block, binding);
                    }
                }
                if i == last_vertex {
                    out.point_size = info.writes_point_size;
                    out.clip_distances = info.clip_distances;
                }
                out.stages.push(StageBindings { stage, const_buffers, samplers, info });
            }
            gl.use_program(None);
        }
        out
    }

    fn entry(&self, id: ProgramId) -> Result<&Entry> {
        self.programs
            .entries
            .get(&id)
            .ok_or_else(|| Error::inval(format!("program {} not cached (evicted)", id.0)))
    }

    /// How many programs the cache evicted so far: a program found linked stays linked
    /// while this count holds (numbers are not reused).
    pub fn program_evictions(&self) -> u64 {
        self.programs.stats.evictions
    }

    /// What a draw with `id` binds and enables.
    pub fn program_info(&self, id: ProgramId) -> Result<&ProgramInfo> {
        Ok(&self.entry(id)?.info)
    }

    /// Makes `id` the current program and sets what it needs enabled: program point size,
    /// clip distances (the others disabled).
    pub fn use_program(&mut self, id: ProgramId) -> Result<()> {
        self.entry(id)?;
        self.begin()?;
        self.use_program_begun(id)
    }

    /// [`Self::use_program`] where the caller made the context current (the draw).
    pub(super) fn use_program_begun(&mut self, id: ProgramId) -> Result<()> {
        self.entry(id)?;
        let current = self.draw.current_program == Some(id) && self.single_context();
        let e = self.programs.touch(id).expect("checked above");
        if current {
            // Current already, with its enables (nothing else changes them).
            return Ok(());
        }
        self.draw.current_program = None;
        let (p, point_size, clip) = (e.program, e.info.point_size, e.info.clip_distances);
        let gl = &self.gl;
        let es = self.es.is_some();
        // GL_CLIP_DISTANCEi_EXT has the desktop values.
        let clip_enables = if self.es.is_some_and(|e| !e.clip_distance) { 0 } else { 8 };
        // SAFETY: the context is current; the program is a live cached one.
        unsafe {
            gl.use_program(Some(p));
            // OpenGL ES: the program point size is always on; without
            // GL_EXT_clip_cull_distance the translation refuses clip distances (`clip` is 0).
            if es {
            } else if point_size {
                gl.enable(glow::PROGRAM_POINT_SIZE);
            } else {
                gl.disable(glow::PROGRAM_POINT_SIZE);
            }
            for i in 0..clip_enables {
                if clip & (1 << i) != 0 {
                    gl.enable(glow::CLIP_DISTANCE0 + i);
                } else {
                    gl.disable(glow::CLIP_DISTANCE0 + i);
                }
            }
        }
        self.check("glUseProgram")?;
        self.draw.current_program = Some(id);
        Ok(())
    }

    /// Fills constant buffer `index` of `stage` in program `id` (and makes `id` current):
    /// `data` as `uvec4`s, bit-exact; cut to the buffer's length, the last `uvec4` padded
    /// with zeros. A buffer the program does not read is ignored.
    pub fn set_constants(
        &mut self,
        id: ProgramId,
        stage: Processor,
        index: u32,
        data: &[u32],
    ) -> Result<()> {
        let e = self.entry(id)?;
        let Some(cb) = e
            .info
            .stages
            .iter()
            .filter(|s| s.stage == stage)
            .flat_map(|s| &s.const_buffers)
            .find(|c| c.index == index)
        else {
            return Ok(());
        };
        let (p, loc) = (e.program, cb.loc);
        let n = data.len().min(cb.len as usize * 4);
        // Whole uvec4s: the data as it is, or a copy with the last one padded.
        let padded;
        let v = if n % 4 == 0 {
            &data[..n]
        } else {
            let mut c = data[..n].to_vec();
            c.resize(n.div_ceil(4) * 4, 0);
            padded = c;
            &padded[..]
        };
        // Uniforms only: nothing a draw keeps bound changes.
        self.begin_draw()?;
        let current = self.draw.current_program == Some(id) && self.single_context();
        // SAFETY: the context is current; the program is a live cached one; `v` holds
        // whole uvec4s, no more than the array has.
        unsafe {
            if !current {
                self.gl.use_program(Some(p));
                // Current now, but without its enables.
                self.draw.current_program = None;
            }
            if !v.is_empty() {
                self.gl.uniform_4_u32_slice(loc.as_ref(), v);
            }
        }
        self.check("constant buffer upload")
    }

    /// The GL program of `id` (for the uniforms the draw path sets itself).
    pub(super) fn program_name(&self, id: ProgramId) -> Result<glow::NativeProgram> {
        Ok(self.entry(id)?.program)
    }

    /// The id's number (for memos outside the backend).
    pub fn program_number(id: ProgramId) -> u64 {
        id.0
    }

    /// The id of number `n` (from [`Self::program_number`]); stale ids fail in use.
    pub fn program_from_number(n: u64) -> ProgramId {
        ProgramId(n)
    }

    /// Cache counters.
    pub fn program_stats(&self) -> ProgramStats {
        self.programs.stats
    }

    /// Changes the cache's bounds (tests), evicting down to them now.
    pub fn set_program_limits(&mut self, programs: usize, bytes: usize) -> Result<()> {
        self.programs.max_programs = programs.max(1);
        self.programs.max_bytes = bytes;
        self.begin()?;
        self.evict_until(0, 0);
        Ok(())
    }

    /// Deletes every cached program (the next request builds again).
    pub fn clear_programs(&mut self) -> Result<()> {
        self.begin()?;
        while let Some(p) = self.programs.pop_lru() {
            // SAFETY: the context is current; the program is ours, out of the cache.
            unsafe { self.gl.delete_program(p) };
        }
        self.programs.failures.clear();
        Ok(())
    }

    #[cfg(test)]
    fn gl_program(&self, id: ProgramId) -> Option<glow::NativeProgram> {
        self.programs.entries.get(&id).map(|e| e.program)
    }
}

#[cfg(test)]
#[path = "program_tests.rs"]
mod tests;
