/* zbuf-bench --placement-only: the placement decisions as one JSON object (fields in docs/performance.md). */
#include <stdio.h>

#include "placement.h"

static void json_str(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      fprintf(f, "\\u%04x", *s);
    else
      fputc(*s, f);
  }
  fputc('"', f);
}

/* An OS index or cpu, null when there is none (-1). */
static void json_index(FILE *f, int v) {
  if (v < 0)
    fputs("null", f);
  else
    fprintf(f, "%d", v);
}

static void json_ints(FILE *f, const int *v, int n) {
  fputc('[', f);
  for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", v[i]);
  fputc(']', f);
}

static void json_side(FILE *f, const zbuf_bench_side *s, const zbuf_bench_placement *p, const char *indent) {
  fprintf(f, "%s\"near_nodes\": ", indent);
  json_ints(f, s->near_nodes, s->n_near);
  fprintf(f, ",\n%s\"near_node\": ", indent);
  json_index(f, s->near_node);
  fprintf(f, ",\n%s\"near_cpus\": ", indent);
  const zbuf_bench_node *n = zbuf_bench_placement_node(p, s->near_node);
  json_ints(f, n ? n->cpus : NULL, n ? n->ncpus : 0);
  fprintf(f, ",\n%s\"thread_cpu\": ", indent);
  json_index(f, s->thread_cpu);
  fprintf(f, ",\n%s\"thread_shared_with\": ", indent);
  json_index(f, s->thread_shared_with);
  fprintf(f, ",\n%s\"far_node\": ", indent);
  json_index(f, s->far_node);
  fprintf(f, ",\n%s\"far_cpu\": ", indent);
  json_index(f, s->far_cpu);
  fprintf(f, ",\n%s\"far_reason\": ", indent);
  json_str(f, s->far_reason);
  fprintf(f, ",\n%s\"note\": ", indent);
  json_str(f, s->note);
}

static void json_link(FILE *f, const zbuf_bench_gpu *g) {
  fprintf(f, "{\"hwloc_GBps\": %.3f, \"path_min_GBps\": %.3f, \"GTps\": ", g->link_GBps, g->path_GBps);
  if (g->link_gen)
    fprintf(f, "%g, \"gen\": %d, \"width\": %d, \"candidates\": null", g->link_GTps, g->link_gen,
            g->link_width);
  else {
    fputs("null, \"gen\": null, \"width\": null, \"candidates\": ", f);
    json_str(f, g->link_candidates[0] ? g->link_candidates : NULL);
  }
  fprintf(f, ", \"ceiling_GBps\": %.3f, \"ceiling_from\": ", g->ceiling_GBps);
  json_str(f, g->ceiling_from);
  fputc('}', f);
}

void zbuf_bench_placement_json(const zbuf_bench_placement *p, FILE *f) {
  fprintf(f, "{\n  \"topology\": ");
  json_str(f, p->source);
  fprintf(f, ",\n  \"hwloc\": %s,\n  \"note\": ", p->available ? "true" : "false");
  json_str(f, p->note);
  fprintf(f, ",\n  \"allowed\": {\"restricted\": %s, \"cpus\": ", p->restricted ? "true" : "false");
  json_str(f, p->allowed_cpus);
  fprintf(f, ", \"nodes\": ");
  json_str(f, p->allowed_nodes);
  fprintf(f, ", \"from\": ");
  json_str(f, p->available ? p->allowed_from : NULL);
  fprintf(f, "},\n  \"packages\": %d,\n  \"numa_distances\": %s,\n  \"nodes\": [", p->npackages,
          p->has_distances ? "true" : "false");
  for (int i = 0; i < p->nnodes; i++) {
    const zbuf_bench_node *n = &p->nodes[i];
    fprintf(f, "%s\n    {\"os_index\": %d, \"package\": %d, \"usable\": %s, \"gpu_memory\": %s, \"cpus\": ",
            i ? "," : "", n->os_index, n->package, n->usable ? "true" : "false",
            n->gpu_memory ? "true" : "false");
    json_ints(f, n->all_cpus, n->nall_cpus);
    fprintf(f, ", \"allowed_cpus\": ");
    json_ints(f, n->cpus, n->ncpus);
    fputc('}', f);
  }
  fprintf(f, "%s],\n  \"host\": {\n", p->nnodes ? "\n  " : "");
  json_side(f, &p->host, p, "    ");
  fprintf(f, "\n  },\n  \"gpu_note\": ");
  json_str(f, p->gpu_note[0] ? p->gpu_note : NULL);
  fprintf(f, ",\n  \"cuda_note\": ");
  json_str(f, p->cuda_note);
  fprintf(f, ",\n  \"cuda_check\": ");
  json_str(f, p->cuda_check);
  fprintf(f, ",\n  \"gpus\": [");
  for (int i = 0; i < p->ngpus; i++) {
    const zbuf_bench_gpu *g = &p->gpus[i];
    fprintf(f, "%s\n    {\n      \"cuda\": ", i ? "," : "");
    json_index(f, g->cuda);
    fprintf(f, ",\n      \"cuda_topology\": %d,\n      \"ordinal_from\": ", g->cuda_topology);
    json_str(f, g->ordinal_from);
    fprintf(f, ",\n      \"pci\": ");
    json_str(f, g->pci);
    fprintf(f, ",\n      \"name\": ");
    json_str(f, g->name);
    fprintf(f, ",\n      \"link\": ");
    json_link(f, g);
    fprintf(f, ",\n");
    json_side(f, &g->side, p, "      ");
    fprintf(f, "\n    }");
  }
  fprintf(f, "%s]\n}\n", p->ngpus ? "\n  " : "");
}
