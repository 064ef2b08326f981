"""GPU throughput at ImageNet-1K shapes, as JSON: SCORE's selector, batched RPCA and the label codecs per image, the teacher's
relabel throughput and a student's training throughput with ResNet-18 at 112 and 224 px. `bench/gpu.sh` runs it (< 8 min
on one H100/H200); `--scale tiny` runs the same code at toy sizes on a CPU (what CI-like machines can check).

  python bench/gpu.py --scale full --out results/gpu.json
  python bench/gpu.py --scale tiny

Inputs are synthetic (random features, logits and images): these are speeds, not accuracies. Each part records its
seconds, its throughput, and its extrapolation to ImageNet-1K IPC 50 (50,000 images × 300 epochs), stated as such.
"""
import argparse, json, math, os, platform, time
import torch
from torch.nn import functional as F

SCALES = {   # classes, candidates per class, feature dim, IPC, RPCA (images, epochs, classes), image sides, batches timed
    "full": dict(classes=1000, per_class=300, dim=512, ipc=50, rpca=(64, 300, 1000), sides=(112, 224), batches=20, batch=256),
    "tiny": dict(classes=20, per_class=30, dim=64, ipc=5, rpca=(8, 30, 40), sides=(32,), batches=2, batch=16),
}

def sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize()

def timed(fn, dev):
    sync(dev); t = time.perf_counter(); out = fn(); sync(dev)
    return out, time.perf_counter() - t

def selector(cfg, dev):
    from score_nb.selector import score_trace
    g = torch.Generator().manual_seed(0)
    C, n, D = cfg["classes"], cfg["per_class"], cfg["dim"]
    Z = torch.randn(C * n, D, generator=g)
    y = torch.arange(C).repeat_interleave(n)
    U = torch.rand(C * n, C, generator=g); U[torch.arange(C * n), y] = 0; U = U / U.sum(1, keepdim=True)
    rc, ce = torch.rand(C * n, generator=g), torch.rand(C * n, generator=g)
    _, s = timed(lambda: score_trace(Z, y, cfg["ipc"], U=U, rc=rc, ce=ce, device=dev), dev)
    return dict(candidates=C * n, ipc=cfg["ipc"], seconds=s, note="one SCORE selection at the default α, β (float64 state)")

def codecs(cfg, dev):
    from score_nb.compress import compress
    N, E, C = cfg["rpca"]
    g = torch.Generator().manual_seed(0)
    Y = (torch.randn(N, 1, C, generator=g) * 3 + torch.randn(N, E, C, generator=g)).float()   # per-image mean + view noise
    out = {}
    for codec in ("rpca", "prune-int4", "topk"):
        try: c, s = timed(lambda: compress(Y, 30 if codec != "topk" else 5, codec, device=dev), dev)
        except ValueError as e: out[codec] = dict(error=str(e)); continue
        out[codec] = dict(images=N, seconds=s, seconds_per_image=s / N, ratio=c.ratio,
                          imagenet_ipc50_hours=s / N * 50_000 / 3600, note="extrapolated linearly in images")
    return out

def networks(cfg, dev):
    from score_nb.models import create_classifier
    out = {}
    for side in cfg["sides"]:
        model = create_classifier("resnet18", 1000, 3, side).to(dev)
        x = torch.randint(0, 256, (cfg["batch"], 3, side, side), dtype=torch.uint8, device=dev)
        with torch.no_grad():
            model.eval(); model(x.float() / 255)
            _, s = timed(lambda: [model(x.float() / 255) for _ in range(cfg["batches"])], dev)
        views = cfg["batch"] * cfg["batches"] / s
        model.train(); opt = torch.optim.AdamW(model.parameters(), 1e-3)
        t = torch.randn(cfg["batch"], 1000, device=dev)
        def step():
            for _ in range(cfg["batches"]):
                loss = F.kl_div(model(x.float() / 255).log_softmax(1), t.log_softmax(1), log_target=True, reduction="batchmean")
                opt.zero_grad(); loss.backward(); opt.step()
        step(); _, s2 = timed(step, dev)
        train = cfg["batch"] * cfg["batches"] / s2
        out[f"resnet18_{side}px"] = dict(relabel_views_per_s=views, relabel_imagenet_ipc50_hours=15e6 / views / 3600,
                                         student_images_per_s=train, student_imagenet_ipc50_300_epochs_hours=15e6 / train / 3600,
                                         note="15 M views = 50,000 images × 300 epochs; one view per image per epoch")
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=SCALES, default="full"); ap.add_argument("--out")
    ap.add_argument("--parts", default="selector,codecs,networks")
    a = ap.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cfg = SCALES[a.scale]
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__, device=str(dev),
                            gpu=torch.cuda.get_device_name() if dev.type == "cuda" else None), scale=a.scale, config=cfg)
    for part in a.parts.split(","):
        t = time.perf_counter()
        res[part] = globals()[part](cfg, dev)
        print(f"{part}: {time.perf_counter() - t:.1f} s", flush=True)
    if dev.type == "cuda": res["gpu_peak_GiB"] = torch.cuda.max_memory_allocated() / 2**30
    print(json.dumps(res, indent=1))
    if a.out: open(a.out, "w").write(json.dumps(res, indent=1))
