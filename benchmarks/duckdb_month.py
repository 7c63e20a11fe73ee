#!/usr/bin/env python3
# Copied verbatim (below this header) from the shared benchmark folder, ../shared/bench/duckdb_month.py, so the
# repository is self-contained: `ledger-bench run LOG --period P --duckdb` runs it as the peer to beat.
# Needs `pip install duckdb`, for the benchmark only: it is no dependency of the project.
"""A peer for benchmarks: the same monthly per-unit counts as the default rule set, computed by DuckDB straight from a
v1 JSON Lines log (deadline attribution). usage: duck.py LOG.jsonl YYYY-MM -> JSON on stdout"""
import duckdb, json, sys
log, p = sys.argv[1], sys.argv[2]
y, m = map(int, p.split('-'))
lo = f"{y:04d}-{m:02d}-01 00:00:00+08"
hi = f"{y + (m == 12):04d}-{m % 12 + 1:02d}-01 00:00:00+08"
q = f"""
WITH ev AS (
  SELECT ticket, type, CAST("at" AS TIMESTAMPTZ) AS t, unit, CAST(due AS TIMESTAMPTZ) AS due, "by", rating
  FROM read_json('{log}', format='newline_delimited',
       columns={{'id':'VARCHAR', 'ticket':'VARCHAR', 'type':'VARCHAR', 'at':'VARCHAR', 'unit':'VARCHAR',
                 'due':'VARCHAR', 'by':'VARCHAR', 'rating':'VARCHAR'}})),
tick AS (
  SELECT ticket,
         arg_max(unit, t) FILTER (WHERE type = 'assigned') AS unit,
         arg_max(due, t) FILTER (WHERE type IN ('assigned', 'extended')) AS due,
         arg_max(CASE WHEN type = 'closed' THEN t END, t)
           FILTER (WHERE type = 'closed' OR (type = 'returned' AND "by" = 'center')) AS closed_at
  FROM ev GROUP BY ticket),
d AS (
  SELECT unit, count(*) AS due, count(closed_at) AS done, count(*) FILTER (WHERE closed_at <= due) AS onTime
  FROM tick WHERE due >= '{lo}' AND due < '{hi}' GROUP BY unit),
e AS (
  SELECT unit,
    count(*) FILTER (WHERE type = 'assigned') AS accepted,
    count(*) FILTER (WHERE type = 'returned' AND "by" = 'center') AS rework,
    count(*) FILTER (WHERE type = 'callback-rated' AND rating IN ('satisfied', 'unsatisfied')) AS callbacks,
    count(*) FILTER (WHERE type = 'callback-rated' AND rating = 'unsatisfied') AS unsatisfied
  FROM ev WHERE t >= '{lo}' AND t < '{hi}' AND unit IS NOT NULL GROUP BY unit)
SELECT coalesce(d.unit, e.unit) AS unit, coalesce(accepted, 0), coalesce(due, 0), coalesce(done, 0),
       coalesce(onTime, 0), coalesce(rework, 0), coalesce(callbacks, 0), coalesce(unsatisfied, 0)
FROM d FULL OUTER JOIN e ON d.unit = e.unit
"""
cols = ["unit", "accepted", "due", "done", "onTime", "rework", "callbacks", "unsatisfied"]
rows = duckdb.sql(q).fetchall()
json.dump({"period": p, "units": [dict(zip(cols, r)) for r in rows]}, sys.stdout, ensure_ascii=False)
