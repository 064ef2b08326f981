"""SCORE's selection against its baselines, per reading of R_D: the α/β grid on a validation split, then the test table.

  python bench/selection.py --dataset digits --stage grid --out results/selection_digits.json
  python bench/selection.py --dataset digits --stage test --out results/selection_digits.json
  options: --readings confusion,scaled_confusion,class_conditional,cross_entropy  --alphas 0 0.1 1 5 10  --betas 0 0.001 0.1 1
           --ipcs 1 10 (grid) / 1 10 50 (test)  --seeds 0 1 (grid) / 0 1 2 (test)  --grid-seeds-ipc10 (fewer seeds at IPC 10)
           --test-readings (default: every reading the grid chose a setting for)  --cached-only  --work runs/selection-<dataset>
           --order synchronous|sequential (SCORE's greedy: rounds of one pick per class, or one pick at a time)
           --shortlist M (SCORE picks among each class's M·ipc most realistic candidates; default: the whole pool)

grid   The validation split (10 % of the training images, stratified, bench/results.py's) is the test split of a dataset
       whose pool is built from the other 90 %; students are scored on the held-out images. Every (reading, α, β) cell at
       every IPC: the picks, the share of picks α changes (against α = 0 at the same β) and β changes (against β = 0 at
       the same α), and a student per seed. A student is keyed by its picks (a hash of the selected indices) and seed, so
       cells that pick the same patches share one student — α = 0 is one cell for all readings. Each reading's setting is
       the cell with the best validation accuracy averaged over the grid's IPCs (first in grid order among equals); the
       package's default reading is the one whose chosen setting scores best. Nothing here reads the test split.
test   On the pool of the whole training split: SCORE at each reading's chosen setting, and rded, herding, kcenter,
       random, at every IPC and seed; final-epoch test accuracy, mean ± std over seeds.
Seed s drives the random baseline, the label views, the student's initialisation and data order; pools are built once.
"""
import argparse, hashlib, json, os, platform, time
from pathlib import Path
import torch
from results import Runner, mean_std
from score_nb.coding_rate import R_D_READINGS
from score_nb.data import load_dataset, validation_split
from score_nb.models import default_teacher
from score_nb.pool import build_pool
from score_nb.condense import condense
from score_nb.labels import relabel
from score_nb.train import train_student
from score_nb.pipeline import pool_recipe
from score_nb.selector import ORDERS

SETTINGS = {  # pool and label epochs per IPC, as bench/results.py and bench/compression.py (2 CPU cores)
    "digits": dict(pool=pool_recipe("digits"), epochs={1: 200, 10: 200, 50: 100}),
    "fashion_mnist": dict(pool=pool_recipe("fashion_mnist"), epochs={1: 150, 10: 150, 50: 40}),
    "glyphs": dict(pool=pool_recipe("glyphs"), epochs={1: 50, 10: 30}),
}
BASELINES = ("rded", "herding", "kcenter", "random")


def picks_key(indices) -> str:
    return hashlib.sha1(indices.numpy().tobytes()).hexdigest()[:12]


def changed_share(a, b, ipc) -> float:
    "Share of picks in selection a that are not in selection b (per class, as sets; both class-major)."
    A, B = a.reshape(-1, ipc), b.reshape(-1, ipc)
    same = sum(len(set(x.tolist()) & set(y.tolist())) for x, y in zip(A, B))
    return 1 - same / a.numel()


def student(R, ds, teacher, pool, ipc, epochs, seed, split, method, **kw):
    "Final-epoch accuracy of a student on `method`'s set (kw: SCORE's α, β, r_d, order, shortlist); cached by the picks and seed."
    idx = pool.select(method, ipc, **({"seed": seed} if method == "random" else kw))
    key = f"{split}-ipc{ipc}-{picks_key(idx)}-s{seed}"
    def fn():
        cs = condense(ds, teacher, ipc, method=method, pool=pool, seed=seed, progress=False, **kw)
        assert torch.equal(cs.provenance["pool_index"], idx)
        soft = relabel(cs, teacher, epochs=epochs, seed=seed, folder=R.work / "labels" / key, progress=False)
        return train_student(cs, soft, ds, seed=seed, eval_every=epochs, progress=False)
    r = R.student(key, fn)
    return idx, (r["final_accuracy"] if r else None)


def grid(args, R, ds, teacher, cfg, out):
    vds = validation_split(ds, 0.1, seed=0)
    vpool = build_pool(vds, teacher, folder=R.work / "pool-val", progress=False, **cfg["pool"])
    rows = []
    for ipc in args.ipcs:
        seeds = args.seeds[:args.grid_seeds_ipc10] if ipc >= 10 and args.grid_seeds_ipc10 else args.seeds
        sel = {}
        cells = [("none", 0.0, b) for b in args.betas] + [(r, a, b) for r in args.readings for a in args.alphas if a for b in args.betas]
        print(f"grid IPC {ipc} on {vds.name} ({len(vds.test_labels)} validation images), seeds {seeds}", flush=True)
        for r_d, a, b in cells:
            accs = []
            for s in seeds:
                idx, acc = student(R, vds, teacher, vpool, ipc, cfg["epochs"][ipc], s, "val", "score", alpha=a, beta=b,
                                   r_d="confusion" if r_d == "none" else r_d, order=args.order, shortlist=args.shortlist)
                accs.append(acc)
            sel[r_d, a, b] = idx
            rows.append(dict(ipc=ipc, r_d=r_d, alpha=a, beta=b, order=args.order, shortlist=args.shortlist, seeds=seeds, picks=picks_key(idx),
                             validation_accuracy=mean_std(accs)))
        for row in rows:
            if row["ipc"] != ipc: continue
            k = (row["r_d"], row["alpha"], row["beta"])
            row["alpha_changes"] = changed_share(sel[k], sel["none", 0.0, row["beta"]], ipc)
            row["beta_changes"] = changed_share(sel[k], sel[k[0], k[1], 0.0] if k[1] else sel["none", 0.0, 0.0], ipc)
            v = row["validation_accuracy"]
            print(f"  IPC {ipc:>2} {row['r_d']:<18} {args.order[:4]} m {args.shortlist or '-'} α {row['alpha']:<4g} β {row['beta']:<5g} "
                  f"{'-' if v is None else '%.1f ± %.1f' % (100 * v['mean'], 100 * v['std']):>12}  α changes {100 * row['alpha_changes']:5.1f} %"
                  f"  β changes {100 * row['beta_changes']:5.1f} %", flush=True)
        for m in ("rded", "random"):   # reference rows on the same validation pool
            accs = [student(R, vds, teacher, vpool, ipc, cfg["epochs"][ipc], s, "val", m)[1] for s in seeds]
            rows.append(dict(ipc=ipc, r_d=m, seeds=seeds, validation_accuracy=mean_std(accs)))
    chosen = {}
    for r_d in args.readings:
        scores = {}
        for row in rows:
            if row["r_d"] not in (r_d, "none") or row["validation_accuracy"] is None: continue
            scores.setdefault((row["alpha"], row["beta"]), {})[row["ipc"]] = row["validation_accuracy"]["mean"]
        full = {k: sum(v.values()) / len(v) for k, v in scores.items() if len(v) == len(args.ipcs)}
        if not full: continue
        best = max(sorted(full), key=lambda k: full[k])          # grid order among equals: lowest α, then lowest β
        chosen[r_d] = dict(alpha=best[0], beta=best[1], order=args.order, shortlist=args.shortlist, validation_mean=full[best],
                           per_ipc={str(i): scores[best][i] for i in args.ipcs})
        print(f"chosen for {r_d}: α {best[0]:g}, β {best[1]:g} (mean validation accuracy over IPC {args.ipcs}: {100 * full[best]:.2f})")
    default = max(chosen, key=lambda r: chosen[r]["validation_mean"]) if chosen else None
    print(f"default reading: {default}")
    out["grid"] = dict(validation=vds.name, validation_images=len(vds.test_labels), order=args.order, shortlist=args.shortlist, alphas=args.alphas, betas=args.betas,
                       readings=args.readings, ipcs=args.ipcs, seeds=args.seeds, grid_seeds_ipc10=args.grid_seeds_ipc10,
                       epochs={str(i): cfg["epochs"][i] for i in args.ipcs}, rows=rows, chosen=chosen, default=default,
                       command="python bench/selection.py " + " ".join(os.sys.argv[1:]))


def package_default(files) -> dict:
    "The (reading, α, β, order, shortlist) with the best validation accuracy averaged over every grid's IPCs in `files` (cells all of them ran; a file per dataset, order and shortlist)."
    acc = {}
    for f in files:
        g = json.loads(Path(f).read_text())["grid"]
        for row in g["rows"]:
            if "alpha" not in row or row["validation_accuracy"] is None: continue
            order = row.get("order", "synchronous")                       # grids from before --order: synchronous rounds
            shortlist = row.get("shortlist")                              # grids from before --shortlist: the whole pool
            for r_d in (g["readings"] if row["r_d"] == "none" else [row["r_d"]]):
                cell = acc.setdefault((r_d, row["alpha"], row["beta"], order, shortlist), {})
                if (g["validation"], row["ipc"]) in cell:
                    raise SystemExit(f"--grids: two files hold {g['validation']} IPC {row['ipc']} ({order}, shortlist {shortlist}); "
                                     "pass one grid per dataset, order and shortlist")
                cell[g["validation"], row["ipc"]] = row["validation_accuracy"]["mean"]
    most = max(len(v) for v in acc.values())
    full = {k: sum(v.values()) / len(v) for k, v in acc.items() if len(v) == most}
    ranked = sorted(full, key=lambda k: (k[1], k[2], k[3] != "synchronous", k[4] is not None, k[4] or 0, k[0]))
    best = max(ranked, key=lambda k: full[k])           # among equals: lowest α, then β, synchronous, the whole pool, shortest shortlist
    return dict(r_d=best[0], alpha=best[1], beta=best[2], order=best[3], shortlist=best[4], validation_mean=full[best],
                grids=[str(f) for f in files], cells=most)


def test(args, R, ds, teacher, cfg, out):
    pool = build_pool(ds, teacher, folder=R.work / "pool", progress=False, **cfg["pool"])
    chosen = dict(out.get("grid", {}).get("chosen", {}))
    readings = args.test_readings.split(",") if args.test_readings is not None else list(chosen)
    readings = [r for r in readings if r]
    if missing := [r for r in readings if r not in chosen]:
        raise SystemExit(f"no validation setting for {missing}: run --stage grid first (or name readings it chose)")
    methods = [("score", r) for r in readings]
    if args.grids:
        d = out["package_default"] = package_default(args.grids)
        chosen["package default"] = dict(alpha=d["alpha"], beta=d["beta"], r_d=d["r_d"], order=d["order"], shortlist=d["shortlist"])
        methods.insert(0, ("score", "package default"))
        print(f"package default (validation, {d['cells']} grid cells averaged): {d}", flush=True)
    methods += [(m, None) for m in args.baselines.split(",") if m]
    rows = []
    for ipc in args.ipcs:
        print(f"test IPC {ipc} ({cfg['epochs'][ipc]} epochs), seeds {args.seeds}", flush=True)
        for m, r_d in methods:
            kw = dict(alpha=chosen[r_d]["alpha"], beta=chosen[r_d]["beta"], r_d=chosen[r_d].get("r_d", r_d),
                      order=chosen[r_d].get("order", "synchronous"), shortlist=chosen[r_d].get("shortlist")) if m == "score" else {}
            accs, terms = [], []
            for s in args.seeds:
                idx, acc = student(R, ds, teacher, pool, ipc, cfg["epochs"][ipc], s, "test", m, **kw)
                accs.append(acc); terms.append(pool.ce[idx].double().mean().item())
            a = mean_std(accs)
            extra = {}
            if m == "score":   # α's effect on the test pool: picks that differ from α = 0 at the same β
                extra["alpha_changes"] = changed_share(idx, pool.select("score", ipc, alpha=0.0, beta=kw["beta"], r_d=kw["r_d"], order=kw["order"],
                                                                              shortlist=kw["shortlist"]), ipc)
            rows.append(dict(ipc=ipc, method=m if m != "score" else f"score ({r_d})", **kw, accuracy=a, mean_ce=sum(terms) / len(terms),
                             **extra))
            if a: print(f"  IPC {ipc:>2} {rows[-1]['method']:<28} {100 * a['mean']:5.1f} ± {100 * a['std']:.1f}  (n {a['n']})", flush=True)
    out["test"] = dict(ipcs=args.ipcs, seeds=args.seeds, epochs={str(i): cfg["epochs"][i] for i in args.ipcs}, rows=rows,
                       default=out.get("grid", {}).get("default"), command="python bench/selection.py " + " ".join(os.sys.argv[1:]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="digits", choices=sorted(SETTINGS)); ap.add_argument("--stage", choices=("grid", "test"), required=True)
    ap.add_argument("--readings", default=",".join(R_D_READINGS)); ap.add_argument("--test-readings")
    ap.add_argument("--alphas", type=float, nargs="+", default=[0, 0.1, 1, 5, 10])
    ap.add_argument("--betas", type=float, nargs="+", default=[0, 0.001, 0.1, 1])
    ap.add_argument("--ipcs", type=int, nargs="+"); ap.add_argument("--seeds", type=int, nargs="+")
    ap.add_argument("--grid-seeds-ipc10", type=int, help="seeds at IPC ≥ 10 in the grid (default: all of --seeds)")
    ap.add_argument("--baselines", default=",".join(BASELINES)); ap.add_argument("--mipc", type=int)
    ap.add_argument("--order", default="synchronous", choices=ORDERS, help="SCORE's greedy in the grid")
    ap.add_argument("--shortlist", type=int, help="SCORE picks among each class's M·ipc most realistic candidates (default: all)")
    ap.add_argument("--grids", nargs="*", help="grid files whose validation picks the package default (a 'score (package default)' row)")
    ap.add_argument("--cached-only", action="store_true", help="aggregate the students already cached under --work; train none")
    ap.add_argument("--work"); ap.add_argument("--out", required=True)
    args = ap.parse_args()
    args.readings = [r for r in args.readings.split(",") if r]
    if args.order == "sequential" and "class_conditional" in args.readings:   # its per-class state takes one pick per class per round
        print("--order sequential: class_conditional left out (the selector offers it with synchronous rounds only)")
        args.readings.remove("class_conditional")
    if args.shortlist is not None and args.shortlist < 1: ap.error("--shortlist: a positive integer (candidates per pick)")
    if bad := set(args.readings) - set(R_D_READINGS): ap.error(f"--readings: unknown {sorted(bad)}; choose from {R_D_READINGS}")
    args.ipcs = args.ipcs or ([1, 10] if args.stage == "grid" else [1, 10, 50])
    args.seeds = args.seeds or ([0, 1] if args.stage == "grid" else [0, 1, 2])
    cfg = SETTINGS[args.dataset]
    if args.mipc: cfg = dict(cfg, pool=dict(cfg["pool"], mipc=args.mipc))
    R = Runner(Path(args.work or f"runs/selection-{args.dataset}"), cached_only=args.cached_only)
    ds = load_dataset(args.dataset)
    teacher = default_teacher(ds, progress=False)
    out = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    out.update(dataset=args.dataset, classes=ds.num_classes, pool=cfg["pool"], teacher=dict(arch=teacher.arch, test_accuracy=teacher.test_accuracy),
               student="convnet (RDED batch-size rule, AdamW lr 1e-3, wd 0.01, T 4, cosine), label epochs = student epochs",
               machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}")
    t0 = time.perf_counter()
    (grid if args.stage == "grid" else test)(args, R, ds, teacher, cfg, out)
    out[f"seconds_{args.stage}"] = time.perf_counter() - t0
    tmp = args.out + ".tmp"; open(tmp, "w").write(json.dumps(out, indent=1) + "\n"); os.replace(tmp, args.out)
