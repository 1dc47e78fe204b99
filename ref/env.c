/* zbuf reference: sizes read from the environment (the pools' caps and thresholds). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

size_t zbuf__env_size(const char *name, size_t fallback) {
  const char *s = getenv(name);
  if (s == NULL || *s == '\0') return fallback;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s) return fallback;
  unsigned shift = 0;
  switch (*end) {
    case '\0': break;
    case 'k':
    case 'K':
      shift = 10;
      end++;
      break;
    case 'm':
    case 'M':
      shift = 20;
      end++;
      break;
    case 'g':
    case 'G':
      shift = 30;
      end++;
      break;
    default: return fallback;
  }
  if (*end != '\0' || v > (SIZE_MAX >> shift)) return fallback;
  return (size_t)(v << shift);
}
