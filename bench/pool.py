"""Fashion-MNIST candidate pool with the recipe ConvNet teacher: build time, teacher check, and what R_C measures.

  python bench/pool.py --out results/pool_fashion_mnist.json [--mipc 300] [--num-crop 5] [--folder runs/pool-fmnist]

Also reports the Pearson correlation of R_C with the teacher's confidence p(true class) across candidates: the design
notes record 0.93 for an earlier reading of R_C on raw probabilities (R_C tracking confidence, not compressibility);
score-nb's reading normalises each soft-label row, which should break that link. And the selection time of score_select
on the pool at IPC 10 and 50.
"""
import argparse, json, os, platform, time
import torch
from score_nb.data import load_fashion_mnist
from score_nb.models import check_teacher, default_teacher
from score_nb.pool import build_pool
from score_nb.selector import score_trace

def pearson(a, b):
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    return (a @ b / (a.norm() * b.norm())).item()

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out"); ap.add_argument("--mipc", type=int, default=300); ap.add_argument("--num-crop", type=int, default=5)
    ap.add_argument("--folder", default=None)
    args = ap.parse_args()
    ds = load_fashion_mnist()
    teacher = default_teacher(ds)
    check = check_teacher(teacher, ds)
    t0 = time.perf_counter()
    pool = build_pool(ds, teacher, mipc=args.mipc, num_crop=args.num_crop, folder=args.folder)
    build = time.perf_counter() - t0
    conf = (-pool.ce).exp()
    sel = {}
    for ipc in (10, 50):
        tr = score_trace(pool.features, pool.y, ipc, U=pool.confusion, alpha=5.0, beta=0.1, rc=pool.rc, r_d="confusion")
        sel[f"ipc{ipc}"] = dict(seconds=tr.seconds, mean_ce_selected=pool.ce[tr.indices].mean().item(),
                                mean_rc_selected=pool.rc[tr.indices].mean().item())
    res = dict(machine=f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}",
               teacher=dict(test_accuracy=teacher.test_accuracy, train_image_accuracy=check["accuracy"],
                            worst_class=min(check["per_class"].items(), key=lambda kv: kv[1])),
               pool=dict(candidates=len(pool), feature_dim=pool.features.shape[1], mipc=args.mipc, num_crop=args.num_crop,
                         seconds=build, ce_mean=pool.ce.mean().item(), rc_min=pool.rc.min().item(), rc_mean=pool.rc.mean().item(),
                         rc_max=pool.rc.max().item(), pearson_rc_vs_confidence=pearson(pool.rc, conf),
                         pearson_rc_vs_ce=pearson(pool.rc, pool.ce), mean_ce_all=pool.ce.mean().item(), mean_rc_all=pool.rc.mean().item()),
               selection=sel)
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"; open(tmp, "w").write(text + "\n"); os.replace(tmp, args.out)
