"""A real service on a loopback port and a headless Chromium (Debian's) driven by Selenium.

The browser tests need ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (``apt-get install
chromium chromium-driver``; ``.ci/run`` installs them). Without them the tests fail, naming the
missing file, unless ``NEUROROOT_SKIP_BROWSER=1`` says to skip them. Nothing is downloaded:
Selenium is pointed at Debian's driver, so its driver manager never runs. Screenshots go to
``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import threading
import typing as t
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from service import create_app

CHROMIUM = Path(os.environ.get("NEUROROOT_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("NEUROROOT_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = Path(__file__).parent.parent / "artifacts"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The service (SQLite store) served by a threaded werkzeug server on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "TESTING": True,
            "SQLITE_PATH": str(folder / "live.sqlite3"),
            "AUDIT_LOG": str(folder / "audit.ndjson"),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> t.Iterator[t.Any]:
    """Headless Chromium, 1280 px wide."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        if os.environ.get("NEUROROOT_SKIP_BROWSER") == "1":
            pytest.skip(f"NEUROROOT_SKIP_BROWSER=1 and {', '.join(missing)} missing")
        pytest.fail(
            f"browser tests need {', '.join(missing)}: apt-get install -y chromium "
            "chromium-driver (or set NEUROROOT_SKIP_BROWSER=1 to skip them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--lang=en-GB",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: t.Any, name: str) -> Path:
    """Save a full-page screenshot of the current page as tests/artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)"
    )
    driver.set_window_size(1280, min(max(int(height) + 40, 800), 6000))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path
