/* zbuf: the reference as a plugin. A shared module exporting the one entry symbol of zbuf/impl.h and
 * forwarding to the reference's own entry, so that the `lib:PATH` path of the harness (dlopen, dlsym, entry
 * in every child) is exercised against a known-good implementation: `zbuf-conform --impl lib:PATH` must give
 * the same statuses as `--impl ref:cpu`. The config string passes through unchanged ("cpu", "gpu", NULL). */
#include "zbuf/impl.h"

__attribute__((visibility("default"))) zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config,
                                                                   const zbuf_impl **out, zbuf_error *err);

zbuf_status zbuf_impl_entry(uint32_t requested_abi, const char *config, const zbuf_impl **out,
                            zbuf_error *err) {
  return zbuf_ref_impl_entry(requested_abi, config, out, err);
}
