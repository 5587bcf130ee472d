"""Opens executed notebooks in the pinned JupyterLab in headless Chromium, trusted and
untrusted, and checks that their HTML tables and SVG charts render in both.

JupyterLab renders a `text/html` output of an untrusted notebook (one whose signature the
server does not know: received, copied, or reopened without `jupyter trust`) through its
HTML sanitizer, which keeps an allow-list of tags. This check is the browser's view of that:
for every case it counts, in the live DOM of the notebook's output areas, the rendered
tables (`table`), inline SVG charts (`svg`, with a non-empty box) and data-URI SVG images
(`img[src^="data:image/svg+xml"]`, loaded), and compares them with what the notebook's own
`text/html` outputs contain (`<table`, `<svg`, `data:image/svg+xml` in their text).

Per notebook, two cases:
  trusted    the notebook under its own name, signed with `jupyter trust` first;
  untrusted  a copy under a new name whose metadata says it is a copy, so its signature
             differs and the server has never seen it (an identical copy would be trusted,
             since signatures are of the content, not the path).
The server's view of trust is checked too (the contents API marks cells trusted or not);
a case whose trust is not what it should be fails.

With --data-uri, each notebook also gets a derived variant in which every top-level inline
`<svg>…</svg>` in its `text/html` outputs is replaced by the embedding
`ChartEmbed::DataUri` produces (`<img alt="chart" src="data:image/svg+xml;base64,…">`), checked
trusted and untrusted the same way: what the outputs would look like with that embedding.

A notebook without outputs is executed first by kernel/test_notebooks.py (the
ablate-rust-test kernel), which must pass. JupyterLab runs on 127.0.0.1 on a free port with a
random token, with its own Jupyter config, data and runtime directories in a temporary
directory (the notebook signatures too), and opens notebooks without starting a kernel.
Chromium is Debian's (/usr/bin/chromium, or ABLATE_CHROMIUM), driven by playwright.

Screenshots (the whole notebook, its first chart output and its first table output, per case)
and, for a case that fails, the failing output's DOM are written to the work directory, which
is kept and printed (/tmp/ablate-lab-check-*, or --out DIR).

Usage: lab_check.py [--data-uri] [--out DIR] [NOTEBOOK_OR_DIR...]   (default notebooks/01-quickstart.ipynb;
a directory stands for its notebooks whose metadata expects a chart, `"ablate": {"expect":
["chart"]}`, except those expected to fail: what kernel/test-notebooks.sh passes after a run)
Prints one line per case and a closing `N passed, N failed`; exits 1 if any case failed.
"""
import base64
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
JUPYTER = HERE / ".venv" / "bin" / "jupyter"
KERNEL_PYTHON = HERE / ".venv" / "bin" / "python"
HARNESS = HERE / "test_notebooks.py"
CHROMIUM = os.environ.get("ABLATE_CHROMIUM", "/usr/bin/chromium")
# The flags the environment notes give for Chromium headless on a machine without network.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90
RENDER_TIMEOUT = 90
VIEWPORT = {"width": 1280, "height": 900}
MAX_SHOT_HEIGHT = 16000  # Chromium's limit for one screenshot is about 16k pixels

# Counted in the notebook panel's output areas; only outputs JupyterLab rendered as HTML.
COUNT_JS = """
() => {
  const panels = [...document.querySelectorAll('.jp-NotebookPanel')];
  const outs = [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output.jp-RenderedHTML')];
  const within = (sel) => outs.flatMap((o) => [...o.querySelectorAll(sel)]);
  const visible = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const tables = within('table');
  const svgs = within('svg');
  const top = svgs.filter((s) => !s.parentElement.closest('svg'));
  const imgs = within('img[src^="data:image/svg+xml"]');
  return {
    panels: panels.length,
    html_outputs: outs.length,
    tables: tables.length,
    tables_shown: tables.filter((t) => t.rows.length > 0 && visible(t)).length,
    svgs: svgs.length,
    top_svgs: top.length,
    top_svgs_shown: top.filter(visible).length,
    imgs: imgs.length,
    imgs_shown: imgs.filter((i) => i.complete && i.naturalWidth > 0 && visible(i)).length,
    styles: within('style').length,
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map((d) => d.innerText.slice(0, 200)),
  };
}
"""


def say(text):
    print(text, flush=True)


# ---------------------------------------------------------------- the notebook's own outputs

def html_outputs(nb):
    """The text/html of every output that has one, in document order."""
    found = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            value = out.get("data", {}).get("text/html")
            if value is not None:
                found.append(value if isinstance(value, str) else "".join(value))
    return found


def has_outputs(nb):
    return any(cell.get("outputs") for cell in nb.get("cells", []))


def top_level_svgs(html):
    """(start, end) of every outermost <svg …>…</svg> in `html`."""
    spans, depth, start, i = [], 0, 0, 0
    low = html.lower()
    while True:
        opening, closing = low.find("<svg", i), low.find("</svg>", i)
        if closing < 0 and opening < 0:
            return spans
        if opening >= 0 and (closing < 0 or opening < closing):
            if depth == 0:
                start = opening
            depth += 1
            i = opening + 4
        else:
            if depth == 0:
                raise ValueError("</svg> without <svg")
            depth -= 1
            i = closing + len("</svg>")
            if depth == 0:
                spans.append((start, i))


def expected_counts(nb):
    htmls = html_outputs(nb)
    joined = "\n".join(htmls).lower()
    return {
        "html_outputs": len(htmls),
        "tables": joined.count("<table"),
        "svgs": joined.count("<svg"),
        "top_svgs": sum(len(top_level_svgs(h)) for h in htmls),
        "imgs": joined.count('src="data:image/svg+xml'),
        "styles": joined.count("<style"),
    }


def data_uri_variant(nb):
    """The notebook with every top-level inline SVG of its text/html outputs embedded the way
    ChartEmbed::DataUri embeds charts."""
    nb = json.loads(json.dumps(nb))
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" not in data:
                continue
            html = data["text/html"]
            html = html if isinstance(html, str) else "".join(html)
            pieces, last = [], 0
            for start, end in top_level_svgs(html):
                svg = html[start:end].encode()
                pieces.append(html[last:start])
                pieces.append('<img alt="chart" src="data:image/svg+xml;base64,' + base64.b64encode(svg).decode() + '">')
                last = end
            pieces.append(html[last:])
            data["text/html"] = "".join(pieces)
    return nb


# ---------------------------------------------------------------- JupyterLab

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """The pinned JupyterLab on 127.0.0.1, in its own session (process group) and with its own
    Jupyter directories under `state`."""

    def __init__(self, root, state, log_path):
        self.root, self.state = root, state
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        for name in ("config", "data", "runtime"):
            (state / name).mkdir(parents=True, exist_ok=True)
        self.env.update(
            JUPYTER_CONFIG_DIR=str(state / "config"),
            JUPYTER_DATA_DIR=str(state / "data"),
            JUPYTER_RUNTIME_DIR=str(state / "runtime"),
            JUPYTER_TOKEN=self.token,
        )
        self.env.pop("JUPYTER_PATH", None)
        settings = state / "config" / "lab" / "user-settings" / "@jupyterlab"
        # All cells attached to the DOM (nothing deferred), and no news or update checks
        # (no network here).
        self.write_settings(settings / "notebook-extension" / "tracker.jupyterlab-settings", {"windowingMode": "none"})
        self.write_settings(
            settings / "apputils-extension" / "notification.jupyterlab-settings",
            {"fetchNews": "false", "checkForUpdates": False},
        )
        self.log_path = log_path
        self.proc = None

    @staticmethod
    def write_settings(path, value):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))

    def start(self):
        argv = [
            str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--port-retries=0",
            f"--ServerApp.root_dir={self.root}", "--LabApp.notebook_starts_kernel=False",
        ]
        if os.geteuid() == 0:
            argv.append("--allow-root")  # CI and this machine run as root; the server is on 127.0.0.1 only
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(argv, env=self.env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s: {self.log_tail()}")

    def log_tail(self):
        try:
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-8:])
        except OSError:
            return "(no log)"

    def api(self, path):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def trust(self, path):
        done = subprocess.run([str(JUPYTER), "trust", str(path)], env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"jupyter trust failed: {done.stderr.strip()}")

    def trusted_cells(self, name):
        """(trusted, untrusted) counts of code cells with outputs, as the server reports them."""
        model = self.api("/api/contents/" + urllib.parse.quote(name) + "?content=1&type=notebook")
        marks = [c["metadata"].get("trusted") for c in model["content"]["cells"] if c["cell_type"] == "code" and c.get("outputs")]
        return sum(1 for m in marks if m is True), sum(1 for m in marks if m is not True)

    def stop(self):
        """Ends the server's whole process group; returns the ids of any process left in its
        session."""
        if self.proc is None:
            return []
        sid = self.proc.pid  # start_new_session: the server leads its own session and group
        if self.proc.poll() is None:
            try:
                os.killpg(sid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(sid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        time.sleep(0.5)
        left = processes(lambda pid, stat, cmd: stat_session(stat) == sid)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left


def stat_session(stat):
    # /proc/PID/stat: "pid (comm) state ppid pgrp session ..."; comm may contain spaces.
    fields = stat[stat.rfind(")") + 2:].split()
    return int(fields[3])


def processes(match):
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if " Z " in stat[stat.rfind(")"):stat.rfind(")") + 4]:
            continue  # a zombie waiting for its parent: already ended
        if match(int(entry.name), stat, cmd):
            found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- one case in the browser

def wait_rendered(page, expected):
    """Waits until the notebook panel shows every text/html output and the counts stop
    changing for a second; returns the counts."""
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=RENDER_TIMEOUT * 1000)
    deadline = time.monotonic() + RENDER_TIMEOUT
    last, stable_since = None, time.monotonic()
    while time.monotonic() < deadline:
        counts = page.evaluate(COUNT_JS)
        if counts != last:
            last, stable_since = counts, time.monotonic()
        elif counts["html_outputs"] >= expected["html_outputs"] and time.monotonic() - stable_since >= 1.0:
            return counts
        page.wait_for_timeout(200)
    return last


def first_output_with(page, expected_html, marker):
    """The DOM element of the first text/html output whose notebook text contains `marker`
    (outputs are in the same order in the notebook and the DOM)."""
    for index, html in enumerate(expected_html):
        if marker in html.lower():
            handle = page.query_selector_all(".jp-NotebookPanel .jp-OutputArea-output.jp-RenderedHTML")
            return (index, handle[index]) if index < len(handle) else (index, None)
    return None, None


def run_case(browser, lab, out_dir, name, nb, want_trusted):
    label = f"{name} {'trusted' if want_trusted else 'untrusted'}"
    stem = pathlib.Path(name).stem
    problems, notes = [], []
    started = time.monotonic()
    expected = expected_counts(nb)
    htmls = html_outputs(nb)
    if expected["tables"] + expected["svgs"] + expected["imgs"] == 0:
        problems.append("the notebook's outputs have no table and no chart: nothing to check")

    trusted, untrusted = lab.trusted_cells(name)
    if want_trusted and (untrusted or not trusted):
        problems.append(f"the server marks {untrusted} of {trusted + untrusted} output cells untrusted after jupyter trust")
    if not want_trusted and trusted:
        problems.append(f"the server marks {trusted} of {trusted + untrusted} output cells trusted in a never-trusted copy")

    page = browser.new_page()
    page.set_viewport_size(VIEWPORT)
    page.set_default_timeout(RENDER_TIMEOUT * 1000)
    try:
        workspace = "lab-check-" + secrets.token_hex(4)  # a fresh workspace: no other notebook restored
        page.goto(f"{lab.base}/lab/workspaces/{workspace}/tree/{urllib.parse.quote(name)}?token={lab.token}")
        counts = wait_rendered(page, expected)
        if counts is None:
            raise RuntimeError("the notebook did not render")
        if counts["dialogs"]:
            notes.append("dialog open: " + " / ".join(counts["dialogs"]))
        if counts["panels"] != 1:
            problems.append(f"{counts['panels']} notebook panels open, expected 1")
        if counts["html_outputs"] != expected["html_outputs"]:
            problems.append(f"{counts['html_outputs']} of {expected['html_outputs']} text/html outputs rendered as HTML")
        for what, have, shown, want in [
            ("tables", "tables", "tables_shown", "tables"),
            ("inline SVG elements", "svgs", None, "svgs"),
            ("inline SVG charts", "top_svgs", "top_svgs_shown", "top_svgs"),
            ("data-URI SVG images", "imgs", "imgs_shown", "imgs"),
        ]:
            if counts[have] != expected[want]:
                problems.append(f"{what}: {counts[have]} in the DOM, {expected[want]} in the outputs")
            elif shown and counts[shown] != counts[have]:
                problems.append(f"{what}: only {counts[shown]} of {counts[have]} shown (empty box or image not loaded)")

        # Whole notebook: a viewport as tall as the notebook's scrolling area.
        height = page.evaluate(
            "() => { const o = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');"
            " return o ? Math.ceil(o.getBoundingClientRect().top + o.scrollHeight + 40) : 0; }"
        )
        shots = []
        if height:
            page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), MAX_SHOT_HEIGHT)})
            page.wait_for_timeout(500)
        shot = out_dir / f"{stem}{'-trusted' if want_trusted else ''}.png"  # untrusted copies' names say so
        page.screenshot(path=str(shot))
        shots.append(shot)
        for marker, suffix in [("<svg", "chart"), ('src="data:image/svg+xml', "chart"), ("<table", "table")]:
            index, element = first_output_with(page, htmls, marker)
            if element is None:
                continue
            part = shot.with_name(f"{shot.stem}-{suffix}.png")
            if part in shots:
                continue
            element.scroll_into_view_if_needed()
            element.screenshot(path=str(part))
            shots.append(part)
            if suffix == "chart" and problems:
                # Evidence: what the DOM holds where the notebook's output has the chart.
                dom = element.inner_html()
                (out_dir / f"{shot.stem}-chart-output.dom.html").write_text(dom)
                text = " ".join(element.inner_text().split())
                notes.append(
                    f"output {index} (its text/html: {htmls[index].lower().count('<svg')} <svg, "
                    f"{htmls[index].lower().count('<style')} <style, {len(htmls[index])} chars) in the DOM: "
                    f"{dom.lower().count('<svg')} <svg, {dom.lower().count('<style')} <style, "
                    f"{dom.lower().count('<img')} <img, {len(dom)} chars; text shown: {text[:160]!r}"
                )
        summary = (
            f"tables {counts['tables']}/{expected['tables']}, inline SVG charts {counts['top_svgs_shown']}/{expected['top_svgs']}, "
            f"data-URI charts {counts['imgs_shown']}/{expected['imgs']}, <style> kept {counts['styles']}/{expected['styles']}; "
            f"server: {trusted}/{trusted + untrusted} output cells trusted"
        )
    except (PlaywrightError, RuntimeError) as e:
        problems.append(f"browser: {str(e).splitlines()[0]}")
        summary, shots = "not rendered", []
    finally:
        page.close()
    seconds = time.monotonic() - started
    ok = not problems
    say(f"{'PASS' if ok else 'FAIL'} {label}: {summary} ({seconds:.1f} s)")
    for p in problems:
        say(f"    {p}")
    for n in notes:
        say(f"    {n}")
    if shots:
        say(f"    screenshots: {', '.join(str(s) for s in shots)}")
    return ok


# ---------------------------------------------------------------- main

def executed(path, work):
    """The notebook's JSON with outputs: as given, or executed by the harness into `work`."""
    nb = json.loads(path.read_text())
    if has_outputs(nb):
        say(f"{path}: already executed, using its outputs")
        return nb
    say(f"{path}: no outputs, executing it with kernel/test_notebooks.py")
    save = work / "executed"
    started = time.monotonic()
    done = subprocess.run([str(KERNEL_PYTHON), str(HARNESS), "--save", str(save), str(path)], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        say(f"    {line}")
    if done.returncode != 0:
        raise RuntimeError(f"executing {path} failed ({done.stderr.strip()[-500:]})")
    say(f"    executed in {time.monotonic() - started:.0f} s")
    return json.loads((save / path.name).read_text())


def charted(path):
    meta = json.loads(path.read_text()).get("metadata", {}).get("ablate", {})
    return "chart" in meta.get("expect", []) and not meta.get("must_fail")


def main(args):
    data_uri, out = False, None
    while args and args[0].startswith("--"):
        if args[0] == "--data-uri":
            data_uri, args = True, args[1:]
        elif args[0] == "--out" and len(args) > 1:
            out, args = pathlib.Path(args[1]), args[2:]
        else:
            say(__doc__)
            return 2
    paths = []
    for arg in args or [str(REPO / "notebooks" / "01-quickstart.ipynb")]:
        path = pathlib.Path(arg)
        paths += sorted(filter(charted, path.glob("*.ipynb"))) if path.is_dir() else [path]
    if not paths:
        say(f"lab_check: no notebook with a chart in {' '.join(args)}")
        return 2
    for tool in (JUPYTER, KERNEL_PYTHON):
        if not tool.exists():
            say(f"lab_check: {tool} missing: run kernel/install.sh first")
            return 2
    if not os.access(CHROMIUM, os.X_OK):
        say(f"lab_check: no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set ABLATE_CHROMIUM)")
        return 2

    work = out or pathlib.Path(tempfile.mkdtemp(prefix="ablate-lab-check-"))
    work.mkdir(parents=True, exist_ok=True)
    root, state = work / "notebooks", pathlib.Path(tempfile.mkdtemp(prefix="ablate-lab-state-"))
    root.mkdir(exist_ok=True)
    profile = state / "chromium-profile"
    lab = Lab(root, state, work / "jupyterlab.log")
    passed = failed = 0
    started = time.monotonic()
    left_server, left_browser = [], []

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    try:
        cases = []
        for path in paths:
            nb = executed(path, work)
            variants = [(path.stem, nb)]
            if data_uri:
                variants.append((path.stem + "-datauri", data_uri_variant(nb)))
            for stem, variant in variants:
                trusted_name, untrusted_name = f"{stem}.ipynb", f"{stem}-untrusted.ipynb"
                (root / trusted_name).write_text(json.dumps(variant, indent=1))
                copy = json.loads(json.dumps(variant))
                copy.setdefault("metadata", {})["ablate_lab_check"] = {"copy_of": trusted_name, "trusted": False}
                (root / untrusted_name).write_text(json.dumps(copy, indent=1))
                cases += [(trusted_name, variant, True), (untrusted_name, copy, False)]
        lab_started = time.monotonic()
        lab.start()
        for name, _, want_trusted in cases:
            if want_trusted:
                lab.trust(root / name)
        say(f"JupyterLab up on 127.0.0.1:{lab.port} in {time.monotonic() - lab_started:.1f} s (root {root})")
        with sync_playwright() as p:
            browser = p.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT
            )
            try:
                for page in browser.pages:
                    page.close()
                for name, nb, want_trusted in cases:
                    if run_case(browser, lab, work, name, nb, want_trusted):
                        passed += 1
                    else:
                        failed += 1
                kernels = lab.api("/api/kernels")
                if kernels:
                    say(f"FAIL no kernel should have started, found {len(kernels)}")
                    failed += 1
            finally:
                browser.close()
    except (RuntimeError, OSError, PlaywrightError, KeyboardInterrupt) as e:
        say(f"FAIL lab check: {e}")
        failed += 1
    finally:
        left_server = lab.stop()
        left_browser = processes(lambda pid, stat, cmd: str(profile) in cmd)
        for pid in left_browser:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(state, ignore_errors=True)  # token, notebook secret, signatures, profile
    if left_server or left_browser:
        say(f"FAIL processes left after stopping: JupyterLab {left_server}, Chromium {left_browser} (killed)")
        failed += 1
    say(f"work directory (notebooks, screenshots): {work}")
    say(f"lab check: {passed} passed, {failed} failed ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
