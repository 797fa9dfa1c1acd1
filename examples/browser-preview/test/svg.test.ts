import { describe, expect, it } from "vitest";
import { escapeXml, formatNumber } from "../src/svg.js";

describe("svg helpers", () => {
  it("escapes markup characters", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
  });

  it("writes tick labels short", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(0.25)).toBe("0.25");
    expect(formatNumber(750)).toBe("750");
    expect(formatNumber(2500)).toBe("2.5k");
    expect(formatNumber(12500)).toBe("12.5k");
    expect(formatNumber(1_500_000)).toBe("1.5M");
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
  });
});
