"""--cluster on a real Dask LocalCluster of 2 worker processes: the clean, held, report and
acknowledgment files are byte for byte those of a run in one process (the report's time of
writing and the acknowledgments' ISA/GS/BHT date and time aside), on the corpus 837P files as
whole-file tasks and on a generated 20,000-claim file cut into TR3 chunks; a worker killed
mid-run changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scrubber import cluster as cl
from scrubber.api import ScrubOptions, scrub
from scrubber.cluster_worker import scrub_whole
from scrubber.synth import write_837
from scrubber.validate import validate
from tests.corpus import corpus_files
from tests.helpers import assert_same_outputs
from tests.test_tr3_stream import plant

SAMPLES = Path(__file__).resolve().parents[1] / "x12_samples"
BIG_CLAIMS = 20_000


@pytest.fixture(scope="module")
def cluster() -> Iterator[cl.Cluster]:
    with cl.open_cluster("local:2") as connected:
        connected.client.wait_for_workers(2, timeout=120)
        yield connected


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 generated claims with TR3 errors planted all through (so that claims are held in
    every chunk), and a second interchange: more than CUT_BYTES, so the file is cut."""
    folder = tmp_path_factory.mktemp("big")
    made = folder / "made.837"
    write_837(made, BIG_CLAIMS, seed=11)
    path = folder / "big.837"
    path.write_text(plant(made.read_text()), encoding="utf-8")
    assert path.stat().st_size >= cl.CUT_BYTES
    return path


def _on_cluster(
    files: list[Path],
    options: ScrubOptions,
    cluster: cl.Cluster,
    here: Callable[[Path, ScrubOptions], Any] = scrub,
) -> list[Any]:
    return [outcome() for _, outcome in cl.run_in_order(files, options, cluster, scrub_whole, here)]


def _options(out: Path, **more: Any) -> ScrubOptions:
    return ScrubOptions(out_dir=out, ledger=False, **more)


def test_corpus_files_as_whole_file_tasks(cluster: cl.Cluster, tmp_path: Path) -> None:
    files = corpus_files("837p")
    assert len(files) >= 40
    assert not any(cl.is_cut(f, _options(tmp_path)) for f in files)  # each goes out whole
    single, spread = tmp_path / "single", tmp_path / "spread"
    expected = [scrub(f, _options(single)) for f in files]
    got = _on_cluster(files, _options(spread), cluster)
    assert [(r.input, r.status, r.counts) for r in got] == [
        (r.input, r.status, r.counts) for r in expected
    ]
    assert_same_outputs(single, spread)


def test_corpus_acknowledgments(cluster: cl.Cluster, tmp_path: Path) -> None:
    """validate runs each file in turn (control numbers in input order); the acknowledgments
    and reports are those of a run in one process, the counter file too."""
    files = corpus_files("837p")
    single, spread = tmp_path / "single", tmp_path / "spread"

    def run(path: Path, options: ScrubOptions) -> Any:
        return validate(path, options)

    for path in files:
        validate(path, _options(single, mode="validate"))
    _on_cluster(files, _options(spread, mode="validate"), cluster, run)
    assert_same_outputs(single, spread)
    assert (single / ".scrub837-control").read_bytes() == (
        spread / ".scrub837-control"
    ).read_bytes()


def _kill_a_busy_worker(cluster: cl.Cluster, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the first worker seen working on a task; its nanny starts a new one."""
    pids = cluster.client.run(os.getpid)
    while not stop.is_set():
        busy = [address for address, keys in cluster.client.processing().items() if keys]
        if busy and busy[0] in pids:
            time.sleep(0.3)  # well into its task
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])
            return
        time.sleep(0.05)


def _with_a_worker_killed(cluster: cl.Cluster, run: Callable[[], Any]) -> list[int]:
    killed: list[int] = []
    stop = threading.Event()
    killer = threading.Thread(target=_kill_a_busy_worker, args=(cluster, killed, stop))
    killer.start()
    try:
        run()
    finally:
        stop.set()
        killer.join()
    cluster.client.wait_for_workers(2, timeout=120)
    return killed


@pytest.fixture(scope="module")
def big_single(big: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("big-single")
    result = scrub(big, _options(out))
    assert result.counts["held"] > 100 and result.counts["clean"] > 100
    return out


def test_a_large_file_cut_into_tr3_chunks(
    cluster: cl.Cluster, big: Path, big_single: Path, tmp_path: Path
) -> None:
    assert cl.is_cut(big, _options(tmp_path))
    spread = tmp_path / "spread"
    [result] = _on_cluster([big], _options(spread), cluster)
    assert result.counts["claims"] == BIG_CLAIMS
    assert_same_outputs(big_single, spread)


def test_a_worker_killed_mid_run_changes_nothing(
    cluster: cl.Cluster, big: Path, big_single: Path, tmp_path: Path
) -> None:
    spread = tmp_path / "spread"
    killed = _with_a_worker_killed(cluster, lambda: _on_cluster([big], _options(spread), cluster))
    assert killed, "no worker was seen busy"
    assert killed[0] not in cluster.client.run(os.getpid).values()  # it was replaced
    assert_same_outputs(big_single, spread)


def test_a_worker_killed_during_whole_file_tasks(cluster: cl.Cluster, tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in range(4):
        write_837(inputs / f"g{seed}.837", 400, seed=seed)
    files = sorted(inputs.glob("*.837"))
    single, spread = tmp_path / "single", tmp_path / "spread"
    for path in files:
        scrub(path, _options(single))
    killed = _with_a_worker_killed(cluster, lambda: _on_cluster(files, _options(spread), cluster))
    assert killed
    assert_same_outputs(single, spread)


def test_the_watcher_on_a_cluster(cluster: cl.Cluster, tmp_path: Path) -> None:
    """watch: each file's TR3 chunks on the workers; the same clean, held and report files as a
    watcher without --cluster."""
    from scrubber.watch.service import Watcher
    from tests.test_watch import Dirs

    source = tmp_path / "made.837"
    write_837(source, 1_200, seed=5)  # several TR3 chunks
    planted = plant(source.read_text())
    outputs = []
    for name, given in (("single", None), ("spread", cluster)):
        dirs = Dirs.make(tmp_path / name)
        (dirs.inbox / "batch.837").write_text(planted, encoding="utf-8")
        config = dirs.config(once=True, tr3=True, ledger=False, cluster=given)
        assert Watcher(config).run() == 0
        outputs.append(dirs)
    single, spread = outputs
    for folder in ("out", "held", "reports"):
        assert_same_outputs(getattr(single, folder), getattr(spread, folder))


def test_the_cli_on_a_cluster(tmp_path: Path) -> None:
    """scrub837 scrub --cluster local:2 writes what a run without it writes, and says nothing
    of Dask's own doings."""
    files = [SAMPLES / "clean.837", SAMPLES / "mixed.837", SAMPLES / "not_x12_env001.837"]
    single, spread = tmp_path / "single", tmp_path / "spread"
    exe = Path(sys.executable).parent / "scrub837"
    one = subprocess.run(
        [exe, "scrub", *files, "-o", single, "--no-ledger"], capture_output=True, text=True
    )
    two = subprocess.run(
        [exe, "scrub", *files, "-o", spread, "--no-ledger", "--cluster", "local:2"],
        capture_output=True,
        text=True,
    )
    assert two.returncode == one.returncode == 3, two.stderr
    assert two.stdout.replace(str(spread), "OUT") == one.stdout.replace(str(single), "OUT")
    assert two.stderr == ""
    (single / "scrub-index.html").unlink()
    (spread / "scrub-index.html").unlink()
    assert_same_outputs(single, spread)


def test_a_bad_address_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scrubber.cli import main

    result = CliRunner().invoke(
        main, ["scrub", str(SAMPLES / "clean.837"), "-o", str(tmp_path), "--cluster", "local:x"]
    )
    assert result.exit_code == 2
    assert "local:N needs a number of workers" in result.output


def test_without_dask_the_message_says_how_to_install(tmp_path: Path) -> None:
    """dask.distributed made unimportable in a child interpreter: a clear message, exit 2."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from scrubber.cli import main\n"
        f"main(['scrub', {str(SAMPLES / 'clean.837')!r}, '-o', {str(tmp_path)!r}, "
        "'--no-ledger', '--cluster', 'local:2'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert "pip install 'scrub837[cluster]'" in done.stderr
    assert "Traceback" not in done.stderr
