"""Two torchrun ranks on a Fashion-MNIST slice: pool, SCORE selection and soft labels equal the single-process results bit for bit."""
import json, os, sys
from pathlib import Path
import pytest, torch
from conftest import run_process

FM = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")

@pytest.mark.skipif(not FM.exists(), reason="needs Debian's dataset-fashion-mnist")
def test_two_ranks_equal_one_process_on_fashion_mnist(tmp_path, monkeypatch):
    monkeypatch.setenv("SCORE_NB_CACHE", str(tmp_path / "cache")); monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from torchrun_job import job_dataset
    from score_nb.models import default_teacher
    from score_nb.pool import POOL_TENSORS, Pool, build_pool
    from score_nb.condense import condense, load_condensed
    from score_nb.labels import relabel
    threads = torch.get_num_threads(); torch.set_num_threads(1)      # as the ranks run
    try:
        ds = job_dataset("fashion_mnist:20")
        teacher = default_teacher(ds, progress=False)                 # cached: the ranks load it
        pool = build_pool(ds, teacher, mipc=20, num_crop=3, scale=(0.25, 1.0), progress=False)
        cs = condense(ds, teacher, 3, alpha=5.0, beta=0.1, pool=pool, progress=False)
        labels = relabel(cs, teacher, epochs=3, progress=False)
    finally: torch.set_num_threads(threads)
    out = tmp_path / "job"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", str(Path(__file__).parent / "torchrun_job.py"),
           "--out", str(out), "--dataset", "fashion_mnist:20", "--mipc", "20", "--num-crop", "3", "--ipc", "3", "--epochs", "3"]
    r = run_process(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)      # torchrun and its workers, reaped on any path
    assert r.returncode == 0, r.stderr[-3000:]
    got = Pool.load(out / "pool")
    for k in POOL_TENSORS: assert torch.equal(getattr(got, k), getattr(pool, k)), k
    cs2 = load_condensed(out / "condensed")
    for k in ("pool_index", "gain", "gain_I", "gain_D"): assert torch.equal(cs2.provenance[k], cs.provenance[k]), k
    assert torch.equal(cs2.images, cs.images)
    lab2 = relabel(cs2, teacher, epochs=3, folder=out / "labels", progress=False)
    assert torch.equal(lab2.logits, labels.logits) and torch.equal(lab2.records, labels.records)
    logs = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [l["classes"] for l in logs] == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
