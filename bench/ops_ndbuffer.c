/* zbuf-bench: latency and throughput of every NDBuffer operation of the contract, on a 2-D "<f8" array of a
 * small and a large byte size, in host memory and (when available) GPU memory. Strided rows work on the
 * [::2, ::2] view, a quarter of the elements, and count those bytes. Each row's result is checked once. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

enum {
  OP_CREATE,
  OP_EMPTY,
  OP_FROM_HOST,
  OP_INFO,
  OP_TO_BYTES,
  OP_TO_HOST,
  OP_AS_SCALAR,
  OP_RESHAPE,
  OP_SQUEEZE,
  OP_TRANSPOSE,
  OP_ASTYPE,
  OP_GET_STRIDED,        /* a[::2, ::2] (a view) */
  OP_COPY_STRIDED,       /* copy(a[::2, ::2]): the strided gather */
  OP_SET_STRIDED,        /* a[::2, ::2] = value */
  OP_SET_SCALAR_STRIDED, /* a[::2, ::2] = scalar */
  OP_FILL,
  OP_COPY,
  OP_ALL_EQUAL_SCALAR,
  OP_ALL_EQUAL,
  OP_DLPACK_ROUND_TRIP,
  OP_FROM_BUFFER, /* NDBuffer view of a Buffer's bytes */
  OP_WRAP,        /* host memory only: Zarr's NDBuffer.from_ndarray_like */
  OP_COUNT
};

static const struct {
  const char *name;
  int quarters; /* bytes moved per call in quarters of the array's size; 0: latency only */
} ops[OP_COUNT] = {{"ndbuffer_create[fill]", 4},
                   {"ndbuffer_empty", 0},
                   {"ndbuffer_from_host", 4},
                   {"ndbuffer_info", 0},
                   {"ndbuffer_to_bytes", 4},
                   {"ndbuffer_to_host", 4},
                   {"ndbuffer_as_scalar", 0},
                   {"ndbuffer_reshape", 0},
                   {"ndbuffer_squeeze", 0},
                   {"ndbuffer_transpose", 0},
                   {"ndbuffer_astype[f8->f4]", 4},
                   {"ndbuffer_get_item[::2,::2]", 0},
                   {"ndbuffer_copy[::2,::2]", 1},
                   {"ndbuffer_set_item[::2,::2]", 1},
                   {"ndbuffer_set_item_scalar[::2,::2]", 1},
                   {"ndbuffer_fill", 4},
                   {"ndbuffer_copy", 4},
                   {"ndbuffer_all_equal_scalar", 4},
                   {"ndbuffer_all_equal", 4},
                   {"ndbuffer_dlpack_round_trip", 0},
                   {"ndbuffer_from_buffer", 0},
                   {"ndbuffer_wrap+release", 0}};

static void release_nothing(void *data, void *ctx) { (void)data, (void)ctx; }

typedef struct nd_fixture {
  int64_t shape[3]; /* (1, rows, cols): the leading 1 is what squeeze removes */
  double *host;     /* rows*cols values i/2, exact in float32 below 2^24 */
  double *got;
  size_t bytes;
  zbuf_impl_ndbuffer *a, *b, *quarter, *view, *one;
  zbuf_impl_buffer *flat; /* the same values as a Buffer, for ndbuffer_from_buffer */
} nd_fixture;

/* [::2, ::2]: start and stop are None, step 2. */
static const zbuf_index strided2[2] = {{ZBUF_INDEX_SLICE, 0, {0, 0, 2, ZBUF_SLICE_HAS_STEP}},
                                       {ZBUF_INDEX_SLICE, 0, {0, 0, 2, ZBUF_SLICE_HAS_STEP}}};

static DLDevice case_device(const zbuf_bench_case *c) {
  return c->gpu >= 0 ? (DLDevice){kDLCUDA, c->gpu} : (DLDevice){kDLCPU, 0};
}

static zbuf_status fixture_make(const zbuf_bench_case *c, nd_fixture *f, zbuf_error *err) {
  const zbuf_impl *impl = c->impl;
  size_t count = c->size / sizeof(double);
  int64_t cols = 1;
  while (cols * cols < (int64_t)count) cols *= 2;
  f->shape[0] = 1;
  f->shape[2] = cols;
  f->shape[1] = (int64_t)count / cols;
  count = (size_t)(f->shape[1] * cols);
  f->bytes = count * sizeof(double);
  f->host = malloc(f->bytes);
  f->got = malloc(f->bytes);
  if (!f->host || !f->got) return zbuf_error_set(err, ZBUF_ENOMEM, "out of host memory");
  for (size_t i = 0; i < count; i++) f->host[i] = (double)(i % 16777216) / 2;
  DLDevice d = case_device(c);
  ZBUF_RETURN_NOT_OK(impl->ndbuffer_from_host(impl, d, f->host, 2, f->shape + 1, NULL, "<f8", &f->a, err));
  ZBUF_RETURN_NOT_OK(impl->ndbuffer_from_host(impl, d, f->host, 2, f->shape + 1, NULL, "<f8", &f->b, err));
  int64_t qshape[2] = {(f->shape[1] + 1) / 2, (cols + 1) / 2};
  ZBUF_RETURN_NOT_OK(impl->ndbuffer_from_host(impl, d, f->host, 2, qshape, NULL, "<f8", &f->quarter, err));
  ZBUF_RETURN_NOT_OK(impl->ndbuffer_from_host(impl, d, f->host, 3, f->shape, NULL, "<f8", &f->view, err));
  int64_t one_shape[1] = {1};
  ZBUF_RETURN_NOT_OK(impl->ndbuffer_from_host(impl, d, f->host, 1, one_shape, NULL, "<f8", &f->one, err));
  if (c->op == OP_FROM_BUFFER) return impl->buffer_from_bytes(impl, d, f->host, f->bytes, &f->flat, err);
  return ZBUF_OK;
}

static void fixture_free(const zbuf_impl *impl, nd_fixture *f) {
  impl->ndbuffer_release(impl, f->a);
  impl->ndbuffer_release(impl, f->b);
  impl->ndbuffer_release(impl, f->quarter);
  impl->ndbuffer_release(impl, f->view);
  impl->ndbuffer_release(impl, f->one);
  if (f->flat) impl->buffer_release(impl, f->flat);
  free(f->host);
  free(f->got);
}

/* One call. A produced array goes to *keep when keep is given, else it is released at once. */
static zbuf_status call(const zbuf_bench_case *c, nd_fixture *f, zbuf_impl_ndbuffer **keep, int *flag,
                        zbuf_error *err) {
  const zbuf_impl *impl = c->impl;
  zbuf_impl_ndbuffer *r = NULL, *tmp = NULL;
  zbuf_status s = ZBUF_OK;
  DLDevice d = case_device(c);
  const double fill = 1.5, half = 0.5;
  int eq = 0;
  switch (c->op) {
    case OP_CREATE:
      s = impl->ndbuffer_create(impl, d, 2, f->shape + 1, "<f8", ZBUF_ORDER_C, &fill, &r, err);
      break;
    case OP_EMPTY: s = impl->ndbuffer_empty(impl, d, 2, f->shape + 1, "<f8", ZBUF_ORDER_C, &r, err); break;
    case OP_FROM_HOST:
      s = impl->ndbuffer_from_host(impl, d, f->host, 2, f->shape + 1, NULL, "<f8", &r, err);
      break;
    case OP_INFO: {
      zbuf_impl_ndinfo info;
      s = impl->ndbuffer_info(impl, f->a, &info, err);
      break;
    }
    case OP_TO_BYTES: s = impl->ndbuffer_to_bytes(impl, f->a, f->got, f->bytes, err); break;
    case OP_TO_HOST: s = impl->ndbuffer_to_host(impl, f->a, &r, err); break;
    case OP_AS_SCALAR: {
      double v;
      s = impl->ndbuffer_as_scalar(impl, f->one, &v, sizeof v, err);
      break;
    }
    case OP_RESHAPE: {
      int64_t flat[1] = {f->shape[1] * f->shape[2]};
      s = impl->ndbuffer_reshape(impl, f->a, 1, flat, &r, err);
      break;
    }
    case OP_SQUEEZE: {
      int64_t axis[1] = {0};
      s = impl->ndbuffer_squeeze(impl, f->view, 1, axis, &r, err);
      break;
    }
    case OP_TRANSPOSE: {
      int64_t axes[2] = {1, 0};
      s = impl->ndbuffer_transpose(impl, f->a, 2, axes, &r, err);
      break;
    }
    case OP_ASTYPE: s = impl->ndbuffer_astype(impl, f->a, "<f4", &r, err); break;
    case OP_GET_STRIDED: s = impl->ndbuffer_get_item(impl, f->a, 2, strided2, &r, err); break;
    case OP_COPY_STRIDED:
      s = impl->ndbuffer_get_item(impl, f->a, 2, strided2, &tmp, err);
      if (s == ZBUF_OK) s = impl->ndbuffer_copy(impl, tmp, &r, err);
      break;
    case OP_SET_STRIDED: s = impl->ndbuffer_set_item(impl, f->b, 2, strided2, f->quarter, err); break;
    case OP_SET_SCALAR_STRIDED:
      s = impl->ndbuffer_set_item_scalar(impl, f->b, 2, strided2, &half, err);
      break;
    case OP_FILL: s = impl->ndbuffer_fill(impl, f->b, &fill, err); break;
    case OP_COPY: s = impl->ndbuffer_copy(impl, f->a, &r, err); break;
    case OP_ALL_EQUAL_SCALAR:
      /* b was filled with 1.5 by the check of this row, so the whole array is scanned. */
      s = impl->ndbuffer_all_equal_scalar(impl, f->b, &fill, 0, &eq, err);
      break;
    case OP_ALL_EQUAL: s = impl->ndbuffer_all_equal(impl, f->a, f->b, 0, &eq, err); break;
    case OP_FROM_BUFFER:
      s = impl->ndbuffer_from_buffer(impl, f->flat, 2, f->shape + 1, "<f8", &r, err);
      break;
    case OP_WRAP:
      s = impl->ndbuffer_wrap(impl, d, f->host, 2, f->shape + 1, NULL, "<f8", release_nothing, NULL, &r, err);
      break;
    default: {
      DLManagedTensor *t = NULL;
      s = impl->ndbuffer_to_dlpack(impl, f->a, &t, err);
      if (s == ZBUF_OK) {
        s = impl->ndbuffer_from_dlpack(impl, t, &r, err);
        if (s != ZBUF_OK && t->deleter) t->deleter(t);
      }
      break;
    }
  }
  if (tmp) impl->ndbuffer_release(impl, tmp);
  if (flag) *flag = eq;
  if (r && keep)
    *keep = r;
  else if (r)
    impl->ndbuffer_release(impl, r);
  return s;
}

/* Checks the first call's result; writes a reason into why when it is wrong. */
static void verify(const zbuf_bench_case *c, nd_fixture *f, zbuf_impl_ndbuffer *r, int flag, char *why,
                   size_t why_size) {
  const zbuf_impl *impl = c->impl;
  int64_t rows = f->shape[1], cols = f->shape[2];
  size_t count = (size_t)(rows * cols);
  why[0] = '\0';
  if (c->op == OP_ALL_EQUAL_SCALAR || c->op == OP_ALL_EQUAL) {
    if (!flag) snprintf(why, why_size, "equal arrays compared unequal");
    return;
  }
  zbuf_impl_ndbuffer *subject = r;
  if (c->op == OP_SET_STRIDED || c->op == OP_SET_SCALAR_STRIDED || c->op == OP_FILL) subject = f->b;
  if (c->op == OP_TO_BYTES) subject = NULL;
  if (!subject && c->op != OP_TO_BYTES) return; /* latency-only calls with no result */
  if (c->op == OP_EMPTY || c->op == OP_GET_STRIDED || c->op == OP_RESHAPE || c->op == OP_SQUEEZE ||
      c->op == OP_TRANSPOSE || c->op == OP_DLPACK_ROUND_TRIP) {
    zbuf_impl_ndinfo info;
    if (impl->ndbuffer_info(impl, subject, &info, NULL) != ZBUF_OK) {
      snprintf(why, why_size, "ndbuffer_info on the result failed");
      return;
    }
    int64_t n = 1;
    for (int i = 0; i < info.ndim; i++) n *= info.shape[i];
    int64_t want = c->op == OP_GET_STRIDED ? ((rows + 1) / 2) * ((cols + 1) / 2) : (int64_t)count;
    if (n != want)
      snprintf(why, why_size, "result has %lld elements, expected %lld", (long long)n, (long long)want);
    return;
  }
  size_t bytes = c->op == OP_COPY_STRIDED ? (size_t)(((rows + 1) / 2) * ((cols + 1) / 2)) * 8
                 : c->op == OP_ASTYPE     ? count * 4
                                          : count * 8;
  zbuf_error err = {0};
  if (subject && impl->ndbuffer_to_bytes(impl, subject, f->got, bytes, &err) != ZBUF_OK) {
    snprintf(why, why_size, "ndbuffer_to_bytes on the result failed: %s", err.message);
    return;
  }
  for (size_t i = 0; i < bytes / (c->op == OP_ASTYPE ? 4 : 8); i++) {
    double want = f->host[i], have = f->got[i];
    int64_t row = (int64_t)i / cols, col = (int64_t)i % cols;
    int on_grid = row % 2 == 0 && col % 2 == 0;
    switch (c->op) {
      case OP_CREATE:
      case OP_FILL: want = 1.5; break;
      case OP_ASTYPE: have = ((float *)f->got)[i]; break;
      case OP_COPY_STRIDED: {
        int64_t qc = (cols + 1) / 2;
        want = f->host[(size_t)(((int64_t)i / qc) * 2 * cols + ((int64_t)i % qc) * 2)];
        break;
      }
      case OP_SET_STRIDED:
        if (on_grid) want = f->host[(size_t)((row / 2) * ((cols + 1) / 2) + col / 2)];
        break;
      case OP_SET_SCALAR_STRIDED:
        if (on_grid) want = 0.5;
        break;
      default: break;
    }
    if (have != want && !(isnan(have) && isnan(want))) {
      snprintf(why, why_size, "element %zu is %g, expected %g", i, have, want);
      return;
    }
  }
}

static void body(zbuf_bench_state *st, zbuf_bench_case *c) {
  const zbuf_impl *impl = c->impl;
  nd_fixture f;
  memset(&f, 0, sizeof f);
  zbuf_error err = {0};
  zbuf_impl_ndbuffer *r = NULL;
  int flag = 0;
  zbuf_bench_bind_thread(c, 0);
  zbuf_status s = fixture_make(c, &f, &err);
  if (zbuf_bench_failed(st, s, &err, "set-up (ndbuffer_from_host)")) goto out;
  /* The all_equal_scalar row scans an array that equals its scalar everywhere (a scan that stops early
   * would time nothing); the all_equal row compares two equal arrays for the same reason. */
  if (c->op == OP_ALL_EQUAL_SCALAR) {
    const double fill = 1.5;
    s = impl->ndbuffer_fill(impl, f.b, &fill, &err);
    if (zbuf_bench_failed(st, s, &err, "ndbuffer_fill (set-up)")) goto out;
  }
  if (!__atomic_load_n(&c->checked, __ATOMIC_ACQUIRE)) {
    s = call(c, &f, &r, &flag, &err);
    if (zbuf_bench_failed(st, s, &err, ops[c->op].name)) goto out;
    char why[768];
    verify(c, &f, r, flag, why, sizeof why);
    if (why[0]) {
      zbuf_bench_error(st, "%s: %s", ops[c->op].name, why);
      goto out;
    }
    __atomic_store_n(&c->checked, 1, __ATOMIC_RELEASE);
  }
  int64_t iters = 0;
  double t0 = 0;
  while (zbuf_bench_keep_running(st)) {
    if (iters++ == 0) t0 = zbuf_bench_now();
    s = call(c, &f, NULL, NULL, &err);
    if (s != ZBUF_OK) break;
  }
  double secs = zbuf_bench_now() - t0;
  if (zbuf_bench_failed(st, s, &err, ops[c->op].name)) goto out;
  /* to_host of a host array is a view, not a copy: a latency, not a rate. */
  int quarters = c->op == OP_TO_HOST && c->gpu < 0 ? 0 : ops[c->op].quarters;
  if (quarters)
    zbuf_bench_report_rate(st, c, (double)iters * (double)(f.bytes / 4) * quarters, secs);
  else
    zbuf_bench_counter(st, "size", (double)f.bytes, ZBUF_BENCH_KIB);
out:
  if (r) impl->ndbuffer_release(impl, r);
  fixture_free(impl, &f);
}

/* Whether the table has what a row of op calls, set-up and check included. */
static int op_provided(const zbuf_impl *impl, int op) {
  if (!ZBUF_BENCH_HAS(impl, ndbuffer_from_host) || !ZBUF_BENCH_HAS(impl, ndbuffer_release) ||
      !ZBUF_BENCH_HAS(impl, ndbuffer_info) || !ZBUF_BENCH_HAS(impl, ndbuffer_to_bytes) ||
      !ZBUF_BENCH_HAS(impl, ndbuffer_fill))
    return 0;
  switch (op) {
    case OP_CREATE: return ZBUF_BENCH_HAS(impl, ndbuffer_create);
    case OP_EMPTY: return ZBUF_BENCH_HAS(impl, ndbuffer_empty);
    case OP_TO_HOST: return ZBUF_BENCH_HAS(impl, ndbuffer_to_host);
    case OP_AS_SCALAR: return ZBUF_BENCH_HAS(impl, ndbuffer_as_scalar);
    case OP_RESHAPE: return ZBUF_BENCH_HAS(impl, ndbuffer_reshape);
    case OP_SQUEEZE: return ZBUF_BENCH_HAS(impl, ndbuffer_squeeze);
    case OP_TRANSPOSE: return ZBUF_BENCH_HAS(impl, ndbuffer_transpose);
    case OP_ASTYPE: return ZBUF_BENCH_HAS(impl, ndbuffer_astype);
    case OP_GET_STRIDED: return ZBUF_BENCH_HAS(impl, ndbuffer_get_item);
    case OP_COPY_STRIDED:
      return ZBUF_BENCH_HAS(impl, ndbuffer_get_item) && ZBUF_BENCH_HAS(impl, ndbuffer_copy);
    case OP_SET_STRIDED: return ZBUF_BENCH_HAS(impl, ndbuffer_set_item);
    case OP_SET_SCALAR_STRIDED: return ZBUF_BENCH_HAS(impl, ndbuffer_set_item_scalar);
    case OP_COPY: return ZBUF_BENCH_HAS(impl, ndbuffer_copy);
    case OP_ALL_EQUAL_SCALAR: return ZBUF_BENCH_HAS(impl, ndbuffer_all_equal_scalar);
    case OP_ALL_EQUAL: return ZBUF_BENCH_HAS(impl, ndbuffer_all_equal);
    case OP_DLPACK_ROUND_TRIP:
      return (impl->capabilities & ZBUF_CAP_DLPACK) && ZBUF_BENCH_HAS(impl, ndbuffer_to_dlpack) &&
             ZBUF_BENCH_HAS(impl, ndbuffer_from_dlpack);
    case OP_FROM_BUFFER:
      return ZBUF_BENCH_HAS(impl, ndbuffer_from_buffer) && ZBUF_BENCH_HAS(impl, buffer_from_bytes) &&
             ZBUF_BENCH_HAS(impl, buffer_release);
    case OP_WRAP: return (impl->capabilities & ZBUF_CAP_WRAP) && ZBUF_BENCH_HAS(impl, ndbuffer_wrap);
    default: return 1;
  }
}

static int op_available(zbuf_bench_env *env, int op, size_t size, size_t small, int gpu) {
  if (op == OP_AS_SCALAR && size != small) return 0; /* a one-element array: the size does not matter */
  if (op == OP_WRAP && gpu >= 0) return 0;           /* wrapping device memory is the GPU rows' business */
  if (!op_provided(env->impl, op)) {
    zbuf_bench_note_missing(env, ops[op].name);
    return 0;
  }
  return 1;
}

static void add_device(zbuf_bench_env *env, zbuf_bench_plan *plan, int gpu) {
  size_t sizes[2] = {env->small_size, env->large_size};
  int nsizes = env->large_size > env->small_size ? 2 : 1;
  zbuf_bench_where near = zbuf_bench_env_placed(env) ? ZBUF_BENCH_NEAR : ZBUF_BENCH_ANYWHERE;
  for (int k = 0; k < nsizes; k++)
    for (int op = 0; op < OP_COUNT; op++) {
      if (!op_available(env, op, sizes[k], sizes[0], gpu)) continue;
      zbuf_bench_case c;
      zbuf_bench_op_case(env, &c, body, op, ops[op].name, sizes[k], gpu, near);
      if (gpu < 0 && (op == OP_COPY || op == OP_TO_BYTES || op == OP_FROM_HOST)) {
        zbuf_bench_op_memcpy_baseline(&c);
      } else if (gpu >= 0 && op == OP_COPY) {
        char sz[24], base[ZBUF_BENCH_NAME_MAX];
        snprintf(base, sizeof base, "D2D/cudaMemcpyAsync/device/device/%s", zbuf_bench_size_name(c.size, sz));
        zbuf_bench_case_key(base, 1, c.baseline);
      }
      zbuf_bench_plan_add(plan, &c);
    }
}

void zbuf_bench_plan_ndbuffer_ops(zbuf_bench_env *env, zbuf_bench_plan *plan) {
  if (!env->impl_nd) return;
  if (env->impl_host) add_device(env, plan, -1);
  if (env->impl_cuda) add_device(env, plan, env->opt.gpu);
}
