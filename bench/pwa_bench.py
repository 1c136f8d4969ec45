"""Benchmark the inspector PWA in Debian's Chromium and print the figures.

- first-load JS + CSS, gzip-compressed (target < 150 KB)
- app shell start offline from the service worker, CPU throttled 4× (target < 1 s)
- resizing a 12-megapixel photo on the phone, CPU throttled 4× (target < 1.5 s)
- saving a record with two photos to IndexedDB, CPU throttled 4× (target < 300 ms)
"""
import gzip
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from _common import fresh_app, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from PIL import Image  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
HERE = {"latitude": 42.978301, "longitude": 126.737935, "accuracy": 10}




def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def main() -> None:
    """Serve the app, drive Chromium, print the figures."""
    app = fresh_app()
    app.config["TILE_URL"] = ""  # tiles are not part of the first-load budget
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    photo = Path(tempfile.mkdtemp()) / "12mp.jpg"
    # A noisy 12 MP scene: flat colours would make resizing and encoding look cheaper than a street.
    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    noise.save(photo, "JPEG", quality=90)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        ctx = browser.new_context(viewport={"width": 360, "height": 640}, base_url=base,
                                  permissions=["geolocation"], geolocation=HERE)
        page = ctx.new_page()
        sizes = {}

        def collect(resp):
            """Record the gzip size of every same-origin script and stylesheet."""
            if resp.request.resource_type in ("script", "stylesheet") and resp.url.startswith(base):
                try:
                    sizes[resp.url] = len(gzip.compress(resp.body(), 9))
                except Exception:  # a body unavailable to the inspector is not counted twice
                    pass

        page.on("response", collect)
        page.goto("/")
        page.fill("#username", "inspector")
        page.fill("#password", "bench")
        page.click("button[type=submit]")
        page.wait_for_selector("#route-list li")
        page.wait_for_selector("#map path.leaflet-interactive")
        total_kb = sum(sizes.values()) / 1024
        ok = total_kb < 150
        failures += not ok
        print(f"first-load JS + CSS: {len(sizes)} files, {total_kb:.1f} KB gzip "
              f"(largest: {max(sizes.items(), key=lambda kv: kv[1])[0].rsplit('/', 1)[-1]}) "
              f"— {verdict(ok)} (< 150 KB)")

        page.evaluate("navigator.serviceWorker.ready")
        page.reload()
        wait_until(page, "!!navigator.serviceWorker.controller")
        cdp = ctx.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        ctx.set_offline(True)
        starts = []
        for _ in range(3):
            page.reload()
            page.wait_for_selector("#route-list li")
            starts.append(page.evaluate("performance.now()"))
        best = min(starts)
        ok = best < 1000
        failures += not ok
        print(f"offline start, CPU 4× slower: {', '.join(f'{s:.0f}' for s in starts)} ms "
              f"(best {best:.0f} ms) — {verdict(ok)} (< 1000 ms)")

        page.evaluate("""() => { const i = document.createElement('input'); i.type = 'file';
                                 i.id = 'bench-file'; document.body.append(i); }""")
        page.set_input_files("#bench-file", str(photo))
        times = page.evaluate("""async () => {
            const { processPhoto } = await import('/js/camera.js');
            const { isoNow } = await import('/js/ui.js');
            const file = document.getElementById('bench-file').files[0];
            const out = [];
            for (let i = 0; i < 3; i++) {
                const t = performance.now();
                const shot = await processPhoto(file, { position: null, isoNow });
                out.push([performance.now() - t, shot.width, shot.height, shot.bytes.byteLength]);
            }
            return out;
        }""")
        best = min(t[0] for t in times)
        ok = best < 1500
        failures += not ok
        w, h, n = times[0][1:]
        print(f"resize 12 MP → {w}×{h} JPEG ({n / 1024:.0f} KB), CPU 4× slower: "
              f"{', '.join(f'{t[0]:.0f}' for t in times)} ms — {verdict(ok)} (< 1500 ms)")

        saves = page.evaluate("""async () => {
            const { createDraft } = await import('/js/outbox.js');
            const store = window.__cc.store;
            const bytes = () => crypto.getRandomValues(new Uint8Array(65536)).buffer;
            const out = [];
            for (let i = 0; i < 5; i++) {
                const id = crypto.randomUUID();
                const photos = [0, 1].map(() => ({ id: crypto.randomUUID(), record_id: id, type: 'image/jpeg',
                    bytes: new Uint8Array(350000).map((_, k) => k % 251).buffer, taken_at: new Date().toISOString(),
                    lat: 42.97, lon: 126.74, accuracy: 8, source: 'device', state: 'pending' }));
                const body = { kind: 'inspection', id, point_id: 1, location_type: 'street',
                    started_at: new Date().toISOString(), lat: 42.97, lon: 126.74, accuracy_m: 8, covert: false,
                    note: '', results: [{ id: crypto.randomUUID(), item_code: 'street.road_surface', result: 'fail',
                    note: 'x', photo_ids: photos.map((p) => p.id) }] };
                const t = performance.now();
                await createDraft(store, body, photos);
                out.push(performance.now() - t);
            }
            bytes();
            return out;
        }""")
        best = sorted(saves)[len(saves) // 2]
        ok = best < 300
        failures += not ok
        print(f"save a record with two 350 KB photos to IndexedDB, CPU 4× slower: "
              f"{', '.join(f'{s:.0f}' for s in saves)} ms (median {best:.0f} ms) — {verdict(ok)} (< 300 ms)")
        browser.close()
    server.shutdown()
    print(f"{4 - failures} passed, {failures} failed")


if __name__ == "__main__":
    main()
