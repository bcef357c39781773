/**
 * Bounds shared by the suite schema, CLI flags and the code that acts on them, so that every value
 * `validate` accepts is one `run` can act on.
 */

/** The longest single Node timer, in milliseconds (about 24.8 days); `setTimeout` overflows past it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The largest timeout or deadline a suite or flag may give, in seconds (about 24.8 days). */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);

/** Longest project, suite, model or test name: each becomes one folder name under the artifacts folder. */
export const MAX_NAME_LENGTH = 128;

/** Letters, digits, ".", "_", "-", starting with a letter or digit; ".." is refused separately. */
export const SAFE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Whether a name can be one folder under the artifacts folder: the one rule for `validate` and the stores. */
export function isSafeName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && SAFE_NAME_PATTERN.test(name) && !name.includes('..');
}
