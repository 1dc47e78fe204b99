/* zbuf: the implementation ABI. Any buffer implementation (the reference, a third-party C library, Zarr-Python
 * through its adapter) exports one entry symbol that hands out a table of operations; the conformance harness
 * and the benchmarks reach every implementation only through this table.
 *
 * Versioning: the table starts with abi_version and struct_size. A caller asks for the ABI version it speaks;
 * an implementation that cannot serve it refuses with ZBUF_EUNSUPPORTED and a message. New operations are only
 * appended (struct_size tells the caller which exist); changing or removing one bumps ZBUF_IMPL_ABI_VERSION.
 *
 * Conventions for every operation:
 * - returns a zbuf_status (0 = ok) from the pinned set in zbuf/status.h and fills the optional zbuf_error;
 * - handles are opaque, reference counted, released with *_release, which is safe from any thread and a no-op
 *   for NULL;
 * - dtypes are NumPy dtype strings ("<f8", ">i4", "|b1"), devices are DLPack DLDevice values (kDLCPU, kDLCUDA,
 *   kDLCUDAHost), n-d data crosses the boundary zero-copy as DLPack tensors or by copy through host bytes;
 * - an operation an implementation does not provide is a NULL pointer (the harness reports UNSUPPORTED), and a
 *   capability it does not claim is answered with ZBUF_EUNSUPPORTED. */
#ifndef ZBUF_IMPL_H
#define ZBUF_IMPL_H

#include <dlpack/dlpack.h>
#include <stddef.h>
#include <stdint.h>

#include "zbuf/alloc.h"
#include "zbuf/ndbuffer.h"
#include "zbuf/slice.h"
#include "zbuf/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. */
#define ZBUF_IMPL_ABI_VERSION 1u

/** Name of the symbol a plugin exports, of type zbuf_impl_entry_fn. */
#define ZBUF_IMPL_ENTRY_SYMBOL "zbuf_impl_entry"

/** Name of a symbol a plugin may also export, of type zbuf_impl_prepare_fn. A host calls it at most once, in
 * a process that will then fork processes which each make their own entry call with the same config
 * (zbuf-conform does so to run tests alone). It may start a runtime and import what instances need, so that
 * the forks find it done; it must not make an instance, initialise a GPU or start threads, none of which
 * survives fork. A plugin without it works the same, only each fork starts from nothing. */
#define ZBUF_IMPL_PREPARE_SYMBOL "zbuf_impl_prepare"

/** The optional preparation symbol's type (ZBUF_IMPL_PREPARE_SYMBOL); config as for the entry. */
typedef void (*zbuf_impl_prepare_fn)(const char *config);

/** Capability bits an implementation claims. Tests needing a capability not claimed are UNSUPPORTED. */
enum zbuf_impl_capability {
  ZBUF_CAP_HOST = 1u << 0,         /* buffers in ordinary host memory (kDLCPU) */
  ZBUF_CAP_CUDA = 1u << 1,         /* buffers in CUDA device memory (kDLCUDA) */
  ZBUF_CAP_CUDA_HOST = 1u << 2,    /* buffers in pinned host memory (kDLCUDAHost) */
  ZBUF_CAP_ND = 1u << 3,           /* NDBuffer operations */
  ZBUF_CAP_THREAD_SAFE = 1u << 4,  /* operations may be called from several threads at once */
  ZBUF_CAP_ALLOC_STATS = 1u << 5,  /* alloc_stats reports live allocations exactly */
  ZBUF_CAP_DLPACK = 1u << 6,       /* ndbuffer_to_dlpack / ndbuffer_from_dlpack */
  ZBUF_CAP_WRAP = 1u << 7,         /* buffer_wrap: zero-copy wrap with a release callback */
  ZBUF_CAP_FAULT_INJECTION = 1u << 8 /* testing_fail_allocation */
};

typedef struct zbuf_impl_buffer zbuf_impl_buffer;     /* opaque Buffer handle */
typedef struct zbuf_impl_ndbuffer zbuf_impl_ndbuffer; /* opaque NDBuffer handle */
typedef struct zbuf_impl zbuf_impl;

/** A prototype as the ABI sees it: where new Buffers and NDBuffers live. */
typedef struct zbuf_impl_prototype {
  DLDevice buffer;
  DLDevice nd_buffer;
} zbuf_impl_prototype;

/** What an NDBuffer is, without copying: filled by ndbuffer_info. Pointers stay valid while the handle lives. */
typedef struct zbuf_impl_ndinfo {
  char dtype[8];          /* NumPy dtype.str, e.g. "<f8" */
  int32_t ndim;
  const int64_t *shape;   /* ndim entries */
  const int64_t *strides; /* ndim entries, in bytes */
  void *data;             /* address of element [0,...,0]; device address for device memory */
  DLDevice device;
} zbuf_impl_ndinfo;

/** Called once, from any thread, when wrapped memory has no user left. */
typedef void (*zbuf_impl_release_fn)(void *data, void *ctx);

/** The operation table. Every function receives the table it came from as `self`. */
struct zbuf_impl {
  uint32_t abi_version;   /* ZBUF_IMPL_ABI_VERSION the table was built for */
  uint32_t struct_size;   /* sizeof(zbuf_impl) the implementation was compiled with */
  const char *name;       /* e.g. "zbuf-ref" */
  const char *version;    /* the implementation's own version text */
  const char *description;/* one line: what this instance drives, e.g. "zarr 3.1.3 zarr.buffer.cpu" */
  uint64_t capabilities;  /* zbuf_impl_capability bits */
  zbuf_impl_prototype prototype; /* the memory kinds this instance was configured for */
  void *state;            /* private to the implementation */

  /* ---- lifecycle and probes ---- */
  /** Releases what the entry call set up. May be NULL. */
  void (*shutdown)(const zbuf_impl *self);
  /** Checks a device can be used now: ZBUF_OK, ZBUF_ENODEV, ZBUF_EUNSUPPORTED. */
  zbuf_status (*device_check)(const zbuf_impl *self, DLDevice device, zbuf_error *err);
  /** Live allocations (ZBUF_CAP_ALLOC_STATS); fields an implementation cannot count are -1. */
  zbuf_status (*alloc_stats)(const zbuf_impl *self, zbuf_alloc_stats *out, zbuf_error *err);
  /** Test-only fault injection (ZBUF_CAP_FAULT_INJECTION), as zbuf_testing_fail_allocation. */
  void (*testing_fail_allocation)(const zbuf_impl *self, int64_t k, unsigned mask);

  /* ---- prototypes ---- */
  zbuf_status (*default_prototype)(const zbuf_impl *self, zbuf_impl_prototype *out, zbuf_error *err);
  zbuf_status (*set_default_prototype)(const zbuf_impl *self, const zbuf_impl_prototype *prototype,
                                       zbuf_error *err);

  /* ---- Buffer (semantics as zbuf/buffer.h) ---- */
  zbuf_status (*buffer_create_zero_length)(const zbuf_impl *self, DLDevice device, zbuf_impl_buffer **out,
                                           zbuf_error *err);
  zbuf_status (*buffer_from_bytes)(const zbuf_impl *self, DLDevice device, const void *data, size_t size,
                                   zbuf_impl_buffer **out, zbuf_error *err);
  zbuf_status (*buffer_wrap)(const zbuf_impl *self, DLDevice device, void *data, size_t size,
                             zbuf_impl_release_fn release, void *ctx, zbuf_impl_buffer **out, zbuf_error *err);
  zbuf_status (*buffer_from_buffer)(const zbuf_impl *self, DLDevice device, const zbuf_impl_buffer *src,
                                    zbuf_impl_buffer **out, zbuf_error *err);
  /** Raw view: address, length and device of the bytes, never copying (`as_array_like`). */
  zbuf_status (*buffer_info)(const zbuf_impl *self, const zbuf_impl_buffer *buf, void **data, size_t *length,
                             DLDevice *device, zbuf_error *err);
  zbuf_status (*buffer_to_bytes)(const zbuf_impl *self, const zbuf_impl_buffer *buf, void *dst, size_t dst_size,
                                 zbuf_error *err);
  zbuf_status (*buffer_to_host)(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_impl_buffer **out,
                                zbuf_error *err);
  zbuf_status (*buffer_slice)(const zbuf_impl *self, const zbuf_impl_buffer *buf, zbuf_slice key,
                              zbuf_impl_buffer **out, zbuf_error *err);
  zbuf_status (*buffer_set_slice)(const zbuf_impl *self, zbuf_impl_buffer *dst, zbuf_slice key,
                                  const zbuf_impl_buffer *value, zbuf_error *err);
  zbuf_status (*buffer_combine)(const zbuf_impl *self, const zbuf_impl_buffer *const *parts, size_t n,
                                zbuf_impl_buffer **out, zbuf_error *err);
  zbuf_status (*buffer_equal)(const zbuf_impl *self, const zbuf_impl_buffer *a, const zbuf_impl_buffer *b,
                              int *equal, zbuf_error *err);
  zbuf_impl_buffer *(*buffer_retain)(const zbuf_impl *self, zbuf_impl_buffer *buf);
  void (*buffer_release)(const zbuf_impl *self, zbuf_impl_buffer *buf);

  /* ---- NDBuffer (semantics as zbuf/ndbuffer.h; ZBUF_CAP_ND) ---- */
  zbuf_status (*ndbuffer_create)(const zbuf_impl *self, DLDevice device, size_t ndim, const int64_t *shape,
                                 const char *dtype, zbuf_order order, const void *fill_value,
                                 zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_empty)(const zbuf_impl *self, DLDevice device, size_t ndim, const int64_t *shape,
                                const char *dtype, zbuf_order order, zbuf_impl_ndbuffer **out, zbuf_error *err);
  /** Copy of a host array (pointer, shape, byte strides or NULL for C order, dtype) into `device`. */
  zbuf_status (*ndbuffer_from_host)(const zbuf_impl *self, DLDevice device, const void *data, size_t ndim,
                                    const int64_t *shape, const int64_t *strides, const char *dtype,
                                    zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_info)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, zbuf_impl_ndinfo *out,
                               zbuf_error *err);
  zbuf_status (*ndbuffer_to_bytes)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *dst,
                                   size_t dst_size, zbuf_error *err);
  zbuf_status (*ndbuffer_to_host)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, zbuf_impl_ndbuffer **out,
                                  zbuf_error *err);
  zbuf_status (*ndbuffer_to_device)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, DLDevice device,
                                    zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_as_scalar)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, void *out,
                                    size_t out_size, zbuf_error *err);
  zbuf_status (*ndbuffer_reshape)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t ndim,
                                  const int64_t *shape, zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_squeeze)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                  const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_astype)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, const char *dtype,
                                 zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_transpose)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t naxes,
                                    const int64_t *axes, zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_get_item)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, size_t nidx,
                                   const zbuf_index *idx, zbuf_impl_ndbuffer **out, zbuf_error *err);
  zbuf_status (*ndbuffer_set_item)(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                   const zbuf_index *idx, const zbuf_impl_ndbuffer *value, zbuf_error *err);
  zbuf_status (*ndbuffer_set_item_scalar)(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, size_t nidx,
                                          const zbuf_index *idx, const void *value, zbuf_error *err);
  zbuf_status (*ndbuffer_fill)(const zbuf_impl *self, zbuf_impl_ndbuffer *dst, const void *value,
                               zbuf_error *err);
  zbuf_status (*ndbuffer_copy)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, zbuf_impl_ndbuffer **out,
                               zbuf_error *err);
  zbuf_status (*ndbuffer_all_equal_scalar)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                           const void *value, int equal_nan, int *equal, zbuf_error *err);
  zbuf_status (*ndbuffer_all_equal)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a,
                                    const zbuf_impl_ndbuffer *b, int equal_nan, int *equal, zbuf_error *err);
  zbuf_impl_ndbuffer *(*ndbuffer_retain)(const zbuf_impl *self, zbuf_impl_ndbuffer *a);
  void (*ndbuffer_release)(const zbuf_impl *self, zbuf_impl_ndbuffer *a);

  /* ---- DLPack exchange (ZBUF_CAP_DLPACK) ---- */
  /** Zero-copy export; the caller calls the tensor's deleter exactly once. */
  zbuf_status (*ndbuffer_to_dlpack)(const zbuf_impl *self, const zbuf_impl_ndbuffer *a, DLManagedTensor **out,
                                    zbuf_error *err);
  /** Zero-copy import; on success the implementation owns the tensor, on failure the caller still does. */
  zbuf_status (*ndbuffer_from_dlpack)(const zbuf_impl *self, DLManagedTensor *tensor, zbuf_impl_ndbuffer **out,
                                      zbuf_error *err);

  /* ---- appended in ABI 1 after the first draft: zero-copy n-d views of existing memory ---- */
  /** NDBuffer view of a contiguous Buffer's bytes with the given shape (one -1 allowed) and dtype; shares
   * memory (as zbuf_ndbuffer_from_buffer). */
  zbuf_status (*ndbuffer_from_buffer)(const zbuf_impl *self, const zbuf_impl_buffer *buf, size_t ndim,
                                      const int64_t *shape, const char *dtype, zbuf_impl_ndbuffer **out,
                                      zbuf_error *err);
  /** Wraps existing memory of `device` as an NDBuffer without copying (ZBUF_CAP_WRAP; as zbuf_ndbuffer_wrap):
   * strides in bytes or NULL for C order; release(data, ctx) runs once after the last user, never on failure. */
  zbuf_status (*ndbuffer_wrap)(const zbuf_impl *self, DLDevice device, void *data, size_t ndim,
                               const int64_t *shape, const int64_t *strides, const char *dtype,
                               zbuf_impl_release_fn release, void *ctx, zbuf_impl_ndbuffer **out,
                               zbuf_error *err);
};

/** The entry symbol's type. `requested_abi` is the ABI version the caller speaks; `config` selects what the
 * instance drives (for the reference "cpu" or "gpu"; for the Python adapter "module:attribute"; NULL for the
 * implementation's default). On success *out points at a table that stays valid until its shutdown. An ABI
 * the implementation cannot serve: ZBUF_EUNSUPPORTED, with both versions named in the message. */
typedef zbuf_status (*zbuf_impl_entry_fn)(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                                          zbuf_error *err);

/** The reference's own entry point (exported by libzbuf as well under ZBUF_IMPL_ENTRY_SYMBOL in plugins). */
zbuf_status zbuf_ref_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                                zbuf_error *err);

#ifdef __cplusplus
}
#endif
#endif
