/*
 * gl33_core: asks EGL for a desktop OpenGL 3.3 core-profile context and proves it draws:
 * prints GL_VERSION / GL_RENDERER, then renders into a 64x64 RGBA8 texture through an FBO
 * with GLSL 3.30 core shaders (a vertex array object, a VBO, an integer uniform and a
 * flat integer varying) and checks pixels read back.
 *
 *   gl33_core --gbm DEVICE | --surfaceless  [--expect-renderer SUBSTR]
 *
 * The draw: clear to (51, 102, 153); one triangle over the lower-left half of the target
 * (below its diagonal) whose fragment colour comes from `uniform int u_sel` through a
 * flat `int` varying (u_sel = 2 selects green). Samples: inside the triangle green, in
 * the other half the clear colour.
 *
 * Prints "GL_VERSION: ...", one "PIXEL ..." line per sample and "RESULT: PASS|FAIL|SKIP".
 * Exit: 0 pass; 1 wrong pixels, a GL error or an unexpected renderer; 77 when no GL 3.3
 * core context can be made (e.g. a renderer that offers GL 2.1 only); 2 usage.
 *
 * Build: cc -O2 -Wall gl33_core.c $(pkg-config --cflags --libs egl opengl gbm)
 */
#define GL_GLEXT_PROTOTYPES 1
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/gl.h>
#include <GL/glext.h>
#include <fcntl.h>
#include <gbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 64
#define H 64

enum { EXIT_PASS = 0, EXIT_BAD = 1, EXIT_USAGE = 2, EXIT_SKIP = 77 };

static int skip(const char *why)
{
	printf("SKIP: %s (EGL error 0x%x)\nRESULT: SKIP\n", why, eglGetError());
	return EXIT_SKIP;
}

static int bad(const char *why)
{
	printf("FAIL: %s\nRESULT: FAIL\n", why);
	return EXIT_BAD;
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
		printf("INFO: shader does not compile: %s\n", log);
		return 0;
	}
	return s;
}

static int check(const unsigned char *px, const char *name, int x, int y, const unsigned char *want)
{
	const unsigned char *got = &px[(y * W + x) * 4];
	int ok = !memcmp(got, want, 4);

	printf("PIXEL %-10s (%2d,%2d) expected %3d,%3d,%3d,%3d got %3d,%3d,%3d,%3d %s\n", name, x, y,
	       want[0], want[1], want[2], want[3], got[0], got[1], got[2], got[3], ok ? "ok" : "BAD");
	return ok;
}

static int draw_and_check(void)
{
	GLuint vs = compile(GL_VERTEX_SHADER,
			    "#version 330 core\n"
			    "layout(location = 0) in vec2 a_pos;\n"
			    "uniform int u_sel;\n"
			    "flat out int v_sel;\n"
			    "void main() { v_sel = u_sel; gl_Position = vec4(a_pos, 0.0, 1.0); }\n");
	GLuint fs = compile(GL_FRAGMENT_SHADER,
			    "#version 330 core\n"
			    "flat in int v_sel;\n"
			    "layout(location = 0) out vec4 o_col;\n"
			    "void main() { o_col = vec4(v_sel == 1 ? 1.0 : 0.0, v_sel == 2 ? 1.0 : 0.0,"
			    " 0.0, 1.0); }\n");
	if (!vs || !fs)
		return bad("GLSL 3.30 core shaders do not compile");
	GLuint prog = glCreateProgram();
	GLint ok = 0;
	glAttachShader(prog, vs);
	glAttachShader(prog, fs);
	glLinkProgram(prog);
	glGetProgramiv(prog, GL_LINK_STATUS, &ok);
	if (!ok)
		return bad("program does not link");

	GLuint tex, fbo, vao, vbo;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, W, H);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
		return bad("framebuffer incomplete");
	glViewport(0, 0, W, H);
	glClearColor(51 / 255.0f, 102 / 255.0f, 153 / 255.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);

	/* Lower-left half, below the diagonal from (-1,1) to (1,-1). */
	const GLfloat tri[] = { -1, -1, 1, -1, -1, 1 };
	glGenVertexArrays(1, &vao);
	glBindVertexArray(vao);
	glGenBuffers(1, &vbo);
	glBindBuffer(GL_ARRAY_BUFFER, vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(tri), tri, GL_STATIC_DRAW);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, (const void *)0);
	glEnableVertexAttribArray(0);
	glUseProgram(prog);
	glUniform1i(glGetUniformLocation(prog, "u_sel"), 2);
	glDrawArrays(GL_TRIANGLES, 0, 3);

	static unsigned char px[W * H * 4];
	memset(px, 0xA5, sizeof(px));
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
	GLenum err = glGetError();
	static const unsigned char green[4] = { 0, 255, 0, 255 }, clear[4] = { 51, 102, 153, 255 };
	int good = check(px, "inside", 4, 4, green) & check(px, "inside2", 20, 30, green) &
		   check(px, "outside", 60, 60, clear) & check(px, "outside2", 40, 30, clear);
	if (err != GL_NO_ERROR) {
		printf("INFO: GL error 0x%x\n", err);
		return bad("GL error");
	}
	if (!good)
		return bad("wrong pixels");
	printf("PIXELS: ok\n");
	return EXIT_PASS;
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
		else
			surfaceless = -1;
	}
	if (surfaceless < 0 || !!device == surfaceless) {
		fprintf(stderr, "usage: %s --gbm DEVICE | --surfaceless [--expect-renderer SUBSTR]\n",
			argv[0]);
		return EXIT_USAGE;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_display)
		return skip("no eglGetPlatformDisplayEXT");
	EGLDisplay dpy;
	if (device) {
		int fd = open(device, O_RDWR | O_CLOEXEC);
		struct gbm_device *gbm = fd >= 0 ? gbm_create_device(fd) : NULL;
		if (!gbm)
			return skip("no GBM device");
		dpy = get_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	} else {
		dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	}
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL))
		return skip("no EGL display");
	if (!eglBindAPI(EGL_OPENGL_API))
		return skip("eglBindAPI(OpenGL) failed");
	static const EGLint want[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE };
	EGLConfig cfg = (EGLConfig)0;
	EGLint n = 0;
	if (!eglChooseConfig(dpy, want, &cfg, 1, &n) || n < 1)
		cfg = (EGLConfig)0; /* EGL_KHR_no_config_context */
	static const EGLint attrs[] = { EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
					EGL_CONTEXT_OPENGL_PROFILE_MASK,
					EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, attrs);
	if (ctx == EGL_NO_CONTEXT)
		return skip("no OpenGL 3.3 core context");
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
		return skip("eglMakeCurrent failed");
	const char *version = (const char *)glGetString(GL_VERSION);
	const char *renderer = (const char *)glGetString(GL_RENDERER);
	printf("GL_VERSION: %s\nGL_RENDERER: %s\n", version ? version : "(null)",
	       renderer ? renderer : "(null)");
	int major = 0, minor = 0;
	if (!version || sscanf(version, "%d.%d", &major, &minor) != 2 || major * 10 + minor < 33)
		return bad("GL_VERSION below 3.3");
	if (expect && !(renderer && strstr(renderer, expect)))
		return bad("unexpected GL_RENDERER");
	int rc = draw_and_check();
	if (rc == EXIT_PASS)
		printf("RESULT: PASS\n");
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	return rc;
}
