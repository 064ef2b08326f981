"""Soft-label compression where SCORE claims it: codecs × ratios on one dataset's SCORE set, students trained on each store.

  python bench/compression.py --dataset glyphs200 --ipc 1 --epochs 100 --seeds 0 1 --out results/compression_glyphs200_ipc1.json
  options: --codecs prune,prune-int8,prune-int4,rpca,svd,auto  --ratios 10 30  --work runs/compression-<dataset>-ipc<ipc>

Per seed s: SCORE (α 5, β 0.1: condense's defaults, not tuned here — the codec comparison does not depend on them) selects
`ipc` images per class from the recipe pool, the recipe teacher labels `epochs` views per image (crop + flip + CutMix), and a
ConvNet student (RDED's batch rule, AdamW, T 4, cosine) trains on (a) the uncompressed labels, (b) hard labels on the same
views, (c) each codec's store at each ratio — the prune codecs replay their kept views only. Reported: final-epoch test
accuracy (mean ± std over seeds), bytes actually written, measured ratio, the share of replayed views whose decoded argmax
matches the uncompressed one, the share of faithful views (`faithful_views`), and what `auto` chose. Codecs get the images'
classes (`labels=`): a store a hard label would beat is refused and reported as such. Every student is cached under --work.
"""
import argparse, json, os, platform, time
from pathlib import Path
import torch
from results import Runner, mean_std
from score_nb.data import load_dataset
from score_nb.models import default_teacher
from score_nb.pool import build_pool
from score_nb.condense import condense
from score_nb.labels import relabel
from score_nb.compress import compress, argmax_agreement, faithful_views, label_kl
from score_nb.train import train_student

POOLS = {"digits": dict(mipc=60, scale=(0.25, 1.0)), "fashion_mnist": dict(mipc=300), "glyphs200": dict(mipc=60), "glyphs": dict(mipc=60)}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="glyphs200", choices=sorted(POOLS)); ap.add_argument("--ipc", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=100); ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--codecs", default="prune,prune-int8,prune-int4,rpca,svd,auto"); ap.add_argument("--ratios", type=float, nargs="+", default=[10, 30])
    ap.add_argument("--work"); ap.add_argument("--out")
    args = ap.parse_args()
    work = Path(args.work or f"runs/compression-{args.dataset}-ipc{args.ipc}")
    R = Runner(work)
    ds = load_dataset(args.dataset)
    teacher = default_teacher(ds, progress=False)
    t0 = time.perf_counter()
    pool = build_pool(ds, teacher, folder=work / "pool", progress=False, **POOLS[args.dataset])
    ev = dict(eval_every=args.epochs, progress=False)
    acc = {}                                                     # row -> accuracies over seeds
    meta = {}                                                    # row -> what the store measured (last seed's)
    for s in args.seeds:
        cs = condense(ds, teacher, args.ipc, method="score", pool=pool, seed=s, progress=False)
        soft = relabel(cs, teacher, epochs=args.epochs, seed=s, folder=work / "labels" / f"s{s}", progress=False)
        Y = soft.logits.transpose(0, 1).contiguous()
        def add(row, key, fn):
            r = R.student(f"{key}-s{s}", fn)
            if r: acc.setdefault(row, []).append(r["final_accuracy"])
        meta["uncompressed"] = dict(bytes=Y.numel() * 4, ratio=1.0)
        add("uncompressed", "soft", lambda: train_student(cs, soft, ds, seed=s, **ev))
        add("hard labels", "hard", lambda: train_student(cs, None, ds, records=soft.records, seed=s, **ev))
        for codec in args.codecs.split(","):
            for ratio in args.ratios:
                row = f"{codec} {ratio:g}x"
                try: c = compress(Y, ratio, codec, labels=cs.labels)
                except ValueError as e: meta[row] = dict(error=str(e)); continue
                meta[row] = dict(codec=c.codec, bytes=c.nbytes, ratio=c.ratio, kl_all_views=label_kl(Y, c.decompress()),
                                 argmax_agreement=argmax_agreement(Y, c), faithful_share=faithful_views(Y, c).double().mean().item(),
                                 hard_label_agreement=c.report.get("hard_label_agreement"), auto=c.report.get("auto"))
                add(row, f"{c.codec}{ratio:g}", lambda: train_student(cs, c, ds, records=soft.records, seed=s, **ev))
                print(f"  seed {s} {row}: {meta[row]['codec']} {c.ratio:.1f}x, {c.nbytes} B, faithful {meta[row]['faithful_share']:.3f}", flush=True)
    rows = [dict(row=k, **meta.get(k, {}), accuracy=mean_std(v)) for k, v in acc.items()] + \
           [dict(row=k, **m) for k, m in meta.items() if k not in acc]
    out = dict(dataset=args.dataset, classes=ds.num_classes, ipc=args.ipc, label_epochs=args.epochs, seeds=args.seeds,
               selection="score alpha 5 beta 0.1", student="convnet (RDED batch-size rule, AdamW lr 1e-3, wd 0.01, T 4, cosine)",
               teacher=dict(arch=teacher.arch, test_accuracy=teacher.test_accuracy), rows=rows,
               machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}", seconds=time.perf_counter() - t0)
    print(f"{args.dataset} IPC {args.ipc}, {args.epochs} epochs, seeds {args.seeds}: final-epoch test accuracy %")
    for r in rows:
        a = r.get("accuracy")
        print(f"| {r['row']:<18} | " + (f"{100 * a['mean']:5.1f} ± {100 * a['std']:.1f}" if a else "refused/unreachable") +
              f" | {r.get('bytes', '-')} B | " + (f"auto chose {r['codec']}" if r['row'].startswith('auto') and 'codec' in r else r.get("error", "")[:90]))
    if args.out:
        tmp = args.out + ".tmp"; open(tmp, "w").write(json.dumps(out, indent=1) + "\n"); os.replace(tmp, args.out)
