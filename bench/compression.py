"""Soft-label compression where SCORE claims it: codecs × ratios on one dataset's SCORE set, students trained on each store.

  python bench/compression.py --dataset glyphs200 --ipc 1 --seeds 0 1 2 --out results/compression_glyphs200_ipc1.json
  options: --codecs prune,prune-int8,prune-int4,vq,rpca,rpca-int8,auto  --ratios 5 10 20 30 40 100
           --auto-ratios 5 20 40 (ratios where only `auto` runs)  --auto-candidates prune,prune-int4  --skip guard  --mipc 10
           --epochs (default: the dataset's, below)
           --work runs/compression-<dataset>-ipc<ipc>

Per seed s: SCORE (α 5, β 0.1: condense's defaults, not tuned here — the codec comparison does not depend on them) selects
`ipc` images per class from the recipe pool, the recipe teacher labels `epochs` views per image (crop + flip + CutMix), and a
ConvNet student (RDED's batch rule, AdamW, T 4, cosine) trains for `epochs` epochs on (a) the uncompressed labels (1×),
(b) hard labels on the same views, (c) each codec's store at each ratio — the prune codecs replay their kept views only.
Reported per row: final-epoch test accuracy (mean ± std over seeds), bytes actually written, measured ratio, KL (T 4) between
decoded and uncompressed labels on the views the student replays, the share of replayed views whose decoded argmax matches,
the share of all views a student gets a faithful label for (`faithful_views`), and what `auto` chose (its student is the
chosen codec's: the stores are byte-identical). A row the guard accepts on some seeds and refuses on others lists both
(accepted_seeds, refused_seeds); its accuracy is over the accepted seeds, its unguarded accuracy over the refused ones. Codecs get the images' classes (`labels=`): a store a hard label would beat
is refused and reported as such, with the accuracy of a student trained on it anyway (unguarded; --skip guard
to leave those out). Every student is cached under --work, so an interrupted run resumes.
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
from score_nb.compress import compress, argmax_agreement, faithful_views, replayed_views
from score_nb.train import train_student
from score_nb.pipeline import pool_recipe

SETTINGS = {  # pool (RDED's recipe per dataset) and label epochs per IPC on this machine (2 CPU cores), as bench/results.py
    "digits": dict(pool=pool_recipe("digits"), epochs={1: 200, 10: 200, 50: 100}),
    "fashion_mnist": dict(pool=pool_recipe("fashion_mnist"), epochs={1: 150, 10: 150, 50: 40}),
    "glyphs200": dict(pool=pool_recipe("glyphs200"), epochs={1: 100, 10: 50}),
    "glyphs": dict(pool=pool_recipe("glyphs"), epochs={1: 100, 10: 30}),
}

def replayed_kl(Y, D, views, T=4.0) -> float:
    "Mean KL(softmax(Y/T) ‖ softmax(D/T)) over the views a student replays."
    p, q = (Y[views].double() / T).log_softmax(-1), (D[views].double() / T).log_softmax(-1)
    return (p.exp() * (p - q)).sum(-1).mean().item()

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="glyphs200", choices=sorted(SETTINGS)); ap.add_argument("--ipc", type=int, default=1)
    ap.add_argument("--epochs", type=int); ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--codecs", default="prune,prune-int8,prune-int4,vq,rpca,rpca-int8,auto")
    ap.add_argument("--ratios", type=float, nargs="+", default=[5, 10, 20, 30, 40, 100])
    ap.add_argument("--auto-ratios", type=float, nargs="*", default=[], help="extra ratios where only codec auto runs")
    ap.add_argument("--auto-candidates", help="the codecs auto compares (default: compress's AUTO_CODECS)")
    ap.add_argument("--skip", default="", help="'guard': do not train students on stores the hard-label guard refuses")
    ap.add_argument("--mipc", type=int, help="real images per class in the pool (default: the dataset's recipe)")
    ap.add_argument("--cached-only", action="store_true", help="aggregate the students already cached under --work; train none")
    ap.add_argument("--work"); ap.add_argument("--out")
    args = ap.parse_args()
    epochs = args.epochs or SETTINGS[args.dataset]["epochs"][args.ipc]
    work = Path(args.work or f"runs/compression-{args.dataset}-ipc{args.ipc}")
    R = Runner(work, cached_only=args.cached_only)
    ds = load_dataset(args.dataset)
    teacher = default_teacher(ds, progress=False)
    t0 = time.perf_counter()
    pool_settings = {**SETTINGS[args.dataset]["pool"], **({"mipc": args.mipc} if args.mipc else {})}
    pool = build_pool(ds, teacher, folder=work / "pool", progress=False, **pool_settings)
    ev = dict(eval_every=epochs, progress=False)
    auto = dict(candidates=tuple(args.auto_candidates.split(","))) if args.auto_candidates else {}
    plan = [(codec, r) for codec in args.codecs.split(",") for r in args.ratios] + [("auto", r) for r in args.auto_ratios]
    acc, meta = {}, {}                                           # row -> accuracies over seeds; row -> what the store measured
    for s in args.seeds:
        cs = condense(ds, teacher, args.ipc, method="score", pool=pool, seed=s, progress=False)
        soft = relabel(cs, teacher, epochs=epochs, seed=s, folder=work / "labels" / f"s{s}", progress=False)
        Y = soft.logits.transpose(0, 1).contiguous()
        def add(row, key, fn):
            r = R.student(f"{key}-s{s}", fn)
            if r: acc.setdefault(row, []).append(r["final_accuracy"])
        meta["uncompressed 1x"] = dict(codec="fp32", target=1, bytes=Y.numel() * 4, ratio=1.0, kl=0.0, argmax_agreement=1.0, faithful_share=1.0)
        meta["hard labels"] = dict(codec="hard", bytes=len(Y) * 2)
        add("uncompressed 1x", "soft", lambda: train_student(cs, soft, ds, seed=s, **ev))
        add("hard labels", "hard", lambda: train_student(cs, None, ds, records=soft.records, seed=s, **ev))
        for codec, ratio in plan:
            row = f"{codec} {ratio:g}x"
            t1 = time.perf_counter()
            try: c = compress(Y, ratio, codec, labels=cs.labels, **auto)
            except ValueError as e:
                m = meta.setdefault(row, {}); m.update(codec=codec, target=ratio, error=str(e)); print(f"  seed {s} {row}: {e}", flush=True)
                if "cannot reach" in str(e): m["unreachable"] = True; continue
                m.setdefault("refused_seeds", []).append(s)
                if codec == "auto" or "guard" in args.skip: continue
                c = compress(Y, ratio, codec)          # refused by the guard: what a student trained on it anyway gets
                add(f"unguarded-{row}", f"{codec}{ratio:g}", lambda: train_student(cs, c, ds, records=soft.records, seed=s, **ev))
                m.update(bytes=c.nbytes, ratio=c.ratio, kl=replayed_kl(Y, c.decompress(), replayed_views(c)))
                continue
            D, views = c.decompress(), replayed_views(c)
            m = meta.setdefault(row, {})
            m.setdefault("accepted_seeds", []).append(s)
            m.update(codec=codec, target=ratio, chosen=c.codec, bytes=c.nbytes, ratio=c.ratio, seconds_to_encode=time.perf_counter() - t1,
                     kl=replayed_kl(Y, D, views), argmax_agreement=argmax_agreement(Y, c),
                     faithful_share=faithful_views(Y, c, decoded=D).double().mean().item(), replayed_share=views.double().mean().item(),
                     hard_label_agreement=c.report.get("hard_label_agreement"), params=c.params, auto=c.report.get("auto"))
            add(row, f"{c.codec}{ratio:g}", lambda: train_student(cs, c, ds, records=soft.records, seed=s, **ev))
            print(f"  seed {s} {row}: {c.codec} {c.ratio:.1f}x, {c.nbytes} B, faithful {meta[row]['faithful_share']:.3f}", flush=True)
    rows = [dict(row=k, **m, **({"accuracy": mean_std(acc[k])} if k in acc else {}),
                 **({"unguarded_accuracy": mean_std(acc[f"unguarded-{k}"])} if f"unguarded-{k}" in acc else {})) for k, m in meta.items()]
    out = dict(dataset=args.dataset, classes=ds.num_classes, ipc=args.ipc, label_epochs=epochs, student_epochs=epochs, seeds=args.seeds,
               shape=list(Y.shape), pool=pool_settings, selection="score alpha 5 beta 0.1", student="convnet (RDED batch-size rule, AdamW lr 1e-3, wd 0.01, T 4, cosine)",
               teacher=dict(arch=teacher.arch, test_accuracy=teacher.test_accuracy), rows=rows,
               command="python bench/compression.py " + " ".join(a for a in os.sys.argv[1:]),
               machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}", seconds=time.perf_counter() - t0)
    print(f"{args.dataset} IPC {args.ipc}, {epochs} epochs, seeds {args.seeds}: final-epoch test accuracy %")
    for r in rows:
        a = r.get("accuracy")
        u = r.get("unguarded_accuracy")
        print(f"| {r['row']:<18} | " + (f"{100 * a['mean']:5.1f} ± {100 * a['std']:.1f}" if a else
                                        f"refused (unguarded: {100 * u['mean']:.1f} ± {100 * u['std']:.1f})" if u else "refused/unreachable") +
              f" | {r.get('bytes', '-')} B | " + (f"auto chose {r['chosen']}" if r['codec'] == 'auto' and 'chosen' in r else r.get("error", "")[:90]))
    if args.out:
        tmp = args.out + ".tmp"; open(tmp, "w").write(json.dumps(out, indent=1) + "\n"); os.replace(tmp, args.out)
