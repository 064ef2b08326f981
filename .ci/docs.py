"""Build the docs site into _docs/ without Quarto: `python .ci/docs.py [--out _docs] [--force]` (what `make docs` runs).

Where Quarto exists, `nbdev-docs` builds the site. These machines cannot install Quarto, so this script does what
`nbdev-docs` does before Quarto — nbdev's own notebook processing (`nbdev.serve.proc_nbs`: front matter, `show_doc`
for every export, hidden cells, directives) into _proc/ — and then renders each processed notebook into one HTML page
with nbconvert, with:

- the notebooks' saved outputs (`make outputs` saves them; the build executes only what nbdev's processing executes:
  exported cells, imports and `show_doc`);
- a sidebar from nbs/sidebar.yml (notebooks it does not list are appended, so every notebook is reachable);
- plotly figures drawn by a plotly.js copied into the site (no CDN: the pages work offline and in the browser test);
- Quarto cell options honoured: `echo: false`, `output: false`, `include: false`;
- widget outputs (which carry no saved state) replaced by a note; links to `.ipynb` files and to the published site
  rewritten to the local pages.

Math is typeset by a MathJax copied into the site from Debian's libjs-mathjax (`make docs` and `make test` install it), so
the pages typeset offline too; where it is not installed the build says so and loads MathJax from its CDN (`--mathjax URL`
chooses another, `--mathjax ''` leaves it out). Exits non-zero if any notebook fails to process or render.
"""
import argparse, html, json, os, re, shutil, sys, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATHJAX_CDN = "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
MATHJAX = "local"                                  # the site's own copy of Debian's MathJax 2.7, else the CDN
DEBIAN_MATHJAX = Path("/usr/share/javascript/mathjax")
MATHJAX_PARTS = ("MathJax.js", "config/TeX-AMS_CHTML-full.js", "extensions", "jax/input/TeX", "jax/element", "jax/output/CommonHTML",
                 "jax/output/PreviewHTML", "fonts/HTML-CSS/TeX/woff", "localization/en")   # what TeX-AMS_CHTML-full loads (1.4 MB)

def local_mathjax(out:Path) -> str|None:
    "Copy the parts of Debian's MathJax the pages use into out/mathjax (links resolved); its URL relative to the pages, or None."
    if not (DEBIAN_MATHJAX / "MathJax.js").is_file(): return None
    for part in MATHJAX_PARTS:
        src, dst = DEBIAN_MATHJAX / part, out / "mathjax" / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir(): shutil.copytree(src, dst, symlinks=False)
        else: shutil.copy(src, dst)
    return "mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
WIDGET_NOTE = ('<div class="widget-note">An interactive widget was displayed here; widgets carry no saved state, so run '
               'the notebook in JupyterLab to use it. Static figures of what it shows follow.</div>')

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{% from 'mathjax.html.j2' import mathjax %}
{%- block html_head_js -%}<script src="plotly.min.js"></script>{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{% block notebook_css %}<link rel="stylesheet" href="lab.css"><link rel="stylesheet" href="site.css">{% endblock notebook_css %}
{%- block html_head_js_mathjax -%}{% if resources.docs.mathjax %}{{ mathjax(resources.docs.mathjax) }}{% endif %}{%- endblock -%}
{%- block html_head_js_mermaidjs -%}{%- endblock -%}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<nav class="site-nav" id="site-nav"><a class="site-title" href="index.html">{{ resources.docs.site_title }}</a>
<ul>{% for href, text, active in resources.docs.nav %}<li><a href="{{ href }}"{% if active %} class="active"{% endif %}>{{ text | e }}</a></li>{% endfor %}</ul>
</nav>
<main>
<header class="page-header"><h1 class="page-title">{{ resources.docs.title | e }}</h1>
{% if resources.docs.description %}<p class="page-description">{{ resources.docs.description_html }}</p>{% endif %}</header>
{%- endblock body_header -%}
"""

SITE_CSS = """
body.jp-Notebook { display: flex; margin: 0; padding: 0; }
.site-nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; flex: 0 0 220px; padding: 1rem; box-sizing: border-box;
  border-right: 1px solid #ddd; background: #f7f7f9; font-family: system-ui, sans-serif; font-size: 14px; }
.site-nav .site-title { display: block; font-weight: 700; font-size: 18px; margin-bottom: .8rem; color: #222; text-decoration: none; }
.site-nav ul { list-style: none; padding: 0; margin: 0; }
.site-nav li a { display: block; padding: .25rem .4rem; color: #2c5d9c; text-decoration: none; border-radius: 4px; }
.site-nav li a.active { background: #2c5d9c; color: white; }
main { flex: 1 1 auto; min-width: 0; max-width: 1100px; padding: 1rem 2rem; }
.page-header { margin: 0 0 1rem 0; padding-bottom: .5rem; border-bottom: 1px solid #eee; }
.page-title { font-family: system-ui, sans-serif; margin: .5rem 0; }
.page-description { color: #555; font-size: 1.05rem; }
.widget-note { border-left: 4px solid #f0ad4e; padding: .4rem .8rem; background: #fdf7ec; font-size: 13px; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
a.anchor-link { visibility: hidden; margin-left: .3em; text-decoration: none; }
h1:hover > a.anchor-link, h2:hover > a.anchor-link, h3:hover > a.anchor-link, h4:hover > a.anchor-link { visibility: visible; }
"""


def run_proc(force:bool) -> Path:
    "nbdev's processing of every notebook into _proc/ (cached by file time; `force` rebuilds all)."
    from nbdev.serve import proc_nbs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try: proc_nbs(n_workers=min(2, os.cpu_count() or 1), force=force)
        except Exception as e: print(f"docs: {type(e).__name__}: {e}", file=sys.stderr)   # the notebooks without a fresh page are named below
    return ROOT / "_proc"


def read_sidebar(path:Path) -> list:
    "Notebook names listed in a Quarto sidebar.yml, in order (sections flattened)."
    import yaml
    def walk(items):
        for it in items or []:
            if isinstance(it, str): yield it
            elif isinstance(it, dict):
                if "href" in it: yield it["href"]
                yield from walk(it.get("contents"))
    return list(walk((yaml.safe_load(path.read_text()) or {}).get("website", {}).get("sidebar", {}).get("contents")))


def front_matter(nb:dict) -> dict:
    "The YAML front matter nbdev puts in the first raw cell (title, description, output-file); the cell is removed."
    import yaml
    cells = nb["cells"]
    if cells and cells[0]["cell_type"] == "raw":
        src = "".join(cells[0]["source"]).strip()
        if src.startswith("---"):
            del cells[0]
            return yaml.safe_load(src.strip("-\n")) or {}
    return {}


def full_description(nb_path:Path) -> str|None:
    "The whole `> ...` description of a notebook's first cell (nbdev's front matter keeps only its first line), or None."
    cells = json.loads(nb_path.read_text())["cells"]
    if not cells or cells[0]["cell_type"] != "markdown": return None
    lines = [l[1:].strip() for l in "".join(cells[0]["source"]).splitlines() if l.startswith(">")]
    return " ".join(lines) or None

def strip_main(page:str) -> str:
    "Signatures of classes defined in the notebooks as nbdev's processing ran them name their module `__main__.`: drop it."
    page = re.sub(r'<span class="n">__main__</span><span class="o">\.</span>', "", page)
    return re.sub(r"\b__main__\.(?=[A-Za-z_])", "", page)

_DIRECTIVE = re.compile(r"^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")

def clean_cells(nb:dict):
    "Make nbdev's processed notebook valid for nbconvert and apply the Quarto cell options."
    nb["metadata"].pop("widgets", None)
    cells = []
    for c in nb["cells"]:
        c.pop("has_sd", None)
        c.get("metadata", {}).pop("execution", None)
        if c["cell_type"] == "markdown" and "".join(c["source"]).strip() == "<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->":
            continue
        if c["cell_type"] != "code": cells.append(c); continue
        lines = "".join(c["source"]).splitlines()
        opts = {m[1]: m[2].lower() for m in map(_DIRECTIVE.match, lines) if m}
        if opts.get("include") == "false": continue
        c["source"] = "\n".join(l for l in lines if not l.lstrip().startswith("#|")).strip("\n")
        tags = c.setdefault("metadata", {}).setdefault("tags", [])
        if opts.get("echo") == "false" or not c["source"]: tags.append("remove_input")
        if opts.get("output") == "false": c["outputs"] = []
        if not c["source"] and not c.get("outputs"): continue
        c["outputs"] = [o for o in map(convert_output, c.get("outputs", [])) if o is not None]
        cells.append(c)
    nb["cells"] = cells


_fig_count = [0]

def convert_output(o:dict):
    "Plotly JSON → a div drawn by the site's plotly.js; plotly's CDN loader dropped; widget views → a note; the rest unchanged."
    data = o.get("data")
    if not data: return o
    if set(data) == {"text/html"} and "window.PlotlyConfig" in "".join(data["text/html"]):
        return None                                   # plotly's notebook_connected loader (a CDN import): the site serves plotly.js
    if "application/vnd.plotly.v1+json" in data:
        import plotly.io as pio
        _fig_count[0] += 1
        fig = data["application/vnd.plotly.v1+json"]
        div = pio.to_html(fig, include_plotlyjs=False, full_html=False, validate=False, div_id=f"fig-{_fig_count[0]}",
                          config=dict(responsive=True, displaylogo=False))
        return {**o, "data": {"text/html": div}}
    if "application/vnd.jupyter.widget-view+json" in data:
        return {**o, "data": {"text/html": WIDGET_NOTE}}
    return o


def fix_links(page:str, pages:dict, site_url:str) -> str:
    """Links to notebooks (x.ipynb) and to the published site become links to the local pages; heading ids and link
    fragments are lower-cased, as nbdev's doc links (`train.html#history`) and Quarto's ids are."""
    def repl(m):
        href = m[2]
        if site_url and href.startswith(site_url): href = href[len(site_url):].lstrip("/")
        path, _, frag = href.partition("#")
        if path.endswith(".html.md"): path = path[:-3]
        if path in pages: path = pages[path]
        local = not re.match(r"[a-z]+:", path)
        return f'{m[1]}"{path}' + (f"#{frag.lower() if local else frag}" if frag else "") + '"'
    page = re.sub(r'(<h[1-6] id=)"([^"]*)"', lambda m: f'{m[1]}"{m[2].lower()}"', page)
    return re.sub(r'(href=)"([^"]*)"', repl, page)


def build(out:Path, force:bool=False, mathjax:str=MATHJAX, keep_going:bool=False) -> dict:
    "Build the site; returns {notebook: page}."
    import nbformat, yaml
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.filters import markdown2html_mistune
    from nbconvert.preprocessors import TagRemovePreprocessor
    t0 = time.perf_counter()
    os.chdir(ROOT)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    nbs = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
    proc = run_proc(force)
    stale = [n for n in nbs if not (proc / n).is_file() or (proc / n).stat().st_mtime < (ROOT / "nbs" / n).stat().st_mtime]
    if stale:
        print(f"docs: nbdev's processing failed for {stale} (its traceback is printed above). nbdev runs every cell that "
              "contains an import (and exports and show_doc) to render the API docs: a cell mixing imports with code that "
              "needs earlier cells fails there — put its imports in a cell of their own.", file=sys.stderr)
        if not keep_going: sys.exit(1)
        nbs = [n for n in nbs if n not in stale]
    order = [n for n in read_sidebar(ROOT / "nbs" / "sidebar.yml") if n in nbs]
    order += [n for n in nbs if n not in order]
    processed = {}
    for n in order:
        nb = json.loads((proc / n).read_text())
        fm = front_matter(nb)
        processed[n] = (nb, fm, fm.get("output-file") or Path(n).stem + ".html")
    pages = {n: page for n, (_, _, page) in processed.items()}
    titles = {n: (fm.get("title") or Path(n).stem) for n, (_, fm, _) in processed.items()}
    cfg = yaml.safe_load((ROOT / "nbs" / "nbdev.yml").read_text()).get("website", {})
    site_url, site_title = cfg.get("site-url", ""), cfg.get("title", "docs")
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    import plotly
    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out / "plotly.min.js")
    if mathjax == "local":
        mathjax = local_mathjax(out) or MATHJAX_CDN
        if mathjax == MATHJAX_CDN: print(f"docs: {DEBIAN_MATHJAX} is not installed (apt-get install libjs-mathjax): math loads MathJax "
                                         "from its CDN, and shows as TeX offline", file=sys.stderr)
    lab = Path(sys.prefix) / "share" / "jupyter" / "nbconvert" / "templates" / "lab" / "static"
    (out / "lab.css").write_text((lab / "index.css").read_text() + (lab / "theme-light.css").read_text())
    extra = ROOT / "nbs" / "styles.css"
    (out / "site.css").write_text(SITE_CSS + (extra.read_text() if extra.exists() else ""))
    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"docs.html.j2": TEMPLATE})], template_file="docs.html.j2",
                            exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"remove_input"}), enabled=True)
    report = {}
    for n, (nb, fm, page) in processed.items():
        clean_cells(nb)
        nb["metadata"]["title"] = titles[n]
        node = nbformat.reads(json.dumps(nb), as_version=4)   # joins multi-line strings
        desc = full_description(ROOT / "nbs" / n) or fm.get("description") or ""
        resources = {"docs": dict(title=titles[n], description=desc, site_title=site_title, mathjax=mathjax,
                                  description_html=markdown2html_mistune(desc).strip().removeprefix("<p>").removesuffix("</p>"),
                                  nav=[(pages[m], titles[m], m == n) for m in order])}
        body, _ = exporter.from_notebook_node(node, resources=resources)
        (out / page).write_text(strip_main(fix_links(body, pages, site_url)))
        report[n] = page
    (out / ".nojekyll").touch()
    (out / "pages.json").write_text(json.dumps(report, indent=1))      # notebook → page, for tests/test_docs.py
    print(f"docs: {len(report)} pages, {_fig_count[0]} plotly figures → {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} "
          f"in {time.perf_counter() - t0:.0f} s")
    if stale: sys.exit(f"docs: no page for {stale}: nbdev's processing failed")
    return report


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_docs"), help="output folder (replaced)")
    ap.add_argument("--force", action="store_true", help="reprocess every notebook (ignore _proc/'s cache)")
    ap.add_argument("--mathjax", default=MATHJAX, help="MathJax URL ('' for none; 'local': the site's copy of Debian's, else the CDN)")
    ap.add_argument("--keep-going", action="store_true", help="render the other pages when a notebook fails (still exits 1)")
    a = ap.parse_args()
    build(Path(a.out).resolve(), a.force, a.mathjax, a.keep_going)
