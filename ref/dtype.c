/* zbuf reference: element types, and their NumPy spellings.
 *
 * Parsing accepts what NumPy's np.dtype() accepts for the kinds zbuf supports (checked against NumPy 2.4):
 * - type strings with an optional byte-order mark: "<f8", ">i4", "=u2", "|b1", "f4", "c16";
 * - one-character codes, also with an optional mark: "?", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q",
 *   "e", "f", "d", "F", "D" ("l"/"L" are C long, whose size is the platform's, as in NumPy);
 * - names, without a mark (NumPy refuses "<float64"): "bool", "int8", ..., "complex128", and NumPy's aliases
 *   such as "double", "half", "intc", "float" (= float64), "int" (= intp).
 * "|" and "=" both mean the machine's order, and one-byte kinds always get ZBUF_NATIVE, as NumPy's "|".
 * Long double ("g", "f16", "c32", "G", "longdouble") is recognised only to say that it is unsupported. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const struct {
  const char *name; /* NumPy's name of the kind */
  char code;        /* NumPy's kind character of dtype.str */
  unsigned char size;
} kind_table[ZBUF_DTYPE_KIND_COUNT] = {
    [ZBUF_BOOL] = {"bool", 'b', 1},           [ZBUF_INT8] = {"int8", 'i', 1},
    [ZBUF_INT16] = {"int16", 'i', 2},         [ZBUF_INT32] = {"int32", 'i', 4},
    [ZBUF_INT64] = {"int64", 'i', 8},         [ZBUF_UINT8] = {"uint8", 'u', 1},
    [ZBUF_UINT16] = {"uint16", 'u', 2},       [ZBUF_UINT32] = {"uint32", 'u', 4},
    [ZBUF_UINT64] = {"uint64", 'u', 8},       [ZBUF_FLOAT16] = {"float16", 'f', 2},
    [ZBUF_FLOAT32] = {"float32", 'f', 4},     [ZBUF_FLOAT64] = {"float64", 'f', 8},
    [ZBUF_COMPLEX64] = {"complex64", 'c', 8}, [ZBUF_COMPLEX128] = {"complex128", 'c', 16},
};

static int kind_is_valid(zbuf_dtype_kind kind) { return (int)kind >= 0 && kind < ZBUF_DTYPE_KIND_COUNT; }

/* The machine's order as LITTLE or BIG. Computed, not configured, so that it cannot be wrong. */
static zbuf_byteorder host_order(void) {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first ? ZBUF_LITTLE : ZBUF_BIG;
}

/* LITTLE or BIG for any valid dtype: NATIVE resolved to the machine's order. */
static zbuf_byteorder resolved_order(zbuf_dtype d) {
  return d.byteorder == ZBUF_NATIVE ? host_order() : d.byteorder;
}

size_t zbuf_dtype_itemsize(zbuf_dtype dtype) {
  return kind_is_valid(dtype.kind) ? kind_table[dtype.kind].size : 0;
}

int zbuf_dtype_is_valid(zbuf_dtype dtype) {
  return kind_is_valid(dtype.kind) &&
         (dtype.byteorder == ZBUF_NATIVE || dtype.byteorder == ZBUF_LITTLE || dtype.byteorder == ZBUF_BIG);
}

int zbuf_dtype_is_native(zbuf_dtype dtype) {
  if (!zbuf_dtype_is_valid(dtype)) return 0;
  return kind_table[dtype.kind].size == 1 || resolved_order(dtype) == host_order();
}

zbuf_dtype zbuf_dtype_native(zbuf_dtype_kind kind) {
  zbuf_dtype d = {kind, ZBUF_NATIVE};
  return d;
}

int zbuf_dtype_equal(zbuf_dtype a, zbuf_dtype b) {
  if (!zbuf_dtype_is_valid(a) || !zbuf_dtype_is_valid(b) || a.kind != b.kind) return 0;
  return kind_table[a.kind].size == 1 || resolved_order(a) == resolved_order(b);
}

const char *zbuf_dtype_kind_name(zbuf_dtype_kind kind) {
  return kind_is_valid(kind) ? kind_table[kind].name : "invalid";
}

const char *zbuf_dtype_str(zbuf_dtype dtype, char out[8]) {
  if (!zbuf_dtype_is_valid(dtype)) {
    memcpy(out, "?", 2);
    return out;
  }
  char mark = kind_table[dtype.kind].size == 1 ? '|' : resolved_order(dtype) == ZBUF_LITTLE ? '<' : '>';
  snprintf(out, 8, "%c%c%u", mark, kind_table[dtype.kind].code, (unsigned)kind_table[dtype.kind].size);
  return out;
}

/* C long and pointer-sized integers, whose width is the platform's (as NumPy's "l", "long", "intp"). */
#define LONG_KIND(is_signed) \
  (sizeof(long) == 8 ? ((is_signed) ? ZBUF_INT64 : ZBUF_UINT64) : ((is_signed) ? ZBUF_INT32 : ZBUF_UINT32))
#define INTP_KIND(is_signed) \
  (sizeof(void *) == 8 ? ((is_signed) ? ZBUF_INT64 : ZBUF_UINT64) : ((is_signed) ? ZBUF_INT32 : ZBUF_UINT32))

/* NumPy's one-character type codes. */
static int kind_from_code(char c, zbuf_dtype_kind *kind) {
  static const struct {
    char c;
    zbuf_dtype_kind kind;
  } codes[] = {{'?', ZBUF_BOOL},    {'b', ZBUF_INT8},    {'B', ZBUF_UINT8},     {'h', ZBUF_INT16},
               {'H', ZBUF_UINT16},  {'i', ZBUF_INT32},   {'I', ZBUF_UINT32},    {'l', LONG_KIND(1)},
               {'L', LONG_KIND(0)}, {'q', ZBUF_INT64},   {'Q', ZBUF_UINT64},    {'e', ZBUF_FLOAT16},
               {'f', ZBUF_FLOAT32}, {'d', ZBUF_FLOAT64}, {'F', ZBUF_COMPLEX64}, {'D', ZBUF_COMPLEX128}};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (codes[i].c == c) {
      *kind = codes[i].kind;
      return 1;
    }
  }
  return 0;
}

/* A kind character and a decimal size ("f8", "c16", "b1"), the body of NumPy's dtype.str. */
static int kind_from_typestr(const char *s, zbuf_dtype_kind *kind) {
  char code = s[0];
  if (code == '\0' || s[1] < '1' || s[1] > '9') return 0;
  unsigned size = 0;
  for (const char *p = s + 1; *p; p++) {
    if (*p < '0' || *p > '9' || size > 100) return 0;
    size = size * 10 + (unsigned)(*p - '0');
  }
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    if (kind_table[k].code == code && kind_table[k].size == size) {
      *kind = (zbuf_dtype_kind)k;
      return 1;
    }
  }
  return 0;
}

/* NumPy names and aliases of the supported kinds. "int"/"uint" are pointer-sized, as in NumPy 2. */
static int kind_from_name(const char *s, zbuf_dtype_kind *kind) {
  static const struct {
    const char *name;
    zbuf_dtype_kind kind;
  } names[] = {{"bool_", ZBUF_BOOL},         {"byte", ZBUF_INT8},         {"ubyte", ZBUF_UINT8},
               {"short", ZBUF_INT16},        {"ushort", ZBUF_UINT16},     {"intc", ZBUF_INT32},
               {"uintc", ZBUF_UINT32},       {"long", LONG_KIND(1)},      {"ulong", LONG_KIND(0)},
               {"longlong", ZBUF_INT64},     {"ulonglong", ZBUF_UINT64},  {"int", INTP_KIND(1)},
               {"int_", INTP_KIND(1)},       {"intp", INTP_KIND(1)},      {"uint", INTP_KIND(0)},
               {"uintp", INTP_KIND(0)},      {"half", ZBUF_FLOAT16},      {"single", ZBUF_FLOAT32},
               {"double", ZBUF_FLOAT64},     {"float", ZBUF_FLOAT64},     {"csingle", ZBUF_COMPLEX64},
               {"cdouble", ZBUF_COMPLEX128}, {"complex", ZBUF_COMPLEX128}};
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    if (strcmp(s, kind_table[k].name) == 0) {
      *kind = (zbuf_dtype_kind)k;
      return 1;
    }
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(s, names[i].name) == 0) {
      *kind = names[i].kind;
      return 1;
    }
  }
  return 0;
}

static int is_long_double(const char *body) {
  return strcmp(body, "g") == 0 || strcmp(body, "G") == 0 || strcmp(body, "f16") == 0 ||
         strcmp(body, "c32") == 0 || strcmp(body, "f12") == 0 || strcmp(body, "c24") == 0 ||
         strcmp(body, "longdouble") == 0 || strcmp(body, "clongdouble") == 0;
}

zbuf_status zbuf_dtype_parse(const char *text, zbuf_dtype *out, zbuf_error *err) {
  if (text == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "dtype text must not be NULL");
  if (out == NULL) return zbuf_error_set(err, ZBUF_EINVAL, "out must not be NULL");
  /* Longer than any accepted spelling: refuse before quoting it, so the message stays short. */
  if (strlen(text) > 16)
    return zbuf_error_set(err, ZBUF_ETYPE, "dtype \"%.16s...\" is not a dtype zbuf knows", text);
  zbuf_byteorder order = ZBUF_NATIVE;
  const char *body = text;
  if (text[0] == '<' || text[0] == '>' || text[0] == '=' || text[0] == '|') {
    order = text[0] == '<' ? ZBUF_LITTLE : text[0] == '>' ? ZBUF_BIG : ZBUF_NATIVE;
    body = text + 1;
  }
  zbuf_dtype_kind kind;
  int found = (body[0] != '\0' && body[1] == '\0' && kind_from_code(body[0], &kind)) ||
              kind_from_typestr(body, &kind) || (body == text && kind_from_name(body, &kind));
  if (!found) {
    if (is_long_double(body))
      return zbuf_error_set(err, ZBUF_ETYPE, "dtype \"%s\": long double is not supported", text);
    if (body != text && kind_from_name(body, &kind))
      return zbuf_error_set(err, ZBUF_ETYPE,
                            "dtype \"%s\": a byte-order mark may not precede a dtype name (NumPy refuses it "
                            "too); write a type string such as \"%c%c%u\"",
                            text, text[0], kind_table[kind].code, (unsigned)kind_table[kind].size);
    return zbuf_error_set(err, ZBUF_ETYPE,
                          "dtype \"%s\" is not a dtype zbuf knows (want e.g. \"<f8\", \"|b1\", \"int32\")",
                          text);
  }
  out->kind = kind;
  out->byteorder = kind_table[kind].size == 1 ? ZBUF_NATIVE : order;
  return ZBUF_OK;
}
