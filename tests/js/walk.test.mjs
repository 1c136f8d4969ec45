import { test } from "node:test";
import assert from "node:assert/strict";
import { metres, pathLength, walkingOrder } from "../../pwa/js/walk.js";

// Points on a plane: 1 unit = 1 m, so the tests read as drawings.
const flat = (a, b) => Math.hypot(a.lat - b.lat, a.lon - b.lon);
const at = (id, x, y) => ({ id, lat: y, lon: x });
const ids = (stops) => stops.map((s) => s.id);

/** Every order of a list (for small brute-force checks). */
function permutations(list) {
  if (list.length <= 1) return [list];
  return list.flatMap((x, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((p) => [x, ...p]));
}

test("the walk starts at the allocation's first point, wherever the others are", () => {
  const stops = [at(7, 50, 0), at(1, 0, 0), at(2, 10, 0), at(3, 100, 0)];
  assert.equal(walkingOrder(stops, flat)[0].id, 7);
  assert.deepEqual(ids(walkingOrder(stops, flat)).sort(), [1, 2, 3, 7]);
});

test("points along a street are walked in street order, not the order allocated", () => {
  const stops = [at(1, 0, 0), at(4, 300, 0), at(2, 100, 0), at(5, 400, 0), at(3, 200, 0)];
  assert.deepEqual(ids(walkingOrder(stops, flat)), [1, 2, 3, 4, 5]);
});

test("2-opt removes the crossing nearest neighbour leaves behind", () => {
  // Nearest neighbour from 1 goes 1→2→3→4 then must jump back across to 5 and 6.
  const stops = [at(1, 0, 0), at(2, 10, 1), at(3, 20, 0), at(4, 30, 1), at(5, 0, 20), at(6, 30, 22)];
  const order = walkingOrder(stops, flat);
  const nn = [stops[0], stops[1], stops[2], stops[3], stops[5], stops[4]];
  assert.ok(pathLength(order, flat) <= pathLength(nn, flat) + 1e-9);
  assert.equal(order[0].id, 1);
});

test("on small allocations the order is as short as the best possible from the same start", () => {
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let round = 0; round < 20; round += 1) {
    const stops = Array.from({ length: 7 }, (_, i) => at(i + 1, Math.round(random() * 1000), Math.round(random() * 1000)));
    const best = Math.min(...permutations(stops.slice(1)).map((rest) => pathLength([stops[0], ...rest], flat)));
    const got = pathLength(walkingOrder(stops, flat), flat);
    assert.ok(got <= best * 1.15 + 1e-9, `round ${round}: ${got} vs best ${best}`);
    assert.equal(walkingOrder(stops, flat)[0].id, 1);
  }
});

test("the order depends on the set of points and the start, not on how the rest were listed", () => {
  const stops = [at(1, 0, 0), at(2, 10, 0), at(3, -10, 0), at(4, 0, 30), at(5, 25, 25)];
  const shuffled = [stops[0], stops[4], stops[2], stops[3], stops[1]];
  assert.deepEqual(ids(walkingOrder(stops, flat)), ids(walkingOrder(shuffled, flat)));
  // Applying it to its own answer changes nothing: the desk stores it, the phone recomputes it.
  const once = walkingOrder(stops, flat);
  assert.deepEqual(ids(walkingOrder(once, flat)), ids(once));
});

test("empty, one and two stops come back as given; the input is not changed", () => {
  assert.deepEqual(walkingOrder([], flat), []);
  const two = [at(2, 5, 5), at(1, 0, 0)];
  assert.deepEqual(ids(walkingOrder(two, flat)), [2, 1]);
  const stops = [at(1, 0, 0), at(3, 200, 0), at(2, 100, 0)];
  walkingOrder(stops, flat);
  assert.deepEqual(ids(stops), [1, 3, 2]);
});

test("metres on the globe: 0.001° of latitude in 桦甸 is about 111 m", () => {
  const d = metres({ lat: 42.972, lon: 126.741 }, { lat: 42.973, lon: 126.741 });
  assert.ok(Math.abs(d - 111.2) < 0.5, String(d));
  const e = metres({ lat: 42.972, lon: 126.741 }, { lat: 42.972, lon: 126.742 });
  assert.ok(Math.abs(e - 81.5) < 0.5, String(e));
});

test("a day of 60 points orders quickly and never longer than nearest neighbour alone", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const stops = Array.from({ length: 60 }, (_, i) => at(i + 1, random() * 3000, random() * 3000));
  const order = walkingOrder(stops, flat);
  assert.equal(new Set(ids(order)).size, 60);
  assert.equal(order[0].id, 1);
  const left = stops.slice(1);
  const nn = [stops[0]];
  while (left.length) {
    const here = nn[nn.length - 1];
    left.sort((a, b) => flat(here, a) - flat(here, b) || a.id - b.id);
    nn.push(left.shift());
  }
  assert.ok(pathLength(order, flat) <= pathLength(nn, flat) + 1e-9);
});
