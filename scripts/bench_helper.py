#!/usr/bin/env python3
"""Helper for scripts/bench (standard library only).

  bench_helper.py gen SHAPE N DIR [--edited] [--layer W]
      writes DIR/main.tf for one benchmark shape; --edited changes exactly one line
      (one resource's input) so that a re-plan shows a small change.
  bench_helper.py report RESULTS.tsv [BASE_TOOL]
      prints the median of the repeated measurements of every (shape, tool, step) and, for
      every other tool, how many times slower it was than BASE_TOOL on the same step.
"""

import statistics
import sys
from pathlib import Path

NULL_PROVIDER = """terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

"""


def value(i, edited_at, edited):
    # The edited resource gets a different literal; everything else is unchanged, so the
    # diff between the two configurations is one line.
    return f'"v-{i}-edited"' if edited and i == edited_at else f'"v-{i}"'


def gen(shape, n, edited, layer):
    out = []
    mid = n // 2
    if shape == "independent":
        for i in range(n):
            out.append(f'resource "terraform_data" "r{i}" {{\n  input = {value(i, mid, edited)}\n}}\n')
    elif shape == "null":
        out.append(NULL_PROVIDER)
        for i in range(n):
            out.append(
                f'resource "null_resource" "r{i}" {{\n  triggers = {{\n    v = {value(i, mid, edited)}\n  }}\n}}\n'
            )
    elif shape == "chain":
        # r0 <- r1 <- ... : each input is the previous output. The edit is in the middle,
        # so the second half of the chain changes.
        out.append(f'resource "terraform_data" "r0" {{\n  input = {value(0, mid, edited)}\n}}\n')
        for i in range(1, n):
            if edited and i == mid:
                expr = f'"edited-${{terraform_data.r{i - 1}.output}}"'
            else:
                expr = f"terraform_data.r{i - 1}.output"
            out.append(f'resource "terraform_data" "r{i}" {{\n  input = {expr}\n}}\n')
    elif shape == "fanin":
        # Layers of `layer` resources; resource j of layer k reads the ids of j, j+1, j+2 of
        # layer k-1. Ids, not outputs: an output holding three outputs would triple in size
        # with every layer (3^100 strings by the last one). The edit is in the last layer,
        # so one resource changes.
        layers = max(1, n // layer)
        for k in range(layers):
            for j in range(layer):
                if k == 0:
                    expr = f'"v-{j}"'
                else:
                    refs = ", ".join(
                        f"terraform_data.l{k - 1}_{(j + d) % layer}.id" for d in range(3)
                    )
                    expr = f"[{refs}]"
                if edited and k == layers - 1 and j == 0:
                    expr = '"edited"'
                out.append(f'resource "terraform_data" "l{k}_{j}" {{\n  input = {expr}\n}}\n')
    elif shape == "count":
        cond = f'count.index == {mid} ? "edited" : ' if edited else ""
        out.append(
            f'resource "terraform_data" "r" {{\n  count = {n}\n  input = {cond}"v-${{count.index}}"\n}}\n'
        )
    elif shape == "countref":
        # Two count resources, the second reading the first element by element: the usual
        # `x[count.index]` pattern. N is the total number of instances.
        half = max(1, n // 2)
        cond = f'count.index == {half // 2} ? "edited" : ' if edited else ""
        out.append(
            f'resource "terraform_data" "a" {{\n  count = {half}\n  input = {cond}"v-${{count.index}}"\n}}\n'
        )
        out.append(
            f'resource "terraform_data" "b" {{\n  count = {half}\n  input = terraform_data.a[count.index].output\n}}\n'
        )
    elif shape == "mixed":
        # A quarter each of: a count resource; a for_each resource reading it element by
        # element; null_resources (count) reading those; and a chain of single resources.
        # N is the total number of instances. The edit changes one element of the first
        # quarter, and so one of each of the next two.
        q = max(1, n // 4)
        mid = q // 2
        cond = f'count.index == {mid} ? "edited" : ' if edited else ""
        out.append(NULL_PROVIDER)
        out.append(
            f'resource "terraform_data" "base" {{\n  count = {q}\n  input = {cond}"v-${{count.index}}"\n}}\n'
        )
        out.append(
            f'resource "terraform_data" "each" {{\n  for_each = {{ for i, b in terraform_data.base : "k${{i}}" => i }}\n'
            f"  input = terraform_data.base[each.value].output\n}}\n"
        )
        out.append(
            f'resource "null_resource" "n" {{\n  count = {q}\n'
            f'  triggers = {{\n    v = terraform_data.each["k${{count.index}}"].output\n  }}\n}}\n'
        )
        out.append('resource "terraform_data" "c0" {\n  input = "c"\n}\n')
        for i in range(1, q):
            out.append(f'resource "terraform_data" "c{i}" {{\n  input = terraform_data.c{i - 1}.id\n}}\n')
    else:
        sys.exit(f"bench_helper: unknown shape {shape!r}")
    return "".join(out)


def report(path, base=None):
    rows = {}
    order = []
    for line in Path(path).read_text().splitlines():
        if not line.strip():
            continue
        shape, n, tool, step, secs, kb, code, state_bytes = line.split("\t")
        key = (shape, n, tool, step)
        if key not in rows:
            rows[key] = []
            order.append(key)
        rows[key].append((float(secs), int(kb), code, int(state_bytes)))
    header = f"{'shape':<12} {'N':>6} {'tool':<10} {'step':<14} {'wall s':>7} {'min':>6} {'max':>6} {'RSS MB':>7} {'state KB':>9} {'x base':>7} exit"
    print(header)
    print("-" * len(header))
    for key in order:
        shape, n, tool, step = key
        r = rows[key]
        secs = [x[0] for x in r]
        rss = statistics.median(x[1] for x in r) / 1024
        state = statistics.median(x[3] for x in r) / 1024
        codes = ",".join(sorted({x[2] for x in r}))
        # How many times the base tool's median wall time this tool took on the same step.
        ratio = ""
        base_rows = rows.get((shape, n, base, step)) if base and tool != base else None
        if base_rows:
            b = statistics.median(x[0] for x in base_rows)
            ratio = f"{statistics.median(secs) / b:.1f}" if b > 0 else "inf"
        print(
            f"{shape:<12} {n:>6} {tool:<10} {step:<14} {statistics.median(secs):>7.2f} "
            f"{min(secs):>6.2f} {max(secs):>6.2f} {rss:>7.0f} {state:>9.0f} {ratio:>7} {codes}"
        )


def main(argv):
    if len(argv) >= 4 and argv[0] == "gen":
        shape, n, d = argv[1], int(argv[2]), Path(argv[3])
        rest = argv[4:]
        edited = "--edited" in rest
        layer = int(rest[rest.index("--layer") + 1]) if "--layer" in rest else 100
        d.mkdir(parents=True, exist_ok=True)
        (d / "main.tf").write_text(gen(shape, n, edited, layer))
    elif len(argv) in (2, 3) and argv[0] == "report":
        report(argv[1], argv[2] if len(argv) == 3 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
