import pg from "pg";
const url = "postgres://postgres@127.0.0.1:5432/test";
const client = new pg.Client({ connectionString: url });
await client.connect();
async function measure(label: string, fn: () => Promise<unknown>, n = 3000) {
  for (let i = 0; i < 200; i++) await fn();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(40), "cpu", ((c.user + c.system) / 1000 / n).toFixed(3), "wall", ((performance.now() - t0) / n).toFixed(3));
}
await measure("simple 'SELECT 1'", () => client.query("SELECT 1"));
await measure("named 'SELECT $1::int'", () => client.query({ name: "a", text: "SELECT $1::int AS x", values: [1] }));
const big = Array.from({ length: 40 }, (_, i) => `$${i + 1}::text AS c${i}`).join(", ");
const vals = Array.from({ length: 40 }, (_, i) => `{"value-${i}","x","y"}`);
await measure("named 40 text params", () => client.query({ name: "b", text: `SELECT ${big}`, values: vals }));
const rowsSql = "SELECT g::text AS k, g::text AS c1, g::text AS c2, g::text AS c3, g::text AS c4, g::text AS c5, g::text AS c6, g::text AS c7, g::text AS c8, g::text AS c9, g::text AS c10, g::text AS c11, g::text AS c12, g::text AS c13 FROM generate_series(1, $1::int) g";
await measure("named 10 rows x 14 cols", () => client.query({ name: "c", text: rowsSql, values: [10] }));
await measure("BEGIN+COMMIT", async () => { await client.query("BEGIN"); await client.query("COMMIT"); });
await client.end();
