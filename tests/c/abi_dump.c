/*
 * abi_dump.c — prints the C ABI of <virglrenderer.h> as `name=value` lines: sizeof,
 * _Alignof, offsetof and field size of every public struct, and the value of every
 * macro and enum constant. scripts/check-abi.sh builds it twice, against virgl-shim's
 * header and against Debian's virglrenderer 0.10.4 header, and compares the outputs.
 * SPDX-License-Identifier: MIT
 *
 * Build flags (always with -DVIRGL_RENDERER_UNSTABLE_APIS):
 *   -DHAVE_1_2=1                 the header is the 1.2 API (virgl-shim's): also dumps what
 *                                upstream added after 0.10.4 (compat_ctx, fd,
 *                                resource_info_ext, log levels).
 *   -DABI_NO_STRUCTURE_TYPES=1   the header lacks virgl_renderer_hdr, export_query,
 *                                supported_structures and enum
 *                                virgl_renderer_structure_type_v0 (lets the dump build so
 *                                that the comparison reports them as missing).
 */
#include <stddef.h>
#include <stdio.h>

#include <virglrenderer.h>

#define SZ(T)                                                                      \
   printf("sizeof.%s=%zu\nalignof.%s=%zu\n", #T, sizeof(struct T), #T,             \
          (size_t)_Alignof(struct T))
#define OFF(T, f)                                                                  \
   printf("offsetof.%s.%s=%zu\nfieldsize.%s.%s=%zu\n", #T, #f, offsetof(struct T, f), \
          #T, #f, sizeof(((struct T *)0)->f))
#define PM(m) printf("macro.%s=%lld\n", #m, (long long)(m))
#define PE(e) printf("enum.%s=%lld\n", #e, (long long)(e))

static void dump_structs(void)
{
   SZ(virgl_renderer_gl_ctx_param);
   OFF(virgl_renderer_gl_ctx_param, version);
   OFF(virgl_renderer_gl_ctx_param, shared);
   OFF(virgl_renderer_gl_ctx_param, major_ver);
   OFF(virgl_renderer_gl_ctx_param, minor_ver);
#ifdef HAVE_1_2
   OFF(virgl_renderer_gl_ctx_param, compat_ctx);
#endif

   SZ(virgl_renderer_callbacks);
   OFF(virgl_renderer_callbacks, version);
   OFF(virgl_renderer_callbacks, write_fence);
   OFF(virgl_renderer_callbacks, create_gl_context);
   OFF(virgl_renderer_callbacks, destroy_gl_context);
   OFF(virgl_renderer_callbacks, make_current);
   OFF(virgl_renderer_callbacks, get_drm_fd);
   OFF(virgl_renderer_callbacks, write_context_fence);
   OFF(virgl_renderer_callbacks, get_server_fd);
   OFF(virgl_renderer_callbacks, get_egl_display);

   SZ(virgl_renderer_resource_create_args);
   OFF(virgl_renderer_resource_create_args, handle);
   OFF(virgl_renderer_resource_create_args, target);
   OFF(virgl_renderer_resource_create_args, format);
   OFF(virgl_renderer_resource_create_args, bind);
   OFF(virgl_renderer_resource_create_args, width);
   OFF(virgl_renderer_resource_create_args, height);
   OFF(virgl_renderer_resource_create_args, depth);
   OFF(virgl_renderer_resource_create_args, array_size);
   OFF(virgl_renderer_resource_create_args, last_level);
   OFF(virgl_renderer_resource_create_args, nr_samples);
   OFF(virgl_renderer_resource_create_args, flags);

#ifndef ABI_NO_STRUCTURE_TYPES
   SZ(virgl_renderer_hdr);
   OFF(virgl_renderer_hdr, stype);
   OFF(virgl_renderer_hdr, stype_version);
   OFF(virgl_renderer_hdr, size);

   SZ(virgl_renderer_export_query);
   OFF(virgl_renderer_export_query, hdr);
   OFF(virgl_renderer_export_query, in_resource_id);
   OFF(virgl_renderer_export_query, out_num_fds);
   OFF(virgl_renderer_export_query, in_export_fds);
   OFF(virgl_renderer_export_query, out_fourcc);
   OFF(virgl_renderer_export_query, pad);
   OFF(virgl_renderer_export_query, out_fds);
   OFF(virgl_renderer_export_query, out_strides);
   OFF(virgl_renderer_export_query, out_offsets);
   OFF(virgl_renderer_export_query, out_modifier);

   SZ(virgl_renderer_supported_structures);
   OFF(virgl_renderer_supported_structures, hdr);
   OFF(virgl_renderer_supported_structures, in_stype_version);
   OFF(virgl_renderer_supported_structures, out_supported_structures_mask);
#endif

   SZ(virgl_renderer_resource_info);
   OFF(virgl_renderer_resource_info, handle);
   OFF(virgl_renderer_resource_info, virgl_format);
   OFF(virgl_renderer_resource_info, width);
   OFF(virgl_renderer_resource_info, height);
   OFF(virgl_renderer_resource_info, depth);
   OFF(virgl_renderer_resource_info, flags);
   OFF(virgl_renderer_resource_info, tex_id);
   OFF(virgl_renderer_resource_info, stride);
   OFF(virgl_renderer_resource_info, drm_fourcc);
#ifdef HAVE_1_2
   OFF(virgl_renderer_resource_info, fd);

   SZ(virgl_renderer_resource_info_ext);
   OFF(virgl_renderer_resource_info_ext, version);
   OFF(virgl_renderer_resource_info_ext, base);
   OFF(virgl_renderer_resource_info_ext, has_dmabuf_export);
   OFF(virgl_renderer_resource_info_ext, planes);
   OFF(virgl_renderer_resource_info_ext, modifiers);
   OFF(virgl_renderer_resource_info_ext, d3d_tex2d);
#endif

   SZ(virgl_renderer_resource_create_blob_args);
   OFF(virgl_renderer_resource_create_blob_args, res_handle);
   OFF(virgl_renderer_resource_create_blob_args, ctx_id);
   OFF(virgl_renderer_resource_create_blob_args, blob_mem);
   OFF(virgl_renderer_resource_create_blob_args, blob_flags);
   OFF(virgl_renderer_resource_create_blob_args, blob_id);
   OFF(virgl_renderer_resource_create_blob_args, size);
   OFF(virgl_renderer_resource_create_blob_args, iovecs);
   OFF(virgl_renderer_resource_create_blob_args, num_iovs);

   SZ(virgl_renderer_resource_import_blob_args);
   OFF(virgl_renderer_resource_import_blob_args, res_handle);
   OFF(virgl_renderer_resource_import_blob_args, blob_mem);
   OFF(virgl_renderer_resource_import_blob_args, fd_type);
   OFF(virgl_renderer_resource_import_blob_args, fd);
   OFF(virgl_renderer_resource_import_blob_args, size);
}

static void dump_macros(void)
{
#ifdef VIRGL_RENDERER_CALLBACKS_VERSION
   PM(VIRGL_RENDERER_CALLBACKS_VERSION);
#endif
#ifdef VIRGL_RENDERER_USE_EGL
   PM(VIRGL_RENDERER_USE_EGL);
#endif
#ifdef VIRGL_RENDERER_THREAD_SYNC
   PM(VIRGL_RENDERER_THREAD_SYNC);
#endif
#ifdef VIRGL_RENDERER_USE_GLX
   PM(VIRGL_RENDERER_USE_GLX);
#endif
#ifdef VIRGL_RENDERER_USE_SURFACELESS
   PM(VIRGL_RENDERER_USE_SURFACELESS);
#endif
#ifdef VIRGL_RENDERER_USE_GLES
   PM(VIRGL_RENDERER_USE_GLES);
#endif
#ifdef VIRGL_RENDERER_USE_EXTERNAL_BLOB
   PM(VIRGL_RENDERER_USE_EXTERNAL_BLOB);
#endif
#ifdef VIRGL_RENDERER_VENUS
   PM(VIRGL_RENDERER_VENUS);
#endif
#ifdef VIRGL_RENDERER_NO_VIRGL
   PM(VIRGL_RENDERER_NO_VIRGL);
#endif
#ifdef VIRGL_RENDERER_ASYNC_FENCE_CB
   PM(VIRGL_RENDERER_ASYNC_FENCE_CB);
#endif
#ifdef VIRGL_RENDERER_RENDER_SERVER
   PM(VIRGL_RENDERER_RENDER_SERVER);
#endif
#ifdef VIRGL_RENDERER_DRM
   PM(VIRGL_RENDERER_DRM);
#endif
#ifdef VIRGL_RENDERER_USE_VIDEO
   PM(VIRGL_RENDERER_USE_VIDEO);
#endif
#ifdef VIRGL_RENDERER_D3D11_SHARE_TEXTURE
   PM(VIRGL_RENDERER_D3D11_SHARE_TEXTURE);
#endif
#ifdef VIRGL_RENDERER_COMPAT_PROFILE
   PM(VIRGL_RENDERER_COMPAT_PROFILE);
#endif
#ifdef VIRGL_RENDERER_USE_GUEST_VRAM
   PM(VIRGL_RENDERER_USE_GUEST_VRAM);
#endif
#ifdef VIRGL_RES_BIND_DEPTH_STENCIL
   PM(VIRGL_RES_BIND_DEPTH_STENCIL);
#endif
#ifdef VIRGL_RES_BIND_RENDER_TARGET
   PM(VIRGL_RES_BIND_RENDER_TARGET);
#endif
#ifdef VIRGL_RES_BIND_SAMPLER_VIEW
   PM(VIRGL_RES_BIND_SAMPLER_VIEW);
#endif
#ifdef VIRGL_RES_BIND_VERTEX_BUFFER
   PM(VIRGL_RES_BIND_VERTEX_BUFFER);
#endif
#ifdef VIRGL_RES_BIND_INDEX_BUFFER
   PM(VIRGL_RES_BIND_INDEX_BUFFER);
#endif
#ifdef VIRGL_RES_BIND_CONSTANT_BUFFER
   PM(VIRGL_RES_BIND_CONSTANT_BUFFER);
#endif
#ifdef VIRGL_RES_BIND_STREAM_OUTPUT
   PM(VIRGL_RES_BIND_STREAM_OUTPUT);
#endif
#ifdef VIRGL_RES_BIND_CURSOR
   PM(VIRGL_RES_BIND_CURSOR);
#endif
#ifdef VIRGL_RES_BIND_CUSTOM
   PM(VIRGL_RES_BIND_CUSTOM);
#endif
#ifdef VIRGL_RES_BIND_SCANOUT
   PM(VIRGL_RES_BIND_SCANOUT);
#endif
#ifdef VIRGL_RES_BIND_SHARED
   PM(VIRGL_RES_BIND_SHARED);
#endif
#ifdef VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION
   PM(VIRGL_RENDERER_RESOURCE_INFO_EXT_VERSION);
#endif
#ifdef VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK
   PM(VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK);
#endif
#ifdef VIRGL_RENDERER_BLOB_MEM_GUEST
   PM(VIRGL_RENDERER_BLOB_MEM_GUEST);
#endif
#ifdef VIRGL_RENDERER_BLOB_MEM_HOST3D
   PM(VIRGL_RENDERER_BLOB_MEM_HOST3D);
#endif
#ifdef VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST
   PM(VIRGL_RENDERER_BLOB_MEM_HOST3D_GUEST);
#endif
#ifdef VIRGL_RENDERER_BLOB_MEM_GUEST_VRAM
   PM(VIRGL_RENDERER_BLOB_MEM_GUEST_VRAM);
#endif
#ifdef VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE
   PM(VIRGL_RENDERER_BLOB_FLAG_USE_MAPPABLE);
#endif
#ifdef VIRGL_RENDERER_BLOB_FLAG_USE_SHAREABLE
   PM(VIRGL_RENDERER_BLOB_FLAG_USE_SHAREABLE);
#endif
#ifdef VIRGL_RENDERER_BLOB_FLAG_USE_CROSS_DEVICE
   PM(VIRGL_RENDERER_BLOB_FLAG_USE_CROSS_DEVICE);
#endif
#ifdef VIRGL_RENDERER_MAP_CACHE_MASK
   PM(VIRGL_RENDERER_MAP_CACHE_MASK);
#endif
#ifdef VIRGL_RENDERER_MAP_CACHE_NONE
   PM(VIRGL_RENDERER_MAP_CACHE_NONE);
#endif
#ifdef VIRGL_RENDERER_MAP_CACHE_CACHED
   PM(VIRGL_RENDERER_MAP_CACHE_CACHED);
#endif
#ifdef VIRGL_RENDERER_MAP_CACHE_UNCACHED
   PM(VIRGL_RENDERER_MAP_CACHE_UNCACHED);
#endif
#ifdef VIRGL_RENDERER_MAP_CACHE_WC
   PM(VIRGL_RENDERER_MAP_CACHE_WC);
#endif
#ifdef VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF
   PM(VIRGL_RENDERER_BLOB_FD_TYPE_DMABUF);
#endif
#ifdef VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE
   PM(VIRGL_RENDERER_BLOB_FD_TYPE_OPAQUE);
#endif
#ifdef VIRGL_RENDERER_BLOB_FD_TYPE_SHM
   PM(VIRGL_RENDERER_BLOB_FD_TYPE_SHM);
#endif
#ifdef VIRGL_RENDERER_FENCE_FLAG_MERGEABLE
   PM(VIRGL_RENDERER_FENCE_FLAG_MERGEABLE);
#endif
#ifdef VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY
   PM(VIRGL_RENDERER_RESOURCE_FLAG_ZEROCOPY);
#endif
#ifdef VIRGL_VERSION_MAJOR
   PM(VIRGL_VERSION_MAJOR);
#endif
#ifdef VIRGL_VERSION_MINOR
   PM(VIRGL_VERSION_MINOR);
#endif
#ifdef VIRGL_VERSION_MICRO
   PM(VIRGL_VERSION_MICRO);
#endif
#ifdef VIRGL_CHECK_VERSION
   printf("macro.VIRGL_CHECK_VERSION(1,2,0)=%d\n", (int)VIRGL_CHECK_VERSION(1, 2, 0));
   printf("macro.VIRGL_CHECK_VERSION(1,1,2)=%d\n", (int)VIRGL_CHECK_VERSION(1, 1, 2));
   printf("macro.VIRGL_CHECK_VERSION(1,2,1)=%d\n", (int)VIRGL_CHECK_VERSION(1, 2, 1));
   printf("macro.VIRGL_CHECK_VERSION(1,3,0)=%d\n", (int)VIRGL_CHECK_VERSION(1, 3, 0));
   printf("macro.VIRGL_CHECK_VERSION(2,0,0)=%d\n", (int)VIRGL_CHECK_VERSION(2, 0, 0));
#endif
}

static void dump_enums(void)
{
#ifndef ABI_NO_STRUCTURE_TYPES
   PE(VIRGL_RENDERER_STRUCTURE_TYPE_NONE);
   PE(VIRGL_RENDERER_STRUCTURE_TYPE_EXPORT_QUERY);
   PE(VIRGL_RENDERER_STRUCTURE_TYPE_SUPPORTED_STRUCTURES);
   printf("sizeof.enum_virgl_renderer_structure_type_v0=%zu\n",
          sizeof(enum virgl_renderer_structure_type_v0));
#endif
#ifdef HAVE_1_2
   PE(VIRGL_LOG_LEVEL_DEBUG);
   PE(VIRGL_LOG_LEVEL_INFO);
   PE(VIRGL_LOG_LEVEL_WARNING);
   PE(VIRGL_LOG_LEVEL_ERROR);
   PE(VIRGL_LOG_LEVEL_SILENT);
   printf("sizeof.enum_virgl_log_level_flags=%zu\n", sizeof(enum virgl_log_level_flags));
#endif
}

int main(void)
{
   dump_structs();
   dump_macros();
   dump_enums();
   return 0;
}
