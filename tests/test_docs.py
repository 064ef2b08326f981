"""The docs site works in a browser: build _docs/ (.ci/docs.py), serve it with `python -m http.server` on 127.0.0.1, open
every page in headless Chromium and fail on a notebook without a page, a broken internal link or anchor, a sidebar that
misses a page, a plotly figure that did not draw (no SVG in the rendered DOM), plotly.js or MathJax loaded from anywhere but
the site, or math that did not typeset. Screenshots of the home, coding-rate and explorer pages go to $SCORE_NB_SCREENSHOTS (default _docs/screenshots/;
`make screenshots` writes the committed ones under results/screenshots/).

Chromium is driven over the DevTools protocol (websocket-client, which JupyterLab brings): it lets the test wait until
every figure has drawn and scroll to a section before a screenshot — the `--screenshot` flag renders a blank page for a
URL with a #fragment."""
import base64, itertools, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlsplit
import pytest
from conftest import child_process, run_process, stop_group

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "_docs"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--remote-allow-origins=*"]
SHOTS = {"home.png": ("index.html", None), "coding_rate.png": ("coding_rate.html", "executable-proofs"),
         "explore.png": ("explore.html", "what-the-runs-above-drew")}
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (make test installs Debian's chromium)")

# Runs in the page once it has loaded: waits (≤ 20 s) until every plotly div holds an SVG and MathJax has typeset the page,
# then reports what the DOM has.
INSPECT = """new Promise(done => { const t0 = Date.now(); (function poll() {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  const drawn = divs.map(d => !!d.querySelector('svg.main-svg'));
  const mj = window.MathJax, typeset = !mj || (mj.isReady && mj.Hub.queue.pending === 0 && !mj.Hub.queue.running);
  if ((document.readyState === 'complete' && drawn.every(x => x) && typeset) || Date.now() - t0 > 20000)
    return done(JSON.stringify({drawn, typeset, math: document.querySelectorAll('.MathJax_CHTML').length,
      matherr: document.querySelectorAll('.mjx-merror, .MathJax_Error').length,
      links: [...document.querySelectorAll('a[href]')].map(a => a.href),
      ids: [...document.querySelectorAll('[id]')].map(e => e.id),
      nav: [...document.querySelectorAll('nav.site-nav a[href]')].map(a => a.getAttribute('href')),
      scripts: [...document.querySelectorAll('script[src]')].map(s => s.src)}));
  setTimeout(poll, 100); })(); })"""


class Browser:
    "One headless Chromium, driven over the DevTools protocol."
    def __init__(self, width:int=1280, height:int=900):
        import websocket
        # removed only after Chromium and every process it started are gone (close); never fails the test
        self.profile = tempfile.TemporaryDirectory(prefix="score-nb-chromium-", ignore_cleanup_errors=True)
        self.proc, self.ws = None, None
        try:
            self.proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={self.profile.name}", "--remote-debugging-port=0",
                                          f"--window-size={width},{height}", "about:blank"], start_new_session=True,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            port_file = Path(self.profile.name) / "DevToolsActivePort"
            for _ in range(600):
                if port_file.exists() and len(port_file.read_text().split()) == 2: break
                if self.proc.poll() is not None: raise RuntimeError(f"Chromium exited with {self.proc.returncode} before it listened")
                time.sleep(0.1)
            port, self.browser_path = port_file.read_text().split()
            self.port = int(port)
            page = next(t for t in json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list")) if t["type"] == "page")
            self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=120, suppress_origin=True)
            self.ids = itertools.count(1)
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
            self.call("Page.enable")
        except BaseException:
            self.close(); raise

    def call(self, method:str, **params) -> dict:
        i = next(self.ids)
        self.ws.send(json.dumps(dict(id=i, method=method, params=params)))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == i:
                if "error" in m: raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})

    def open(self, url:str) -> dict:
        "Navigate to `url`, wait for its figures, and return what INSPECT found."
        self.call("Page.navigate", url=url)
        for _ in range(300):                  # navigation is asynchronous: wait until the new document is there
            r = self.call("Runtime.evaluate", expression="location.href + ' ' + document.readyState")["result"]["value"]
            if r.startswith(url.split("#")[0]) and r.endswith("complete"): break
            time.sleep(0.1)
        return json.loads(self.call("Runtime.evaluate", expression=INSPECT, awaitPromise=True)["result"]["value"])

    def screenshot(self, path:Path, anchor:str|None=None):
        if anchor: self.call("Runtime.evaluate", expression=f"document.getElementById({json.dumps(anchor)}).scrollIntoView()")
        time.sleep(0.3)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self):
        "Browser.close over DevTools, wait for Chromium to exit (kill its process group if it will not), then remove the profile."
        import websocket
        if self.ws is not None:
            try: self.ws.close()
            except OSError: pass
        if self.proc is not None and self.proc.poll() is None:
            try:                               # the browser target (not the page) owns Browser.close
                ws = websocket.create_connection(f"ws://127.0.0.1:{self.port}{self.browser_path}", timeout=10, suppress_origin=True)
                ws.send(json.dumps(dict(id=1, method="Browser.close"))); ws.close()
            except (OSError, AttributeError, websocket.WebSocketException): pass
        if self.proc is not None: stop_group(self.proc, grace=20)
        self.profile.cleanup()


@pytest.fixture(scope="module")
def site():
    t0 = time.perf_counter()
    r = run_process([sys.executable, str(ROOT / ".ci" / "docs.py")], cwd=ROOT, timeout=900, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    print(r.stdout[-3000:], r.stderr[-6000:] if r.returncode else "", sep="\n")
    assert r.returncode == 0, "the docs build failed (its output is above)"
    print(f"docs build: {time.perf_counter() - t0:.0f} s")
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    with child_process([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(DOCS)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        for _ in range(100):
            try: urllib.request.urlopen(base, timeout=1).close(); break
            except OSError: time.sleep(0.1)
        browser = Browser()
        try: yield base, json.loads((DOCS / "pages.json").read_text()), browser
        finally: browser.close()


def test_every_notebook_has_a_page(site):
    _, pages, _ = site
    nbs = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
    assert sorted(pages) == nbs
    for nb, page in pages.items(): assert (DOCS / page).is_file(), f"{nb}: no {page}"
    assert pages["index.ipynb"] == "index.html"


def test_pages_render(site):
    base, pages, browser = site
    t0, seen, report, problems = time.perf_counter(), {}, [], []
    for page in pages.values(): seen[page] = browser.open(base + page)
    for page, dom in seen.items():
        drawn = dom["drawn"]
        static = len(re.findall(r'class="plotly-graph-div"', (DOCS / page).read_text()))
        if len(drawn) != static or not all(drawn): problems.append(f"{page}: {sum(drawn)} of {static} plotly figures drew")
        plotly = [s for s in dom["scripts"] if "plotly" in s]
        if plotly != [base + "plotly.min.js"]: problems.append(f"{page}: plotly.js from {plotly}, not the site's own copy")
        if sorted(set(dom["nav"])) != sorted(pages.values()): problems.append(f"{page}: the sidebar links {dom['nav']}")
        mathjax = [s for s in dom["scripts"] if "MathJax" in s]
        if mathjax and not all(s.startswith(base + "mathjax/") for s in mathjax): problems.append(f"{page}: MathJax from {mathjax}")
        if not dom["typeset"] or dom["matherr"]: problems.append(f"{page}: math not typeset ({dom['matherr']} errors)")
        if "__main__." in (DOCS / page).read_text(): problems.append(f"{page}: a signature names `__main__.`")
        for href in set(dom["links"]):
            url = urlsplit(href)
            if url.netloc != urlsplit(base).netloc: continue
            target = url.path.lstrip("/") or "index.html"
            if not (DOCS / target).is_file(): problems.append(f"{page}: broken link {href}"); continue
            if url.fragment and target in seen and url.fragment not in seen[target]["ids"]:
                problems.append(f"{page}: link {href}: no such anchor")
        report.append(f"{page}: {len(drawn)} figures drawn, {len(dom['links'])} links")
    head = (DOCS / "results.html").read_text().split('class="page-description">')[1].split("</p>")[0]
    if not head.rstrip(".").endswith("mean ± std over seeds"): problems.append(f"results.html: description cut: {head[-80:]!r}")
    if seen["coding_rate.html"]["math"] < 20: problems.append(f"coding_rate.html: {seen['coding_rate.html']['math']} typeset formulas")
    print("\n".join(report), f"{len(seen)} pages, {sum(len(d['drawn']) for d in seen.values())} figures checked "
          f"in {time.perf_counter() - t0:.0f} s", sep="\n")
    assert not problems, "\n".join(problems)


def test_screenshots(site):
    base, _, browser = site
    out = Path(os.environ.get("SCORE_NB_SCREENSHOTS") or DOCS / "screenshots")
    if not out.is_absolute(): out = ROOT / out
    out.mkdir(parents=True, exist_ok=True)
    for name, (page, anchor) in SHOTS.items():
        dom = browser.open(base + page)
        assert all(dom["drawn"]) and (anchor is None or anchor in dom["ids"]), (page, anchor)
        browser.screenshot(out / name, anchor)
        size = (out / name).stat().st_size
        assert 20_000 < size < 1_500_000, f"{name}: {size} bytes"        # not blank, not huge
        print(f"{(out / name).relative_to(ROOT) if (out / name).is_relative_to(ROOT) else out / name}: {size // 1024} KiB")
