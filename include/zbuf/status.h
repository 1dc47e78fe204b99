/* zbuf: status codes and the error out-parameter shared by every fallible call. */
#ifndef ZBUF_STATUS_H
#define ZBUF_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The pinned set of status codes. Values never change once released; new codes are only appended.
 * Each row: name, value, the Python exception class it corresponds to, a short description. */
#define ZBUF_STATUS_MAP(X)                                                                          \
  X(OK, 0, "-", "success")                                                                          \
  X(EINVAL, 1, "ValueError", "invalid argument value")                                              \
  X(ERANGE, 2, "IndexError", "index or axis out of range")                                          \
  X(ETYPE, 3, "TypeError", "wrong or unknown type, dtype or kind of argument")                      \
  X(EUNSUPPORTED, 4, "NotImplementedError", "operation or device pair not supported")              \
  X(ENOMEM, 5, "MemoryError", "out of memory")                                                      \
  X(EDEVICE, 6, "RuntimeError", "device (CUDA) error")                                              \
  X(ENODEV, 7, "RuntimeError", "no usable device")                                                  \
  X(EINTERNAL, 8, "RuntimeError", "internal error or broken implementation")

/** Status returned by every fallible zbuf call: ZBUF_OK (0) or one of the pinned error codes. */
typedef enum zbuf_status {
#define ZBUF__STATUS_ENUM(name, value, pyexc, text) ZBUF_##name = value,
  ZBUF_STATUS_MAP(ZBUF__STATUS_ENUM)
#undef ZBUF__STATUS_ENUM
} zbuf_status;

/** Number of status codes (one past the largest). */
#define ZBUF_STATUS_COUNT 9

/** Size of the message buffer in zbuf_error. */
#define ZBUF_ERROR_MESSAGE_SIZE 512

/** Optional error out-parameter: on failure, code and a message naming the argument and the problem.
 * Every fallible call accepts a NULL zbuf_error* when the caller only wants the status. On success the
 * struct is left untouched. */
typedef struct zbuf_error {
  zbuf_status code;
  char message[ZBUF_ERROR_MESSAGE_SIZE];
} zbuf_error;

/** Stable upper-case name of a status, e.g. "EINVAL"; "UNKNOWN" for values outside the set. */
const char *zbuf_status_name(int status);

/** One-line description of a status; "unknown status" for values outside the set. */
const char *zbuf_status_text(int status);

/** Python exception class the status stands for ("ValueError", ...); "-" for ZBUF_OK. */
const char *zbuf_status_python_class(int status);

/** Sets err (when not NULL) to code and a printf-style message. Returns code, so that callers can write
 * `return zbuf_error_set(err, ZBUF_EINVAL, "...")`. */
zbuf_status zbuf_error_set(zbuf_error *err, zbuf_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Evaluates expr (a zbuf_status) once and returns it from the calling function when it is not ZBUF_OK. */
#define ZBUF_RETURN_NOT_OK(expr)       \
  do {                                 \
    zbuf_status zbuf__st_ = (expr);    \
    if (zbuf__st_ != ZBUF_OK) return zbuf__st_; \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
