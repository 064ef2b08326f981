"""The results tables: students trained on condensed sets, final-epoch test accuracy, mean ± std over seeds.

  python bench/results.py --dataset fashion_mnist --out results/results_fashion_mnist.json
  python bench/results.py --dataset digits --out results/results_digits.json
  options: --seeds 0 1 2   --sections grid,methods,compression,crossarch,sensitivity   --work runs/results-<dataset>

Sections (in the order they run; every student's result is cached under --work, so an interrupted run resumes and a
rerun only re-aggregates):
  grid         alpha/beta for SCORE chosen on a VALIDATION split carved from the training data (10 %, stratified): the
               pool is built from the remaining training images, students are scored on the held-out images. The test
               split is never used to choose anything.
  methods      random, rded, herding, kcenter, score (validation-chosen alpha/beta) at IPC 1, 10, 50 with uncompressed soft
               labels; reference rows: the full-data teacher, and random with hard labels.
  compression  IPC 10, SCORE's set: codecs rpca, svd, topk, prune at 10/20/30/40x (1x = the uncompressed row);
               rpca and topk also at 2x and 5x (topk keeps at least one (value, index) pair per view: 6.7x at most with 10 classes).
  crossarch    sets built with the ConvNet teacher, students ResNet-18 (timm, from scratch).
  sensitivity  on the validation split, IPC 1 and 10, SCORE at the chosen alpha/beta: the coding rates' distortion eps,
               and the pool (fewer real images per class, fewer or more crops per image, more R_C views), with RDED on
               the same pools for reference. Nothing here is chosen on, or reported from, the test split.
Seed s drives the selection (random baseline), the label views, the student's initialisation and order; the pool
(teacher passes over the training images) is built once, seed 0.
"""
import argparse, json, os, platform, time
from pathlib import Path
import torch
from score_nb.data import load_dataset, validation_split
from score_nb.models import default_teacher
from score_nb.io import atomic_write
from score_nb.pipeline import pool_recipe
from score_nb.pool import build_pool
from score_nb.condense import condense, selection_terms
from score_nb.labels import relabel
from score_nb.compress import compress, label_kl
from score_nb.train import train_student

SETTINGS = {  # per dataset: the pool recipe (score_nb.pipeline.RECIPES), label epochs per IPC (this machine: 2 CPU cores)
    "digits": dict(pool=pool_recipe("digits"), epochs={1: 200, 10: 200, 50: 100}),
    "fashion_mnist": dict(pool=pool_recipe("fashion_mnist"), epochs={1: 150, 10: 150, 50: 40}),
}
ALPHAS, BETAS = (0.0, 2.0, 5.0, 10.0), (0.0, 0.1, 1.0)
METHODS = ("random", "rded", "herding", "kcenter", "score")
CODECS, RATIOS = ("rpca", "svd", "topk", "prune"), (10, 20, 30, 40)
LOW_RATIOS = (2, 5)            # where rpca starts to lose the views' labels, and topk's only reachable ratios with 10 classes
LOW_RATIO_CODECS = ("rpca", "topk")
EPSILONS = (0.1, 0.25, 1.0, 2.0)   # besides the grid's 0.5
POOL_VARIANTS = {              # name: (build_pool settings over the dataset's, methods the change can affect)
    "mipc100": (dict(mipc=100), ("score", "rded")),       # a third of the real images per class
    "crops1": (dict(num_crop=1), ("score", "rded")),      # one crop per image: no choice of crop
    "crops10": (dict(num_crop=10), ("score", "rded")),    # twice RDED's crops per image
    "views32": (dict(n_aug=32), ("score",)),              # R_C from 32 augmented views instead of 8 (RDED ignores R_C)
}


def mean_std(xs):
    xs = [x for x in xs if x is not None]
    if not xs: return None
    t = torch.tensor(xs, dtype=torch.float64)
    return dict(mean=t.mean().item(), std=t.std().item() if len(xs) > 1 else 0.0, n=len(xs), values=list(xs))


class Runner:
    "Caches every student under work/students/<key>.json (atomic), so an interrupted benchmark resumes."
    def __init__(self, work:Path, cached_only:bool=False):
        self.work, self.cached_only = work, cached_only
        (work / "students").mkdir(parents=True, exist_ok=True)

    def student(self, key:str, fn) -> dict|None:
        path = self.work / "students" / f"{key}.json"
        if path.exists(): return json.loads(path.read_text())
        if self.cached_only: return None                                  # --cached-only: aggregate what has finished
        t = time.perf_counter(); h = fn()
        out = dict(key=key, final_accuracy=h.final_accuracy, seconds=time.perf_counter() - t, epochs=h.config["epochs"],
                   batch_size=h.config["batch_size"], arch=h.config["arch"], curve=dict(epoch=h.epochs, accuracy=h.test_accuracy,
                   train_loss=h.train_loss, test_loss=h.test_loss))
        atomic_write(path, lambda p: p.write_text(json.dumps(out)))
        print(f"  {key}: {out['final_accuracy']:.4f} ({out['seconds']:.0f} s)", flush=True)
        return out


def labels_for(cs, teacher, epochs, seed, work, name):
    return relabel(cs, teacher, epochs=epochs, seed=seed, folder=work / "labels" / name, progress=False)


def run(args):
    name = args.dataset
    cfg = SETTINGS[name]
    work = Path(args.work or f"runs/results-{name}")
    R = Runner(work, args.cached_only)
    ds = load_dataset(name)
    teacher = default_teacher(ds)
    E = cfg["epochs"]
    seeds = args.seeds
    out = dict(dataset=name, machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}",
               seeds=seeds, label_epochs=E, pool=cfg["pool"], student="convnet (RDED batch-size rule, AdamW lr 1e-3, wd 0.01, T 4, cosine)",
               teacher=dict(arch=teacher.arch, test_accuracy=teacher.test_accuracy, seconds=teacher.seconds))
    t0 = time.perf_counter()
    pool = build_pool(ds, teacher, folder=work / "pool", progress=False, **cfg["pool"])
    sections = args.sections.split(",")
    ev = dict(eval_every=max(E.values()), progress=False)               # one evaluation, at the end, on the whole split

    # ---- α/β on the validation split -------------------------------------------------------------------------------
    vds = validation_split(ds, 0.1, seed=0)
    chosen = {}
    methods = [m for m in METHODS + ("random-hard",) if m in args.methods.split(",")]
    if set(sections) & {"grid", "compression", "crossarch", "sensitivity"} or ("methods" in sections and "score" in methods):
        vpool = build_pool(vds, teacher, folder=work / "pool-val", progress=False, **cfg["pool"])
        grid = {}
        for ipc, gseeds in ((1, seeds[:2]), (10, seeds[:1])):
            rows = []
            cells = [("score", a, b) for a in ALPHAS for b in BETAS] + [("random", None, None), ("rded", None, None)]
            print(f"grid IPC {ipc} on {vds.name} ({len(vds.test_labels)} validation images)", flush=True)
            for m, a, b in cells:
                accs = []
                for s in gseeds:
                    key = f"val-ipc{ipc}-{m}" + (f"-a{a:g}-b{b:g}" if m == "score" else "") + f"-s{s}"
                    def fn(m=m, a=a, b=b, s=s):
                        kw = dict(alpha=a, beta=b) if m == "score" else {}
                        cs = condense(vds, teacher, ipc, method=m, pool=vpool, seed=s, progress=False, **kw)
                        soft = labels_for(cs, teacher, E[ipc], s, work, key)
                        return train_student(cs, soft, vds, seed=s, **ev)
                    r = R.student(key, fn)
                    accs.append(r["final_accuracy"] if r else None)
                rows.append(dict(method=m, alpha=a, beta=b, validation_accuracy=mean_std(accs)))
            best = max((r for r in rows if r["method"] == "score" and r["validation_accuracy"]), key=lambda r: r["validation_accuracy"]["mean"])
            chosen[ipc] = dict(alpha=best["alpha"], beta=best["beta"])
            grid[ipc] = dict(rows=rows, chosen=chosen[ipc], seeds=gseeds, epochs=E[ipc])
            print(f"  chosen at IPC {ipc}: alpha {best['alpha']}, beta {best['beta']} "
                  f"(validation {best['validation_accuracy']['mean']:.4f})", flush=True)
        chosen[50] = chosen[10]
        out["grid"] = dict(validation=vds.name, validation_images=len(vds.test_labels), alphas=ALPHAS, betas=BETAS, eps=0.5,
                           ipcs=grid)

    # ---- ε and the pool, on the validation split -------------------------------------------------------------------
    if "sensitivity" in sections:
        rows, sseeds = [], seeds[:2]
        def val_student(ipc, m, s, p, key, **kw):
            def fn():
                cs = condense(vds, teacher, ipc, method=m, pool=p, seed=s, progress=False, **kw)
                return train_student(cs, labels_for(cs, teacher, E[ipc], s, work, key), vds, seed=s, **ev)
            r = R.student(key, fn)
            return r["final_accuracy"] if r else None
        vary = set(args.vary.split(","))
        for ipc in [i for i in args.ipcs if i in (1, 10)]:
            a, b = chosen[ipc]["alpha"], chosen[ipc]["beta"]
            print(f"sensitivity IPC {ipc} on {vds.name} (alpha {a:g}, beta {b:g})", flush=True)
            base = f"val-ipc{ipc}-score-a{a:g}-b{b:g}"                # the grid's cell: eps 0.5, default pool
            cells = [("eps", 0.5, "score", [val_student(ipc, "score", s, vpool, f"{base}-s{s}", alpha=a, beta=b) for s in sseeds])]
            cells += [("eps", e, "score", [val_student(ipc, "score", s, vpool, f"{base}-eps{e:g}-s{s}", alpha=a, beta=b, eps=e)
                                           for s in sseeds]) for e in EPSILONS if "eps" in vary]
            cells += [("pool", "default", "score", cells[0][3])]              # the same students as eps 0.5
            cells += [("pool", "default", "rded", [val_student(ipc, "rded", s, vpool, f"val-ipc{ipc}-rded-s{s}") for s in sseeds])]
            for name, (kw, ms) in POOL_VARIANTS.items() if "pool" in vary else ():
                if R.cached_only and not (work / f"pool-val-{name}" / "pool.json").exists(): continue
                vp = build_pool(vds, teacher, folder=work / f"pool-val-{name}", progress=False, **{**cfg["pool"], **kw})
                for m in ms:
                    kws = dict(alpha=a, beta=b) if m == "score" else {}
                    cells.append(("pool", name, m, [val_student(ipc, m, s, vp, f"val-ipc{ipc}-{m}-{name}-s{s}", **kws) for s in sseeds]))
            for what, setting, m, accs in cells:
                acc = mean_std(accs)
                if acc is None: continue
                rows.append(dict(ipc=ipc, varied=what, setting=setting, method=m, validation_accuracy=acc, epochs=E[ipc]))
                print(f"  IPC {ipc:>2} {what} {setting!s:<8} {m:<6} {acc['mean']:.4f} ± {acc['std']:.4f}", flush=True)
        out["sensitivity"] = dict(validation=vds.name, seeds=sseeds, chosen={str(k): v for k, v in chosen.items() if k in (1, 10)},
                                  default_pool=cfg["pool"], default_eps=0.5, variants={k: v[0] for k, v in POOL_VARIANTS.items()},
                                  rows=rows)

    def condensed(method, ipc, s):
        kw = chosen[ipc] if method == "score" else {}
        return condense(ds, teacher, ipc, method=method, pool=pool, seed=s, progress=False, **kw)

    def soft_for(method, ipc, s):
        cs = condensed(method, ipc, s)
        return cs, labels_for(cs, teacher, E[ipc], s, work, f"test-ipc{ipc}-{method}-s{s}")

    # ---- methods × IPC ---------------------------------------------------------------------------------------------
    if "methods" in sections:
        table = []
        for ipc in args.ipcs:
            print(f"methods IPC {ipc} ({E[ipc]} epochs)", flush=True)
            for m in methods:
                method, hard = (m.split("-")[0], m.endswith("hard"))
                res, terms = [], []
                for s in seeds:
                    def fn(method=method, hard=hard, s=s, ipc=ipc):
                        cs, soft = soft_for(method, ipc, s)
                        return train_student(cs, None if hard else soft, ds, records=soft.records, seed=s, **ev)
                    res.append(R.student(f"test-ipc{ipc}-{m}-s{s}", fn))
                    if res[-1] is None: res.pop(); continue
                    if not hard:
                        prov = condensed(method, ipc, s).provenance
                        terms.append(dict(ce=prov["ce"].double().mean().item(), rc=prov["rc"].double().mean().item()))
                if not res: continue
                table.append(dict(ipc=ipc, method=method, labels="hard" if hard else "soft", epochs=E[ipc],
                                  **(chosen.get(ipc, {}) if method == "score" else {}),
                                  accuracy=mean_std([r["final_accuracy"] for r in res]),
                                  seconds=mean_std([r["seconds"] for r in res]),
                                  **(dict(mean_ce=mean_std([t["ce"] for t in terms]), mean_rc=mean_std([t["rc"] for t in terms])) if terms else {})))
                a = table[-1]["accuracy"]
                print(f" IPC {ipc:>2} {m:<12} {a['mean']:.4f} ± {a['std']:.4f}", flush=True)
        out["methods"] = table

    # ---- compression at IPC 10 -------------------------------------------------------------------------------------
    if "compression" in sections:
        rows = []
        print("compression IPC 10 (score's set)", flush=True)
        codecs = args.codecs.split(",")
        cseeds = args.compression_seeds or seeds
        out["compression_seeds"] = cseeds
        for codec, ratio in [(c, r) for c in LOW_RATIO_CODECS for r in args.low_ratios if c in codecs] + [(c, r) for c in CODECS for r in args.ratios if c in codecs]:
            res, meta = [], None
            for s in cseeds:
                cs, soft = soft_for("score", 10, s)
                Y = soft.logits.transpose(0, 1).contiguous()
                try:
                    c = compress(Y, ratio, codec)
                except ValueError as e:
                    meta = dict(error=str(e)); break
                Yhat = c.decompress()
                meta = dict(bytes=c.nbytes, uncompressed_bytes=Y.numel() * 4, ratio=c.ratio, kl=label_kl(Y, Yhat),
                            argmax_agreement=(Yhat.argmax(-1) == Y.argmax(-1)).double().mean().item(),
                            bytes_per_view=c.nbytes / (Y.shape[0] * Y.shape[1]))
                res.append(R.student(f"test-ipc10-score-{codec}{ratio}-s{s}",
                                     lambda: train_student(cs, c, ds, records=soft.records, seed=s, **ev)))
                if res[-1] is None: res.pop()
            if not res and "error" not in meta: continue                     # --cached-only: not run yet
            rows.append(dict(codec=codec, target=ratio, **meta,
                             **(dict(accuracy=mean_std([r["final_accuracy"] for r in res])) if res else {})))
            print(f" {codec} {ratio}x: " + (f"{rows[-1]['accuracy']['mean']:.4f} ± {rows[-1]['accuracy']['std']:.4f}, "
                                             f"{meta['bytes']} B" if res else meta["error"]), flush=True)
        cs, soft = soft_for("score", 10, seeds[0])                       # what the codecs face: each image's E × C matrix
        Y = soft.logits.transpose(0, 1).double()
        sv = torch.linalg.svdvals(Y - Y.mean(1, keepdim=True))
        energy = (sv.square().cumsum(1) / sv.square().sum(1, keepdim=True)).mean(0)
        out["label_structure"] = dict(shape=list(Y.shape), views_argmax_own_class=(Y.argmax(-1) == cs.labels[:, None]).double().mean().item(),
                                      centred_energy_top_r=energy[:6].tolist(),
                                      bytes_per_view_uncompressed=4 * Y.shape[2], rank_unit_bytes=2 * (Y.shape[1] + Y.shape[2]))
        out["compression"] = rows

    # ---- cross-architecture ----------------------------------------------------------------------------------------
    if "crossarch" in sections:
        rows = []
        print("cross-architecture IPC 10: ConvNet-built sets, ResNet-18 students", flush=True)
        xseeds = args.crossarch_seeds or seeds
        out["crossarch_seeds"] = xseeds
        for m in ("random", "rded", "score"):
            res = []
            for s in xseeds:
                def fn(m=m, s=s):
                    cs, soft = soft_for(m, 10, s)
                    return train_student(cs, soft, ds, arch="resnet18", seed=s, **ev)
                res.append(R.student(f"test-ipc10-{m}-resnet18-s{s}", fn))
                if res[-1] is None: res.pop()
            if not res: continue
            rows.append(dict(method=m, arch="resnet18", ipc=10, epochs=E[10], accuracy=mean_std([r["final_accuracy"] for r in res]),
                             seconds=mean_std([r["seconds"] for r in res])))
            print(f" resnet18 {m}: {rows[-1]['accuracy']['mean']:.4f} ± {rows[-1]['accuracy']['std']:.4f}", flush=True)
        out["crossarch"] = rows

    out["seconds_this_invocation"] = time.perf_counter() - t0
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="digits", choices=sorted(SETTINGS))
    ap.add_argument("--out"); ap.add_argument("--work")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--ipcs", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--sections", default="grid,methods,compression,crossarch,sensitivity")
    ap.add_argument("--methods", default=",".join(METHODS + ("random-hard",)), help="a subset of the methods section's rows")
    ap.add_argument("--codecs", default=",".join(CODECS), help="a subset of the compression section's codecs")
    ap.add_argument("--cached-only", action="store_true", help="aggregate finished students only; train nothing")
    ap.add_argument("--compression-seeds", type=int, nargs="*", help="default: --seeds")
    ap.add_argument("--crossarch-seeds", type=int, nargs="*", help="default: --seeds")
    ap.add_argument("--ratios", type=int, nargs="+", default=list(RATIOS), help="compression ratios (order = run order)")
    ap.add_argument("--low-ratios", type=int, nargs="*", default=list(LOW_RATIOS), help="extra ratios for rpca and topk")
    ap.add_argument("--vary", default="eps,pool", help="what the sensitivity section varies (a subset: eps, pool)")
    args = ap.parse_args()
    if unknown := set(args.vary.split(",")) - {"eps", "pool"}:
        ap.error(f"--vary: unknown {sorted(unknown)}; use a comma-separated subset of eps,pool")
    res = run(args)
    if args.out:
        prev = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
        if "methods" in prev and "methods" in res:                        # a run of some IPCs keeps the others' rows
            res["methods"] = [r for r in prev["methods"] if r["ipc"] not in args.ipcs] + res["methods"]
            res["methods"].sort(key=lambda r: r["ipc"])
        prev.update(res)                                                  # a run of some sections keeps the others
        atomic_write(Path(args.out), lambda p: p.write_text(json.dumps(prev, indent=1)))
    print(json.dumps({k: v for k, v in res.items() if k in ("teacher", "seconds_this_invocation")}))
