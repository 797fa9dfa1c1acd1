/**
 * Events (program slot): one hash of event JSON and one of stored versions,
 * both keyed by the id's ordered member, and a sorted set of those members
 * that pages in JavaScript string order.
 */
import type { CoinEvent } from "@coinage/core";
import type { Context } from "./context.js";
import { orderedMember } from "./keys.js";
import * as lua from "./scripts/program.js";

export async function insertEvent(
  ctx: Context,
  programId: string,
  event: CoinEvent,
): Promise<boolean> {
  const keys = ctx.keys(programId);
  const reply = await ctx.scripts.run(
    "insertEvent",
    lua.insertEvent,
    [keys.events, keys.eventVersions, keys.eventIds],
    [orderedMember(event.id), JSON.stringify(event), String(event.version)],
  );
  return reply === 1;
}

export async function replaceEvent(
  ctx: Context,
  programId: string,
  event: CoinEvent,
  expectedVersion: number,
): Promise<boolean> {
  const keys = ctx.keys(programId);
  const reply = await ctx.scripts.run(
    "replaceEvent",
    lua.replaceEvent,
    [keys.events, keys.eventVersions],
    [
      orderedMember(event.id),
      JSON.stringify(event),
      String(event.version),
      String(expectedVersion),
    ],
  );
  return reply === 1;
}

export async function getEvent(
  ctx: Context,
  programId: string,
  eventId: string,
): Promise<CoinEvent | null> {
  const keys = ctx.keys(programId);
  const reply = await ctx.scripts.run(
    "getEvent",
    lua.getField,
    [keys.events],
    [orderedMember(eventId)],
  );
  return typeof reply === "string" ? (JSON.parse(reply) as CoinEvent) : null;
}

export async function listEvents(
  ctx: Context,
  programId: string,
  page: { readonly limit: number; readonly after?: string },
): Promise<CoinEvent[]> {
  if (page.limit <= 0) return [];
  const keys = ctx.keys(programId);
  const start = page.after === undefined ? "-" : `(${orderedMember(page.after)}`;
  const reply = (await ctx.scripts.run(
    "listEvents",
    lua.listEvents,
    [keys.events, keys.eventIds],
    [start, page.limit],
  )) as [unknown[], unknown[]];
  return reply[1]
    .filter((json): json is string => typeof json === "string")
    .map((json) => JSON.parse(json) as CoinEvent);
}
