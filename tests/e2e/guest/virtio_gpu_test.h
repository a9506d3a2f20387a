/*
 * virtio_gpu_test.h — shared by the parts of the guest program of the virgl-shim QEMU
 * end-to-end test: virtio_gpu_test.c (expected failures, reporting, ioctl helpers, main),
 * cases_kms.c (card, params, capsets, dumb/KMS cases,
 * alive_after_errors) and cases_res3d.c (3D resources,
 * execbuffer, error cases). Built together by tests/lib/qemu.sh qemu_guest_program.
 */
#ifndef VIRTIO_GPU_TEST_H
#define VIRTIO_GPU_TEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>
#include <drm_mode.h>

#include "virtgpu_uapi.h" /* tests/lib: the virtio-gpu uAPI of Linux 6.1 */

/* Gallium / virgl constants (facts from virgl_hw.h / p_defines.h). */
#define PIPE_BUFFER 0
#define PIPE_TEXTURE_2D 2
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_FORMAT_R8_UNORM 64
#define VIRGL_BIND_RENDER_TARGET (1u << 1)
#define VIRGL_BIND_SAMPLER_VIEW (1u << 3)
#define VIRGL_BIND_VERTEX_BUFFER (1u << 4)
#define VIRGL_CCMD_RESOURCE_INLINE_WRITE 9
#define VIRGL_CMD0(cmd, obj, len) ((uint32_t)(cmd) | ((uint32_t)(obj) << 8) | ((uint32_t)(len) << 16))

/* A 3D resource created with VIRTGPU_RESOURCE_CREATE and mapped. */
struct bo3d {
	uint32_t handle;
	uint32_t res_handle; /* the host's resource id */
	uint8_t *map;
	size_t size;
};

/* virtio_gpu_test.c: reporting (one result line per case) and the kernel log watcher. */
void result(const char *name, int ok, const char *fmt, ...);
void info(const char *fmt, ...);
void kmsg_open(void);
int kmsg_host_errors(void);

/* virtio_gpu_test.c: /dev/dri/card0 (opened by case_open_card0) and ioctl helpers. */
extern int fd;
int xioctl(unsigned long req, void *arg);
int getparam(uint64_t param, int *value);
int wait_bo(uint32_t handle);
int transfer(int to_host, uint32_t bo, struct vgpu_box box, uint32_t offset, uint32_t stride);
void close_bo(uint32_t handle);
uint32_t pattern_px(uint32_t x, uint32_t y, uint32_t seed);
int bo3d_create(struct bo3d *b, uint32_t target, uint32_t format, uint32_t bind,
		uint32_t w, uint32_t h, uint32_t size, uint32_t stride);
void bo3d_destroy(struct bo3d *b);

/* cases_kms.c */
void case_open_card0(void);
void case_getparam(void);
void case_caps(const char *name, uint32_t id, uint32_t ver);
void case_dumb_scanout(void);
void case_dumb_readback(void);
void case_alive_after_errors(void);

/* cases_res3d.c */
void case_res3d_texture(void);
void case_res3d_buffer(void);
void case_execbuffer_empty(void);
void case_execbuffer_inline_write(void);
void case_bad_unknown_handle(void);
void case_bad_box(void);

#endif
