"""Execute notebooks and save their outputs (the docs and README show saved outputs). Usage: save_outputs.py [nbs/x.ipynb ...]"""
import sys
from pathlib import Path
from nbdev.test import test_nb as run_notebook

paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(Path("nbs").resolve().glob("[!_]*.ipynb"))
failed = [p.name for p in paths if not run_notebook(p, skip_flags=["notest", "slow"], save=True)[0]]
if failed: sys.exit(f"failed: {failed}")
