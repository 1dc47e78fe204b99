/* zbuf: library version. */
#ifndef ZBUF_VERSION_H
#define ZBUF_VERSION_H

#define ZBUF_VERSION_MAJOR 0
#define ZBUF_VERSION_MINOR 1
#define ZBUF_VERSION_PATCH 0
#define ZBUF_VERSION_STRING "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/** Version of the library actually linked, e.g. "0.1.0". */
const char *zbuf_version(void);

#ifdef __cplusplus
}
#endif
#endif
