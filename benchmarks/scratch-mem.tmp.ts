import { createCoinage } from "@coinage/core";
import { memoryStore } from "@coinage/memory";
import { PROGRAM, STORE_EVENT } from "./src/fixtures.js";
const coins = createCoinage({ store: memoryStore(), program: { ...PROGRAM, id: "p" } });
await coins.events.create(STORE_EVENT);
const users = Array.from({ length: 200 }, (_, i) => `t${i}`);
for (const u of users) await coins.allocate({ userId: u, event: "SHOP", requestId: `fund-${u}`, amount: "30000.00" });
let seq = 0;
for (let r = 0; r < 3; r++) for (const op of ["allocate", "redeem"]) {
  const N = 5000; const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) { const u = users[(seq * 7919) % 200]!; const rid = `r${seq++}`;
    if (op === "allocate") await coins.allocate({ userId: u, event: "SHOP", requestId: rid, amount: "12345.67" }); else await coins.redeem({ userId: u, coins: "1", requestId: rid }); }
  const c = process.cpuUsage(c0); console.log(op, ((c.user + c.system) / 1000 / N).toFixed(3), "ms/op");
}
