/*
 * virtgpu_uapi.h — the virtio-gpu DRM uAPI of Linux 6.1, shared by the guest programs
 * tests/e2e/guest/ (virtio_gpu_test.h) and tests/hostmem/guest/hostmem_test.c (the run.sh
 * scripts compile them with -I tests/lib).
 *
 * These are the layouts of the kernel's include/uapi/drm/virtgpu_drm.h (ioctl numbers,
 * params, flags and argument structs), written from the kernel's documented ABI: the
 * static guest build has no kernel uAPI headers for virtgpu, and libdrm's copy of
 * virtgpu_drm.h is older than 6.1 (no blobs, no context init). The structs carry our own
 * vgpu_* names so they never clash with that copy. Needs <drm.h> (-I/usr/include/libdrm)
 * for DRM_IOWR and DRM_COMMAND_BASE.
 */
#ifndef VIRGL_SHIM_TESTS_VIRTGPU_UAPI_H
#define VIRGL_SHIM_TESTS_VIRTGPU_UAPI_H

#include <stdint.h>

#include <drm.h>

#define DRM_VIRTGPU_MAP 0x01
#define DRM_VIRTGPU_EXECBUFFER 0x02
#define DRM_VIRTGPU_GETPARAM 0x03
#define DRM_VIRTGPU_RESOURCE_CREATE 0x04
#define DRM_VIRTGPU_RESOURCE_INFO 0x05
#define DRM_VIRTGPU_TRANSFER_FROM_HOST 0x06
#define DRM_VIRTGPU_TRANSFER_TO_HOST 0x07
#define DRM_VIRTGPU_WAIT 0x08
#define DRM_VIRTGPU_GET_CAPS 0x09
#define DRM_VIRTGPU_RESOURCE_CREATE_BLOB 0x0a
#define DRM_VIRTGPU_CONTEXT_INIT 0x0b

#define VIRTGPU_EXECBUF_FENCE_FD_IN 0x01
#define VIRTGPU_EXECBUF_FENCE_FD_OUT 0x02

#define VIRTGPU_PARAM_3D_FEATURES 1
#define VIRTGPU_PARAM_CAPSET_QUERY_FIX 2
#define VIRTGPU_PARAM_RESOURCE_BLOB 3
#define VIRTGPU_PARAM_HOST_VISIBLE 4
#define VIRTGPU_PARAM_CROSS_DEVICE 5
#define VIRTGPU_PARAM_CONTEXT_INIT 6
#define VIRTGPU_PARAM_SUPPORTED_CAPSET_IDS 7

#define VIRTGPU_BLOB_MEM_HOST3D 0x0002
#define VIRTGPU_BLOB_FLAG_USE_MAPPABLE 0x0001

struct vgpu_map {
	uint64_t offset;
	uint32_t handle;
	uint32_t pad;
};

struct vgpu_execbuffer {
	uint32_t flags;
	uint32_t size;
	uint64_t command;
	uint64_t bo_handles;
	uint32_t num_bo_handles;
	int32_t fence_fd;
	uint32_t ring_idx;
	uint32_t pad;
};

struct vgpu_getparam {
	uint64_t param;
	uint64_t value; /* user pointer to an int */
};

struct vgpu_resource_create {
	uint32_t target;
	uint32_t format;
	uint32_t bind;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
	uint32_t array_size;
	uint32_t last_level;
	uint32_t nr_samples;
	uint32_t flags;
	uint32_t bo_handle;  /* out */
	uint32_t res_handle; /* out */
	uint32_t size;
	uint32_t stride;
};

struct vgpu_resource_info {
	uint32_t bo_handle;
	uint32_t res_handle;
	uint32_t size;
	uint32_t blob_mem;
};

struct vgpu_box {
	uint32_t x, y, z, w, h, d;
};

struct vgpu_transfer {
	uint32_t bo_handle;
	struct vgpu_box box;
	uint32_t level;
	uint32_t offset;
	uint32_t stride;
	uint32_t layer_stride;
};

struct vgpu_wait {
	uint32_t handle;
	uint32_t flags;
};

struct vgpu_get_caps {
	uint32_t cap_set_id;
	uint32_t cap_set_ver;
	uint64_t addr;
	uint32_t size;
	uint32_t pad;
};

struct vgpu_create_blob {
	uint32_t blob_mem;
	uint32_t blob_flags;
	uint32_t bo_handle;  /* out */
	uint32_t res_handle; /* out */
	uint64_t size;
	uint32_t pad;
	uint32_t cmd_size;
	uint64_t cmd;
	uint64_t blob_id;
};

#define VIRTGPU_CONTEXT_PARAM_CAPSET_ID 0x0001

struct vgpu_context_set_param {
	uint64_t param;
	uint64_t value;
};

struct vgpu_context_init {
	uint32_t num_params;
	uint32_t pad;
	uint64_t ctx_set_params; /* user pointer to struct vgpu_context_set_param[] */
};

#define VIRTGPU_IOC(nr, type) DRM_IOWR(DRM_COMMAND_BASE + (nr), type)
#define IOCTL_VIRTGPU_MAP VIRTGPU_IOC(DRM_VIRTGPU_MAP, struct vgpu_map)
#define IOCTL_VIRTGPU_EXECBUFFER VIRTGPU_IOC(DRM_VIRTGPU_EXECBUFFER, struct vgpu_execbuffer)
#define IOCTL_VIRTGPU_GETPARAM VIRTGPU_IOC(DRM_VIRTGPU_GETPARAM, struct vgpu_getparam)
#define IOCTL_VIRTGPU_RESOURCE_CREATE \
	VIRTGPU_IOC(DRM_VIRTGPU_RESOURCE_CREATE, struct vgpu_resource_create)
#define IOCTL_VIRTGPU_RESOURCE_INFO \
	VIRTGPU_IOC(DRM_VIRTGPU_RESOURCE_INFO, struct vgpu_resource_info)
#define IOCTL_VIRTGPU_TRANSFER_FROM_HOST \
	VIRTGPU_IOC(DRM_VIRTGPU_TRANSFER_FROM_HOST, struct vgpu_transfer)
#define IOCTL_VIRTGPU_TRANSFER_TO_HOST VIRTGPU_IOC(DRM_VIRTGPU_TRANSFER_TO_HOST, struct vgpu_transfer)
#define IOCTL_VIRTGPU_WAIT VIRTGPU_IOC(DRM_VIRTGPU_WAIT, struct vgpu_wait)
#define IOCTL_VIRTGPU_GET_CAPS VIRTGPU_IOC(DRM_VIRTGPU_GET_CAPS, struct vgpu_get_caps)
#define IOCTL_VIRTGPU_RESOURCE_CREATE_BLOB \
	VIRTGPU_IOC(DRM_VIRTGPU_RESOURCE_CREATE_BLOB, struct vgpu_create_blob)
#define IOCTL_VIRTGPU_CONTEXT_INIT VIRTGPU_IOC(DRM_VIRTGPU_CONTEXT_INIT, struct vgpu_context_init)

#endif /* VIRGL_SHIM_TESTS_VIRTGPU_UAPI_H */
