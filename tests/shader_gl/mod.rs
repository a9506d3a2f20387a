//! GL for the shader tests (`shader_compile`, `shader_render`): an EGL surfaceless context
//! of our own (desktop GL 3.3+ core, or GLES 3.0), compiling and linking translated GLSL,
//! and rendering one pixel through a translated vertex/fragment pair.
//!
//! EGL must work; set `VIRGL_SHIM_SKIP_GL=1` to skip instead of failing.
// Each test binary uses a part of these helpers.
#![allow(dead_code)]

use glow::HasContext;
use khronos_egl as egl;
use virglrenderer::internal::shader::{self, VariantKey};

const PLATFORM_SURFACELESS_MESA: egl::Enum = 0x31DD;

pub struct Gl {
    pub gl: glow::Context,
    // Kept alive for the context's lifetime.
    _egl: egl::DynamicInstance<egl::EGL1_5>,
}

fn setup() -> Result<Gl, String> {
    setup_api(false)
}

/// A desktop GL 3.3 core context, or with `es` a GLES 3.0 one.
pub fn setup_api(es: bool) -> Result<Gl, String> {
    // SAFETY: loads the system's libEGL.so.1 (runs its initialisers).
    let egl = unsafe { egl::DynamicInstance::<egl::EGL1_5>::load_required() }
        .map_err(|e| format!("load libEGL: {e}"))?;
    // SAFETY: EGL_DEFAULT_DISPLAY (NULL) is the native display the surfaceless platform takes.
    let display = unsafe {
        egl.get_platform_display(
            PLATFORM_SURFACELESS_MESA,
            egl::DEFAULT_DISPLAY,
            &[egl::ATTRIB_NONE],
        )
    }
    .map_err(|e| format!("eglGetPlatformDisplay(surfaceless): {e}"))?;
    egl.initialize(display).map_err(|e| format!("eglInitialize: {e}"))?;
    egl.bind_api(if es { egl::OPENGL_ES_API } else { egl::OPENGL_API })
        .map_err(|e| format!("eglBindAPI: {e}"))?;
    let attribs: &[egl::Int] = if es {
        &[egl::CONTEXT_MAJOR_VERSION, 3, egl::CONTEXT_MINOR_VERSION, 0, egl::NONE]
    } else {
        &[
            egl::CONTEXT_MAJOR_VERSION,
            3,
            egl::CONTEXT_MINOR_VERSION,
            3,
            egl::CONTEXT_OPENGL_PROFILE_MASK,
            egl::CONTEXT_OPENGL_CORE_PROFILE_BIT,
            egl::NONE,
        ]
    };
    // SAFETY: EGL_NO_CONFIG_KHR (NULL); Mesa has EGL_KHR_no_config_context.
    let config = unsafe { egl::Config::from_ptr(std::ptr::null_mut()) };
    let ctx = egl
        .create_context(display, config, None, attribs)
        .map_err(|e| format!("eglCreateContext: {e}"))?;
    egl.make_current(display, None, None, Some(ctx)).map_err(|e| format!("eglMakeCurrent: {e}"))?;
    // SAFETY: the context is current on this thread; the loader returns GL entry points.
    let gl = unsafe {
        glow::Context::from_loader_function(|name| {
            egl.get_proc_address(name).map_or(std::ptr::null(), |f| f as *const _)
        })
    };
    Ok(Gl { gl, _egl: egl })
}

pub fn gl_or_skip() -> Option<Gl> {
    or_skip(setup())
}

pub fn or_skip(r: Result<Gl, String>) -> Option<Gl> {
    match r {
        Ok(gl) => Some(gl),
        Err(e) if std::env::var("VIRGL_SHIM_SKIP_GL").as_deref() == Ok("1") => {
            eprintln!("SKIP: no GL ({e}); VIRGL_SHIM_SKIP_GL=1");
            None
        }
        Err(e) => panic!("no GL context: {e} (set VIRGL_SHIM_SKIP_GL=1 to skip)"),
    }
}

impl Gl {
    /// Compiles one stage; Err carries the info log and the source.
    pub fn compile(&self, stage: u32, src: &str) -> Result<glow::Shader, String> {
        let gl = &self.gl;
        // SAFETY: the context is current; all objects are created and used here.
        unsafe {
            let s = gl.create_shader(stage)?;
            gl.shader_source(s, src);
            gl.compile_shader(s);
            if gl.get_shader_compile_status(s) {
                Ok(s)
            } else {
                let log = gl.get_shader_info_log(s);
                gl.delete_shader(s);
                Err(format!("compile failed:\n{log}\n--- source ---\n{src}"))
            }
        }
    }

    pub fn link(&self, vs: &str, gs: Option<&str>, fs: &str) -> Result<(), String> {
        let gl = &self.gl;
        let v = self.compile(glow::VERTEX_SHADER, vs)?;
        let g = gs.map(|g| self.compile(glow::GEOMETRY_SHADER, g)).transpose()?;
        let f = self.compile(glow::FRAGMENT_SHADER, fs)?;
        // SAFETY: the context is current; the objects are ours.
        unsafe {
            let p = gl.create_program()?;
            gl.attach_shader(p, v);
            if let Some(g) = g {
                gl.attach_shader(p, g);
            }
            gl.attach_shader(p, f);
            gl.link_program(p);
            let ok = gl.get_program_link_status(p);
            let log = gl.get_program_info_log(p);
            gl.delete_program(p);
            gl.delete_shader(v);
            if let Some(g) = g {
                gl.delete_shader(g);
            }
            gl.delete_shader(f);
            if ok {
                Ok(())
            } else {
                let gs = gs.unwrap_or("(none)");
                Err(format!(
                    "link failed:\n{log}\n--- VS ---\n{vs}\n--- GS ---\n{gs}\n--- FS ---\n{fs}"
                ))
            }
        }
    }
}

// ---- rendering: the translated programs compute what TGSI says ----

/// What one draw needs: TGSI for both stages, keys, constants, attribute 1 (constant),
/// an optional RGBA32F texture on unit 0 of the fragment stage.
pub struct Draw<'a> {
    pub vs: &'a str,
    pub fs: &'a str,
    pub key: VariantKey,
    pub vs_consts: &'a [[u32; 4]],
    pub fs_consts: &'a [[u32; 4]],
    pub attr1: [f32; 4],
    /// Draw the full-screen triangle clockwise (back-facing).
    pub clockwise: bool,
    pub texture: Option<(i32, i32, &'a [f32])>,
    pub clip_planes: &'a [[f32; 4]],
    /// Attribute 1 as a pure-integer array instead (same value for the three vertices).
    pub int_attr1: Option<[i32; 4]>,
    /// A geometry shader between the two.
    pub gs: Option<&'a str>,
}

pub const CLEAR: [f32; 4] = [-1.0; 4];

pub fn f4(v: [f32; 4]) -> [u32; 4] {
    v.map(f32::to_bits)
}

impl Gl {
    /// Renders one pixel (a 1×1 RGBA32F target cleared to [`CLEAR`]) and reads it back.
    pub fn render(&self, d: &Draw) -> [f32; 4] {
        let vs_p = shader::parse(d.vs).unwrap();
        let gs_p = d.gs.map(|t| shader::parse(t).unwrap());
        let fs_p = shader::parse(d.fs).unwrap();
        let last = gs_p.as_ref().unwrap_or(&vs_p);
        let fs_key = VariantKey { prev_outputs: Some(shader::output_slots(last)), ..d.key };
        let (flat, np) = shader::fs_interpolation(&fs_p, &fs_key);
        let last_key = VariantKey { next_flat: flat, next_noperspective: np, ..d.key };
        let vs_key = if d.gs.is_some() {
            VariantKey { to_geometry: true, clip_plane_enable: 0, ..d.key }
        } else {
            last_key
        };
        let vs = shader::emit(&vs_p, &vs_key).unwrap();
        let gs = gs_p.map(|g| shader::emit(&g, &last_key).unwrap());
        let fs = shader::emit(&fs_p, &fs_key).unwrap();
        let gl = &self.gl;
        let v = self.compile(glow::VERTEX_SHADER, &vs).unwrap();
        let g = gs.map(|g| self.compile(glow::GEOMETRY_SHADER, &g).unwrap());
        let f = self.compile(glow::FRAGMENT_SHADER, &fs).unwrap();
        // SAFETY: the context is current; every object is created, used and deleted here.
        unsafe {
            let p = gl.create_program().unwrap();
            gl.attach_shader(p, v);
            if let Some(g) = g {
                gl.attach_shader(p, g);
            }
            gl.attach_shader(p, f);
            gl.link_program(p);
            assert!(gl.get_program_link_status(p), "{}", gl.get_program_info_log(p));
            gl.use_program(Some(p));
            for (name, c) in [("vs_cb0", d.vs_consts), ("fs_cb0", d.fs_consts)] {
                if !c.is_empty() {
                    let flat: Vec<u32> = c.iter().flatten().copied().collect();
                    // Absent when the program never reads it (the compiler drops it).
                    let loc = gl.get_uniform_location(p, name);
                    gl.uniform_4_u32_slice(loc.as_ref(), &flat);
                }
            }
            if !d.clip_planes.is_empty() {
                let flat: Vec<f32> = d.clip_planes.iter().flatten().copied().collect();
                let name = if d.gs.is_some() { "gs_clip_planes" } else { "vs_clip_planes" };
                let loc = gl.get_uniform_location(p, name);
                gl.uniform_4_f32_slice(loc.as_ref(), &flat);
                for i in 0..8 {
                    if d.key.clip_plane_enable & (1 << i) != 0 {
                        gl.enable(glow::CLIP_DISTANCE0 + i);
                    }
                }
            }
            let tex = d.texture.map(|(w, h, data)| {
                let t = gl.create_texture().unwrap();
                gl.active_texture(glow::TEXTURE0);
                gl.bind_texture(glow::TEXTURE_2D, Some(t));
                let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_ne_bytes()).collect();
                gl.tex_image_2d(
                    glow::TEXTURE_2D,
                    0,
                    glow::RGBA32F as i32,
                    w,
                    h,
                    0,
                    glow::RGBA,
                    glow::FLOAT,
                    glow::PixelUnpackData::Slice(Some(&bytes)),
                );
                for (k, v) in [
                    (glow::TEXTURE_MIN_FILTER, glow::NEAREST),
                    (glow::TEXTURE_MAG_FILTER, glow::NEAREST),
                ] {
                    gl.tex_parameter_i32(glow::TEXTURE_2D, k, v as i32);
                }
                gl.uniform_1_i32(gl.get_uniform_location(p, "fs_samp0").as_ref(), 0);
                t
            });
            let rt = gl.create_texture().unwrap();
            gl.bind_texture(glow::TEXTURE_2D, Some(rt));
            gl.tex_image_2d(
                glow::TEXTURE_2D,
                0,
                glow::RGBA32F as i32,
                1,
                1,
                0,
                glow::RGBA,
                glow::FLOAT,
                glow::PixelUnpackData::Slice(None),
            );
            let fb = gl.create_framebuffer().unwrap();
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(fb));
            gl.framebuffer_texture_2d(
                glow::FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                glow::TEXTURE_2D,
                Some(rt),
                0,
            );
            if let Some(t) = tex {
                gl.bind_texture(glow::TEXTURE_2D, Some(t));
            }
            assert_eq!(gl.check_framebuffer_status(glow::FRAMEBUFFER), glow::FRAMEBUFFER_COMPLETE);
            gl.viewport(0, 0, 1, 1);
            gl.clear_color(CLEAR[0], CLEAR[1], CLEAR[2], CLEAR[3]);
            gl.clear(glow::COLOR_BUFFER_BIT);
            let vao = gl.create_vertex_array().unwrap();
            gl.bind_vertex_array(Some(vao));
            let tri: [f32; 6] = if d.clockwise {
                [-1.0, -1.0, -1.0, 3.0, 3.0, -1.0]
            } else {
                [-1.0, -1.0, 3.0, -1.0, -1.0, 3.0]
            };
            let vbo = gl.create_buffer().unwrap();
            gl.bind_buffer(glow::ARRAY_BUFFER, Some(vbo));
            let bytes: Vec<u8> = tri.iter().flat_map(|x| x.to_ne_bytes()).collect();
            gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
            gl.vertex_attrib_pointer_f32(0, 2, glow::FLOAT, false, 0, 0);
            gl.enable_vertex_attrib_array(0);
            let a = d.attr1;
            gl.vertex_attrib_4_f32(1, a[0], a[1], a[2], a[3]);
            let ibo = d.int_attr1.map(|v| {
                let b = gl.create_buffer().unwrap();
                gl.bind_buffer(glow::ARRAY_BUFFER, Some(b));
                let bytes: Vec<u8> = (0..3).flat_map(|_| v).flat_map(i32::to_ne_bytes).collect();
                gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, &bytes, glow::STATIC_DRAW);
                gl.vertex_attrib_pointer_i32(1, 4, glow::INT, 0, 0);
                gl.enable_vertex_attrib_array(1);
                b
            });
            gl.draw_arrays(glow::TRIANGLES, 0, 3);
            let mut px = [0u8; 16];
            gl.read_pixels(
                0,
                0,
                1,
                1,
                glow::RGBA,
                glow::FLOAT,
                glow::PixelPackData::Slice(Some(&mut px)),
            );
            for i in 0..8 {
                gl.disable(glow::CLIP_DISTANCE0 + i);
            }
            gl.delete_buffer(vbo);
            if let Some(b) = ibo {
                gl.disable_vertex_attrib_array(1);
                gl.delete_buffer(b);
            }
            gl.delete_vertex_array(vao);
            gl.delete_framebuffer(fb);
            gl.delete_texture(rt);
            if let Some(t) = tex {
                gl.delete_texture(t);
            }
            gl.use_program(None);
            gl.delete_program(p);
            gl.delete_shader(v);
            if let Some(g) = g {
                gl.delete_shader(g);
            }
            gl.delete_shader(f);
            let mut out = [0f32; 4];
            for (i, o) in out.iter_mut().enumerate() {
                *o = f32::from_ne_bytes(px[i * 4..i * 4 + 4].try_into().unwrap());
            }
            out
        }
    }
}

pub const VS_POS: &str =
    "VERT\nDCL IN[0]\nDCL IN[1]\nDCL OUT[0], POSITION\nDCL OUT[1], GENERIC[0]\n\
  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[1]\n  2: END\n";

pub fn draw<'a>(fs: &'a str) -> Draw<'a> {
    Draw {
        vs: VS_POS,
        fs,
        key: VariantKey::default(),
        vs_consts: &[],
        fs_consts: &[],
        attr1: [0.0; 4],
        clockwise: false,
        texture: None,
        clip_planes: &[],
        int_attr1: None,
        gs: None,
    }
}

pub fn close(got: [f32; 4], want: [f32; 4]) -> bool {
    got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1e-4 * w.abs().max(1.0))
}
