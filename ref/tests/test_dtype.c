/* Unit tests of ref/dtype.c: sizes, byte orders, equality, and the NumPy spellings of dtypes.
 * The accepted spellings and their dtype.str were recorded from NumPy 2.4.6 (np.dtype(text).str) on a
 * little-endian machine; on a big-endian machine native spellings resolve to ">" instead. */
#include "test.h"

static int host_little(void) {
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  return first;
}

static zbuf_dtype dt(zbuf_dtype_kind kind, zbuf_byteorder order) {
  zbuf_dtype d = {kind, order};
  return d;
}

TEST(itemsize_of_every_kind) {
  static const size_t want[ZBUF_DTYPE_KIND_COUNT] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 8, 16};
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    ASSERT_UINT_EQ(zbuf_dtype_itemsize(dt((zbuf_dtype_kind)k, ZBUF_NATIVE)), want[k]);
    ASSERT_UINT_EQ(zbuf_dtype_itemsize(dt((zbuf_dtype_kind)k, ZBUF_BIG)), want[k]);
  }
  ASSERT_UINT_EQ(zbuf_dtype_itemsize(dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE)), 0);
  ASSERT_UINT_EQ(zbuf_dtype_itemsize(dt((zbuf_dtype_kind)-1, ZBUF_NATIVE)), 0);
}

TEST(validity_rejects_unknown_kinds_and_byte_orders) {
  ASSERT(zbuf_dtype_is_valid(dt(ZBUF_BOOL, ZBUF_NATIVE)));
  ASSERT(zbuf_dtype_is_valid(dt(ZBUF_COMPLEX128, ZBUF_BIG)));
  ASSERT(!zbuf_dtype_is_valid(dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE)));
  ASSERT(!zbuf_dtype_is_valid(dt((zbuf_dtype_kind)-1, ZBUF_NATIVE)));
  ASSERT(!zbuf_dtype_is_valid(dt(ZBUF_INT32, (zbuf_byteorder)3)));
  ASSERT(!zbuf_dtype_is_valid(dt(ZBUF_INT32, (zbuf_byteorder)-1)));
}

TEST(native_order_resolves_to_the_machine_order) {
  zbuf_byteorder host = host_little() ? ZBUF_LITTLE : ZBUF_BIG,
                 other = host_little() ? ZBUF_BIG : ZBUF_LITTLE;
  ASSERT(zbuf_dtype_is_native(dt(ZBUF_FLOAT64, ZBUF_NATIVE)));
  ASSERT(zbuf_dtype_is_native(dt(ZBUF_FLOAT64, host)));
  ASSERT(!zbuf_dtype_is_native(dt(ZBUF_FLOAT64, other)));
  ASSERT(zbuf_dtype_is_native(dt(ZBUF_UINT8, other))); /* one byte has no order */
  ASSERT(!zbuf_dtype_is_native(dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE)));
  zbuf_dtype n = zbuf_dtype_native(ZBUF_INT16);
  ASSERT_INT_EQ(n.kind, ZBUF_INT16);
  ASSERT_INT_EQ(n.byteorder, ZBUF_NATIVE);
}

TEST(equality_resolves_native_and_ignores_order_of_one_byte_kinds) {
  zbuf_byteorder host = host_little() ? ZBUF_LITTLE : ZBUF_BIG,
                 other = host_little() ? ZBUF_BIG : ZBUF_LITTLE;
  ASSERT(zbuf_dtype_equal(dt(ZBUF_INT32, ZBUF_NATIVE), dt(ZBUF_INT32, host)));
  ASSERT(!zbuf_dtype_equal(dt(ZBUF_INT32, ZBUF_NATIVE), dt(ZBUF_INT32, other)));
  ASSERT(zbuf_dtype_equal(dt(ZBUF_BOOL, ZBUF_BIG), dt(ZBUF_BOOL, ZBUF_LITTLE)));
  ASSERT(!zbuf_dtype_equal(dt(ZBUF_INT32, ZBUF_NATIVE), dt(ZBUF_UINT32, ZBUF_NATIVE)));
  ASSERT(!zbuf_dtype_equal(dt(ZBUF_FLOAT32, ZBUF_NATIVE), dt(ZBUF_COMPLEX64, ZBUF_NATIVE)));
  ASSERT(!zbuf_dtype_equal(dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE), dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE)));
}

TEST(kind_names_are_numpy_names) {
  static const char *want[ZBUF_DTYPE_KIND_COUNT] = {"bool",    "int8",    "int16",     "int32",     "int64",
                                                    "uint8",   "uint16",  "uint32",    "uint64",    "float16",
                                                    "float32", "float64", "complex64", "complex128"};
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++)
    ASSERT_STR_EQ(zbuf_dtype_kind_name((zbuf_dtype_kind)k), want[k]);
  ASSERT_STR_EQ(zbuf_dtype_kind_name(ZBUF_DTYPE_KIND_COUNT), "invalid");
}

TEST(str_is_numpy_dtype_str) {
  char buf[8];
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_FLOAT64, ZBUF_LITTLE), buf), "<f8");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_INT32, ZBUF_BIG), buf), ">i4");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_BOOL, ZBUF_BIG), buf), "|b1");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_UINT8, ZBUF_NATIVE), buf), "|u1");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_COMPLEX128, ZBUF_BIG), buf), ">c16");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_FLOAT16, ZBUF_NATIVE), buf), host_little() ? "<f2" : ">f2");
  ASSERT_STR_EQ(zbuf_dtype_str(dt(ZBUF_DTYPE_KIND_COUNT, ZBUF_NATIVE), buf), "?");
  ASSERT(zbuf_dtype_str(dt(ZBUF_INT8, ZBUF_NATIVE), buf) == buf);
}

/* Every accepted spelling, with the dtype.str NumPy gives it (little-endian machine). */
static const struct {
  const char *text, *numpy_str;
} spellings[] = {
    {"b1", "|b1"},          {"i1", "|i1"},      {"i2", "<i2"},       {"i4", "<i4"},
    {"i8", "<i8"},          {"u1", "|u1"},      {"u2", "<u2"},       {"u4", "<u4"},
    {"u8", "<u8"},          {"f2", "<f2"},      {"f4", "<f4"},       {"f8", "<f8"},
    {"c8", "<c8"},          {"c16", "<c16"},    {"<b1", "|b1"},      {">b1", "|b1"},
    {"<i1", "|i1"},         {">u1", "|u1"},     {"<i2", "<i2"},      {">i2", ">i2"},
    {"=i4", "<i4"},         {"|i4", "<i4"},     {">i8", ">i8"},      {"<u2", "<u2"},
    {">u4", ">u4"},         {"=u8", "<u8"},     {">f2", ">f2"},      {"<f4", "<f4"},
    {">f8", ">f8"},         {"|f8", "<f8"},     {">c8", ">c8"},      {"<c16", "<c16"},
    {">c16", ">c16"},       {"?", "|b1"},       {"b", "|i1"},        {"B", "|u1"},
    {"h", "<i2"},           {"H", "<u2"},       {"i", "<i4"},        {"I", "<u4"},
    {"l", "<i8"},           {"L", "<u8"},       {"q", "<i8"},        {"Q", "<u8"},
    {"e", "<f2"},           {"f", "<f4"},       {"d", "<f8"},        {"F", "<c8"},
    {"D", "<c16"},          {">?", "|b1"},      {">h", ">i2"},       {"<d", "<f8"},
    {">D", ">c16"},         {"=e", "<f2"},      {"|Q", "<u8"},       {"bool", "|b1"},
    {"int8", "|i1"},        {"int16", "<i2"},   {"int32", "<i4"},    {"int64", "<i8"},
    {"uint8", "|u1"},       {"uint16", "<u2"},  {"uint32", "<u4"},   {"uint64", "<u8"},
    {"float16", "<f2"},     {"float32", "<f4"}, {"float64", "<f8"},  {"complex64", "<c8"},
    {"complex128", "<c16"}, {"bool_", "|b1"},   {"byte", "|i1"},     {"ubyte", "|u1"},
    {"short", "<i2"},       {"ushort", "<u2"},  {"intc", "<i4"},     {"uintc", "<u4"},
    {"long", "<i8"},        {"ulong", "<u8"},   {"longlong", "<i8"}, {"ulonglong", "<u8"},
    {"int", "<i8"},         {"int_", "<i8"},    {"intp", "<i8"},     {"uint", "<u8"},
    {"uintp", "<u8"},       {"half", "<f2"},    {"single", "<f4"},   {"double", "<f8"},
    {"float", "<f8"},       {"csingle", "<c8"}, {"cdouble", "<c16"}, {"complex", "<c16"},
};

TEST(parse_accepts_every_numpy_spelling) {
  if (sizeof(long) != 8 || sizeof(void *) != 8) SKIP("the recorded spellings assume an LP64 platform");
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    zbuf_error err = {0};
    zbuf_dtype d = {ZBUF_DTYPE_KIND_COUNT, (zbuf_byteorder)7};
    ASSERT_OK(zbuf_dtype_parse(spellings[i].text, &d, &err), &err);
    ASSERT(zbuf_dtype_is_valid(d));
    char buf[8], want[8];
    memcpy(want, spellings[i].numpy_str, strlen(spellings[i].numpy_str) + 1);
    if (!host_little() && want[0] == '<' && spellings[i].text[0] != '<') want[0] = '>';
    if (strcmp(zbuf_dtype_str(d, buf), want) != 0)
      zbuf_test_fail(__FILE__, __LINE__, "\"%s\" parsed to %s, NumPy says %s", spellings[i].text, buf, want);
    /* Without an explicit mark the order is NATIVE; one-byte kinds are always NATIVE. */
    char mark = spellings[i].text[0];
    zbuf_byteorder want_order = zbuf_dtype_itemsize(d) == 1 ? ZBUF_NATIVE
                                : mark == '<'               ? ZBUF_LITTLE
                                : mark == '>'               ? ZBUF_BIG
                                                            : ZBUF_NATIVE;
    ASSERT_INT_EQ(d.byteorder, want_order);
  }
}

TEST(parse_inverts_str_for_every_dtype) {
  for (int k = 0; k < ZBUF_DTYPE_KIND_COUNT; k++) {
    for (int o = 0; o < 3; o++) {
      zbuf_dtype d = dt((zbuf_dtype_kind)k, (zbuf_byteorder)o), back;
      char buf[8];
      zbuf_error err;
      ASSERT_OK(zbuf_dtype_parse(zbuf_dtype_str(d, buf), &back, &err), &err);
      ASSERT(zbuf_dtype_equal(d, back));
      ASSERT_OK(zbuf_dtype_parse(zbuf_dtype_kind_name((zbuf_dtype_kind)k), &back, &err), &err);
      ASSERT_INT_EQ(back.kind, k);
      ASSERT_INT_EQ(back.byteorder, ZBUF_NATIVE);
    }
  }
}

/* Each bad text must fail with ETYPE and a message that quotes it; out stays untouched. NumPy refuses
 * all of these too (checked with NumPy 2.4.6), except the long doubles, which zbuf does not support. */
TEST(parse_rejects_unknown_text_with_etype) {
  static const char *bad[] = {"",      "<",     "|",          "i3",      "b2",    "u",        "x",
                              " f8",   "f8 ",   "F8",         "Float64", "<<f8",  "<float64", ">int8",
                              "=bool", "bool8", "f0",         "u16",     "c4",    "f8\n",     "g",
                              "f16",   "c32",   "longdouble", "<g",      "int 8", "i-4"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    zbuf_error err = {0};
    zbuf_dtype d = {ZBUF_INT16, ZBUF_BIG};
    ASSERT_STATUS(ZBUF_ETYPE, zbuf_dtype_parse(bad[i], &d, &err), &err);
    if (!strstr(err.message, bad[i]))
      zbuf_test_fail(__FILE__, __LINE__, "message for \"%s\" does not quote it: %s", bad[i], err.message);
    ASSERT_INT_EQ(d.kind, ZBUF_INT16);
    ASSERT_INT_EQ(d.byteorder, ZBUF_BIG);
  }
}

TEST(parse_explains_long_double_and_marked_names) {
  zbuf_error err = {0};
  zbuf_dtype d;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_dtype_parse("<f16", &d, &err), &err);
  ASSERT(strstr(err.message, "long double") != NULL);
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_dtype_parse(">float32", &d, &err), &err);
  ASSERT(strstr(err.message, ">f4") != NULL); /* suggests the spelling that works */
}

TEST(parse_rejects_long_text_without_quoting_all_of_it) {
  char text[400];
  memset(text, 'f', sizeof text - 1);
  text[sizeof text - 1] = '\0';
  zbuf_error err = {0};
  zbuf_dtype d;
  ASSERT_STATUS(ZBUF_ETYPE, zbuf_dtype_parse(text, &d, &err), &err);
  ASSERT(strlen(err.message) < 200);
}

TEST(parse_null_arguments_are_einval) {
  zbuf_error err = {0};
  zbuf_dtype d;
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_dtype_parse(NULL, &d, &err), &err);
  ASSERT(strstr(err.message, "text") != NULL);
  ASSERT_STATUS(ZBUF_EINVAL, zbuf_dtype_parse("f8", NULL, &err), &err);
  ASSERT(strstr(err.message, "out") != NULL);
  ASSERT_INT_EQ(zbuf_dtype_parse("nope", &d, NULL), ZBUF_ETYPE); /* a NULL error struct is allowed */
}
