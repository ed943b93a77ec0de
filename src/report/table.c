/*
 * Column-aligned text tables (see table.h).
 */
#include "table.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;
    int right;
} cell;

struct vg_table {
    size_t ncols, ncells, cap;
    cell *cells;
    int failed; /* a cell could not be added: printing fails rather than misalign columns */
};

vg_table *vg_table_new(size_t ncols) {
    vg_table *t = calloc(1, sizeof *t);
    if (t)
        t->ncols = ncols ? ncols : 1;
    return t;
}

void vg_table_free(vg_table *t) {
    if (!t)
        return;
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t);
}

int vg_table_cell(vg_table *t, int right, const char *fmt, ...) {
    if (t->failed)
        return -1;
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        cell *c = realloc(t->cells, cap * sizeof *c);
        if (!c) {
            t->failed = 1;
            return -1;
        }
        t->cells = c;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = 1;
        return -1;
    }
    /* keep the table one line per row */
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    t->cells[t->ncells].text = s;
    t->cells[t->ncells].right = right;
    t->ncells++;
    return 0;
}

int vg_table_num(vg_table *t, double x) {
    if (x != x)
        return vg_table_cell(t, 1, "-");
    if (x == floor(x) && fabs(x) < 1e15)
        return vg_table_cell(t, 1, "%.0f", x);
    return vg_table_cell(t, 1, "%.6g", x);
}

static size_t width(const char *s) {
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

int vg_table_print(const vg_table *t, FILE *f) {
    if (t->failed)
        return -1;
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return -1;
    for (size_t i = 0; i < t->ncells; i++) {
        size_t cw = width(t->cells[i].text);
        if (cw > w[i % t->ncols])
            w[i % t->ncols] = cw;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        size_t col = i % t->ncols;
        const cell *c = &t->cells[i];
        int pad = (int)(w[col] - width(c->text));
        int last = col + 1 == t->ncols || i + 1 == t->ncells;
        if (c->right)
            fprintf(f, "%*s%s", pad, "", c->text);
        else
            fprintf(f, "%s%*s", c->text, last ? 0 : pad, "");
        fputs(last ? "\n" : "  ", f);
    }
    free(w);
    return ferror(f) ? -1 : 0;
}
