"""Selector benchmark: score_select vs its oracle naive_select, vs Chen et al.'s fast DPP MAP, and an ImageNet-shape row.

Prints one JSON document (and writes it with --out). Every ratio is measured side by side in this one run, same data.

  python bench/selector.py --out results/selector.json            # full run (~10-20 min on 2 cores)
  python bench/selector.py --quick                                 # a smoke run in well under a minute
  python bench/selector.py --grid 1000:512:50 --sections naive --naive-budget 3600 --out results/selector_target.json
                                                                   # one configuration, naive run in full

naive_select is the literal definition (explicit log-determinants for every candidate, every round). Where a full naive
run would exceed --naive-budget seconds, its time is *estimated*: every round's naive gains are computed for a random
sample of the remaining candidates on the real sequence of selected sets, timed, and scaled by (remaining / sample);
those sampled gains are checked against the determinant-lemma gains. Where naive does run in full, the picks are
asserted identical and the estimate is reported beside the measurement so its accuracy can be judged.
"""
import argparse, json, math, os, platform, resource, subprocess, sys, time
import torch
from torch.nn import functional as F
from score_nb.coding_rate import objective_gain, rate_scale
from score_nb.selector import (check_problem, dpp_greedy_map, naive_gains, naive_select, score_select, score_trace)

def problem(C, n, d, seed=0):
    "Random features, confusion vectors (a softmax with the true class zeroed) and label rates for C classes of n."
    g = torch.Generator().manual_seed(seed)
    Z = torch.randn(C * n, d, generator=g, dtype=torch.float64)
    y = torch.arange(C).repeat_interleave(n)
    P = (torch.randn(C * n, C, generator=g, dtype=torch.float64) * 2).softmax(1)
    U = P.clone(); U[torch.arange(C * n), y] = 0
    rc = torch.rand(C * n, generator=g, dtype=torch.float64)
    return Z, y, U, rc

def best_of(fn, repeat=3):
    "Minimum wall time of `repeat` calls, and the last result."
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
    return min(times), out

def naive_estimate(Z, y, ipc, kw, picks, sample=48, seed=0):
    "Estimated naive_select seconds: each round's naive gains on a sample of candidates, timed and scaled."
    p = check_problem(Z, y, ipc, kw["U"], kw["rc"], "cpu")
    g = torch.Generator().manual_seed(seed)
    rounds = picks.reshape(p.C, ipc).T            # round-major
    S, total, worst = torch.zeros(0, dtype=torch.long), 0.0, 0.0
    for t in range(ipc):
        rest = torch.ones(p.N, dtype=torch.bool); rest[S] = False
        rest = rest.nonzero().flatten()
        cand = rest[torch.randperm(len(rest), generator=g)[:sample]]
        t0 = time.perf_counter()
        gains = naive_gains(p, S, cand, kw["alpha"], kw["beta"], kw["eps"], p.rc, r_d=kw["r_d"])
        total += (time.perf_counter() - t0) * len(rest) / len(cand)
        lemma = objective_gain(p.Z, p.U, S, kw["alpha"], kw["beta"], kw["eps"], p.rc, p.K)[cand]
        worst = max(worst, ((gains - lemma).abs() / (1 + lemma.abs())).max().item())
        S = torch.cat([S, rounds[t]])
    assert worst < 1e-8, f"naive and determinant-lemma gains disagree by {worst}"
    return total, worst

def naive_vs_score(configs, budget, C=10):
    "(n candidates per class, feature dimension d, ipc) per configuration; C classes, α = 5, β = 0.1."
    rows = []
    for n, d, ipc in configs:
        Z, y, U, rc = problem(C, n, d)
        kw = dict(U=U, alpha=5.0, beta=0.1, eps=0.5, rc=rc, r_d="confusion")   # the rate-of-U state: the costly reading
        fast_s, picks = best_of(lambda: score_select(Z, y, ipc, device="cpu", **kw))
        est, worst = naive_estimate(Z, y, ipc, kw, picks)
        row = dict(C=C, n_per_class=n, d=d, ipc=ipc, score_seconds=fast_s, naive_seconds_estimated=est,
                   sampled_gain_max_rel_error=worst)
        if est <= budget:
            t = time.perf_counter(); ref = naive_select(Z, y, ipc, device="cpu", **kw)
            row["naive_seconds"] = time.perf_counter() - t
            assert ref.tolist() == picks.tolist(), f"picks differ at n={n} d={d} ipc={ipc}"
            row["same_picks"] = True
        naive = row.get("naive_seconds", est)
        row.update(naive_measured="naive_seconds" in row, speedup=naive / fast_s)
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row)
    return rows

def _peak_rss_child(kind, n, d, k):
    "Run one DPP-comparison job in a fresh process: seconds (best of 2), peak RSS above the pre-run RSS, picks."
    code = f"""
import json, resource, time, torch
from torch.nn import functional as F
from score_nb.coding_rate import rate_scale
from score_nb.selector import dpp_greedy_map, score_select
torch.manual_seed(0)
Z = F.normalize(torch.randn({n}, {d}, dtype=torch.float64), dim=1); y = torch.zeros({n}, dtype=torch.long)
lam = rate_scale({d}, {k}, 0.5)
def run(Z, y, k):
    t = time.perf_counter()
    if "{kind}" == "dpp":
        L = torch.eye(len(Z), dtype=torch.float64) + lam * Z @ Z.T      # the dense kernel Chen et al. need
        build = time.perf_counter() - t
        picks = dpp_greedy_map(L, k); del L
    else:
        build, picks = 0.0, score_select(Z, y, k, alpha=0.0, beta=0.0, device="cpu")
    return time.perf_counter() - t, build, picks
def status(key):
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith(key + ":"))
run(Z[:64], y[:64], 4)                                                 # warm-up: load kernels before measuring memory
open("/proc/self/clear_refs", "w").write("5")                          # reset the peak-RSS mark (VmHWM) to the current RSS
base = status("VmRSS")
secs, build, picks = run(Z, y, {k})
peak = status("VmHWM")
secs2, build2, _ = run(Z, y, {k})
secs, build = min(secs, secs2), min(build, build2)
print(json.dumps(dict(seconds=secs, kernel_seconds=build, peak_extra_bytes=max(0, peak - base), picks=picks.tolist())))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

def dpp_comparison(sizes, dims, ks):
    rows = []
    for n in sizes:
        for d in dims:
            for k in ks:
                a, b = _peak_rss_child("score", n, d, k), _peak_rss_child("dpp", n, d, k)
                assert a["picks"] == b["picks"], f"DPP picks differ at n={n} d={d} k={k}"
                row = dict(N=n, d=d, k=k, same_picks=True, score_seconds=a["seconds"], dpp_seconds=b["seconds"],
                           dpp_kernel_seconds=b["kernel_seconds"], speedup=b["seconds"] / a["seconds"],
                           score_state_bytes=(n * d + (k * n if k <= d else n * d) + n) * 8,   # normalised X, G or V, q
                           dpp_state_bytes=n * n * 8 + k * n * 8 + n * 8,   # kernel, cis, di2s
                           score_peak_extra_bytes=a["peak_extra_bytes"], dpp_peak_extra_bytes=b["peak_extra_bytes"])
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows.append(row)
    return rows

def scale_row(C, n, d, ipc, alphas):
    rows = []
    for alpha in alphas:
        Z, y, U, rc = problem(C, n, d)
        if not alpha: U = None
        t = time.perf_counter()
        tr = score_trace(Z, y, ipc, U=U, alpha=alpha, beta=0.1 if alpha else 0.0, rc=rc, r_d="confusion", device="cpu")
        secs = time.perf_counter() - t
        row = dict(C=C, n_per_class=n, d=d, ipc=ipc, alpha=alpha, candidates=C * n, seconds=secs,
                   selection_seconds=tr.seconds, peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        print(json.dumps(row), file=sys.stderr, flush=True)
        rows.append(row); del Z, U, tr
    return rows

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="write the JSON here (atomically)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: checks the script, not the claims")
    ap.add_argument("--naive-budget", type=float, default=60.0, help="run naive in full when estimated under this (s)")
    ap.add_argument("--grid", help="naive-vs-score configurations as n_per_class:d:ipc, comma-separated (default: the full grid)")
    ap.add_argument("--sections", default="naive,dpp,scale", help="which parts to run (comma-separated: naive, dpp, scale)")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    torch.set_num_threads(os.cpu_count() or 1)
    if args.quick:
        grid = [(50, 16, 5), (100, 16, 5)]; dpp = dict(sizes=[300], dims=[16], ks=[10]); scale = (50, 20, 64, 3)
    else:
        grid = [(n, d, ipc) for n in (250, 1000, 4000) for d in (64, 512) for ipc in (10, 50)]
        dpp = dict(sizes=[1000, 4000, 10000], dims=[64, 512], ks=[10, 50]); scale = (1000, 300, 512, 10)
    if args.grid: grid = [tuple(int(v) for v in g.split(":")) for g in args.grid.split(",")]
    t0 = time.perf_counter()
    res = dict(
        machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__, threads=torch.get_num_threads(),
                     device="cpu", dtype="float64"),
        settings=dict(objective="F = R_I - 5 R_D - 0.1 sum R_C, eps = 0.5", naive_budget_s=args.naive_budget, quick=args.quick),
        naive_vs_score=naive_vs_score(grid, args.naive_budget) if "naive" in sections else [],
        dpp_vs_score=dpp_comparison(**dpp) if "dpp" in sections else [],
        scale=scale_row(*scale, alphas=[0.0, 5.0]) if "scale" in sections else [],
    )
    res["total_seconds"] = time.perf_counter() - t0
    text = json.dumps(res, indent=1)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f: f.write(text + "\n")
        os.replace(tmp, args.out)
