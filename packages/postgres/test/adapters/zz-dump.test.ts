import { it } from "vitest";
import postgres from "postgres";
import { prismaClient } from "./prisma/client.js";
import { isConnectionError, sqlState } from "../../src/client.js";
const show = (label: string, e: any) => console.log(label, e?.constructor?.name, JSON.stringify({ code: e?.code, meta: e?.meta, errno: e?.errno }), "|", String(e?.message).slice(0, 200), "| conn:", isConnectionError(e), sqlState(e));
it("dump", async () => {
  const prisma = await prismaClient("postgres://postgres@127.0.0.1:5432/test", "public");
  try { await prisma.$transaction(async (tx) => { await tx.$queryRawUnsafe("SELECT pg_terminate_backend(pg_backend_pid())"); }); } catch (e) { show("prisma terminate", e); }
  try { await prisma.$transaction(async (tx) => { await tx.$queryRawUnsafe("SELECT 1"); await new Promise(r => setTimeout(r, 100)); await tx.$queryRawUnsafe("SELECT 1"); }); } catch (e) { show("prisma after", e); }
  await prisma.$disconnect();
  const sql = postgres("postgres://postgres@127.0.0.1:5432/test", { max: 1, onnotice: () => {} });
  try { await sql.begin(async (tx) => { await tx.unsafe("SELECT pg_terminate_backend(pg_backend_pid())"); }); } catch (e) { show("pgjs terminate", e); }
  const sql2 = postgres("postgres://postgres@127.0.0.1:5432/test", { max: 1, onnotice: () => {} });
  try { await sql2.begin(async (tx) => { await tx.unsafe("SELECT 1"); await sql2.end(); await tx.unsafe("SELECT 1"); }); } catch (e) { show("pgjs ended", e); }
  await sql.end();
});
