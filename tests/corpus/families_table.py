"""Renders a run_corpus.py --json report as the families table of bench/RESULTS.md: one row per
entry, grouped by family, with each side's pass/fail and first error line, export seconds, peak
RSS, the fp32 noise of the model, per-family totals, and the rows where only one side passes.

    families_table.py REPORT.json MANIFEST.json [--width N] [--commands]

--commands adds, per architecture, the kiln command of its rows (corpus paths relative to the
corpus folder; the trace and script rows differ only in the .pt).
"""
import argparse
import json
import sys
from pathlib import Path


def cell(side: dict, width: int) -> str:
    if side["ok"]:
        return f"ok ({side['mae']:.1e})" if side.get("mae") is not None else "ok"
    reason = (side.get("reason") or "").replace("|", "\\|").replace("kiln: error: ", "")
    return "FAIL: " + (reason if len(reason) <= width else reason[:width - 1] + "…")


def num(value, spec: str) -> str:
    return "–" if value is None else format(value, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", type=Path)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--width", type=int, default=110)
    ap.add_argument("--commands", action="store_true")
    args = ap.parse_args()
    report = json.loads(args.report.read_text())
    manifest = json.loads(args.manifest.read_text())
    noise = {e["name"]: e.get("fp32_noise") for e in manifest["entries"]}
    rows = report["rows"]
    families = []
    for r in rows:
        if r["family"] not in families:
            families.append(r["family"])
    out = ["| family | model | mode | kiln (rel MAE) | peer (rel MAE) | export s kiln / peer | "
           "peak RSS MiB kiln / peer | fp32 noise |", "|---|---|---|---|---|---|---|---|"]
    totals = []
    for fam in families:
        mine = [r for r in rows if r["family"] == fam]
        totals.append(f"{fam} {sum(r['kiln']['ok'] for r in mine)}/{sum(r['peer']['ok'] for r in mine)}"
                      f" of {len(mine)}")
        for r in mine:
            k, p = r["kiln"], r["peer"]
            out.append("| " + " | ".join([
                fam, r["arch"], r["mode"], cell(k, args.width), cell(p, args.width),
                f"{num(k['seconds'], '.2f')} / {num(p['seconds'], '.2f')}",
                f"{num(k['rss_mib'], '.0f')} / {num(p['rss_mib'], '.0f')}",
                num(noise.get(r["name"]), ".0e")]) + " |")
    n = len(rows)
    kiln_ok = sum(r["kiln"]["ok"] for r in rows)
    peer_ok = sum(r["peer"]["ok"] for r in rows)
    both = sum(r["kiln"]["ok"] and r["peer"]["ok"] for r in rows)
    ahead = [f"{r['arch']}/{r['mode']}" for r in rows if r["kiln"]["ok"] and not r["peer"]["ok"]]
    behind = [f"{r['arch']}/{r['mode']}" for r in rows if r["peer"]["ok"] and not r["kiln"]["ok"]]
    out += ["", f"**Totals: kiln {kiln_ok}/{n}, peer {peer_ok}/{n}, both {both}, neither "
                f"{n - kiln_ok - peer_ok + both}.** Per family (kiln/peer of rows): {'; '.join(totals)}.", "",
            f"- kiln alone passes ({len(ahead)}): {', '.join(ahead) or 'none'}",
            f"- only the peer passes ({len(behind)}): {', '.join(behind) or 'none'}"]
    out += [f"- {note}" for note in report.get("notes", []) if note]
    if args.commands:
        corpus = str(args.manifest.resolve().parent) + "/"
        out += ["", "kiln's command per architecture (`<mode>` is trace or script; paths in the corpus "
                    "folder; `--report` left out):", "", "```"]
        seen = set()
        for r in rows:
            cmd = r["kiln"].get("command")
            if not cmd or r["arch"] in seen:
                continue
            seen.add(r["arch"])
            cmd = cmd.replace(corpus, "").replace(f"{r['arch']}_{r['mode']}.pt", f"{r['arch']}_<mode>.pt")
            cmd = cmd.split(" -o ")[0]
            out.append("kiln " + cmd.split(" ", 1)[1])
        out.append("```")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
