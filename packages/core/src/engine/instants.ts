/**
 * Reading back the instants a preview writes. `previewReward` returns its
 * dates as canonical ISO strings (`YYYY-MM-DDTHH:MM:SS.mmmZ`); the engine
 * needs them as epoch milliseconds, and reads the digits directly rather
 * than through the general `Date.parse`.
 */

/** The separators of `YYYY-MM-DDTHH:MM:SS.mmmZ`, by offset; every other offset holds a digit. */
const SEPARATORS: Readonly<Record<number, string>> = {
  4: "-",
  7: "-",
  10: "T",
  13: ":",
  16: ":",
  19: ".",
  23: "Z",
};

/** Epoch milliseconds of an ISO instant, as `Date.parse` reads it; canonical UTC ones digit by digit. */
export function instantMs(text: string): number {
  if (text.length !== 24 || !canonical(text)) return Date.parse(text);
  const n = (at: number, width: number) => {
    let value = 0;
    for (let i = at; i < at + width; i++) value = value * 10 + (text.charCodeAt(i) - 48);
    return value;
  };
  const [year, month, day, hour, minute, second] = [
    n(0, 4),
    n(5, 2),
    n(8, 2),
    n(11, 2),
    n(14, 2),
    n(17, 2),
  ];
  // Anything unusual (two-digit years, days past the 28th, out-of-range fields) is left to Date.parse.
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28) return Date.parse(text);
  if (hour > 23 || minute > 59 || second > 59) return Date.parse(text);
  return Date.UTC(year, month - 1, day, hour, minute, second, n(20, 3));
}

function canonical(text: string): boolean {
  for (let i = 0; i < 24; i++) {
    const separator = SEPARATORS[i];
    if (separator === undefined) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    } else if (text[i] !== separator) return false;
  }
  return true;
}
