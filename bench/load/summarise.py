"""Turn locust's CSV stats into the figures of docs/load.md and bench/results/load.json."""

import argparse
import csv
import json
from pathlib import Path


def rows(path: Path) -> dict[str, dict]:
    out = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            out[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
    return out


STAFF_PATHS = ("/certificates/dashboard/", "/certificates/rates/")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def server_times(path: Path) -> dict:
    """From gunicorn's access log (worker pid, request line, status, bytes, ms): each staff
    page's server time, split into each worker's first request of that page and the rest, to
    tell a worker's one-off first render from the page's steady cost."""
    seen, out = set(), {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split('"')
        if len(parts) < 3:
            continue
        pid, request, tail = parts[0].strip(), parts[1], parts[2].split()
        url = request.split(" ")[1].split("?")[0] if " " in request else ""
        if url not in STAFF_PATHS or len(tail) < 3:
            continue
        ms = float(tail[2])
        entry = out.setdefault(url, {"first": [], "rest": []})
        entry["rest" if (pid, url) in seen else "first"].append(ms)
        seen.add((pid, url))
    return {url: {"requests": len(e["first"]) + len(e["rest"]),
                  "first_of_worker_ms": sorted(e["first"]),
                  "rest_p50_ms": _pct(e["rest"], 0.5), "rest_p95_ms": _pct(e["rest"], 0.95),
                  "rest_max_ms": max(e["rest"], default=None)}
            for url, e in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("load_csv", type=Path)
    parser.add_argument("floor_csv", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--meta", default="{}")
    parser.add_argument("--access", type=Path, help="gunicorn's access log of the run")
    args = parser.parse_args()
    load, floor = rows(args.load_csv), rows(args.floor_csv)
    base = floor["floor (minimal view)"]
    course = load.get("course page", {})
    progress = load.get("progress report", {})
    total = load.get("Aggregated", {})
    result = {
        **json.loads(args.meta),
        "endpoints": dict(load),
        "floor": base,
        "ratios": {
            "course_page_p50_to_floor": round(course["p50_ms"] / max(base["p50_ms"], 1), 2),
            "course_page_p95_to_floor": round(course["p95_ms"] / max(base["p95_ms"], 1), 2),
        },
        "targets": {
            "zero_errors": total.get("failures", 1) == 0,
            "progress_p95_under_150ms": progress.get("p95_ms", 1e9) < 150,
            "course_page_within_3x_floor": course["p95_ms"] <= 3 * max(base["p95_ms"], 1),
            # Staff figures at city scale (issue 20): city HR under 500 ms, district under 300;
            # each officer's first view, which computes the figures, is reported apart.
            **{f"{who} {page} p95 under {limit} ms": load[f"{who} {page}"]["p95_ms"] < limit
               for who, limit in (("city HR", 500), ("district HR", 300))
               for page in ("dashboard", "rates page") if f"{who} {page}" in load},
        },
    }
    if args.access and args.access.exists():
        result["server_times"] = server_times(args.access)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(f"{'endpoint':36} {'requests':>8} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, r in [*load.items(), ("floor (separate run)", base)]:
        print(f"{name:36} {r['requests']:>8} {r['failures']:>5} {r['rps']:>7} "
              f"{r['p50_ms']:>6.0f} {r['p95_ms']:>6.0f} {r['p99_ms']:>6.0f}")
    print("ratios:", result["ratios"])
    print("targets:", result["targets"])
    for url, figures in result.get("server_times", {}).items():
        print("server", url, figures)


if __name__ == "__main__":
    main()
