/*
 * draw_rate: draw-call overhead of a GL stack, as a GLES 2.0 client on the surfaceless
 * EGL platform (e.g. Mesa's virgl driver through vtest: GALLIUM_DRIVER=virpipe
 * VTEST_SOCKET_NAME=PATH).
 *
 *   draw_rate [--draws N] [--rounds R]
 *
 * Renders into a 64x64 texture through an FBO. Each round issues N draws of one small
 * triangle (3 vertices from a VBO), changing a uniform colour before every draw — the
 * state change plus draw that dominates real applications' command streams — then calls
 * glFinish. Prints one line per mode and the best round:
 *   RATE plain <draws per second>      (draw only)
 *   RATE uniform <draws per second>    (uniform change + draw)
 * and checks one pixel so a stack that draws nothing does not look fast.
 * Exit: 0 ok; 1 wrong pixel or GL error; 77 no EGL/GLES; 2 usage.
 *
 * Build: cc -O2 -Wall draw_rate.c $(pkg-config --cflags --libs egl glesv2)
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	return ok ? s : 0;
}

static double round_rate(int draws, GLint color_loc, int change_uniform)
{
	double t0 = now();

	for (int i = 0; i < draws; i++) {
		if (change_uniform)
			glUniform4f(color_loc, (float)(i & 255) / 255.0f, 0.5f, 0.25f, 1.0f);
		glDrawArrays(GL_TRIANGLES, 0, 3);
	}
	glFinish();
	return draws / (now() - t0);
}

int main(int argc, char **argv)
{
	int draws = 5000, rounds = 5;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--draws") && i + 1 < argc)
			draws = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--draws N] [--rounds R]\n", argv[0]);
			return 2;
		}
	}
	if (draws < 1 || rounds < 1)
		return 2;
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display =
		(PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_display) {
		printf("SKIP: no eglGetPlatformDisplayEXT\n");
		return 77;
	}
	EGLDisplay dpy = get_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, NULL, NULL) ||
	    !eglBindAPI(EGL_OPENGL_ES_API)) {
		printf("SKIP: no surfaceless EGL display\n");
		return 77;
	}
	const EGLint ctx_attr[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, ctx_attr);
	if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
		printf("SKIP: no GLES 2 context\n");
		return 77;
	}
	printf("GL_RENDERER: %s\n", (const char *)glGetString(GL_RENDERER));

	GLuint tex, fbo, vbo;
	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, 64, 64, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
		printf("FAIL: framebuffer incomplete\n");
		return 1;
	}
	glViewport(0, 0, 64, 64);
	const GLfloat tri[] = { -1, -1, 1, -1, -1, 1 };
	glGenBuffers(1, &vbo);
	glBindBuffer(GL_ARRAY_BUFFER, vbo);
	glBufferData(GL_ARRAY_BUFFER, sizeof(tri), tri, GL_STATIC_DRAW);
	GLuint vs = shader(GL_VERTEX_SHADER,
			   "attribute vec2 pos; void main() { gl_Position = vec4(pos, 0.0, 1.0); }");
	GLuint fs = shader(GL_FRAGMENT_SHADER, "precision mediump float; uniform vec4 color;"
					       " void main() { gl_FragColor = color; }");
	if (!vs || !fs) {
		printf("FAIL: shader compile\n");
		return 1;
	}
	GLuint prog = glCreateProgram();
	glAttachShader(prog, vs);
	glAttachShader(prog, fs);
	glBindAttribLocation(prog, 0, "pos");
	glLinkProgram(prog);
	glUseProgram(prog);
	GLint color = glGetUniformLocation(prog, "color");
	glEnableVertexAttribArray(0);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, 0);
	glUniform4f(color, 0.0f, 1.0f, 0.0f, 1.0f);
	glClearColor(0, 0, 0, 1);
	glClear(GL_COLOR_BUFFER_BIT);
	round_rate(100, color, 0); /* warm-up: program link, first uploads */

	double best_plain = 0, best_uniform = 0;
	for (int r = 0; r < rounds; r++) {
		double p = round_rate(draws, color, 0), u = round_rate(draws, color, 1);
		best_plain = p > best_plain ? p : best_plain;
		best_uniform = u > best_uniform ? u : best_uniform;
	}
	/* The last draw used colour ((draws - 1) & 255, 128, 64). */
	unsigned char px[4];
	glReadPixels(4, 4, 1, 1, GL_RGBA, GL_UNSIGNED_BYTE, px);
	int want_r = (draws - 1) & 255;
	if (glGetError() != GL_NO_ERROR || abs(px[0] - want_r) > 1 || abs(px[1] - 128) > 1 ||
	    abs(px[2] - 64) > 1) {
		printf("FAIL: pixel (%d,%d,%d), want (%d,128,64)\n", px[0], px[1], px[2], want_r);
		return 1;
	}
	printf("RATE plain %.0f\nRATE uniform %.0f\n", best_plain, best_uniform);
	return 0;
}
