/*
 * test_qemu_1x.c — the calls a QEMU built against virglrenderer >= 1.0 makes that
 * Debian's QEMU (built against 0.10.4) never makes, in the order and shape QEMU makes
 * them, through the installed header only:
 *
 *  - init with VIRGL_RENDERER_THREAD_SYNC | VIRGL_RENDERER_ASYNC_FENCE_CB and callbacks
 *    version 4 (newer QEMUs do so when their display has an EGL display; no display that
 *    works on a machine without /dev/dri does): write_fence and write_context_fence must
 *    come from the library's own thread, in order, without virgl_renderer_poll, and poll
 *    must add nothing; get_poll_fd is -1.
 *  - RESOURCE_CREATE_BLOB of a mappable HOST3D blob (PIPE_RESOURCE_CREATE with a blob id
 *    in the context's command stream first), then get_info as QEMU does after it (fd -1:
 *    QEMU then has no dma-buf for SET_SCANOUT_BLOB).
 *  - resource_map_fixed (QEMU >= 10.1 tries it first, inside its hostmem region) must be
 *    refused with -EOPNOTSUPP and leave the memory at the address alone, so QEMU falls
 *    back to resource_map + get_map_info; the map then shows the blob's memory.
 *  - get_info_ext at SET_SCANOUT, as QEMU reads it (memset, call, take .base).
 *
 * Exit status 0 on success; each check prints "PASS name" or "FAIL name: why", and the
 * last line is "N passed, N failed".
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <virgl-version.h>
#include <virglrenderer.h>

#if !VIRGL_CHECK_VERSION(1, 0, 0)
#error "the header must announce the 1.x API"
#endif

/* Gallium / virgl protocol values (virgl_hw.h, virgl_protocol.h are not installed). */
#define PIPE_BUFFER 0
#define PIPE_TEXTURE_2D 2
#define VIRGL_FORMAT_B8G8R8X8_UNORM 2
#define VIRGL_FORMAT_R8_UNORM 64
#define VIRGL_BIND_RENDER_TARGET (1u << 1)
#define VIRGL_BIND_VERTEX_BUFFER (1u << 4)
#define VIRGL_RESOURCE_Y_0_TOP (1u << 0)
#define VIRGL_CCMD_PIPE_RESOURCE_CREATE 48
#define VIRGL_PIPE_RES_CREATE_SIZE 11
#define VIRGL_CMD0(cmd, obj, len) ((uint32_t)(cmd) | ((uint32_t)(obj) << 8) | ((uint32_t)(len) << 16))
#define CAPSET_VIRGL2 2

/* The header declares struct virgl_box only; QEMU passes its own layout-identical box. */
struct test_box {
   uint32_t x, y, z, w, h, d;
};

static int passed, failed;

static void result(const char *name, int ok, const char *fmt, ...)
   __attribute__((format(printf, 3, 4)));
static void result(const char *name, int ok, const char *fmt, ...)
{
   printf("%s %s", ok ? "PASS" : "FAIL", name);
   if (fmt) {
      va_list ap;
      va_start(ap, fmt);
      printf(": ");
      vprintf(fmt, ap);
      va_end(ap);
   }
   printf("\n");
   fflush(stdout);
   if (ok)
      passed++;
   else
      failed++;
}

/* ---------------------------------------------------------------- fence callbacks */
#define MAX_EVENTS 64
struct fence_event {
   int ctx;            /* 0: write_fence, else write_context_fence */
   uint32_t ctx_id, ring;
   uint64_t id;
   int main_thread;    /* the callback ran on the thread that called init */
};
static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fence_event events[MAX_EVENTS];
static int n_events;
static pthread_t main_thread;
static int cookie;
static atomic_int bad_cookie;

static void record(int ctx, uint32_t ctx_id, uint32_t ring, uint64_t id)
{
   pthread_mutex_lock(&ev_lock);
   if (n_events < MAX_EVENTS) {
      events[n_events].ctx = ctx;
      events[n_events].ctx_id = ctx_id;
      events[n_events].ring = ring;
      events[n_events].id = id;
      events[n_events].main_thread = pthread_equal(pthread_self(), main_thread);
      n_events++;
   }
   pthread_mutex_unlock(&ev_lock);
}

static void write_fence(void *c, uint32_t fence)
{
   if (c != &cookie)
      atomic_store(&bad_cookie, 1);
   record(0, 0, 0, fence);
}

static void write_context_fence(void *c, uint32_t ctx_id, uint32_t ring_idx, uint64_t fence_id)
{
   if (c != &cookie)
      atomic_store(&bad_cookie, 1);
   record(1, ctx_id, ring_idx, fence_id);
}

static int count_events(void)
{
   pthread_mutex_lock(&ev_lock);
   int n = n_events;
   pthread_mutex_unlock(&ev_lock);
   return n;
}

/* Waits up to 5 s (never calling virgl_renderer_poll) until `want` callbacks arrived. */
static int wait_events(int want)
{
   for (int i = 0; i < 500; i++) {
      if (count_events() >= want)
         return 1;
      usleep(10000);
   }
   return count_events() >= want;
}

/* Copies events [from, n) and checks that none ran on the main thread. */
static int events_off_main(int from)
{
   int ok = 1;
   pthread_mutex_lock(&ev_lock);
   for (int i = from; i < n_events; i++)
      ok &= !events[i].main_thread;
   pthread_mutex_unlock(&ev_lock);
   return ok;
}

/* ------------------------------------------------------------------------ cases */
static void case_init(void)
{
   struct virgl_renderer_callbacks cbs;
   memset(&cbs, 0, sizeof(cbs));
   cbs.version = 4;
   cbs.write_fence = write_fence;
   cbs.write_context_fence = write_context_fence;
   int r = virgl_renderer_init(&cookie, VIRGL_RENDERER_THREAD_SYNC | VIRGL_RENDERER_ASYNC_FENCE_CB,
                               &cbs);
   result("init_thread_sync_async_fence_cb", r == 0, "virgl_renderer_init returned %d", r);
   if (r != 0) {
      printf("%d passed, %d failed\n", passed, failed);
      exit(1);
   }
   int fd = virgl_renderer_get_poll_fd();
   result("no_poll_fd_with_async_fence_cb", fd == -1, "get_poll_fd returned %d", fd);
}

/* ctx-0 fences (QEMU's fences without a ring): from our thread, newest last. */
static void case_ctx0_fences(void)
{
   /* Some work before the fence: a 2D resource with backing and an upload. */
   struct virgl_renderer_resource_create_args a;
   memset(&a, 0, sizeof(a));
   a.handle = 1;
   a.target = PIPE_TEXTURE_2D;
   a.format = VIRGL_FORMAT_B8G8R8X8_UNORM;
   a.bind = VIRGL_BIND_RENDER_TARGET;
   a.width = 64;
   a.height = 64;
   a.depth = 1;
   a.array_size = 1;
   a.flags = VIRGL_RESOURCE_Y_0_TOP;
   int r = virgl_renderer_resource_create(&a, NULL, 0);
   static uint32_t pixels[64 * 64];
   for (unsigned i = 0; i < 64 * 64; i++)
      pixels[i] = 0x00102030u + i;
   struct iovec *iov = malloc(sizeof(*iov));
   if (!iov)
      abort();
   iov->iov_base = pixels;
   iov->iov_len = sizeof(pixels);
   if (r == 0)
      r = virgl_renderer_resource_attach_iov(1, iov, 1);
   struct test_box box = {0, 0, 0, 64, 64, 1};
   if (r == 0)
      r = virgl_renderer_transfer_write_iov(1, 0, 0, 0, 0, (struct virgl_box *)&box, 0, NULL, 0);
   result("resource_2d_upload", r == 0, "create/attach/transfer returned %d", r);

   int before = count_events();
   int r1 = virgl_renderer_create_fence(1, 0);
   int r2 = virgl_renderer_create_fence(2, 0);
   int got = wait_events(before + 1);
   /* ctx-0 fences may merge: at least the newest (2) must arrive, and last. */
   int ok = r1 == 0 && r2 == 0 && got;
   uint64_t last = 0;
   int order_ok = 1;
   if (ok) {
      usleep(50000);
      pthread_mutex_lock(&ev_lock);
      for (int i = before; i < n_events; i++) {
         if (events[i].ctx != 0)
            continue;
         order_ok &= events[i].id > last;
         last = events[i].id;
      }
      pthread_mutex_unlock(&ev_lock);
   }
   result("ctx0_fence_callback_without_poll", ok && last == 2 && order_ok,
          "create_fence %d/%d, %d callbacks within 5 s, last id %" PRIu64 "%s", r1, r2,
          count_events() - before, last, order_ok ? "" : ", out of order");
   int off = events_off_main(before);
   result("ctx0_fence_on_library_thread", ok && off, "%s",
          !ok ? "no callback" : off ? "write_fence ran on the library's thread"
                                    : "a write_fence callback ran on the thread that called init");

   /* poll must not report anything again. */
   int n = count_events();
   virgl_renderer_poll();
   usleep(20000);
   result("poll_is_a_noop", count_events() == n, "%d callbacks after poll", count_events() - n);
}

/* Context fences on two rings (QEMU >= 9.x with VIRTIO_GPU_FLAG_INFO_RING_IDX). */
static void case_context_fences(void)
{
   int r = virgl_renderer_context_create_with_flags(1, CAPSET_VIRGL2, 4, "qemu");
   result("context_create_with_flags", r == 0, "returned %d", r);
   int before = count_events();
   int rs[4];
   rs[0] = virgl_renderer_context_create_fence(1, 0, 0, 10);
   rs[1] = virgl_renderer_context_create_fence(1, 0, 1, 11);
   rs[2] = virgl_renderer_context_create_fence(1, 0, 0, 12);
   rs[3] = virgl_renderer_context_create_fence(1, 0, 1, 13);
   int created = !rs[0] && !rs[1] && !rs[2] && !rs[3];
   int got = created && wait_events(before + 4);
   uint64_t last[2] = {0, 0};
   int ok = got, n = 0;
   pthread_mutex_lock(&ev_lock);
   for (int i = before; i < n_events; i++) {
      if (!events[i].ctx)
         continue;
      n++;
      ok &= events[i].ctx_id == 1 && events[i].ring < 2 && events[i].id > last[events[i].ring & 1];
      last[events[i].ring & 1] = events[i].id;
   }
   pthread_mutex_unlock(&ev_lock);
   result("context_fences_in_order_per_ring", ok && n == 4 && last[0] == 12 && last[1] == 13,
          "create_fence %d/%d/%d/%d, %d callbacks, last ring0 %" PRIu64 " ring1 %" PRIu64,
          rs[0], rs[1], rs[2], rs[3], n, last[0], last[1]);
   int off = events_off_main(before);
   result("context_fence_on_library_thread", got && off, "%s",
          !got ? "no callbacks" : off ? "write_context_fence ran on the library's thread"
                                      : "a write_context_fence callback ran on the thread that called init");
   int n2 = count_events();
   virgl_renderer_context_poll(1);
   usleep(20000);
   result("context_poll_is_a_noop", count_events() == n2, "%d callbacks after context_poll",
          count_events() - n2);
}

/* A mappable HOST3D blob, mapped the way QEMU >= 10.1 maps it into its hostmem BAR. */
static void case_blob_map(void)
{
   const uint64_t size = 4096, blob_id = 7;
   uint32_t cmd[1 + VIRGL_PIPE_RES_CREATE_SIZE] = {
       VIRGL_CMD0(VIRGL_CCMD_PIPE_RESOURCE_CREATE, 0, VIRGL_PIPE_RES_CREATE_SIZE),
       PIPE_BUFFER, VIRGL_FORMAT_R8_UNORM, VIRGL_BIND_VERTEX_BUFFER,
       (uint32_t)size, 1, 1, 1, 0, 0, 0, (uint32_t)blob_id,
   };
   int r = virgl_renderer_submit_cmd(cmd, 1, sizeof(cmd) / 4);
   struct virgl_renderer_resource_create_blob_args b;
   memset(&b, 0, sizeof(b));
   b.res_handle = 20;
   b.ctx_id = 1;
   b.blob_mem = VIRGL_RENDERER_BLOB_MEM_HOST3D;
   b.blob_flags = VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE;
   b.blob_id = blob_id;
   b.size = size;
   int rb = r == 0 ? virgl_renderer_resource_create_blob(&b) : -1;
   result("create_host3d_blob", r == 0 && rb == 0, "submit_cmd %d, create_blob %d", r, rb);
   if (rb != 0)
      return;

   /* QEMU reads the info right after RESOURCE_CREATE_BLOB and keeps info.fd as the
    * resource's dma-buf (-1: none; SET_SCANOUT_BLOB is then refused by QEMU). */
   struct virgl_renderer_resource_info info;
   memset(&info, 0xcc, sizeof(info));
   r = virgl_renderer_resource_get_info(20, &info);
   result("blob_get_info", r == 0 && (info.fd == -1 || info.fd >= 0),
          "returned %d, fd %d", r, info.fd);
   if (r == 0 && info.fd >= 0)
      close(info.fd);

   /* map_fixed at an address inside a region the caller owns: refused with
    * -EOPNOTSUPP, the memory there untouched (QEMU then falls back to map). */
   long page = sysconf(_SC_PAGESIZE);
   uint8_t *region = mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
   if (region == MAP_FAILED) {
      result("map_fixed_refused", 0, "mmap: %s", strerror(errno));
      return;
   }
   memset(region, 0x5a, (size_t)page * 4);
   r = virgl_renderer_resource_map_fixed(20, region + page);
   int untouched = 1;
   for (long i = 0; i < page * 4; i++)
      untouched &= region[i] == 0x5a;
   result("map_fixed_refused", r == -EOPNOTSUPP && untouched,
          "returned %d (want -EOPNOTSUPP = %d), memory at the address %s", r, -EOPNOTSUPP,
          untouched ? "untouched" : "CHANGED");
   r = virgl_renderer_resource_map_fixed(999, region + page);
   result("map_fixed_unknown_resource_fails", r != 0, "returned %d", r);
   munmap(region, (size_t)page * 4);

   /* The fallback: map + get_map_info. */
   void *map = NULL;
   uint64_t msize = 0;
   uint32_t map_info = 0xffffffffu;
   r = virgl_renderer_resource_map(20, &map, &msize);
   int ri = virgl_renderer_resource_get_map_info(20, &map_info);
   result("map_after_map_fixed_refused",
          r == 0 && map && msize >= size && ri == 0 &&
              (map_info & VIRGL_RENDERER_MAP_CACHE_MASK) != VIRGL_RENDERER_MAP_CACHE_NONE,
          "map %d (%p, %" PRIu64 " bytes), get_map_info %d (0x%x)", r, map, msize, ri, map_info);
   if (r != 0 || !map)
      return;
   /* The mapping is the blob's memory: a write survives unmap + map. */
   for (uint64_t i = 0; i < size; i++)
      ((uint8_t *)map)[i] = (uint8_t)(i * 7 + 3);
   int ru = virgl_renderer_resource_unmap(20);
   void *map2 = NULL;
   uint64_t msize2 = 0;
   r = virgl_renderer_resource_map(20, &map2, &msize2);
   int same = r == 0 && map2;
   for (uint64_t i = 0; same && i < size; i++)
      same &= ((uint8_t *)map2)[i] == (uint8_t)(i * 7 + 3);
   result("map_shows_blob_memory", ru == 0 && same, "unmap %d, map again %d, %s", ru, r,
          same ? "bytes kept" : "bytes differ");
   if (r == 0)
      virgl_renderer_resource_unmap(20);
   virgl_renderer_resource_unref(20);
}

/* SET_SCANOUT in a 1.x QEMU: ext zeroed, get_info_ext, info = ext.base. */
static void case_get_info_ext(void)
{
   struct virgl_renderer_resource_info_ext ext;
   memset(&ext, 0, sizeof(ext));
   int r = virgl_renderer_resource_get_info_ext(1, &ext);
   struct virgl_renderer_resource_info info = ext.base;
   result("get_info_ext_at_set_scanout",
          r == 0 && info.handle == 1 && info.width == 64 && info.height == 64 &&
              info.virgl_format == VIRGL_FORMAT_B8G8R8X8_UNORM &&
              (info.flags & VIRGL_RESOURCE_Y_0_TOP) && ext.d3d_tex2d == NULL,
          "returned %d: handle %u %ux%u format %u flags 0x%x tex_id %u d3d_tex2d %p", r,
          info.handle, info.width, info.height, info.virgl_format, info.flags, info.tex_id,
          ext.d3d_tex2d);
   memset(&ext, 0, sizeof(ext));
   r = virgl_renderer_resource_get_info_ext(12345, &ext);
   result("get_info_ext_unknown_resource_fails", r != 0, "returned %d", r);
}

int main(void)
{
   main_thread = pthread_self();
   case_init();
   case_ctx0_fences();
   case_context_fences();
   case_blob_map();
   case_get_info_ext();
   int bad = atomic_load(&bad_cookie);
   result("callbacks_got_the_init_cookie", !bad, "%s",
          bad ? "a callback got another cookie" : "every callback got the cookie given to init");
   virgl_renderer_context_destroy(1);
   virgl_renderer_resource_unref(1);
   virgl_renderer_cleanup(NULL);
   printf("%d passed, %d failed\n", passed, failed);
   return failed ? 1 : 0;
}
