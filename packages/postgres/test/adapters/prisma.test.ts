/**
 * `fromPrisma`: a Prisma interactive transaction (`$transaction(fn)`) as
 * coinage's `Queryable`, with the client on `@prisma/adapter-pg`.
 */
import { fromPrisma } from "../../src/adapters/prisma.js";
import { DATABASE_URL, skipServerTests } from "../support/server.js";
import { prismaClient } from "./prisma/client.js";
import type { Prisma } from "./prisma/generated/client.js";
import { describeAdapter } from "./suite.js";

const skip = await skipServerTests("adapters/prisma.test.ts");

describeAdapter<Prisma.TransactionClient>("fromPrisma", skip, async (schema) => {
  const prisma = await prismaClient(DATABASE_URL, schema);
  return {
    transaction: (fn) => prisma.$transaction(fn, { maxWait: 10_000, timeout: 30_000 }),
    insertOrder: async (tx, order) => {
      await tx.order.create({ data: order });
    },
    orderIds: async (tx) =>
      (await tx.order.findMany({ select: { id: true }, orderBy: { id: "asc" } })).map(
        (row) => row.id,
      ),
    queryable: fromPrisma,
    outside: () => fromPrisma(prisma),
    close: () => prisma.$disconnect(),
  };
});
