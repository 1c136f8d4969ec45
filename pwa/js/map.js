/** The route map: Leaflet loaded on demand, tiles from the configured source, points always shown. */

let leafletReady = null;

/** Load Leaflet's script and stylesheet once (both precached by the service worker). */
export function loadLeaflet() {
  if (!leafletReady) {
    leafletReady = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = new URL("../vendor/leaflet/leaflet.css", import.meta.url).href;
      document.head.append(css);
      const script = document.createElement("script");
      script.src = new URL("../vendor/leaflet/leaflet.js", import.meta.url).href;
      script.onload = () => resolve(window.L);
      script.onerror = () => { leafletReady = null; reject(new Error("地图组件加载失败")); };
      document.head.append(script);
    });
  }
  return leafletReady;
}

const TYPE_COLOURS = { street: "#1f6feb", compound: "#8250df", toilet: "#0a7f5a", market: "#b35900",
  school: "#b3261e", practice_station: "#6e7781", main_road: "#111111" };

/**
 * Draw the map into an element.
 * @param {HTMLElement} el
 * @param {{tileUrl: string, attribution: string, points: any[], visited: Set<number>,
 *          onPick: (id: number) => void}} opts
 */
export async function drawRouteMap(el, { tileUrl, attribution, points, visited, onPick, path = [] }) {
  const L = await loadLeaflet();
  const map = L.map(el, { zoomControl: true, attributionControl: true, maxZoom: 19 });
  if (tileUrl) {
    // With no network the tiles fail quietly; the points below still show.
    L.tileLayer(tileUrl, { maxZoom: 19, attribution }).addTo(map);
  }
  const bounds = [];
  for (const p of points) {
    const [lon, lat] = p.geometry.coordinates;
    bounds.push([lat, lon]);
    L.circleMarker([lat, lon], {
      radius: 9, weight: 3, color: visited.has(p.properties.id) ? "#17692f" : "#fff",
      fillColor: TYPE_COLOURS[p.properties.location_type] || "#333", fillOpacity: 0.95,
    }).bindTooltip(p.properties.name).on("click", () => onPick(p.properties.id)).addTo(map);
  }
  if (path.length > 1) {
    // Today's allocation in walking order.
    L.polyline(path.map((p) => [p.geometry.coordinates[1], p.geometry.coordinates[0]]),
      { color: "#1d4ed8", weight: 3, opacity: 0.7, dashArray: "6 6" }).addTo(map);
  }
  const fit = path.length ? path.map((p) => [p.geometry.coordinates[1], p.geometry.coordinates[0]]) : bounds;
  if (fit.length) map.fitBounds(fit, { padding: [20, 20] });
  else map.setView([42.972, 126.741], 14);
  let me = null;
  return {
    map,
    /** Show (or move) the inspector's position with its accuracy circle. */
    setPosition(fix) {
      if (!fix) return;
      if (!me) {
        me = {
          dot: L.circleMarker([fix.lat, fix.lon], { radius: 8, color: "#fff", weight: 3, fillColor: "#d00",
            fillOpacity: 1 }).addTo(map),
          ring: L.circle([fix.lat, fix.lon], { radius: fix.accuracy, color: "#d00", weight: 1, fillOpacity: 0.08 }).addTo(map),
        };
      } else {
        me.dot.setLatLng([fix.lat, fix.lon]);
        me.ring.setLatLng([fix.lat, fix.lon]).setRadius(fix.accuracy);
      }
    },
    remove() { map.remove(); },
  };
}
