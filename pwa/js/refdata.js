/** Reference data (points, checklists) and re-inspection tasks: network first, then the copy on the phone. */
import { compareZh, TYPE_NAMES } from "./ui.js";

/**
 * Fetch a JSON resource, keep a copy in IndexedDB, and fall back to that copy offline.
 * @returns {Promise<{data: any, fresh: boolean}>}
 */
async function cached(ctx, key, path) {
  try {
    const data = await ctx.api.get(path);
    await ctx.store.putCache(key, { data, at: Date.now() });
    return { data, fresh: true };
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    const copy = await ctx.store.getCache(key);
    if (copy) return { data: copy.data, fresh: false, at: copy.at };
    throw err;
  }
}

// Location types are data the admin edits; the built-in names serve until the server's arrive.
const typeNames = { ...TYPE_NAMES };

/** The Chinese name of a location type. */
export function typeName(code) {
  return typeNames[code] || code;
}

/** Points (GeoJSON features) and checklists by location type (and the location types' names). */
export async function loadReference(ctx) {
  const [points, checklists, types] = await Promise.all([
    cached(ctx, "points", "/api/v1/points"),
    cached(ctx, "checklists", "/api/v1/checklists"),
    cached(ctx, "location_types", "/api/v1/location-types").catch((err) => {
      if (err?.name === "AuthError") throw err;
      return null; // an older copy without types: the built-in names do
    }),
  ]);
  for (const t of types?.data?.items || []) typeNames[t.code] = t.name;
  return { points: points.data.features, checklists: checklists.data, fresh: points.fresh && checklists.fresh };
}

/**
 * Today's allocation (日督导) for the signed-in inspector: point ids, the first being where the
 * walk starts; kept per day for offline use. An empty list when none (or none kept offline).
 */
export async function loadAllocation(ctx, day) {
  try {
    const { data, fresh } = await cached(ctx, `route:${day}`, `/api/v1/routes/${day}/${ctx.session.user.id}`);
    return { pointIds: data.point_ids || [], fresh };
  } catch (err) {
    if (err?.name === "AuthError") throw err;
    return { pointIds: [], fresh: false };
  }
}

/** Findings reported rectified, waiting for re-inspection on site. */
export async function loadTasks(ctx) {
  const { data, fresh } = await cached(ctx, "tasks", "/api/v1/findings?status=rectified&per_page=200");
  return { tasks: data.items, fresh };
}

/** Order points for today's walk: not yet inspected first, then nearest-next from where I stand. */
export function orderRoute(points, from, visited, distance) {
  const todo = points.filter((p) => !visited.has(p.properties.id));
  const done = points.filter((p) => visited.has(p.properties.id));
  if (!from) return [...todo.sort((a, b) => compareZh(a.properties.name, b.properties.name)), ...done];
  const out = [];
  let here = from;
  const left = [...todo];
  while (left.length) {
    let bestIndex = 0;
    let bestD = Infinity;
    left.forEach((p, i) => {
      const [lon, lat] = p.geometry.coordinates;
      const d = distance(here.lat, here.lon, lat, lon);
      if (d < bestD) { bestD = d; bestIndex = i; }
    });
    const [next] = left.splice(bestIndex, 1);
    out.push(next);
    here = { lat: next.geometry.coordinates[1], lon: next.geometry.coordinates[0] };
  }
  return [...out, ...done];
}
