"""Pool crops: `cut` (boxes of one size batched, one interpolate per size) against one image at a time, side by side.

  python bench/crops.py [--crops 4000] [--size 112] [--side 112] [--out results/crops.json]

ImageNet-1K's pool at the recipe's 5 crops per image is about 3.9 M crops of RGB images; here synthetic uint8 images at
`--size` px, RandomResizedCrop-style square boxes (area 8–100 %), resized to `--side`. Both ways give the same pixels
(asserted); the JSON holds crops per second of each and their ratio, on this machine's CPU (and on CUDA when there is one).
"""
import argparse, json, os, platform, time
import torch
from torch.nn import functional as F
from score_nb.pool import cut, random_boxes

def one_by_one(images, boxes, side):
    out = torch.empty(len(images), images.shape[1], side, side, dtype=torch.uint8)
    for i, (im, (t, l, h, w)) in enumerate(zip(images, boxes.tolist())):
        p = im[:, t:t + h, l:l + w]
        if (h, w) != (side, side):
            p = F.interpolate(p[None].float(), size=(side, side), mode="bilinear", antialias=True, align_corners=False)[0].round().clamp(0, 255)
        out[i] = p.to(torch.uint8)
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crops", type=int, default=4000); ap.add_argument("--size", type=int, default=112)
    ap.add_argument("--side", type=int, default=112); ap.add_argument("--out")
    a = ap.parse_args()
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (a.crops, 3, a.size, a.size), generator=g, dtype=torch.uint8)
    boxes = random_boxes(a.crops, a.size, a.size, g, (0.08, 1.0))
    t = time.perf_counter(); ref = one_by_one(images, boxes, a.side); loop_s = time.perf_counter() - t
    t = time.perf_counter(); got = cut(images, boxes, a.side); batched_s = time.perf_counter() - t
    assert torch.equal(ref, got)
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), threads=torch.get_num_threads(), torch=torch.__version__),
               crops=a.crops, size=a.size, side=a.side, distinct_box_sizes=len(boxes[:, 2].unique()),
               one_by_one_crops_per_s=a.crops / loop_s, batched_crops_per_s=a.crops / batched_s, speedup=loop_s / batched_s,
               imagenet_pool_hours_batched=3.9e6 / (a.crops / batched_s) / 3600, imagenet_pool_hours_one_by_one=3.9e6 / (a.crops / loop_s) / 3600)
    if torch.cuda.is_available():
        cut(images[:64], boxes[:64], a.side, "cuda"); torch.cuda.synchronize()
        t = time.perf_counter(); gpu = cut(images, boxes, a.side, "cuda"); torch.cuda.synchronize()
        res.update(cuda_crops_per_s=a.crops / (time.perf_counter() - t), cuda_max_abs_diff=(gpu.int() - ref.int()).abs().max().item())
    print(json.dumps(res, indent=1))
    if a.out: open(a.out, "w").write(json.dumps(res, indent=1))
