import type { BenchResult } from './types.js';

/** Prints bench results as an aligned table: name, value, unit, reference, ratio, note. */
export function printResults(title: string, rows: readonly BenchResult[]): void {
  const header = ['figure', 'value', 'unit', 'reference', 'ratio', 'note'];
  const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));
  const lines = rows.map((r) => [
    r.name,
    num(r.value),
    r.unit,
    r.reference === undefined ? '' : num(r.reference),
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(`\n## ${title}\n`);
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
}
