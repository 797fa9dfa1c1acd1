/** Small helpers for the charts' SVG markup. */

/** Text safe inside SVG/XML markup, as element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A tick label: 12500 → "12.5k", 1500000 → "1.5M", 2.5 → "2.5". */
export function formatNumber(n: number): string {
  const abs = Math.abs(n);
  const short = (v: number, suffix: string) => `${Number(v.toFixed(2))}${suffix}`;
  if (abs >= 1e9) return short(n / 1e9, "B");
  if (abs >= 1e6) return short(n / 1e6, "M");
  if (abs >= 1e3) return short(n / 1e3, "k");
  return String(Number(n.toFixed(6)));
}
