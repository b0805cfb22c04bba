"""Concurrent chat requests against the web app, through gradio_client.

    python bench/bench_web.py                      # start the app on 127.0.0.1 (index ./index), 20 concurrent asks
    python bench/bench_web.py --n 200              # the reliability run: 200 concurrent asks
    python bench/bench_web.py --url http://127.0.0.1:7860/ --pid 1234   # a running app (loopback only)

Sends ``--n`` distinct questions (bench/questions/dev.jsonl, four languages) at once, each from its own thread
and client (connected first), to the ``/ask`` endpoint (the chat's answer pipeline: retrieval, extractive answer,
citations), with a timeout per request; the run stops by itself. Prints count, failures, p50/p95/max latency,
throughput, /health latency under load and the server process's memory (RSS) before and after. A server it
started itself is stopped at the end.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's regassist, also when another one is installed


def rss_mb(pid: int | None) -> tuple[float, float] | None:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    if not pid:
        return None
    try:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
    except OSError:
        return None
    kb = lambda key: float(fields.get(key, "0 kB").split()[0])  # noqa: E731
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_loopback_url(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_app(index: str | None, concurrency: int | None, startup_timeout: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, REGASSIST_HOST="127.0.0.1", REGASSIST_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    if index:
        env["REGASSIST_INDEX_DIR"] = index
    if concurrency:
        env["REGASSIST_CONCURRENCY"] = str(concurrency)
    proc = subprocess.Popen([sys.executable, str(ROOT / "ui.py")], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited with status {proc.returncode}")
        try:
            if httpx.get(url + "health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the app did not answer /health within {startup_timeout:.0f} s")


def questions(path: Path | None) -> list[str]:
    """Distinct questions (so that no answer comes from a cache): a JSONL question set, else the UI's examples."""
    import json

    if path is not None and path.is_file():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out = [str(r["question"]) for r in rows if r.get("question")]
        if out:
            return list(dict.fromkeys(out))
    from regassist.webtext import EXAMPLES

    out = []
    for group in zip(*EXAMPLES.values(), strict=False):
        out.extend(group)
    return out


def make_client(url: str, timeout: float) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": timeout})


def one_request(
    client: Any, question: str, timeout: float, start: threading.Barrier | None = None
) -> tuple[bool, float, str]:
    """One /ask through an already connected client; (ok, seconds, error)."""
    if start is not None:
        start.wait()
    started = time.perf_counter()
    try:
        job = client.submit(question, "", api_name="/ask")
        try:
            result = job.result(timeout=timeout)
        except Exception:
            job.cancel()
            raise
        ok = isinstance(result, dict) and "text" in result and "citations" in result
        return ok, time.perf_counter() - started, "" if ok else f"unexpected result {str(result)[:80]}"
    except Exception as err:  # noqa: BLE001 - reports the failure instead of stopping
        return False, time.perf_counter() - started, f"{err.__class__.__name__}: {str(err)[:120]}"


def health_latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    """/health round trips while the load runs: does the server stay responsive?"""
    with httpx.Client(timeout=60) as h:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                h.get(url + "health")
                out.append(time.perf_counter() - t0)
            except httpx.HTTPError:
                out.append(float("inf"))
            stop.wait(0.5)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running app on this machine (loopback only); default: start one")
    parser.add_argument("--pid", type=int, help="the running app's process id, for its memory (with --url)")
    parser.add_argument("--n", type=int, default=20, help="concurrent requests (default 20; 200 for reliability)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request (default 300)")
    parser.add_argument("--index", help="index folder for the app this script starts (default ./index)")
    parser.add_argument("--concurrency", type=int, help="REGASSIST_CONCURRENCY for the app this script starts")
    parser.add_argument(
        "--questions",
        type=Path,
        default=ROOT / "bench" / "questions" / "dev.jsonl",
        help="JSONL with a 'question' field (default: bench/questions/dev.jsonl)",
    )
    parser.add_argument("--startup-timeout", type=float, default=900.0, help="seconds to wait for /health")
    args = parser.parse_args()
    if args.n < 1 or args.n > 1000:
        parser.error("--n must be between 1 and 1000")

    proc = None
    if args.url:
        if not is_loopback_url(args.url):
            parser.error("--url must point at this machine (127.0.0.1, ::1 or localhost)")
        url, pid = args.url.rstrip("/") + "/", args.pid
    else:
        proc, url = start_app(args.index, args.concurrency, args.startup_timeout)
        pid = proc.pid
    try:
        health = httpx.get(url + "health", timeout=10).json()
        qs = questions(args.questions)
        warm_ok, warm_s, warm_err = one_request(make_client(url, args.timeout), qs[0], args.timeout)  # model warm
        before = rss_mb(pid)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=min(args.n, 32)) as pool:  # connect the clients (config, API info)
            clients = list(pool.map(lambda _: make_client(url, args.timeout), range(args.n)))
        connect_s = time.perf_counter() - t0
        barrier = threading.Barrier(args.n)
        stop, pings = threading.Event(), []
        pinger = threading.Thread(target=health_latencies, args=(url, stop, pings), daemon=True)
        pinger.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.n) as pool:
            futures = [pool.submit(one_request, clients[i], qs[i % len(qs)], args.timeout, barrier)
                       for i in range(args.n)]  # fmt: skip
            results = [f.result() for f in futures]
        wall = time.perf_counter() - started
        stop.set()
        pinger.join(5)
        after = rss_mb(pid)
        for c in clients:
            c.close()
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    latencies = [s for ok, s, _ in results if ok]
    failures = [err for ok, _, err in results if not ok]
    mem = lambda m: f"{m[0]:.0f} MB (peak {m[1]:.0f} MB)" if m else "n/a (give --pid)"  # noqa: E731
    rows = [
        ("server", url),
        ("index", f"{health.get('documents')} documents, {health.get('chunks')} chunks"),
        ("warm-up request", f"{'ok' if warm_ok else 'FAILED ' + warm_err} in {warm_s:.2f} s"),
        ("clients connected", f"{args.n} in {connect_s:.1f} s"),
        ("requests", f"{args.n} at once"),
        ("succeeded", str(len(latencies))),
        ("failures", str(len(failures))),
        ("p50 latency", f"{percentile(latencies, 50):.2f} s"),
        ("p95 latency", f"{percentile(latencies, 95):.2f} s"),
        ("max latency", f"{max(latencies):.2f} s" if latencies else "–"),
        ("mean latency", f"{statistics.fmean(latencies):.2f} s" if latencies else "–"),
        ("wall time", f"{wall:.2f} s"),
        ("throughput", f"{len(latencies) / wall:.2f} answers/s"),
        (
            "/health under load",
            f"p50 {percentile(pings, 50) * 1000:.0f} ms, max {max(pings) * 1000:.0f} ms" if pings else "–",
        ),
        ("server memory before", mem(before)),
        ("server memory after", mem(after)),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    for err in sorted(set(failures))[:10]:
        print(f"failure: {err} (x{failures.count(err)})")
    sys.exit(1 if failures or not warm_ok else 0)


if __name__ == "__main__":
    main()
