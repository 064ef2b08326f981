"""Write README.md from nbs/index.ipynb without Quarto (which these machines cannot install).

Markdown cells are copied; code cells become ```python blocks followed by their text outputs; cells marked
`#| hide` are dropped and `#|` directive lines removed. `nbdev-readme` does the same job where Quarto exists.
"""
import sys
from pathlib import Path
from fastcore.nbio import read_nb

def cell_markdown(cell) -> str:
    lines = cell.source.splitlines()
    if any(l.strip() in ("#| hide", "#|hide") for l in lines): return ""
    if cell.cell_type == "markdown": return cell.source.strip()
    code = "\n".join(l for l in lines if not l.startswith("#|")).strip()
    if not code: return ""
    out = ["```python", code, "```"]
    for o in cell.get("outputs", []):
        text = o.get("text") or o.get("data", {}).get("text/plain")
        if text: out += ["", "```", ("".join(text) if isinstance(text, list) else text).rstrip(), "```"]
    return "\n".join(out)

def main(src: str, dst: str):
    nb = read_nb(src)
    parts = [p for p in map(cell_markdown, nb.cells) if p]
    note = "<!-- generated from nbs/index.ipynb by .ci/readme.py (or nbdev-readme): edit the notebook, then `make readme` -->"
    if parts and parts[0].startswith("# "):  # nbdev's title cell: "# title" then "> description"
        title, *rest = parts[0].splitlines()
        parts[0] = "\n".join([title, "", note, ""] + [l for l in rest if l.strip()])
    else: parts.insert(0, note)
    Path(dst).write_text("\n\n".join(parts) + "\n")

if __name__ == "__main__": main(*sys.argv[1:3])
