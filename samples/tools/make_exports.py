#!/usr/bin/env python3
"""Write the two shapes of a platform export of the Quyuan 2023-09 month from the sample log.

From `samples/quyuan-2023-09.jsonl` (Python 3 standard library only), into `samples/exports/`:

- `quyuan-2023-09-actions.csv`  action rows (工单流转记录): one row per event, UTF-8 with a
  byte-order mark and CRLF, as Excel saves "CSV UTF-8"; rows in a shuffled (seeded) order, times
  as `2023/9/1 9:15:03`, deadlines as `2023-09-11 15:15:03`; callbacks carry the rating word
  (满意 / 非常满意 / 基本满意, 不满意, 未接通 / 联系不上) and, when the log has one, the time the
  callback was entered (录入时间, the log's `recorded`).
- `quyuan-2023-09-tickets.csv`  ticket rows (工单明细): one row per ticket, GB18030 with CRLF, as
  Excel saves "CSV" on a Chinese Windows: the final unit and its assignment, the deadline, the
  extended deadline, the last closure, the last callback, and the counts 退回次数 (reworks) and
  退单次数 (declines).

The mappings beside them (`actions-map.json`, `tickets-map.json`) are written by hand.
Deterministic: one seeded random.Random, so running it twice writes byte-identical files.

Usage: python3 samples/tools/make_exports.py
"""
import csv
import datetime as dt
import io
import json
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
LOG = os.path.join(ROOT, "quyuan-2023-09.jsonl")
OUT = os.path.join(ROOT, "exports")

ACTION_WORDS = {"accepted": "受理", "assigned": "派单", "extended": "延期", "closed": "办结", "callback-rated": "回访"}
CHANNEL_WORDS = {"hotline": "12345热线", "mailbox": "市长信箱"}
RATING_WORDS = {"satisfied": ["满意", "非常满意", "基本满意"], "unsatisfied": ["不满意"], "unreachable": ["未接通", "联系不上"]}


def parse(text):
    return dt.datetime.fromisoformat(text)


def slash(t):
    """2023/9/1 9:15:03 (Excel's short date, with seconds)."""
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}"


def dashed(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


def write(path, header, rows, encoding, bom):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    with open(path, "wb") as f:
        f.write((b"\xef\xbb\xbf" if bom else b"") + data)


def main():
    rng = random.Random(20230930)
    events = [json.loads(line) for line in open(LOG, encoding="utf-8")]

    header = ["工单编号", "操作时间", "操作类型", "承办单位", "办理时限", "回访结果", "来源渠道", "诉求类型", "问题分类",
              "备注", "办理结果", "录入时间"]
    rows = []
    for e in events:
        kind = e["type"]
        word = ACTION_WORDS.get(kind)
        if kind == "returned":
            word = "退回" if e["by"] == "center" else "退单"
        rating = ""
        if kind == "callback-rated":
            words = RATING_WORDS[e["rating"]]
            rating = words[int(rng.random() * len(words))]
        rows.append([
            e["ticket"], slash(parse(e["at"])), word, e.get("unit", ""),
            dashed(parse(e["due"])) if "due" in e else "", rating,
            CHANNEL_WORDS.get(e.get("channel", ""), ""), e.get("category", ""), e.get("topic", ""),
            e.get("reason", ""), e.get("reply", ""), slash(parse(e["recorded"])) if "recorded" in e else "",
        ])
    rng.shuffle(rows)
    write(os.path.join(OUT, "quyuan-2023-09-actions.csv"), header, rows, "utf-8", bom=True)

    tickets = {}
    order = []
    for e in events:
        t = e["ticket"]
        if t not in tickets:
            tickets[t] = {"reworks": 0, "declines": 0}
            order.append(t)
        s = tickets[t]
        kind = e["type"]
        if kind == "accepted":
            s["accepted"] = e
        elif kind == "assigned":
            s["assigned"] = e
            s.pop("extended", None)
        elif kind == "extended":
            s["extended"] = e
        elif kind == "closed":
            s["closed"] = e
        elif kind == "callback-rated":
            s["callback"] = e
        elif kind == "returned":
            s["reworks" if e["by"] == "center" else "declines"] += 1
    header = ["工单编号", "受理时间", "渠道", "诉求类型", "问题分类", "承办单位", "派单时间", "办理时限", "延期后时限",
              "办结时间", "办理结果", "回访时间", "回访结果", "退回次数", "退单次数"]
    rows = []
    for t in sorted(order):
        s = tickets[t]
        a = s["accepted"]
        assigned, extended, closed, callback = s.get("assigned"), s.get("extended"), s.get("closed"), s.get("callback")
        rating = ""
        if callback:
            words = RATING_WORDS[callback["rating"]]
            rating = words[int(rng.random() * len(words))]
        rows.append([
            t, slash(parse(a["at"])), CHANNEL_WORDS[a.get("channel", "hotline")], a.get("category", ""), a.get("topic", ""),
            assigned["unit"] if assigned else "", slash(parse(assigned["at"])) if assigned else "",
            slash(parse(assigned["due"])) if assigned else "", slash(parse(extended["due"])) if extended else "",
            slash(parse(closed["at"])) if closed else "", closed.get("reply", "") if closed else "",
            slash(parse(callback["at"])) if callback else "", rating,
            str(s["reworks"]), str(s["declines"]),
        ])
    write(os.path.join(OUT, "quyuan-2023-09-tickets.csv"), header, rows, "gb18030", bom=False)


if __name__ == "__main__":
    main()
