/** A small map of where a finding was recorded, with the communities' boundaries: what a
 * supervisor needs to assign a problem that no point or boundary placed. */
import { loadLeaflet } from "./map.js";

/**
 * Draw the mini-map into an element (already in the page).
 * @param {HTMLElement} el @param {{lat: number, lon: number, code: string}} f @param {any} ctx
 */
export async function drawMiniMap(el, f, ctx) {
  const L = await loadLeaflet();
  if (!el.isConnected) return null;
  const map = L.map(el, { maxZoom: 19, scrollWheelZoom: false });
  if (ctx.config?.tile_url) L.tileLayer(ctx.config.tile_url, { maxZoom: 19, attribution: ctx.config.tile_attribution }).addTo(map);
  const pin = L.marker([f.lat, f.lon], { icon: L.divIcon({ className: "", iconSize: [22, 22], html: '<div class="finding-pin"></div>' }) })
    .bindTooltip(`${f.code} 发现位置`).addTo(map);
  map.setView([f.lat, f.lon], 15);
  try {
    const communities = (await ctx.api.get("/api/v1/communities")).features;
    const shapes = communities.filter((c) => c.geometry).map((c) => L.geoJSON(c.geometry, {
      style: { color: "#b22222", weight: 2, fill: false, dashArray: "6 4" } }).bindTooltip(c.properties.name).addTo(map));
    // Frame the pin and the nearest boundaries, so "how far outside" is visible at a glance.
    const bounds = L.latLngBounds([pin.getLatLng()]);
    for (const s of shapes) bounds.extend(s.getBounds());
    if (shapes.length) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17 });
  } catch { /* offline: the pin alone */ }
  el.dataset.ready = "1";
  return map;
}
