"""Screenshots of the real Home Assistant UI for the README.

Starts ``scripts/develop`` (the emulated household and Home Assistant with
this integration) on a fresh configuration folder and a free port, finishes
Home Assistant's onboarding over its REST API, logs a headless Chromium in and
saves PNGs of the integration's pages to ``media/screenshots/``. Home Assistant
and the emulator are stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
import contextlib
from dataclasses import dataclass
import io
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any
import urllib.parse
import urllib.request

from PIL import Image, ImageDraw
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "media" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW = (1280, 900)
# Pages taller than the window are shot whole, up to this height.
MAX_HEIGHT = 2400
# The first speaker of the household scripts/develop emulates: if it already
# answers, another scripts/develop runs and this one's emulator cannot start.
EMULATOR = ("127.0.0.2", 1400)
# One of the example chimes scripts/develop.py seeds.
CHIME = "Morning bell"
USER = {
    "name": "Demo",
    "username": "demo",
    "password": "screenshots",  # a throwaway instance's owner
    "language": "en",
}
START_TIMEOUT = 300
TIMEOUT = 60

# Every element matching a CSS selector, across shadow roots: the frontend is
# made of nested web components, out of reach of a plain querySelector. With
# text, only elements whose rendered text contains it; only visible ones.
DEEP_QUERY = """
const [selector, text] = arguments;
const found = [];
const visible = (el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0
    && getComputedStyle(el).visibility !== "hidden";
};
const visit = (root) => {
  for (const el of root.querySelectorAll("*")) {
    if (el.matches(selector) && visible(el)
        && (!text || (el.innerText || "").includes(text))) {
      found.push(el);
    }
    if (el.shadowRoot) visit(el.shadowRoot);
  }
};
visit(document);
return found;
"""

# What the page still loads: visible spinners, images not yet decoded.
BUSY = """
const busy = [];
const visit = (root) => {
  for (const el of root.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    const shown = box.width > 0 && box.height > 0;
    if (shown && el.matches("ha-spinner, ha-circular-progress, md-circular-progress")) {
      busy.push(el.localName);
    }
    if (shown && el.localName === "img" && !(el.complete && el.naturalWidth > 0)) {
      busy.push(`img ${el.src}`);
    }
    if (el.shadowRoot) visit(el.shadowRoot);
  }
};
visit(document);
if (document.fonts.status !== "loaded") busy.push("fonts");
return busy;
"""

# How far the tallest scrolling area overflows: what the window lacks to show
# the whole page (or dialog) without a scroll bar.
OVERFLOW = """
let most = 0;
const visit = (root) => {
  for (const el of root.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowY) && el.clientHeight > 100) {
      most = Math.max(most, el.scrollHeight - el.clientHeight);
    }
    if (el.shadowRoot) visit(el.shadowRoot);
  }
};
visit(document);
return most;
"""

# Runs a websocket command as the logged-in frontend: the REST API has none
# for these.
CALL_WS = """
const [message, done] = arguments;
const hass = document.querySelector("home-assistant")?.hass;
if (!hass?.connected) { done({error: "not connected"}); return; }
hass.callWS(message).then(
  (result) => done({result: result ?? null}),
  (err) => done({error: err.message || err.code || String(err)}),
);
"""


@dataclass
class Develop:
    """A running scripts/develop: Home Assistant's URL, the process, its log."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class Session:
    """A running, onboarded Home Assistant and its owner's tokens."""

    base: str
    tokens: dict[str, Any]

    @property
    def token(self) -> str:
        """The owner's access token."""
        return str(self.tokens["access_token"])


# Home Assistant and scripts/develop


def free_port() -> int:
    """A TCP port nobody listens on now, for this run's Home Assistant."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(host: str, port: int) -> bool:
    """True if something already listens there."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def skip_core_config_step(config: Path) -> None:
    """Mark onboarding's core_config step done before Home Assistant starts.

    Finished through the API, that step sets up met, radio_browser,
    google_translate and shopping_list, which would pip-install their
    requirements into the shared .venv and call out to the internet. It does
    nothing else the screenshots need; the API finishes every other step.
    """
    storage = config / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    (storage / "onboarding").write_text(
        json.dumps(
            {
                "version": 4,
                "minor_version": 1,
                "key": "onboarding",
                "data": {"done": ["core_config"]},
            }
        ),
        encoding="utf-8",
    )


@contextlib.contextmanager
def develop(config: Path, port: int) -> Iterator[Develop]:
    """Run scripts/develop on ``config`` and ``port`` until the block ends.

    It runs in a process group of its own, so that whatever it started can be
    stopped with it.
    """
    log = config / "develop.log"
    env = os.environ | {"HA_CONFIG": str(config), "HA_PORT": str(port)}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "develop")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    print(f"screenshots: scripts/develop on port {port} (pid {process.pid})")
    try:
        yield Develop(f"http://127.0.0.1:{port}", process, log)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop scripts/develop, which stops Home Assistant and the emulator.

    SIGTERM lets scripts/develop stop its children itself; its process group
    is killed if that takes over a minute, and whatever is left after.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("screenshots: scripts/develop did not stop in time, killing it")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    print("screenshots: Home Assistant and the emulator stopped")


def call(
    url: str,
    data: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    form: bool = False,
    timeout: float = 30,
) -> Any:
    """GET ``url``, or POST ``data`` as JSON (or a form); JSON answers decoded."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = None
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:
        if response.headers.get_content_type() == "application/json":
            return json.load(response)
        return response.read().decode()


def poll[T](what: str, probe: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
    """Call ``probe`` until it returns something; errors count as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, ValueError, KeyError):
            if (result := probe()) is not None:
                return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(1)


def wait_for_home_assistant(instance: Develop) -> None:
    """Wait until Home Assistant answers; fail at once if scripts/develop ended."""

    def answering() -> bool | None:
        if (code := instance.process.poll()) is not None:
            raise RuntimeError(
                f"scripts/develop exited ({code}) before Home Assistant answered"
            )
        call(f"{instance.base}/api/onboarding")
        return True

    poll("Home Assistant to answer", answering, START_TIMEOUT)


def onboard(base: str) -> Session:
    """Finish onboarding over the REST API, as the frontend's wizard does.

    The tokens are issued to the client id the frontend uses on this origin,
    so the browser can refresh them as if it had logged in itself.
    """
    client_id = f"{base}/"
    code = call(f"{base}/api/onboarding/users", USER | {"client_id": client_id})
    tokens = call(
        f"{base}/auth/token",
        {
            "grant_type": "authorization_code",
            "code": code["auth_code"],
            "client_id": client_id,
        },
        form=True,
    )
    session = Session(base, tokens | {"client_id": client_id})
    call(f"{base}/api/onboarding/analytics", {}, token=session.token)
    call(
        f"{base}/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{client_id}?auth_callback=1"},
        token=session.token,
    )
    steps = call(f"{base}/api/onboarding")
    if not all(step["done"] for step in steps):
        raise RuntimeError(f"onboarding did not finish: {steps}")
    print("screenshots: onboarding done")
    return session


def template(session: Session, text: str) -> str:
    """Render a template: how the REST API tells devices and their entities."""
    return str(
        call(f"{session.base}/api/template", {"template": text}, token=session.token)
    )


def wait_until_running(session: Session) -> str:
    """Wait until Home Assistant has started; the device id of ``CHIME``."""

    def running() -> bool | None:
        config = call(f"{session.base}/api/config", token=session.token)
        return True if config["state"] == "RUNNING" else None

    poll("Home Assistant to start", running, START_TIMEOUT)
    return poll(f"the device of {CHIME!r}", lambda: chime_device(session))


def chime_device(session: Session) -> str | None:
    """The device id of the chime ``CHIME``, once it has one."""
    rendered = template(
        session,
        "{% for d in integration_entities('sonos_chime') | map('device_id')"
        " | reject('none') | unique %}"
        "{{ d }}\t{{ device_attr(d, 'name') }}\n{% endfor %}",
    )
    for line in rendered.splitlines():
        device, _, name = line.partition("\t")
        if name == CHIME:
            return device
    return None


def play_chime(session: Session, device: str) -> None:
    """Press the chime's Play button: its Last played sensor gets a value.

    Only for looks: a failure is reported and the screenshots go on.
    """
    entities = json.loads(
        template(session, f"{{{{ device_entities('{device}') | tojson }}}}")
    )
    buttons = [entity for entity in entities if entity.startswith("button.")]
    sensors = [entity for entity in entities if entity.startswith("sensor.")]
    if not buttons:
        print(f"screenshots: {CHIME!r} has no button to press")
        return

    def all_known() -> bool | None:
        states = [
            call(f"{session.base}/api/states/{sensor}", token=session.token)["state"]
            for sensor in sensors
        ]
        return True if "unknown" not in states and "unavailable" not in states else None

    try:
        call(
            f"{session.base}/api/services/button/press",
            {"entity_id": buttons[0]},
            token=session.token,
            timeout=120,
        )
        poll(f"the sensors of {CHIME!r}", all_known)
    except (OSError, TimeoutError) as err:
        print(f"screenshots: playing {CHIME!r} did not work out ({err}), going on")


# The browser


def browser() -> webdriver.Chrome:
    """Headless Debian Chromium, driven by Debian's chromedriver.

    Giving the Service the driver's path keeps Selenium Manager from looking
    for (and downloading) a driver of its own.
    """
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # we run as root
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-prefers-reduced-motion",  # dialogs open without animation
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(TIMEOUT)
    resize(driver, WINDOW[1])
    return driver


def resize(driver: webdriver.Chrome, height: int) -> None:
    """Set the page's viewport, exactly: the window's size includes its frame."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WINDOW[0], "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def log_in(driver: webdriver.Chrome, session: Session) -> None:
    """Hand the frontend the owner's tokens, with light theme and 24 h times.

    The frontend keeps its tokens in localStorage (``hassTokens``): with them
    there, it skips the login page. en-GB reads as English with 24 h times.
    """
    driver.get(f"{session.base}/robots.txt")
    tokens = session.tokens
    stored = {
        "hassTokens": {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_type": "Bearer",
            "expires_in": tokens["expires_in"],
            "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
            "hassUrl": session.base,
            "clientId": tokens["client_id"],
        },
        "selectedTheme": {"theme": "default", "dark": False},
        "selectedLanguage": "en-GB",
        # Developer tools > Actions opens on the last action, in UI mode.
        "panel-dev-action-state-yaml-mode": False,
        "panel-dev-action-state-service-data": {
            "action": "sonos_chime.play",
            "target": {},
            "data": {},
        },
    }
    for key, value in stored.items():
        driver.execute_script(
            "localStorage.setItem(arguments[0], arguments[1]);", key, json.dumps(value)
        )
    driver.get(f"{session.base}/config/dashboard")
    WebDriverWait(driver, TIMEOUT).until(
        lambda d: ws(d, {"type": "auth/current_user"}) is not None,
        "the frontend did not log in",
    )
    if "/auth/" in driver.current_url:
        raise RuntimeError(f"the frontend shows its login page: {driver.current_url}")


def ws(driver: webdriver.Chrome, message: dict[str, Any]) -> Any:
    """Run a websocket command through the frontend; None until it connected."""
    answer = driver.execute_async_script(CALL_WS, message)
    if answer.get("error") == "not connected":
        return None
    if "error" in answer:
        raise RuntimeError(f"{message['type']}: {answer['error']}")
    return answer["result"]


def tidy_up(driver: webdriver.Chrome) -> None:
    """Keep what scripts/develop's configuration causes out of the pictures.

    Repair issues of other integrations are ignored and the updates they
    offer (the demo integration's) skipped, so that Settings shows no badge;
    this integration's own repair issues stay.
    """
    for issue in ws(driver, {"type": "repairs/list_issues"})["issues"]:
        if issue["domain"] != "sonos_chime" and not issue["ignored"]:
            ws(
                driver,
                {
                    "type": "repairs/ignore_issue",
                    "domain": issue["domain"],
                    "issue_id": issue["issue_id"],
                    "ignore": True,
                },
            )
    updates = [
        state["entity_id"]
        for state in ws(driver, {"type": "get_states"})
        if state["entity_id"].startswith("update.") and state["state"] == "on"
    ]
    if updates:
        ws(
            driver,
            {
                "type": "call_service",
                "domain": "update",
                "service": "skip",
                "target": {"entity_id": updates},
            },
        )


def find(driver: webdriver.Chrome, selector: str = "*", text: str = "") -> WebElement:
    """Wait for a visible element (across shadow roots), optionally with text."""
    what = f"{selector} with {text!r}" if text else selector
    found: list[WebElement] = WebDriverWait(driver, TIMEOUT).until(
        lambda d: d.execute_script(DEEP_QUERY, selector, text),
        f"nothing shows {what} on {driver.current_url}",
    )
    return found[-1]


def settle(driver: webdriver.Chrome) -> None:
    """Wait until no spinner turns and every image and font is loaded.

    Then a moment more for the last re-render of what just arrived.
    """
    try:
        WebDriverWait(driver, TIMEOUT).until(lambda d: not d.execute_script(BUSY))
    except TimeoutException as err:
        raise TimeoutException(
            f"still loading on {driver.current_url}: {driver.execute_script(BUSY)}"
        ) from err
    time.sleep(1)


def open_page(driver: webdriver.Chrome, session: Session, path: str) -> None:
    """Go to a page of the frontend: a fresh load, at the window's height."""
    resize(driver, WINDOW[1])
    driver.get(f"{session.base}{path}")


def shoot(driver: webdriver.Chrome, name: str, crop: WebElement | None = None) -> Path:
    """Save the page as ``name``.png; the path.

    The viewport grows until no scrolling area hides anything (up to
    MAX_HEIGHT), so nothing is cut off; ``crop`` keeps only that element's
    box.
    """
    height = WINDOW[1]
    for _ in range(4):
        overflow = driver.execute_script(OVERFLOW)
        if overflow <= 0 or height >= MAX_HEIGHT:
            break
        height = min(height + overflow, MAX_HEIGHT)
        resize(driver, height)
        settle(driver)
    image = Image.open(io.BytesIO(driver.get_screenshot_as_png())).convert("RGBA")
    if crop is not None:
        image = cut_out(driver, image, crop)
    path = OUTPUT / f"{name}.png"
    save_small(image, path)
    size = f"{image.width}x{image.height}, {path.stat().st_size // 1024} KiB"
    print(f"screenshots: {path.relative_to(ROOT)} ({size})")
    return path


def cut_out(
    driver: webdriver.Chrome, image: Image.Image, element: WebElement
) -> Image.Image:
    """Only ``element``'s box of the screenshot, its rounded corners clear.

    Clear corners show the page's background around a dialog, not the dimmed
    page behind it.
    """
    left, top, right, bottom, radius = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "const radius = parseFloat(getComputedStyle(arguments[0]).borderTopLeftRadius);"
        "return [r.left, r.top, r.right, r.bottom, radius || 0];",
        element,
    )
    image = image.crop((round(left), round(top), round(right), round(bottom)))
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, image.width - 1, image.height - 1), radius=round(radius), fill=255
    )
    image.putalpha(mask)
    return image


def save_small(image: Image.Image, path: Path) -> None:
    """Save as a PNG with a palette: a third of the size, alike for a flat UI.

    Pixels more than half clear become the palette's last, clear, colour.
    """
    palette = image.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    colours = palette.getpalette() or []
    palette.putpalette(colours + [0] * (768 - len(colours)))
    clear = image.getchannel("A").point(lambda alpha: 255 if alpha < 128 else 0)
    palette.paste(255, mask=clear)
    partial = path.with_name(f".{path.name}.partial")
    palette.save(partial, format="PNG", optimize=True, transparency=255)
    partial.replace(path)  # an interrupted run leaves no half-written PNG


# The screenshots


def integration_page(driver: webdriver.Chrome, session: Session) -> Path:
    """Settings > Devices & services > Sonos Chime: the household and its chimes."""
    open_page(driver, session, "/config/integrations/integration/sonos_chime")
    find(driver, text=CHIME)
    settle(driver)
    return shoot(driver, "integration")


def device_page(driver: webdriver.Chrome, session: Session) -> Path:
    """A chime's device page: its sensors, time, switches and Play button."""
    device = chime_device(session)
    open_page(driver, session, f"/config/devices/device/{device}")
    find(driver, text="Next chime")
    settle(driver)
    return shoot(driver, "chime-device")


def add_chime_form(driver: webdriver.Chrome, session: Session) -> Path:
    """The Add chime form, opened from the integration page's button."""
    open_page(driver, session, "/config/integrations/integration/sonos_chime")
    find(driver, "ha-button", "Add chime").click()
    find(driver, "ha-form")
    settle(driver)
    dialog = find(driver, "dialog[open]")
    return shoot(driver, "add-chime", crop=dialog)


def options_form(driver: webdriver.Chrome, session: Session) -> Path:
    """The household's options (its gear, Configure): All zones, present and future."""
    open_page(driver, session, "/config/integrations/integration/sonos_chime")
    find(driver, text=CHIME)
    settle(driver)
    [configure] = [
        button
        for button in driver.execute_script(DEEP_QUERY, "ha-icon-button", "")
        if button.get_attribute("label") == "Configure"
    ][:1]
    configure.click()
    find(driver, "ha-form")
    settle(driver)
    dialog = find(driver, "dialog[open]")
    return shoot(driver, "options", crop=dialog)


def action_page(driver: webdriver.Chrome, session: Session) -> Path:
    """Developer tools > Actions on sonos_chime.play, in UI mode.

    The page opens on the action log_in stored as the last one used.
    """
    open_page(driver, session, "/developer-tools/action")
    find(driver, text="sonos_chime.play")
    find(driver, "ha-settings-row")
    settle(driver)
    return shoot(driver, "play-action")


SHOTS = (integration_page, device_page, add_chime_form, options_form, action_page)


def take_screenshots(session: Session) -> list[Path]:
    """Log a browser in and take every screenshot.

    On failure, what the browser showed is saved in the temporary folder
    (not with the screenshots), to tell what went wrong.
    """
    driver = browser()
    try:
        log_in(driver, session)
        tidy_up(driver)
        return [shot(driver, session) for shot in SHOTS]
    except WebDriverException, RuntimeError, TimeoutError:
        failed = Path(tempfile.gettempdir()) / "sonos-chime-screenshots-failed.png"
        with contextlib.suppress(WebDriverException):
            driver.save_screenshot(failed)
            print(f"screenshots: what the browser showed is in {failed}")
        raise
    finally:
        driver.quit()


def check_prerequisites() -> None:
    """Fail early, and clearly, on what would fail late."""
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(tool):
            raise SystemExit(
                f"screenshots: {tool} is missing: apt-get install chromium chromium-driver"
            )
    if answers(*EMULATOR):
        raise SystemExit(
            f"screenshots: {EMULATOR[0]}:{EMULATOR[1]} already answers: stop the"
            " other scripts/develop first (the emulated household needs it)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Take the screenshots; print where each PNG went."""
    parser = argparse.ArgumentParser(
        prog="scripts/screenshots", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--keep-config",
        action="store_true",
        help="keep the temporary Home Assistant configuration (and its logs)",
    )
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C does, so Home Assistant is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    check_prerequisites()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    config = Path(tempfile.mkdtemp(prefix="sonos-chime-screenshots-"))
    try:
        skip_core_config_step(config)
        with develop(config, free_port()) as instance:
            try:
                wait_for_home_assistant(instance)
                session = onboard(instance.base)
                play_chime(session, wait_until_running(session))
                take_screenshots(session)
            except Exception:
                log = instance.log.read_text(errors="replace")
                print(f"screenshots: the end of scripts/develop's log:\n{log[-3000:]}")
                raise
    finally:
        if args.keep_config:
            print(f"screenshots: Home Assistant's configuration is kept in {config}")
        else:
            shutil.rmtree(config, ignore_errors=True)
    print(f"screenshots: done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
