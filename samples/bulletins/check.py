#!/usr/bin/env python3
"""Verify the transcribed bulletin CSVs in this folder (stdlib only).

For every row it recomputes the published rates from the counts, the
composite score and the grade with exact decimal arithmetic (ROUND_HALF_UP),
checks how the derived `callbacks` column was obtained, checks unit rows
against the published total rows, and checks the tables against the figures
quoted in each bulletin's narrative.  Mismatches are compared with the list of
documented misprints (KNOWN below, also in README.md).

Usage: python3 check.py [-v]        exit status 0 iff no undocumented mismatch
"""
import csv
import os
import sys
from collections import Counter
from decimal import Decimal as D, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
VERBOSE = "-v" in sys.argv[1:]

# (file, unit, field) -> why the published value is not reproduced
KNOWN = {
    ("yueyang-2024-02-hotline.csv", "屈原管理区", "unsatisfiedRate"):
        "21 unsatisfied cannot give 20.83% for any whole number of callbacks",
    ("yueyang-2024-02-mailbox.csv", "南湖新区", "score"):
        "counts give 98.82; 99.41 is the score with 0 rework",
}

HOT_BOUNDS = [(D(90), "A"), (D(85), "B"), (D(80), "C"), (D(60), "D")]
MAIL_BOUNDS = [(D(90), "A"), (D(80), "B"), (D(70), "C"), (D(60), "D")]


def q(x, places):
    return x.quantize(D(1).scaleb(-places), rounding=ROUND_HALF_UP)


def pct2(a, b):
    """a/b as a percentage rounded half-up to 2 decimals; 0 when b == 0."""
    return D(0) if b == 0 else q(D(100) * a / b, 2)


def grade(score, bounds):
    for lo, g in bounds:
        if score >= lo:
            return g
    return "E"


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def i(v):
    return int(v)


class Report:
    def __init__(self):
        self.unexpected = []
        self.known = []
        self.lines = []

    def mismatch(self, file, unit, field, published, computed):
        key = (file, unit, field)
        msg = f"{file}: {unit}: {field} published {published}, computed {computed}"
        if key in KNOWN:
            self.known.append(key)
            self.lines.append("  known misprint  " + msg + " (" + KNOWN[key] + ")")
        else:
            self.unexpected.append(msg)
            self.lines.append("  MISMATCH        " + msg)

    def check(self, ok, what):
        if not ok:
            self.unexpected.append(what)
            self.lines.append("  FAILED          " + what)
        elif VERBOSE:
            self.lines.append("  ok              " + what)


R = Report()


# ---------------------------------------------------------------- hotline
def hotline_score(due, done, on_time, rework, unsat, callbacks):
    if due == 0:
        return D(40)
    dr = pct2(done, due) / 100
    otr = pct2(on_time, due) / 100
    rwr = pct2(rework, due) / 100
    ur = pct2(unsat, callbacks) / 100
    return q(30 * dr + 30 * otr + 20 * (1 - rwr) + 20 * (1 - ur), 1)


def smallest_n(k, published_rate):
    """Smallest n >= k with round_half_up(100*k/n, 2) == published_rate, or None."""
    n = max(k, 1)
    while n <= 100000:
        if pct2(k, n) == published_rate:
            return n
        if D(100) * k / n < published_rate - 1:
            return None
        n += 1
    return None


def check_hotline(file, rows):
    exact = score_ok = 0
    for r in rows:
        unit = r["unit"]
        due, done, on_time = i(r["due"]), i(r["done"]), i(r["onTime"])
        rework, unsat, cb = i(r["rework"]), i(r["unsatisfied"]), i(r["callbacks"])
        bad = 0
        for field, num, den in (("doneRate", done, due), ("onTimeRate", on_time, due),
                                ("reworkRate", rework, due),
                                ("unsatisfiedRate", unsat, cb)):
            if pct2(num, den) != D(r[field]):
                R.mismatch(file, unit, field, r[field], pct2(num, den)); bad += 1
        # how callbacks was obtained
        if unsat == 0:
            # undetermined by the rate: any n >= 0 reproduces 0%; the note says how it was chosen
            R.check(cb >= 0 and "callbacks" in r["note"] or due == 0,
                    f"{file}: {unit}: callbacks {cb} chosen and documented")
        else:
            n = smallest_n(unsat, D(r["unsatisfiedRate"]))
            if n is None:
                R.check((file, unit, "unsatisfiedRate") in KNOWN,
                        f"{file}: {unit}: no n reproduces the rate and it is not a known misprint")
            else:
                R.check(cb == n, f"{file}: {unit}: callbacks {cb} == smallest n = {n}")
        s = hotline_score(due, done, on_time, rework, unsat, cb)
        g = grade(s, HOT_BOUNDS)
        if s != D(r["score"]):
            R.mismatch(file, unit, "score", r["score"], s); bad += 1
        if g != r["grade"]:
            R.mismatch(file, unit, "grade", r["grade"], g); bad += 1
        R.check(grade(D(r["score"]), HOT_BOUNDS) == r["grade"] or due == 0,
                f"{file}: {unit}: published grade fits published score")
        if due == 0:
            R.check(r["grade"] == "E" and D(r["score"]) == 40, f"{file}: {unit}: nothing due -> 40/E")
        if s == D(r["score"]) and g == r["grade"]:
            score_ok += 1
        if not bad:
            exact += 1
    return exact, score_ok


# ---------------------------------------------------------------- mailbox
def mailbox_score(due, done, on_time, rework, sat, callbacks):
    if due == 0:
        return D(40)
    sr = D(0) if callbacks == 0 else D(sat) / callbacks
    return q(30 * D(done) / due + 30 * D(on_time) / due + 20 * (1 - D(rework) / due) + 20 * sr, 2)


def check_mailbox(file, rows):
    exact = score_ok = 0
    for r in rows:
        unit = r["unit"]
        due, done, on_time = i(r["due"]), i(r["done"]), i(r["onTime"])
        rework, sat, cb = i(r["rework"]), i(r["satisfied"]), i(r["callbacks"])
        bad = 0
        for field, num, den in (("doneRate", done, due), ("onTimeRate", on_time, due),
                                ("reworkRate", rework, due), ("satisfiedRate", sat, cb)):
            if pct2(num, den) != D(r[field]):
                R.mismatch(file, unit, field, r[field], pct2(num, den)); bad += 1
        rate = D(r["satisfiedRate"])
        want = sat if rate == 100 else smallest_n(sat, rate)
        R.check(cb == want, f"{file}: {unit}: callbacks {cb} == derived {want}")
        s = mailbox_score(due, done, on_time, rework, sat, cb)
        g = grade(s, MAIL_BOUNDS)
        if s != D(r["score"]):
            R.mismatch(file, unit, "score", r["score"], s); bad += 1
        if g != r["grade"]:
            R.mismatch(file, unit, "grade", r["grade"], g); bad += 1
        R.check(grade(D(r["score"]), MAIL_BOUNDS) == r["grade"],
                f"{file}: {unit}: published grade fits published score")
        if s == D(r["score"]) and g == r["grade"]:
            score_ok += 1
        if not bad:
            exact += 1
    return exact, score_ok


def check_sums(file, rows, total, fields):
    for f in fields:
        s = sum(i(r[f]) for r in rows if r[f] != "")
        R.check(s == i(total[f]), f"{file}: sum of {f} over units {s} == total {total[f]}")


# ---------------------------------------------------------------- Xiangtan
XT_NUM = ["assigned", "onTimeDone", "overdue", "unitReturns", "callbacks", "unreachable",
          "satisfied", "notContacted", "phoneSupervised", "phoneAnswered",
          "writtenSupervised", "writtenAnswered"]


def check_xiangtan(file, rows):
    exact = 0
    for r in rows:
        unit, bad = r["unit"], 0
        a, ot, od = i(r["assigned"]), i(r["onTimeDone"]), i(r["overdue"])
        if a != ot + od:
            R.mismatch(file, unit, "assigned", a, ot + od); bad += 1
        checks = [("onTimeRate", ot, a)]
        if r["callbacks"] != "":
            cb, un, sat = i(r["callbacks"]), i(r["unreachable"]), i(r["satisfied"])
            checks += [("callbackRate", cb + un, a), ("satisfiedRate", sat, cb)]
        else:
            R.check(all(r[f] == "" for f in XT_NUM[4:]), f"{file}: {unit}: '-' row is blank after callbacks")
        for field, num, den in checks:
            if pct2(num, den) != D(r[field]):
                R.mismatch(file, unit, field, r[field], pct2(num, den)); bad += 1
        if not bad:
            exact += 1
    return exact


def main():
    out = []
    total_rows = total_exact = 0

    # Quyuan 2023-09
    f = "quyuan-2023-09-hotline.csv"
    qh, qt = load(f), load("quyuan-2023-09-hotline-total.csv")
    e, s = check_hotline(f, qh); out.append((f, len(qh), e, s))
    e2, s2 = check_hotline("quyuan-2023-09-hotline-total.csv", qt)
    out.append(("quyuan-2023-09-hotline-total.csv", 1, e2, s2))
    check_sums(f, qh, qt[0], ["accepted", "due", "done", "onTime", "rework", "unsatisfied"])
    R.check(len(qh) == 31, f"{f}: 31 units")
    gq = Counter(r["grade"] for r in qh)
    R.check(gq == Counter({"A": 19, "C": 2, "E": 10}), f"{f}: narrative grades A19 C2 no-ticket10, got {dict(gq)}")
    R.check({r["unit"] for r in qh if r["grade"] == "C"} == {"天问街道办", "屈原自然资源局"},
            f"{f}: narrative C units 天问街道办 and 自然资源局")
    top = [(r["unit"], r["accepted"]) for r in sorted(qh, key=lambda r: -i(r["accepted"]))[:3]]
    R.check(top == [("屈原人社局", "26"), ("屈原公安局", "18"), ("凤凰乡", "17")],
            f"{f}: narrative top-3 by volume 人社局26 公安局18 凤凰乡17")
    narrative_unsat = {"屈原人社局": 5, "屈原公安局": 3, "凤凰乡": 1, "营田镇": 4, "屈原教体局": 1,
                       "屈原市场监督管理局": 1, "河市镇": 5, "屈原医保局": 2, "屈原科工局": 1,
                       "屈原农业局": 1, "屈原卫生健康局": 1, "屈原住建局": 2, "天问街道办": 1,
                       "屈原自然资源局": 1}
    R.check({r["unit"]: i(r["unsatisfied"]) for r in qh if i(r["unsatisfied"])} == narrative_unsat,
            f"{f}: narrative list of 29 unsatisfied by unit")
    narrative_rework = {"屈原人社局": 1, "营田镇": 2, "屈原教体局": 1, "屈原卫生健康局": 2}
    R.check({r["unit"]: i(r["rework"]) for r in qh if i(r["rework"])} == narrative_rework,
            f"{f}: narrative list of 6 reworks by unit")
    f = "quyuan-2023-09-mailbox.csv"
    qm, qmt = load(f), load("quyuan-2023-09-mailbox-total.csv")
    e, s = check_mailbox(f, qm); out.append((f, len(qm), e, s))
    e2, s2 = check_mailbox("quyuan-2023-09-mailbox-total.csv", qmt)
    out.append(("quyuan-2023-09-mailbox-total.csv", 1, e2, s2))
    check_sums(f, qm, qmt[0], ["accepted", "due", "done", "onTime", "rework", "satisfied", "callbacks"])

    # Yueyang 2024-02
    f = "yueyang-2024-02-hotline.csv"
    yh = load(f)
    e, s = check_hotline(f, yh); out.append((f, len(yh), e, s))
    gy = Counter(r["grade"] for r in yh)
    R.check(len(yh) == 79 - 14, f"{f}: 79 units minus 14 with no tickets = 65 rows")
    R.check(gy == Counter({"A": 54, "B": 6, "C": 4, "E": 1}), f"{f}: narrative grades A54 B6 C4 E1, got {dict(gy)}")
    R.check(all(r["accepted"] == "" for r in yh), f"{f}: accepted not published")

    def top3(group, minimum):
        rs = [r for r in yh if r["group"] == group and i(r["due"]) >= minimum]
        rs.sort(key=lambda r: -D(r["score"]))
        return [(r["unit"], D(r["score"])) for r in rs[:3]]
    R.check(top3("县市区", 0) == [("城陵矶新港区", D("95.4")), ("南湖新区", D("95.1")), ("屈原管理区", D(95))],
            f"{f}: narrative county top-3")
    R.check(top3("行政事业单位", 50) == [("市城管局", D("97.9")), ("市广播电视台", D("95.2")), ("市邮政管理局", D("95.1"))],
            f"{f}: narrative administrative top-3 (>= 50 tickets)")
    R.check(top3("公共服务企业", 100) == [("市水务集团公司", D("96.1")), ("国网岳阳供电公司", D("94.6")), ("市公交集团公司", D("94.2"))],
            f"{f}: narrative company top-3 (>= 100 tickets)")
    R.check(sorted(r["unit"] for r in yh if r["grade"] == "B" and r["group"] == "县市区") == sorted(["岳阳楼区", "汨罗市"])
            and next(r for r in yh if r["unit"] == "市交通运输局")["grade"] == "B"
            and next(r for r in yh if r["unit"] == "市国资委")["grade"] == "E",
            f"{f}: narrative problem units (岳阳楼区/汨罗市/市交通运输局 B, 市国资委 E)")

    f = "yueyang-2024-02-mailbox.csv"
    ym = load(f)
    e, s = check_mailbox(f, ym); out.append((f, len(ym), e, s))
    gm = Counter(r["grade"] for r in ym)
    R.check(len(ym) == 76 - 22, f"{f}: 76 units minus 22 with no letters = 54 rows")
    R.check(gm == Counter({"A": 53, "C": 1}), f"{f}: narrative grades A53 C1, got {dict(gm)}")
    R.check(sorted(r["unit"] for r in ym if r["group"] == "县市区" and D(r["score"]) == 100)
            == sorted(["临湘市", "屈原管理区", "岳阳经开区"]), f"{f}: narrative counties scoring 100")
    R.check(sum(1 for r in ym if r["group"] != "县市区" and D(r["score"]) == 100) == 28,
            f"{f}: narrative 28 non-county units scoring 100")
    R.check(sorted(r["unit"] for r in ym if r["group"] != "县市区" and D(r["score"]) == 100 and i(r["due"]) >= 10)
            == sorted(["市公安交警支队", "市人社局", "市城管局", "市教体局"]),
            f"{f}: narrative units with >= 10 letters scoring 100")
    R.check(sorted(r["unit"] for r in ym if r["group"] == "县市区") == sorted(r["unit"] for r in yh if r["group"] == "县市区"),
            f"{f}: county list equals the hotline county list")

    for f in ("yueyang-2024-02-deductions.csv", "yueyang-2024-02-bonuses.csv"):
        for r in load(f):
            R.check(r["unit"] != "" and D(r["points"]) != 0, f"{f}: {r['unit']}: unit and points present")
            if r["ticket"]:
                R.check(r["ticket"] in r["detail"], f"{f}: {r['unit']}: ticket {r['ticket']} quoted in detail")
    ded = load("yueyang-2024-02-deductions.csv")
    for r in ded:
        if "月度考评" in r["detail"]:
            g = r["detail"].split("月度考评")[1][0]
            src = yh if r["detail"].startswith("热线") else ym
            unit = {"市商务粮食局": "市商务局"}.get(r["unit"], r["unit"])
            R.check(next(x for x in src if x["unit"] == unit)["grade"] == g,
                    f"deductions: {r['unit']}: grade {g} matches the table")

    # Xiangtan 2019-11
    f = "xiangtan-2019-11-hotline.csv"
    xh, xt = load(f), load("xiangtan-2019-11-hotline-total.csv")
    e = check_xiangtan(f, xh); out.append((f, len(xh), e, None))
    e2 = check_xiangtan("xiangtan-2019-11-hotline-total.csv", xt)
    out.append(("xiangtan-2019-11-hotline-total.csv", 1, e2, None))
    check_sums(f, xh, xt[0], XT_NUM)
    t = xt[0]
    R.check(i(t["satisfied"]) + 1033 == i(t["callbacks"]), f"{f}: narrative 1218 satisfied + 1033 unsatisfied = 2251")
    R.check(i(t["callbacks"]) + i(t["unreachable"]) == 3044, f"{f}: narrative 3044 called back")
    byu = {r["unit"]: r for r in xh}
    for u, n in {"雨湖区人民政府": 119, "岳塘区人民政府": 43, "湘潭经开区管委会": 55,
                 "湘潭高新区管委会": 27, "市公安局": 25}.items():
        R.check(i(byu[u]["notContacted"]) == n, f"{f}: narrative notContacted {u} {n}")
    for u, n in {"雨湖区人民政府": 76, "岳塘区人民政府": 48, "湘潭经开区管委会": 22, "湘潭高新区管委会": 21}.items():
        R.check(i(byu[u]["phoneSupervised"]) + i(byu[u]["writtenSupervised"]) == n,
                f"{f}: narrative supervision {u} {n} (phone + written)")
    low = sum(1 for r in xh if r["satisfiedRate"] != "" and D(r["satisfiedRate"]) < 50)
    R.check(low == 14, f"{f}: narrative 14 units below 50% satisfied, got {low}")
    # footnote: "ordered by ticket count" -- true after the 8 district/county governments listed first
    rest = [i(r["assigned"]) for r in xh[8:]]
    R.check(all(u.endswith(("人民政府", "管委会")) for u in list(byu)[:8]) and rest == sorted(rest, reverse=True),
            f"{f}: 8 district/county governments first, then units ordered by assigned (footnote)")
    hist = load("xiangtan-2019-11-returns-histogram.csv")
    tickets = sum(i(r["tickets"]) for r in hist)
    events = sum(i(r["times"]) * i(r["tickets"]) for r in hist)
    R.check(tickets == i(t["unitReturns"]),
            f"xiangtan-2019-11-returns-histogram.csv: tickets sum {tickets} == unitReturns total {t['unitReturns']}")
    print(f"note: the histogram implies {events} return events for {tickets} tickets; the narrative calls 301 '单次' (events)")

    print("file                                  rows  all-fields-reproduce  score+grade-reproduce")
    for f, n, e, s in out:
        total_rows += n
        total_exact += e
        print(f"{f:38}{n:5}  {e:20}  {'-' if s is None else s:>21}")
    print(f"total{'':33}{total_rows:5}  {total_exact:20}")
    for line in R.lines:
        print(line)
    missing = set(KNOWN) - set(R.known)
    for k in sorted(missing):
        print("  known misprint not seen (transcription changed?):", k)
    print(f"{len(R.known)} known misprint(s), {len(R.unexpected)} undocumented mismatch(es)")
    return 1 if R.unexpected or missing else 0


if __name__ == "__main__":
    sys.exit(main())
