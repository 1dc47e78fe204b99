/* Unit tests for status.c: the pinned status table and the error out-parameter. */
#include "test.h"

TEST(status_names_texts_and_classes_follow_the_map) {
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_OK), "OK");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_EINVAL), "EINVAL");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_ERANGE), "ERANGE");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_ETYPE), "ETYPE");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_EUNSUPPORTED), "EUNSUPPORTED");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_ENOMEM), "ENOMEM");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_EDEVICE), "EDEVICE");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_ENODEV), "ENODEV");
  ASSERT_STR_EQ(zbuf_status_name(ZBUF_EINTERNAL), "EINTERNAL");
  ASSERT_STR_EQ(zbuf_status_text(ZBUF_OK), "success");
  ASSERT_STR_EQ(zbuf_status_text(ZBUF_ENOMEM), "out of memory");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_OK), "-");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_EINVAL), "ValueError");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_ERANGE), "IndexError");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_ETYPE), "TypeError");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_EUNSUPPORTED), "NotImplementedError");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_ENOMEM), "MemoryError");
  ASSERT_STR_EQ(zbuf_status_python_class(ZBUF_EDEVICE), "RuntimeError");
}

TEST(status_pinned_values_never_change) {
  ASSERT_INT_EQ(ZBUF_OK, 0);
  ASSERT_INT_EQ(ZBUF_EINVAL, 1);
  ASSERT_INT_EQ(ZBUF_ERANGE, 2);
  ASSERT_INT_EQ(ZBUF_ETYPE, 3);
  ASSERT_INT_EQ(ZBUF_EUNSUPPORTED, 4);
  ASSERT_INT_EQ(ZBUF_ENOMEM, 5);
  ASSERT_INT_EQ(ZBUF_EDEVICE, 6);
  ASSERT_INT_EQ(ZBUF_ENODEV, 7);
  ASSERT_INT_EQ(ZBUF_EINTERNAL, 8);
  ASSERT_INT_EQ(ZBUF_STATUS_COUNT, 9);
}

TEST(status_every_known_code_has_distinct_nonempty_strings) {
  for (int i = 0; i < ZBUF_STATUS_COUNT; i++) {
    ASSERT(strcmp(zbuf_status_name(i), "UNKNOWN") != 0);
    ASSERT(zbuf_status_text(i)[0] != '\0');
    ASSERT(strcmp(zbuf_status_text(i), "unknown status") != 0);
    ASSERT(zbuf_status_python_class(i)[0] != '\0');
    for (int j = 0; j < i; j++) ASSERT(strcmp(zbuf_status_name(i), zbuf_status_name(j)) != 0);
  }
}

TEST(status_unknown_values_are_named_unknown) {
  int bad[] = {-1, ZBUF_STATUS_COUNT, 1000, -2147483647 - 1};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_STR_EQ(zbuf_status_name(bad[i]), "UNKNOWN");
    ASSERT_STR_EQ(zbuf_status_text(bad[i]), "unknown status");
    ASSERT_STR_EQ(zbuf_status_python_class(bad[i]), "RuntimeError");
  }
}

TEST(error_set_formats_and_returns_the_code) {
  zbuf_error e = {0};
  zbuf_error *err = &e;
  zbuf_status st = zbuf_error_set(err, ZBUF_EINVAL, "shape[%d] = %d must be >= 0", 2, -3);
  ASSERT_INT_EQ(st, ZBUF_EINVAL);
  ASSERT_INT_EQ(err->code, ZBUF_EINVAL);
  ASSERT_STR_EQ(err->message, "shape[2] = -3 must be >= 0");
}

TEST(error_set_accepts_null_err) {
  ASSERT_INT_EQ(zbuf_error_set(NULL, ZBUF_ERANGE, "axis %d", 4), ZBUF_ERANGE);
}

TEST(error_set_truncates_long_messages_safely) {
  char big[2 * ZBUF_ERROR_MESSAGE_SIZE];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  zbuf_error e;
  memset(&e, 0x7f, sizeof e);
  zbuf_error *err = &e;
  ASSERT_INT_EQ(zbuf_error_set(err, ZBUF_ENOMEM, "%s", big), ZBUF_ENOMEM);
  ASSERT_UINT_EQ(strlen(err->message), ZBUF_ERROR_MESSAGE_SIZE - 1);
  ASSERT(err->message[0] == 'x' && err->message[ZBUF_ERROR_MESSAGE_SIZE - 2] == 'x');
}

TEST(error_set_overwrites_a_previous_message) {
  zbuf_error e = {0};
  zbuf_error *err = &e;
  zbuf_error_set(err, ZBUF_EINVAL, "a long first message that must disappear");
  zbuf_error_set(err, ZBUF_ETYPE, "short");
  ASSERT_INT_EQ(err->code, ZBUF_ETYPE);
  ASSERT_STR_EQ(err->message, "short");
}

static zbuf_status fails_with(zbuf_status st, int *reached) {
  ZBUF_RETURN_NOT_OK(st);
  *reached = 1;
  return ZBUF_OK;
}

TEST(return_not_ok_returns_early_only_on_error) {
  int reached = 0;
  ASSERT_INT_EQ(fails_with(ZBUF_EDEVICE, &reached), ZBUF_EDEVICE);
  ASSERT_INT_EQ(reached, 0);
  ASSERT_INT_EQ(fails_with(ZBUF_OK, &reached), ZBUF_OK);
  ASSERT_INT_EQ(reached, 1);
}

TEST(version_matches_the_header) { ASSERT_STR_EQ(zbuf_version(), ZBUF_VERSION_STRING); }
