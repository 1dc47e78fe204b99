/* zbuf-conform: the API clause tests are written against.
 *
 * A clause test proves one clause of conformance/contract/CONTRACT.md against whatever implementation the
 * harness loaded. It sees that implementation only through `ctx->impl` (zbuf/impl.h), never the reference's
 * own API. Tests run in worker processes that each made one entry call (or, with --isolate, each in a process
 * of its own), so a test may crash, hang or leak without harming the harness; the helpers below end the test
 * with a status and a message. A test must not rely on process-wide state left by another test: it sets what
 * it counts on (a counter of callbacks, say) at its start.
 *
 * Writing a test (in conformance/tests/<area>.c; the CMake glob picks the file up):
 *
 *   CONFORM_TEST("BUF-SLICE-002", "", ZBUF_CAP_HOST, buf_slice_shares_memory) {
 *     const zbuf_impl *I = ctx->impl;
 *     CONFORM_NEED_OP(ctx, buffer_slice);
 *     zbuf_impl_buffer *b = conform_buffer_from_bytes(ctx, ctx->dev, "abcdef", 6);
 *     zbuf_impl_buffer *v = NULL;
 *     CONFORM_OK(ctx, I->buffer_slice(I, b, ZBUF_SLICE(1, 4), &v, &ctx->err));
 *     CONFORM_ASSERT_UINT_EQ(ctx, 3, conform_buffer_length(ctx, v));
 *     I->buffer_release(I, v);
 *     I->buffer_release(I, b);
 *   }
 *
 * Test IDs are `CLAUSE[variant]`, or just `CLAUSE` when the variant is empty; they must be unique.
 *
 * Variants and devices. A variant is a label, a device spec, or `label@devices`:
 *   device names: "cpu" (kDLCPU), "gpu" or "cuda" (kDLCUDA 0), "gpu1"/"cuda1" (kDLCUDA 1),
 *                 "pinned" or "cuda_host" (kDLCUDAHost)
 *   device spec:  one name ("gpu") or a pair ("gpu->cpu": ctx->dev is the first, ctx->dev2 the second)
 *   examples:     "" , "cpu", "gpu->cpu", "empty", "f8@pinned", "case-3@gpu->cpu"
 * Devices named by the variant add their capability to needs_caps (cpu: ZBUF_CAP_HOST, gpu: ZBUF_CAP_CUDA,
 * pinned: ZBUF_CAP_CUDA_HOST). Without devices in the variant, ctx->dev and ctx->nd_dev are the devices of
 * the prototype the implementation was configured with (so `ref:gpu` runs plain tests in GPU memory) and
 * ctx->dev2 is the host. Before the test body runs the harness checks, in this order: every needs_caps bit
 * is claimed (else UNSUPPORTED); device_check() is ZBUF_OK for ctx->dev, ctx->nd_dev and ctx->dev2 (else, as
 * CONTRACT.md says, SKIP for ENODEV, a claimed kind whose device is absent here, and UNSUPPORTED for
 * EUNSUPPORTED).
 *
 * Leaks: when the implementation claims ZBUF_CAP_ALLOC_STATS the harness compares alloc_stats() before and
 * after the body and FAILs a test that leaves blocks, bytes or handles behind. A test that must keep
 * something alive on purpose clears ctx->check_leaks and says why in a comment.
 *
 * Outcomes: returning from the body is PASS. conform_fail (and every failed CONFORM_* check) is FAIL,
 * conform_skip SKIP, conform_unsupported UNSUPPORTED, conform_unresolved UNRESOLVED (set-up failed, so the
 * clause could not be judged). A signal, or an exit without a report, is CRASH; running past --timeout is
 * TIMEOUT. These functions do not return. */
#ifndef ZBUF_CONFORM_H
#define ZBUF_CONFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zbuf/impl.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define CONFORM__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CONFORM__NORETURN __attribute__((noreturn))
#else
#define CONFORM__PRINTF(f, a)
#define CONFORM__NORETURN
#endif

/** What a running test knows. Filled by the harness in the child before the body runs. */
typedef struct conform_ctx {
  const zbuf_impl *impl; /* the implementation under test (this child's own entry call) */
  DLDevice host;         /* ordinary host memory, {kDLCPU, 0} */
  DLDevice dev;          /* where the test puts Buffers: the variant's first device, else prototype.buffer */
  DLDevice nd_dev; /* where the test puts NDBuffers: the variant's first device, else prototype.nd_buffer */
  DLDevice dev2;   /* the variant's second device ("a->b"), else the host */
  const char *id;  /* "CLAUSE[variant]" */
  const char *clause;  /* "BUF-COPY-001" */
  const char *variant; /* "" when none */
  const char
      *label; /* the variant's label part ("f8" in "f8@gpu"; the whole variant when it has no devices) */
  const void *data; /* the pointer given to conform_register (data-driven tests), else NULL */
  zbuf_error err;   /* scratch error for the CONFORM_* call macros; reset before every call */
  int check_leaks;  /* 1 (default): FAIL on live allocations left after the body (with ALLOC_STATS) */
} conform_ctx;

/** A test body. */
typedef void (*conform_fn)(conform_ctx *ctx);

/* ---------------------------------------------------------------------------------------------------------
 * Registration */

/** Registers one test `clause[variant]`. Strings are copied; `data` is kept as given and must stay valid for
 * the life of the process (the child inherits it). Callable from constructors (CONFORM_TEST) and from
 * registrars (CONFORM_REGISTRAR). A duplicate ID is reported at start-up and the run refuses to start. */
void conform_register(const char *clause, const char *variant, uint64_t needs_caps, conform_fn fn,
                      const void *data, const char *file, int line);

/** Registers the same body once per entry of a comma-separated variant list ("cpu,gpu,pinned"). */
void conform_register_variants(const char *clause, const char *variants, uint64_t needs_caps, conform_fn fn,
                               const void *data, const char *file, int line);

/** Registers a test that reports UNRESOLVED with `why` when run: for a registrar that could not build its
 * cases (a vector file missing or malformed), so the failure is visible in the results, not silent. */
void conform_register_unresolved(const char *clause, const char *variant, const char *why, const char *file,
                                 int line);

/** A function run once at start-up, after the command line is parsed and before tests are listed or run; it
 * registers data-driven tests (one per golden-vector case, say). */
typedef void (*conform_registrar_fn)(void);
void conform_add_registrar(conform_registrar_fn fn);

/** Folder holding the golden vectors: --vectors DIR, else $ZBUF_CONFORM_VECTORS, else the source tree's
 * conformance/contract/vectors as configured at build time. */
const char *conform_vectors_dir(void);

/** Defines and registers a test; the body follows the macro and receives `conform_ctx *ctx`.
 * clause: "BUF-COPY-001"; variant: "" or see above; needs_caps: ZBUF_CAP_* bits the clause needs;
 * fn: a unique C identifier naming the body. */
#define CONFORM_TEST(clause, variant, needs_caps, fn)                                            \
  static void fn(conform_ctx *ctx);                                                              \
  __attribute__((constructor)) static void conform__register_##fn(void) {                        \
    conform_register((clause), (variant), (uint64_t)(needs_caps), fn, NULL, __FILE__, __LINE__); \
  }                                                                                              \
  static void fn(conform_ctx *ctx)

/** As CONFORM_TEST, registering the body once per variant of a comma-separated list ("cpu,gpu->cpu"). */
#define CONFORM_TEST_VARIANTS(clause, variants, needs_caps, fn)                                            \
  static void fn(conform_ctx *ctx);                                                                        \
  __attribute__((constructor)) static void conform__register_##fn(void) {                                  \
    conform_register_variants((clause), (variants), (uint64_t)(needs_caps), fn, NULL, __FILE__, __LINE__); \
  }                                                                                                        \
  static void fn(conform_ctx *ctx)

/** Defines a registrar (see conform_add_registrar); the body follows the macro. */
#define CONFORM_REGISTRAR(fn)                                                                     \
  static void fn(void);                                                                           \
  __attribute__((constructor)) static void conform__add_##fn(void) { conform_add_registrar(fn); } \
  static void fn(void)

/* ---------------------------------------------------------------------------------------------------------
 * Outcomes (never return) */

void conform_fail(conform_ctx *ctx, const char *fmt, ...) CONFORM__PRINTF(2, 3) CONFORM__NORETURN;
void conform_skip(conform_ctx *ctx, const char *fmt, ...) CONFORM__PRINTF(2, 3) CONFORM__NORETURN;
void conform_unsupported(conform_ctx *ctx, const char *fmt, ...) CONFORM__PRINTF(2, 3) CONFORM__NORETURN;
void conform_unresolved(conform_ctx *ctx, const char *fmt, ...) CONFORM__PRINTF(2, 3) CONFORM__NORETURN;
/** As conform_fail, prefixed with file:line (what the assertion macros use). */
void conform_fail_at(conform_ctx *ctx, const char *file, int line, const char *fmt, ...)
    CONFORM__PRINTF(4, 5) CONFORM__NORETURN;

/** A diagnostic line kept with the result and shown when the test does not pass (not an outcome). */
void conform_note(conform_ctx *ctx, const char *fmt, ...) CONFORM__PRINTF(2, 3);

/* ---------------------------------------------------------------------------------------------------------
 * Status codes */

/** "OK", "EINVAL", ...; "UNKNOWN" for a value outside the pinned set of zbuf/status.h. */
const char *conform_status_name(int status);
/** Whether status is one of the pinned codes (0 .. ZBUF_STATUS_COUNT-1). */
int conform_status_known(int status);
/** Clears an error struct to a sentinel (code -1, empty message), so that filling it can be observed. */
void conform_error_reset(zbuf_error *err);

/** Bit for a status in the masks of CONFORM_STATUS_IN. */
#define CONFORM_MASK(status) (1u << (unsigned)(status))

/* Checkers behind the macros; `expr` is the text of the call, for messages. */
void conform__check_ok(conform_ctx *ctx, const char *file, int line, const char *expr, int status, int setup);
void conform__check_status(conform_ctx *ctx, const char *file, int line, const char *expr, int status,
                           unsigned want_mask);

/** expr (a call that takes &ctx->err) must return ZBUF_OK. Another known code is FAIL (showing its name and
 * message), except ZBUF_EUNSUPPORTED which is UNSUPPORTED: "unsupported is its own answer". A value outside
 * the pinned set is FAIL naming the value. */
#define CONFORM_OK(ctx, expr)                                            \
  do {                                                                   \
    conform_error_reset(&(ctx)->err);                                    \
    int conform__s_ = (int)(expr);                                       \
    conform__check_ok((ctx), __FILE__, __LINE__, #expr, conform__s_, 0); \
  } while (0)

/** As CONFORM_OK for set-up steps that are not what the clause is about: a failure is UNRESOLVED. */
#define CONFORM_SETUP(ctx, expr)                                         \
  do {                                                                   \
    conform_error_reset(&(ctx)->err);                                    \
    int conform__s_ = (int)(expr);                                       \
    conform__check_ok((ctx), __FILE__, __LINE__, #expr, conform__s_, 1); \
  } while (0)

/** expr must fail with exactly `want` (a zbuf_status), be a known code, and fill ctx->err with the same code
 * and a non-empty message. */
#define CONFORM_STATUS(ctx, want, expr)                                                       \
  do {                                                                                        \
    conform_error_reset(&(ctx)->err);                                                         \
    int conform__s_ = (int)(expr);                                                            \
    conform__check_status((ctx), __FILE__, __LINE__, #expr, conform__s_, CONFORM_MASK(want)); \
  } while (0)

/** As CONFORM_STATUS, accepting any status of a mask: CONFORM_MASK(ZBUF_EINVAL) | CONFORM_MASK(ZBUF_ERANGE).
 */
#define CONFORM_STATUS_IN(ctx, mask, expr)                                                  \
  do {                                                                                      \
    conform_error_reset(&(ctx)->err);                                                       \
    int conform__s_ = (int)(expr);                                                          \
    conform__check_status((ctx), __FILE__, __LINE__, #expr, conform__s_, (unsigned)(mask)); \
  } while (0)

/* ---------------------------------------------------------------------------------------------------------
 * Operations an implementation may lack */

/** Whether the table provides op: inside the struct_size the implementation was built with, and not NULL. */
#define CONFORM_HAS_OP(impl, op) \
  (offsetof(zbuf_impl, op) + sizeof((impl)->op) <= (size_t)(impl)->struct_size && (impl)->op != NULL)

/** UNSUPPORTED unless the table provides op. */
#define CONFORM_NEED_OP(ctx, op)                                                           \
  do {                                                                                     \
    if (!CONFORM_HAS_OP((ctx)->impl, op))                                                  \
      conform_unsupported((ctx), "the implementation does not provide operation %s", #op); \
  } while (0)

/** UNSUPPORTED unless every capability bit in caps is claimed. */
void conform_need_caps(conform_ctx *ctx, uint64_t caps);
/** Comma-separated names of capability bits, e.g. "HOST,ND"; writes into out and returns it. */
const char *conform_caps_str(uint64_t caps, char *out, size_t out_size);

/* ---------------------------------------------------------------------------------------------------------
 * Assertions: each FAILs with file:line, the expression, and expected vs seen. By convention the expected
 * value comes first. */

#define CONFORM_ASSERT(ctx, cond)                                                                      \
  do {                                                                                                 \
    if (!(cond)) conform_fail_at((ctx), __FILE__, __LINE__, "expected %s to hold, seen false", #cond); \
  } while (0)

#define CONFORM_ASSERT_INT_EQ(ctx, expected, seen)                                                   \
  do {                                                                                               \
    long long conform__e_ = (long long)(expected), conform__v_ = (long long)(seen);                  \
    if (conform__e_ != conform__v_)                                                                  \
      conform_fail_at((ctx), __FILE__, __LINE__, "%s: expected %lld, seen %lld", #seen, conform__e_, \
                      conform__v_);                                                                  \
  } while (0)

#define CONFORM_ASSERT_UINT_EQ(ctx, expected, seen)                                                  \
  do {                                                                                               \
    unsigned long long conform__e_ = (unsigned long long)(expected);                                 \
    unsigned long long conform__v_ = (unsigned long long)(seen);                                     \
    if (conform__e_ != conform__v_)                                                                  \
      conform_fail_at((ctx), __FILE__, __LINE__, "%s: expected %llu, seen %llu", #seen, conform__e_, \
                      conform__v_);                                                                  \
  } while (0)

#define CONFORM_ASSERT_PTR_EQ(ctx, expected, seen)                                               \
  do {                                                                                           \
    const void *conform__e_ = (const void *)(expected), *conform__v_ = (const void *)(seen);     \
    if (conform__e_ != conform__v_)                                                              \
      conform_fail_at((ctx), __FILE__, __LINE__, "%s: expected %p, seen %p", #seen, conform__e_, \
                      conform__v_);                                                              \
  } while (0)

#define CONFORM_ASSERT_STR_EQ(ctx, expected, seen)                                                       \
  do {                                                                                                   \
    const char *conform__e_ = (expected), *conform__v_ = (seen);                                         \
    if (!conform__v_ || strcmp(conform__e_, conform__v_) != 0)                                           \
      conform_fail_at((ctx), __FILE__, __LINE__, "%s: expected \"%s\", seen \"%s\"", #seen, conform__e_, \
                      conform__v_ ? conform__v_ : "(null)");                                             \
  } while (0)

/** n bytes at seen must equal those at expected (both host memory); the failure shows the first differing
 * offset and a few bytes of each around it. */
#define CONFORM_ASSERT_MEM_EQ(ctx, expected, seen, n) \
  conform__assert_mem_eq((ctx), __FILE__, __LINE__, #seen, (expected), (seen), (size_t)(n))
void conform__assert_mem_eq(conform_ctx *ctx, const char *file, int line, const char *what,
                            const void *expected, const void *seen, size_t n);

#define CONFORM_ASSERT_DEVICE_EQ(ctx, expected, seen)                                      \
  do {                                                                                     \
    DLDevice conform__e_ = (expected), conform__v_ = (seen);                               \
    if (!conform_device_equal(conform__e_, conform__v_))                                   \
      conform_fail_at((ctx), __FILE__, __LINE__, "%s: expected device %s, seen %s", #seen, \
                      conform_device_name(conform__e_), conform_device_name(conform__v_)); \
  } while (0)

/* ---------------------------------------------------------------------------------------------------------
 * Devices, aliasing, leaks */

/** "cpu", "cuda", "cuda:1", "cuda_host", or "device(type=T,id=I)"; a static string per distinct value. */
const char *conform_device_name(DLDevice device);
int conform_device_equal(DLDevice a, DLDevice b);
/** Whether the CPU can read memory of this device directly (kDLCPU, kDLCUDAHost). */
int conform_device_is_host(DLDevice device);

/** Records whether operation `op` (e.g. "buffer_from_buffer") returned memory sharing its input's, for the
 * memory kind `memory` (conform_device_name(), or a pair "cpu->cuda"). The harness prints the aliasing matrix
 * of all tests (ALIAS, COPY, MIXED when tests disagree, n/a when none observed) and writes it to the JSON. */
void conform_observe_alias(conform_ctx *ctx, const char *op, const char *memory, int aliased);

/** Live-allocation probe. begin() records alloc_stats (nothing when ALLOC_STATS is not claimed); check()
 * FAILs when the counters differ, naming `what` and the differences. The harness already does this around
 * the whole body; use the probe for a step inside a test. */
typedef struct conform_leak_probe {
  int active;
  zbuf_alloc_stats before;
} conform_leak_probe;
void conform_leak_begin(conform_ctx *ctx, conform_leak_probe *probe);
void conform_leak_check(conform_ctx *ctx, conform_leak_probe *probe, const char *what);

/* ---------------------------------------------------------------------------------------------------------
 * Set-up shortcuts. Each calls the implementation through ctx->impl; a failure is UNRESOLVED (or UNSUPPORTED
 * for EUNSUPPORTED / a missing operation), because they prepare the test rather than judge the clause. */

/** A Buffer in `device` holding a copy of n host bytes (buffer_from_bytes). */
zbuf_impl_buffer *conform_buffer_from_bytes(conform_ctx *ctx, DLDevice device, const void *data, size_t n);
/** Length of a Buffer (buffer_info). */
size_t conform_buffer_length(conform_ctx *ctx, const zbuf_impl_buffer *buf);
/** Address of a Buffer's bytes (buffer_info); never copies. */
void *conform_buffer_data(conform_ctx *ctx, const zbuf_impl_buffer *buf);
/** Copies a Buffer's bytes into host memory dst (buffer_to_bytes); its length must be n (FAIL otherwise). */
void conform_buffer_read(conform_ctx *ctx, const zbuf_impl_buffer *buf, void *dst, size_t n);
/** An NDBuffer in `device` copied from a C-contiguous host array (ndbuffer_from_host). */
zbuf_impl_ndbuffer *conform_nd_from_host(conform_ctx *ctx, DLDevice device, const void *data, size_t ndim,
                                         const int64_t *shape, const char *dtype);
/** ndbuffer_info of a (UNRESOLVED when it fails). */
zbuf_impl_ndinfo conform_nd_info(conform_ctx *ctx, const zbuf_impl_ndbuffer *a);
/** Copies a's elements in C order into host memory dst of n bytes (ndbuffer_to_bytes). */
void conform_nd_read(conform_ctx *ctx, const zbuf_impl_ndbuffer *a, void *dst, size_t n);

/* ---------------------------------------------------------------------------------------------------------
 * Threads (THREAD clauses) */

/** A worker body: index is 0 .. nthreads-1; arg is what conform_threads_run was given. A worker may call the
 * outcome functions and CONFORM_* checks: the first outcome ends the whole test. */
typedef void (*conform_thread_fn)(conform_ctx *ctx, int index, void *arg);

/** Starts nthreads threads running fn, released together by a barrier so that they overlap, and joins them.
 * A failure to start a thread is UNRESOLVED. A deadlock among them shows up as TIMEOUT. */
void conform_threads_run(conform_ctx *ctx, int nthreads, conform_thread_fn fn, void *arg);

/** Seconds a THREAD clause's loop may run before it stops short of the contract's iteration count, once it
 * has done a minimum (zbuf-conform --thread-budget; default 0.5). */
double conform_thread_budget_s(void);

/** Fills dst with n deterministic, seed-dependent, non-repeating-looking bytes. */
void conform_fill_pattern(void *dst, size_t n, unsigned seed);

#ifdef __cplusplus
}
#endif
#endif
