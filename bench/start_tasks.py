"""Main-thread long tasks while the inspector's screens start, on a cheap phone's CPU (target: none over 50 ms).

Lighthouse (bench/lighthouse_phone.py) simulates a slow phone from a fast run; this benchmark
slows the CPU for real (Chromium's CPU throttling, 4× as Lighthouse's mobile profile) and records
every main-thread task over 50 ms with the browser's own Long Tasks API, from navigation until
the screen has been still for two seconds. Also the same after a GPS fix arrives on 今日路线.

    .venv/bin/python bench/start_tasks.py [--runs 5] [--rate 4]

Prints, per screen, the longest task of each run and the median; exits 1 when a median is over
50 ms.
"""
import argparse
import logging
import statistics
import sys

from _common import serve_phone_screens, wait_until

CHROMIUM = "/usr/bin/chromium"
LIMIT_MS = 50
OBSERVE = """window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
}).observe({ type: "longtask", buffered: true });"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rate", type=float, default=4, help="CPU slow-down factor")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    logging.disable(logging.CRITICAL)
    server, base, screens = serve_phone_screens()
    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 360, "height": 640}, permissions=["geolocation"],
                                  geolocation={"latitude": 42.978301, "longitude": 126.737935, "accuracy": 10})
        ctx.add_init_script(OBSERVE)
        page = ctx.new_page()
        page.goto(base + "/")
        page.fill("#username", "inspector")
        page.fill("#password", "bench")
        page.click("button[type=submit]")
        page.wait_for_selector("#route-list li")
        wait_until(page, "navigator.serviceWorker.ready.then(() => true)")
        page.close()
        print(f"Long tasks (> {LIMIT_MS} ms) at start, CPU {args.rate:g}× slower, 360×640, {args.runs} runs")
        for name, hash_, ready in screens:
            longest = []
            for _ in range(args.runs):
                page = ctx.new_page()
                cdp = ctx.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.rate})
                page.goto(f"{base}/{hash_}")
                page.wait_for_selector(ready)
                page.wait_for_timeout(2000)
                tasks = page.evaluate("window.__longTasks")
                longest.append(max((d for _, d in tasks), default=0))
                page.close()
            median = statistics.median(longest)
            ok = median <= LIMIT_MS
            failures += not ok
            print(f"  {name:<5} longest task per run (ms): {longest}  median {median:g}  {'PASS' if ok else 'FAIL'}")
        # Position fixes on 今日路线: each should cost little (no full list rebuild).
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.rate})
        page.goto(f"{base}/#/route")
        page.wait_for_selector("#route-list li")
        page.wait_for_timeout(1500)
        page.evaluate("window.__longTasks = []")
        for i in range(10):
            ctx.set_geolocation({"latitude": 42.978301 + i * 0.0002, "longitude": 126.737935, "accuracy": 10})
            page.wait_for_timeout(400)
        tasks = page.evaluate("window.__longTasks")
        print(f"  今日路线, 10 position fixes: long tasks {[d for _, d in tasks] or '-'}")
        browser.close()
    server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
