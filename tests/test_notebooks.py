"""Run every notebook in nbs/ as a test (nbdev's executor, so `#| eval: false` and `#| slow` cells are honoured)."""
import os
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_notebook  # renamed so pytest does not collect it

NBS = sorted(p for p in (Path(__file__).parent.parent / "nbs").glob("*.ipynb") if not p.name.startswith("_"))
SLOW = os.environ.get("SCORE_NB_SLOW") == "1"

@pytest.mark.parametrize("nb", NBS, ids=[p.stem for p in NBS])
def test_notebook(nb):
    ok, secs = run_notebook(nb, skip_flags=["notest"] if SLOW else ["notest", "slow"], force_flags=["slow"] if SLOW else [])
    assert ok, f"{nb.name} failed (its traceback is printed above)"
