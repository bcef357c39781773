import { CST, type Document, isMap, isPair, isScalar, isSeq, Lexer } from 'yaml';

/**
 * Checks on a suite's YAML that the `yaml` package does in quadratic time or not at all: a node budget
 * (a 64 MB document of one-character keys would take minutes and gigabytes to compose) and duplicate keys
 * (its `uniqueKeys` compares every key with every earlier one: 8.8 s for a 20 000-key mapping).
 */

/** The most YAML values (scalars, aliases, flow collections) a suite may hold; README "Limits". */
export const MAX_YAML_NODES = 250_000;

const COUNTED = new Set([
  'scalar',
  'single-quoted-scalar',
  'double-quoted-scalar',
  'block-scalar-header',
  'alias',
  'flow-map-start',
  'flow-seq-start',
]);

/** Whether the text holds more than `budget` values, found by lexing only as far as the budget. */
export function exceedsNodeBudget(text: string, budget = MAX_YAML_NODES): boolean {
  let n = 0;
  for (const token of new Lexer().lex(text)) {
    if (COUNTED.has(String(CST.tokenType(token))) && ++n > budget) return true;
  }
  return false;
}

/** Offsets of every key that repeats an earlier key of the same mapping, in one pass over the document. */
export function duplicateKeyOffsets(doc: Document): number[] {
  const out: number[] = [];
  // An explicit stack: a deeply nested document must not overflow the call stack.
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (isScalar(key)) {
          const text = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(text)) out.push(key.range?.[0] ?? 0);
          seen.add(text);
        } else if (key !== null) stack.push(key);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return out.sort((a, b) => a - b);
}
