/**
 * Drops a map's oldest entries — by insertion order, so a map whose entries are re-inserted when
 * touched is oldest-first — while they are stale or the map holds more than `max`; stops at the
 * first fresh one, so the cost is what it drops.
 */
export function forgetOldest<K, V>(map: Map<K, V>, fresh: (value: V) => boolean, max: number): void {
  for (const [key, value] of map) {
    if (fresh(value) && map.size <= max) return;
    map.delete(key);
  }
}
