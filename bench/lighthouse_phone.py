"""Lighthouse mobile performance of the inspector's screens: 今日路线, 检查 and 记录 (target ≥ 0.95).

Lighthouse is not a project dependency. Get it outside the project, then run this:

    npm install --prefix /tmp/lh lighthouse
    CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse_phone.py

It looks for LIGHTHOUSE (a path), then /tmp/lh/node_modules/.bin/lighthouse, then `lighthouse`
on PATH. The app is served from a thread with the demo street; an inspector signs in once in a
Chromium profile, and Lighthouse (default mobile settings: simulated slow 4G, 4× CPU) measures
each screen in that profile with its storage kept (the session lives in IndexedDB). Each screen
is measured --runs times (default 3) and the run with the median score is printed, with the range:
Lighthouse's own advice, and on a shared machine single runs swing by ±0.08.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import serve_phone_screens, wait_until

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
TARGET = 0.95
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def find_lighthouse() -> str | None:
    """The lighthouse command, if installed somewhere we know."""
    for candidate in (os.environ.get("LIGHTHOUSE"), "/tmp/lh/node_modules/.bin/lighthouse",
                      shutil.which("lighthouse")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def audit(lighthouse: str, url: str, port: int) -> dict:
    """Run Lighthouse's performance category on a URL in the running Chromium."""
    out = subprocess.run(
        [lighthouse, url, f"--port={port}", "--only-categories=performance", "--disable-storage-reset",
         "--output=json", "--output-path=stdout", "--quiet", "--form-factor=mobile"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    report = json.loads(out.stdout)
    a = report["audits"]
    return {"score": report["categories"]["performance"]["score"],
            "tbt": a["total-blocking-time"]["numericValue"], "lcp": a["largest-contentful-paint"]["numericValue"],
            "fcp": a["first-contentful-paint"]["numericValue"], "cls": a["cumulative-layout-shift"]["numericValue"],
            "mainthread": a["mainthread-work-breakdown"]["numericValue"],
            "long_tasks": [round(t["duration"]) for t in a.get("long-tasks", {}).get("details", {}).get("items", [])],
            "groups": [(i["groupLabel"], round(i["duration"])) for i in a["mainthread-work-breakdown"]["details"]["items"]],
            "tasks": [(t.get("url", "").rsplit("/", 1)[-1], round(t["startTime"]), round(t["duration"]))
                      for t in a.get("long-tasks", {}).get("details", {}).get("items", [])],
            "bootup": [(i["url"].rsplit("/", 1)[-1], round(i["scripting"]))
                       for i in a["bootup-time"].get("details", {}).get("items", [])][:5]}


def main() -> int:
    """Serve the app, sign in, audit three screens, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per screen; the median is printed")
    parser.add_argument("-v", action="store_true", help="also where the main thread's time went")
    args = parser.parse_args()
    lighthouse = find_lighthouse()
    if not lighthouse:
        print("Lighthouse is not installed. Get it outside the project and run again:\n"
              "  npm install --prefix /tmp/lh lighthouse\n"
              "  CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse_phone.py\n"
              "(or set LIGHTHOUSE=/path/to/lighthouse)")
        return 0
    from playwright.sync_api import sync_playwright

    server, base, screens = serve_phone_screens()
    port = free_port()
    profile = tempfile.mkdtemp(prefix="cc-lh-")
    failures = 0
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS + [f"--remote-debugging-port={port}"],
            viewport={"width": 360, "height": 640}, permissions=["geolocation"],
            geolocation={"latitude": 42.978301, "longitude": 126.737935, "accuracy": 10})
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        page.goto(base + "/")
        page.wait_for_selector("#username")
        page.fill("#username", "inspector")
        page.fill("#password", "bench")
        page.click("button[type=submit]")
        page.wait_for_selector("#route-list li")
        wait_until(page, "navigator.serviceWorker.ready.then(() => true)")
        page.goto(base + "/#/me")  # Lighthouse opens its own tab
        print(f"Lighthouse mobile performance ({lighthouse}), target ≥ {TARGET}")
        for name, hash_, _ in screens:
            runs = sorted((audit(lighthouse, f"{base}/{hash_}", port) for _ in range(max(1, args.runs))),
                          key=lambda x: x["score"])
            r = runs[len(runs) // 2]
            ok = r["score"] >= TARGET
            failures += not ok
            print(f"  {name:<5} score {r['score']:.2f} (runs {runs[0]['score']:.2f}–{runs[-1]['score']:.2f})  TBT {r['tbt']:.0f} ms  LCP {r['lcp'] / 1000:.2f} s  "
                  f"FCP {r['fcp'] / 1000:.2f} s  CLS {r['cls']:.3f}  main thread {r['mainthread'] / 1000:.2f} s  "
                  f"long tasks {r['long_tasks'] or '-'}  {'PASS' if ok else 'FAIL'}")
            if args.v:
                print(f"        by kind: {r['groups']}\n        scripting by file: {r['bootup']}\n        long tasks (file, start, ms): {r['tasks']}")
        ctx.close()
    server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
