#!/usr/bin/env python3
"""Check the bulletin sample logs against the published tables (stdlib only).

An independent re-implementation, sharing no code with make_bulletin_logs.py:

1. Wire format and life cycle, line by line: JSON object, required fields and
   their types, RFC 3339 times, unique ids, recording order (`recorded`, else
   `at`, never decreases down the file), nothing on or after the publication
   date, and per ticket: `at` never decreases, `accepted` exactly once and
   first, `assigned` only while unheld, `extended`/`closed` only by the holder
   while open (an extension moves the deadline later), `returned by=unit` only
   by the holder while open, `returned by=center` only after the holder closed
   it, `callback-rated` only for a unit that has closed the ticket.
2. The month's projection per channel (tickets whose `accepted` names it) and
   unit, compared with every count column of the bulletin CSV: accepted (when
   published), due, done, onTime, rework, callbacks, unsatisfied or satisfied.
   Rates, score and grade are recomputed from the projected counts and compared
   too; the two misprints documented in bulletins/README.md are reported as such.
3. The rosters: the CSV's units (and groups) in published order, and every unit
   of the channel's tickets is on the roster.
4. As-of replays: the log is a prefix for every "as of" time, so the table is
   recomputed at every midnight from the end of the month to the publication
   date, and the dates on which it changes are listed.
5. Manual deductions and bonuses (Yueyang): the `adjusted` events of the month
   (each on a stream of its own, never a ticket's) equal, in order, the rows of
   the deduction and bonus tables that are not grade rows (综合考评).

Usage: python3 samples/tools/check_logs.py [--dir DIR]    exit 0 iff everything matches
(DIR holds the logs and rosters; default samples/, the bulletin CSVs always come from samples/bulletins/)
"""
import csv
import datetime as dt
import json
import os
import re
import sys
from collections import defaultdict
from decimal import Decimal as Dec, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
BULLETINS = os.path.join(SAMPLES, "bulletins")
ARGS = sys.argv[1:]
if ARGS[:1] == ["--dir"] and len(ARGS) >= 2:  # check logs and rosters written elsewhere
    SAMPLES = ARGS[1]
TZ = dt.timezone(dt.timedelta(hours=8))

LOGS = [
    dict(log="quyuan-2023-09.jsonl", period="2023-09", published="2023-10-13", tables=[
        ("hotline", "quyuan-2023-09-hotline.csv", "quyuan-units.csv"),
        ("mailbox", "quyuan-2023-09-mailbox.csv", "quyuan-mailbox-units.csv")]),
    dict(log="yueyang-2024-02.jsonl", period="2024-02", published="2024-03-25", tables=[
        ("hotline", "yueyang-2024-02-hotline.csv", "yueyang-hotline-units.csv"),
        ("mailbox", "yueyang-2024-02-mailbox.csv", "yueyang-mailbox-units.csv")],
         adjustments=["yueyang-2024-02-deductions.csv", "yueyang-2024-02-bonuses.csv"]),
]
KNOWN_MISPRINTS = {
    ("yueyang-2024-02-hotline.csv", "屈原管理区", "unsatisfiedRate"),
    ("yueyang-2024-02-mailbox.csv", "南湖新区", "score"),
}
TYPES = {"accepted", "assigned", "returned", "extended", "closed", "callback-rated", "adjusted"}
POINTS = re.compile(r"^[+-]?\d+(\.\d+)?$")
RATINGS = {"satisfied", "unsatisfied", "unreachable"}
RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_time(s):
    """RFC 3339 -> microseconds since the epoch, or None."""
    m = RFC3339.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac, off = m.group(7), m.group(8)
    try:
        if off in ("Z", "z"):
            tz = dt.timezone.utc
        else:
            sign = 1 if off[0] == "+" else -1
            oh, om = int(off[1:3]), int(off[4:6])
            if oh > 23 or om > 59:
                return None
            tz = dt.timezone(sign * dt.timedelta(hours=oh, minutes=om))
        t = dt.datetime(y, mo, d, h, mi, se, tzinfo=tz)
    except ValueError:
        return None
    us = int(t.timestamp()) * 1_000_000
    if frac:
        us += int((frac[1:] + "000000")[:6])
    return us


def month_of(us):
    t = dt.datetime.fromtimestamp(us // 1_000_000, TZ)
    return f"{t.year:04d}-{t.month:02d}"


def midnight(s):
    return parse_time(s + "T00:00:00+08:00")


class Ticket:
    __slots__ = ("channel", "last_at", "holder", "closed", "due", "closers", "close_at", "accepted_line")

    def __init__(self):
        self.channel = None
        self.last_at = None
        self.holder = None
        self.closed = False
        self.due = None
        self.closers = set()
        self.close_at = None
        self.accepted_line = 0


class Replay:
    """Streams one log: validates every line and keeps what the projection needs."""

    def __init__(self, name, published_us):
        self.name = name
        self.published = published_us
        self.errors = []
        self.tickets = {}
        self.ids = {}
        self.count = defaultdict(int)   # (channel, unit, month, column) -> n  (event-time columns)
        self.last_key = None
        self.events = 0
        self.feature = defaultdict(list)  # name -> ticket ids (for the report)
        self.seen_extension_from = {}
        self.adjusted = []   # (unit, points, indicator, reason, ref, at)
        self.adjustment_streams = set()

    def error(self, line, msg):
        self.errors.append(f"{self.name}:{line}: {msg}")

    def apply(self, line_no, text):
        try:
            e = json.loads(text)
        except ValueError as x:
            return self.error(line_no, f"malformed JSON ({x})")
        if not isinstance(e, dict):
            return self.error(line_no, "not a JSON object")
        for f in ("id", "ticket", "type", "at"):
            if not isinstance(e.get(f), str):
                return self.error(line_no, f"missing or mistyped field {f}")
        kind = e["type"]
        if kind not in TYPES:
            return self.error(line_no, f"unknown event type {kind}")
        at = parse_time(e["at"])
        if at is None:
            return self.error(line_no, f"bad timestamp {e['at']}")
        rec = at
        if "recorded" in e:
            rec = parse_time(e["recorded"])
            if rec is None:
                return self.error(line_no, f"bad recorded timestamp {e['recorded']}")
            if rec < at:
                self.error(line_no, "recorded before it happened")
        if e["id"] in self.ids:
            return self.error(line_no, f"duplicate id {e['id']} (first used on line {self.ids[e['id']]})")
        self.ids[e["id"]] = line_no
        if self.last_key is not None and rec < self.last_key:
            self.error(line_no, "out of recording order (recorded/at earlier than the line before)")
        self.last_key = rec
        if max(at, rec) >= self.published:
            self.error(line_no, "event on or after the publication date")
        need = {"assigned": ("unit", "due"), "returned": ("unit", "by"), "extended": ("unit", "due"),
                "closed": ("unit",), "callback-rated": ("unit", "rating")}.get(kind, ())
        for f in need:
            if not isinstance(e.get(f), str):
                return self.error(line_no, f"{kind} without {f}")
        due = None
        if "due" in e and kind != "accepted":
            due = parse_time(e["due"])
            if due is None:
                return self.error(line_no, f"bad due {e['due']}")
        if kind == "returned" and e["by"] not in ("center", "unit"):
            return self.error(line_no, f"returned by {e['by']}")
        if kind == "callback-rated" and e["rating"] not in RATINGS:
            return self.error(line_no, f"unknown rating {e['rating']}")
        self.events += 1

        tid = e["ticket"]
        if kind == "adjusted":   # a manual deduction or bonus on a stream of its own
            for f in ("unit", "indicator", "reason"):
                if not isinstance(e.get(f), str) or not e[f]:
                    return self.error(line_no, f"adjusted without {f}")
            p = e.get("points")
            if isinstance(p, bool) or not (isinstance(p, (int, float)) or (isinstance(p, str) and POINTS.match(p))):
                return self.error(line_no, f"adjusted with bad points {p!r}")
            if tid in self.tickets:
                return self.error(line_no, f"adjusted on ticket {tid}")
            self.adjustment_streams.add(tid)
            self.adjusted.append((e["unit"], Dec(str(p)), e["indicator"], e["reason"], e.get("ref", ""), at))
            return
        if tid in self.adjustment_streams:
            return self.error(line_no, f"{kind} on adjustment stream {tid}")
        t = self.tickets.get(tid)
        if kind == "accepted":
            if t is not None:
                return self.error(line_no, f"ticket {tid} accepted twice (first on line {t.accepted_line})")
            t = self.tickets[tid] = Ticket()
            t.accepted_line, t.last_at, t.channel = line_no, at, e.get("channel")
            return
        if t is None:
            return self.error(line_no, f"ticket {tid} {kind} but it was never accepted")
        if at < t.last_at:
            return self.error(line_no, f"ticket {tid} {kind} goes back in time")
        unit = e["unit"]
        month = month_of(at)
        ch = t.channel
        if kind == "assigned":
            if t.holder is not None:
                return self.error(line_no, f"ticket {tid} assigned while {t.holder} holds it")
            t.holder, t.closed, t.due, t.close_at = unit, False, due, None
            self.count[(ch, unit, month, "accepted")] += 1
        elif kind == "extended":
            if t.holder != unit or t.closed:
                return self.error(line_no, f"ticket {tid} extended by {unit}, not the open holder")
            if due <= t.due:
                return self.error(line_no, f"ticket {tid} extension does not move the deadline later")
            if month_of(t.due) != month_of(due):
                self.feature[f"extension {month_of(t.due)} -> {month_of(due)}"].append(tid)
            t.due = due
        elif kind == "closed":
            if t.holder != unit or t.closed:
                return self.error(line_no, f"ticket {tid} closed by {unit}, not the open holder")
            t.closed, t.close_at = True, at
            t.closers.add(unit)
        elif kind == "returned" and e["by"] == "unit":
            if t.holder != unit or t.closed:
                return self.error(line_no, f"ticket {tid} declined by {unit}, not the open holder")
            t.holder = None
            self.count[(ch, unit, month, "returns")] += 1
            self.feature[f"decline in {month}"].append(tid)
        elif kind == "returned":
            if t.holder != unit or not t.closed:
                return self.error(line_no, f"ticket {tid} reworked but {unit} has not closed it")
            t.closed = False
            if due is not None:
                t.due = due
            self.count[(ch, unit, month, "rework")] += 1
            self.feature[f"rework in {month}"].append(tid)
        else:  # callback-rated
            if unit not in t.closers:
                return self.error(line_no, f"ticket {tid} callback for {unit}, which never closed it")
            self.count[(ch, unit, month, e["rating"])] += 1
            if rec != at:
                self.feature[f"callback recorded late ({e['recorded'][:10]})"].append(tid)
            if t.close_at is not None and month_of(t.close_at) != month:
                self.feature[f"callback in {month} on a closure of {month_of(t.close_at)}"].append(tid)
        t.last_at = at

    def table(self, channel, period):
        """unit -> counts for the period (a month, +08:00)."""
        rows = defaultdict(lambda: defaultdict(int))
        for (ch, unit, month, col), n in self.count.items():
            if ch == channel and month == period:
                rows[unit][col] += n
        for t in self.tickets.values():
            if t.channel != channel or t.holder is None or t.due is None or month_of(t.due) != period:
                continue
            r = rows[t.holder]
            r["due"] += 1
            if t.closed:
                r["done"] += 1
                if t.close_at <= t.due:
                    r["onTime"] += 1
        for r in rows.values():
            r["callbacks"] = r["satisfied"] + r["unsatisfied"]
        return rows


# --------------------------------------------------------------------- scores

def q(x, places):
    return x.quantize(Dec(1).scaleb(-places), rounding=ROUND_HALF_UP)


def scored(r, mailbox):
    """Rates, score and grade from counts, by the Yueyang rules (hotline / mailbox)."""
    due, cb = r["due"], r["callbacks"]
    out = {}
    if mailbox:
        rate = lambda a, b: Dec(0) if b == 0 else Dec(100) * a / b
        out = {"doneRate": rate(r["done"], due), "onTimeRate": rate(r["onTime"], due),
               "reworkRate": rate(r["rework"], due), "satisfiedRate": rate(r["satisfied"], cb)}
        sat = out["satisfiedRate"] if cb else Dec(100)
        s = (30 * out["doneRate"] + 30 * out["onTimeRate"] + 20 * (100 - out["reworkRate"]) + 20 * sat) / 100
        score = q(s, 2) if due else Dec(40)
        bounds = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]
    else:
        rate = lambda a, b: Dec(0) if b == 0 else q(Dec(100) * a / b, 2)
        out = {"doneRate": rate(r["done"], due), "onTimeRate": rate(r["onTime"], due),
               "reworkRate": rate(r["rework"], due), "unsatisfiedRate": rate(r["unsatisfied"], cb)}
        s = (30 * out["doneRate"] + 30 * out["onTimeRate"] + 20 * (100 - out["reworkRate"])
             + 20 * (100 - out["unsatisfiedRate"])) / 100
        score = q(s, 1) if due else Dec(40)
        bounds = [(90, "A"), (85, "B"), (80, "C"), (60, "D")]
    out["score"] = score
    out["grade"] = "E" if not due else next((g for lo, g in bounds if score >= lo), "E")
    return out


def same(published, computed, key):
    if key == "grade":
        return published == computed
    p = Dec(published)
    if key in ("doneRate", "onTimeRate", "reworkRate", "satisfiedRate") and isinstance(computed, Dec):
        # the mailbox table prints exact rates rounded to 2 decimals
        return p == q(computed, 2) or p == computed
    return p == computed


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def compare(rows, table, csv_name, mailbox, problems, notes):
    cols = ["accepted", "due", "done", "onTime", "rework", "callbacks", "satisfied" if mailbox else "unsatisfied"]
    values = 0
    for row in rows:
        unit, got = row["unit"], table.get(row["unit"], defaultdict(int))
        for c in cols:
            if row[c] == "":
                continue   # not published (Yueyang accepted)
            values += 1
            if int(row[c]) != got[c]:
                problems.append(f"{csv_name} {unit} {c}: published {row[c]}, log gives {got[c]}")
        for k, v in scored(got, mailbox).items():
            if not same(row[k], v, k):
                msg = f"{csv_name} {unit} {k}: published {row[k]}, counts give {v}"
                if (csv_name, unit, k) in KNOWN_MISPRINTS:
                    notes.append("documented misprint: " + msg)
                else:
                    problems.append(msg)
    return values


def diff(a, b, units, cols):
    changed = defaultdict(set)
    for u in units:
        for c in cols:
            if a.get(u, {}).get(c, 0) != b.get(u, {}).get(c, 0):
                changed[c].add(u)
    return changed


def check(spec):
    path = os.path.join(SAMPLES, spec["log"])
    pub = midnight(spec["published"])
    period = spec["period"]
    y, m = (int(x) for x in period.split("-"))
    month_end = midnight(f"{y + (m == 12):04d}-{m % 12 + 1:02d}-01")
    boundaries = []
    d = dt.date(y + (m == 12), m % 12 + 1, 1)
    while midnight(d.isoformat()) <= pub:
        boundaries.append(d.isoformat())
        d += dt.timedelta(days=1)
    rp = Replay(spec["log"], pub)
    snaps = {}
    channels = [c for c, _, _ in spec["tables"]]
    bi = 0
    with open(path, encoding="utf-8", newline="") as f:
        for n, line in enumerate(f, 1):
            if not line.endswith("\n"):
                rp.error(n, "last line cut short (no newline)")
            try:
                o = json.loads(line)
                key = parse_time(o.get("recorded", o.get("at")))
            except (ValueError, AttributeError):
                key = None
            while key is not None and bi < len(boundaries) and key >= midnight(boundaries[bi]):
                snaps[boundaries[bi]] = {c: rp.table(c, period) for c in channels}
                bi += 1
            rp.apply(n, line.rstrip("\n"))
    while bi < len(boundaries):
        snaps[boundaries[bi]] = {c: rp.table(c, period) for c in channels}
        bi += 1
    final = {c: rp.table(c, period) for c in channels}

    problems, notes = list(rp.errors), []
    print(f"{spec['log']}: {rp.events:,} events, {len(rp.tickets):,} tickets, "
          f"{os.path.getsize(path):,} bytes; life cycle and recording order: {len(rp.errors)} errors")
    for e in rp.errors[:20]:
        print("  " + e)
    for channel, csv_name, roster_name in spec["tables"]:
        mailbox = channel == "mailbox"
        rows = read_csv(os.path.join(BULLETINS, csv_name))
        roster = read_csv(os.path.join(SAMPLES, roster_name))
        want = [(r["unit"], r["group"]) for r in rows]
        if [(r["unit"], r["group"]) for r in roster] != want:
            problems.append(f"{roster_name}: units/groups differ from {csv_name} (order included)")
        on_roster = {r["unit"] for r in roster}
        in_log = {u for (ch, u, _, _) in rp.count if ch == channel}
        in_log |= {t.holder for t in rp.tickets.values() if t.channel == channel and t.holder}
        stray = in_log - on_roster
        if stray:
            problems.append(f"{channel} units missing from {roster_name}: {', '.join(sorted(stray))}")
        before = len(problems)
        values = compare(rows, final[channel], csv_name, mailbox, problems, notes)
        tab = final[channel]
        totals = {c: sum(tab[r["unit"]][c] for r in rows) for c in
                  ("accepted", "due", "done", "onTime", "rework", "returns", "callbacks", "unreachable")}
        ok = "all match" if len(problems) == before else f"{len(problems) - before} MISMATCHES"
        print(f"  {channel:7} {period} vs {csv_name}: {len(rows)} units, {values} published counts: {ok}; "
              f"roster {roster_name}: {'ok' if not stray and len(problems) == before else 'see below'}")
        print(f"          totals: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
    for n in notes:
        print("  " + n)
    if spec.get("adjustments"):
        rows = [r for name in spec["adjustments"] for r in read_csv(os.path.join(BULLETINS, name))]
        manual = [r for r in rows if not r["indicator"].endswith("综合考评")]
        want = [(r["unit"], Dec(r["points"]), r["indicator"], r["detail"], r["ticket"]) for r in manual]
        got = [a[:5] for a in rp.adjusted if month_of(a[5]) == period]
        ok = got == want
        if not ok:
            problems.append(f"adjusted events differ from the manual rows of {', '.join(spec['adjustments'])}")
        print(f"  adjusted {period}: {len(got)} manual entries vs {len(want)} non-grade rows of "
              f"{' + '.join(spec['adjustments'])}: {'all match' if ok else 'MISMATCH'}; "
              f"{len(rows) - len(manual)} grade rows are left to the rules")
    # as-of replays
    print(f"  as of a day's end (events recorded up to 24:00 +08:00; nothing recorded from {spec['published']} on):")
    cols = ["accepted", "due", "done", "onTime", "rework", "callbacks", "unsatisfied", "satisfied"]
    prev = None
    for day in boundaries:
        snap = snaps[day]
        through = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        parts = []
        for c in channels:
            units = set(snap[c]) | set(final[c]) | (set(prev[c]) if prev else set())
            if prev is not None:
                moved = diff(prev[c], snap[c], units, cols)
                if not moved:
                    continue
                what = f"{c}: " + ", ".join(f"{k} changes in {len(v)} units" for k, v in moved.items())
            else:
                what = f"{c} (month end)"
            vs_final = diff(snap[c], final[c], units, cols)
            parts.append(what + ("; now = published" if not vs_final else "; differs from published in "
                                 + ", ".join(f"{k} ({len(v)} units)" for k, v in vs_final.items())))
        if parts:
            print(f"    {through}: " + " | ".join(parts))
        prev = snap
    if any(diff(snaps[boundaries[-1]][c], final[c], set(final[c]) | set(snaps[boundaries[-1]][c]), cols)
           for c in channels):
        problems.append("the table as of the publication date differs from the whole log")
    # features
    print("  features (count, first tickets):")
    for name in sorted(rp.feature):
        ids = list(dict.fromkeys(rp.feature[name]))
        print(f"    {name}: {len(rp.feature[name])} events on {len(ids)} tickets, e.g. {', '.join(ids[:3])}")
    for p in problems[:50]:
        print("  PROBLEM " + p)
    return problems


def main():
    problems = []
    for spec in LOGS:
        problems += check(spec)
    print(f"check_logs: {'OK' if not problems else str(len(problems)) + ' problems'}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
