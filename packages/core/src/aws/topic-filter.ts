/** MQTT topic-filter semantics (MQTT 3.1.1 §4.7), shared by the broker, the rules engine and the policies. */

/** True if `topic` (no wildcards) matches `filter`. Wildcards never match a leading `$` level (§4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True if every topic `inner` can match is also matched by `outer` (a subscription within a grant). */
export function filterCovers(outer: string, inner: string): boolean {
  const o = outer.split("/");
  const n = inner.split("/");
  for (let i = 0; i < o.length; i++) {
    const level = o[i];
    if (level === "#") return true;
    if (i >= n.length) return false;
    const innerLevel = n[i];
    if (innerLevel === "#") return false;
    if (level === "+") continue;
    if (innerLevel !== level) return false;
  }
  return o.length === n.length;
}

/** A valid MQTT topic filter: `#` only as the last whole level, `+` only as a whole level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0) return false;
  const levels = filter.split("/");
  return levels.every((level, index) => {
    if (level.includes("#")) return level === "#" && index === levels.length - 1;
    return !level.includes("+") || level === "+";
  });
}
