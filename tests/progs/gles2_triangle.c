/*
 * gles2_triangle: an EGL + GLES 2.0 client that proves a GL stack draws the right
 * pixels, on a DRM node (QEMU guest on virtio-gpu) or on the surfaceless platform (host,
 * e.g. Mesa's virgl driver through vtest).
 *
 *   gles2_triangle --gbm DEVICE   [--expect-renderer SUBSTR]
 *   gles2_triangle --surfaceless  [--expect-renderer SUBSTR]
 *
 * --gbm DEVICE   EGL_PLATFORM_GBM_KHR on a GBM device opened on DEVICE
 *                (/dev/dri/renderD128 or /dev/dri/card0)
 * --surfaceless  EGL_PLATFORM_SURFACELESS_MESA (vtest: GALLIUM_DRIVER=virpipe
 *                VTEST_SOCKET_NAME=PATH)
 * --expect-renderer SUBSTR
 *                fail unless GL_RENDERER contains SUBSTR (e.g. "virgl": the run was
 *                not a software fallback)
 *
 * A context without a surface renders into a 64x64 RGBA texture through an FBO:
 *   clear            to (51, 102, 153)
 *   draw A           lower-left quadrant triangle, positions from a client-side array,
 *                    colour from a uniform (red)
 *   draw B           lower-right quadrant triangle, positions from a VBO, the same
 *                    program with the uniform set to green
 *   draw C           upper half: one triangle from an interleaved VBO (position +
 *                    colour), a second program whose colour is a varying interpolated
 *                    from red, green and blue vertices
 * then glReadPixels and checks sample points inside and outside every triangle
 * (exact) and on C's gradient (the barycentric colour at the pixel centre, +-TOL).
 * With --gbm it then renders into a 64x64 GBM window surface (the default framebuffer,
 * which a virgl guest driver draws with a flipped viewport): a full-target quad whose
 * colour says which quadrant gl_FragCoord is in (red: y < 16, green: x < 16); glReadPixels
 * of the back buffer must find each quadrant where GL's lower-left window origin puts it.
 *
 * Prints GL_VENDOR / GL_RENDERER / GL_VERSION, one line per sample ("PIXEL name (x,y)
 * expected r,g,b,a got r,g,b,a ok|BAD") and "RESULT: PASS|FAIL|SKIP".
 * Exit: 0 pass; 1 wrong pixels, a GL error or an unexpected renderer; 77 when EGL or
 * GLES 2 is not available (no device, display, context); 2 usage.
 *
 * Build: cc -O2 -Wall gles2_triangle.c $(pkg-config --cflags --libs egl glesv2 gbm)
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <fcntl.h>
#include <gbm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 64
#define H 64
#define TOL 6 /* per channel, for interpolated colours */

enum { EXIT_PASS = 0, EXIT_BAD = 1, EXIT_USAGE = 2, EXIT_SKIP = 77 };

static int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("SKIP: ");
	vprintf(fmt, ap);
	printf(" (EGL error 0x%x)\n", eglGetError());
	va_end(ap);
	printf("RESULT: SKIP\n");
	return EXIT_SKIP;
}

static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	printf("RESULT: FAIL\n");
	return EXIT_BAD;
}

static int has_ext(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static GLuint compile(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[1024] = "";
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		printf("INFO: %s shader does not compile: %s\n",
		       type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
		glDeleteShader(s);
		return 0;
	}
	return s;
}

/* A program from two sources; attribute i is bound to names[i]. 0 on failure. */
static GLuint link_program(const char *vs_src, const char *fs_src, const char *const *names, int n)
{
	GLuint vs = compile(GL_VERTEX_SHADER, vs_src);
	GLuint fs = compile(GL_FRAGMENT_SHADER, fs_src);
	GLint ok = 0;

	if (!vs || !fs)
		return 0;
	GLuint p = glCreateProgram();
	glAttachShader(p, vs);
	glAttachShader(p, fs);
	for (int i = 0; i < n; i++)
		glBindAttribLocation(p, (GLuint)i, names[i]);
	glLinkProgram(p);
	glGetProgramiv(p, GL_LINK_STATUS, &ok);
	glDeleteShader(vs);
	glDeleteShader(fs);
	if (!ok) {
		char log[1024] = "";
		glGetProgramInfoLog(p, sizeof(log), NULL, log);
		printf("INFO: program does not link: %s\n", log);
		glDeleteProgram(p);
		return 0;
	}
	return p;
}

/* Pixel coordinates to normalized device coordinates (viewport = whole target). */
#define NX(px) ((GLfloat)(px) * 2.0f / W - 1.0f)
#define NY(py) ((GLfloat)(py) * 2.0f / H - 1.0f)

/* Draw C's vertices in pixel space and their colours (see expected_c). */
static const float c_pos[3][2] = { { 0, 32 }, { 64, 32 }, { 0, 64 } };
static const float c_col[3][3] = { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };

static const unsigned char clear_rgba[4] = { 51, 102, 153, 255 };

/* The colour GL interpolates for draw C at the centre of pixel (x, y): barycentric
 * weights of the point against c_pos. Returns 0 when the centre is outside C. */
static int expected_c(int x, int y, unsigned char out[4])
{
	float px = x + 0.5f, py = y + 0.5f;
	float x0 = c_pos[0][0], y0 = c_pos[0][1];
	float x1 = c_pos[1][0], y1 = c_pos[1][1];
	float x2 = c_pos[2][0], y2 = c_pos[2][1];
	float det = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
	float l1 = ((px - x0) * (y2 - y0) - (x2 - x0) * (py - y0)) / det;
	float l2 = ((x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)) / det;
	float l0 = 1.0f - l1 - l2;

	if (l0 < 0 || l1 < 0 || l2 < 0)
		return 0;
	for (int c = 0; c < 3; c++) {
		float v = l0 * c_col[0][c] + l1 * c_col[1][c] + l2 * c_col[2][c];
		out[c] = (unsigned char)(v * 255.0f + 0.5f);
	}
	out[3] = 255;
	return 1;
}

struct sample {
	const char *name;
	int x, y;
	unsigned char rgba[4];
	int tol;
};

static int check(const unsigned char *px, const struct sample *s)
{
	const unsigned char *got = &px[(s->y * W + s->x) * 4];
	int ok = 1;

	for (int c = 0; c < 4; c++)
		if (abs((int)got[c] - (int)s->rgba[c]) > s->tol)
			ok = 0;
	printf("PIXEL %-12s (%2d,%2d) expected %3d,%3d,%3d,%3d (+-%d) got %3d,%3d,%3d,%3d %s\n",
	       s->name, s->x, s->y, s->rgba[0], s->rgba[1], s->rgba[2], s->rgba[3], s->tol,
	       got[0], got[1], got[2], got[3], ok ? "ok" : "BAD");
	return ok;
}

/* Everything after a current context exists: draw, read back, check. */
static int draw_and_check(void)
{
	static const char *const flat_attrs[] = { "a_pos" };
	static const char *const grad_attrs[] = { "a_pos", "a_col" };
	GLuint flat = link_program("attribute vec2 a_pos;\n"
				   "void main() { gl_Position = vec4(a_pos, 0.0, 1.0); }\n",
				   "precision mediump float;\n"
				   "uniform vec4 u_col;\n"
				   "void main() { gl_FragColor = u_col; }\n",
				   flat_attrs, 1);
	GLuint grad = link_program("attribute vec2 a_pos;\n"
				   "attribute vec3 a_col;\n"
				   "varying vec3 v_col;\n"
				   "void main() { v_col = a_col; gl_Position = vec4(a_pos, 0.0, 1.0); }\n",
				   "precision mediump float;\n"
				   "varying vec3 v_col;\n"
				   "void main() { gl_FragColor = vec4(v_col, 1.0); }\n",
				   grad_attrs, 2);
	if (!flat || !grad)
		return bad("shader programs");
	GLint u_col = glGetUniformLocation(flat, "u_col");
	if (u_col < 0)
		return bad("uniform u_col not found");

	GLuint tex, fbo;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, W, H, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	GLenum st = glCheckFramebufferStatus(GL_FRAMEBUFFER);
	if (st != GL_FRAMEBUFFER_COMPLETE)
		return bad("framebuffer incomplete (0x%x)", st);

	glViewport(0, 0, W, H);
	glDisable(GL_DEPTH_TEST);
	glDisable(GL_BLEND);
	glClearColor(clear_rgba[0] / 255.0f, clear_rgba[1] / 255.0f, clear_rgba[2] / 255.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);

	/* A: client-side array, uniform red; lower-left quadrant, below its diagonal. */
	const GLfloat a_tri[] = { NX(0), NY(0), NX(32), NY(0), NX(0), NY(32) };
	glUseProgram(flat);
	glUniform4f(u_col, 1.0f, 0.0f, 0.0f, 1.0f);
	glBindBuffer(GL_ARRAY_BUFFER, 0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, a_tri);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLES, 0, 3);

	/* B: the same program from a VBO, uniform green; lower-right quadrant. */
	const GLfloat b_tri[] = { NX(32), NY(0), NX(64), NY(0), NX(32), NY(32) };
	GLuint vbo[2];
	glGenBuffers(2, vbo);
	glBindBuffer(GL_ARRAY_BUFFER, vbo[0]);
	glBufferData(GL_ARRAY_BUFFER, sizeof(b_tri), b_tri, GL_STATIC_DRAW);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, (const void *)0);
	glUniform4f(u_col, 0.0f, 1.0f, 0.0f, 1.0f);
	glDrawArrays(GL_TRIANGLES, 0, 3);

	/* C: interleaved position + colour VBO, colour interpolated; upper half. */
	GLfloat c_vtx[3 * 5];
	for (int i = 0; i < 3; i++) {
		c_vtx[i * 5 + 0] = NX(c_pos[i][0]);
		c_vtx[i * 5 + 1] = NY(c_pos[i][1]);
		memcpy(&c_vtx[i * 5 + 2], c_col[i], sizeof(c_col[i]));
	}
	glBindBuffer(GL_ARRAY_BUFFER, vbo[1]);
	glBufferData(GL_ARRAY_BUFFER, sizeof(c_vtx), c_vtx, GL_STATIC_DRAW);
	glUseProgram(grad);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 5 * sizeof(GLfloat), (const void *)0);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 5 * sizeof(GLfloat),
			      (const void *)(2 * sizeof(GLfloat)));
	glEnableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLES, 0, 3);

	static unsigned char px[W * H * 4];
	memset(px, 0xA5, sizeof(px));
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
	GLenum err = glGetError();

	struct sample s[] = {
		{ "A-inside", 4, 4, { 255, 0, 0, 255 }, 0 },
		{ "A-inside2", 20, 8, { 255, 0, 0, 255 }, 0 },
		{ "A-outside", 28, 28, { 0 }, 0 },
		{ "B-inside", 36, 4, { 0, 255, 0, 255 }, 0 },
		{ "B-inside2", 50, 10, { 0, 255, 0, 255 }, 0 },
		{ "B-outside", 60, 28, { 0 }, 0 },
		{ "C-gradient", 8, 40, { 0 }, TOL },
		{ "C-gradient2", 40, 36, { 0 }, TOL },
		{ "C-gradient3", 4, 58, { 0 }, TOL },
		{ "C-outside", 60, 60, { 0 }, 0 },
	};
	int n = (int)(sizeof(s) / sizeof(s[0])), wrong = 0;
	for (int i = 0; i < n; i++) {
		if (strstr(s[i].name, "outside"))
			memcpy(s[i].rgba, clear_rgba, 4);
		else if (s[i].name[0] == 'C' && !expected_c(s[i].x, s[i].y, s[i].rgba))
			return bad("sample %s is outside draw C (test bug)", s[i].name);
		wrong += !check(px, &s[i]);
	}
	glDeleteBuffers(2, vbo);
	glDeleteFramebuffers(1, &fbo);
	glDeleteTextures(1, &tex);
	glDeleteProgram(flat);
	glDeleteProgram(grad);
	if (err != GL_NO_ERROR)
		return bad("GL error 0x%x", err);
	if (wrong)
		return bad("%d of %d sample pixels wrong", wrong, n);
	printf("PIXELS: ok (%d samples)\n", n);
	return EXIT_PASS;
}

/* --gbm only: gl_FragCoord in the default framebuffer of a GBM window surface. The
 * context is one of `wcfg` (a window config), current on `surf`. */
static int window_fragcoord_check(void)
{
	static const char *const attrs[] = { "a_pos" };
	GLuint prog = link_program("attribute vec2 a_pos;\n"
				   "void main() { gl_Position = vec4(a_pos, 0.0, 1.0); }\n",
				   "precision mediump float;\n"
				   "void main() {\n"
				   "  gl_FragColor = vec4(gl_FragCoord.y < 16.0 ? 1.0 : 0.0,\n"
				   "                      gl_FragCoord.x < 16.0 ? 1.0 : 0.0, 0.0, 1.0);\n"
				   "}\n",
				   attrs, 1);
	if (!prog)
		return bad("window: shader program");
	const GLfloat quad[] = { -1, -1, 1, -1, -1, 1, -1, 1, 1, -1, 1, 1 };
	glBindFramebuffer(GL_FRAMEBUFFER, 0);
	glViewport(0, 0, W, H);
	glDisable(GL_DEPTH_TEST);
	glDisable(GL_BLEND);
	glClearColor(0, 0, 1, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(prog);
	glBindBuffer(GL_ARRAY_BUFFER, 0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLES, 0, 6);
	static unsigned char px[W * H * 4];
	memset(px, 0xA5, sizeof(px));
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
	GLenum err = glGetError();
	struct sample s[] = {
		{ "win-low-left", 4, 4, { 255, 255, 0, 255 }, 0 },
		{ "win-low-right", 40, 4, { 255, 0, 0, 255 }, 0 },
		{ "win-up-left", 4, 40, { 0, 255, 0, 255 }, 0 },
		{ "win-up-right", 40, 40, { 0, 0, 0, 255 }, 0 },
	};
	int n = (int)(sizeof(s) / sizeof(s[0])), wrong = 0;
	for (int i = 0; i < n; i++)
		wrong += !check(px, &s[i]);
	glDeleteProgram(prog);
	if (err != GL_NO_ERROR)
		return bad("window: GL error 0x%x", err);
	if (wrong)
		return bad("window: %d of %d gl_FragCoord samples wrong", wrong, n);
	printf("WINDOW-FRAGCOORD: ok (%d samples)\n", n);
	return EXIT_PASS;
}

/* Renders window_fragcoord_check into a GBM window surface with a context of its own;
 * the caller's context stays current afterwards. */
static int window_check(EGLDisplay dpy, struct gbm_device *gbm, const EGLint *ctx_attrs)
{
	EGLContext prev = eglGetCurrentContext();
	static const EGLint want[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT, EGL_SURFACE_TYPE,
				       EGL_WINDOW_BIT, EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8,
				       EGL_BLUE_SIZE, 8, EGL_NONE };
	EGLConfig cfgs[64];
	EGLint n = 0;
	if (!eglChooseConfig(dpy, want, cfgs, 64, &n) || n < 1)
		return bad("window: no GLES2 window config");
	EGLConfig wcfg = cfgs[0];
	for (int i = 0; i < n; i++) {
		EGLint id = 0;
		if (eglGetConfigAttrib(dpy, cfgs[i], EGL_NATIVE_VISUAL_ID, &id) &&
		    id == GBM_FORMAT_XRGB8888) {
			wcfg = cfgs[i];
			break;
		}
	}
	EGLint fmt = 0;
	eglGetConfigAttrib(dpy, wcfg, EGL_NATIVE_VISUAL_ID, &fmt);
	struct gbm_surface *gs = gbm_surface_create(gbm, W, H, (uint32_t)fmt, GBM_BO_USE_RENDERING);
	if (!gs)
		return bad("window: gbm_surface_create(0x%x) failed", fmt);
	EGLSurface surf = eglCreateWindowSurface(dpy, wcfg, (EGLNativeWindowType)gs, NULL);
	EGLContext wctx = eglCreateContext(dpy, wcfg, EGL_NO_CONTEXT, ctx_attrs);
	int rc;
	if (surf == EGL_NO_SURFACE || wctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, surf, surf, wctx))
		rc = bad("window: surface/context (EGL error 0x%x)", eglGetError());
	else
		rc = window_fragcoord_check();
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, prev);
	if (wctx != EGL_NO_CONTEXT)
		eglDestroyContext(dpy, wctx);
	if (surf != EGL_NO_SURFACE)
		eglDestroySurface(dpy, surf);
	gbm_surface_destroy(gs);
	return rc;
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s --gbm DEVICE | --surfaceless [--expect-renderer SUBSTR]\n", argv0);
}

int main(int argc, char **argv)
{
	const char *device = NULL, *expect = NULL;
	int surfaceless = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gbm") && i + 1 < argc)
			device = argv[++i];
		else if (!strcmp(argv[i], "--surfaceless"))
			surfaceless = 1;
		else if (!strcmp(argv[i], "--expect-renderer") && i + 1 < argc)
			expect = argv[++i];
		else {
			usage(argv[0]);
			return EXIT_USAGE;
		}
	}
	if (!!device == surfaceless) {
		usage(argv[0]);
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	const char *client_exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_display || !has_ext(client_exts, "EGL_EXT_platform_base"))
		return skip("no EGL_EXT_platform_base");

	int fd = -1;
	struct gbm_device *gbm = NULL;
	EGLDisplay dpy;
	if (device) {
		if (!has_ext(client_exts, "EGL_KHR_platform_gbm") && !has_ext(client_exts, "EGL_MESA_platform_gbm"))
			return skip("no GBM platform in EGL");
		fd = open(device, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			perror(device);
			return skip("cannot open %s", device);
		}
		gbm = gbm_create_device(fd);
		if (!gbm)
			return skip("gbm_create_device(%s) failed", device);
		printf("GBM_BACKEND: %s\n", gbm_device_get_backend_name(gbm));
		dpy = get_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	} else {
		if (!has_ext(client_exts, "EGL_MESA_platform_surfaceless"))
			return skip("no EGL_MESA_platform_surfaceless");
		dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	}
	EGLint major = 0, minor = 0;
	if (dpy == EGL_NO_DISPLAY)
		return skip("no EGL display");
	if (!eglInitialize(dpy, &major, &minor))
		return skip("eglInitialize failed");
	printf("EGL: %d.%d, vendor %s\n", major, minor, eglQueryString(dpy, EGL_VENDOR));
	typedef const char *(*driver_name_fn)(EGLDisplay);
	driver_name_fn driver_name = (driver_name_fn)eglGetProcAddress("eglGetDisplayDriverName");
	if (driver_name)
		printf("EGL_DRIVER: %s\n", driver_name(dpy) ? driver_name(dpy) : "(null)");

	const char *dpy_exts = eglQueryString(dpy, EGL_EXTENSIONS);
	if (!has_ext(dpy_exts, "EGL_KHR_surfaceless_context"))
		return skip("no EGL_KHR_surfaceless_context");
	if (!eglBindAPI(EGL_OPENGL_ES_API))
		return skip("eglBindAPI(GLES) failed");

	/* A config is needed unless EGL_KHR_no_config_context is there. */
	EGLConfig cfg = (EGLConfig)0;
	if (!has_ext(dpy_exts, "EGL_KHR_no_config_context")) {
		static const EGLint want[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_ES2_BIT,
					       EGL_SURFACE_TYPE, 0, EGL_NONE };
		EGLint n = 0;
		if (!eglChooseConfig(dpy, want, &cfg, 1, &n) || n < 1)
			return skip("no GLES2 EGL config");
	}
	static const EGLint ctx_attrs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctx_attrs);
	if (ctx == EGL_NO_CONTEXT)
		return skip("eglCreateContext(GLES 2) failed");
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
		return skip("eglMakeCurrent failed");

	const char *vendor = (const char *)glGetString(GL_VENDOR);
	const char *renderer = (const char *)glGetString(GL_RENDERER);
	const char *version = (const char *)glGetString(GL_VERSION);
	printf("GL_VENDOR: %s\n", vendor ? vendor : "(null)");
	printf("GL_RENDERER: %s\n", renderer ? renderer : "(null)");
	printf("GL_VERSION: %s\n", version ? version : "(null)");
	printf("GL_SHADING_LANGUAGE_VERSION: %s\n",
	       (const char *)glGetString(GL_SHADING_LANGUAGE_VERSION));

	int rc = EXIT_PASS;
	if (expect && !(renderer && strstr(renderer, expect))) {
		printf("RENDERER: expected \"%s\" in \"%s\": BAD\n", expect, renderer ? renderer : "");
		rc = EXIT_BAD;
	}
	int drc = draw_and_check();
	if (drc == EXIT_PASS && gbm)
		drc = window_check(dpy, gbm, ctx_attrs);
	if (drc != EXIT_PASS)
		rc = drc;
	else if (rc != EXIT_PASS)
		printf("RESULT: FAIL\n");
	else
		printf("RESULT: PASS\n");

	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	if (gbm)
		gbm_device_destroy(gbm);
	if (fd >= 0)
		close(fd);
	return rc;
}
