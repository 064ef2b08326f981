"""Peak memory and time of the label stages against the number of condensed images N, at ImageNet-1K's label shape.

  python bench/scale.py --n 1000 5000 10000 --epochs 300 --out results/scale.json [--work ../runs/scale]

What runs: a synthetic 1,000-class condensed set (uint8 noise images, 16 px grey, IPC = N / 1000) and an untrained tiny
ConvNet teacher — this measures memory and time, not accuracy. Each stage runs in a process of its own, so its peak RSS
(ru_maxrss) is its own; `baseline` is the process's RSS once the set and teacher are built, before the stage starts:
  relabel   E epochs of teacher logits on recorded views, one safetensors shard per epoch (SoftLabels on disk)
  compress  the codec at the ratio, streamed from the shards by image chunks (compress's default chunk_bytes), guarded
  train     a student for --train-epochs epochs on the stored labels, each batch decoded from the store (Compressed.rows)
  stacked   for reference: the (E, N, C) logits stacked in memory, as the label stages held them before (N <= --stacked-max)
The JSON has one row per (stage, N), the (N, E, C) fp32 size beside each peak, the growth of each stage's peak from the
smallest to the largest N, and the time per stage extrapolated linearly to ImageNet-1K IPC 50 (N = 50,000) — an
extrapolation from this machine's CPUs, stated as such.
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path
import torch

CLASSES, SIZE = 1000, 16

def rss_mib() -> float:
    "This process's resident set size now (MiB)."
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    return float("nan")

def setup(n:int, seed:int=0):
    "The synthetic condensed set (n images, 1000 classes), a matching ImageDataset (its test split: 2 per class) and the teacher."
    from score_nb.data import ImageDataset
    from score_nb.condense import CondensedSet
    from score_nb.models import Teacher, create_classifier
    g = torch.Generator().manual_seed(seed)
    ipc = n // CLASSES
    images = torch.randint(0, 256, (CLASSES * ipc, 1, SIZE, SIZE), generator=g, dtype=torch.uint8)
    labels = torch.arange(CLASSES).repeat_interleave(ipc)
    test = torch.randint(0, 256, (2 * CLASSES, 1, SIZE, SIZE), generator=g, dtype=torch.uint8)
    classes = [f"c{i:04d}" for i in range(CLASSES)]
    ds = ImageDataset("synthetic-1000", classes, images, labels, test, torch.arange(CLASSES).repeat_interleave(2))
    cs = CondensedSet(images, labels, classes, {}, dict(ipc=ipc, method="synthetic"))
    torch.manual_seed(seed)
    model = create_classifier("convnet", CLASSES, 1, SIZE, width=16, depth=2).eval()
    return ds, cs, Teacher(model, "convnet", classes, dict(arch="convnet", width=16, depth=2))

def one(stage:str, n:int, args) -> dict:
    "Run one stage for n images in this process; its time and memory."
    from score_nb.labels import relabel
    from score_nb.compress import compress, load_compressed
    from score_nb.train import train_student
    ds, cs, teacher = setup(n)
    work = Path(args.work) / f"n{n}"
    store = work / f"{args.codec}-{args.ratio:g}x.safetensors"
    base, t0 = rss_mib(), time.perf_counter()
    out = dict(stage=stage, n=n, epochs=args.epochs, classes=CLASSES)
    soft = relabel(cs, teacher, epochs=args.epochs, folder=work / "labels", batch_size=1024, progress=False)
    if stage == "relabel": pass
    elif stage == "compress":
        t1 = time.perf_counter()
        c = compress(soft, args.ratio, args.codec, labels=cs.labels)
        c.save(store)
        out.update(seconds_compress=time.perf_counter() - t1, ratio=c.ratio, store_bytes=c.nbytes, chunks=c.params.get("chunks", 1))
    elif stage == "train":
        c = load_compressed(store)
        t1 = time.perf_counter()
        h = train_student(cs, c, ds, records=soft.records, epochs=args.train_epochs, eval_every=10**9, eval_images=CLASSES,
                          progress=False, width=16, depth=2)
        out.update(seconds_train=time.perf_counter() - t1, train_epochs=args.train_epochs)
    elif stage == "stacked":
        Y = soft.logits
        out.update(stacked_bytes=Y.numel() * 4)
    out.update(seconds=time.perf_counter() - t0, baseline_rss_MiB=base,
               peak_rss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               labels_fp32_MiB=n * args.epochs * CLASSES * 4 / 2**20)
    if torch.cuda.is_available(): out["gpu_peak_MiB"] = torch.cuda.max_memory_allocated() / 2**20
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--codec", default="prune"); ap.add_argument("--ratio", type=float, default=30.0)
    ap.add_argument("--train-epochs", type=int, default=2)
    ap.add_argument("--stacked-max", type=int, default=5000)
    ap.add_argument("--work", default="runs/scale"); ap.add_argument("--out")
    ap.add_argument("--one", help=argparse.SUPPRESS); ap.add_argument("--keep", action="store_true", help="keep the label shards")
    args = ap.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.n[0], args)), flush=True); sys.exit(0)
    rows = []
    for n in args.n:
        for stage in ("relabel", "compress", "train") + (("stacked",) if n <= args.stacked_max else ()):
            cmd = [sys.executable, __file__, "--one", stage, "--n", str(n), "--epochs", str(args.epochs), "--codec", args.codec,
                   "--ratio", str(args.ratio), "--train-epochs", str(args.train_epochs), "--work", args.work]
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode: sys.exit(f"{stage} at N = {n} failed:\n{p.stderr[-3000:]}")
            row = json.loads(next(l for l in p.stdout.splitlines() if l.startswith("RESULT "))[7:])
            rows.append(row); print(json.dumps(row), flush=True)
        if not args.keep:
            import shutil; shutil.rmtree(Path(args.work) / f"n{n}", ignore_errors=True)
    label_stages = ("relabel", "compress", "train")
    by = {(r["stage"], r["n"]): r for r in rows}
    lo, hi = min(args.n), max(args.n)
    growth = {s: dict(peak_MiB_at_smallest=by[(s, lo)]["peak_rss_MiB"], peak_MiB_at_largest=by[(s, hi)]["peak_rss_MiB"],
                      ratio=by[(s, hi)]["peak_rss_MiB"] / by[(s, lo)]["peak_rss_MiB"], n_ratio=hi / lo,
                      labels_fp32_MiB_at_largest=by[(s, hi)]["labels_fp32_MiB"]) for s in label_stages}
    key = {"relabel": "seconds", "compress": "seconds_compress", "train": "seconds_train"}
    extrapolated = {s: dict(seconds_at_largest=by[(s, hi)][key[s]], seconds_at_50000=by[(s, hi)][key[s]] * 50_000 / hi,
                            note="linear in N from this machine's CPU time at the largest N" + (
                                f"; per {args.train_epochs} student epochs" if s == "train" else "")) for s in label_stages}
    stacked = [dict(n=r["n"], peak_rss_MiB=r["peak_rss_MiB"], stacked_MiB=r["stacked_bytes"] / 2**20) for r in rows if r["stage"] == "stacked"]
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__,
                            cuda=torch.cuda.is_available(), threads=torch.get_num_threads()),
               setting=dict(classes=CLASSES, image_size=SIZE, epochs=args.epochs, codec=args.codec, ratio=args.ratio,
                            train_epochs=args.train_epochs, teacher="untrained ConvNet width 16 depth 2", data="synthetic noise"),
               rows=rows, growth=growth, stacked_reference=stacked, extrapolated_to_imagenet_ipc50=extrapolated)
    print(json.dumps(dict(growth=growth, extrapolated_to_imagenet_ipc50=extrapolated), indent=1))
    if args.out: Path(args.out).write_text(json.dumps(res, indent=1))
