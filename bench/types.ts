/** One benchmark figure; `reference` is a published or previously measured value and `ratio` = value / reference. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  reference?: number;
  ratio?: number;
  note?: string;
}
