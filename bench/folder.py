"""Memory of an ImageFolder read into memory against the same folder decoded once to disk and memory-mapped.

  python bench/folder.py --images 20000 --size 64 --out results/folder.json [--work ../runs/folder]

A synthetic ImageFolder (PNG files of uint8 noise, --classes class folders, RGB) is written once. Each case then runs in a
process of its own, so its peak RSS (ru_maxrss) is its own:
  memory     load_image_folder(on_disk=False): the split as one uint8 array in the process
  decode     load_image_folder() on a cold cache: decoded image by image into the .npy copy, then mapped
  mapped     load_image_folder() again: the copy is checksummed and memory-mapped
and after loading, each case makes one pass over the data as the stages do (stats, fingerprint, every class's images in
turn). Reported after loading and after the pass: peak RSS (ru_maxrss), the process's private (anonymous) memory (RssAnon —
what cannot be dropped or shared between the processes of a job), its file-backed resident pages (RssFile — the mapped
copy's pages, which the kernel can drop and which the processes of a node share), and seconds, side by side, with the
ratios to `memory`. The pass's own peak (stats converts chunks of pixels to float64) is the same in every case.
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path

def status(field:str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"): return int(line.split()[1]) / 1024
    return float("nan")

def make(root:Path, n:int, classes:int, size:int):
    import numpy as np
    from PIL import Image
    if (root / "done").is_file(): return
    rng = np.random.default_rng(0)
    for split, count in (("train", n), ("val", max(classes, n // 10))):
        for i in range(count):
            d = root / split / f"c{i % classes:04d}"; d.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(d / f"{i:07d}.png")
    (root / "done").write_text("")

def one(case:str, args) -> dict:
    import torch
    from score_nb.data import load_image_folder
    root = Path(args.work) / "folder"
    if case == "decode":
        import shutil; shutil.rmtree(Path(os.environ["SCORE_NB_CACHE"]) / "image-folders", ignore_errors=True)
    base, t0 = status("VmRSS"), time.perf_counter()
    ds = load_image_folder(root, on_disk=case != "memory")
    loaded = time.perf_counter() - t0
    after_load = dict(peak_after_load_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      private_after_load_MiB=status("RssAnon"), file_backed_after_load_MiB=status("RssFile"))
    ds.stats(); ds.fingerprint()
    for c in range(ds.num_classes): ds.train_images[ds.train_labels == c].float().mean()   # a class at a time, as the pool does
    return dict(case=case, images=len(ds.train_images) + len(ds.test_images), uint8_MiB=(ds.train_images.numel() + ds.test_images.numel()) / 2**20,
                baseline_rss_MiB=base, **after_load, peak_rss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                rss_after_pass_MiB=status("VmRSS"), private_after_pass_MiB=status("RssAnon"),
                file_backed_after_pass_MiB=status("RssFile"),
                load_seconds=loaded, seconds=time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=20000); ap.add_argument("--classes", type=int, default=100)
    ap.add_argument("--size", type=int, default=64); ap.add_argument("--work", default="runs/folder")
    ap.add_argument("--out"); ap.add_argument("--one")
    args = ap.parse_args()
    if args.one: print(json.dumps(one(args.one, args))); return
    make(Path(args.work) / "folder", args.images, args.classes, args.size)
    env = {**os.environ, "SCORE_NB_CACHE": str(Path(args.work).resolve() / "cache")}
    rows = []
    for case in ("memory", "decode", "mapped"):
        p = subprocess.run([sys.executable, __file__, "--one", case, "--work", args.work], capture_output=True, text=True, env=env)
        if p.returncode: sys.exit(f"{case} failed:\n{p.stderr[-3000:]}")
        rows.append(json.loads(p.stdout.strip().splitlines()[-1])); print(json.dumps(rows[-1]), flush=True)
    by = {r["case"]: r for r in rows}
    keys = ("peak_after_load_MiB", "private_after_load_MiB", "peak_rss_MiB", "private_after_pass_MiB", "load_seconds", "seconds")
    ratios = {c: {k: by[c][k] / by["memory"][k] for k in keys} for c in ("decode", "mapped")}
    out = dict(command="python bench/folder.py " + " ".join(sys.argv[1:]), machine=f"{platform.machine()} {os.cpu_count()} CPU cores",
               images=args.images, classes=args.classes, size=args.size, rows=rows, ratio_to_memory=ratios)
    print(json.dumps(ratios, indent=1))
    if args.out: Path(args.out).write_text(json.dumps(out, indent=1))

if __name__ == "__main__": main()
