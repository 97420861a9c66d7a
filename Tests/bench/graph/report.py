"""Prints the graph benchmark table: each figure per engine and studio's ratio to each reference.

Usage: report.py studio.json [kuzu.json] [sqlite.json] [lmdb-c.json]
Ratios are "studio ÷ reference" for times (below 1 = studio faster) and "studio ÷ reference" for rates
(above 1 = studio faster); the last column says which way each row reads.
"""
import json
import sys

ROWS = [
    ("import (nodes+rels)/s", "import_entities_per_s", "rate", "{:,.0f}"),
    ("import, s", "import_s", "time", "{:.2f}"),
    ("Q1 point lookup p50, µs", "q1_us", "time", "{:.2f}"),
    ("Q2 1-hop p50, µs", "q2_us", "time", "{:.1f}"),
    ("Q3 2-hop + Σviews p50, µs", "q3_us", "time", "{:.1f}"),
    ("Q4 top-100 engagement, s", "q4_s", "time", "{:.3f}"),
    ("Q5 durable inserts, nodes/s (1 client)", "q5_nodes_per_s", "rate", "{:,.0f}"),
    ("Q5 with 8 clients (group commit), nodes/s", "q5_group_nodes_per_s", "rate", "{:,.0f}"),
    ("client floor p50, µs", "client_floor_us", "time", "{:.2f}"),
]
CHECKS = ["q1_found", "q2_rows", "q3_metrics", "q3_views", "q4_top_creator", "q4_top100_content"]


def main():
    results = []
    for path in sys.argv[1:]:
        try:
            with open(path) as f:
                results.append(json.loads(f.read()))
        except (OSError, ValueError) as e:
            print(f"(skipping {path}: {e})")
    if not results or results[0].get("engine") != "studio":
        print("no studio results")
        return 1
    studio, refs = results[0], results[1:]
    names = ["studio"] + [r["engine"] for r in refs] + [f"studio/{r['engine']}" for r in refs]
    widths = [44] + [14] * (1 + len(refs)) + [19] * len(refs)
    line = "".join(n.ljust(w) for n, w in zip(["figure"] + names, widths))
    print(line)
    print("-" * len(line))
    for label, key, kind, fmt in ROWS:
        cells = [label]
        for r in [studio] + refs:
            v = r.get(key)
            cells.append(fmt.format(v) if isinstance(v, (int, float)) else "–")
        for r in refs:
            a, b = studio.get(key), r.get(key)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                ratio = a / b
                cells.append(f"×{ratio:.3g} " + ("(faster)" if (ratio < 1) == (kind == "time") else "(slower)"))
            else:
                cells.append("–")
        print("".join(c.ljust(w) for c, w in zip(cells, widths)))
    print()
    agree = all(all(r.get(k) == studio.get(k) for k in CHECKS) for r in refs)
    print("answers (" + ", ".join(CHECKS) + "):")
    for r in [studio] + refs:
        print(f"  {r['engine']:8s} " + ", ".join(str(r.get(k)) for k in CHECKS))
    print("all engines agree" if agree else "ENGINES DISAGREE on some answer (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
