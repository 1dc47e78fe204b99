/* zbuf reference: the version of the linked library. */
#include "internal.h"

const char *zbuf_version(void) { return ZBUF_VERSION_STRING; }
