/** A walking order for a day's allocated points: nearest neighbour from the first point, then
 * 2-opt on the open path (the start stays first; there is no walk back). Pure: no DOM, no clock. */

const R = 6371008.8;

/** Metres between two {lat, lon} (equirectangular: exact enough within a sub-district). */
export function metres(a, b) {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return R * Math.hypot(x, y);
}

/** Total length of a path of stops in metres. */
export function pathLength(stops, distance = metres) {
  let sum = 0;
  for (let i = 1; i < stops.length; i += 1) sum += distance(stops[i - 1], stops[i]);
  return sum;
}

function nearestNeighbour(stops, distance) {
  const left = stops.slice(1);
  const out = [stops[0]];
  while (left.length) {
    const here = out[out.length - 1];
    let best = 0;
    for (let i = 1; i < left.length; i += 1) {
      const d = distance(here, left[i]);
      const bestD = distance(here, left[best]);
      // Ties go to the smaller id, so the order depends on the set of points, not their order.
      if (d < bestD || (d === bestD && left[i].id < left[best].id)) best = i;
    }
    out.push(left.splice(best, 1)[0]);
  }
  return out;
}

function twoOpt(path, distance) {
  const p = path.slice();
  const n = p.length;
  let improved = true;
  let rounds = 0;
  while (improved && rounds < 100) {
    improved = false;
    rounds += 1;
    for (let i = 1; i < n - 1; i += 1) {
      for (let k = i + 1; k < n; k += 1) {
        // Reverse p[i..k]: edges (i-1,i) and (k,k+1) become (i-1,k) and (i,k+1); an open end has no k+1.
        const before = distance(p[i - 1], p[i]) + (k + 1 < n ? distance(p[k], p[k + 1]) : 0);
        const after = distance(p[i - 1], p[k]) + (k + 1 < n ? distance(p[i], p[k + 1]) : 0);
        if (after < before - 1e-9) {
          for (let a = i, b = k; a < b; a += 1, b -= 1) [p[a], p[b]] = [p[b], p[a]];
          improved = true;
        }
      }
    }
  }
  return p;
}

/**
 * Order stops for walking, starting from the first one given.
 * @template {{id: number, lat: number, lon: number}} T
 * @param {T[]} stops the allocation, its first stop being where the walk starts
 * @param {(a: T, b: T) => number} [distance]
 * @returns {T[]}
 */
export function walkingOrder(stops, distance = metres) {
  if (stops.length < 3) return stops.slice();
  return twoOpt(nearestNeighbour(stops, distance), distance);
}
