/* zbuf unit tests: a small libuv-style harness. Each TEST runs in its own child process with a timeout;
 * results are printed as TAP. After every test the harness checks that the reference holds no live
 * allocation, so a leak fails the test that caused it. */
#ifndef ZBUF_TEST_H
#define ZBUF_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zbuf/zbuf.h"

typedef void (*zbuf_test_fn)(void);
void zbuf_test_register(const char *name, const char *file, zbuf_test_fn fn);
void zbuf_test_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4), noreturn))
#endif
    ;
/* Message of an optional error struct ("" for NULL); a function so that passing &err does not trip -Waddress. */
const char *zbuf_test_err_message(const zbuf_error *err);
/* Checks that err, when given, carries `want` and a non-empty message. */
void zbuf_test_check_err(const char *file, int line, const char *expr, const zbuf_error *err, zbuf_status want);
void zbuf_test_skip(const char *why)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;

/* Defines and registers a test. The name documents the behaviour it proves. */
#define TEST(name)                                                              \
  static void zbuf_test_##name(void);                                           \
  __attribute__((constructor)) static void zbuf_test_register_##name(void) {   \
    zbuf_test_register(#name, __FILE__, zbuf_test_##name);                      \
  }                                                                             \
  static void zbuf_test_##name(void)

#define SKIP(why) zbuf_test_skip(why)

#define ASSERT(expr)                                                      \
  do {                                                                    \
    if (!(expr)) zbuf_test_fail(__FILE__, __LINE__, "assertion failed: %s", #expr); \
  } while (0)

#define ASSERT_INT_EQ(a, b)                                                                          \
  do {                                                                                               \
    long long zbuf_a_ = (long long)(a), zbuf_b_ = (long long)(b);                                    \
    if (zbuf_a_ != zbuf_b_)                                                                          \
      zbuf_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, zbuf_a_, zbuf_b_);        \
  } while (0)

#define ASSERT_UINT_EQ(a, b)                                                                         \
  do {                                                                                               \
    unsigned long long zbuf_a_ = (unsigned long long)(a), zbuf_b_ = (unsigned long long)(b);         \
    if (zbuf_a_ != zbuf_b_)                                                                          \
      zbuf_test_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, zbuf_a_, zbuf_b_);        \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                                          \
  do {                                                                                               \
    const char *zbuf_a_ = (a), *zbuf_b_ = (b);                                                       \
    if (strcmp(zbuf_a_, zbuf_b_) != 0)                                                               \
      zbuf_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, zbuf_a_, zbuf_b_);    \
  } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                                       \
  do {                                                                                               \
    if (memcmp((a), (b), (n)) != 0)                                                                  \
      zbuf_test_fail(__FILE__, __LINE__, "memory differs: %s vs %s (%zu bytes)", #a, #b, (size_t)(n)); \
  } while (0)

/* expr must return ZBUF_OK; otherwise the failure shows the status name and the error message. */
#define ASSERT_OK(expr, errp)                                                                          \
  do {                                                                                                 \
    zbuf_status zbuf_s_ = (expr);                                                                      \
    if (zbuf_s_ != ZBUF_OK)                                                                            \
      zbuf_test_fail(__FILE__, __LINE__, "%s returned %s: %s", #expr, zbuf_status_name(zbuf_s_),       \
                     zbuf_test_err_message(errp));                                                     \
  } while (0)

/* expr must fail with `want`, and fill err with that code and a non-empty message. */
#define ASSERT_STATUS(want, expr, errp)                                                                \
  do {                                                                                                 \
    zbuf_status zbuf_s_ = (expr);                                                                      \
    if (zbuf_s_ != (want))                                                                             \
      zbuf_test_fail(__FILE__, __LINE__, "%s returned %s, want %s (message: %s)", #expr,               \
                     zbuf_status_name(zbuf_s_), zbuf_status_name(want), zbuf_test_err_message(errp));   \
    zbuf_test_check_err(__FILE__, __LINE__, #expr, (errp), (want));                                    \
  } while (0)

#endif
