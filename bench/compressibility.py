"""SCORE's compressibility claim, measured: does selecting with β > 0 (the R_C term) give a set whose soft labels compress
better than β = 0, RDED or random sets, with the codec fixed?

  python bench/compressibility.py --dataset digits --ipc 10 --seeds 0 1 2 --out results/compressibility_digits_ipc10.json
  python bench/compressibility.py --dataset glyphs200 --ipc 1 --seeds 0 1 --students none --out results/compressibility_glyphs200_ipc1.json
  options: --betas 0 0.1 1 (α 5)  --codecs rpca,prune-int4  --ratios 10 20 30 40  --students all|none

Per seed s and set (SCORE at each β, RDED, random): the recipe teacher labels E views per image (bench/compression.py's
epochs), each codec stores them at each ratio **without the guard** (the question is how well the labels compress, not
whether the guard would accept them), and the benchmark reports the codec's error on the views a student replays — KL
(T 4) and, for rpca, the squared error relative to the labels' spread around each image's mean — with the mean R_C of
the selected crops, and (--students all) a ConvNet student's final-epoch test accuracy on the uncompressed labels and on
each store. Students and label sets are cached under --work.
"""
import argparse, json, os, platform, time
from pathlib import Path
import torch
from results import Runner, mean_std
from compression import SETTINGS, replayed_kl
from score_nb.data import load_dataset
from score_nb.models import default_teacher
from score_nb.pool import build_pool
from score_nb.condense import condense
from score_nb.labels import relabel
from score_nb.compress import compress, replayed_views, faithful_views
from score_nb.train import train_student

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="digits", choices=sorted(SETTINGS)); ap.add_argument("--ipc", type=int, default=10)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2]); ap.add_argument("--betas", type=float, nargs="+", default=[0, 0.1, 1])
    ap.add_argument("--alpha", type=float, default=5.0)
    ap.add_argument("--codecs", default="rpca,prune-int4"); ap.add_argument("--ratios", type=float, nargs="+", default=[10, 20, 30, 40])
    ap.add_argument("--students", choices=("all", "none"), default="all"); ap.add_argument("--work"); ap.add_argument("--out")
    args = ap.parse_args()
    epochs = SETTINGS[args.dataset]["epochs"][args.ipc]
    work = Path(args.work or f"runs/compressibility-{args.dataset}-ipc{args.ipc}")
    R = Runner(work)
    ds = load_dataset(args.dataset); teacher = default_teacher(ds, progress=False)
    t0 = time.perf_counter()
    pool = build_pool(ds, teacher, folder=work / "pool", progress=False, **SETTINGS[args.dataset]["pool"])
    sets = [(f"score beta {b:g}", dict(method="score", alpha=args.alpha, beta=b)) for b in args.betas] + \
           [("rded", dict(method="rded")), ("random", dict(method="random"))]
    ev = dict(eval_every=epochs, progress=False)
    cells = {}                                                   # (set, codec, ratio) -> lists over seeds
    def put(key, name, value): cells.setdefault(key, {}).setdefault(name, []).append(value)
    for s in args.seeds:
        for name, kw in sets:
            cs = condense(ds, teacher, args.ipc, pool=pool, seed=s, progress=False, **kw)
            tag = name.replace(" ", "")
            soft = relabel(cs, teacher, epochs=epochs, seed=s, folder=work / "labels" / f"{tag}-s{s}", progress=False)
            Y = soft.logits.transpose(0, 1).contiguous()
            spread = (Y - Y.mean(1, keepdim=True)).double().square().sum().item()
            put((name, "fp32", 1), "rc", cs.provenance["rc"].double().mean().item())
            if args.students == "all":
                r = R.student(f"{tag}-soft-s{s}", lambda: train_student(cs, soft, ds, seed=s, **ev)); put((name, "fp32", 1), "accuracy", r["final_accuracy"])
            for codec in args.codecs.split(","):
                for ratio in args.ratios:
                    c = compress(Y, ratio, codec); D = c.decompress(); v = replayed_views(c)
                    key = (name, codec, ratio)
                    put(key, "kl", replayed_kl(Y, D, v)); put(key, "faithful_share", faithful_views(Y, c, decoded=D).double().mean().item())
                    put(key, "relative_squared_error", (Y - D)[v].double().square().sum().item() / spread)
                    if args.students == "all":
                        r = R.student(f"{tag}-{codec}{ratio:g}-s{s}", lambda: train_student(cs, c, ds, records=soft.records, seed=s, **ev))
                        put(key, "accuracy", r["final_accuracy"])
            print(f"  seed {s} {name}: mean R_C {cells[(name, 'fp32', 1)]['rc'][-1]:.3f}", flush=True)
    rows = [dict(set=k[0], codec=k[1], ratio=k[2], **{m: mean_std(v) for m, v in d.items()}) for k, d in cells.items()]
    out = dict(dataset=args.dataset, classes=ds.num_classes, ipc=args.ipc, label_epochs=epochs, seeds=args.seeds, alpha=args.alpha,
               rows=rows, command="python bench/compressibility.py " + " ".join(os.sys.argv[1:]),
               machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}", seconds=time.perf_counter() - t0)
    for r in rows:
        print(f"| {r['set']:<14} | {r['codec']:<10} | {r['ratio']:>4g}x | " + " | ".join(
            f"{m} {r[m]['mean']:.4f} ± {r[m]['std']:.4f}" for m in ("rc", "kl", "relative_squared_error", "faithful_share", "accuracy") if m in r) + " |")
    if args.out:
        tmp = args.out + ".tmp"; open(tmp, "w").write(json.dumps(out, indent=1) + "\n"); os.replace(tmp, args.out)
