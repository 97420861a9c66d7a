/*
 * The floor of what LMDB allows for the issue-3 graph benchmark: the simplest layout, in C.
 *   nodes:  id (u64 BE) -> record (for Metric: views as i64 first, then the CSV row text)
 *   ids:    creator id property (u64 BE) -> node id (the "indexed id")
 *   out:    DUPSORT|DUPFIXED  (node u64 BE, type u8) -> (other u64 BE, rel u64 BE)
 *   rels:   rel id (u64 BE) -> engagement (double) for PERFORMS, empty for CREATED
 * Usage: lmdb_floor CSV_DIR DB_DIR USERS QUERIES PASSES   (prints one JSON object)
 * Reads the CSV files written by `studio graph export` (plain rows, no quoted commas in the demo data).
 */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#define CHECK(x) do { int rc_ = (x); if (rc_) { fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, mdb_strerror(rc_)); exit(1); } } while (0)

static MDB_env *env;
static MDB_dbi nodes, ids, out, rels;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void be64(uint64_t v, unsigned char *p) { for (int i = 7; i >= 0; i--) { p[i] = v & 0xff; v >>= 8; } }
static uint64_t rd64(const unsigned char *p) { uint64_t v = 0; for (int i = 0; i < 8; i++) v = v << 8 | p[i]; return v; }

static uint64_t sm_state;
static uint64_t sm_next(void) {
    uint64_t z = (sm_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static double median(double *v, int n) { qsort(v, n, sizeof(double), cmp_d); return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; }

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END); *len = ftell(f); fseek(f, 0, SEEK_SET);
    char *b = malloc(*len + 1);
    if (fread(b, 1, *len, f) != *len) { perror(path); exit(1); }
    b[*len] = 0; fclose(f);
    return b;
}

/* Field k (0-based) of a comma-separated line into out; returns its length. */
static int field(const char *line, int k, const char **start) {
    const char *p = line;
    for (int i = 0; i < k; i++) { p = strchr(p, ','); if (!p) return -1; p++; }
    const char *e = p; while (*e && *e != ',' && *e != '\n') e++;
    *start = p; return (int)(e - p);
}

static int column(const char *header, const char *name) {
    const char *p = header; int k = 0;
    while (*p && *p != '\n') {
        const char *e = p; while (*e && *e != ',' && *e != '\n') e++;
        if ((size_t)(e - p) >= strlen(name) && strncmp(p, name, strlen(name)) == 0) return k;
        k++; p = *e == ',' ? e + 1 : e;
    }
    return -1;
}

static long load_nodes(MDB_txn *txn, const char *path, int kind /* 0 creator, 1 content, 2 metric */) {
    size_t len; char *buf = slurp(path, &len);
    char *line = strchr(buf, '\n') + 1;
    int views_col = kind == 2 ? column(buf, "views:") : -1;
    int id_col = column(buf, "id:");
    long n = 0; unsigned char key[8], rec[4096];
    while (line && *line) {
        char *nl = strchr(line, '\n'); if (nl) *nl = 0;
        uint64_t id = strtoull(line, NULL, 10);
        size_t rlen = strlen(line), off = 0;
        if (kind == 2) { const char *v; field(line, views_col, &v); int64_t views = strtoll(v, NULL, 10); memcpy(rec, &views, 8); off = 8; }
        memcpy(rec + off, line, rlen);
        be64(id, key);
        MDB_val k = { 8, key }, d = { off + rlen, rec };
        CHECK(mdb_put(txn, nodes, &k, &d, MDB_APPEND));
        if (kind == 0) {
            const char *v; field(line, id_col, &v); unsigned char ik[8], iv[8]; be64(strtoull(v, NULL, 10), ik); be64(id, iv);
            MDB_val a = { 8, ik }, b = { 8, iv }; CHECK(mdb_put(txn, ids, &a, &b, 0));
        }
        n++; line = nl ? nl + 1 : NULL;
    }
    free(buf); return n;
}

typedef struct { uint64_t src, dst, rel; double eng; } Edge;
static int cmp_edge(const void *a, const void *b) {
    const Edge *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->dst != y->dst) return x->dst < y->dst ? -1 : 1;
    return x->rel < y->rel ? -1 : x->rel > y->rel;
}

static uint64_t next_rel = 1;
static long load_rels(MDB_txn *txn, const char *path, unsigned char type) {
    size_t len; char *buf = slurp(path, &len);
    int eng_col = column(buf, "engagement:");
    long cap = 1 << 20, n = 0; Edge *e = malloc(cap * sizeof(Edge));
    char *line = strchr(buf, '\n') + 1;
    while (line && *line) {
        char *nl = strchr(line, '\n'); if (nl) *nl = 0;
        if (n == cap) { cap *= 2; e = realloc(e, cap * sizeof(Edge)); }
        char *p; e[n].src = strtoull(line, &p, 10); e[n].dst = strtoull(p + 1, NULL, 10); e[n].rel = next_rel++;
        e[n].eng = 0; if (eng_col >= 0) { const char *v; field(line, eng_col, &v); e[n].eng = strtod(v, NULL); }
        unsigned char rk[8]; be64(e[n].rel, rk);
        MDB_val k = { 8, rk }, d = { eng_col >= 0 ? 8 : 0, &e[n].eng };
        CHECK(mdb_put(txn, rels, &k, &d, MDB_APPEND));
        n++; line = nl ? nl + 1 : NULL;
    }
    qsort(e, n, sizeof(Edge), cmp_edge);
    for (long i = 0; i < n; i++) {
        unsigned char k9[9], v[16]; be64(e[i].src, k9); k9[8] = type; be64(e[i].dst, v); be64(e[i].rel, v + 8);
        MDB_val k = { 9, k9 }, d = { 16, v };
        CHECK(mdb_put(txn, out, &k, &d, MDB_APPENDDUP));
    }
    free(e); free(buf); return n;
}

/* Calls fn(other, rel, ctx) for each out-neighbour of (node, type). */
static void each_out(MDB_cursor *c, uint64_t node, unsigned char type, void (*fn)(uint64_t, uint64_t, void *), void *ctx) {
    unsigned char k9[9]; be64(node, k9); k9[8] = type;
    MDB_val k = { 9, k9 }, d;
    if (mdb_cursor_get(c, &k, &d, MDB_SET)) return;
    size_t count; mdb_cursor_count(c, &count);
    if (count == 1) { fn(rd64(d.mv_data), rd64((unsigned char *)d.mv_data + 8), ctx); return; }
    int op = MDB_GET_MULTIPLE;
    while (mdb_cursor_get(c, &k, &d, op) == 0) {
        op = MDB_NEXT_MULTIPLE;
        for (size_t i = 0; i + 16 <= d.mv_size; i += 16) fn(rd64((unsigned char *)d.mv_data + i), rd64((unsigned char *)d.mv_data + i + 8), ctx);
    }
}

typedef struct { MDB_txn *txn; MDB_cursor *c2; long rows; long metrics; int64_t views; char copy[4096]; } Q;
static void q2_row(uint64_t other, uint64_t rel, void *ctx) {
    Q *q = ctx; unsigned char k8[8]; be64(other, k8); MDB_val k = { 8, k8 }, d;
    if (mdb_get(q->txn, nodes, &k, &d) == 0) { memcpy(q->copy, d.mv_data, d.mv_size < 4096 ? d.mv_size : 4096); q->rows++; }
    (void)rel;
}
static void q3_metric(uint64_t other, uint64_t rel, void *ctx) {
    Q *q = ctx; unsigned char k8[8]; be64(other, k8); MDB_val k = { 8, k8 }, d;
    if (mdb_get(q->txn, nodes, &k, &d) == 0) { int64_t v; memcpy(&v, d.mv_data, 8); q->views += v; q->metrics++; }
    (void)rel;
}
static void q3_content(uint64_t other, uint64_t rel, void *ctx) { Q *q = ctx; each_out(q->c2, other, 2, q3_metric, q); (void)rel; }

static uint64_t creator_node(MDB_txn *txn, uint64_t id) {
    unsigned char k8[8]; be64(id, k8); MDB_val k = { 8, k8 }, d;
    if (mdb_get(txn, ids, &k, &d)) return 0;
    return rd64(d.mv_data);
}

typedef struct { int64_t id; long content; double avg; } Row;
static int cmp_row(const void *a, const void *b) {
    const Row *x = a, *y = b;
    if (x->avg != y->avg) return x->avg > y->avg ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}
typedef struct { MDB_txn *txn; MDB_cursor *c2; double sum; long metrics; long content; int had; } Q4;
static void q4_metric(uint64_t other, uint64_t rel, void *ctx) {
    Q4 *q = ctx; unsigned char k8[8]; be64(rel, k8); MDB_val k = { 8, k8 }, d;
    if (mdb_get(q->txn, rels, &k, &d) == 0 && d.mv_size == 8) { double e; memcpy(&e, d.mv_data, 8); q->sum += e; q->metrics++; q->had = 1; }
    (void)other;
}
static void q4_content(uint64_t other, uint64_t rel, void *ctx) { Q4 *q = ctx; q->had = 0; each_out(q->c2, other, 2, q4_metric, q); if (q->had) q->content++; (void)rel; }

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s CSV_DIR DB_DIR USERS QUERIES PASSES\n", argv[0]); return 2; }
    const char *csv = argv[1], *dir = argv[2]; int users = atoi(argv[3]), queries = atoi(argv[4]), passes = atoi(argv[5]);
    mkdir(dir, 0755);
    CHECK(mdb_env_create(&env)); CHECK(mdb_env_set_maxdbs(env, 8)); CHECK(mdb_env_set_mapsize(env, (size_t)8 << 30));
    CHECK(mdb_env_open(env, dir, MDB_NOTLS, 0644));
    char path[4096]; MDB_txn *txn;

    double t0 = now();
    CHECK(mdb_txn_begin(env, NULL, 0, &txn));
    CHECK(mdb_dbi_open(txn, "nodes", MDB_CREATE, &nodes)); CHECK(mdb_dbi_open(txn, "ids", MDB_CREATE, &ids));
    CHECK(mdb_dbi_open(txn, "out", MDB_CREATE | MDB_DUPSORT | MDB_DUPFIXED, &out)); CHECK(mdb_dbi_open(txn, "rels", MDB_CREATE, &rels));
    long n = 0, r = 0;
    snprintf(path, sizeof path, "%s/nodes-Creator.csv", csv); n += load_nodes(txn, path, 0);
    snprintf(path, sizeof path, "%s/nodes-Content.csv", csv); n += load_nodes(txn, path, 1);
    snprintf(path, sizeof path, "%s/nodes-Metric.csv", csv); n += load_nodes(txn, path, 2);
    snprintf(path, sizeof path, "%s/relationships-CREATED.csv", csv); r += load_rels(txn, path, 1);
    snprintf(path, sizeof path, "%s/relationships-PERFORMS.csv", csv); r += load_rels(txn, path, 2);
    CHECK(mdb_txn_commit(txn));
    double import_s = now() - t0;

    uint64_t *creators = malloc(queries * sizeof(uint64_t)); sm_state = 7;
    for (int i = 0; i < queries; i++) creators[i] = sm_next() % (uint64_t)users + 1;
    double *samples = malloc(queries * sizeof(double)), med[3][16]; long checks[3] = { 0, 0, 0 }; int64_t views = 0;
    for (int qn = 0; qn < 3; qn++) {
        for (int pass = 0; pass <= passes; pass++) {
            long total = 0;
            for (int i = 0; i < queries; i++) {
                double s = now();
                MDB_txn *rt; CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &rt));
                uint64_t u = creator_node(rt, creators[i]);
                if (qn == 0) {
                    unsigned char k8[8]; be64(u, k8); MDB_val k = { 8, k8 }, d; char copy[4096];
                    if (u && mdb_get(rt, nodes, &k, &d) == 0) { memcpy(copy, d.mv_data, d.mv_size < 4096 ? d.mv_size : 4096); total++; }
                } else {
                    Q q = { rt, NULL, 0, 0, 0, {0} }; MDB_cursor *c1; CHECK(mdb_cursor_open(rt, out, &c1)); CHECK(mdb_cursor_open(rt, out, &q.c2));
                    each_out(c1, u, 1, qn == 1 ? q2_row : q3_content, &q);
                    total += qn == 1 ? q.rows : q.metrics; if (qn == 2 && pass == passes) views += q.views;
                    mdb_cursor_close(c1); mdb_cursor_close(q.c2);
                }
                mdb_txn_abort(rt);
                samples[i] = (now() - s) * 1e6;
            }
            if (pass > 0) med[qn][pass - 1] = median(samples, queries);
            checks[qn] = total;
        }
    }
    double q1 = median(med[0], passes), q2 = median(med[1], passes), q3 = median(med[2], passes);

    double q4t[3]; Row *rows = malloc(users * sizeof(Row)); long top_content = 0; int64_t top_id = 0;
    for (int rep = 0; rep < 3; rep++) {
        double s = now(); MDB_txn *rt; CHECK(mdb_txn_begin(env, NULL, MDB_RDONLY, &rt));
        MDB_cursor *ci, *c1, *c2; CHECK(mdb_cursor_open(rt, ids, &ci)); CHECK(mdb_cursor_open(rt, out, &c1)); CHECK(mdb_cursor_open(rt, out, &c2));
        MDB_val k, d; int nrows = 0, op = MDB_FIRST;
        while (mdb_cursor_get(ci, &k, &d, op) == 0) {
            op = MDB_NEXT;
            Q4 q = { rt, c2, 0, 0, 0, 0 };
            each_out(c1, rd64(d.mv_data), 1, q4_content, &q);
            if (q.metrics) { rows[nrows].id = (int64_t)rd64(k.mv_data); rows[nrows].content = q.content; rows[nrows].avg = q.sum / q.metrics; nrows++; }
        }
        qsort(rows, nrows, sizeof(Row), cmp_row);
        top_content = 0; for (int i = 0; i < 100 && i < nrows; i++) top_content += rows[i].content;
        top_id = rows[0].id;
        mdb_cursor_close(ci); mdb_cursor_close(c1); mdb_cursor_close(c2); mdb_txn_abort(rt);
        q4t[rep] = now() - s;
    }
    double q4 = median(q4t, 3);

    sm_state = 11; uint64_t next_node = 100000000;
    double s5 = now();
    for (int b = 0; b < 100; b++) {
        CHECK(mdb_txn_begin(env, NULL, 0, &txn));
        for (int i = 0; i < 100; i++) {
            uint64_t content = (uint64_t)users + 1 + sm_next() % ((uint64_t)users * 20), m = next_node++, rel = next_rel++;
            unsigned char k8[8], rec[64], k9[9], v[16]; double e = (i % 100) / 1000.0; int64_t vw = i;
            be64(m, k8); memcpy(rec, &vw, 8); int rl = 8 + snprintf((char *)rec + 8, 56, "%llu,Metric", (unsigned long long)m);
            MDB_val k = { 8, k8 }, d = { (size_t)rl, rec }; CHECK(mdb_put(txn, nodes, &k, &d, 0));
            be64(content, k9); k9[8] = 2; be64(m, v); be64(rel, v + 8);
            MDB_val ak = { 9, k9 }, av = { 16, v }; CHECK(mdb_put(txn, out, &ak, &av, 0));
            be64(rel, k8); MDB_val rk = { 8, k8 }, rv = { 8, &e }; CHECK(mdb_put(txn, rels, &rk, &rv, 0));
        }
        CHECK(mdb_txn_commit(txn));
    }
    double q5 = 10000 / (now() - s5);

    printf("{\"engine\": \"lmdb-c\", \"import_s\": %.4f, \"import_entities_per_s\": %.1f, \"q1_us\": %.3f, \"q2_us\": %.3f, \"q3_us\": %.3f, "
           "\"q4_s\": %.4f, \"q5_nodes_per_s\": %.1f, \"q1_found\": %ld, \"q2_rows\": %ld, \"q3_metrics\": %ld, \"q3_views\": %lld, "
           "\"q4_top_creator\": %lld, \"q4_top100_content\": %ld}\n",
           import_s, (n + r) / import_s, q1, q2, q3, q4, q5, checks[0], checks[1], checks[2], (long long)views, (long long)top_id, top_content);
    mdb_env_close(env);
    return 0;
}
