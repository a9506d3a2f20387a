/*
 * cases_kms.c — guest cases of the virgl-shim QEMU end-to-end test (virtio_gpu_test.h):
 * opening the card, GETPARAM, capsets, the dumb-buffer / KMS scanout cases, and
 * alive_after_errors (KMS and a fenced transfer still work after the error cases).
 */
#include "virtio_gpu_test.h"

/* ------------------------------------------------------------------------- */
/* Cases                                                                      */
/* ------------------------------------------------------------------------- */
void case_open_card0(void)
{
	for (int i = 0; i < 100; i++) {
		fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
		if (fd >= 0)
			break;
		usleep(100 * 1000);
	}
	if (fd < 0) {
		result("open_card0", 0, "open /dev/dri/card0: %s", strerror(errno));
		return;
	}
	struct drm_version v = {0};
	char name[64] = "";
	v.name = name;
	v.name_len = sizeof(name) - 1;
	int r = xioctl(DRM_IOCTL_VERSION, &v);
	if (r || strcmp(name, "virtio_gpu") != 0) {
		result("open_card0", 0, "DRM_IOCTL_VERSION: %s, driver '%s'", strerror(-r), name);
		return;
	}
	result("open_card0", 1, "driver %s %d.%d.%d", name, v.version_major, v.version_minor,
	       v.version_patchlevel);
}

void case_getparam(void)
{
	int v = 0;
	int r = getparam(VIRTGPU_PARAM_3D_FEATURES, &v);
	if (r) {
		result("getparam_3d_features", 0, "ioctl: %s", strerror(-r));
		return;
	}
	static const struct {
		uint64_t p;
		const char *n;
	} more[] = {
	    {VIRTGPU_PARAM_CAPSET_QUERY_FIX, "capset_query_fix"},
	    {VIRTGPU_PARAM_RESOURCE_BLOB, "resource_blob"},
	    {VIRTGPU_PARAM_HOST_VISIBLE, "host_visible"},
	    {VIRTGPU_PARAM_CROSS_DEVICE, "cross_device"},
	    {VIRTGPU_PARAM_CONTEXT_INIT, "context_init"},
	    {VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS, "supported_capset_ids"},
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		int x = 0;
		int rr = getparam(more[i].p, &x);
		if (rr)
			info("param %s: error %s", more[i].n, strerror(-rr));
		else
			info("param %s = %d (0x%x)", more[i].n, x, x);
	}
	/* virtio-gpu-gl-pci advertises VIRTIO_GPU_F_VIRGL: the guest must see 3D. */
	result("getparam_3d_features", v == 1, "3d_features=%d (want 1)", v);
}

void case_caps(const char *name, uint32_t id, uint32_t ver)
{
	enum { BUF = 4096 };
	static uint8_t buf[BUF];
	memset(buf, 0xA5, sizeof(buf));
	struct vgpu_get_caps gc = {
	    .cap_set_id = id, .cap_set_ver = ver, .addr = (uintptr_t)buf, .size = BUF};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = xioctl(IOCTL_VIRTGPU_GET_CAPS, &gc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (r) {
		result(name, 0, "GET_CAPS(id %u, ver %u): %s after %.0f ms", id, ver, strerror(-r),
		       ms);
		return;
	}
	size_t written = BUF;
	while (written > 0 && buf[written - 1] == 0xA5)
		written--;
	uint32_t max_version;
	memcpy(&max_version, buf, 4);
	int nonzero = 0;
	for (size_t i = 4; i < written; i++)
		nonzero += buf[i] != 0;
	info("%s: %zu bytes (approx.), max_version %u, %d nonzero bytes", name, written,
	     max_version, nonzero);
	if (written == 0)
		result(name, 0, "host returned no data (capset size 0)");
	else if (max_version < ver)
		result(name, 0, "max_version %u < requested version %u", max_version, ver);
	else if (nonzero == 0)
		result(name, 0, "capset is all zeros after max_version");
	else
		result(name, 1, NULL);
}

/* KMS state shared by the dumb-buffer cases. */
static struct {
	uint32_t handle, pitch, fb, crtc, conn;
	uint64_t size;
	uint32_t *map;
	struct drm_mode_modeinfo mode;
	int scanout_ok;
} dumb;

#define DUMB_W 64
#define DUMB_H 64

static int kms_pick(uint32_t *crtc, uint32_t *conn, char *why, size_t n)
{
	struct drm_mode_card_res res = {0};
	int r = xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (r || !res.count_crtcs || !res.count_connectors) {
		snprintf(why, n, "GETRESOURCES: %s, %u crtcs, %u connectors", strerror(-r),
			 res.count_crtcs, res.count_connectors);
		return -1;
	}
	uint32_t crtcs[16], conns[16], encs[16], fbs[16];
	if (res.count_crtcs > 16 || res.count_connectors > 16 || res.count_encoders > 16 ||
	    res.count_fbs > 16) {
		snprintf(why, n, "too many KMS objects");
		return -1;
	}
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.connector_id_ptr = (uintptr_t)conns;
	res.encoder_id_ptr = (uintptr_t)encs;
	res.fb_id_ptr = (uintptr_t)fbs;
	r = xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res);
	if (r) {
		snprintf(why, n, "GETRESOURCES(2): %s", strerror(-r));
		return -1;
	}
	struct drm_mode_get_connector c = {.connector_id = conns[0]};
	r = xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &c);
	if (r) {
		snprintf(why, n, "GETCONNECTOR: %s", strerror(-r));
		return -1;
	}
	info("kms: %u crtcs, %u connectors; connector %u status %u, %u modes", res.count_crtcs,
	     res.count_connectors, conns[0], c.connection, c.count_modes);
	*crtc = crtcs[0];
	*conn = conns[0];
	return 0;
}

static int sync_ctrl_queue(void);

void case_dumb_scanout(void)
{
	char why[256] = "";
	if (kms_pick(&dumb.crtc, &dumb.conn, why, sizeof(why))) {
		result("dumb_scanout", 0, "%s", why);
		return;
	}
	struct drm_mode_create_dumb cd = {.width = DUMB_W, .height = DUMB_H, .bpp = 32};
	int r = xioctl(DRM_IOCTL_MODE_CREATE_DUMB, &cd);
	if (r) {
		result("dumb_scanout", 0, "CREATE_DUMB: %s", strerror(-r));
		return;
	}
	dumb.handle = cd.handle;
	struct vgpu_resource_info ri = {.bo_handle = cd.handle};
	if (xioctl(IOCTL_VIRTGPU_RESOURCE_INFO, &ri) == 0)
		info("dumb: bo %u = host resource %u, %u bytes, pitch %u", cd.handle, ri.res_handle,
		     ri.size, cd.pitch);
	dumb.pitch = cd.pitch;
	dumb.size = cd.size;
	struct drm_mode_map_dumb md = {.handle = cd.handle};
	r = xioctl(DRM_IOCTL_MODE_MAP_DUMB, &md);
	if (r) {
		result("dumb_scanout", 0, "MAP_DUMB: %s", strerror(-r));
		return;
	}
	void *p = mmap(NULL, cd.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)md.offset);
	if (p == MAP_FAILED) {
		result("dumb_scanout", 0, "mmap: %s", strerror(errno));
		return;
	}
	dumb.map = p;
	for (uint32_t y = 0; y < DUMB_H; y++)
		for (uint32_t x = 0; x < DUMB_W; x++)
			dumb.map[y * (dumb.pitch / 4) + x] = pattern_px(x, y, 1) & 0x00FFFFFFu;

	struct drm_mode_fb_cmd fbc = {
	    .width = DUMB_W, .height = DUMB_H, .pitch = dumb.pitch, .bpp = 32, .depth = 24,
	    .handle = dumb.handle};
	r = xioctl(DRM_IOCTL_MODE_ADDFB, &fbc);
	if (r) {
		result("dumb_scanout", 0, "ADDFB: %s", strerror(-r));
		return;
	}
	dumb.fb = fbc.fb_id;

	/* A 64x64 mode, so the 64x64 framebuffer covers the whole CRTC. */
	struct drm_mode_modeinfo mode = {
	    .clock = 67 * 67 * 60 / 1000 + 1,
	    .hdisplay = 64, .hsync_start = 65, .hsync_end = 66, .htotal = 67,
	    .vdisplay = 64, .vsync_start = 65, .vsync_end = 66, .vtotal = 67,
	    .vrefresh = 60,
	    .type = DRM_MODE_TYPE_USERDEF,
	};
	snprintf(mode.name, sizeof(mode.name), "64x64");
	dumb.mode = mode;
	uint32_t conn = dumb.conn;
	struct drm_mode_crtc sc = {
	    .set_connectors_ptr = (uintptr_t)&conn,
	    .count_connectors = 1,
	    .crtc_id = dumb.crtc,
	    .fb_id = dumb.fb,
	    .mode_valid = 1,
	    .mode = mode,
	};
	r = xioctl(DRM_IOCTL_MODE_SETCRTC, &sc);
	if (r) {
		result("dumb_scanout", 0, "SETCRTC 64x64 on crtc %u/connector %u: %s", dumb.crtc,
		       dumb.conn, strerror(-r));
		return;
	}
	struct drm_clip_rect clip = {0, 0, DUMB_W, DUMB_H};
	struct drm_mode_fb_dirty_cmd dc = {
	    .fb_id = dumb.fb, .num_clips = 1, .clips_ptr = (uintptr_t)&clip};
	r = xioctl(DRM_IOCTL_MODE_DIRTYFB, &dc);
	if (r) {
		result("dumb_scanout", 0, "DIRTYFB: %s", strerror(-r));
		return;
	}
	/* The replies to SET_SCANOUT (a 1.x QEMU asks get_info_ext there, 0.x get_info) and
	 * RESOURCE_FLUSH must be in before the kernel log is read. */
	r = sync_ctrl_queue();
	if (r) {
		result("dumb_scanout", 0, "syncing the control queue: %s", strerror(-r));
		return;
	}
	int errs = kmsg_host_errors();
	dumb.scanout_ok = errs == 0;
	result("dumb_scanout", errs == 0, "%s", errs ? "host rejected commands (see INFO kernel)" : "64x64 XRGB8888 on crtc");
}

/* Reads the dumb BO back from the host: the DIRTYFB upload (TRANSFER_TO_HOST_2D)
 * carries no fence, but the control queue is processed in order, so a later
 * TRANSFER_FROM_HOST + WAIT on the same BO observes it.
 * The CRTC is switched off first, so the resource is no longer a scanout when it
 * is read. Known issue (see README): in some runs every readback of this BO
 * leaves guest memory untouched (3 of 14 runs with virgl-shim; also seen
 * with upstream virglrenderer 0.10.4); a retry does not help. */
/* Waits until the host has processed everything queued before it on the control queue: a
 * KMS DIRTYFB upload (TRANSFER_TO_HOST_2D) carries no fence, but an empty fenced
 * EXECBUFFER behind it on the same queue does. Returns 0 or a negative errno. */
static int sync_ctrl_queue(void)
{
	struct vgpu_execbuffer eb = {.flags = VIRTGPU_EXECBUF_FENCE_FD_OUT, .size = 0,
				     .fence_fd = -1};
	int r = xioctl(IOCTL_VIRTGPU_EXECBUFFER, &eb);
	if (r)
		return r;
	if (eb.fence_fd < 0)
		return -EINVAL;
	struct pollfd pfd = {.fd = eb.fence_fd, .events = POLLIN};
	int p = poll(&pfd, 1, 10000);
	close(eb.fence_fd);
	return p == 1 ? 0 : -ETIMEDOUT;
}

void case_dumb_readback(void)
{
	if (!dumb.scanout_ok) {
		result("dumb_readback", 0, "dumb_scanout did not succeed");
		return;
	}
	struct drm_mode_crtc off = {.crtc_id = dumb.crtc};
	int ro = xioctl(DRM_IOCTL_MODE_SETCRTC, &off);
	if (ro) {
		result("dumb_readback", 0, "SETCRTC off: %s", strerror(-ro));
		return;
	}
	/* The DIRTYFB upload may still be queued: overwriting the pages before the host
	 * ran it would upload the overwrite instead of the pattern. */
	ro = sync_ctrl_queue();
	if (ro) {
		result("dumb_readback", 0, "syncing the control queue: %s", strerror(-ro));
		return;
	}
	size_t words = (size_t)dumb.pitch / 4 * DUMB_H;
	for (size_t i = 0; i < words; i++)
		dumb.map[i] = 0xDEADBEEF;
	struct vgpu_box box = {0, 0, 0, DUMB_W, DUMB_H, 1};
	int r = transfer(0, dumb.handle, box, 0, 0);
	if (r) {
		result("dumb_readback", 0, "TRANSFER_FROM_HOST: %s", strerror(-r));
		return;
	}
	r = wait_bo(dumb.handle);
	if (r) {
		result("dumb_readback", 0, "WAIT: %s", strerror(-r));
		return;
	}
	int errs = kmsg_host_errors();
	uint32_t bad = 0, first_x = 0, first_y = 0, got = 0, want = 0;
	for (uint32_t y = 0; y < DUMB_H; y++)
		for (uint32_t x = 0; x < DUMB_W; x++) {
			uint32_t g = dumb.map[y * (dumb.pitch / 4) + x] & 0x00FFFFFFu;
			uint32_t w = pattern_px(x, y, 1) & 0x00FFFFFFu;
			if (g != w && bad++ == 0) {
				first_x = x, first_y = y, got = g, want = w;
			}
		}
	if (bad)
		result("dumb_readback", 0,
		       "%u/%u pixels differ, first at (%u,%u): got 0x%06x want 0x%06x%s", bad,
		       DUMB_W * DUMB_H, first_x, first_y, got, want,
		       errs ? "; host error replies logged" : "");
	else
		result("dumb_readback", 1, NULL);
}


/* After all the errors above: KMS still works (a new flip + dirty of the dumb
 * buffer) and a fenced transfer still completes. */
void case_alive_after_errors(void)
{
	if (!dumb.fb) {
		result("alive_after_errors", 0, "no dumb framebuffer from dumb_scanout");
		return;
	}
	for (uint32_t i = 0; i < (dumb.pitch / 4) * DUMB_H; i++)
		dumb.map[i] = 0x00FF00FF;
	uint32_t conn = dumb.conn;
	struct drm_mode_crtc get = {.crtc_id = dumb.crtc};
	int r = xioctl(DRM_IOCTL_MODE_GETCRTC, &get);
	if (r) {
		result("alive_after_errors", 0, "GETCRTC: %s", strerror(-r));
		return;
	}
	struct drm_mode_crtc sc = {
	    .set_connectors_ptr = (uintptr_t)&conn,
	    .count_connectors = 1,
	    .crtc_id = dumb.crtc,
	    .fb_id = dumb.fb,
	    .mode_valid = 1,
	    .mode = dumb.mode,
	};
	r = xioctl(DRM_IOCTL_MODE_SETCRTC, &sc);
	if (r) {
		result("alive_after_errors", 0, "SETCRTC again: %s", strerror(-r));
		return;
	}
	struct drm_clip_rect clip = {0, 0, DUMB_W, DUMB_H};
	struct drm_mode_fb_dirty_cmd dc = {
	    .fb_id = dumb.fb, .num_clips = 1, .clips_ptr = (uintptr_t)&clip};
	r = xioctl(DRM_IOCTL_MODE_DIRTYFB, &dc);
	if (r) {
		result("alive_after_errors", 0, "DIRTYFB: %s", strerror(-r));
		return;
	}
	struct vgpu_box box = {0, 0, 0, DUMB_W, DUMB_H, 1};
	r = transfer(1, dumb.handle, box, 0, 0);
	if (!r)
		r = wait_bo(dumb.handle);
	if (r) {
		result("alive_after_errors", 0, "fenced TRANSFER_TO_HOST + WAIT: %s", strerror(-r));
		return;
	}
	int v = 0;
	r = getparam(VIRTGPU_PARAM_3D_FEATURES, &v);
	result("alive_after_errors", r == 0, "GETPARAM: %s", r ? strerror(-r) : "ok");
}
