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

/**
 * How deeply arrays and objects nest in a JSON text (0 for a scalar), read without parsing it, so a
 * body nested a million levels deep is measured, not recursed into.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i += 1;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) deepest = Math.max(deepest, ++depth);
    else if (c === 93 /* ] */ || c === 125 /* } */) depth -= 1;
  }
  return deepest;
}
