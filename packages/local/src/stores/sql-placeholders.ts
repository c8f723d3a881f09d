/** `$from, $from+1, …`: `count` positional parameters of a DuckDB statement. */
export const placeholders = (count: number, from = 1): string =>
  Array.from({ length: count }, (_, i) => `$${from + i}`).join(", ");

/** `($1, …, $width), ($width+1, …)`: `count` rows of `width` positional parameters (a multi-row VALUES). */
export const rowsOf = (count: number, width: number): string =>
  Array.from({ length: count }, (_, row) => `(${placeholders(width, row * width + 1)})`).join(", ");
