#!/usr/bin/env python3
"""Generate the Xiangtan 2019-11 event log that reproduces the published statistics table.

Writes, next to `samples/bulletins/` (Python 3 standard library only):

- `xiangtan-2019-11.jsonl`  hotline tickets -> xiangtan-2019-11-hotline.csv (every column)
                            and xiangtan-2019-11-returns-histogram.csv
- `xiangtan-units.csv`      the roster of the 54 units in published order (header `unit,group`)

The log uses the wire-format additions of the bulletin scheme: `contacted: false` on a
callback (成员单位未答复当事人), `supervised` (电话/书面督办) and `supervision-answered`.

What reproduces, for November 2019 (+08:00), per unit:

- 交办数: assignments made in the month that the unit kept (not declined);
  按期办结数: of those, closed at or before the deadline; 逾期数: the rest.
- 退单数: `returned by=unit` events in the month.
- 回访数 / 回访满意数 / 回访未应答: callbacks rated in the month (some concern October tickets,
  which is why 回访率 can exceed 100%), satisfied, unreachable.
- 成员单位未答复当事人数: unsatisfied callbacks in the month with `contacted: false`.
- 电话/书面督办数 and 回复数: `supervised` and `supervision-answered` events in the month.
- The returns histogram counts the tickets returned in the month by their returns to date: the
  table's 301 returns are one per ticket, and 64 of those tickets had 95 earlier returns in
  October. That is the one reading under which the narrative's "301单次" and its histogram
  (2×5, 6×4, 13×3, 43×2, 237×1) both hold.
- Ticket types (category) of the 3,297 tickets assigned in November: 投诉 2183, 求助 835,
  建议 140, 咨询 137, 其他 2, as in the narrative. Topics are plausible, not the bulletin's
  shares (those are of all 9,744 calls).

Deterministic: one seeded `random.Random` through `random()` only, whole-second times, so two
runs write byte-identical files. The generator recounts its own output and exits 1 on a mismatch.

Usage: python3 samples/tools/make_xiangtan_log.py [--out DIR]
"""
import csv
import json
import os
import sys
from collections import defaultdict

from make_bulletin_logs import DAY, HOUR, MIN, Rng, T, iso

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
BULLETINS = os.path.join(SAMPLES, "bulletins")

SEED = 20191226
M0, M1 = T(2019, 11, 1), T(2019, 12, 1)
OCT = T(2019, 10, 1)
CUT = T(2019, 12, 26)          # publication: nothing happens or is recorded on or after it
DEADLINE_DAYS = [(3, 20), (5, 45), (7, 20), (10, 10), (15, 5)]
TYPES = [("投诉", 2183), ("求助", 835), ("建议", 140), ("咨询", 137), ("其他", 2)]
TOP_TOPICS = [("环境保护", 427), ("住建房管", 291), ("交通管理", 259), ("城市管理", 214), ("供水电气", 139)]
OTHER_TOPICS = ["物业管理", "劳动保障", "医疗卫生", "教育培训", "市场监管", "社会治安", "农业农村", "民政救助",
                "自然资源", "文化旅游", "通信服务", "金融保险", "政务服务", "税务办理", "户籍证件", "其他事项"]
DECLINE_REASONS = ["非本单位职责", "不属于本辖区", "诉求地址不在本辖区", "应由属地政府办理", "辖区插花地带，管辖不明确"]
SUPERVISION_REASONS = ["两次回访不满意", "两次回访不满意，群众反映问题未解决"]
REPLIES = ["已重新联系诉求人并说明办理情况", "已现场核实处理", "已约见诉求人当面沟通"]


class Ticket:
    __slots__ = ("unit", "status", "bg", "t_acc", "t_a", "due", "close", "chain", "callbacks", "supervisions",
                 "category", "topic", "id", "order")

    def __init__(self, unit, status, order, bg=False):
        self.unit, self.status, self.order, self.bg = unit, status, order, bg
        self.t_acc = self.t_a = self.due = self.close = None
        self.chain = []          # earlier assignments that were declined: (unit, assigned, due, declined, reason)
        self.callbacks = []      # (at, rating, contacted)
        self.supervisions = []   # (method, at, answered)
        self.category = self.topic = self.id = None


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def numbers(row):
    keys = ("assigned", "onTimeDone", "overdue", "unitReturns", "callbacks", "unreachable", "satisfied",
            "notContacted", "phoneSupervised", "phoneAnswered", "writtenSupervised", "writtenAnswered")
    return {k: int(row[k]) if row[k] != "" else 0 for k in keys}


class Generator:
    def __init__(self):
        self.r = Rng(SEED)
        self.rows = read_csv(os.path.join(BULLETINS, "xiangtan-2019-11-hotline.csv"))
        self.hist = read_csv(os.path.join(BULLETINS, "xiangtan-2019-11-returns-histogram.csv"))
        self.units = [row["unit"] for row in self.rows]
        self.want = {row["unit"]: numbers(row) for row in self.rows}
        self.tickets = []
        self.kept = defaultdict(list)

    def new(self, unit, status, bg=False):
        t = Ticket(unit, status, len(self.tickets), bg)
        self.tickets.append(t)
        return t

    # ------------------------------------------------------------ tickets
    def plan_kept(self):
        r = self.r
        for unit in self.units:
            w = self.want[unit]
            statuses = ["ontime"] * w["onTimeDone"] + ["late" if r.chance(0.75) else "open" for _ in range(w["overdue"])]
            r.shuffle(statuses)
            self.kept[unit] = [self.new(unit, s) for s in statuses]

    def plan_declines(self):
        """301 returns in November, one per ticket; the histogram's earlier returns fall in October."""
        r = self.r
        decliners = [u for u in self.units for _ in range(self.want[u]["unitReturns"])]
        r.shuffle(decliners)
        totals = [int(h["times"]) for h in self.hist for _ in range(int(h["tickets"]))]
        assert len(totals) == len(decliners), (len(totals), len(decliners))
        r.shuffle(totals)
        pool = [t for u in self.units for t in self.kept[u]]
        taken = set()
        for x, k in zip(decliners, totals):
            while True:
                t = pool[int(r.u() * len(pool))]
                if t.unit != x and id(t) not in taken:
                    break
            taken.add(id(t))
            earlier = []
            for _ in range(k - 1):
                while True:
                    u = self.units[int(r.u() * len(self.units))]
                    if u not in (x, t.unit) and (not earlier or earlier[-1] != u):
                        break
                earlier.append(u)
            t.chain = [(u, None, None, None, None) for u in earlier] + [(x, None, None, None, None)]

    def time_kept(self, t):
        r = self.r
        lo = M0 + DAY if t.chain else M0
        for _ in range(200):
            t_a = r.pick(lo, M1, (8, 20))
            due = t_a + r.weighted(DEADLINE_DAYS) * DAY
            if t.status == "ontime":
                close = r.pick(t_a + 20 * MIN, due + 1, (8, 19), power=1.6)
            elif t.status == "late":
                close = r.pick(due + 10 * MIN, due + 6 * DAY, (8, 19), power=2.0)
            else:
                close = None
            if close is not None and close >= CUT - 2 * DAY:
                continue
            t.t_a, t.due, t.close = t_a, due, close
            return
        raise SystemExit(f"cannot time a ticket of {t.unit}")

    def time_chain(self, t):
        r = self.r
        x = t.chain[-1][0]
        x_at = r.pick(max(M0, t.t_a - 2 * DAY), t.t_a - 2 * HOUR, (8, 20))
        x_back = r.pick(x_at + 30 * MIN, t.t_a - 30 * MIN, (8, 20))
        chain = [(x, x_at, x_at + 5 * DAY, x_back, self.reason())]
        earlier = [c[0] for c in t.chain[:-1]]
        if earlier:
            ps = r.points(M0 - 10 * DAY, M0 - HOUR, 2 * len(earlier), gap=2 * HOUR, hours=(8, 20))
            chain = [(u, ps[2 * i], ps[2 * i] + 5 * DAY, ps[2 * i + 1], self.reason()) for i, u in enumerate(earlier)] + chain
        t.chain = chain
        t.t_acc = chain[0][1] - r.int(3 * MIN, 2 * HOUR)

    def reason(self):
        return self.r.choice(DECLINE_REASONS)

    def background(self, unit):
        """A ticket of October, closed on time in October and called back in November."""
        r = self.r
        t = self.new(unit, "ontime", bg=True)
        t.t_a = r.pick(OCT + 4 * DAY, M0 - 8 * DAY, (8, 20))
        t.due = t.t_a + r.weighted(DEADLINE_DAYS[:2]) * DAY
        t.close = r.pick(t.t_a + 20 * MIN, min(t.due, M0 - 2 * HOUR), (8, 19), power=1.6)
        t.t_acc = t.t_a - r.int(3 * MIN, 2 * HOUR)
        return t

    # --------------------------------------------------------- callbacks
    def plan_callbacks(self, unit):
        r, w = self.r, self.want[unit]
        C, S, U, N = w["callbacks"], w["satisfied"], w["unreachable"], w["notContacted"]
        P, W = w["phoneSupervised"], w["writtenSupervised"]
        assert w["phoneAnswered"] == P and w["writtenAnswered"] == W and W <= P, unit
        unsat = C - S
        assert P <= unsat and N <= C, unit
        doubles = min(P, unsat - P)
        rated_tickets = C - doubles
        closed = [t for t in self.kept[unit] if t.close is not None and t.close < M1 - 2 * HOUR]
        r.shuffle(closed)
        early = [t for t in closed if t.close < M1 - 9 * DAY]
        # supervised tickets: closed early in November, else October tickets
        sup = early[:P]
        sup += [self.background(unit) for _ in range(P - len(sup))]
        rest = [t for t in closed if all(t is not s for s in sup)]
        needed = rated_tickets - P + U
        extra_bg = round(0.08 * needed) if needed >= 5 else 0
        own = rest[:max(0, min(len(rest), needed - extra_bg))]
        own += [self.background(unit) for _ in range(needed - len(own))]
        rated = own[:rated_tickets - P]
        unreachable = own[rated_tickets - P:]
        # ratings: each supervised ticket one or two unsatisfied, the rest shuffled
        ratings = ["unsatisfied"] * (unsat - P - doubles) + ["satisfied"] * S
        r.shuffle(ratings)
        for i, t in enumerate(sup):
            self.supervise(t, two=i < doubles, written=i < W)
        for t, rating in zip(rated, ratings):
            lo = max(t.close + HOUR, M0 + HOUR)
            t.callbacks.append((r.pick(lo, min(lo + 4 * DAY, M1 - 10 * MIN), (9, 20), power=1.5), rating, None))
        for t in unreachable:
            lo = max(t.close + HOUR, M0 + HOUR)
            t.callbacks.append((r.pick(lo, M1 - 10 * MIN, (9, 20)), "unreachable", None))
        # 成员单位未答复当事人: callbacks where the citizen says nobody contacted them; mostly
        # unsatisfied ones (市教育局 has 2 with only 1 unsatisfied callback)
        bad = [(t, i) for t in sup + rated for i, c in enumerate(t.callbacks) if c[1] == "unsatisfied"]
        good = [(t, i) for t in rated for i, c in enumerate(t.callbacks) if c[1] == "satisfied"]
        chosen = r.sample(bad, min(N, len(bad))) + r.sample(good, max(0, N - len(bad)))
        for t, i in chosen:
            at, rating, _ = t.callbacks[i]
            t.callbacks[i] = (at, rating, False)

    def supervise(self, t, two, written):
        r = self.r
        for _ in range(100):
            at = max(t.close + HOUR, M0 + HOUR)
            cbs = [r.pick(at, at + 2 * DAY, (9, 20))]
            if two:
                cbs.append(r.pick(cbs[0] + HOUR, cbs[0] + DAY, (9, 20)))
            phone = r.pick(cbs[-1] + HOUR, cbs[-1] + DAY, (9, 18))
            phone_answer = r.pick(phone + 2 * HOUR, phone + DAY, (9, 18))
            steps = [cbs[-1], phone, phone_answer]
            sups = [("phone", phone, phone_answer)]
            if written:
                letter = r.pick(phone_answer + HOUR, phone_answer + DAY, (9, 18))
                answer = r.pick(letter + DAY, letter + 2 * DAY, (9, 18))
                steps += [letter, answer]
                sups.append(("written", letter, answer))
            if all(a < b for a, b in zip(steps, steps[1:])) and steps[-1] < M1 - 10 * MIN:
                t.callbacks += [(c, "unsatisfied", None) for c in cbs]
                t.supervisions = sups
                return
        raise SystemExit(f"cannot schedule the supervision of a ticket of {t.unit}")

    # ------------------------------------------------------ categories
    def categorize(self):
        r = self.r
        kept = [t for u in self.units for t in self.kept[u]]
        types = [c for c, n in TYPES for _ in range(n)]
        assert len(types) == len(kept), (len(types), len(kept))
        r.shuffle(types)
        top = sum(n for _, n in TOP_TOPICS)
        others = len(kept) - top
        topics = [c for c, n in TOP_TOPICS for _ in range(n)]
        for i, name in enumerate(OTHER_TOPICS):
            topics += [name] * (others // len(OTHER_TOPICS) + (1 if i < others % len(OTHER_TOPICS) else 0))
        r.shuffle(topics)
        for t, c, p in zip(kept, types, topics):
            t.category, t.topic = c, p
        for t in self.tickets:
            if t.bg:
                t.category = r.weighted([(c, n) for c, n in TYPES])
                t.topic = r.choice([c for c, _ in TOP_TOPICS] + OTHER_TOPICS)

    # ----------------------------------------------------------- events
    def events(self, t):
        ev = []

        def add(kind, at, **f):
            ev.append((at, kind, f))

        add("accepted", t.t_acc, channel="hotline", category=t.category, topic=t.topic)
        for unit, at, due, back, reason in t.chain:
            add("assigned", at, unit=unit, due=iso(due))
            add("returned", back, unit=unit, by="unit", reason=reason)
        add("assigned", t.t_a, unit=t.unit, due=iso(t.due))
        if t.close is not None:
            add("closed", t.close, unit=t.unit, reply="已办结并答复诉求人")
        for at, rating, contacted in t.callbacks:
            if contacted is None:
                add("callback-rated", at, unit=t.unit, rating=rating)
            else:
                add("callback-rated", at, unit=t.unit, rating=rating, contacted=contacted)
        for i, (method, at, answered) in enumerate(t.supervisions):
            add("supervised", at, unit=t.unit, method=method, reason=SUPERVISION_REASONS[i % 2])
            add("supervision-answered", answered, unit=t.unit, reply=REPLIES[(t.order + i) % len(REPLIES)])
        ev.sort(key=lambda e: e[0])
        assert ev[0][1] == "accepted" and ev[-1][0] < CUT, t.unit
        return ev

    def run(self, outdir):
        r = self.r
        self.plan_kept()
        self.plan_declines()
        for unit in self.units:
            for t in self.kept[unit]:
                self.time_kept(t)
                if t.chain:
                    self.time_chain(t)
                else:
                    t.t_acc = t.t_a - r.int(3 * MIN, 2 * HOUR)
        for unit in self.units:
            self.plan_callbacks(unit)
        self.categorize()
        by_month = defaultdict(list)
        for t in self.tickets:
            by_month[iso(t.t_acc)[2:7].replace("-", "")].append(t)
        for month, ts in sorted(by_month.items()):
            ts.sort(key=lambda t: (t.t_acc, t.order))
            for n, t in enumerate(ts, 1):
                t.id = f"XT{month}-{n:04d}"
        rows = []
        for t in self.tickets:
            for at, kind, f in self.events(t):
                rows.append((at, len(rows), t.id, kind, f))
        rows.sort(key=lambda x: (x[0], x[1]))
        path = os.path.join(outdir, "xiangtan-2019-11.jsonl")
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for n, (at, _, tid, kind, f) in enumerate(rows, 1):
                obj = {"id": f"x{n}", "ticket": tid, "type": kind, "at": iso(at)}
                obj.update(f)
                out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        with open(os.path.join(outdir, "xiangtan-units.csv"), "w", encoding="utf-8", newline="\n") as out:
            out.write("unit,group\n")
            for unit in self.units:
                out.write(f"{unit},\n")
        return path, len(rows), len(self.tickets)


# --------------------------------------------------------------- recount
def recount(path):
    """Counts November from the written lines alone: unit -> column -> n, and the histogram."""
    count = defaultdict(lambda: defaultdict(int))
    holder, assigned_at, due, closed, pending, returns = {}, {}, {}, {}, defaultdict(list), defaultdict(list)
    in_month = lambda s: s.startswith("2019-11")
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            t, kind, at = e["ticket"], e["type"], e["at"]
            unit = e.get("unit")
            assert kind == "accepted" or isinstance(unit, str), line
            if kind == "assigned":
                holder[t], assigned_at[t], due[t], closed[t] = unit, at, e["due"], None
            elif kind == "returned":
                holder[t] = None
                returns[t].append(at)
                if in_month(at):
                    count[unit]["unitReturns"] += 1
            elif kind == "closed":
                closed[t] = at
            elif kind == "callback-rated":
                if in_month(at):
                    if e["rating"] == "unreachable":
                        count[unit]["unreachable"] += 1
                    else:
                        count[unit]["callbacks"] += 1
                        count[unit]["satisfied"] += e["rating"] == "satisfied"
                        count[unit]["notContacted"] += e.get("contacted") is False
            elif kind == "supervised":
                pending[t].append(e["method"])
                if in_month(at):
                    count[unit][e["method"] + "Supervised"] += 1
            elif kind == "supervision-answered":
                method = pending[t].pop(0)
                if in_month(at):
                    count[unit][method + "Answered"] += 1
    stamp = lambda s: T(int(s[:4]), int(s[5:7]), int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]))
    for t, unit in holder.items():
        if unit is not None and in_month(assigned_at[t]):
            count[unit]["assigned"] += 1
            if closed[t] is not None and stamp(closed[t]) <= stamp(due[t]):
                count[unit]["onTimeDone"] += 1
            else:
                count[unit]["overdue"] += 1
    hist = defaultdict(int)
    for t, ats in returns.items():
        if any(in_month(a) for a in ats):
            hist[min(len(ats), 5)] += 1
    return count, hist


def main(argv):
    outdir = SAMPLES
    if argv[:1] == ["--out"] and len(argv) == 2:
        outdir = argv[1]
    elif argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    g = Generator()
    path, events, tickets = g.run(outdir)
    print(f"{os.path.relpath(path)}: {events:,} events, {tickets:,} tickets, {os.path.getsize(path):,} bytes")
    count, hist = recount(path)
    problems = [f"{u}: {k} {count[u][k]} != {v}" for u in g.units for k, v in g.want[u].items() if count[u][k] != v]
    problems += [f"histogram {h['times']}: {hist[int(h['times'])]} != {h['tickets']}" for h in g.hist
                 if hist[int(h["times"])] != int(h["tickets"])]
    for p in problems:
        print("MISMATCH", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
