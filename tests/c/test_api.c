/*
 * test_api.c — exercises libvirglrenderer through the installed header only, the way
 * QEMU's virtio-gpu-gl device does (2D resources, attached guest backing, transfers with
 * iov NULL, ctx-0 fences). Exit status 0 on success; the last line is
 * "N passed, N failed". Entry points virgl-shim does not implement yet are asserted to
 * fail and listed as "known gap" lines.
 * SPDX-License-Identifier: MIT
 */
#define VIRGL_RENDERER_UNSTABLE_APIS 1

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <virgl-version.h>
#include <virglrenderer.h>

#if !VIRGL_CHECK_VERSION(1, 0, 0)
#error "the header must announce the 1.x API"
#endif

/* Values QEMU uses from virgl_hw.h / its own defines (not part of virglrenderer.h). */
#define PIPE_TEXTURE_2D 2
#define VIRGL_FORMAT_B8G8R8A8_UNORM 1
#define VIRGL_FORMAT_B8G8R8X8_UNORM 2
#define VIRGL_RESOURCE_Y_0_TOP (1 << 0)
#define DRM_FORMAT_XRGB8888 0x34325258u /* 'XR24' */

#define W 64
#define H 64
#define BPP 4
#define STRIDE (W * BPP)
#define SIZE (STRIDE * H)

static int passed, failed;

#define CHECK(cond, ...)                                                                   \
   do {                                                                                   \
      if (cond) {                                                                         \
         passed++;                                                                        \
      } else {                                                                            \
         failed++;                                                                        \
         printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                           \
         printf(__VA_ARGS__);                                                             \
         printf("\n");                                                                    \
      }                                                                                   \
   } while (0)

/* A not-yet-implemented entry point must report an error (anything but 0). */
#define GAP(name, ret)                                                                     \
   do {                                                                                   \
      long long r_ = (long long)(ret);                                                    \
      CHECK(r_ != 0, "%s returned 0: the gap is closed, test it properly here", name);   \
      if (r_ != 0)                                                                        \
         printf("known gap: %s -> %lld\n", name, r_);                                     \
   } while (0)

/* QEMU's layout-identical box (it never includes virgl_hw.h either). */
struct test_box {
   uint32_t x, y, z, w, h, d;
};

static int cookie_a, cookie_b;
static int fence_calls;
static uint32_t last_fence;
static void *fence_cookie;
static int ctx_fence_calls;
static uint32_t ctx_fence_ctx, ctx_fence_ring;
static uint64_t ctx_fence_id;

static void write_fence(void *cookie, uint32_t fence)
{
   fence_calls++;
   last_fence = fence;
   fence_cookie = cookie;
}

static void write_context_fence(void *cookie, uint32_t ctx_id, uint32_t ring_idx,
                                uint64_t fence_id)
{
   (void)cookie;
   ctx_fence_calls++;
   ctx_fence_ctx = ctx_id;
   ctx_fence_ring = ring_idx;
   ctx_fence_id = fence_id;
}

static struct virgl_renderer_callbacks make_cbs(void)
{
   struct virgl_renderer_callbacks cbs;
   memset(&cbs, 0, sizeof(cbs));
   cbs.version = 4;
   cbs.write_fence = write_fence;
   cbs.write_context_fence = write_context_fence;
   return cbs;
}

static struct virgl_renderer_resource_create_args args_2d(uint32_t handle, uint32_t format,
                                                          uint32_t bind)
{
   struct virgl_renderer_resource_create_args a;
   memset(&a, 0, sizeof(a));
   a.handle = handle;
   a.target = PIPE_TEXTURE_2D;
   a.format = format;
   a.bind = bind;
   a.width = W;
   a.height = H;
   a.depth = 1;
   a.array_size = 1;
   a.last_level = 0;
   a.nr_samples = 0;
   a.flags = VIRGL_RESOURCE_Y_0_TOP;
   return a;
}

static uint8_t pattern(size_t i)
{
   /* X byte of B8G8R8X8 is 0xff (what any backend returns for X); others vary. */
   return (i % 4 == 3) ? 0xff : (uint8_t)((i * 7 + i / STRIDE * 13) & 0xff);
}

/* Copies `len` bytes at `off` of the two-iovec gather into `dst` (or from `src`). */
static void iov_copy(struct iovec *iov, int n, size_t off, uint8_t *dst, const uint8_t *src,
                     size_t len)
{
   for (int i = 0; i < n && len > 0; i++) {
      if (off >= iov[i].iov_len) {
         off -= iov[i].iov_len;
         continue;
      }
      size_t c = iov[i].iov_len - off;
      if (c > len)
         c = len;
      if (dst)
         memcpy(dst, (uint8_t *)iov[i].iov_base + off, c);
      else
         memcpy((uint8_t *)iov[i].iov_base + off, src, c);
      dst = dst ? dst + c : NULL;
      src = src ? src + c : NULL;
      len -= c;
      off = 0;
   }
}

static void test_caps(const char *when, uint32_t *v1, uint32_t *s1, uint32_t *v2, uint32_t *s2)
{
   uint32_t ver = 0xdead, size = 0xbeef;
   *v1 = *s1 = *v2 = *s2 = 0xdead;
   virgl_renderer_get_cap_set(1, v1, s1);
   virgl_renderer_get_cap_set(2, v2, s2);
   virgl_renderer_get_cap_set(99, &ver, &size);
   CHECK(ver == 0 && size == 0, "%s: unknown capset (%u, %u), want (0, 0)", when, ver, size);

   enum { GUARD = 64, MAX = 1408 };
   uint8_t *buf = malloc(MAX + GUARD);
   if (!buf) {
      CHECK(0, "malloc");
      return;
   }
   for (uint32_t set = 1; set <= 2; set++) {
      uint32_t v = set == 1 ? *v1 : *v2, sz = set == 1 ? *s1 : *s2;
      uint32_t want_sz = set == 1 ? 308 : 1408;
      if (v == 0 && sz == 0) {
         /* Not served (withheld by a backend that executes no 3D, so that guests fall back
          * to llvmpipe): fill_caps must then write nothing. */
         printf("%s: capset %u withheld: no 3D executed (get_cap_set -> 0, 0)\n", when, set);
         memset(buf, 0xa5, MAX + GUARD);
         virgl_renderer_fill_caps(set, set, buf);
         int untouched = 1;
         for (size_t i = 0; i < MAX + GUARD; i++)
            untouched &= buf[i] == 0xa5;
         CHECK(untouched, "%s: fill_caps(%u) wrote although the set is not served", when, set);
         continue;
      }
      /* Upstream's sizes (x86-64): QEMU copies exactly this many bytes to the guest. */
      CHECK(v == set && sz == want_sz, "%s: capset %u is (%u, %u), want (%u, %u)", when, set, v,
            sz, set, want_sz);
      if (sz > MAX)
         continue;
      /* fill_caps writes the set (max_version first) and nothing past `size`. */
      memset(buf, 0xa5, MAX + GUARD);
      virgl_renderer_fill_caps(set, v, buf);
      uint32_t max_version;
      memcpy(&max_version, buf, sizeof(max_version));
      CHECK(max_version >= 1 && max_version <= 2, "%s: capset %u max_version %u", when, set,
            max_version);
      int guard_ok = 1;
      for (size_t i = sz; i < MAX + GUARD; i++)
         guard_ok &= buf[i] == 0xa5;
      CHECK(guard_ok, "%s: fill_caps(%u) wrote past %u bytes", when, set, sz);
      /* A version above the maximum writes nothing. */
      memset(buf, 0xa5, MAX + GUARD);
      virgl_renderer_fill_caps(set, v + 1, buf);
      int untouched = 1;
      for (size_t i = 0; i < MAX + GUARD; i++)
         untouched &= buf[i] == 0xa5;
      CHECK(untouched, "%s: fill_caps(%u, version %u) wrote", when, set, v + 1);
   }
   free(buf);
}

static void test_init(void)
{
   struct virgl_renderer_callbacks cbs = make_cbs();
   struct virgl_renderer_resource_create_args a = args_2d(50, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);

   CHECK(virgl_renderer_init(NULL, 0, &cbs) == -1, "init with NULL cookie");
   /* Not initialised: resource_create fails with positive EINVAL. */
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == EINVAL, "create before init");
   CHECK(virgl_renderer_create_fence(1, 0) == EINVAL, "fence before init");

   int r = virgl_renderer_init(&cookie_a, 0, &cbs);
   CHECK(r == 0, "init returned %d", r);
   CHECK(virgl_renderer_init(&cookie_a, 0, &cbs) == 0, "re-init with the same args");
   r = virgl_renderer_init(&cookie_b, 0, &cbs);
   CHECK(r == -EBUSY, "re-init with another cookie returned %d", r);
   r = virgl_renderer_init(&cookie_a, VIRGL_RENDERER_THREAD_SYNC, &cbs);
   CHECK(r == -EBUSY, "re-init with other flags returned %d", r);
   CHECK(virgl_renderer_init(NULL, 0, &cbs) == -1, "init with NULL cookie while initialised");
}

static void test_resource_2d(void)
{
   struct virgl_renderer_resource_create_args a = args_2d(1, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);
   int r;

   /* QEMU's RESOURCE_CREATE_2D: iov NULL, backing attached later. */
   r = virgl_renderer_resource_create(&a, NULL, 0);
   CHECK(r == 0, "create 64x64 B8G8R8X8 returned %d", r);
   r = virgl_renderer_resource_create(&a, NULL, 0);
   CHECK(r == -EINVAL, "duplicate handle returned %d, want -EINVAL", r);
   struct virgl_renderer_resource_create_args z = a;
   z.handle = 0;
   r = virgl_renderer_resource_create(&z, NULL, 0);
   CHECK(r == EINVAL, "handle 0 returned %d, want EINVAL", r);

   /* Backing: two separately allocated pieces, split inside a row. */
   const size_t len0 = 5000, len1 = SIZE - 5000;
   struct iovec *iov = malloc(2 * sizeof(*iov));
   uint8_t *p0 = malloc(len0), *p1 = malloc(len1);
   uint8_t *expect = malloc(SIZE), *got = malloc(SIZE);
   if (!iov || !p0 || !p1 || !expect || !got) {
      CHECK(0, "malloc");
      exit(1);
   }
   iov[0].iov_base = p0;
   iov[0].iov_len = len0;
   iov[1].iov_base = p1;
   iov[1].iov_len = len1;
   r = virgl_renderer_resource_attach_iov(1, iov, 2);
   CHECK(r == 0, "attach_iov returned %d", r);
   r = virgl_renderer_resource_attach_iov(1, iov, 2);
   CHECK(r == EINVAL, "second attach_iov returned %d, want EINVAL", r);

   /* TRANSFER_TO_HOST_2D of the whole resource, as QEMU: ctx 0, level 0, strides 0. */
   for (size_t i = 0; i < SIZE; i++)
      expect[i] = pattern(i);
   iov_copy(iov, 2, 0, NULL, expect, SIZE);
   struct test_box box = {0, 0, 0, W, H, 1};
   r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, NULL, 0);
   CHECK(r == 0, "transfer_write_iov returned %d", r);

   /* Readback into a separate buffer. */
   struct iovec out = {got, SIZE};
   memset(got, 0, SIZE);
   r = virgl_renderer_transfer_read_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, &out, 1);
   CHECK(r == 0, "transfer_read_iov returned %d", r);
   CHECK(memcmp(got, expect, SIZE) == 0, "readback differs from the uploaded pattern");

   /* A dirty rectangle the way QEMU passes it: offset = y * stride + x * bpp. */
   const uint32_t rx = 8, ry = 4, rw = 16, rh = 8;
   for (uint32_t y = ry; y < ry + rh; y++)
      for (uint32_t x = rx * BPP; x < (rx + rw) * BPP; x++)
         expect[y * STRIDE + x] = (x % 4 == 3) ? 0xff : (uint8_t)(0x40 + x + y);
   iov_copy(iov, 2, 0, NULL, expect, SIZE);
   struct test_box sub = {rx, ry, 0, rw, rh, 1};
   r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&sub,
                                         (uint64_t)ry * STRIDE + rx * BPP, NULL, 0);
   CHECK(r == 0, "sub-rectangle transfer_write_iov returned %d", r);
   memset(got, 0, SIZE);
   r = virgl_renderer_transfer_read_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, &out, 1);
   CHECK(r == 0 && memcmp(got, expect, SIZE) == 0, "readback after sub-rectangle (r=%d)", r);

   /* Readback into the attached backing (iov NULL) lands at the box's offset. */
   uint8_t *gathered = malloc(SIZE);
   if (gathered) {
      memset(p0, 0, len0);
      memset(p1, 0, len1);
      r = virgl_renderer_transfer_read_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, NULL, 0);
      iov_copy(iov, 2, 0, gathered, NULL, SIZE);
      CHECK(r == 0 && memcmp(gathered, expect, SIZE) == 0,
            "readback into the attached backing (r=%d)", r);
      free(gathered);
   }

   /* Out-of-bounds box. */
   struct test_box bad = {60, 0, 0, 8, 1, 1};
   r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&bad, 0, NULL, 0);
   CHECK(r == EINVAL, "box past the right edge returned %d, want EINVAL", r);

   struct virgl_renderer_resource_info info;
   memset(&info, 0x5a, sizeof(info));
   r = virgl_renderer_resource_get_info(1, &info);
   CHECK(r == 0, "get_info returned %d", r);
   CHECK(info.handle == 1 && info.virgl_format == VIRGL_FORMAT_B8G8R8X8_UNORM &&
            info.width == W && info.height == H && info.depth == 1 &&
            info.flags == VIRGL_RESOURCE_Y_0_TOP && info.stride == STRIDE &&
            (uint32_t)info.drm_fourcc == DRM_FORMAT_XRGB8888 && info.fd == 0x5a5a5a5a,
         "get_info: handle %u format %u %ux%ux%u flags %#x stride %u fourcc %#x fd %d",
         info.handle, info.virgl_format, info.width, info.height, info.depth, info.flags,
         info.stride, (unsigned)info.drm_fourcc, info.fd);
   struct virgl_renderer_resource_info_ext ext;
   memset(&ext, 0x5a, sizeof(ext));
   r = virgl_renderer_resource_get_info_ext(1, &ext);
   /* get_info leaves fd alone for classic resources (a 0.10.4 caller's struct ends before
    * it); get_info_ext, a 1.x-only call, writes it. */
   info.fd = -1;
   CHECK(r == 0 && ext.version == VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION &&
            memcmp(&ext.base, &info, sizeof(info)) == 0,
         "get_info_ext returned %d, version %d", r, ext.version);
   r = virgl_renderer_resource_get_info(999, &info);
   CHECK(r == EINVAL, "get_info of an unknown handle returned %d", r);

   /* set_priv / get_priv. */
   virgl_renderer_resource_set_priv(1, &cookie_b);
   CHECK(virgl_renderer_resource_get_priv(1) == &cookie_b, "get_priv");

   /* DETACH_BACKING hands back QEMU's own array. */
   struct iovec *back = NULL;
   int nback = -1;
   virgl_renderer_resource_detach_iov(1, &back, &nback);
   CHECK(back == iov && nback == 2, "detach_iov gave %p/%d, want %p/2", (void *)back, nback,
         (void *)iov);
   r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, NULL, 0);
   CHECK(r == EINVAL, "transfer without backing returned %d, want EINVAL", r);

   virgl_renderer_resource_unref(1);
   r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, &out, 1);
   CHECK(r == EINVAL, "transfer after unref returned %d, want EINVAL", r);
   r = virgl_renderer_transfer_read_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, &out, 1);
   CHECK(r == EINVAL, "read after unref returned %d, want EINVAL", r);
   CHECK(virgl_renderer_resource_get_info(1, &info) == EINVAL, "get_info after unref");
   /* The handle is free again. */
   r = virgl_renderer_resource_create(&a, NULL, 0);
   CHECK(r == 0, "re-create after unref returned %d", r);
   virgl_renderer_resource_unref(1);

   free(iov);
   free(p0);
   free(p1);
   free(expect);
   free(got);
}

static void test_cursor(void)
{
   struct virgl_renderer_resource_create_args a =
      args_2d(7, VIRGL_FORMAT_B8G8R8A8_UNORM, VIRGL_RES_BIND_RENDER_TARGET);
   uint8_t *img = malloc(SIZE);
   if (!img) {
      CHECK(0, "malloc");
      return;
   }
   for (size_t i = 0; i < SIZE; i++)
      img[i] = (uint8_t)(i / STRIDE + i % 5);
   struct iovec iov = {img, SIZE};
   int r = virgl_renderer_resource_create(&a, &iov, 1);
   CHECK(r == 0, "create cursor resource with backing returned %d", r);
   struct test_box box = {0, 0, 0, W, H, 1};
   r = virgl_renderer_transfer_write_iov(7, 0, 0, 0, 0, (struct virgl_box *)&box, 0, NULL, 0);
   CHECK(r == 0, "cursor upload returned %d", r);
   uint32_t w = 0, h = 0;
   void *data = virgl_renderer_get_cursor_data(7, &w, &h);
   CHECK(data != NULL && w == W && h == H, "get_cursor_data %p %ux%u", data, w, h);
   if (data) {
      CHECK(memcmp(data, img, SIZE) == 0, "cursor data differs from the upload");
      free(data);
   }
   CHECK(virgl_renderer_get_cursor_data(12345, &w, &h) == NULL, "cursor of unknown handle");
   struct iovec *back = NULL;
   int n = 0;
   virgl_renderer_resource_detach_iov(7, &back, &n);
   CHECK(back == &iov && n == 1, "detach of create-time backing gave %p/%d", (void *)back, n);
   virgl_renderer_resource_unref(7);
   free(img);
}

/* The GL backend's fences signal once the host GL has finished the work before them, and
 * virgl_renderer_poll checks them without waiting (as upstream's does): poll as a VMM does,
 * again and again, until `done` holds, for at most 10 s. */
#define POLL_UNTIL(done)                                                                       \
   do {                                                                                        \
      for (int poll_i_ = 0; poll_i_ < 10000; poll_i_++) {                                      \
         virgl_renderer_poll();                                                                \
         if (done)                                                                             \
            break;                                                                             \
         usleep(1000);                                                                         \
      }                                                                                        \
   } while (0)

static void test_fences(void)
{
   fence_calls = 0;
   CHECK(virgl_renderer_create_fence(42, 0) == 0, "create_fence(42)");
   POLL_UNTIL(last_fence == 42);
   CHECK(fence_calls >= 1 && last_fence == 42 && fence_cookie == &cookie_a,
         "after poll: %d calls, last fence %u, cookie %p", fence_calls, last_fence,
         fence_cookie);
   fence_calls = 0;
   CHECK(virgl_renderer_create_fence(43, 0) == 0, "create_fence(43)");
   CHECK(virgl_renderer_create_fence(44, 7) == 0, "create_fence(44, ctx 7) (ctx is ignored)");
   POLL_UNTIL(last_fence == 44);
   CHECK(fence_calls >= 1 && last_fence == 44, "merged fences: %d calls, last %u", fence_calls,
         last_fence);
   fence_calls = 0;
   virgl_renderer_poll();
   CHECK(fence_calls == 0, "poll without fences called write_fence %d times", fence_calls);
}

static void test_reset(void)
{
   struct virgl_renderer_resource_create_args a = args_2d(3, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);
   struct virgl_renderer_resource_info info;
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == 0, "create before reset");
   virgl_renderer_reset();
   CHECK(virgl_renderer_resource_get_info(3, &info) == EINVAL, "resource survived reset");
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == 0, "create after reset");
   virgl_renderer_resource_unref(3);
}

static void test_contexts(void)
{
   uint32_t cmd[4] __attribute__((aligned(8))) = {0, 0, 0, 0};
   int r;

   r = virgl_renderer_context_create(1, 4, "test");
   CHECK(r == 0, "context_create(1) returned %d", r);
   r = virgl_renderer_context_create(1, 4, "test");
   CHECK(r == 0, "re-creating context 1 returned %d", r);
   r = virgl_renderer_context_create(0, 4, "zero");
   CHECK(r == EINVAL, "context 0 returned %d, want EINVAL", r);
   r = virgl_renderer_context_create_with_flags(2, 2 /* VIRGL2 */, 2, "v2");
   CHECK(r == 0, "context_create_with_flags(2, VIRGL2) returned %d", r);
   r = virgl_renderer_context_create_with_flags(3, 4 /* VENUS */, 5, "venus");
   CHECK(r != 0, "a VENUS context was accepted");
   r = virgl_renderer_context_create_with_flags(2, 1 /* VIRGL */, 2, "v1");
   CHECK(r == EINVAL, "re-creating context 2 with another capset returned %d", r);

   /* Framing: an empty submit is fine; unknown ctx, bad length and misalignment are not. */
   r = virgl_renderer_submit_cmd(cmd, 1, 0);
   CHECK(r == 0, "empty submit returned %d", r);
   r = virgl_renderer_submit_cmd(cmd, 77, 0);
   CHECK(r == EINVAL, "submit to an unknown context returned %d", r);
   r = virgl_renderer_submit_cmd(cmd, 1, -1);
   CHECK(r == EINVAL, "submit with ndw -1 returned %d", r);
   /* Header claiming 100 dwords in a 2-dword buffer: as upstream, the buffer error is
    * recorded in the context (ILLEGAL_CMD_BUFFER) and the submit itself returns 0. */
   cmd[0] = 100u << 16;
   r = virgl_renderer_submit_cmd(cmd, 1, 2);
   CHECK(r == 0, "command running past the buffer returned %d, want 0 (upstream)", r);
   /* A command number past the protocol's count is EINVAL (upstream). */
   cmd[0] = (0u << 16) | 200u;
   r = virgl_renderer_submit_cmd(cmd, 1, 1);
   CHECK(r == EINVAL, "unknown command number returned %d, want EINVAL", r);
   r = virgl_renderer_submit_cmd((uint8_t *)cmd + 1, 1, 1);
   CHECK(r == EFAULT, "misaligned buffer returned %d, want EFAULT", r);

   /* Per-context fences (QEMU: RING_IDX flag, MERGEABLE). */
   ctx_fence_calls = 0;
   r = virgl_renderer_context_create_fence(1, VIRGL_RENDERER_FENCE_FLAG_MERGEABLE, 3, 5);
   CHECK(r == 0, "context_create_fence returned %d", r);
   POLL_UNTIL(ctx_fence_id == 5);
   CHECK(ctx_fence_calls >= 1 && ctx_fence_ctx == 1 && ctx_fence_ring == 3 && ctx_fence_id == 5,
         "after poll: %d calls, last (ctx %u, ring %u, id %" PRIu64 ")", ctx_fence_calls,
         ctx_fence_ctx, ctx_fence_ring, ctx_fence_id);
   r = virgl_renderer_context_create_fence(77, 0, 0, 6);
   CHECK(r == -EINVAL, "fence on an unknown context returned %d, want -EINVAL", r);
   r = virgl_renderer_context_create_fence(1, 0, 64, 6);
   CHECK(r == -EINVAL, "ring_idx 64 returned %d, want -EINVAL", r);

   virgl_renderer_context_destroy(1);
   virgl_renderer_context_destroy(2);
   r = virgl_renderer_submit_cmd(cmd, 1, 0);
   CHECK(r == EINVAL, "submit to a destroyed context returned %d", r);
}

static void test_blobs(void)
{
   uint8_t guest[256] __attribute__((aligned(8)));
   struct iovec iov = {guest, sizeof(guest)};
   struct virgl_renderer_resource_create_blob_args blob;
   uint32_t map_info = 0;
   int r;

   /* BLOB_MEM_GUEST: guest pages only, no context needed (QEMU's blob=on 2D path). */
   memset(&blob, 0, sizeof(blob));
   blob.res_handle = 20;
   blob.blob_mem = VIRGL_RENDERER_BLOB_MEM_GUEST;
   blob.blob_flags = VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE;
   blob.size = sizeof(guest);
   blob.iovecs = &iov;
   blob.num_iovs = 1;
   r = virgl_renderer_resource_create_blob(&blob);
   CHECK(r == 0, "guest blob returned %d", r);
   r = virgl_renderer_resource_create_blob(&blob);
   CHECK(r == -EINVAL, "duplicate blob handle returned %d, want -EINVAL", r);
   r = virgl_renderer_resource_get_map_info(20, &map_info);
   CHECK(r == 0 && (map_info & VIRGL_RENDERER_MAP_CACHE_MASK) == VIRGL_RENDERER_MAP_CACHE_CACHED,
         "guest blob map info: r=%d info=%#x", r, map_info);
   struct virgl_renderer_resource_create_blob_args bad = blob;
   bad.res_handle = 21;
   bad.size = 0;
   CHECK(virgl_renderer_resource_create_blob(&bad) == -EINVAL, "blob of size 0");
   bad.size = sizeof(guest) + 1;
   CHECK(virgl_renderer_resource_create_blob(&bad) == -EINVAL, "blob larger than its iovecs");
   bad.size = sizeof(guest);
   bad.blob_mem = 9;
   CHECK(virgl_renderer_resource_create_blob(&bad) == -EINVAL, "blob_mem 9");
   bad.blob_mem = VIRGL_RENDERER_BLOB_MEM_GUEST;
   bad.res_handle = 0;
   CHECK(virgl_renderer_resource_create_blob(&bad) == -EINVAL, "blob handle 0");
   struct virgl_renderer_resource_info info;
   CHECK(virgl_renderer_resource_get_info(21, &info) == EINVAL, "a failed blob left a resource");
   struct virgl_renderer_resource_create_blob_args host = blob;
   host.res_handle = 22;
   host.blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D;
   host.ctx_id = 1;
   host.blob_id = 1;
   host.iovecs = NULL;
   host.num_iovs = 0;
   CHECK(virgl_renderer_resource_create_blob(&host) == -EINVAL,
         "HOST3D blob naming no PIPE_RESOURCE_CREATE blob_id");
   virgl_renderer_resource_unref(20);
   CHECK(virgl_renderer_resource_get_map_info(20, &map_info) == -EINVAL, "map info after unref");

   /* Coherent resources (virgl-shim extension): budget, map, in-place transfers. */
   uint64_t used0 = 0, used = 0, limit = 0;
   CHECK(virgl_renderer_set_coherent_limit(1 << 20) == 0, "set_coherent_limit");
   CHECK(virgl_renderer_get_coherent_usage(&used0, &limit) == 0 && limit == (1 << 20),
         "coherent usage: limit %" PRIu64, limit);
   struct virgl_renderer_resource_create_coherent_args coh;
   memset(&coh, 0, sizeof(coh));
   coh.res_handle = 23;
   coh.target = 0;        /* PIPE_BUFFER */
   coh.format = 64;       /* VIRGL_FORMAT_R8_UNORM */
   coh.bind = VIRGL_RES_BIND_VERTEX_BUFFER;
   coh.width = 4096;
   coh.height = 1;
   r = virgl_renderer_resource_create_coherent(&coh);
   CHECK(r == 0, "create_coherent returned %d", r);
   CHECK(virgl_renderer_get_coherent_usage(&used, NULL) == 0 && used >= used0 + 4096,
         "coherent use %" PRIu64 " after a 4 KiB resource (was %" PRIu64 ")", used, used0);
   void *map = NULL;
   uint64_t map_size = 0;
   r = virgl_renderer_resource_map(23, &map, &map_size);
   CHECK(r == 0 && map != NULL && map_size >= 4096 && map_size % 4096 == 0 &&
            ((uintptr_t)map & 4095) == 0,
         "map returned %d, %p, %" PRIu64, r, map, map_size);
   if (r == 0 && map) {
      for (int i = 0; i < 64; i++)
         ((uint8_t *)map)[i] = (uint8_t)(0x30 + i);
      uint8_t out[64];
      memset(out, 0, sizeof(out));
      struct iovec oiov = {out, sizeof(out)};
      struct test_box bbox = {0, 0, 0, 64, 1, 1};
      r = virgl_renderer_transfer_read_iov(23, 0, 0, 0, 0, (struct virgl_box *)&bbox, 0, &oiov, 1);
      CHECK(r == 0 && memcmp(out, map, sizeof(out)) == 0,
            "transfer_read of a coherent buffer sees the mapped bytes (r=%d)", r);
      void *map2 = NULL;
      CHECK(virgl_renderer_resource_map(23, &map2, &map_size) == -EINVAL, "second map");
      CHECK(virgl_renderer_resource_get_map_info(23, &map_info) == 0, "coherent map info");
      uint32_t fd_type = 0;
      int fd = -1;
      r = virgl_renderer_resource_export_blob(23, &fd_type, &fd);
      CHECK(r == 0 && fd >= 0 && fd_type == VIRGL_RENDERER_BLOB_FD_TYPE_SHM,
            "export_blob: r=%d fd=%d type %u", r, fd, fd_type);
      if (fd >= 0)
         close(fd);
      CHECK(virgl_renderer_resource_unmap(23) == 0, "unmap");
      CHECK(virgl_renderer_resource_unmap(23) == -EINVAL, "second unmap");
   }
   coh.res_handle = 24;
   coh.width = 2 << 20;
   r = virgl_renderer_resource_create_coherent(&coh);
   CHECK(r == -ENOSPC, "coherent resource over the budget returned %d, want -ENOSPC", r);
   virgl_renderer_resource_unref(23);
   CHECK(virgl_renderer_get_coherent_usage(&used, NULL) == 0 && used == used0,
         "coherent use %" PRIu64 " after unref, want %" PRIu64, used, used0);
   /* Not mappable: a plain 2D resource. */
   struct virgl_renderer_resource_create_args a = args_2d(25, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == 0, "create 2D");
   CHECK(virgl_renderer_resource_map(25, &map, &map_size) == -EINVAL, "map of a 2D resource");
   virgl_renderer_resource_unref(25);
}

static void test_gaps(void)
{
   uint8_t buf[64] __attribute__((aligned(8)));
   memset(buf, 0, sizeof(buf));
   struct virgl_renderer_resource_create_args a = args_2d(9, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == 0, "create for gap tests");


   void *map = NULL;
   uint32_t map_info = 0, fd_type = 0;
   int fd = -1;
   (void)map;
   (void)map_info;
   (void)fd_type;
   GAP("virgl_renderer_resource_map_fixed", virgl_renderer_resource_map_fixed(9, buf));
   struct virgl_renderer_resource_import_blob_args imp;
   memset(&imp, 0, sizeof(imp));
   imp.res_handle = 11;
   imp.blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D;
   imp.fd_type = VIRGL_RENDERER_BLOB_FD_TYPE_SHM;
   imp.fd = -1;
   imp.size = 4096;
   CHECK(virgl_renderer_resource_import_blob(&imp) < 0, "import_blob of fd -1");
   CHECK(virgl_renderer_execute(buf, 12) < 0, "execute of a junk structure");
   GAP("virgl_renderer_resource_import_eglimage",
       virgl_renderer_resource_import_eglimage(&a, buf));

   struct virgl_renderer_dmabuf dmabuf;
   CHECK(virgl_renderer_resource_export_dmabuf(999, &dmabuf) == -EINVAL, "export_dmabuf of an unknown resource");
   CHECK(virgl_renderer_register_guest_memory(buf, sizeof(buf), -1, 0) == -EINVAL,
         "register_guest_memory with fd -1");
   CHECK(virgl_renderer_unregister_guest_memory(buf) == -EINVAL, "unregister of an unregistered range");

   int stride = 0, offset = 0;
   CHECK(virgl_renderer_get_fd_for_texture(0xfffff, &fd) < 0, "fd for an unknown texture");
   CHECK(virgl_renderer_get_fd_for_texture2(0xfffff, &fd, &stride, &offset) < 0,
         "fd2 for an unknown texture");
   GAP("virgl_renderer_export_fence", virgl_renderer_export_fence(1, &fd));
   GAP("virgl_renderer_export_signalled_fence", virgl_renderer_export_signalled_fence());
   uint64_t in_fence = 1;
   GAP("virgl_renderer_submit_cmd2", virgl_renderer_submit_cmd2(buf, 1, 4, &in_fence, 1));
   GAP("virgl_renderer_attach_fence", virgl_renderer_attach_fence(1, -1));
   GAP("virgl_renderer_get_fence_fd", virgl_renderer_get_fence_fd(1));
   GAP("virgl_renderer_get_dev_fd", virgl_renderer_get_dev_fd(1));
   /* Without THREAD_SYNC there is no poll fd; virgl contexts have none of their own. */
   CHECK(virgl_renderer_get_poll_fd() == -1, "get_poll_fd without THREAD_SYNC");
   CHECK(virgl_renderer_context_get_poll_fd(1) == -1, "context_get_poll_fd");

   /* The failed calls created nothing. */
   struct virgl_renderer_resource_info info;
   CHECK(virgl_renderer_resource_get_info(11, &info) == EINVAL, "failed import_blob left a resource");
   virgl_renderer_resource_unref(9);
}

static void test_cleanup(void)
{
   struct virgl_renderer_callbacks cbs = make_cbs();
   struct virgl_renderer_resource_create_args a = args_2d(5, VIRGL_FORMAT_B8G8R8X8_UNORM,
                                                          VIRGL_RES_BIND_RENDER_TARGET);
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == 0, "create before cleanup");
   virgl_renderer_cleanup(&cookie_a);
   CHECK(virgl_renderer_resource_create(&a, NULL, 0) == EINVAL, "create after cleanup");
   /* After cleanup a new init (other cookie) is accepted and starts empty. */
   int r = virgl_renderer_init(&cookie_b, 0, &cbs);
   CHECK(r == 0, "init after cleanup returned %d", r);
   struct virgl_renderer_resource_info info;
   CHECK(virgl_renderer_resource_get_info(5, &info) == EINVAL, "resource survived cleanup");
   virgl_renderer_cleanup(&cookie_b);
}

int main(void)
{
   uint32_t v1[2], s1[2], v2[2], s2[2];
   const char *backend = getenv("VIRGL_SHIM_BACKEND");
   printf("test_api: virglrenderer API %d.%d.%d, VIRGL_SHIM_BACKEND=%s\n", VIRGL_VERSION_MAJOR,
          VIRGL_VERSION_MINOR, VIRGL_VERSION_MICRO, backend ? backend : "(unset)");

   test_caps("before init", &v1[0], &s1[0], &v2[0], &s2[0]);
   test_init();
   test_caps("after init", &v1[1], &s1[1], &v2[1], &s2[1]);
   CHECK(v1[0] == v1[1] && s1[0] == s1[1] && v2[0] == v2[1] && s2[0] == s2[1],
         "get_cap_set changed with init");
   test_resource_2d();
   test_cursor();
   test_fences();
   test_reset();
   test_contexts();
   test_blobs();
   test_gaps();
   test_cleanup();

   printf("%d passed, %d failed\n", passed, failed);
   return failed == 0 ? 0 : 1;
}
