"""Reference teachers: the ConvNet on digits, Fashion-MNIST, glyphs200 and glyphs, trained from scratch on this machine.

  python bench/teachers.py --out results/teachers.json [--datasets digits,fashion_mnist,glyphs200,glyphs]

Rows of datasets not asked for are kept from an existing --out file.

Each teacher is trained with its recipe in score_nb.models.TEACHER_RECIPES.

Prints JSON (test accuracy, training seconds, seconds per epoch). Teachers land in the score-nb cache
($SCORE_NB_CACHE or ~/.cache/score-nb), so later benchmarks reuse them.
"""
import argparse, json, os, platform, time
import torch
from score_nb.data import load_dataset
from score_nb.models import TEACHER_RECIPES, default_teacher

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out"); ap.add_argument("--datasets", default="digits,fashion_mnist,glyphs200,glyphs")
    args = ap.parse_args()
    names = args.datasets.split(",")
    if unknown := sorted(set(names) - set(TEACHER_RECIPES)): ap.error(f"--datasets: no recipe for {unknown}; known: {sorted(TEACHER_RECIPES)}")
    machine = f"{platform.machine()} {os.cpu_count()} CPU cores, torch {torch.__version__}, device " + \
              ("cuda" if torch.cuda.is_available() else "cpu")
    kept = json.load(open(args.out))["teachers"] if args.out and os.path.exists(args.out) else []
    rows = [r for r in kept if r["dataset"] not in names]
    for name in names:
        ds = load_dataset(name)
        t = default_teacher(ds)
        epochs = TEACHER_RECIPES[name]["epochs"]
        rows.append(dict(dataset=name, arch=t.arch, recipe=TEACHER_RECIPES[name], epochs=epochs, test_accuracy=t.test_accuracy,
                         seconds=t.seconds, seconds_per_epoch=t.seconds / epochs, cached=t.cached, train_images=len(ds.train_images),
                         test_images=len(ds.test_images), machine=machine, path=str(t.path)))
        print(json.dumps(rows[-1]), flush=True)
    text = json.dumps(dict(teachers=rows), indent=1)
    print(text)
    if args.out:
        tmp = args.out + ".tmp"; open(tmp, "w").write(text + "\n"); os.replace(tmp, args.out)
