"""The package's import graph: no module imports a private (`_name`) from another, and no two modules import each other
(directly or through others). Parsed from the exported sources with `ast`, so a function-level import counts too."""
import ast
from pathlib import Path

PKG = Path(__file__).parent.parent / "score_nb"

def imports(path:Path) -> list:
    "(module imported, names) for every `from score_nb.x import …` / `from .x import …` in a module, at any depth."
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 1: mod = f"score_nb.{mod}" if mod else "score_nb"
            if mod == "score_nb":   # from score_nb import x: x is a module or a package attribute
                out += [(f"score_nb.{a.name}" if (PKG / f"{a.name}.py").exists() else "score_nb", [a.name]) for a in node.names]
            elif mod.startswith("score_nb."): out.append((mod, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("score_nb.")]
    return out

MODULES = {f"score_nb.{p.stem}": p for p in sorted(PKG.glob("*.py")) if p.stem not in ("__init__", "_modidx")}

def test_no_private_names_cross_modules():
    bad = [f"{m} imports {n} from {src}" for m, p in MODULES.items() for src, names in imports(p) if src != m
           for n in names if n.startswith("_") and n != "__version__"]
    assert not bad, "private names imported across modules (make them public or move them):\n" + "\n".join(bad)

def test_no_import_cycles():
    graph = {m: {src for src, _ in imports(p) if src in MODULES and src != m} for m, p in MODULES.items()}
    cycles, state = [], {}
    def visit(m, path):
        state[m] = "open"
        for n in sorted(graph[m]):
            if state.get(n) == "open": cycles.append(" → ".join(path[path.index(n):] + [n]))
            elif n not in state: visit(n, path + [n])
        state[m] = "done"
    for m in MODULES:
        if m not in state: visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)

def test_only_runtime_imports_torch_distributed():
    users = [m for m, p in MODULES.items() if any(isinstance(n, (ast.Import, ast.ImportFrom)) and
             ("torch.distributed" in ((n.module or "") if isinstance(n, ast.ImportFrom) else " ".join(a.name for a in n.names)))
             for n in ast.walk(ast.parse(p.read_text())))]
    assert users == ["score_nb.runtime"], users

NBS = Path(__file__).parent.parent / "nbs"

def _directive_only(src:str) -> bool:
    return all(l.startswith("#|") for l in src.strip().splitlines())

def test_every_exported_cell_has_prose_before_it():
    "A run of exported cells opens with a markdown cell: between the prose and an exported cell there are only exported cells."
    import json
    bad = []
    for nb_path in sorted(NBS.glob("[0-9]*.ipynb")):
        cells = json.loads(nb_path.read_text())["cells"]
        src = ["".join(c["source"]) for c in cells]
        exported = [c["cell_type"] == "code" and s.lstrip().startswith("#| export") for c, s in zip(cells, src)]
        for i, e in enumerate(exported):
            if not e: continue
            j = i - 1
            while j >= 0 and (exported[j] or (cells[j]["cell_type"] == "code" and _directive_only(src[j]))): j -= 1
            if j < 0 or cells[j]["cell_type"] != "markdown":
                bad.append(f"{nb_path.name} cell {i} ({cells[i].get('id')}): {src[i].splitlines()[1][:70] if len(src[i].splitlines()) > 1 else ''}")
    assert not bad, "exported cells without prose before them:\n" + "\n".join(bad)
