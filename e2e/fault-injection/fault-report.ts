import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** One fault's run: what the devices sent, what the pipeline owed and what it kept. */
export interface FaultRow {
  fault: string;
  /** Messages the devices published. */
  sent: number;
  /** Distinct messages the broker acknowledged (PUBACK): what the pipeline owes. */
  acknowledged: number;
  /** Of those, stored exactly once. */
  stored: number;
  /** Records the store found already stored (replays after a retry, a crash, a resend). */
  duplicatesAvoided: number;
  /** Batches the event sources gave up on (on-failure records in the dead-letter queue). */
  deadLettered: number;
  /** Acknowledged and neither stored nor dead-lettered. */
  lost: number;
  /** Where the fault showed while it happened. */
  visibleIn: string;
}

const COLUMNS: Array<[keyof FaultRow, string]> = [
  ["fault", "fault"],
  ["sent", "sent"],
  ["acknowledged", "acknowledged"],
  ["stored", "stored"],
  ["duplicatesAvoided", "duplicates avoided"],
  ["deadLettered", "dead-lettered"],
  ["lost", "lost"],
  ["visibleIn", "visible in"],
];

/** The rows as a Markdown table, the README's "Reliability" format. */
export function faultTable(rows: readonly FaultRow[]): string {
  const lines = [
    `| ${COLUMNS.map(([, title]) => title).join(" | ")} |`,
    `| ${COLUMNS.map(([key]) => (key === "fault" || key === "visibleIn" ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((row) => `| ${COLUMNS.map(([key]) => String(row[key])).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/** Prints the table and keeps it in `.tmp/artifacts/fault-report.md`. */
export async function writeFaultReport(rows: readonly FaultRow[]): Promise<void> {
  const table = faultTable(rows);
  const dir = join(process.cwd(), ".tmp", "artifacts");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "fault-report.md"), `${table}\n`);
  console.log(`\nFault injection: every acknowledged message stored exactly once\n\n${table}\n`);
}
