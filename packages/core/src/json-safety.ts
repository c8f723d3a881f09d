import { FORBIDDEN_KEYS } from "./limits.js";

/**
 * Finds the first forbidden key (`__proto__`, `constructor`, `prototype`) anywhere in a parsed JSON
 * value and returns its path, e.g. `metrics.cartridges.__proto__`. Iterative, so a deeply nested
 * payload cannot overflow the stack.
 */
export function findForbiddenKey(value: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: "" }];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined || typeof next.value !== "object" || next.value === null) continue;
    const entries = Array.isArray(next.value)
      ? next.value.map((item, index) => [String(index), item] as const)
      : Object.entries(next.value);
    for (const [key, child] of entries) {
      const path = next.path === "" ? key : `${next.path}.${key}`;
      if (!Array.isArray(next.value) && FORBIDDEN_KEYS.has(key)) return path;
      stack.push({ value: child, path });
    }
  }
  return undefined;
}
