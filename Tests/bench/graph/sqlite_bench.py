"""SQLite reference for the graph benchmark: adjacency tables with indexes, WAL, synchronous=FULL (durable commits).

Usage: sqlite_bench.py CSV_DIR DB_PATH USERS QUERIES PASSES [JSON_OUT]
Loads the CSV files written by `studio graph export` (same data as every engine), then runs Q1-Q5.
"""
import csv
import os
import sqlite3
import statistics
import sys
import time

from common import SplitMix64, creators, emit, floor_us, header, timed

SQL_TYPES = {"long": "INTEGER", "double": "REAL", "boolean": "INTEGER"}


def columns(path):
    cols = []
    for h in header(path)[2:]:
        name, _, typ = h.rpartition(":")
        cols.append((name, SQL_TYPES.get(typ, "TEXT")))
    return cols


def main():
    csv_dir, db, users, queries, passes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    out = sys.argv[6] if len(sys.argv) > 6 else None
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA cache_size=-262144")

    t0 = time.perf_counter()
    con.execute("BEGIN")
    counts = 0
    for label in ("Creator", "Content", "Metric"):
        path = f"{csv_dir}/nodes-{label}.csv"
        cols = columns(path)
        con.execute(f"CREATE TABLE {label.lower()} (nid INTEGER PRIMARY KEY, labels TEXT, "
                    + ", ".join(f'"{n}" {t}' for n, t in cols) + ")")
        with open(path, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            ph = ",".join("?" * (len(cols) + 2))
            batch = [r for r in rows]
            counts += len(batch)
            con.executemany(f"INSERT INTO {label.lower()} VALUES ({ph})", batch)
    for typ, prop in (("CREATED", "timestamp"), ("PERFORMS", "engagement")):
        con.execute(f"CREATE TABLE {typ.lower()} (src INTEGER, dst INTEGER, type TEXT, {prop})")
        with open(f"{csv_dir}/relationships-{typ}.csv", newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            batch = [(int(a), int(b), t, float(p) if prop == "engagement" else p) for a, b, t, p in rows]
            counts += len(batch)
            con.executemany(f"INSERT INTO {typ.lower()} VALUES (?,?,?,?)", batch)
    con.execute("CREATE UNIQUE INDEX creator_id ON creator(id)")
    con.execute("CREATE INDEX created_src ON created(src, dst)")
    con.execute("CREATE INDEX performs_src ON performs(src, dst)")
    con.execute("COMMIT")
    import_s = time.perf_counter() - t0

    ids = creators(users, queries)
    q1, found = timed(ids, passes, lambda i: len(con.execute("SELECT * FROM creator WHERE id=?", (i,)).fetchall()))
    q2, rows = timed(ids, passes, lambda i: len(con.execute(
        "SELECT c.* FROM creator u JOIN created r ON r.src=u.nid JOIN content c ON c.nid=r.dst WHERE u.id=?", (i,)).fetchall()))
    views = [0]

    def q3fn(i):
        n, s = con.execute("SELECT count(*), coalesce(sum(m.views),0) FROM creator u JOIN created r ON r.src=u.nid "
                           "JOIN performs p ON p.src=r.dst JOIN metric m ON m.nid=p.dst WHERE u.id=?", (i,)).fetchone()
        views[0] += s
        return n
    q3, metrics = timed(ids, passes, q3fn)
    q4t = []
    for _ in range(3):
        s = time.perf_counter()
        top = con.execute("SELECT u.id, count(DISTINCT r.dst) AS n, avg(p.engagement) AS a FROM creator u "
                          "JOIN created r ON r.src=u.nid JOIN performs p ON p.src=r.dst "
                          "GROUP BY u.nid ORDER BY a DESC, u.id ASC LIMIT 100").fetchall()
        q4t.append(time.perf_counter() - s)

    rng = SplitMix64(11)
    s = time.perf_counter()
    next_id = 100_000_000
    for b in range(100):
        con.execute("BEGIN")
        for i in range(100):
            content = users + 1 + rng.next() % (users * 20)
            con.execute("INSERT INTO metric (nid, labels, id, views, likes, comments, shares) VALUES (?,?,?,?,?,?,?)",
                        (next_id, "Metric", next_id, i, i, 1, 0))
            con.execute("INSERT INTO performs VALUES (?,?,?,?)", (content, next_id, "PERFORMS", i / 1000))
            next_id += 1
        con.execute("COMMIT")
    q5 = 10_000 / (time.perf_counter() - s)
    emit({"engine": "sqlite", "import_s": import_s, "import_entities_per_s": counts / import_s, "q1_us": q1, "q2_us": q2,
          "q3_us": q3, "q4_s": statistics.median(q4t), "q5_nodes_per_s": q5, "q1_found": found, "q2_rows": rows,
          "q3_metrics": metrics, "q3_views": views[0] // (passes + 1), "q4_top_creator": top[0][0],
          "q4_top100_content": sum(r[1] for r in top), "client_floor_us": floor_us(lambda: con.execute("SELECT 1").fetchall())}, out)


if __name__ == "__main__":
    main()
