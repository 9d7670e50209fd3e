"""A bounded load test of the desk on loopback: uploads from concurrent clients, every batch
scrubbed exactly once, no claim lost, and the page times (p50, p95) printed. Not asserted in
the test suite: `make bench` runs it.

    python bench/desk_load.py [--uploads 50] [--clients 10] [--workers 2] [--timeout 600]

Each client logs in, then in turn uploads x12_samples/mixed.837 (5 claims) and opens the batch
list, until the uploads are spent; then every batch is opened once more. Exit status 1 when a
batch was scrubbed more or less than once or a claim is missing from the outputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.desk_client import SAMPLES, Client, running_desk  # noqa: E402


def claim_ids(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [s.strip().split("*")[1] for s in text.split("~") if s.strip().startswith("CLM*")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="background scrub threads")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    sample = (SAMPLES / "mixed.837").read_bytes()
    expected = claim_ids(SAMPLES / "mixed.837")
    times: list[float] = []
    lock = threading.Lock()
    left = [args.uploads]
    errors: list[str] = []

    with (
        tempfile.TemporaryDirectory() as folder,
        running_desk(Path(folder) / "data", upload_limit=10 << 20, workers=args.workers) as server,
    ):
        desk = server.desk

        def timed(client: Client, path: str, upload: bool = False) -> int:
            start = time.perf_counter()
            reply = client.upload("mixed.837", sample) if upload else client.get(path)
            with lock:
                times.append(time.perf_counter() - start)
            return reply.status

        def one_client(number: int) -> None:
            client = Client(server.url)
            client.login("ann" if number % 2 else "bob")
            while True:
                with lock:
                    if left[0] == 0:
                        break
                    left[0] -= 1
                status = timed(client, "/batches", upload=True)
                if status != 303:
                    errors.append(f"upload answered {status}")
                timed(client, "/")

        started = time.perf_counter()
        threads = [threading.Thread(target=one_client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        uploaded = time.perf_counter() - started
        watcher = Client(server.url)
        watcher.login("ann")
        rows = watcher.wait_ready(timeout=args.timeout)
        done = time.perf_counter() - started
        for row in rows:
            timed(watcher, f"/batches/{row['id']}")

        lost = 0
        for row in rows:
            batch = desk.store.batch(row["id"])
            assert batch is not None
            folder_path = desk.folder(row["id"])
            found = claim_ids(folder_path / "mixed.clean.837") + claim_ids(
                folder_path / "mixed.held.837"
            )
            if sorted(found) != sorted(expected) or row["status"] != "ready":
                lost += 1
        once = sum(1 for b in desk.store.batches() if b["attempts"] == 1)

    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(
        f"desk load: {len(rows)} batches from {args.clients} clients, {args.workers} scrub "
        f"workers; uploads took {uploaded:.1f} s, all scrubbed after {done:.1f} s"
    )
    print(
        f"  {len(times)} requests: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    print(f"  scrubbed exactly once: {once} of {len(rows)}; batches missing a claim: {lost}")
    for error in errors[:5]:
        print(f"  error: {error}")
    ok = len(rows) == args.uploads and once == len(rows) and lost == 0 and not errors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
