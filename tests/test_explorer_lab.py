"""The explorer live in JupyterLab, in a real browser: JupyterLab serves a copy of nbs/09_explore.ipynb (plus one cell
showing a fresh explorer), headless Chromium opens it, runs every cell through JupyterLab's own "Run All" command with a
real kernel, then clicks the fresh explorer's Run button. Fails when a cell errs, when a displayed explorer's status says a
run is in progress after every run ended, when an empty figure shows bare axes instead of its note, when a live curve lies
outside its panel's x-axis range, or when the clicked run does not finish in the page.

JupyterLab is started with `--LabApp.expose_app_in_browser=True`, so the test reaches `window.jupyterapp` (its command
registry and notebook models) and reads the rendered plotly figures (`_fullLayout`, `_fullData`) from the DOM."""
import json, os, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from conftest import child_process
from test_docs import Browser, CHROMIUM

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (make test installs Debian's chromium)")
FRESH = "fresh = Explorer(pipe, ipc=2, epochs=20, beta=0.2, codec='prune', ratio=10, student=dict(batch_size=10, lr=3e-3))\nfresh"

# The notebook panel, its kernel and its cells, as JupyterLab holds them.
PANEL = ("(() => { const p = window.jupyterapp && [...jupyterapp.shell.widgets('main')].find(w => w.content && w.sessionContext);"
         " if (p && jupyterapp.shell.currentWidget !== p) jupyterapp.shell.activateById(p.id); return p || null; })()")
STATE = f"""(() => {{ const p = {PANEL}; if (!p) return JSON.stringify(null);
  const k = p.sessionContext.session && p.sessionContext.session.kernel;
  const cells = p.content.widgets.filter(c => c.model.type === 'code');
  return JSON.stringify({{kernel: k ? k.status : null, cells: cells.length,
    unrun: cells.filter(c => c.model.executionCount === null).length,
    errors: cells.filter(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'))
                 .map(c => c.model.sharedModel.getSource().slice(0, 80))}}); }})()"""

# For the cell with this id: its visible text, and every numeric x-axis of its plotly figures with the x extent of the
# traces drawn on it.
def figures(cell_id:str) -> str:
    return f"""(() => {{ const p = {PANEL}; const c = p.content.widgets.find(c => c.model.id === {json.dumps(cell_id)});
  const out = {{text: c.node.textContent, svg_text: [...c.node.querySelectorAll('svg text')].map(t => t.textContent).join(' | '),
               axes: [], traces: 0, hidden: [], running: [...c.node.querySelectorAll('button')].some(
                 x => x.innerText.trim() === 'Run' && x.disabled)}};
  for (const d of c.node.querySelectorAll('.js-plotly-plot')) {{
    const fl = d._fullLayout; if (!fl) continue;
    for (const t of d._fullData) {{
      const ax = 'xaxis' + (t.xaxis || 'x').slice(1), a = fl[ax];
      const ay = fl['yaxis' + (t.yaxis || 'y').slice(1)];
      if ((t.type === 'bar' || t.type === 'scatter') && t.x && t.x.length && ((a && !a.visible) || (ay && !ay.visible)))
        out.hidden.push(t.name || t.type);
      if (!a || a.type === 'category' || !t.x || !t.x.length) continue;
      out.traces += 1;
      out.axes.push({{axis: ax, range: a.range, lo: Math.min(...t.x), hi: Math.max(...t.x), name: t.name}});
    }}
  }}
  return JSON.stringify(out); }})()"""


def evaluate(b:Browser, expression:str):
    return json.loads(b.call("Runtime.evaluate", expression=expression)["result"]["value"])


def wait_for(b:Browser, expression:str, test, timeout:float, what:str):
    "Poll a JSON-returning expression until test(value) holds; fail naming `what` and the last value."
    t0, value = time.time(), None
    while time.time() - t0 < timeout:
        try: value = evaluate(b, expression)
        except (KeyError, json.JSONDecodeError, TypeError): value = None
        if value is not None and test(value): return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not reached in {timeout:.0f} s; last state {value}")


def click(b:Browser, cell_id:str, label:str):
    "A real mouse click (DevTools input events) on the button labelled `label` in the cell's output."
    rect = evaluate(b, f"""(() => {{ const p = {PANEL}; const c = p.content.widgets.find(c => c.model.id === {json.dumps(cell_id)});
      const btn = [...c.node.querySelectorAll('button')].find(x => x.innerText.trim() === {json.dumps(label)});
      btn.scrollIntoView({{block: 'center'}}); const r = btn.getBoundingClientRect();
      return JSON.stringify({{x: r.x + r.width / 2, y: r.y + r.height / 2, disabled: btn.disabled}}); }})()""")
    assert not rect["disabled"], f"the {label} button is disabled"
    time.sleep(0.3)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        b.call("Input.dispatchMouseEvent", type=kind, x=rect["x"], y=rect["y"], button="left", clickCount=1)


def uncovered(fig:dict) -> list:
    "Curves whose x extent falls outside the range of the axis they are drawn on."
    return [a for a in fig["axes"] if not (a["range"][0] <= a["lo"] and a["hi"] <= a["range"][1])]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    nb = json.loads((ROOT / "nbs" / "09_explore.ipynb").read_text())
    nb["cells"].append(dict(cell_type="code", id="fresh-explorer", metadata={}, execution_count=None, outputs=[], source=FRESH))
    (work / "explore.ipynb").write_text(json.dumps(nb))
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "JUPYTER_CONFIG_DIR": str(work / ".config"),
           "JUPYTER_RUNTIME_DIR": str(work / ".runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(work / ".workspaces")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={work}",
           "--LabApp.expose_app_in_browser=True"]
    log = open(work / "jupyterlab.log", "w")
    with child_process(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT):
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try: urllib.request.urlopen(base + "/api/status", timeout=1).close(); break
            except OSError: time.sleep(0.1)
        browser = Browser(width=1400, height=1000)
        try: yield base, browser, work
        finally:
            browser.close(); log.close()
            print((work / "jupyterlab.log").read_text()[-3000:])


def test_explorer_live_in_jupyterlab(lab):
    base, b, work = lab
    t0 = time.time()
    b.call("Emulation.setFocusEmulationEnabled", enabled=True)   # headless: JupyterLab's "current notebook" follows focus
    b.call("Page.navigate", url=f"{base}/lab/tree/explore.ipynb")
    wait_for(b, STATE, lambda s: s and s["kernel"] == "idle", 180, "the notebook open with an idle kernel")
    # what a user does, through JupyterLab's own commands: clear every output, then Run All (not awaited: it resolves only
    # when the last cell has run, and the state below is polled instead)
    r = b.call("Runtime.evaluate", awaitPromise=True,
               expression="jupyterapp.commands.execute('notebook:clear-all-cell-outputs').then(() => 'ok', e => 'failed: ' + e)")
    assert r["result"]["value"] == "ok", r
    wait_for(b, STATE, lambda s: s["unrun"] == s["cells"], 30, "every cell cleared")
    b.call("Runtime.evaluate", expression="jupyterapp.commands.execute('notebook:run-all-cells'); 'started'")
    state = wait_for(b, STATE, lambda s: s["unrun"] == 0 and s["kernel"] == "idle" or s["errors"], 900, "Run All finished")
    assert not state["errors"], f"cells failed under Run All: {state['errors']}"
    print(f"Run All: {state['cells']} code cells in {time.time() - t0:.0f} s")

    shown = wait_for(b, figures("782f2c4c"), lambda f: f["traces"] > 0, 60, "the displayed explorer's curves")
    assert "in progress" not in shown["text"], shown["text"][:500]          # every run has ended: the status says so
    assert "Stopped during train" in shown["text"], shown["text"][:500]     # … and names the last run (stopped at epoch 5)
    assert not uncovered(shown), uncovered(shown)

    fresh = wait_for(b, figures("fresh-explorer"), lambda f: "press Run" in f["text"] or "after Run" in f["svg_text"], 60,
                     "the fresh explorer's notes")
    assert "after Run" in fresh["svg_text"], fresh["svg_text"]              # empty figures carry a note, not bare axes
    for attempt in range(2):          # a click can land while JupyterLab is still laying cells out: then press again
        click(b, "fresh-explorer", "Run")
        try: wait_for(b, figures("fresh-explorer"), lambda f: f["running"] or "done in" in f["text"], 20, "the run started"); break
        except AssertionError:
            if attempt: raise
    done = wait_for(b, figures("fresh-explorer"), lambda f: "done in" in f["text"] or "Error" in f["text"], 600,
                    "the clicked run finished in the page")
    assert "Error" not in done["text"], done["text"][:800]
    assert done["traces"] == 4, done                                         # accuracy and loss, both students
    assert not uncovered(done), uncovered(done)
    assert not done["hidden"], f"figures drawn with hidden axes: {done['hidden']}"   # the placeholder's hidden axes are gone
    assert "after Run" not in done["svg_text"], done["svg_text"]           # every note gave way to what it announced
    print(f"clicked run: {done['traces']} curves, x ranges {[a['range'] for a in done['axes']]}; {time.time() - t0:.0f} s in all")
    out = os.environ.get("SCORE_NB_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        b.screenshot(Path(out) / "explorer_jupyterlab.png")
