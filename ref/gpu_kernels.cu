/* zbuf reference: the device kernels of kernels_device.h: strided n-d copy (with the casts whose result is
 * exactly defined the same way on host and device), fill, and comparison. Everything else (float16, float ->
 * integer, byte swapping across kinds) stays with the host kernels, which the callers run on a staged copy.
 *
 * Layout: the host side merges axes that are contiguous in every view and drops axes of extent 1, so that
 * the common cases (contiguous arrays, C-order slices) reach the kernel as one or two axes; the kernel walks
 * the linear index in C order of the shape with a grid-stride loop and computes each view's byte offset from
 * its strides. Elements may be unaligned (DLPack imports, byte offsets): a kernel reads and writes whole
 * elements through typed units only when every base address and stride is a multiple of the unit, else bytes.
 */
#include <cuda_runtime_api.h>

#include <string.h>

#include "gpu_internal.h"
#include "kernels_device.h"

extern "C" int zbuf__dtype_needs_swap(zbuf_dtype d);

namespace {

constexpr int kMaxViews = 2;

/* The shape and the strides of up to two views, after merging axes. */
struct walk_desc {
  int ndim;
  int64_t size; /* number of elements */
  int64_t shape[ZBUF_MAX_NDIM];
  int64_t strides[kMaxViews][ZBUF_MAX_NDIM];
};

/* Builds the walk over views[0..n) (same shape). */
walk_desc make_walk(const zbuf__view *const *views, int n) {
  walk_desc w;
  memset(&w, 0, sizeof w);
  const zbuf__view *v0 = views[0];
  w.size = 1;
  for (size_t k = 0; k < v0->ndim; k++) w.size *= v0->shape[k];
  for (size_t k = 0; k < v0->ndim; k++) {
    if (v0->shape[k] == 1) continue;
    int d = w.ndim;
    /* Axis k continues the previous one when, in every view, stepping over the previous axis' extent on
     * axis k equals one step on the previous axis. */
    bool merge = d > 0;
    for (int i = 0; merge && i < n; i++) merge = w.strides[i][d - 1] == views[i]->strides[k] * v0->shape[k];
    if (merge) {
      w.shape[d - 1] *= v0->shape[k];
      for (int i = 0; i < n; i++) w.strides[i][d - 1] = views[i]->strides[k];
      continue;
    }
    w.shape[d] = v0->shape[k];
    for (int i = 0; i < n; i++) w.strides[i][d] = views[i]->strides[k];
    w.ndim++;
  }
  return w;
}

/* Byte offsets of linear element i (C order of the walk's shape) in each view. */
__device__ inline void offsets(const walk_desc &w, int64_t i, int n, int64_t *off) {
  for (int v = 0; v < n; v++) off[v] = 0;
  for (int k = w.ndim - 1; k >= 0; k--) {
    int64_t ix = i % w.shape[k];
    i /= w.shape[k];
    for (int v = 0; v < n; v++) off[v] += ix * w.strides[v][k];
  }
}

/* The largest unit (1, 2, 4 or 8 bytes) dividing the itemsize, every base address and every stride. */
int unit_for(size_t itemsize, const walk_desc &w, const char *const *bases, int n) {
  uint64_t m = itemsize;
  for (int v = 0; v < n; v++) {
    m |= (uint64_t)(uintptr_t)bases[v];
    for (int k = 0; k < w.ndim; k++) m |= (uint64_t)w.strides[v][k];
  }
  for (int u = 8; u > 1; u /= 2)
    if (m % (uint64_t)u == 0) return u;
  return 1;
}

/* ---- element loads and stores with casts ---- */

enum value_class { V_BOOL, V_SINT, V_UINT, V_F32, V_F64 };

struct value {
  value_class cls;
  int64_t i;
  uint64_t u;
  float f;
  double d;
};

template <typename T>
__device__ inline T load_as(const char *p) {
  T x;
  memcpy(&x, p, sizeof x);
  return x;
}

__device__ inline value load(zbuf_dtype_kind kind, const char *p) {
  value v = {V_SINT, 0, 0, 0.0f, 0.0};
  switch (kind) {
    case ZBUF_BOOL:
      v.cls = V_BOOL;
      v.u = *(const unsigned char *)p != 0;
      break;
    case ZBUF_INT8: v.i = load_as<int8_t>(p); break;
    case ZBUF_INT16: v.i = load_as<int16_t>(p); break;
    case ZBUF_INT32: v.i = load_as<int32_t>(p); break;
    case ZBUF_INT64: v.i = load_as<int64_t>(p); break;
    case ZBUF_UINT8:
      v.cls = V_UINT;
      v.u = load_as<uint8_t>(p);
      break;
    case ZBUF_UINT16:
      v.cls = V_UINT;
      v.u = load_as<uint16_t>(p);
      break;
    case ZBUF_UINT32:
      v.cls = V_UINT;
      v.u = load_as<uint32_t>(p);
      break;
    case ZBUF_UINT64:
      v.cls = V_UINT;
      v.u = load_as<uint64_t>(p);
      break;
    case ZBUF_FLOAT32:
      v.cls = V_F32;
      v.f = load_as<float>(p);
      break;
    default:
      v.cls = V_F64;
      v.d = load_as<double>(p);
      break;
  }
  return v;
}

/* Integers wrap (the conversion of a wider value to a narrower type keeps the low bits, as NumPy); the
 * conversion to float rounds once, from the source's own type. Float -> integer never reaches here. */
template <typename T>
__device__ inline T convert(const value &v) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return (T)v.u;
    case V_SINT: return (T)v.i;
    case V_F32: return (T)v.f;
    default: return (T)v.d;
  }
}

__device__ inline bool truth(const value &v) {
  switch (v.cls) {
    case V_BOOL:
    case V_UINT: return v.u != 0;
    case V_SINT: return v.i != 0;
    case V_F32: return v.f != 0.0f || v.f != v.f; /* NaN is true */
    default: return v.d != 0.0 || v.d != v.d;
  }
}

template <typename T>
__device__ inline void store_as(char *p, T x) {
  memcpy(p, &x, sizeof x);
}

__device__ inline void store(zbuf_dtype_kind kind, char *p, const value &v) {
  switch (kind) {
    case ZBUF_BOOL: *(unsigned char *)p = truth(v) ? 1 : 0; break;
    case ZBUF_INT8: store_as(p, convert<int8_t>(v)); break;
    case ZBUF_INT16: store_as(p, convert<int16_t>(v)); break;
    case ZBUF_INT32: store_as(p, convert<int32_t>(v)); break;
    case ZBUF_INT64: store_as(p, convert<int64_t>(v)); break;
    case ZBUF_UINT8: store_as(p, convert<uint8_t>(v)); break;
    case ZBUF_UINT16: store_as(p, convert<uint16_t>(v)); break;
    case ZBUF_UINT32: store_as(p, convert<uint32_t>(v)); break;
    case ZBUF_UINT64: store_as(p, convert<uint64_t>(v)); break;
    case ZBUF_FLOAT32: store_as(p, convert<float>(v)); break;
    default: store_as(p, convert<double>(v)); break;
  }
}

/* ---- kernels ---- */

/* Whole elements of `units` units of type U. */
template <typename U>
__global__ void copy_bytes_kernel(walk_desc w, char *dst, const char *src, int units) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.size; i += step) {
    int64_t off[2];
    offsets(w, i, 2, off);
    U *d = (U *)(dst + off[0]);
    const U *s = (const U *)(src + off[1]);
    for (int k = 0; k < units; k++) d[k] = s[k];
  }
}

__global__ void cast_kernel(walk_desc w, char *dst, zbuf_dtype_kind dkind, const char *src,
                            zbuf_dtype_kind skind) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.size; i += step) {
    int64_t off[2];
    offsets(w, i, 2, off);
    store(dkind, dst + off[0], load(skind, src + off[1]));
  }
}

/* The element value, as units of U (up to 16 bytes). */
struct element {
  unsigned char bytes[16];
};

template <typename U>
__global__ void fill_kernel(walk_desc w, char *dst, element value, int units) {
  U unit_values[16 / sizeof(U)];
  memcpy(unit_values, value.bytes, sizeof unit_values);
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.size; i += step) {
    int64_t off[1];
    offsets(w, i, 1, off);
    U *d = (U *)(dst + off[0]);
    for (int k = 0; k < units; k++) d[k] = unit_values[k];
  }
}

enum eq_mode { EQ_BYTES, EQ_BOOL, EQ_F32, EQ_F64, EQ_C64, EQ_C128 };

template <typename T>
__device__ inline bool eq_real(const char *x, const char *y, bool equal_nan) {
  T a = load_as<T>(x), b = load_as<T>(y);
  return a == b || (equal_nan && a != a && b != b);
}

template <typename T>
__device__ inline bool eq_complex(const char *x, const char *y, bool equal_nan) {
  T a0 = load_as<T>(x), a1 = load_as<T>(x + sizeof(T)), b0 = load_as<T>(y), b1 = load_as<T>(y + sizeof(T));
  bool nan_a = a0 != a0 || a1 != a1, nan_b = b0 != b0 || b1 != b1;
  if (equal_nan && (nan_a || nan_b)) return nan_a && nan_b;
  return a0 == b0 && a1 == b1;
}

/* b_scalar: b is the one element in `scalar` (every stride 0). Sets *mismatch on the first difference seen;
 * threads stop early once any thread has seen one. */
__global__ void equal_kernel(walk_desc w, const char *a, const char *b, bool b_scalar, element scalar,
                             eq_mode mode, int itemsize, bool equal_nan, int *mismatch) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.size; i += step) {
    if (*(volatile int *)mismatch) return;
    int64_t off[2];
    offsets(w, i, b_scalar ? 1 : 2, off);
    const char *x = a + off[0];
    const char *y = b_scalar ? (const char *)scalar.bytes : b + off[1];
    bool eq;
    switch (mode) {
      case EQ_BYTES: {
        eq = true;
        for (int k = 0; k < itemsize; k++) eq = eq && x[k] == y[k];
        break;
      }
      case EQ_BOOL: eq = (*x != 0) == (*y != 0); break;
      case EQ_F32: eq = eq_real<float>(x, y, equal_nan); break;
      case EQ_F64: eq = eq_real<double>(x, y, equal_nan); break;
      case EQ_C64: eq = eq_complex<float>(x, y, equal_nan); break;
      default: eq = eq_complex<double>(x, y, equal_nan); break;
    }
    if (!eq) *mismatch = 1;
  }
}

/* Blocks for a grid-stride loop over n elements: enough to fill the device, never more than needed. */
unsigned grid_for(int64_t n) {
  const int64_t threads = 256, most = 4096;
  int64_t blocks = (n + threads - 1) / threads;
  return (unsigned)(blocks < 1 ? 1 : blocks > most ? most : blocks);
}

bool castable(zbuf_dtype_kind k) { return k <= ZBUF_UINT64 || k == ZBUF_FLOAT32 || k == ZBUF_FLOAT64; }

bool is_float(zbuf_dtype_kind k) { return k == ZBUF_FLOAT32 || k == ZBUF_FLOAT64; }

bool is_integer(zbuf_dtype_kind k) { return k != ZBUF_BOOL && k <= ZBUF_UINT64; }

/* Launch check, then the synchronisation that makes the call complete on return. */
zbuf_status finish(cudaStream_t s, const char *what, zbuf_error *err) {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) return zbuf__cuda_error(e, what, err);
  e = cudaStreamSynchronize(s);
  if (e != cudaSuccess) return zbuf__cuda_error(e, what, err);
  return ZBUF_OK;
}

template <typename U>
void launch_copy(const walk_desc &w, char *dst, const char *src, size_t itemsize, cudaStream_t s) {
  copy_bytes_kernel<U><<<grid_for(w.size), 256, 0, s>>>(w, dst, src, (int)(itemsize / sizeof(U)));
}

template <typename U>
void launch_fill(const walk_desc &w, char *dst, const element &v, size_t itemsize, cudaStream_t s) {
  fill_kernel<U><<<grid_for(w.size), 256, 0, s>>>(w, dst, v, (int)(itemsize / sizeof(U)));
}

} // namespace

extern "C" zbuf_status zbuf__device_copy(const zbuf__view *dst, const zbuf__view *src, zbuf_device device,
                                         zbuf_error *err) {
  if (device.type != ZBUF_DEVICE_CUDA) return ZBUF_EUNSUPPORTED;
  zbuf_dtype dt = dst->dtype, st = src->dtype;
  bool same_bytes = dt.kind == st.kind && zbuf__dtype_needs_swap(dt) == zbuf__dtype_needs_swap(st);
  bool cast = !same_bytes && castable(dt.kind) && castable(st.kind) &&
              !(is_float(st.kind) && is_integer(dt.kind)) && !zbuf__dtype_needs_swap(dt) &&
              !zbuf__dtype_needs_swap(st);
  if (!same_bytes && !cast) return ZBUF_EUNSUPPORTED;
  const zbuf__view *views[2] = {dst, src};
  walk_desc w = make_walk(views, 2);
  if (w.size == 0) return ZBUF_OK;
  zbuf__device_scope scope;
  ZBUF_RETURN_NOT_OK(scope.enter((int)device.id, err));
  cudaStream_t s = (cudaStream_t)zbuf__cuda_stream();
  if (cast) {
    cast_kernel<<<grid_for(w.size), 256, 0, s>>>(w, dst->data, dt.kind, src->data, st.kind);
    return finish(s, "cast_kernel", err);
  }
  size_t itemsize = zbuf_dtype_itemsize(dt);
  const char *bases[2] = {dst->data, src->data};
  switch (unit_for(itemsize, w, bases, 2)) {
    case 8: launch_copy<uint64_t>(w, dst->data, src->data, itemsize, s); break;
    case 4: launch_copy<uint32_t>(w, dst->data, src->data, itemsize, s); break;
    case 2: launch_copy<uint16_t>(w, dst->data, src->data, itemsize, s); break;
    default: launch_copy<uint8_t>(w, dst->data, src->data, itemsize, s); break;
  }
  return finish(s, "copy_bytes_kernel", err);
}

extern "C" zbuf_status zbuf__device_fill(const zbuf__view *dst, const void *value, zbuf_device device,
                                         zbuf_error *err) {
  if (device.type != ZBUF_DEVICE_CUDA) return ZBUF_EUNSUPPORTED;
  size_t itemsize = zbuf_dtype_itemsize(dst->dtype);
  if (itemsize == 0 || itemsize > 16) return ZBUF_EUNSUPPORTED;
  const zbuf__view *views[1] = {dst};
  walk_desc w = make_walk(views, 1);
  if (w.size == 0) return ZBUF_OK;
  element v;
  memset(&v, 0, sizeof v);
  memcpy(v.bytes, value, itemsize);
  zbuf__device_scope scope;
  ZBUF_RETURN_NOT_OK(scope.enter((int)device.id, err));
  cudaStream_t s = (cudaStream_t)zbuf__cuda_stream();
  const char *bases[1] = {dst->data};
  switch (unit_for(itemsize, w, bases, 1)) {
    case 8: launch_fill<uint64_t>(w, dst->data, v, itemsize, s); break;
    case 4: launch_fill<uint32_t>(w, dst->data, v, itemsize, s); break;
    case 2: launch_fill<uint16_t>(w, dst->data, v, itemsize, s); break;
    default: launch_fill<uint8_t>(w, dst->data, v, itemsize, s); break;
  }
  return finish(s, "fill_kernel", err);
}

extern "C" zbuf_status zbuf__device_equal(const zbuf__view *a, const zbuf__view *b, int b_is_host_scalar,
                                          int mode, int equal_nan, zbuf_device device, int *equal,
                                          zbuf_error *err) {
  if (device.type != ZBUF_DEVICE_CUDA) return ZBUF_EUNSUPPORTED;
  zbuf_dtype_kind kind = a->dtype.kind;
  if (kind != b->dtype.kind) return ZBUF_EUNSUPPORTED;
  size_t itemsize = zbuf_dtype_itemsize(a->dtype);
  int aswap = zbuf__dtype_needs_swap(a->dtype), bswap = zbuf__dtype_needs_swap(b->dtype);
  eq_mode m;
  if ((mode == ZBUF__EQ_BITS || is_integer(kind)) && aswap == bswap)
    m = EQ_BYTES;
  else if (aswap || bswap)
    return ZBUF_EUNSUPPORTED;
  else if (kind == ZBUF_BOOL)
    m = EQ_BOOL;
  else if (kind == ZBUF_FLOAT32)
    m = EQ_F32;
  else if (kind == ZBUF_FLOAT64)
    m = EQ_F64;
  else if (kind == ZBUF_COMPLEX64)
    m = EQ_C64;
  else if (kind == ZBUF_COMPLEX128)
    m = EQ_C128;
  else
    return ZBUF_EUNSUPPORTED; /* float16 by value */
  element scalar;
  memset(&scalar, 0, sizeof scalar);
  walk_desc w;
  if (b_is_host_scalar) {
    const zbuf__view *views[1] = {a};
    w = make_walk(views, 1);
    if (itemsize > 16) return ZBUF_EUNSUPPORTED;
    memcpy(scalar.bytes, b->data, itemsize);
  } else {
    const zbuf__view *views[2] = {a, b};
    w = make_walk(views, 2);
  }
  if (w.size == 0) {
    *equal = 1;
    return ZBUF_OK;
  }
  zbuf__device_scope scope;
  ZBUF_RETURN_NOT_OK(scope.enter((int)device.id, err));
  cudaStream_t s = (cudaStream_t)zbuf__cuda_stream();
  int *flag = nullptr;
  ZBUF_RETURN_NOT_OK(zbuf__cuda_device_alloc((int)device.id, sizeof(int), (void **)&flag, err));
  int found = 0;
  cudaError_t e = cudaMemsetAsync(flag, 0, sizeof(int), s);
  zbuf_status st = ZBUF_OK;
  if (e != cudaSuccess) {
    st = zbuf__cuda_error(e, "cudaMemsetAsync", err);
  } else {
    equal_kernel<<<grid_for(w.size), 256, 0, s>>>(w, a->data, b_is_host_scalar ? nullptr : b->data,
                                                  b_is_host_scalar != 0, scalar, m, (int)itemsize,
                                                  equal_nan != 0, flag);
    e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaMemcpyAsync(&found, flag, sizeof(int), cudaMemcpyDeviceToHost, s);
    if (e == cudaSuccess) e = cudaStreamSynchronize(s);
    if (e != cudaSuccess) st = zbuf__cuda_error(e, "equal_kernel", err);
  }
  zbuf__cuda_device_free((int)device.id, flag);
  if (st == ZBUF_OK) *equal = found ? 0 : 1;
  return st;
}

extern "C" int zbuf__device_equal_covers(zbuf_dtype d) {
  if (d.kind == ZBUF_FLOAT16) return 0;
  return !zbuf__dtype_needs_swap(d) || d.kind == ZBUF_BOOL || is_integer(d.kind);
}
