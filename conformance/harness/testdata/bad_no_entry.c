/* zbuf-conform test data: a shared object that is not a zbuf implementation at all (no zbuf_impl_entry). The
 * harness must refuse it (exit 2, naming the missing symbol) instead of crashing. */
__attribute__((visibility("default"))) int zbuf_not_an_entry(void);
int zbuf_not_an_entry(void) { return 42; }
