/* zbuf conformance: the golden vectors (conformance/contract/vectors/<op>.json, format in vectors/FORMAT.md).
 *
 * A registrar reads every <op>.json of conform_vectors_dir() and registers one test per case: ID and clause
 * are the case's own, the case object is the test's data. A file that is missing, unreadable or malformed
 * registers one UNRESOLVED test naming the file and the problem, so a broken vector set is never a silent
 * pass. This file also holds what every case needs to read its JSON and to judge the implementation's
 * results; vectors_ops.c runs the operations. */
#include "vectors.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

/* Every op of FORMAT.md, with the clause a missing or broken file is reported under (the op's main clause).
 */
static const struct {
  const char *op;
  const char *clause;
} vx_ops[] = {{"create_fill", "ND-SEM-001"}, {"reshape", "ND-SEM-005"},   {"squeeze", "ND-SEM-006"},
              {"astype", "ND-SEM-007"},      {"transpose", "ND-SEM-010"}, {"getitem", "ND-SEM-011"},
              {"setitem", "ND-SEM-012"},     {"all_equal", "ND-SEM-014"}, {"byteorder", "ND-SEM-018"},
              {"order", "ND-SEM-004"},       {"as_scalar", "ND-SEM-019"}};
enum { VX_NOPS = sizeof vx_ops / sizeof vx_ops[0] };

#define VX_FORMAT "zbuf-vectors/1"

/* The parsed vector files, kept reachable for the life of the process (the registered cases point into them),
 * so that LeakSanitizer does not report them as leaks at exit. */
static cJSON *vx_docs[VX_NOPS];

/* ---------------------------------------------------------------------------------------------------------
 * Registration */

static char *vx_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (!d) abort();
  memcpy(d, s, n);
  return d;
}

/* Reads a whole file; NULL with errno set when it cannot. */
static char *vx_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *text = malloc(cap);
  while (text) {
    n += fread(text + n, 1, cap - n - 1, f);
    if (ferror(f) || feof(f)) break;
    char *bigger = realloc(text, cap * 2);
    if (!bigger) free(text);
    text = bigger;
    cap *= 2;
  }
  int failed = !text || ferror(f);
  fclose(f);
  if (failed) {
    free(text);
    errno = EIO;
    return NULL;
  }
  text[n] = '\0';
  return text;
}

/* Registers one case; a case without a usable id or clause becomes an UNRESOLVED test of its own. */
static void vx_register_case(const char *op, const char *file, const char *file_clause, const cJSON *c,
                             int n) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
  const cJSON *clause = cJSON_GetObjectItemCaseSensitive(c, "clause");
  char fallback[96];
  snprintf(fallback, sizeof fallback, "vectors-%s-case-%d", op, n);
  if (!cJSON_IsObject(c) || !cJSON_IsString(id) || !cJSON_IsString(clause) || !clause->valuestring[0]) {
    char why[256];
    snprintf(why, sizeof why, "%s: case %d has no string \"id\" and \"clause\"", file, n);
    conform_register_unresolved(
        cJSON_IsString(clause) && clause->valuestring[0] ? clause->valuestring : file_clause, fallback, why,
        __FILE__, __LINE__);
    return;
  }
  /* The id is the clause plus a bracketed variant: that variant is the test's. */
  const char *cl = clause->valuestring, *s = id->valuestring;
  size_t nc = strlen(cl), ns = strlen(s);
  /* The first bracket, space or comma after the opening bracket must be the closing one, at the end. */
  if (ns < nc + 3 || strncmp(s, cl, nc) != 0 || s[nc] != '[' || strpbrk(s + nc + 1, "[], ") != s + ns - 1 ||
      s[ns - 1] != ']') {
    char why[512];
    snprintf(why, sizeof why, "%s: case %d: id \"%s\" is not \"%s[variant]\" (FORMAT.md)", file, n, s, cl);
    conform_register_unresolved(cl, fallback, why, __FILE__, __LINE__);
    return;
  }
  char *variant = vx_strdup(s + nc + 1);
  variant[ns - nc - 2] = '\0';
  vx_case *vc = malloc(sizeof *vc);
  if (!vc) abort();
  vc->op = op;
  vc->file = file;
  vc->json = c;
  conform_register(cl, variant, ZBUF_CAP_ND, vx_case_body, vc, __FILE__, __LINE__);
  free(variant);
}

/* Reads one <op>.json and registers its cases, or one UNRESOLVED test saying what is wrong with the file. */
static void vx_register_file(const char *dir, const char *op, const char *clause) {
  char path[4096], variant[96], why[4400];
  char *file = malloc(strlen(op) + 6);
  if (!file) abort();
  sprintf(file, "%s.json", op);
  snprintf(path, sizeof path, "%s/%s", dir, file);
  snprintf(variant, sizeof variant, "vectors-%s", op);
  char *text = vx_read_file(path);
  if (!text) {
    snprintf(why, sizeof why, "golden vector file %s cannot be read: %s", path, strerror(errno));
    conform_register_unresolved(clause, variant, why, __FILE__, __LINE__);
    free(file);
    return;
  }
  /* The parsed document is never freed: the registered cases point into it for the life of the process. */
  cJSON *doc = cJSON_Parse(text);
  if (!doc) {
    const char *at = cJSON_GetErrorPtr();
    snprintf(why, sizeof why, "golden vector file %s is not valid JSON (near byte %ld: \"%.24s\")", path,
             at ? (long)(at - text) : -1L, at ? at : "");
    free(text);
    free(file);
    conform_register_unresolved(clause, variant, why, __FILE__, __LINE__);
    return;
  }
  free(text);
  const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
  const cJSON *fop = cJSON_GetObjectItemCaseSensitive(doc, "op");
  const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
  if (!cJSON_IsString(format) || strcmp(format->valuestring, VX_FORMAT) != 0) {
    snprintf(why, sizeof why, "golden vector file %s: \"format\" is %s%s%s, this harness reads \"%s\"", path,
             cJSON_IsString(format) ? "\"" : "", cJSON_IsString(format) ? format->valuestring : "missing",
             cJSON_IsString(format) ? "\"" : "", VX_FORMAT);
  } else if (!cJSON_IsString(fop) || strcmp(fop->valuestring, op) != 0) {
    snprintf(why, sizeof why, "golden vector file %s: \"op\" must be \"%s\"", path, op);
  } else if (!cJSON_IsArray(cases) || cJSON_GetArraySize(cases) == 0) {
    snprintf(why, sizeof why, "golden vector file %s: \"cases\" must be a non-empty list", path);
  } else {
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) vx_register_case(op, file, clause, c, n++);
    for (size_t i = 0; i < VX_NOPS; i++)
      if (!vx_docs[i]) {
        vx_docs[i] = doc;
        break;
      }
    return;
  }
  cJSON_Delete(doc);
  free(file);
  conform_register_unresolved(clause, variant, why, __FILE__, __LINE__);
}

CONFORM_REGISTRAR(vx_register_vectors) {
  const char *dir = conform_vectors_dir();
  for (size_t i = 0; i < VX_NOPS; i++) vx_register_file(dir, vx_ops[i].op, vx_ops[i].clause);
  /* A vector file for an op this harness does not know would otherwise be ignored without a word. */
  DIR *d = opendir(dir);
  if (!d) return; /* every known file already reported itself as unreadable */
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    int known = 0;
    for (size_t i = 0; i < VX_NOPS; i++)
      known |= strlen(vx_ops[i].op) == n - 5 && strncmp(vx_ops[i].op, e->d_name, n - 5) == 0;
    if (known) continue;
    char why[4400], variant[300];
    snprintf(why, sizeof why,
             "golden vector file %s/%s names an op this harness does not run (FORMAT.md lists "
             "the ops of %s)",
             dir, e->d_name, VX_FORMAT);
    snprintf(variant, sizeof variant, "vectors-unknown-%.*s", (int)(n - 5), e->d_name);
    conform_register_unresolved("ND-SEM-022", variant, why, __FILE__, __LINE__);
  }
  closedir(d);
}

/* ---------------------------------------------------------------------------------------------------------
 * Scratch memory and handles */

void *vx_alloc(vx_run *r, size_t n) {
  if (r->nallocs == sizeof r->allocs / sizeof r->allocs[0])
    conform_unresolved(r->ctx, "vector runner: more than %zu scratch blocks", r->nallocs);
  void *p = calloc(1, n ? n : 1);
  if (!p) conform_unresolved(r->ctx, "vector runner: calloc(%zu) failed", n);
  r->allocs[r->nallocs++] = p;
  return p;
}

zbuf_impl_ndbuffer *vx_keep(vx_run *r, zbuf_impl_ndbuffer *h) {
  if (!h) return NULL;
  if (r->nhandles == sizeof r->handles / sizeof r->handles[0])
    conform_unresolved(r->ctx, "vector runner: more than %zu handles", r->nhandles);
  r->handles[r->nhandles++] = h;
  return h;
}

void vx_run_end(vx_run *r) {
  const zbuf_impl *I = r->ctx->impl;
  while (r->nhandles) I->ndbuffer_release(I, r->handles[--r->nhandles]);
  while (r->nallocs) free(r->allocs[--r->nallocs]);
}

/* ---------------------------------------------------------------------------------------------------------
 * Reading a case */

void vx_malformed(vx_run *r, const char *fmt, ...) {
  char text[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  conform_unresolved(r->ctx, "golden vector %s in %s is malformed: %s", r->ctx->id, r->vc->file, text);
}

const cJSON *vx_member(vx_run *r, const cJSON *obj, const char *key) {
  const cJSON *m = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
  if (!m) vx_malformed(r, "member \"%s\" is missing", key);
  return m;
}

const char *vx_string(vx_run *r, const cJSON *obj, const char *key) {
  const cJSON *m = vx_member(r, obj, key);
  if (!cJSON_IsString(m)) vx_malformed(r, "member \"%s\" must be a string", key);
  return m->valuestring;
}

int64_t vx_int(vx_run *r, const cJSON *item, const char *what) {
  if (!cJSON_IsNumber(item)) vx_malformed(r, "%s must be an integer", what);
  double d = item->valuedouble;
  /* Integers from -2^63 to just below 2^63; doubles there convert exactly. */
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || (double)(int64_t)d != d)
    vx_malformed(r, "%s = %g is not an int64 integer", what, d);
  return (int64_t)d;
}

size_t vx_int_list(vx_run *r, const cJSON *arr, const char *what, int64_t **out) {
  if (!cJSON_IsArray(arr)) vx_malformed(r, "%s must be a list of integers", what);
  size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
  int64_t *v = vx_alloc(r, n * sizeof *v);
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) v[i++] = vx_int(r, e, what);
  *out = n ? v : NULL;
  return n;
}

static int vx_nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t vx_hex(vx_run *r, const cJSON *item, const char *what, unsigned char **out) {
  if (!cJSON_IsString(item)) vx_malformed(r, "%s must be a hex string", what);
  const char *s = item->valuestring;
  size_t len = strlen(s);
  if (len % 2) vx_malformed(r, "%s has an odd number of hex digits (%zu)", what, len);
  unsigned char *b = vx_alloc(r, len / 2);
  for (size_t i = 0; i < len / 2; i++) {
    int hi = vx_nibble(s[2 * i]), lo = vx_nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) vx_malformed(r, "%s has a non-hex character at %zu", what, 2 * i);
    b[i] = (unsigned char)(hi << 4 | lo);
  }
  *out = b;
  return len / 2;
}

/* A slice part: a JSON integer, or null for Python's None. */
static int vx_slice_part(vx_run *r, const cJSON *s, const char *key, int64_t *v) {
  const cJSON *m = vx_member(r, s, key);
  if (cJSON_IsNull(m)) return 0;
  *v = vx_int(r, m, key);
  return 1;
}

size_t vx_index(vx_run *r, const cJSON *arr, const char *what, zbuf_index **out) {
  if (!cJSON_IsArray(arr)) vx_malformed(r, "%s must be a list of integers and slices", what);
  size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
  zbuf_index *idx = vx_alloc(r, n * sizeof *idx);
  const cJSON *e;
  cJSON_ArrayForEach(e, arr) {
    if (cJSON_IsObject(e)) {
      zbuf_slice s = ZBUF_SLICE_ALL;
      if (vx_slice_part(r, e, "start", &s.start)) s.given |= ZBUF_SLICE_HAS_START;
      if (vx_slice_part(r, e, "stop", &s.stop)) s.given |= ZBUF_SLICE_HAS_STOP;
      if (vx_slice_part(r, e, "step", &s.step)) s.given |= ZBUF_SLICE_HAS_STEP;
      idx[i++] = ZBUF_RANGE(s);
    } else {
      idx[i++] = ZBUF_AT(vx_int(r, e, what));
    }
  }
  *out = n ? idx : NULL;
  return n;
}

int vx_dtype_parse(const char *s, vx_dtype *d) {
  if (!s || strlen(s) < 3 || !strchr("<>|=", s[0]) || !strchr("biufc", s[1])) return -1;
  char *end;
  long size = strtol(s + 2, &end, 10);
  if (*end || size <= 0) return -1;
  d->order = s[0];
  d->kind = s[1];
  d->size = (size_t)size;
  switch (d->kind) {
    case 'b': return size == 1 ? 0 : -1;
    case 'i':
    case 'u': return size == 1 || size == 2 || size == 4 || size == 8 ? 0 : -1;
    case 'f': return size == 2 || size == 4 || size == 8 ? 0 : -1;
    default: return size == 8 || size == 16 ? 0 : -1;
  }
}

vx_dtype vx_dtype_of(vx_run *r, const char *s, const char *what) {
  vx_dtype d;
  if (vx_dtype_parse(s, &d) != 0) vx_malformed(r, "%s \"%s\" is not a supported dtype", what, s);
  return d;
}

zbuf_status vx_status(vx_run *r, const char *name) {
  for (int s = 1; s < ZBUF_STATUS_COUNT; s++)
    if (strcmp(conform_status_name(s), name) == 0) return (zbuf_status)s;
  vx_malformed(r, "expect.error \"%s\" is not a zbuf status name", name);
}

/* ---------------------------------------------------------------------------------------------------------
 * Building inputs */

size_t vx_count(size_t ndim, const int64_t *shape) {
  size_t n = 1;
  for (size_t i = 0; i < ndim; i++) n *= (size_t)shape[i];
  return n;
}

/* NumPy's contiguity flags: axes of extent 1 are ignored and a zero-size array is both. */
static int vx_contiguous(const zbuf_impl_ndinfo *in, size_t itemsize, int fortran) {
  int64_t want = (int64_t)itemsize;
  for (int32_t k = 0; k < in->ndim; k++)
    if (in->shape[k] == 0) return 1;
  for (int32_t j = 0; j < in->ndim; j++) {
    int32_t k = fortran ? j : in->ndim - 1 - j;
    if (in->shape[k] == 1) continue;
    if (in->strides[k] != want) return 0;
    want *= in->shape[k];
  }
  return 1;
}

zbuf_impl_ndbuffer *vx_build(vx_run *r, const cJSON *rec, int allow_view) {
  conform_ctx *ctx = r->ctx;
  const zbuf_impl *I = ctx->impl;
  if (!cJSON_IsObject(rec)) vx_malformed(r, "an array record must be an object");
  const char *dtype = vx_string(r, rec, "dtype");
  vx_dtype dt = vx_dtype_of(r, dtype, "array dtype");
  int64_t *shape;
  size_t ndim = vx_int_list(r, vx_member(r, rec, "shape"), "shape", &shape);
  unsigned char *data;
  size_t n = vx_hex(r, vx_member(r, rec, "data"), "data", &data);
  if (n != vx_count(ndim, shape) * dt.size)
    vx_malformed(r, "data holds %zu bytes, shape and dtype need %zu", n, vx_count(ndim, shape) * dt.size);
  const cJSON *order = cJSON_GetObjectItemCaseSensitive(rec, "order");
  int fortran = cJSON_IsString(order) && strcmp(order->valuestring, "F") == 0;
  if (order && !fortran && !(cJSON_IsString(order) && strcmp(order->valuestring, "C") == 0))
    vx_malformed(r, "order must be \"C\" or \"F\"");
  CONFORM_NEED_OP(ctx, ndbuffer_from_host);
  zbuf_impl_ndbuffer *a = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_from_host(I, ctx->nd_dev, data, ndim, shape, NULL, dtype, &a, &ctx->err));
  vx_keep(r, a);
  if (fortran) {
    /* from_host copies into C order, so an F-ordered input is a new F array that the C copy is written into.
     */
    CONFORM_NEED_OP(ctx, ndbuffer_create);
    CONFORM_NEED_OP(ctx, ndbuffer_set_item);
    zbuf_impl_ndbuffer *f = NULL;
    CONFORM_SETUP(ctx,
                  I->ndbuffer_create(I, ctx->nd_dev, ndim, shape, dtype, ZBUF_ORDER_F, NULL, &f, &ctx->err));
    vx_keep(r, f);
    CONFORM_SETUP(ctx, I->ndbuffer_set_item(I, f, 0, NULL, a, &ctx->err));
    zbuf_impl_ndinfo in = conform_nd_info(ctx, f);
    if (!vx_contiguous(&in, dt.size, 1))
      conform_unresolved(ctx, "set-up: create(order F) gave an array that is not F-contiguous");
    a = f;
  }
  const cJSON *view = cJSON_GetObjectItemCaseSensitive(rec, "view");
  if (!view) return a;
  if (!allow_view) vx_malformed(r, "input.view is not used in %s (FORMAT.md)", r->vc->file);
  zbuf_index *idx;
  size_t nidx = vx_index(r, view, "input.view", &idx);
  CONFORM_NEED_OP(ctx, ndbuffer_get_item);
  zbuf_impl_ndbuffer *v = NULL;
  CONFORM_SETUP(ctx, I->ndbuffer_get_item(I, a, nidx, idx, &v, &ctx->err));
  return vx_keep(r, v);
}

/* ---------------------------------------------------------------------------------------------------------
 * Observing results */

/* Hex of n bytes into out (truncated with "..."). */
static const char *vx_hexstr(const unsigned char *b, size_t n, char *out, size_t size) {
  size_t p = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (p + 6 >= size) {
      snprintf(out + p, size - p, "...");
      break;
    }
    p += (size_t)snprintf(out + p, size - p, "%02x", b[i]);
  }
  return n ? out : "(empty)";
}

/* Whether `size` bytes at p, in byte order `order`, are a NaN of the IEEE format of that size. */
static int vx_is_nan(const unsigned char *p, size_t size, char order) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  int little = order == '<' || ((order == '=' || order == '|') && first);
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) v |= (uint64_t)p[little ? i : size - 1 - i] << (8 * i);
  unsigned ebits = size == 2 ? 5 : size == 4 ? 8 : 11, mbits = size == 2 ? 10 : size == 4 ? 23 : 52;
  uint64_t exp = (v >> mbits) & ((UINT64_C(1) << ebits) - 1), man = v & ((UINT64_C(1) << mbits) - 1);
  return exp == (UINT64_C(1) << ebits) - 1 && man != 0;
}

static int vx_element_equal(const unsigned char *w, const unsigned char *s, vx_dtype dt, int nan_any) {
  if (!nan_any || (dt.kind != 'f' && dt.kind != 'c')) return memcmp(w, s, dt.size) == 0;
  size_t part = dt.kind == 'c' ? dt.size / 2 : dt.size;
  for (size_t o = 0; o < dt.size; o += part) {
    if (vx_is_nan(w + o, part, dt.order)) {
      if (!vx_is_nan(s + o, part, dt.order)) return 0;
    } else if (memcmp(w + o, s + o, part) != 0) {
      return 0;
    }
  }
  return 1;
}

void vx_check_data(vx_run *r, const char *what, vx_dtype dt, size_t ndim, const int64_t *shape,
                   const unsigned char *want, const unsigned char *seen, size_t n, int nan_any) {
  size_t count = n / dt.size, e = 0;
  while (e < count && vx_element_equal(want + e * dt.size, seen + e * dt.size, dt, nan_any)) e++;
  if (e == count) return;
  /* The multi-index of element e in C order. */
  char index[256] = "";
  size_t rest = e, p = 0;
  int64_t pos[ZBUF_MAX_NDIM];
  for (size_t k = ndim; k-- > 0;) {
    if (k < ZBUF_MAX_NDIM) pos[k] = shape[k] ? (int64_t)(rest % (size_t)shape[k]) : 0;
    rest = shape[k] ? rest / (size_t)shape[k] : 0;
  }
  for (size_t k = 0; k < ndim && k < ZBUF_MAX_NDIM && p + 24 < sizeof index; k++)
    p += (size_t)snprintf(index + p, sizeof index - p, "%s%lld", k ? ", " : "", (long long)pos[k]);
  char we[40], se[40], wa[200], sa[200];
  conform_fail(
      r->ctx,
      "%s: element %zu of %zu (index [%s]) differs%s: expected %s, seen %s; all expected %s, all seen %s",
      what, e, count, index, nan_any ? " (NaN matches any NaN)" : "",
      vx_hexstr(want + e * dt.size, dt.size, we, sizeof we),
      vx_hexstr(seen + e * dt.size, dt.size, se, sizeof se), vx_hexstr(want, n, wa, sizeof wa),
      vx_hexstr(seen, n, sa, sizeof sa));
}

static const char *vx_shape_str(size_t ndim, const int64_t *shape, char *out, size_t size) {
  size_t p = (size_t)snprintf(out, size, "(");
  for (size_t k = 0; k < ndim && p + 24 < size; k++)
    p += (size_t)snprintf(out + p, size - p, "%s%lld", k ? ", " : "", (long long)shape[k]);
  snprintf(out + p, size - p, ndim == 1 ? ",)" : ")");
  return out;
}

void vx_check_array(vx_run *r, const zbuf_impl_ndbuffer *a, const cJSON *expect,
                    const unsigned char *seen_bytes, size_t seen_n) {
  conform_ctx *ctx = r->ctx;
  const char *dtype = vx_string(r, expect, "dtype");
  vx_dtype dt = vx_dtype_of(r, dtype, "expect.dtype");
  int64_t *shape;
  size_t ndim = vx_int_list(r, vx_member(r, expect, "shape"), "expect.shape", &shape);
  unsigned char *want;
  size_t n = vx_hex(r, vx_member(r, expect, "data"), "expect.data", &want);
  if (n != vx_count(ndim, shape) * dt.size)
    vx_malformed(r, "expect.data holds %zu bytes, its shape and dtype need %zu", n,
                 vx_count(ndim, shape) * dt.size);
  const cJSON *nan = cJSON_GetObjectItemCaseSensitive(expect, "nan");
  int nan_any = cJSON_IsString(nan) && strcmp(nan->valuestring, "any") == 0;

  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  CONFORM_ASSERT_STR_EQ(ctx, dtype, in.dtype);
  char ws[200], ss[200];
  int same = in.ndim >= 0 && (size_t)in.ndim == ndim;
  for (size_t k = 0; same && k < ndim; k++) same = in.shape[k] == shape[k];
  if (!same)
    conform_fail(ctx, "shape: expected %s, seen %s", vx_shape_str(ndim, shape, ws, sizeof ws),
                 in.ndim >= 0 ? vx_shape_str((size_t)in.ndim, in.shape, ss, sizeof ss) : "(negative ndim)");

  const cJSON *strides = cJSON_GetObjectItemCaseSensitive(expect, "strides");
  if (strides && !cJSON_IsNull(strides)) {
    int64_t *st;
    size_t ns = vx_int_list(r, strides, "expect.strides", &st);
    int eq = ns == ndim;
    for (size_t k = 0; eq && k < ndim; k++) eq = in.strides[k] == st[k];
    if (!eq)
      conform_fail(ctx, "strides (bytes): expected %s, seen %s", vx_shape_str(ns, st, ws, sizeof ws),
                   vx_shape_str(ndim, in.strides, ss, sizeof ss));
  }
  static const char *const flags[2] = {"c_contiguous", "f_contiguous"};
  for (int f = 0; f < 2; f++) {
    const cJSON *flag = cJSON_GetObjectItemCaseSensitive(expect, flags[f]);
    if (!flag) continue;
    if (!cJSON_IsBool(flag)) vx_malformed(r, "expect.%s must be a boolean", flags[f]);
    int seen = vx_contiguous(&in, dt.size, f);
    if (seen != cJSON_IsTrue(flag))
      conform_fail(ctx, "%s: expected %s, seen %s (strides %s)", flags[f],
                   cJSON_IsTrue(flag) ? "true" : "false", seen ? "true" : "false",
                   vx_shape_str(ndim, in.strides, ss, sizeof ss));
  }

  if (!seen_bytes) {
    unsigned char *buf = vx_alloc(r, n);
    conform_nd_read(ctx, a, buf, n);
    seen_bytes = buf;
    seen_n = n;
  }
  CONFORM_ASSERT_UINT_EQ(ctx, n, seen_n);
  vx_check_data(r, "data", dt, ndim, shape, want, seen_bytes, n, nan_any);
}

void vx_snapshot(vx_run *r, const zbuf_impl_ndbuffer *a, vx_snap *s) {
  memset(s, 0, sizeof *s);
  s->info = conform_nd_info(r->ctx, a);
  if (s->info.ndim < 0 || s->info.ndim > ZBUF_MAX_NDIM)
    conform_unresolved(r->ctx, "set-up: ndbuffer_info gave ndim %d", (int)s->info.ndim);
  for (int32_t k = 0; k < s->info.ndim; k++) {
    s->shape[k] = s->info.shape[k];
    s->strides[k] = s->info.strides[k];
  }
  vx_dtype dt;
  if (vx_dtype_parse(s->info.dtype, &dt) != 0)
    conform_unresolved(r->ctx, "set-up: ndbuffer_info gave dtype \"%.8s\"", s->info.dtype);
  s->n = vx_count((size_t)s->info.ndim, s->shape) * dt.size;
  s->bytes = vx_alloc(r, s->n);
  conform_nd_read(r->ctx, a, s->bytes, s->n);
}

void vx_check_unchanged(vx_run *r, const char *what, const zbuf_impl_ndbuffer *a, const vx_snap *s) {
  conform_ctx *ctx = r->ctx;
  zbuf_impl_ndinfo in = conform_nd_info(ctx, a);
  if (strncmp(in.dtype, s->info.dtype, sizeof in.dtype) != 0 || in.ndim != s->info.ndim ||
      in.data != s->info.data || !conform_device_equal(in.device, s->info.device))
    conform_fail(ctx,
                 "%s changed after the failing call: dtype %.8s -> %.8s, ndim %d -> %d, data %p -> %p, "
                 "device %s -> %s",
                 what, s->info.dtype, in.dtype, (int)s->info.ndim, (int)in.ndim, s->info.data, in.data,
                 conform_device_name(s->info.device), conform_device_name(in.device));
  for (int32_t k = 0; k < in.ndim; k++)
    if (in.shape[k] != s->shape[k] || in.strides[k] != s->strides[k])
      conform_fail(ctx, "%s changed after the failing call: axis %d shape %lld -> %lld, stride %lld -> %lld",
                   what, (int)k, (long long)s->shape[k], (long long)in.shape[k], (long long)s->strides[k],
                   (long long)in.strides[k]);
  unsigned char *now = vx_alloc(r, s->n);
  conform_nd_read(ctx, a, now, s->n);
  vx_dtype dt = vx_dtype_of(r, in.dtype, "input dtype");
  char label[96];
  snprintf(label, sizeof label, "%s bytes after the failing call", what);
  vx_check_data(r, label, dt, (size_t)in.ndim, s->shape, s->bytes, now, s->n, 0);
}
