#!/usr/bin/env python3
"""Generate event logs that reproduce the published bulletin tables.

Writes, next to `samples/bulletins/` (Python 3 standard library only):

- `quyuan-2023-09.jsonl`   hotline + mailbox tickets -> quyuan-2023-09-{hotline,mailbox}.csv
- `yueyang-2024-02.jsonl`  hotline + mailbox tickets -> yueyang-2024-02-{hotline,mailbox}.csv
- rosters `quyuan-units.csv`, `quyuan-mailbox-units.csv`,
  `yueyang-hotline-units.csv`, `yueyang-mailbox-units.csv` (header `unit,group`)

The Yueyang log also carries the bulletin's manual deductions and bonuses (附件3/4) as
`adjusted` events: every row of yueyang-2024-02-{deductions,bonuses}.csv except the grade
rows (热线/信箱办理综合考评), which a rule set computes from the tables.  They are appended
after everything else (recorded 2024-03-20) and draw no random numbers, so the rest of the
log is unchanged by them.

The logs are v1 JSON Lines (one event per line) in recording order.  Replaying
them for the bulletin month (+08:00) with the tickets of one channel gives
exactly the published counts: accepted (Quyuan only; Yueyang does not publish
it), due, done, onTime, rework, callbacks and unsatisfied / satisfied.

Deterministic: every random draw comes from one seeded `random.Random` per log
through `random()` only, and times are whole seconds, so running the script
twice (or on another Python 3) writes byte-identical files.

Usage: python3 samples/tools/make_bulletin_logs.py [--out DIR]
"""
import csv
import datetime as dt
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.dirname(HERE)
BULLETINS = os.path.join(SAMPLES, "bulletins")

TZ = dt.timezone(dt.timedelta(hours=8))
MIN, HOUR, DAY = 60, 3600, 86400


def T(y, m, d, hh=0, mm=0, ss=0):
    return int(dt.datetime(y, m, d, hh, mm, ss, tzinfo=TZ).timestamp())


def iso(t):
    return dt.datetime.fromtimestamp(t, TZ).isoformat()


def local_hour(t):
    return ((t + 8 * HOUR) % DAY) // HOUR


# --------------------------------------------------------------------------- #
# Randomness: only Random.random() is used, so results do not depend on how a
# Python version implements randrange, choice, sample or shuffle.

class Rng:
    def __init__(self, seed):
        self._r = random.Random(seed)

    def u(self):
        return self._r.random()

    def int(self, a, b):
        """Uniform integer in [a, b]."""
        return a + int(self.u() * (b - a + 1))

    def chance(self, p):
        return self.u() < p

    def choice(self, seq):
        return seq[int(self.u() * len(seq))]

    def weighted(self, pairs):
        total = sum(w for _, w in pairs)
        x = self.u() * total
        for v, w in pairs:
            x -= w
            if x < 0:
                return v
        return pairs[-1][0]

    def shuffle(self, lst):
        for i in range(len(lst) - 1, 0, -1):
            j = int(self.u() * (i + 1))
            lst[i], lst[j] = lst[j], lst[i]
        return lst

    def sample(self, lst, k):
        return self.shuffle(list(lst))[:k]

    def binom(self, n, p):
        return sum(1 for _ in range(n) if self.u() < p)

    def pick(self, lo, hi, hours=(8, 18), power=1.0, tries=40):
        """A whole second in [lo, hi), preferably within local `hours`; with power > 1
        the draw leans towards lo."""
        if hi <= lo:
            return lo
        t = lo
        for _ in range(tries):
            t = lo + int((hi - lo) * (self.u() ** power))
            if hours[0] <= local_hour(t) < hours[1]:
                return t
        return t

    def points(self, lo, hi, n, gap=HOUR, hours=(8, 20)):
        """n sorted times in [lo, hi] at least `gap` apart (and after lo)."""
        if hi - lo < (n + 1) * gap:
            return None
        for _ in range(60):
            ps = sorted(self.pick(lo, hi + 1, hours, tries=6) for _ in range(n))
            if all(b - a >= gap for a, b in zip([lo - gap] + ps, ps)) and ps[0] >= lo:
                return ps
        step = (hi - lo) // (n + 1)
        return [lo + (i + 1) * step for i in range(n)]


# --------------------------------------------------------------------------- #
# Vocabulary

HOTLINE_CATEGORIES = {
    "公共服务": ["停水", "停电", "燃气故障", "网络信号差", "宽带故障", "话费争议", "供水水压低"],
    "交通运输与交通秩序": ["出租车拒载", "公交班次", "违章停车", "道路破损", "高速通行", "网约车投诉"],
    "人力资源和社会保障": ["拖欠工资", "社保缴费", "养老金发放", "失业保险", "劳动合同", "技能补贴"],
    "城市管理": ["占道经营", "噪音扰民", "树枝散落", "垃圾清运", "路灯不亮", "违章搭建"],
    "市场管理": ["消费纠纷", "价格投诉", "食品安全", "虚假宣传", "预付卡退费"],
    "社会治安与综合治理": ["电动车停放", "邻里纠纷", "户籍办理", "消防通道占用", "电信诈骗"],
    "住房与城乡建设": ["物业服务", "房屋质量", "不动产办证", "小区管网", "电梯故障"],
    "教育": ["学校收费", "入学咨询", "校外培训", "校车安全"],
    "卫生健康": ["医疗纠纷", "疫苗接种", "诊所管理", "医院服务"],
    "医疗保障": ["医保报销", "医保缴费", "异地就医"],
    "农业农村": ["农村道路", "补贴发放", "农田灌溉", "病死动物处理"],
    "自然资源": ["土地纠纷", "不动产登记", "非法采砂"],
    "生态环境": ["环境污染", "油烟扰民", "养殖污染", "噪声污染"],
    "民政": ["低保申请", "帮扶救助", "殡葬服务", "残疾人补贴"],
    "财税金融": ["发票开具", "贷款纠纷", "银行服务", "退税咨询"],
    "社情民意": ["意见建议", "政策咨询"],
}
# Shares of the Yueyang 2024-02 narrative (公共服务 25.29%, 交通 21.03%, 人社 17.66% ...)
GENERAL_MIX = [("公共服务", 25), ("交通运输与交通秩序", 21), ("人力资源和社会保障", 18),
               ("城市管理", 8), ("市场管理", 7), ("社会治安与综合治理", 6),
               ("住房与城乡建设", 4), ("农业农村", 3), ("社情民意", 3), ("教育", 2), ("民政", 2),
               ("生态环境", 1)]
UNIT_CATEGORY = [  # first matching keyword wins
    (("人社",), [("人力资源和社会保障", 9), ("社情民意", 1)]),
    (("交警",), [("交通运输与交通秩序", 7), ("社会治安与综合治理", 3)]),
    (("公安",), [("社会治安与综合治理", 8), ("交通运输与交通秩序", 2)]),
    (("交通", "公路", "海事"), [("交通运输与交通秩序", 9), ("公共服务", 1)]),
    (("公交",), [("交通运输与交通秩序", 6), ("公共服务", 4)]),
    (("住建", "住房", "公积金"), [("住房与城乡建设", 9), ("城市管理", 1)]),
    (("城管", "综合执法", "城运", "城投"), [("城市管理", 8), ("住房与城乡建设", 2)]),
    (("市场监督", "商务", "烟草", "海关"), [("市场管理", 9), ("社情民意", 1)]),
    (("教", "学院"), [("教育", 9), ("社情民意", 1)]),
    (("卫生", "卫健"), [("卫生健康", 9), ("医疗保障", 1)]),
    (("医保", "医疗保障"), [("医疗保障", 9), ("卫生健康", 1)]),
    (("农业", "供销", "水利", "林业", "气象"), [("农业农村", 9), ("生态环境", 1)]),
    (("资源", "资规"), [("自然资源", 9), ("农业农村", 1)]),
    (("环保", "生态"), [("生态环境", 9), ("城市管理", 1)]),
    (("民政", "残联", "退役", "国防"), [("民政", 9), ("社情民意", 1)]),
    (("供电", "电力", "水务", "自来水", "燃气", "移动", "电信", "联通", "网络", "邮政", "广播", "广电"),
     [("公共服务", 10)]),
    (("税务", "财政", "金融", "银行"), [("财税金融", 9), ("社情民意", 1)]),
    (("文化旅游", "统计", "审计", "发改", "工信", "国资", "司法", "行政审批", "机关事务", "监狱",
      "应急", "消防", "科工", "政府办", "管理委员会"),
     [("社情民意", 4), ("市场管理", 2), ("公共服务", 2), ("人力资源和社会保障", 2)]),
]
MAILBOX_CATEGORIES = [("投诉", 55), ("求助", 15), ("咨询", 15), ("举报", 10), ("建议", 5)]
EXTEND_REASONS = ["需多部门协调", "等待检测结果", "涉及历史遗留问题", "当事人要求延期", "需现场勘查"]
REWORK_REASONS = ["回复内容与诉求不符", "未联系诉求人", "办理结果未落实", "结案内容不规范", "群众反映问题未解决"]
DECLINE_REASONS = ["非本单位职责", "应由{}办理", "非本单位职责，建议转{}"]
DECLINE_REASONS_LOCAL = ["不属于本辖区", "诉求地址不在本辖区", "应由{}办理"]  # towns, counties, districts


def unit_mix(unit):
    for keys, mix in UNIT_CATEGORY:
        if any(k in unit for k in keys):
            return mix
    return GENERAL_MIX


# --------------------------------------------------------------------------- #
# What to generate

QUYUAN = dict(
    name="quyuan", out="quyuan-2023-09.jsonl", seed=20230913, event_prefix="q", ticket_prefix="QY",
    month=(2023, 9), publication=T(2023, 10, 13),
    # (recorded, window from, window to, only this rating or None, probability, why)
    batches=[
        (T(2023, 10, 9, 9, 30), T(2023, 9, 25), T(2023, 10, 1), None, 0.6,
         "callbacks of the last week of September, keyed in after the National Day holiday"),
        (T(2023, 10, 11, 15, 0), T(2023, 9, 11), T(2023, 9, 25), "unsatisfied", 0.4,
         "unsatisfied callbacks recorded after verification (核实)"),
    ],
    channels=[
        dict(channel="hotline", csv="quyuan-2023-09-hotline.csv", roster="quyuan-units.csv",
             groups=False, width=4, mark="", declines=5, corners=True),
        dict(channel="mailbox", csv="quyuan-2023-09-mailbox.csv", roster="quyuan-mailbox-units.csv",
             groups=False, width=3, mark="M", declines=0, corners=False,
             # 附件 narrative: the 10 letters of September were 投诉 8, 举报 2
             month_categories=["投诉"] * 8 + ["举报"] * 2),
    ],
)
YUEYANG = dict(
    name="yueyang", out="yueyang-2024-02.jsonl", seed=20240225, event_prefix="y", ticket_prefix="YY",
    month=(2024, 2), publication=T(2024, 3, 25),
    # 附件3/4: manual entries as `adjusted` events (the grade rows are computed by the rules)
    adjustments=dict(csvs=["yueyang-2024-02-deductions.csv", "yueyang-2024-02-bonuses.csv"],
                     at=T(2024, 2, 29, 17, 0), recorded=T(2024, 3, 20, 9, 0), stream="ADJ-2402-"),
    batches=[
        (T(2024, 3, 4, 10, 0), T(2024, 2, 26), T(2024, 3, 1), None, 0.35,
         "callbacks of the last days of February imported from the callback team"),
        (T(2024, 3, 18, 16, 0), T(2024, 2, 15), T(2024, 2, 26), "unsatisfied", 0.25,
         "unsatisfied callbacks recorded after verification (核实)"),
    ],
    channels=[
        dict(channel="hotline", csv="yueyang-2024-02-hotline.csv", roster="yueyang-hotline-units.csv",
             groups=True, width=5, mark="", declines=0.015, corners=True),
        dict(channel="mailbox", csv="yueyang-2024-02-mailbox.csv", roster="yueyang-mailbox-units.csv",
             groups=True, width=4, mark="M", declines=0.01, corners=False),
    ],
)

HOTLINE_DAYS = [(1, 8), (3, 25), (5, 37), (7, 18), (10, 8), (15, 4)]
MAILBOX_DAYS = [(5, 10), (7, 25), (10, 30), (15, 35)]
EXTEND_DAYS = [(3, 2), (5, 4), (7, 3), (10, 2), (15, 1)]
P_EXTEND = {"X": 0.02, "DP": 0.10, "AN": 0.03, "BG": 0.0}

# Deliberate boundary cases (hotline only): (name, class, status)
CORNERS = [
    ("assign-0630", "X", "ontime"),       # accepted 23:25 on the last day of the previous month, assigned 06:30 on the 1st
    ("due-at-start", "DP", "ontime"),     # deadline exactly 00:00:00 on the 1st: counts in the month
    ("due-at-end", "X", "ontime"),        # deadline 23:59:59 on the last day: counts in the month
    ("close-at-due", "X", "ontime"),      # closed exactly at the deadline: on time
    ("close-1s-late", "X", "late"),       # closed one second after the deadline: late
    ("due-next-start", "AN", None),       # deadline 00:00:00 on the 1st of the next month: next month
    ("due-next-0700", "AN", None),        # deadline 07:00 +08:00 on the 1st of the next month (still the month in UTC)
]


class Ticket:
    __slots__ = ("channel", "unit", "cls", "status", "k", "corner", "t_acc", "t_a", "due0", "ext_at",
                 "due", "seq", "c_final", "mid", "declines", "callbacks", "category", "topic", "id",
                 "order")

    def __init__(self, channel, unit, cls, order):
        self.channel, self.unit, self.cls, self.order = channel, unit, cls, order
        self.status, self.k, self.corner = None, 0, None
        self.t_acc = self.t_a = self.due0 = self.ext_at = self.due = None
        self.seq, self.c_final, self.mid, self.declines, self.callbacks = [], None, False, [], []
        self.category = self.topic = self.id = None


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Generator:
    def __init__(self, spec):
        self.spec = spec
        self.rng = Rng(spec["seed"])
        y, m = spec["month"]
        self.M0 = T(y, m, 1)
        self.M1 = T(y + (m == 12), m % 12 + 1, 1)
        self.P0 = T(y - (m == 1), (m - 2) % 12 + 1, 1)
        self.cut = spec["publication"]           # nothing happens or is recorded on or after it
        self.tickets = []

    # ----------------------------------------------------------------- timing
    def draw_timing(self, t, days):
        r, M0, M1, P0 = self.rng, self.M0, self.M1, self.P0
        t.ext_at = None
        c = t.corner
        if c == "assign-0630":
            t.t_a, t.t_acc = M0 + 6 * HOUR + 30 * MIN, M0 - 35 * MIN
            t.due = t.due0 = t.t_a + 5 * DAY
            return True
        if c == "due-at-start":
            t.t_a = r.pick(M0 - 4 * DAY, M0 - 3 * DAY, (8, 18))
            t.due = t.due0 = M0
            return True
        if c == "due-at-end":
            t.t_a = r.pick(M1 - 6 * DAY, M1 - 5 * DAY, (8, 18))
            t.due = t.due0 = M1 - 1
            return True
        if c == "due-next-start":
            t.t_a = r.pick(M1 - 4 * DAY, M1 - 3 * DAY, (8, 18))
            t.due = t.due0 = M1
            return True
        if c == "due-next-0700":
            t.t_a = r.pick(M1 - 3 * DAY, M1 - 2 * DAY, (8, 18))
            t.due = t.due0 = M1 + 7 * HOUR
            return True
        ext = t.corner is None and r.chance(P_EXTEND[t.cls])
        for _ in range(200):
            d0 = r.weighted(days) * DAY
            e = r.weighted(EXTEND_DAYS) * DAY if ext else 0
            if t.cls == "X":
                lo, hi = M0, M1 - d0 - e
            elif t.cls == "DP":
                lo, hi = (max(P0, M0 - d0 - e), M0 - d0) if ext else (max(P0, M0 - d0), M0)
            elif t.cls == "AN":
                lo, hi = (max(M0, M1 - d0 - e), M1 - d0) if ext else (max(M0, M1 - d0), M1)
            else:  # BG: due and closed in the previous month, called back in this one
                lo, hi = max(P0, M0 - d0 - 12 * DAY), M0 - d0 - HOUR
            if hi - lo < HOUR:
                continue
            t_a = r.pick(lo, hi, (8, 21))
            due0 = t_a + d0
            due = due0 + e
            ok = {
                "X": M0 <= t_a < M1 and M0 <= due0 and due < M1,
                "DP": t_a < M0 and M0 <= due < M1 and (not ext or due0 < M0),
                "AN": M0 <= t_a < M1 and due >= M1 and (not ext or due0 < M1),
                "BG": P0 <= t_a and due < M0,
            }[t.cls]
            if not ok:
                continue
            if ext:
                if due0 - t_a < 4 * HOUR:
                    continue
                t.ext_at = r.pick(t_a + 2 * HOUR, due0 - HOUR, (8, 18))
            t.t_a, t.due0, t.due = t_a, due0, due
            return True
        return False

    # --------------------------------------------------------------- handling
    def schedule_due(self, t):
        """Closures and reworks of a ticket due in the month; False if its timing cannot hold them."""
        r, M0, M1 = self.rng, self.M0, self.M1
        start = (t.ext_at if t.ext_at is not None else t.t_a) + 20 * MIN
        t.seq, t.c_final = [], None
        late_hi = min(self.cut - 2 * DAY, M1 + 6 * DAY)
        if t.k == 0:
            if t.status == "ontime":
                if t.corner == "close-at-due":
                    c = t.due
                else:
                    if t.due - start < 30 * MIN:
                        return False
                    c = r.pick(start, t.due + 1, (8, 19), power=1.6)
            elif t.status == "late":
                if t.corner == "close-1s-late":
                    c = t.due + 1
                else:
                    lo = max(t.due + 10 * MIN, start)
                    c = r.pick(lo, lo + 5 * DAY, (8, 19), power=2.0)
            else:  # open: never closed
                return True
            t.seq, t.c_final = [("closed", c)], c
            return True
        k = t.k
        lo = max(start, M0 + 10 * MIN)
        if t.status == "ontime":
            if t.due - lo < (2 * k + 1) * 3 * HOUR:
                return False
            ps = r.points(lo, t.due, 2 * k + 1)
        elif t.status == "late":
            ps = r.points(lo, M1 - 10 * MIN, 2 * k)
            if ps is None:
                return False
            base = max(t.due, ps[-1]) + 10 * MIN
            ps.append(r.pick(base, min(base + 5 * DAY, late_hi), (8, 19), power=2.0))
        else:  # reopened by the last rework, never closed again
            ps = r.points(lo, M1 - 10 * MIN, 2 * k)
        if ps is None:
            return False
        t.seq = [("closed" if i % 2 == 0 else "rework", p) for i, p in enumerate(ps)]
        if t.status != "reopen":
            t.c_final = ps[-1]
        return True

    def schedule_other(self, t):
        """Tickets due next month (AN) or in the previous month (BG): one closure, if any."""
        r = self.rng
        start = (t.ext_at if t.ext_at is not None else t.t_a) + 20 * MIN
        if t.cls == "BG":
            c = r.pick(start, min(t.due, self.M0 - 2 * HOUR), (8, 19), power=1.4)
        else:
            c = r.pick(start, max(start + 1, t.due), (8, 19), power=1.4)
            if c >= self.cut - 2 * HOUR:
                c = None
        t.seq = [("closed", c)] if c is not None else []
        t.c_final = c

    # ------------------------------------------------------------------ units
    def plan_channel(self, ch):
        r = self.rng
        rows = read_csv(os.path.join(BULLETINS, ch["csv"]))
        mailbox = ch["channel"] == "mailbox"
        days = MAILBOX_DAYS if mailbox else HOTLINE_DAYS
        ch["rows"] = rows
        units = []
        for row in rows:
            unit = row["unit"]
            D, Dn, O, R, C = (int(row[k]) for k in ("due", "done", "onTime", "rework", "callbacks"))
            bad = C - int(row["satisfied"]) if mailbox else int(row["unsatisfied"])
            if row["accepted"] != "":
                A = int(row["accepted"])
                m = min(A, D)
                X = m - r.binom(m, 0.15)
            else:  # not published: a steady flow, about as many assigned as due
                lo, hi = (0.22, 0.38) if mailbox else (0.10, 0.22)
                X = D - r.binom(D, lo + (hi - lo) * r.u())
                A = X + r.binom(D, lo + (hi - lo) * r.u())
            tk = []
            mk = lambda cls: Ticket(ch["channel"], unit, cls, len(self.tickets) + len(tk))
            for _ in range(X):
                tk.append(mk("X"))
            for _ in range(D - X):
                tk.append(mk("DP"))
            due = list(tk)
            r.shuffle(due)
            for i, t in enumerate(due):
                t.status = "open" if i < D - Dn else ("late" if i < D - O else "ontime")
            # reworks (events, not tickets; may exceed the number of tickets)
            if R:
                if R <= D:
                    doubles = r.binom(R // 2, 0.12)
                    chosen = r.sample(due, R - doubles)
                    for t in chosen:
                        t.k = 1
                    for t in r.sample(chosen, doubles):
                        t.k += 1
                else:
                    for t in due:
                        t.k = R // D
                    for t in r.sample(due, R % D):
                        t.k += 1
                for t in due:
                    if t.k and t.status == "open":
                        t.status = "reopen"
            for _ in range(A - X):
                tk.append(mk("AN"))
            self.tickets.extend(tk)
            units.append(dict(unit=unit, group=row["group"], A=A, D=D, C=C, bad=bad, tickets=tk, days=days))
        ch["units"] = units
        if ch["corners"]:
            self.place_corners(ch)
        for u in units:
            for t in u["tickets"]:
                for attempt in range(400):
                    if not self.draw_timing(t, days):
                        continue
                    if t.cls in ("X", "DP"):
                        if self.schedule_due(t):
                            break
                    else:
                        self.schedule_other(t)
                        break
                else:
                    raise SystemExit(f"cannot schedule a {t.cls}/{t.status}/k={t.k} ticket of {t.unit}")
        self.declines(ch)
        for u in units:
            self.plan_callbacks(ch, u)

    def place_corners(self, ch):
        units = sorted(ch["units"], key=lambda u: -u["D"])
        for name, cls, status in CORNERS:
            for u in units:
                cand = [t for t in u["tickets"] if t.cls == cls and t.corner is None and t.k == 0
                        and (status is None or t.status == status)]
                if cand:
                    self.rng.choice(cand).corner = name
                    break

    # --------------------------------------------------------------- declines
    def declines(self, ch):
        r, M0, P0 = self.rng, self.M0, self.P0
        roster = [row["unit"] for row in ch["rows"]]
        mine = [t for u in ch["units"] for t in u["tickets"]]
        n = ch["declines"] if isinstance(ch["declines"], int) else round(len(mine) * ch["declines"])
        cand = [t for t in mine if t.corner is None and (
            (t.cls in ("X", "AN") and t.t_a < M0 + 36 * HOUR) or
            (t.cls == "DP" and t.t_a - P0 > 3 * DAY))]
        for t in r.sample(cand, min(n, len(cand))):
            times = 2 if r.chance(0.12) else 1
            lo = max(P0, (M0 - 3 * DAY) if t.cls in ("X", "AN") else (t.t_a - 4 * DAY))
            ps = r.points(lo, t.t_a - 30 * MIN, 2 * times, gap=40 * MIN, hours=(8, 21))
            if ps is None or any(ps[i] >= M0 for i in range(0, len(ps), 2)):
                continue
            others = r.sample([x for x in roster if x != t.unit], times)
            for i, other in enumerate(others):
                w_a, w_r = ps[2 * i], ps[2 * i + 1]
                local = other.endswith(("县", "区", "市", "镇", "乡", "街道办"))
                reason = r.choice(DECLINE_REASONS_LOCAL if local else DECLINE_REASONS).format(t.unit)
                t.declines.append((other, w_a, w_a + r.weighted(ch["units"][0]["days"]) * DAY, w_r, reason))
        for t in mine:
            if t.t_acc is None:
                first = t.declines[0][1] if t.declines else t.t_a
                t.t_acc = first - r.int(3 * MIN, 2 * HOUR)

    # -------------------------------------------------------------- callbacks
    def plan_callbacks(self, ch, u):
        r, M0, M1, cut = self.rng, self.M0, self.M1, self.cut
        mailbox = ch["channel"] == "mailbox"
        C, bad = u["C"], u["bad"]
        tk = u["tickets"]
        # an unsatisfied callback between a closure and the rework it triggered
        rw = [t for t in tk if t.k]
        mids = min(bad, C, r.binom(len(rw), 0.3))
        for t in r.sample(rw, mids):
            c1, r1 = t.seq[0][1], t.seq[1][1]
            t.mid = True
            t.callbacks.append((r.pick(c1 + 20 * MIN, r1 - 20 * MIN, (9, 20)), "unsatisfied", None))
        C, bad = C - mids, bad - mids
        closed = [t for t in tk if t.c_final is not None]
        eligible = [t for t in closed if max(t.c_final + HOUR, M0 + HOUR) < M1 - 30 * MIN]
        share = 0.03 if mailbox else 0.08
        bg_min = int(C * share + r.u())
        take = max(0, min(C - bg_min, len(eligible)))
        # callbacks usually follow the closure within days: prefer closures of this month that
        # are not in its last days, then the rest (earlier closures first)
        def key(t):
            usual = M0 - DAY <= t.c_final < M1 - 3 * DAY
            return (0 if usual else 1, r.u() if usual else t.c_final, t.order)
        keyed = sorted(eligible, key=key)
        selected = keyed[:take]
        sel = set(id(t) for t in selected)
        bgs = []
        for _ in range(C - take):
            t = Ticket(ch["channel"], u["unit"], "BG", len(self.tickets))
            while not self.draw_timing(t, u["days"]):
                pass
            self.schedule_other(t)
            t.t_acc = t.t_a - r.int(3 * MIN, 2 * HOUR)
            self.tickets.append(t)
            tk.append(t)
            bgs.append(t)
        rated = selected + bgs
        ratings = ["unsatisfied"] * bad + ["satisfied"] * (C - bad)
        r.shuffle(ratings)
        p_bad = bad / C if C else 0.25
        for t, rating in zip(rated, ratings):
            if t.cls == "BG":
                cb = r.pick(M0 + HOUR, M0 + 10 * DAY, (9, 20))
            else:
                lo = max(t.c_final + HOUR, M0 + HOUR)
                cb = r.pick(lo, min(lo + 4 * DAY, M1 - 10 * MIN), (9, 20), power=1.5)
            if r.chance(0.06) and cb - t.c_final > 3 * HOUR:
                t.callbacks.append((r.pick(max(t.c_final + HOUR, cb - DAY), cb - HOUR, (9, 20)), "unreachable", None))
            t.callbacks.append((cb, rating, self.batch_for(cb, rating)))
        # closed tickets not called back (rated) in the month
        silent = [t for t in eligible if id(t) not in sel]
        quiet = set(id(t) for t in silent)
        if u["C"] == 0 and silent:  # show that an unreachable callback does not count
            t = silent[0]
            t.callbacks.append((r.pick(max(t.c_final + HOUR, M0 + HOUR), M1 - 10 * MIN, (9, 20)), "unreachable", None))
            quiet.discard(id(t))
        for t in [t for t in closed if id(t) not in sel]:
            if t.callbacks and t.callbacks[-1][1] == "unreachable" and not t.mid:
                continue
            rating = "unsatisfied" if r.u() < p_bad else "satisfied"
            if t.c_final < M0 - 3 * HOUR and r.chance(0.8):   # called back last month
                cb = r.pick(t.c_final + HOUR, min(t.c_final + 3 * DAY, M0 - HOUR), (9, 20))
                t.callbacks.append((cb, rating, None))
            elif t.c_final >= M1 - 4 * DAY and t.c_final < cut - 3 * DAY and r.chance(0.8):  # next month
                lo = max(t.c_final + HOUR, M1 + HOUR)
                t.callbacks.append((r.pick(lo, min(lo + 3 * DAY, cut - HOUR), (9, 20)), rating, None))
            elif id(t) in quiet and r.chance(0.3):   # tried in the month, nobody answered
                lo = max(t.c_final + HOUR, M0 + HOUR)
                t.callbacks.append((r.pick(lo, M1 - 10 * MIN, (9, 20)), "unreachable", None))

    def batch_for(self, cb, rating):
        for rec, lo, hi, only, p, _ in self.spec["batches"]:
            if lo <= cb < hi and (only is None or only == rating) and self.rng.u() < p:
                return rec
        return None

    # ----------------------------------------------------------------- events
    def ticket_events(self, t):
        r = self.rng
        ev = []

        def add(kind, at, **f):
            ev.append((at, f.pop("recorded", None), kind, f))

        add("accepted", t.t_acc, channel=t.channel, category=t.category, topic=t.topic)
        for other, w_a, w_due, w_r, reason in t.declines:
            add("assigned", w_a, unit=other, due=iso(w_due))
            add("returned", w_r, unit=other, by="unit", reason=reason)
        add("assigned", t.t_a, unit=t.unit, due=iso(t.due0))
        if t.ext_at is not None:
            add("extended", t.ext_at, unit=t.unit, due=iso(t.due), reason=r.choice(EXTEND_REASONS))
        cbs = sorted(t.callbacks, key=lambda c: c[0])
        mid = [c for c in cbs if t.mid and c[1] == "unsatisfied" and c[0] < t.seq[1][1]][:1]
        rest = [c for c in cbs if c not in mid]
        for i, (kind, at) in enumerate(t.seq):
            if kind == "closed":
                if i > 0:
                    add("closed", at, unit=t.unit, reply="已重新核实办理并回复诉求人")
                else:
                    add("closed", at, unit=t.unit)
                if i == 0 and mid:
                    add("callback-rated", mid[0][0], unit=t.unit, rating="unsatisfied")
            else:
                reason = "回访不满意" if (i == 1 and mid) else r.choice(REWORK_REASONS)
                add("returned", at, unit=t.unit, by="center", reason=reason)
        for at, rating, rec in rest:
            if rec is not None:
                add("callback-rated", at, unit=t.unit, rating=rating, recorded=rec)
            else:
                add("callback-rated", at, unit=t.unit, rating=rating)
        for a, b in zip(ev, ev[1:]):
            assert a[0] <= b[0], (t.unit, t.cls, ev)
        assert ev[-1][0] < self.cut and (ev[-1][1] or 0) < self.cut
        return ev

    def categorize(self, ch):
        r = self.rng
        mine = [t for t in self.tickets if t.channel == ch["channel"]]
        for t in mine:
            if ch["channel"] == "mailbox":
                t.category = r.weighted(MAILBOX_CATEGORIES)
            else:
                t.category = r.weighted(unit_mix(t.unit))
            t.topic = r.choice(HOTLINE_CATEGORIES[r.weighted(unit_mix(t.unit))] if ch["channel"] == "mailbox"
                               else HOTLINE_CATEGORIES[t.category])
        fixed = ch.get("month_categories")
        if fixed:
            in_month = [t for t in mine if self.M0 <= t.t_a < self.M1]
            assert len(in_month) == len(fixed)
            for t, c in zip(in_month, r.shuffle(list(fixed))):
                t.category = c

    def number(self):
        spec = self.spec
        by_prefix = {}
        for t in self.tickets:
            ch = self.channel_of[t.channel]
            d = dt.datetime.fromtimestamp(t.t_acc, TZ)
            key = (t.channel, f"{spec['ticket_prefix']}{d:%y%m}-{ch['mark']}", ch["width"])
            by_prefix.setdefault(key, []).append(t)
        for (channel, prefix, width), ts in sorted(by_prefix.items()):
            ts.sort(key=lambda t: (t.t_acc, t.order))
            for n, t in enumerate(ts, 1):
                t.id = f"{prefix}{n:0{width}d}"

    def adjustment_rows(self, first):
        """The bulletin's manual deductions and bonuses, one `adjusted` event each, in table order."""
        adj = self.spec.get("adjustments")
        if not adj:
            return []
        rows = []
        entries = [r for name in adj["csvs"] for r in read_csv(os.path.join(BULLETINS, name))
                   if not r["indicator"].endswith("综合考评")]
        for n, r in enumerate(entries, 1):
            text = r["points"]
            # deductions as JSON numbers (-1), bonuses as the printed strings ("+1.5"): both forms are valid
            points = (int(text) if "." not in text else float(text)) if text.startswith("-") else text
            f = dict(unit=r["unit"], points=points, indicator=r["indicator"], reason=r["detail"])
            if r["ticket"]:
                f["ref"] = r["ticket"]
            at = adj["at"] + (n - 1) * MIN
            rows.append((adj["recorded"], first + n, f"{adj['stream']}{n:02d}", "adjusted", at, adj["recorded"], f))
        return rows

    def run(self, outdir):
        spec = self.spec
        self.channel_of = {ch["channel"]: ch for ch in spec["channels"]}
        for ch in spec["channels"]:
            self.plan_channel(ch)
            self.categorize(ch)
        self.number()
        rows = []
        for t in self.tickets:
            for at, rec, kind, f in self.ticket_events(t):
                rows.append((rec if rec is not None else at, len(rows), t.id, kind, at, rec, f))
        rows.sort(key=lambda x: (x[0], x[1]))
        rows += self.adjustment_rows(len(rows))
        path = os.path.join(outdir, spec["out"])
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for n, (_, _, tid, kind, at, rec, f) in enumerate(rows, 1):
                obj = {"id": f"{spec['event_prefix']}{n}", "ticket": tid, "type": kind, "at": iso(at)}
                if rec is not None:
                    obj["recorded"] = iso(rec)
                obj.update(f)
                out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        for ch in spec["channels"]:
            with open(os.path.join(outdir, ch["roster"]), "w", encoding="utf-8", newline="\n") as out:
                out.write("unit,group\n")
                for row in ch["rows"]:
                    out.write(f"{row['unit']},{row['group'] if ch['groups'] else ''}\n")
        return path, len(rows), len(self.tickets)


def main(argv):
    outdir = SAMPLES
    if argv[:1] == ["--out"] and len(argv) == 2:
        outdir = argv[1]
    elif argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 64
    for spec in (QUYUAN, YUEYANG):
        path, events, tickets = Generator(spec).run(outdir)
        print(f"{os.path.relpath(path)}: {events:,} events, {tickets:,} tickets, {os.path.getsize(path):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
