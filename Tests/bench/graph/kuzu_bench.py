"""Kùzu 0.11.3 reference for the graph benchmark (embedded, loading the same CSVs with COPY FROM).

Usage: kuzu_bench.py CSV_DIR DB_PATH USERS QUERIES PASSES [JSON_OUT]
Node tables are keyed by the exported node id (`:ID`), which in the demo equals the creator `id` property,
so Q1 is Kùzu's primary-key index lookup. Columns follow the CSV headers positionally.
"""
import os
import shutil
import statistics
import sys
import time

import kuzu

from common import SplitMix64, creators, emit, floor_us, header, timed

TYPES = {"long": "INT64", "double": "DOUBLE", "boolean": "BOOLEAN", "datetime": "TIMESTAMP", "date": "DATE", "string": "STRING"}
RELS = {"CREATED": ("Creator", "Content"), "PERFORMS": ("Content", "Metric")}


def main():
    csv_dir, db, users, queries, passes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    out = sys.argv[6] if len(sys.argv) > 6 else None
    if os.path.isdir(db):
        shutil.rmtree(db)
    elif os.path.exists(db):
        os.remove(db)
    database = kuzu.Database(db)
    con = kuzu.Connection(database)

    t0 = time.perf_counter()
    for label in ("Creator", "Content", "Metric"):
        path = f"{csv_dir}/nodes-{label}.csv"
        cols = [h.rpartition(":") for h in header(path)[2:]]
        con.execute(f"CREATE NODE TABLE {label}(nid INT64, labels STRING, "
                    + ", ".join(f"{n} {TYPES.get(t, 'STRING')}" for n, _, t in cols) + ", PRIMARY KEY(nid))")
        con.execute(f"COPY {label} FROM '{path}' (HEADER=true)")
    for typ, (src, dst) in RELS.items():
        path = f"{csv_dir}/relationships-{typ}.csv"
        cols = [h.rpartition(":") for h in header(path)[3:]]
        con.execute(f"CREATE REL TABLE {typ}(FROM {src} TO {dst}, type STRING, "
                    + ", ".join(f"{n} {TYPES.get(t, 'STRING')}" for n, _, t in cols) + ")")
        con.execute(f"COPY {typ} FROM '{path}' (HEADER=true)")
    import_s = time.perf_counter() - t0
    counts = sum(con.execute(f"MATCH (n:{l}) RETURN count(*)").get_next()[0] for l in ("Creator", "Content", "Metric"))
    counts += sum(con.execute(f"MATCH ()-[r:{t}]->() RETURN count(*)").get_next()[0] for t in RELS)

    def rows(query, params):
        r = con.execute(query, params)
        n = 0
        while r.has_next():
            r.get_next()
            n += 1
        return n

    ids = creators(users, queries)
    q1, found = timed(ids, passes, lambda i: rows("MATCH (u:Creator) WHERE u.nid = $id RETURN u.*", {"id": i}))
    q2, nrows = timed(ids, passes, lambda i: rows("MATCH (u:Creator)-[:CREATED]->(c:Content) WHERE u.nid = $id RETURN c.*", {"id": i}))
    views = [0]

    def q3fn(i):
        n, s = con.execute("MATCH (u:Creator)-[:CREATED]->(:Content)-[:PERFORMS]->(m:Metric) WHERE u.nid = $id "
                           "RETURN count(m), sum(m.views)", {"id": i}).get_next()
        views[0] += int(s or 0)
        return int(n)
    q3, metrics = timed(ids, passes, q3fn)

    q4t = []
    for _ in range(3):
        s = time.perf_counter()
        # count(DISTINCT c) next to avg() makes Kùzu 0.11.3 return a null average, so aggregate per content first.
        r = con.execute("MATCH (u:Creator)-[:CREATED]->(c:Content)-[p:PERFORMS]->(:Metric) "
                        "WITH u, c, sum(p.engagement) AS s, count(*) AS k "
                        "RETURN u.id AS id, count(*) AS n, sum(s) / sum(k) AS a ORDER BY a DESC, id ASC LIMIT 100")
        top = []
        while r.has_next():
            top.append(r.get_next())
        q4t.append(time.perf_counter() - s)

    rng = SplitMix64(11)
    s = time.perf_counter()
    next_id = 100_000_000
    for b in range(100):
        con.execute("BEGIN TRANSACTION")
        for i in range(100):
            content = users + 1 + rng.next() % (users * 20)
            con.execute("MATCH (c:Content) WHERE c.nid = $c CREATE (c)-[:PERFORMS {type: 'PERFORMS', engagement: $e}]->"
                        "(:Metric {nid: $m, labels: 'Metric', id: $m, views: $v, likes: $v, comments: 1, shares: 0})",
                        {"c": content, "e": i / 1000, "m": next_id, "v": i})
            next_id += 1
        con.execute("COMMIT")
    q5 = 10_000 / (time.perf_counter() - s)
    emit({"engine": "kuzu", "import_s": import_s, "import_entities_per_s": counts / import_s, "q1_us": q1, "q2_us": q2,
          "q3_us": q3, "q4_s": statistics.median(q4t), "q5_nodes_per_s": q5, "q1_found": found, "q2_rows": nrows,
          "q3_metrics": metrics, "q3_views": views[0] // (passes + 1), "q4_top_creator": int(top[0][0]),
          "q4_top100_content": int(sum(r[1] for r in top)), "client_floor_us": floor_us(lambda: con.execute("RETURN 1").get_next())}, out)


if __name__ == "__main__":
    main()
