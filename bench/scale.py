"""Memory and time of the label stages against the number of condensed images N, at ImageNet-1K's label shape, in one
process and per rank of a torchrun job.

  python bench/scale.py --n 1000 5000 10000 --epochs 300 --ranks 8 --ranks-n 1000 5000 --out results/scale.json [--work ../runs/scale]

What runs: a synthetic 1,000-class condensed set (uint8 noise images, 16 px grey, IPC = N / 1000) and an untrained tiny
ConvNet teacher — this measures memory and time, not accuracy. Each stage runs in a process of its own:
  relabel   E epochs of teacher logits on recorded views, one safetensors shard per epoch (SoftLabels on disk)
  compress  the codec at the ratio, streamed from the shards by image chunks, written chunk by chunk (`compress(out=)`), guarded
  train     a student for --train-epochs epochs on the memory-mapped store, each batch decoded from it (Compressed.rows)
  stacked   for reference: the (E, N, C) logits stacked in memory, as the label stages held them before (N <= --stacked-max)
Memory, sampled every 5 ms by a thread of the process: *private* (RssAnon: what the process holds for itself; what eight
ranks on a node hold eight times) and *file-backed* (RssFile: pages of mapped shards and stores, shared by the processes of
a node, dropped by the kernel under pressure), each as its peak minus the process's value at the baseline — once the set
and teacher are built and, for compress and train, the labels' records are read. `peak_rss_MiB` is the kernel's ru_maxrss.
With --ranks W, relabel and compress also run under torchrun with W gloo processes (one thread each) at each N of --ranks-n
(each also one of --n), every rank measuring itself; the JSON's `ranks` section has each rank's private growth beside the
one-process row of the same N, their ratio, and what grows with N (MiB per 1,000 more images) for one process and for the
largest rank. Students are jobs (one per rank), not sharded: they are not in it.
Times are extrapolated linearly to ImageNet-1K IPC 50 (N = 50,000) — this machine's CPUs, stated as such.
"""
import argparse, json, os, platform, resource, subprocess, sys, threading, time
from pathlib import Path
import torch

CLASSES, SIZE = 1000, 16
STAGES = ("relabel", "compress", "train", "stacked")

def status_MiB(field:str) -> float:
    "A field of /proc/self/status (VmRSS, RssAnon, RssFile), MiB."
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"): return int(line.split()[1]) / 1024
    return float("nan")

class Sampler:
    "Peak private (RssAnon) and file-backed (RssFile) memory of this process since `reset`, sampled every 5 ms."
    def __init__(self):
        self.reset(); threading.Thread(target=self._run, daemon=True).start()
    def reset(self):
        self.base = dict(anon=status_MiB("RssAnon"), file=status_MiB("RssFile")); self.peak = dict(self.base)
    def _run(self):
        while True:
            for k, f in (("anon", "RssAnon"), ("file", "RssFile")): self.peak[k] = max(self.peak[k], status_MiB(f))
            time.sleep(0.005)
    def growth(self) -> dict:
        return dict(private_growth_MiB=self.peak["anon"] - self.base["anon"], file_growth_MiB=self.peak["file"] - self.base["file"],
                    private_baseline_MiB=self.base["anon"])

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
    "Run one stage for n images in this process (a rank of a torchrun job when launched by one); its time and memory."
    from score_nb.runtime import init
    from score_nb.labels import relabel
    from score_nb.compress import compress, load_compressed
    from score_nb.train import train_student
    ctx = init()
    ds, cs, teacher = setup(n)
    work = Path(args.work) / (f"n{n}" if ctx.world == 1 and not args.separate else f"n{n}-w{args.world_tag}")
    store = work / f"{args.codec}-{args.ratio:g}x-e{args.epochs}.safetensors"
    out = dict(stage=stage, n=n, epochs=args.epochs, classes=CLASSES, world=ctx.world, rank=ctx.rank)
    label = lambda: relabel(cs, teacher, epochs=args.epochs, folder=work / "labels", batch_size=1024, ctx=ctx, progress=False)
    mem = Sampler()
    if stage == "relabel":
        t0 = time.perf_counter(); soft = label(); out["seconds"] = time.perf_counter() - t0
    else:
        soft = label(); ctx.barrier(); mem.reset()                                       # the shards exist: read their records, then measure
        t0 = time.perf_counter()
        if stage == "compress":
            c = compress(soft, args.ratio, args.codec, labels=cs.labels, ctx=ctx, out=store)
            out.update(ratio=c.ratio, store_bytes=c.nbytes, chunks=c.params.get("chunks", 1))
        elif stage == "train":
            c = load_compressed(store)
            train_student(cs, c, ds, records=soft.records, epochs=args.train_epochs, eval_every=10**9, eval_images=CLASSES,
                          progress=False, width=16, depth=2)
            out["train_epochs"] = args.train_epochs
        elif stage == "stacked":
            out["stacked_bytes"] = soft.logits.numel() * 4
        out["seconds"] = time.perf_counter() - t0
    time.sleep(0.02)                                                     # one more sample
    out.update(mem.growth(), peak_rss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               labels_fp32_MiB=n * args.epochs * CLASSES * 4 / 2**20, records_MiB=n * args.epochs * 30 / 2**20)
    if torch.cuda.is_available(): out["gpu_peak_MiB"] = torch.cuda.max_memory_allocated() / 2**20
    ctx.barrier()
    return out

def run(stage:str, n:int, args, world:int=1, separate:bool=False) -> list:
    "The stage in a fresh process (or `world` torchrun processes); the rows it printed, one per rank."
    flags = ["--one", stage, "--images", str(n), "--epochs", str(args.epochs), "--codec", args.codec, "--ratio", str(args.ratio),
             "--train-epochs", str(args.train_epochs), "--work", args.work, "--world-tag", str(world)] + (["--separate"] if separate else [])
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={world}", __file__] if world > 1
           else [sys.executable, __file__]) + flags
    Path(args.work).mkdir(parents=True, exist_ok=True)
    for old in Path(args.work).glob(f"result-{stage}-{n}-w{world}-r*.json"): old.unlink()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode: sys.exit(f"{stage} at N = {n} on {world} process(es) failed:\n{p.stderr[-3000:]}")
    rows = [json.loads(f.read_text()) for f in Path(args.work).glob(f"result-{stage}-{n}-w{world}-r*.json")]
    for r in rows: print(json.dumps(r), flush=True)
    return sorted(rows, key=lambda r: r["rank"])

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--codec", default="prune"); ap.add_argument("--ratio", type=float, default=30.0)
    ap.add_argument("--train-epochs", type=int, default=2)
    ap.add_argument("--stacked-max", type=int, default=5000)
    ap.add_argument("--ranks", type=int, default=0, help="also run relabel and compress on this many torchrun processes")
    ap.add_argument("--ranks-n", type=int, nargs="+", default=[1000, 5000], help="N values for the ranks runs (each also in --n)")
    ap.add_argument("--work", default="runs/scale"); ap.add_argument("--out")
    ap.add_argument("--one", help=argparse.SUPPRESS); ap.add_argument("--images", type=int, help=argparse.SUPPRESS)   # (torchrun would read --n as its own)
    ap.add_argument("--world-tag", default="1", help=argparse.SUPPRESS)
    ap.add_argument("--separate", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--keep", action="store_true", help="keep the label shards")
    ap.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES),
                    help="rerun only these stages; the other stages' rows (one process and ranks) are kept from --out")
    ap.add_argument("--reuse-log", help="take the one-process rows from the log (stdout) of an earlier run instead of rerunning them")
    args = ap.parse_args()
    if args.one:
        row = one(args.one, args.images, args)                            # one file per rank: ranks share one stdout
        Path(args.work, f"result-{args.one}-{args.images}-w{row['world']}-r{row['rank']}.json").write_text(json.dumps(row)); sys.exit(0)
    import shutil
    rows, kept = [], {}
    if set(args.stages) != set(STAGES):                                 # the stages not rerun: their rows from the file this run updates
        if not (args.out and Path(args.out).is_file()): sys.exit("--stages (a subset) needs --out: an earlier result file to update")
        old = json.loads(Path(args.out).read_text())
        now = dict(classes=CLASSES, image_size=SIZE, epochs=args.epochs, codec=args.codec, ratio=args.ratio, train_epochs=args.train_epochs)
        if differ := {k: (old["setting"].get(k), v) for k, v in now.items() if old["setting"].get(k) != v}:
            sys.exit(f"--stages: {args.out} was measured with other settings (theirs, these): {differ}; rerun every stage")
        if args.ranks > 1 and (old.get("ranks") or {}).get("world") not in (None, args.ranks):
            sys.exit(f"--stages: {args.out}'s ranks rows are for {old['ranks']['world']} ranks, not {args.ranks}")
        keep = lambda r: r["stage"] not in args.stages and r["n"] in args.n
        rows = [r for r in old["rows"] if keep(r)]
        if missing := sorted({(s, n) for s in STAGES for n in args.n if s not in args.stages and s != "stacked"} - {(r["stage"], r["n"]) for r in rows}):
            sys.exit(f"--stages: {args.out} has no rows for {missing}; rerun those stages too")
        kept = dict(command=old["setting"]["command"], ranks=old.get("ranks"), rows=[r for r in (old.get("ranks") or {}).get("rows", []) if keep(r)])
    if args.reuse_log:                                                   # the one-process rows of an earlier run of this script
        rows = [json.loads(l) for l in Path(args.reuse_log).read_text().splitlines() if l.startswith('{"stage"')]
        rows = [r for r in rows if r["world"] == 1 and r["n"] in args.n]
    for n in [] if args.reuse_log else args.n:
        if "train" in args.stages and "compress" not in args.stages:
            run("compress", n, args)                                     # a store to train on, in its own process; its rows are not kept
        for stage in [s for s in STAGES if s in args.stages and (s != "stacked" or n <= args.stacked_max)]:
            rows += run(stage, n, args)
        if not args.keep: shutil.rmtree(Path(args.work) / f"n{n}", ignore_errors=True)
    ranks, old_ranks, ranks_given = None, kept.get("ranks"), args.ranks > 1
    if not ranks_given and old_ranks:                                    # --stages without --ranks: the file's ranks rows, summarised again
        args.ranks, args.ranks_n = old_ranks["world"], old_ranks["n"]
    if args.ranks > 1:                                                   # W ranks at each --ranks-n, beside the one-process rows above
        single = {(r["stage"], r["n"]): r for r in rows}
        if missing := [n for n in args.ranks_n if ("relabel", n) not in single]: sys.exit(f"--ranks-n {missing}: not in --n")
        per = {}
        for n in args.ranks_n:
            per[n] = {s: run(s, n, args, world=args.ranks, separate=True) if s in args.stages and ranks_given else
                         sorted((r for r in kept["rows"] if r["stage"] == s and r["n"] == n), key=lambda r: r["rank"])
                      for s in ("relabel", "compress")}
            if not args.keep: shutil.rmtree(Path(args.work) / f"n{n}-w{args.ranks}", ignore_errors=True)
        ranks = dict(n=args.ranks_n, world=args.ranks, backend="gloo", threads_per_process=1, stages={})
        lo, hi = min(args.ranks_n), max(args.ranks_n)
        for s in ("relabel", "compress"):
            st = ranks["stages"][s] = dict(per_n={})
            for n in args.ranks_n:
                each = [r["private_growth_MiB"] for r in per[n][s]]
                st["per_n"][str(n)] = dict(single_private_growth_MiB=single[s, n]["private_growth_MiB"], rank_private_growth_MiB=each,
                                           largest_rank_over_single=max(each) / max(single[s, n]["private_growth_MiB"], 1e-9),
                                           single_file_growth_MiB=single[s, n]["file_growth_MiB"],
                                           rank_file_growth_MiB=[r["file_growth_MiB"] for r in per[n][s]],
                                           seconds_single=single[s, n]["seconds"], seconds_ranks=max(r["seconds"] for r in per[n][s]))
            if hi > lo:                                                   # what grows with N: MiB per 1,000 more images
                a, b = st["per_n"][str(lo)], st["per_n"][str(hi)]
                one_slope = (b["single_private_growth_MiB"] - a["single_private_growth_MiB"]) * 1000 / (hi - lo)
                rank_slope = (max(b["rank_private_growth_MiB"]) - max(a["rank_private_growth_MiB"])) * 1000 / (hi - lo)   # the largest rank at each N
                st.update(single_MiB_per_1000_images=one_slope, largest_rank_MiB_per_1000_images=rank_slope)
        ranks["rows"] = [r for n in per for s in per[n] for r in per[n][s]]
    label_stages = ("relabel", "compress", "train")
    by = {(r["stage"], r["n"]): r for r in rows}
    lo, hi = min(args.n), max(args.n)
    growth = {s: dict(private_MiB_at_smallest=by[(s, lo)]["private_growth_MiB"], private_MiB_at_largest=by[(s, hi)]["private_growth_MiB"],
                      peak_MiB_at_smallest=by[(s, lo)]["peak_rss_MiB"], peak_MiB_at_largest=by[(s, hi)]["peak_rss_MiB"],
                      ratio=by[(s, hi)]["peak_rss_MiB"] / by[(s, lo)]["peak_rss_MiB"], n_ratio=hi / lo,
                      labels_fp32_MiB_at_largest=by[(s, hi)]["labels_fp32_MiB"]) for s in label_stages}
    extrapolated = {s: dict(seconds_at_largest=by[(s, hi)]["seconds"], seconds_at_50000=by[(s, hi)]["seconds"] * 50_000 / hi,
                            note="linear in N from this machine's CPU time at the largest N" + (
                                f"; per {args.train_epochs} student epochs" if s == "train" else "")) for s in label_stages}
    stacked = [dict(n=r["n"], peak_rss_MiB=r["peak_rss_MiB"], private_growth_MiB=r["private_growth_MiB"],
                    stacked_MiB=r["stacked_bytes"] / 2**20) for r in rows if r["stage"] == "stacked"]
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__,
                            cuda=torch.cuda.is_available(), threads=1),
               setting=dict(classes=CLASSES, image_size=SIZE, epochs=args.epochs, codec=args.codec, ratio=args.ratio,
                            train_epochs=args.train_epochs, teacher="untrained ConvNet width 16 depth 2", data="synthetic noise",
                            command="python bench/scale.py " + " ".join(sys.argv[1:]),
                            one_process_rows=f"from the log of an earlier run ({args.reuse_log})" if args.reuse_log else "this run",
                            stages_rerun=args.stages, **({"other_stages_from": kept["command"]} if kept else {})),
               rows=rows, growth=growth, stacked_reference=stacked, extrapolated_to_imagenet_ipc50=extrapolated, ranks=ranks)
    print(json.dumps(dict(growth=growth, ranks={k: v for k, v in (ranks or {}).items() if k != "rows"},
                          extrapolated_to_imagenet_ipc50=extrapolated), indent=1))
    if args.out: Path(args.out).write_text(json.dumps(res, indent=1))
