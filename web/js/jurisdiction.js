// Where the signed-in user may write: the union of its jurisdiction's units (GET /auth/me names
// their codes; the geometry comes from the district and commune layers). The client only uses it
// to not offer what the server would refuse; the server checks every write again.

import { get, query } from './api.js';

/** Ray casting: whether `[x, y]` lies inside the ring (a closed list of positions). */
function inRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether `point` lies in the Polygon or MultiPolygon `geometry` (holes excluded). */
export function inGeometry(point, geometry) {
  const polygons = geometry?.type === 'Polygon' ? [geometry.coordinates]
    : geometry?.type === 'MultiPolygon' ? geometry.coordinates : [];
  return polygons.some(([outer, ...holes]) => inRing(point, outer) && !holes.some((h) => inRing(point, h)));
}

/** A test `([lon, lat]) => boolean` for user `me`: everywhere for those not bound to a jurisdiction.
 * `jurisdiction_today` (GET /auth/me) gives the units valid today: a code of a unit closed by a
 * reorganisation (the former city of Lào Cai, 080) stands for the units it became. */
export async function jurisdictionTest(me) {
  if (!me.jurisdiction_bound) return () => true;
  const codes = me.jurisdiction_today || me.jurisdiction || [];
  // GSO codes: 3 digits for a district, 5 for a commune.
  const geometries = await Promise.all(codes.map(async (code) => {
    const layer = code.length <= 3 ? 'districts' : 'communes';
    const data = await get(`/api/v1/collections/${layer}/items${query({ code, limit: 1 })}`).catch(() => null);
    return data?.features?.[0]?.geometry;
  }));
  return (point) => geometries.some((g) => inGeometry(point, g));
}
