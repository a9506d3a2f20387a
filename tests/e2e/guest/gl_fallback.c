/*
 * gl_fallback: a GLES2 client for the QEMU guest that reports which GL driver the
 * guest's Mesa picked for a DRM device and checks that drawing works.
 *
 *   gl_fallback [--platform gbm|surfaceless] [--device /dev/dri/renderD128]
 *               [--expect-renderer SUBSTRING]
 *
 * Opens the device (GBM platform) or lets Mesa pick a render node (surfaceless), creates
 * a GLES 2.0 context without a surface, renders into a 64x64 RGBA texture through an FBO:
 * clear to blue, then one red triangle covering the lower-left half, reads the pixels
 * back with glReadPixels and checks them. Prints one "KEY: value" line per fact
 * (EGL_DRIVER, GL_RENDERER, GL_VERSION, PIXELS) and exits 0 only when the pixels are right
 * and, with --expect-renderer, GL_RENDERER contains SUBSTRING.
 *
 * Built on the host (the guest shares the host's root): see tests/e2e/gl-fallback.sh.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <fcntl.h>
#include <gbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W 64
#define H 64

static int fail(const char *what)
{
	printf("FAIL: %s (egl error 0x%x)\n", what, eglGetError());
	fflush(stdout);
	return 1;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[512] = "";
		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		printf("INFO: shader compile failed: %s\n", log);
		return 0;
	}
	return s;
}

int main(int argc, char **argv)
{
	const char *platform = "gbm", *device = "/dev/dri/renderD128", *expect = NULL;
	EGLDisplay dpy;
	EGLContext ctx;
	struct gbm_device *gbm = NULL;
	int fd = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--platform"))
			platform = argv[i + 1];
		else if (!strcmp(argv[i], "--device"))
			device = argv[i + 1];
		else if (!strcmp(argv[i], "--expect-renderer"))
			expect = argv[i + 1];
		else {
			fprintf(stderr, "usage: %s [--platform gbm|surfaceless] [--device PATH] "
					"[--expect-renderer SUBSTRING]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_platform_display)
		return fail("no eglGetPlatformDisplayEXT");
	if (!strcmp(platform, "gbm")) {
		fd = open(device, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			perror(device);
			return fail("open device");
		}
		gbm = gbm_create_device(fd);
		if (!gbm)
			return fail("gbm_create_device");
		printf("GBM_BACKEND: %s\n", gbm_device_get_backend_name(gbm));
		dpy = get_platform_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	} else {
		dpy = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	}
	if (dpy == EGL_NO_DISPLAY)
		return fail("no EGL display");
	if (!eglInitialize(dpy, NULL, NULL))
		return fail("eglInitialize");

	typedef const char *(*driver_name_fn)(EGLDisplay);
	driver_name_fn driver_name = (driver_name_fn)eglGetProcAddress("eglGetDisplayDriverName");
	printf("EGL_DRIVER: %s\n", driver_name ? driver_name(dpy) : "(unknown)");

	if (!eglBindAPI(EGL_OPENGL_ES_API))
		return fail("eglBindAPI");
	static const EGLint ctx_attribs[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	/* EGL_KHR_no_config_context + EGL_KHR_surfaceless_context: no surface needed. */
	ctx = eglCreateContext(dpy, (EGLConfig)0, EGL_NO_CONTEXT, ctx_attribs);
	if (ctx == EGL_NO_CONTEXT)
		return fail("eglCreateContext");
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
		return fail("eglMakeCurrent");

	const char *renderer = (const char *)glGetString(GL_RENDERER);
	printf("GL_RENDERER: %s\n", renderer ? renderer : "(null)");
	printf("GL_VERSION: %s\n", (const char *)glGetString(GL_VERSION));

	GLuint tex, fbo;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, W, H, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
		return fail("FBO incomplete");

	GLuint vs = shader(GL_VERTEX_SHADER,
			   "attribute vec2 pos;\n"
			   "void main() { gl_Position = vec4(pos, 0.0, 1.0); }\n");
	GLuint fs = shader(GL_FRAGMENT_SHADER,
			   "precision mediump float;\n"
			   "void main() { gl_FragColor = vec4(1.0, 0.0, 0.0, 1.0); }\n");
	if (!vs || !fs)
		return fail("shader compile");
	GLuint prog = glCreateProgram();
	GLint linked = 0;
	glAttachShader(prog, vs);
	glAttachShader(prog, fs);
	glBindAttribLocation(prog, 0, "pos");
	glLinkProgram(prog);
	glGetProgramiv(prog, GL_LINK_STATUS, &linked);
	if (!linked)
		return fail("program link");

	/* Lower-left half of the target: the triangle x + y < 0 in NDC. */
	static const GLfloat tri[] = { -1.0f, -1.0f, 1.0f, -1.0f, -1.0f, 1.0f };
	glViewport(0, 0, W, H);
	glClearColor(0.0f, 0.0f, 1.0f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(prog);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, tri);
	glEnableVertexAttribArray(0);
	glDrawArrays(GL_TRIANGLES, 0, 3);

	static unsigned char px[W * H * 4];
	memset(px, 0xAB, sizeof(px));
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
	GLenum err = glGetError();

	/* Pixel centres strictly below the diagonal are red, strictly above are blue;
	 * the ones on the diagonal (x + y == W - 1) may be either. */
	int red = 0, blue = 0, wrong = 0;
	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			const unsigned char *p = &px[(y * W + x) * 4];
			int is_red = p[0] == 255 && p[1] == 0 && p[2] == 0 && p[3] == 255;
			int is_blue = p[0] == 0 && p[1] == 0 && p[2] == 255 && p[3] == 255;
			red += is_red;
			blue += is_blue;
			if (x + y < W - 1 && !is_red)
				wrong++;
			else if (x + y > W - 1 && !is_blue)
				wrong++;
			else if (x + y == W - 1 && !is_red && !is_blue)
				wrong++;
		}
	}
	int pixels_ok = err == GL_NO_ERROR && wrong == 0;
	printf("PIXELS: %s (red %d, blue %d, wrong %d, gl error 0x%x; (0,0) = %02x%02x%02x%02x)\n",
	       pixels_ok ? "ok" : "BAD", red, blue, wrong, err, px[0], px[1], px[2], px[3]);

	int renderer_ok = !expect || (renderer && strstr(renderer, expect));
	if (expect)
		printf("RENDERER_EXPECTED: %s (%s)\n", expect, renderer_ok ? "ok" : "BAD");

	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	if (gbm)
		gbm_device_destroy(gbm);
	if (fd >= 0)
		close(fd);
	printf("RESULT: %s\n", pixels_ok && renderer_ok ? "PASS" : "FAIL");
	return pixels_ok && renderer_ok ? 0 : 1;
}
