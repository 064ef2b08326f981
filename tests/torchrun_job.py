"""The data side of a run — pool, SCORE selection, condensed set, soft labels — in one folder, through score-nb's stages
with the process context `runtime.init()` returns: under torchrun the stages shard themselves over the ranks, alone it is
one process. Written for the tests (a rank can be made to die) and bench/distributed.py.

  python -m torch.distributed.run --standalone --nproc_per_node=2 tests/torchrun_job.py --out /tmp/job --dataset digits

Each rank writes rank<r>.json: the classes and epochs it computed in this run, the seconds of each stage and the bytes
of each selection round. --die-rank/--die-stage/--die-after make one rank exit abruptly after its n-th class or epoch.
--dataset takes digits, fashion_mnist:<n> (a stratified slice of n training images per class) or what load_dataset reads.
"""
import argparse, json, os, time
from pathlib import Path
from score_nb.runtime import init, main_first, shutdown
from score_nb.data import load_dataset, load_fashion_mnist, subset
from score_nb.io import write_json
from score_nb.models import default_teacher
from score_nb.pool import build_pool
from score_nb.condense import condense, save_condensed, load_condensed
from score_nb.labels import relabel

def job_dataset(name:str):
    if name.startswith("fashion_mnist:"): return subset(load_fashion_mnist(), int(name.split(":")[1]), 20)
    return load_dataset(name)

def job(out, dataset="digits", mipc=30, num_crop=5, scale="0.25,1", ipc=3, alpha=5.0, beta=0.1, eps=0.5, epochs=5, seed=0,
        stages="pool,select,relabel", die_rank=-1, die_stage="", die_after=1, batch_size=512) -> dict:
    ctx, out, stages = init(), Path(out), stages.split(",")
    ds = job_dataset(dataset)
    teacher = main_first(lambda: default_teacher(ds, progress=False), ctx)     # the others read rank 0's cached teacher
    log, count = dict(rank=ctx.rank, world=ctx.world, classes=[], epochs=[], seconds={}), {"pool": 0, "relabel": 0}
    def finished(stage, what):
        def f(i):
            log[what].append(i); count[stage] += 1
            if ctx.rank == die_rank and stage == die_stage and count[stage] >= die_after:
                print(f"rank {ctx.rank}: dying after {dict(classes='class', epochs='epoch')[what]} {i}, as asked", flush=True); os._exit(17)
        return f
    t = time.perf_counter()
    pool = build_pool(ds, teacher, mipc=mipc, num_crop=num_crop, scale=tuple(float(v) for v in scale.split(",")), seed=seed,
                      folder=out / "pool", ctx=ctx, on_class=finished("pool", "classes"), progress=False)
    log["seconds"]["pool"] = time.perf_counter() - t
    if "select" in stages:
        t, stats = time.perf_counter(), {}
        cs = condense(ds, teacher, ipc, alpha=alpha, beta=beta, eps=eps, pool=pool, ctx=ctx, stats=stats, progress=False)
        if ctx.main: save_condensed(cs, out / "condensed")
        ctx.barrier()
        log["seconds"]["select"], log["round_bytes"] = time.perf_counter() - t, stats["round_bytes"]
        if "relabel" in stages:
            t = time.perf_counter()
            relabel(cs, teacher, epochs, seed, batch_size=batch_size, folder=out / "labels", ctx=ctx, on_epoch=finished("relabel", "epochs"), progress=False)
            log["seconds"]["relabel"] = time.perf_counter() - t
    write_json(out / f"rank{ctx.rank}.json", log)
    ctx.barrier()
    return log

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    for name, default in dict(dataset="digits", mipc=30, num_crop=5, scale="0.25,1", ipc=3, alpha=5.0, beta=0.1, eps=0.5, epochs=5,
                              seed=0, stages="pool,select,relabel", die_rank=-1, die_stage="", die_after=1, batch_size=512).items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    log = job(**vars(p.parse_args()))
    if log["rank"] == 0: print(json.dumps({k: v for k, v in log.items() if k != "round_bytes"}), flush=True)
    shutdown()
