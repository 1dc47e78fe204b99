/* The Python adapter's own driver: loads libzbuf_pyadapter.so the way any host does (dlopen, RTLD_LOCAL, the
 * entry symbol), configures it for one prototype and checks, concern by concern, that Zarr-Python's behaviour
 * comes through unchanged: bytes, aliasing of views, lifetime of wrapped memory, exception mapping, n-d
 * metadata, DLPack, threads, handle accounting, warnings and unusable GPU prototypes.
 *
 * usage: pyadapter_smoke PLUGIN MODULE:ATTR   (ZBUF_PYTHON names the venv; exit 77 when it is unset) */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zbuf/impl.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                         \
  do {                                                           \
    checks++;                                                    \
    if (!(cond)) {                                               \
      failures++;                                                \
      printf("not ok - %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      printf(__VA_ARGS__);                                       \
      printf("\n");                                              \
    }                                                            \
  } while (0)

/* A call that must succeed; prints the adapter's message when it does not. */
#define OK(call)                                                                      \
  do {                                                                                \
    zbuf_error e_ = {0};                                                              \
    zbuf_status s_ = (call);                                                          \
    CHECK(s_ == ZBUF_OK, "%s returned %d: %s", #call, (int)s_, s_ ? e_.message : ""); \
  } while (0)

static const zbuf_impl *I;
static const DLDevice cpu = {kDLCPU, 0};
static int released = 0;

static void on_release(void *data, void *ctx) {
  (void)data;
  (void)ctx;
  __atomic_add_fetch(&released, 1, __ATOMIC_SEQ_CST);
}

static void test_entry_errors(zbuf_impl_entry_fn entry) {
  const zbuf_impl *t = NULL;
  zbuf_error err = {0};
  CHECK(entry(99, "zarr.buffer.cpu:buffer_prototype", &t, &err) == ZBUF_EUNSUPPORTED, "ABI 99 refused");
  CHECK(entry(ZBUF_IMPL_ABI_VERSION, "no_such_module_zbuf:x", &t, &err) == ZBUF_EINVAL, "%s", err.message);
  CHECK(strstr(err.message, "no_such_module_zbuf") != NULL, "message names the module: %s", err.message);
  CHECK(entry(ZBUF_IMPL_ABI_VERSION, "zarr.buffer", &t, &err) == ZBUF_EINVAL, "%s", err.message);
}

static void test_bytes_and_views(void) {
  const unsigned char data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  zbuf_impl_buffer *b = NULL, *s = NULL, *v = NULL;
  zbuf_error e = {0};
  OK(I->buffer_from_bytes(I, cpu, data, sizeof data, &b, &e_));
  if (!b) return;
  unsigned char back[8] = {0};
  OK(I->buffer_to_bytes(I, b, back, sizeof back, &e_));
  CHECK(memcmp(back, data, 8) == 0, "bytes round-trip");
  CHECK(I->buffer_to_bytes(I, b, back, 4, &e) == ZBUF_EINVAL, "short dst: %s", e.message);

  /* A slice is a view: its address is inside the buffer, and writes through it show in the buffer. */
  void *base = NULL, *view = NULL;
  size_t n = 0;
  DLDevice d;
  OK(I->buffer_info(I, b, &base, &n, &d, &e_));
  CHECK(n == 8 && d.device_type == kDLCPU, "length %zu device %d", n, (int)d.device_type);
  OK(I->buffer_slice(I, b, ZBUF_SLICE(2, 6), &s, &e_));
  OK(I->buffer_info(I, s, &view, &n, &d, &e_));
  CHECK(view == (char *)base + 2 && n == 4, "slice at %p+2 is %p, length %zu", base, view, n);
  const unsigned char nines[4] = {9, 9, 9, 9};
  OK(I->buffer_from_bytes(I, cpu, nines, 4, &v, &e_));
  OK(I->buffer_set_slice(I, s, ZBUF_SLICE(0, 4), v, &e_));
  OK(I->buffer_to_bytes(I, b, back, sizeof back, &e_));
  CHECK(back[2] == 9 && back[5] == 9 && back[6] == 7, "write through the slice shows in the buffer");

  /* Zarr's own errors, mapped by exception class and keeping its text. */
  zbuf_impl_buffer *bad = NULL;
  CHECK(I->buffer_slice(I, b, ZBUF_SLICE_STEP(0, 8, 2), &bad, &e) == ZBUF_EINVAL, "step 2: %s", e.message);
  CHECK(strstr(e.message, "ValueError") && strstr(e.message, "contiguous"), "message: %s", e.message);

  zbuf_impl_buffer *parts[2] = {b, v}, *c = NULL;
  OK(I->buffer_combine(I, (const zbuf_impl_buffer *const *)parts, 2, &c, &e_));
  size_t cn = 0;
  OK(I->buffer_info(I, c, NULL, &cn, NULL, &e_));
  CHECK(cn == 12, "combined length %zu", cn);
  CHECK(I->buffer_combine(I, NULL, 0, &bad, &e) == ZBUF_EINVAL, "no parts: %s", e.message);
  int equal = 0;
  OK(I->buffer_equal(I, b, b, &equal, &e_));
  CHECK(equal, "a buffer equals itself");
  I->buffer_release(I, c);
  I->buffer_release(I, v);
  I->buffer_release(I, s);
  I->buffer_release(I, b);
}

static void test_wrap_lifetime(void) {
  static unsigned char memory[16] = {42};
  zbuf_impl_buffer *b = NULL, *s = NULL;
  released = 0;
  OK(I->buffer_wrap(I, cpu, memory, sizeof memory, on_release, NULL, &b, &e_));
  if (!b) return;
  void *p = NULL;
  OK(I->buffer_info(I, b, &p, NULL, NULL, &e_));
  CHECK(p == memory, "wrap does not copy: %p vs %p", p, (void *)memory);
  OK(I->buffer_slice(I, b, ZBUF_SLICE(4, 8), &s, &e_));
  I->buffer_release(I, b);
  CHECK(released == 0, "a slice keeps wrapped memory alive (released %d)", released);
  I->buffer_release(I, s);
  CHECK(released == 1, "released once after the last view (released %d)", released);
}

static void test_ndbuffer(int has_empty) {
  const int64_t shape[2] = {2, 3};
  const double fill = 1.5;
  zbuf_impl_ndbuffer *a = NULL, *t = NULL, *bad = NULL, *g = NULL;
  zbuf_error e = {0};
  OK(I->ndbuffer_create(I, cpu, 2, shape, "<f8", ZBUF_ORDER_C, &fill, &a, &e_));
  if (!a) return;
  int equal = 0;
  OK(I->ndbuffer_all_equal_scalar(I, a, &fill, 1, &equal, &e_));
  CHECK(equal, "created with fill 1.5");
  zbuf_impl_ndinfo info, tinfo;
  OK(I->ndbuffer_info(I, a, &info, &e_));
  CHECK(info.ndim == 2 && info.shape[1] == 3 && info.strides[0] == 24 && strcmp(info.dtype, "<f8") == 0,
        "info %s ndim %d", info.dtype, info.ndim);
  OK(I->ndbuffer_transpose(I, a, 0, NULL, &t, &e_));
  OK(I->ndbuffer_info(I, t, &tinfo, &e_));
  CHECK(tinfo.data == info.data && tinfo.strides[0] == 8 && tinfo.strides[1] == 24, "transpose is a view");

  const int64_t axes[2] = {0, 5}, four = 4;
  CHECK(I->ndbuffer_transpose(I, a, 2, axes, &bad, &e) == ZBUF_ERANGE, "axis 5: %s", e.message);
  CHECK(strstr(e.message, "AxisError") != NULL, "NumPy's AxisError (ValueError and IndexError): %s",
        e.message);
  CHECK(I->ndbuffer_reshape(I, a, 1, &four, &bad, &e) == ZBUF_EINVAL, "reshape 6 -> 4: %s", e.message);
  CHECK(I->ndbuffer_astype(I, a, "no-such-dtype", &bad, &e) == ZBUF_ETYPE, "bad dtype: %s", e.message);

  /* a[1, 1:3] = 7.0, seen through a[1, 1:3] as a view and through to_bytes. */
  zbuf_index idx[2] = {ZBUF_AT(1), ZBUF_RANGE(ZBUF_SLICE(1, 3))};
  const double seven = 7.0;
  OK(I->ndbuffer_get_item(I, a, 2, idx, &g, &e_));
  OK(I->ndbuffer_set_item_scalar(I, a, 2, idx, &seven, &e_));
  OK(I->ndbuffer_all_equal_scalar(I, g, &seven, 0, &equal, &e_));
  CHECK(equal, "the selection is a view of a");
  double all[6] = {0};
  OK(I->ndbuffer_to_bytes(I, a, all, sizeof all, &e_));
  CHECK(all[0] == 1.5 && all[4] == 7.0 && all[5] == 7.0, "to_bytes %g %g %g", all[0], all[4], all[5]);
  zbuf_index one[2] = {ZBUF_AT(0), ZBUF_RANGE(ZBUF_SLICE(0, 1))};
  zbuf_impl_ndbuffer *s = NULL;
  double scalar = 0;
  OK(I->ndbuffer_get_item(I, a, 2, one, &s, &e_));
  OK(I->ndbuffer_as_scalar(I, s, &scalar, sizeof scalar, &e_));
  CHECK(scalar == 1.5, "as_scalar %g", scalar);
  CHECK(I->ndbuffer_as_scalar(I, a, &scalar, sizeof scalar, &e) == ZBUF_EINVAL, "6 elements: %s", e.message);
  zbuf_impl_ndbuffer *h = NULL;
  OK(I->ndbuffer_to_host(I, a, &h, &e_));
  memset(all, 0, sizeof all);
  if (h) OK(I->ndbuffer_to_bytes(I, h, all, sizeof all, &e_));
  CHECK(all[5] == 7.0, "to_host keeps the values (%g)", all[5]);
  I->ndbuffer_release(I, h);

  /* DLPack out and back in: the same memory. */
  DLManagedTensor *mt = NULL;
  zbuf_impl_ndbuffer *back = NULL;
  OK(I->ndbuffer_to_dlpack(I, a, &mt, &e_));
  if (mt) {
    CHECK(mt->dl_tensor.ndim == 2 && mt->dl_tensor.shape[1] == 3, "DLPack shape");
    OK(I->ndbuffer_from_dlpack(I, mt, &back, &e_));
    zbuf_impl_ndinfo binfo;
    OK(I->ndbuffer_info(I, back, &binfo, &e_));
    CHECK(binfo.data == info.data, "DLPack round trip shares memory");
    /* The ABI's tensor carries no read-only flag: the imported array must be writable. */
    OK(I->ndbuffer_fill(I, back, &fill, &e_));
    I->ndbuffer_release(I, back);
  }
  CHECK((I->ndbuffer_empty != NULL) == has_empty, "ndbuffer_empty present iff NDBuffer.empty exists");
  I->ndbuffer_release(I, s);
  I->ndbuffer_release(I, g);
  I->ndbuffer_release(I, t);
  I->ndbuffer_release(I, a);
}

/* Threads: each makes, compares and releases buffers; the last one releases a handle made on another thread.
 */
static zbuf_impl_buffer *shared_buffer;
static void *worker(void *arg) {
  long id = (long)arg;
  unsigned char bytes[64];
  memset(bytes, (int)id, sizeof bytes);
  for (int i = 0; i < 200; i++) {
    zbuf_impl_buffer *b = NULL;
    int equal = 0;
    if (I->buffer_from_bytes(I, cpu, bytes, sizeof bytes, &b, NULL) != ZBUF_OK) return (void *)1;
    if (I->buffer_equal(I, b, b, &equal, NULL) != ZBUF_OK || !equal) return (void *)1;
    I->buffer_release(I, b);
  }
  if (id == 0) I->buffer_release(I, shared_buffer);
  return NULL;
}

static void test_threads(void) {
  OK(I->buffer_from_bytes(I, cpu, "x", 1, &shared_buffer, &e_));
  pthread_t th[4];
  for (long i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, (void *)i);
  for (int i = 0; i < 4; i++) {
    void *r = NULL;
    pthread_join(th[i], &r);
    CHECK(r == NULL, "thread %d failed", i);
  }
}

static void test_unusable(void) {
  zbuf_error e = {0};
  CHECK(!(I->capabilities & (ZBUF_CAP_HOST | ZBUF_CAP_CUDA)), "an unusable prototype claims no memory kind");
  CHECK(I->prototype.buffer.device_type == kDLCUDA, "the GPU prototype is recognised as CUDA");
  zbuf_status st = I->device_check(I, (DLDevice){kDLCUDA, 0}, &e);
  CHECK(st == ZBUF_EUNSUPPORTED || st == ZBUF_ENODEV, "device_check: %d %s", (int)st, e.message);
  printf("# device_check(kDLCUDA): %s\n", e.message);
}

static void test_warnings(const char *path) {
  zbuf_impl_buffer *b = NULL;
  OK(I->buffer_from_bytes(I, cpu, "abc", 3, &b, &e_));
  I->buffer_release(I, b);
  FILE *f = fopen(path, "r");
  char line[2048] = "";
  CHECK(f && fgets(line, sizeof line, f), "a warning line in %s", path);
  CHECK(strstr(line, "\"op\": \"buffer_from_bytes\"") && strstr(line, "UserWarning"), "line: %s", line);
  if (f) fclose(f);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: pyadapter_smoke PLUGIN MODULE:ATTR\n");
    return 2;
  }
  if (!getenv("ZBUF_PYTHON")) {
    fprintf(stderr, "SKIP: ZBUF_PYTHON is unset; create the venvs with scripts/setup-zarr\n");
    return 77;
  }
  char warnings_path[] = "/tmp/zbuf-pyadapter-warnings-XXXXXX";
  int fd = mkstemp(warnings_path);
  if (fd >= 0) close(fd);
  setenv("ZBUF_PYADAPTER_WARNINGS", warnings_path, 1); /* before Python starts: os.environ is read once */

  /* RTLD_LOCAL on purpose: the adapter must make libpython global itself for NumPy's extension modules. */
  void *dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!dl) {
    printf("not ok - dlopen: %s\n", dlerror());
    return 1;
  }
  zbuf_impl_entry_fn entry;
  void *sym = dlsym(dl, ZBUF_IMPL_ENTRY_SYMBOL);
  memcpy(&entry, &sym, sizeof entry);
  zbuf_error err = {0};
  zbuf_status st = entry ? entry(ZBUF_IMPL_ABI_VERSION, argv[2], &I, &err) : ZBUF_EINTERNAL;
  if (st != ZBUF_OK) {
    printf("not ok - entry(%s): %d %s\n", argv[2], (int)st, err.message);
    return 1;
  }
  printf("# %s %s\n# %s\n", I->name, I->version, I->description);
  test_entry_errors(entry);
  if (!(I->capabilities & ZBUF_CAP_HOST)) {
    test_unusable();
  } else {
    const char *has_empty = strstr(I->version, "zarr 3.0") ? "" : "y";
    test_bytes_and_views();
    test_wrap_lifetime();
    test_ndbuffer(has_empty[0] != '\0');
    test_threads();
    zbuf_impl_prototype p;
    OK(I->default_prototype(I, &p, &e_));
    CHECK(p.buffer.device_type == kDLCPU && p.nd_buffer.device_type == kDLCPU,
          "default prototype on the host");
    zbuf_alloc_stats stats;
    OK(I->alloc_stats(I, &stats, &e_));
    CHECK(stats.handles == 0 && stats.bytes == -1, "handles %lld bytes %lld", (long long)stats.handles,
          (long long)stats.bytes);
    if (strncmp(argv[2], "user_prototype:", 15) == 0) test_warnings(warnings_path);
  }
  I->shutdown(I);
  remove(warnings_path);
  printf("%d passed, %d failed\n", checks - failures, failures);
  fflush(stdout);
  /* _exit, as zbuf-conform's test children do: the embedded interpreter is never finalised (releases may come
   * from any thread until the end), so a leak checker at exit would list every live Python object. Our own
   * leaks are what the handle count above checks. */
  _exit(failures ? 1 : 0);
}
