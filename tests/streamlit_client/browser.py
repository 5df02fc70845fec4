"""Run the app and drive Debian's headless Chromium over the DevTools protocol (websocket; no new dependency).

Used by the real-browser test and to regenerate the README screenshots:
`python -m tests.streamlit_client.browser docs/screenshots` (trains the tiny model, serves it, runs the app).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import requests
from websockets.sync.client import ClientConnection, connect

from tests.support.server import free_port, model_server, stop_process
from tests.support.tiny_model import train_tiny_model

PROJECT_DIR = Path(__file__).resolve().parents[2]
APP_PATH = PROJECT_DIR / "streamlit_client" / "app.py"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
)
WINDOW = (1400, 1500)


def chromium_path() -> str | None:
    """The Chromium binary of the Debian package, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextlib.contextmanager
def streamlit_app(api_url: str, tracking_uri: str, *, timeout_s: float = 60.0) -> Iterator[str]:
    """Run `streamlit run streamlit_client/app.py` on a free 127.0.0.1 port; yield its URL; always stop it."""
    port = free_port()
    env = {
        **os.environ,
        "CREDIT_SCORING_API_URL": api_url,
        "MLFLOW_TRACKING_URI": tracking_uri,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="streamlit-app-") as workdir:
        # the app's own config (viewer toolbar, theme) is read from the working directory, as in the image
        shutil.copytree(PROJECT_DIR / ".streamlit", Path(workdir) / ".streamlit")
        log_path = Path(workdir) / "streamlit.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                command, env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                deadline = time.monotonic() + timeout_s
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(
                            f"streamlit exited with {process.returncode}:\n{log_path.read_text()}"
                        )
                    with contextlib.suppress(requests.RequestException):
                        if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                            break
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"streamlit not healthy after {timeout_s:.0f} s:\n{log_path.read_text()}"
                        )
                    time.sleep(0.25)
                yield url
            finally:
                stop_process(process)


class Browser:
    """One headless Chromium page driven over the DevTools protocol."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are ignored)."""
        self._next_id += 1
        self._socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        """Navigate to url."""
        self.call("Page.navigate", url=url)

    def page_text(self) -> str:
        """The visible text of the page."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for_text(self, text: str, *, timeout_s: float = 90.0) -> str:
        """Wait until `text` is visible, the app has stopped running and the page is still; return its text.

        Streamlit loads widget code lazily, so the page must also be unchanged between two polls.
        """
        deadline = time.monotonic() + timeout_s
        previous = None
        while time.monotonic() < deadline:
            page = self.page_text()
            failure = self.evaluate(
                "(() => { const e = document.querySelector('[data-testid=\"stException\"]');"
                " return e ? e.innerText : null; })()"
            )
            if failure:
                raise AssertionError(f"the app shows an exception:\n{failure[:2000]}")
            running = self.evaluate("!!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            if text in page and not running and self.charts_drawn() and page == previous:
                return page
            previous = page
            time.sleep(0.5)
        raise AssertionError(
            f"{text!r} not visible after {timeout_s:.0f} s; page shows:\n{self.page_text()[:2000]}"
        )

    def count(self, selector: str) -> int:
        """How many elements of the page match a CSS selector."""
        return int(self.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length") or 0)

    def charts_drawn(self) -> bool:
        """Whether every Plotly chart on the page has drawn its SVG (plotly.js loads after the text)."""
        return bool(
            self.evaluate(
                "[...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
                ".every(c => c.querySelector('.main-svg'))"
            )
        )

    def type_into(self, aria_label: str, value: str, *, timeout_s: float = 15.0) -> None:
        """Replace the content of the input labelled `aria_label` and press Enter."""
        focus = (
            f"(() => {{ const e = document.querySelector('input[aria-label={json.dumps(aria_label)}]');"
            " if (!e) return false; e.focus(); e.select(); return true; })()"
        )
        deadline = time.monotonic() + timeout_s
        while not self.evaluate(focus):
            if time.monotonic() > deadline:
                raise AssertionError(f"no input labelled {aria_label!r}")
            time.sleep(0.3)
        self.call("Input.insertText", text=value)
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter", windowsVirtualKeyCode=13
            )

    def click_button(self, label: str) -> None:
        """Click the first button whose text contains `label`."""
        clicked = self.evaluate(
            "(() => { const b = [...document.querySelectorAll('button')]"
            f".find(b => b.innerText.includes({json.dumps(label)})); if (b) b.click(); return !!b; }})()"
        )
        if not clicked:
            raise AssertionError(f"no button with text {label!r}")

    def upload(self, path: Path) -> None:
        """Give a file to the page's file input, as a user picking it would."""
        root = self.call("DOM.getDocument", depth=-1, pierce=True)["root"]["nodeId"]
        node = self.call("DOM.querySelector", nodeId=root, selector="input[type=file]")["nodeId"]
        if not node:
            raise AssertionError("no file input on the page")
        self.call("DOM.setFileInputFiles", files=[str(path)], nodeId=node)

    def screenshot(self, path: Path, *, height: int | None = None) -> Path:
        """Save a PNG of the window; a taller `height` shows more of a long page (the app scrolls inside)."""
        if height is not None:
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=WINDOW[0],
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
            time.sleep(1.0)  # let the charts re-layout to the new size
            self.wait_for_text("")
        data = self.call("Page.captureScreenshot", format="png")["data"]
        if height is not None:
            self.call("Emulation.clearDeviceMetricsOverride")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextlib.contextmanager
def chromium(*, window: tuple[int, int] = WINDOW, timeout_s: float = 30.0) -> Iterator[Browser]:
    """Start headless Chromium with a throwaway profile; yield a Browser on its first page; always stop it."""
    binary = chromium_path()
    if binary is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        command = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={window[0]},{window[1]}",
        ]
        process = subprocess.Popen(
            [*command, "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + timeout_s
            while not (port_file.is_file() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"chromium did not open its DevTools port (exit code {process.poll()})"
                    )
                time.sleep(0.1)
            port = int(port_file.read_text().splitlines()[0])
            targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=5).json()
            page = next(t for t in targets if t["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None, proxy=None) as socket:
                browser = Browser(socket)
                browser.call("Page.enable")
                yield browser
        finally:
            stop_process(process)


def capture_journeys(
    browser: Browser, app_url: str, client_id: int, out_dir: Path, batch_csv: Path
) -> dict[str, tuple[Path, str, int]]:
    """Walk the five journeys, wait for each one's key text, save a screenshot; (shot, page text, charts)."""
    seen: dict[str, tuple[Path, str, int]] = {}

    def shoot(name: str, page: str, height: int | None = None) -> None:
        charts = browser.count('[data-testid="stPlotlyChart"]')
        seen[name] = (browser.screenshot(out_dir / f"{name}.png", height=height), page, charts)

    browser.open(f"{app_url}/?view=decision&client={client_id}")
    shoot("1_decision", browser.wait_for_text("The client's file"), height=1900)
    browser.open(f"{app_url}/?view=why&client={client_id}")
    shoot("2_understand_the_score", browser.wait_for_text("What matters for all clients"), height=1700)
    browser.open(f"{app_url}/?view=compare&client={client_id}")
    shoot("3_compare", browser.wait_for_text("most similar clients"), height=2300)
    browser.open(f"{app_url}/?view=what_if&client={client_id}")
    browser.wait_for_text("Re-score with my edits")
    browser.type_into("Credit amount (currency units)", "2000000")
    browser.type_into("External score 2 (0 to 1)", "0.8")
    browser.click_button("Re-score with my edits")
    shoot("4_what_if", browser.wait_for_text("Risk with your edits"), height=1700)
    browser.open(f"{app_url}/?view=batch")
    browser.wait_for_text("Applicants (CSV)")
    browser.upload(batch_csv)
    shoot("5_batch", browser.wait_for_text("Download the results"))
    return seen


def batch_file(reference: pd.DataFrame, path: Path) -> Path:
    """A small applicants file: known clients by id, one with a bad cell, one new applicant by its fields."""
    ids = [int(i) for i in reference["SK_ID_CURR"].head(10)]
    lines = ["SK_ID_CURR,AMT_INCOME_TOTAL,AMT_CREDIT,AMT_ANNUITY"]
    lines += [f"{i},,," for i in ids[:-1]]
    lines += [f"{ids[-1]},,twenty thousand,", "123,135000,568800,20560.5"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str]) -> None:
    """Regenerate the README screenshots with a freshly trained tiny model."""
    out_dir = Path(argv[0] if argv else "docs/screenshots").resolve()
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        model = train_tiny_model(Path(tmp) / "model")
        local = mlflow.artifacts.download_artifacts(
            run_id=model.run_id,
            artifact_path="reference_sample.parquet",
            tracking_uri=model.tracking_uri,
            dst_path=tmp,
        )
        reference = pd.read_parquet(local)
        refused = reference[reference["decision"] == "refused"]
        client_id = int((refused if not refused.empty else reference)["SK_ID_CURR"].iloc[0])
        batch = Path(tmp) / "applicants.csv"
        batch_file(reference, batch)
        env = {"CREDIT_SCORING_PREDICTION_LOG": "none"}
        with (
            model_server(model.model_uri, model.tracking_uri, env=env) as api_url,
            streamlit_app(api_url, model.tracking_uri) as app_url,
            chromium() as browser,
        ):
            for path, _, _ in capture_journeys(browser, app_url, client_id, out_dir, batch).values():
                print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
