const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Tick labels for the time axis, one line each: the time of day within a day's range, the date
 * and time beyond (uPlot's default two-line labels are cut off at the chart's left edge).
 */
export function timeTicks(splits: number[], spanSeconds: number): string[] {
  return splits.map((seconds) => {
    const at = new Date(seconds * 1000);
    const clock = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
    if (spanSeconds > 86_400) return `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${clock}`;
    return spanSeconds < 600 ? `${clock}:${pad(at.getSeconds())}` : clock;
  });
}
