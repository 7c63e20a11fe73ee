#!/usr/bin/env python3
"""Recompute the hash chain of a ticket-ledger log without ledger-cli (Python 3 standard library only).

    python3 samples/tools/check_chain.py samples/chained.jsonl

Prints the chain head and exits 0 when every chained line holds; names the first line that does
not and exits 1 otherwise. The definition (docs/tamper-evidence.md): a chained line ends with
,"chain":"<64 lowercase hex>"} and its value is SHA-256 of the previous line's value (32 bytes),
then the line's bytes before that comma, then "}". The first chained line builds on 32 zero bytes
if it is line 1, else on SHA-256 of every byte of the file before it.
"""
import hashlib
import re
import sys

CHAINED = re.compile(rb'(.*),"chain":"([0-9a-f]{64})"\}', re.DOTALL)


def main(path):
    data = open(path, "rb").read()
    previous, offset, start = None, 0, None
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        match = CHAINED.fullmatch(line)
        if previous is None and match:
            start = number
            previous = hashlib.sha256(data[:offset]).digest() if offset else bytes(32)
        if previous is not None:
            if not match:
                return f"{path}:{number}: no chain value after chained lines"
            value = hashlib.sha256(previous + match[1] + b"}").hexdigest()
            if value != match[2].decode():
                return f"{path}:{number}: hash chain broken: expected {value}, found {match[2].decode()}"
            previous = bytes.fromhex(value)
        offset += len(line) + 1
    if previous is None:
        return f"{path}: no hash chain"
    print(f"chain head {previous.hex()} (chained from line {start})")
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problem = main(sys.argv[1])
    if problem:
        sys.exit(problem)
