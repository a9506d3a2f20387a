/*
 * hostmem_test.c — guest side of the virgl-shim hostmem (mappable HOST3D blob) test.
 *
 * Runs as the initramfs payload of a Linux 6.1 guest under a QEMU built against
 * virgl-shim's virglrenderer.pc 1.2.0 (scripts/qemu-from-source.sh), with
 * `-device virtio-gpu-gl-pci,blob=true,hostmem=256M`. Talks to /dev/dri/card0 with raw
 * ioctls:
 *
 *   1. RESOURCE_CREATE_BLOB(HOST3D, USE_MAPPABLE, blob_id 1, 4096 bytes) carrying a
 *      VIRGL_CCMD_PIPE_RESOURCE_CREATE for a 4096-byte buffer (the kernel submits the
 *      command to the context before it creates the blob, as Mesa's virgl winsys does);
 *   2. VIRTGPU_MAP + mmap: the kernel asks QEMU to map the blob, QEMU calls
 *      virgl_renderer_resource_map and places the memory in the hostmem BAR;
 *   3. writes a pattern through that mapping and, WITHOUT a transfer on the blob, has
 *      the host copy it (RESOURCE_COPY_REGION) into an ordinary buffer resource that is
 *      read back with TRANSFER_FROM_HOST: the host saw the guest's write;
 *   4. the reverse: RESOURCE_INLINE_WRITE into the blob on the host, read through the
 *      guest mapping.
 *   5. the blob is unmapped and closed (RESOURCE_UNMAP_BLOB: QEMU calls
 *      virgl_renderer_resource_unmap) and a new one mapped and checked as in 3;
 *   6. CONTEXT_INIT(VIRGL2) on a second file (context_create_with_flags) and a buffer
 *      written in that context;
 *   7. SET_SCANOUT_BLOB of a mappable 64x64 HOST3D texture blob written through its
 *      mapping (KMS ADDFB2 + SETCRTC); the harness checks the picture in a screendump.
 *      An expected failure today (EXPECTED_FAILURES): QEMU needs a dma-buf for it.
 *
 * Prints "HOSTMEM-PLAN <n>", one "PASS <case>" / "FAIL <case>: <detail>" (or XFAIL /
 * XPASS for the cases in EXPECTED_FAILURES) line per case and "HOSTMEM-END". A case whose prerequisite failed is reported as FAIL (skipped: …).
 *
 * Build: gcc -static -O2 -I/usr/include/libdrm -I../../lib -o hostmem_test hostmem_test.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <drm.h>

#include "virtgpu_uapi.h" /* tests/lib: the virtio-gpu uAPI of Linux 6.1 */

/* Gallium / virgl protocol facts (p_defines.h, virgl_hw.h, virgl_protocol.h). */
#define PIPE_BUFFER 0
#define VIRGL_FORMAT_R8_UNORM 64
#define VIRGL_BIND_VERTEX_BUFFER (1u << 4)
#define VIRGL_CCMD_RESOURCE_INLINE_WRITE 9
#define VIRGL_CCMD_RESOURCE_COPY_REGION 17
#define VIRGL_CCMD_PIPE_RESOURCE_CREATE 48
#define VIRGL_PIPE_RES_CREATE_SIZE 11 /* target … flags, blob_id at dwords 1..11 */
#define VIRGL_CMD_RESOURCE_COPY_REGION_SIZE 13
#define VIRGL_CMD0(cmd, obj, len) ((uint32_t)(cmd) | ((uint32_t)(obj) << 8) | ((uint32_t)(len) << 16))

#define BLOB_SIZE 4096u
#define BLOB_ID 1u

/* The blob scanout: a 64x64 XRGB8888 HOST3D blob (blob id 2) shown on the first CRTC. */
#define PIPE_TEXTURE_2D 2
#define VIRGL_FORMAT_B8G8R8X8_UNORM 2
#define VIRGL_BIND_RENDER_TARGET (1u << 1)
#define VIRGL_BIND_SAMPLER_VIEW (1u << 3)
#define VIRGL_BIND_SCANOUT (1u << 18)
#define DRM_FORMAT_XRGB8888 0x34325258u
#define SCAN_W 64u
#define SCAN_H 64u
#define SCAN_BLOB_ID 2u

static const char *CASES[] = {
    "open_card0",         "param_resource_blob",  "param_host_visible",
    "create_host3d_blob", "resource_info_blob",   "map_blob",
    "guest_write_host_sees", "guest_rewrite_host_sees", "host_write_guest_sees",
    "unmap_blob_and_remap", "context_init", "blob_scanout",
};

/* Cases that fail today for a known reason: reported as XFAIL (not a failure); when one
 * passes it is reported as XPASS, which counts as a failure: remove it from here. */
static const struct {
	const char *name, *reason;
} EXPECTED_FAILURES[] = {
    {"blob_scanout", "QEMU refuses SET_SCANOUT_BLOB of a HOST3D blob without a dma-buf, and "
		     "the library gives HOST3D blobs none (resource_get_info fd -1)"},
};
#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

static int fd = -1;
static int kmsg_fd = -1;

static void result(const char *name, int ok, const char *fmt, ...)
{
	char detail[512] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	const char *reason = NULL;
	for (size_t i = 0; i < sizeof(EXPECTED_FAILURES) / sizeof(EXPECTED_FAILURES[0]); i++)
		if (strcmp(EXPECTED_FAILURES[i].name, name) == 0)
			reason = EXPECTED_FAILURES[i].reason;
	if (ok && reason)
		printf("XPASS %s: listed as an expected failure (%s) but passed; update "
		       "EXPECTED_FAILURES\n", name, reason);
	else if (ok)
		printf("PASS %s%s%s\n", name, detail[0] ? ": " : "", detail);
	else if (reason)
		printf("XFAIL %s: %s (%s)\n", name, reason, detail);
	else
		printf("FAIL %s: %s\n", name, detail);
	fflush(stdout);
}

static void info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("INFO ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/* Host error replies show up in the kernel log as "response 0x…": count and print them. */
static int kmsg_host_errors(void)
{
	char rec[1024];
	int n = 0;
	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (r < 0) {
			if (errno == EPIPE)
				continue;
			break;
		}
		rec[r] = 0;
		char *msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		char *nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (strstr(msg, "response 0x")) {
			n++;
			info("kernel: %s", msg);
		}
	}
	return n;
}

static int xioctl(unsigned long req, void *arg)
{
	int r;
	do {
		r = ioctl(fd, req, arg);
	} while (r == -1 && (errno == EINTR || errno == EAGAIN));
	return r == -1 ? -errno : 0;
}

static int getparam(uint64_t param, int *value)
{
	struct vgpu_getparam gp = {.param = param, .value = (uintptr_t)value};
	*value = 0;
	return xioctl(IOCTL_VIRTGPU_GETPARAM, &gp);
}

static int wait_bo(uint32_t handle)
{
	struct vgpu_wait w = {.handle = handle};
	return xioctl(IOCTL_VIRTGPU_WAIT, &w);
}

/* EXECBUFFER of `ndw` dwords with the given BOs; waits for its out-fence (10 s). */
static int execbuffer(const uint32_t *cmd, uint32_t ndw, uint32_t *bos, uint32_t nbos)
{
	struct vgpu_execbuffer eb = {
	    .flags = VIRTGPU_EXECBUF_FENCE_FD_OUT,
	    .size = ndw * 4,
	    .command = (uintptr_t)cmd,
	    .bo_handles = (uintptr_t)bos,
	    .num_bo_handles = nbos,
	    .fence_fd = -1,
	};
	int r = xioctl(IOCTL_VIRTGPU_EXECBUFFER, &eb);
	if (r)
		return r;
	if (eb.fence_fd >= 0) {
		struct pollfd pfd = {.fd = eb.fence_fd, .events = POLLIN};
		int p = poll(&pfd, 1, 10000);
		close(eb.fence_fd);
		if (p != 1)
			return -ETIMEDOUT;
	}
	return 0;
}

static uint8_t pattern(size_t i, uint32_t seed)
{
	uint32_t v = ((uint32_t)i * 0x9E3779B1u) ^ (seed * 0x85EBCA77u);
	v ^= v >> 13;
	return (uint8_t)(v | 1); /* never 0: a zero-filled page cannot pass */
}

/* The blob under test. */
static uint32_t blob_bo, blob_res;
static uint8_t *blob_map;

/* An ordinary (non-blob) buffer resource with guest backing, mapped. */
static uint32_t plain_bo, plain_res;
static uint8_t *plain_map;

static int plain_create(void)
{
	struct vgpu_resource_create rc = {
	    .target = PIPE_BUFFER,
	    .format = VIRGL_FORMAT_R8_UNORM,
	    .bind = VIRGL_BIND_VERTEX_BUFFER,
	    .width = BLOB_SIZE,
	    .height = 1,
	    .depth = 1,
	    .array_size = 1,
	    .size = BLOB_SIZE,
	};
	int r = xioctl(IOCTL_VIRTGPU_RESOURCE_CREATE, &rc);
	if (r)
		return r;
	plain_bo = rc.bo_handle;
	plain_res = rc.res_handle;
	struct vgpu_map m = {.handle = plain_bo};
	r = xioctl(IOCTL_VIRTGPU_MAP, &m);
	if (r)
		return r;
	void *p = mmap(NULL, BLOB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (p == MAP_FAILED)
		return -errno;
	plain_map = p;
	return 0;
}

/* Host: copy the whole blob into the plain resource; guest: read the plain resource
 * back with TRANSFER_FROM_HOST (after scribbling over the guest copy). */
static int host_copy_blob_to_plain(void)
{
	uint32_t cmd[1 + VIRGL_CMD_RESOURCE_COPY_REGION_SIZE] = {
	    VIRGL_CMD0(VIRGL_CCMD_RESOURCE_COPY_REGION, 0, VIRGL_CMD_RESOURCE_COPY_REGION_SIZE),
	    plain_res, 0 /* dst level */, 0, 0, 0 /* dst x y z */,
	    blob_res,  0 /* src level */, 0, 0, 0 /* src x y z */,
	    BLOB_SIZE, 1, 1 /* w h d */,
	};
	uint32_t bos[2] = {plain_bo, blob_bo};
	int r = execbuffer(cmd, sizeof(cmd) / 4, bos, 2);
	if (r)
		return r;
	memset(plain_map, 0xEE, BLOB_SIZE);
	struct vgpu_transfer t = {.bo_handle = plain_bo, .box = {0, 0, 0, BLOB_SIZE, 1, 1}};
	r = xioctl(IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t);
	if (!r)
		r = wait_bo(plain_bo);
	return r;
}

static int first_diff(const uint8_t *got, uint32_t seed, size_t n, size_t *at)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != pattern(i, seed)) {
			*at = i;
			return 1;
		}
	return 0;
}

static void pci_bars_info(void)
{
	/* The hostmem region is a 64-bit prefetchable BAR of the virtio-gpu PCI function
	 * (vendor 0x1af4, device 0x1050); show its size. */
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[300], buf[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		int is_gpu = fgets(buf, sizeof(buf), f) && strncmp(buf, "0x1050", 6) == 0;
		fclose(f);
		if (!is_gpu)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		unsigned long long s, en, fl;
		int bar = 0;
		while (fscanf(f, "%llx %llx %llx", &s, &en, &fl) == 3) {
			if (s && en > s && en - s + 1 >= (64ull << 20))
				info("virtio-gpu %s BAR%d: 0x%llx..0x%llx (%llu MiB)", e->d_name, bar, s,
				     en, (en - s + 1) >> 20);
			bar++;
		}
		fclose(f);
	}
	closedir(d);
}

static int sync_ctrl_queue(void);

/* 5. The blob's memory leaves the hostmem BAR: munmap + GEM_CLOSE make the kernel send
 * RESOURCE_UNMAP_BLOB and RESOURCE_UNREF; QEMU removes the region and, once it is gone,
 * calls virgl_renderer_resource_unmap (an error there is an error reply). Then a new
 * blob is created, mapped, written by the guest and seen by the host, as in 3. */
static void case_unmap_blob_and_remap(int ok_plain, uint32_t seed)
{
	const char *name = "unmap_blob_and_remap";
	if (!ok_plain) {
		result(name, 0, "skipped: no mapping or no plain buffer");
		return;
	}
	kmsg_host_errors();
	munmap(blob_map, BLOB_SIZE);
	blob_map = NULL;
	struct drm_gem_close gc = {.handle = blob_bo};
	int r = xioctl(DRM_IOCTL_GEM_CLOSE, &gc);
	if (!r)
		r = sync_ctrl_queue();
	int errs = kmsg_host_errors();
	if (r || errs) {
		result(name, 0, "GEM_CLOSE of the mapped blob: %s, %d host error(s)",
		       r ? strerror(-r) : "ok", errs);
		return;
	}
	uint32_t pcmd[1 + VIRGL_PIPE_RES_CREATE_SIZE] = {
	    VIRGL_CMD0(VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0, VIRGL_PIPE_RES_CREATE_SIZE),
	    PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, VIRGL_BIND_VERTEX_BUFFER,
	    BLOB_SIZE, 1, 1, 1, 0, 0, 0, BLOB_ID + 2,
	};
	struct vgpu_create_blob cb = {
	    .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
	    .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
	    .size = BLOB_SIZE,
	    .cmd_size = sizeof(pcmd),
	    .cmd = (uintptr_t)pcmd,
	    .blob_id = BLOB_ID + 2,
	};
	r = xioctl(IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &cb);
	if (!r)
		r = wait_bo(cb.bo_handle);
	struct vgpu_map m = {.handle = cb.bo_handle};
	if (!r)
		r = xioctl(IOCTL_VIRTGPU_MAP, &m);
	void *p = MAP_FAILED;
	if (!r) {
		p = mmap(NULL, BLOB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
		if (p == MAP_FAILED)
			r = -errno;
	}
	if (r) {
		result(name, 0, "second blob: create/MAP/mmap: %s", strerror(-r));
		return;
	}
	blob_bo = cb.bo_handle;
	blob_res = cb.res_handle;
	blob_map = p;
	uint32_t s = seed + 7;
	for (size_t i = 0; i < BLOB_SIZE; i++)
		blob_map[i] = pattern(i, s);
	r = host_copy_blob_to_plain();
	errs = kmsg_host_errors();
	size_t at = 0;
	if (r)
		result(name, 0, "copy/readback: %s", strerror(-r));
	else if (first_diff(plain_map, s, BLOB_SIZE, &at))
		result(name, 0, "byte %zu read back 0x%02x, wrote 0x%02x (host errors %d)", at,
		       plain_map[at], pattern(at, s), errs);
	else if (errs)
		result(name, 0, "data matched but the host replied with %d error(s)", errs);
	else
		result(name, 1, "unmapped, res %u mapped at offset 0x%llx and seen by the host",
		       blob_res, (unsigned long long)m.offset);
}

/* 6. CONTEXT_INIT with the VIRGL2 capset on a second open file: a 1.x QEMU creates the
 * context with virgl_renderer_context_create_with_flags. The context must work: a
 * buffer created in it, written by an INLINE_WRITE submitted in it, reads back. */
static void case_context_init(void)
{
	const char *name = "context_init";
	int fd2 = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	if (fd2 < 0) {
		result(name, 0, "second open of card0: %s", strerror(errno));
		return;
	}
	int saved = fd;
	fd = fd2; /* the helpers below use `fd` */
	kmsg_host_errors();
	/* VIRGL2 where the host lists it, else VIRGL: while virgl-shim executes no 3D it
	 * withholds both capsets, and QEMU then lists only VIRGL (version 0). The kernel refuses
	 * a capset the host does not list with EINVAL before creating anything, so the second
	 * try is a fresh one. */
	struct vgpu_context_set_param prm = {.param = VIRTGPU_CONTEXT_PARAM_CAPSET_ID,
					     .value = 2 /* VIRGL2 */};
	struct vgpu_context_init ci = {.num_params = 1, .ctx_set_params = (uintptr_t)&prm};
	int r = xioctl(IOCTL_VIRTGPU_CONTEXT_INIT, &ci);
	if (r != 0 && errno == EINVAL) {
		prm.value = 1 /* VIRGL */;
		r = xioctl(IOCTL_VIRTGPU_CONTEXT_INIT, &ci);
	}
	const char *step = "CONTEXT_INIT";
	struct vgpu_resource_create rc = {
	    .target = PIPE_BUFFER, .format = VIRGL_FORMAT_R8_UNORM,
	    .bind = VIRGL_BIND_VERTEX_BUFFER, .width = 64, .height = 1, .depth = 1,
	    .array_size = 1, .size = 64,
	};
	if (!r) {
		step = "RESOURCE_CREATE";
		r = xioctl(IOCTL_VIRTGPU_RESOURCE_CREATE, &rc);
	}
	uint32_t cmd[12 + 4] = {
	    VIRGL_CMD0(VIRGL_CCMD_RESOURCE_INLINE_WRITE, 0, 11 + 4),
	    rc.res_handle, 0, 0, 0, 0, 8, 0, 0, 16, 1, 1,
	    0xA1B2C3D4, 0x0F1E2D3C, 0x44332211, 0x99887766,
	};
	uint32_t bos[1] = {rc.bo_handle};
	if (!r) {
		step = "EXECBUFFER";
		r = execbuffer(cmd, 16, bos, 1);
	}
	struct vgpu_map m = {.handle = rc.bo_handle};
	uint8_t *p = MAP_FAILED;
	if (!r) {
		step = "MAP";
		r = xioctl(IOCTL_VIRTGPU_MAP, &m);
	}
	if (!r) {
		p = mmap(NULL, 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
		if (p == MAP_FAILED)
			r = -errno;
	}
	if (!r) {
		memset(p, 0xEE, 64);
		struct vgpu_transfer t = {.bo_handle = rc.bo_handle, .box = {0, 0, 0, 64, 1, 1}};
		step = "TRANSFER_FROM_HOST";
		r = xioctl(IOCTL_VIRTGPU_TRANSFER_FROM_HOST, &t);
		if (!r)
			r = wait_bo(rc.bo_handle);
	}
	int errs = kmsg_host_errors();
	if (r)
		result(name, 0, "%s: %s (host errors %d)", step, strerror(-r), errs);
	else if (memcmp(p + 8, &cmd[12], 16) != 0)
		result(name, 0, "bytes 8..23 read back %02x%02x%02x%02x…, not the INLINE_WRITE "
		       "(host errors %d)", p[8], p[9], p[10], p[11], errs);
	else if (errs)
		result(name, 0, "data matched but the host replied with %d error(s)", errs);
	else
		result(name, 1, "context with capset %s: res %u written and read back",
		       prm.value == 2 ? "VIRGL2" : "VIRGL", rc.res_handle);
	if (p != MAP_FAILED)
		munmap(p, 64);
	fd = saved;
	close(fd2);
}

/* Waits until the host has processed everything queued before it on the control queue
 * (KMS commands carry no fence; an empty fenced EXECBUFFER behind them does). */
static int sync_ctrl_queue(void)
{
	return execbuffer(NULL, 0, NULL, 0);
}

/* The picture of the blob scanout; tests/hostmem/run.sh checks a screendump against the
 * same formula: R = 4x, G = 4y, B = 0x80. */
static uint32_t scan_px(uint32_t x, uint32_t y)
{
	return (((x * 4) & 0xffu) << 16) | (((y * 4) & 0xffu) << 8) | 0x80u;
}

/* 5. SET_SCANOUT_BLOB of a coherent blob: a mappable HOST3D 2D texture written by the
 * guest through the hostmem mapping, added as a KMS framebuffer and shown on the first
 * CRTC (the guest kernel sends SET_SCANOUT_BLOB for blob BOs). Passes when the host
 * accepted it (no error reply); then prints "HOSTMEM-SCREENDUMP w h" and waits for the
 * harness to take a screendump. */
static void case_blob_scanout(void)
{
	const char *name = "blob_scanout";
	const uint32_t size = SCAN_W * SCAN_H * 4;
	uint32_t pcmd[1 + VIRGL_PIPE_RES_CREATE_SIZE] = {
	    VIRGL_CMD0(VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0, VIRGL_PIPE_RES_CREATE_SIZE),
	    PIPE_TEXTURE_2D, VIRGL_FORMAT_B8G8R8X8_UNORM,
	    VIRGL_BIND_RENDER_TARGET | VIRGL_BIND_SAMPLER_VIEW | VIRGL_BIND_SCANOUT,
	    SCAN_W, SCAN_H, 1 /* depth */, 1 /* array size */, 0 /* last level */,
	    0 /* samples */, 0 /* flags */, SCAN_BLOB_ID,
	};
	struct vgpu_create_blob cb = {
	    .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
	    .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
	    .size = size,
	    .cmd_size = sizeof(pcmd),
	    .cmd = (uintptr_t)pcmd,
	    .blob_id = SCAN_BLOB_ID,
	};
	kmsg_host_errors();
	int r = xioctl(IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &cb);
	if (!r)
		r = wait_bo(cb.bo_handle);
	if (r) {
		result(name, 0, "RESOURCE_CREATE_BLOB 64x64: %s", strerror(-r));
		return;
	}
	struct vgpu_map m = {.handle = cb.bo_handle};
	r = xioctl(IOCTL_VIRTGPU_MAP, &m);
	uint32_t *px = MAP_FAILED;
	if (!r) {
		px = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
		if (px == MAP_FAILED)
			r = -errno;
	}
	if (r) {
		result(name, 0, "MAP/mmap of the 64x64 blob: %s", strerror(-r));
		return;
	}
	for (uint32_t y = 0; y < SCAN_H; y++)
		for (uint32_t x = 0; x < SCAN_W; x++)
			px[y * SCAN_W + x] = scan_px(x, y);

	struct drm_mode_card_res res = {0};
	uint32_t crtcs[8], conns[8], encs[8], fbs[8];
	r = xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (!r && (!res.count_crtcs || !res.count_connectors || res.count_crtcs > 8 ||
		   res.count_connectors > 8 || res.count_encoders > 8 || res.count_fbs > 8))
		r = -ENODEV;
	if (!r) {
		res.crtc_id_ptr = (uintptr_t)crtcs;
		res.connector_id_ptr = (uintptr_t)conns;
		res.encoder_id_ptr = (uintptr_t)encs;
		res.fb_id_ptr = (uintptr_t)fbs;
		r = xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
	}
	if (r) {
		result(name, 0, "GETRESOURCES: %s", strerror(-r));
		return;
	}
	struct drm_mode_fb_cmd2 fb = {
	    .width = SCAN_W, .height = SCAN_H, .pixel_format = DRM_FORMAT_XRGB8888,
	    .handles = {cb.bo_handle}, .pitches = {SCAN_W * 4},
	};
	r = xioctl(DRM_IOCTL_MODE_ADDFB2, &fb);
	if (r) {
		result(name, 0, "ADDFB2: %s", strerror(-r));
		return;
	}
	struct drm_mode_modeinfo mode = {
	    .clock = 67 * 67 * 60 / 1000 + 1,
	    .hdisplay = SCAN_W, .hsync_start = SCAN_W + 1, .hsync_end = SCAN_W + 2, .htotal = SCAN_W + 3,
	    .vdisplay = SCAN_H, .vsync_start = SCAN_H + 1, .vsync_end = SCAN_H + 2, .vtotal = SCAN_H + 3,
	    .vrefresh = 60,
	    .type = DRM_MODE_TYPE_USERDEF,
	};
	snprintf(mode.name, sizeof(mode.name), "64x64");
	uint32_t conn = conns[0];
	struct drm_mode_crtc sc = {
	    .set_connectors_ptr = (uintptr_t)&conn, .count_connectors = 1,
	    .crtc_id = crtcs[0], .fb_id = fb.fb_id, .mode_valid = 1, .mode = mode,
	};
	r = xioctl(DRM_IOCTL_MODE_SETCRTC, &sc);
	if (!r)
		r = sync_ctrl_queue();
	int errs = kmsg_host_errors();
	if (r)
		result(name, 0, "SETCRTC: %s", strerror(-r));
	else if (errs)
		result(name, 0, "the host replied with %d error(s) to SET_SCANOUT_BLOB/flush", errs);
	else {
		result(name, 1, "64x64 XRGB8888 blob on crtc %u", crtcs[0]);
		/* The harness takes a screendump when it sees this line; keep the picture up. */
		printf("HOSTMEM-SCREENDUMP %u %u\n", SCAN_W, SCAN_H);
		fflush(stdout);
		sleep(8);
	}
}

/* Port of `-device isa-debug-exit,iobase=0xf4,iosize=4`; QEMU exits with (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_VALUE 0x20 /* QEMU exit status 65 */

/* `hostmem_test --exit`: ends QEMU through isa-debug-exit instead of a power-off. A
 * power-off resets the virtio-gpu device from a vCPU thread, and QEMU 10.0.2's
 * virtio_gpu_gl_reset then calls into GL there (sdl2 scanout disable → egl_fb_destroy)
 * with no context current (libepoxy aborted QEMU there now and then until the library
 * had libepoxy resolve glDeleteFramebuffers at init; see docs/qemu-hostmem.md). */
static int debug_exit(void)
{
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) != 0) {
		printf("hostmem-exit: ioperm: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	outb(DEBUG_EXIT_VALUE, DEBUG_EXIT_PORT);
	printf("hostmem-exit: QEMU did not exit (no isa-debug-exit device?)\n");
	return 1;
}

int main(int argc, char **argv)
{
	int ok_blob = 0, ok_map = 0, ok_plain = 0, r, v;

	if (argc > 1 && strcmp(argv[1], "--exit") == 0)
		return debug_exit();
	uint32_t seed = (uint32_t)time(NULL) ^ (uint32_t)getpid();

	printf("HOSTMEM-PLAN %zu\n", N_CASES);
	fflush(stdout);
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);

	for (int i = 0; i < 100 && fd < 0; i++) {
		fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			usleep(100 * 1000);
	}
	if (fd < 0) {
		result("open_card0", 0, "open /dev/dri/card0: %s", strerror(errno));
		for (size_t i = 1; i < N_CASES; i++)
			result(CASES[i], 0, "skipped: no device");
		printf("HOSTMEM-END\n");
		return 1;
	}
	result("open_card0", 1, NULL);
	pci_bars_info();

	r = getparam(VIRTGPU_PARAM_3D_FEATURES, &v);
	info("3D_FEATURES: %s %d", r ? strerror(-r) : "ok", v);
	r = getparam(VIRTGPU_PARAM_RESOURCE_BLOB, &v);
	result("param_resource_blob", !r && v == 1, "ioctl %s, value %d", r ? strerror(-r) : "ok", v);
	r = getparam(VIRTGPU_PARAM_HOST_VISIBLE, &v);
	result("param_host_visible", !r && v == 1, "ioctl %s, value %d", r ? strerror(-r) : "ok", v);

	/* 1. HOST3D blob from a PIPE_RESOURCE_CREATE in the context's stream. */
	uint32_t pcmd[1 + VIRGL_PIPE_RES_CREATE_SIZE] = {
	    VIRGL_CMD0(VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0, VIRGL_PIPE_RES_CREATE_SIZE),
	    PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, VIRGL_BIND_VERTEX_BUFFER,
	    BLOB_SIZE /* width */, 1 /* height */, 1 /* depth */, 1 /* array size */,
	    0 /* last level */, 0 /* samples */, 0 /* flags */, BLOB_ID,
	};
	struct vgpu_create_blob cb = {
	    .blob_mem = VIRTGPU_BLOB_MEM_HOST3D,
	    .blob_flags = VIRTGPU_BLOB_FLAG_USE_MAPPABLE,
	    .size = BLOB_SIZE,
	    .cmd_size = sizeof(pcmd),
	    .cmd = (uintptr_t)pcmd,
	    .blob_id = BLOB_ID,
	};
	kmsg_host_errors();
	r = xioctl(IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB, &cb);
	if (!r)
		r = wait_bo(cb.bo_handle);
	int errs = kmsg_host_errors();
	if (r)
		result("create_host3d_blob", 0, "RESOURCE_CREATE_BLOB: %s", strerror(-r));
	else if (errs)
		result("create_host3d_blob", 0, "bo %u res %u, but the host replied with %d error(s)",
		       cb.bo_handle, cb.res_handle, errs);
	else {
		ok_blob = 1;
		result("create_host3d_blob", 1, "bo %u res %u", cb.bo_handle, cb.res_handle);
	}
	blob_bo = cb.bo_handle;
	blob_res = cb.res_handle;

	if (ok_blob) {
		struct vgpu_resource_info ri = {.bo_handle = blob_bo};
		r = xioctl(IOCTL_VIRTGPU_RESOURCE_INFO, &ri);
		result("resource_info_blob",
		       !r && ri.blob_mem == VIRTGPU_BLOB_MEM_HOST3D && ri.size >= BLOB_SIZE,
		       "ioctl %s, blob_mem %u, size %u", r ? strerror(-r) : "ok", ri.blob_mem,
		       ri.size);
	} else {
		result("resource_info_blob", 0, "skipped: no blob");
	}

	/* 2. MAP: QEMU maps the blob (virgl_renderer_resource_map) into the hostmem BAR. */
	if (ok_blob) {
		struct vgpu_map m = {.handle = blob_bo};
		r = xioctl(IOCTL_VIRTGPU_MAP, &m);
		void *p = MAP_FAILED;
		if (!r) {
			p = mmap(NULL, BLOB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
			if (p == MAP_FAILED)
				r = -errno;
		}
		errs = kmsg_host_errors();
		if (r)
			result("map_blob", 0, "MAP/mmap: %s (host errors %d)", strerror(-r), errs);
		else if (errs)
			result("map_blob", 0, "mapped, but the host replied with %d error(s)", errs);
		else {
			blob_map = p;
			ok_map = 1;
			result("map_blob", 1, "mmap offset 0x%llx", (unsigned long long)m.offset);
		}
	} else {
		result("map_blob", 0, "skipped: no blob");
	}

	if (ok_map) {
		r = plain_create();
		if (r)
			info("plain buffer: %s", strerror(-r));
		ok_plain = !r;
	}

	/* 3. Guest writes through the mapping; no transfer on the blob; the host copies it. */
	for (int round = 0; round < 2; round++) {
		const char *name = round ? "guest_rewrite_host_sees" : "guest_write_host_sees";
		uint32_t s = seed + (uint32_t)round;
		if (!ok_plain) {
			result(name, 0, "skipped: %s", ok_map ? "no plain buffer" : "no mapping");
			continue;
		}
		for (size_t i = 0; i < BLOB_SIZE; i++)
			blob_map[i] = pattern(i, s);
		kmsg_host_errors();
		r = host_copy_blob_to_plain();
		errs = kmsg_host_errors();
		size_t at = 0;
		if (r)
			result(name, 0, "copy/readback: %s", strerror(-r));
		else if (first_diff(plain_map, s, BLOB_SIZE, &at))
			result(name, 0,
			       "byte %zu read back 0x%02x, wrote 0x%02x (host errors %d)", at,
			       plain_map[at], pattern(at, s), errs);
		else if (errs)
			result(name, 0, "data matched but the host replied with %d error(s)", errs);
		else
			result(name, 1, "%u bytes, seed 0x%08x", BLOB_SIZE, s);
	}

	/* 4. The host writes into the blob (INLINE_WRITE); the guest reads the mapping. */
	if (ok_map) {
		const char *name = "host_write_guest_sees";
		const uint32_t at = 256, n = 4;
		static uint8_t before[BLOB_SIZE];
		memcpy(before, blob_map, BLOB_SIZE); /* the bytes the host must leave alone */
		uint32_t cmd[12 + 4] = {
		    VIRGL_CMD0(VIRGL_CCMD_RESOURCE_INLINE_WRITE, 0, 11 + n),
		    blob_res, 0 /* level */, 0 /* usage */, 0 /* stride */, 0 /* layer stride */,
		    at, 0, 0, n * 4 /* x y z w(bytes) */, 1, 1,
		    0x11223344, 0x55667788, 0x99AABBCC, 0xDDEEFF00,
		};
		uint32_t bos[1] = {blob_bo};
		kmsg_host_errors();
		r = execbuffer(cmd, 16, bos, 1);
		if (!r)
			r = wait_bo(blob_bo);
		errs = kmsg_host_errors();
		size_t bad = BLOB_SIZE;
		for (size_t i = 0; i < BLOB_SIZE && bad == BLOB_SIZE && !r; i++) {
			uint8_t want = (i >= at && i < at + n * 4)
					   ? ((const uint8_t *)&cmd[12])[i - at]
					   : before[i];
			if (blob_map[i] != want)
				bad = i;
		}
		if (r)
			result(name, 0, "EXECBUFFER: %s", strerror(-r));
		else if (bad != BLOB_SIZE)
			result(name, 0, "byte %zu of the mapping is 0x%02x after the host write "
			       "(host errors %d)", bad, blob_map[bad], errs);
		else if (errs)
			result(name, 0, "data matched but the host replied with %d error(s)", errs);
		else
			result(name, 1, NULL);
	} else {
		result("host_write_guest_sees", 0, "skipped: no mapping");
	}

	case_unmap_blob_and_remap(ok_plain, seed);
	case_context_init();
	case_blob_scanout();

	printf("HOSTMEM-END\n");
	fflush(stdout);
	return 0;
}
