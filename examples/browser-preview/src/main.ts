/**
 * The preview page: wires the inputs to `parseProgram`, `parseEvent`,
 * `previewReward` and `planRedemption` from `@coinage/core`, recomputing on
 * every edit.
 */
import {
  compareSpendOrder,
  type InputIssue,
  isDecimalString,
  type Lot,
  type Program,
  parseEvent,
  parseProgram,
  planRedemption,
  previewReward,
} from "@coinage/core";
import { explain, issuesOf, lotState, parseJson, readLots, showInstant } from "./explain.js";
import { sampleEvents, sampleLots, sampleProgram } from "./samples.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`missing #${id}`);
  return found as T;
}

const ui = {
  eventSelect: element<HTMLSelectElement>("event-select"),
  eventJson: element<HTMLTextAreaElement>("event-json"),
  programJson: element<HTMLTextAreaElement>("program-json"),
  amount: element<HTMLInputElement>("amount"),
  at: element<HTMLInputElement>("at"),
  errors: element<HTMLDivElement>("errors"),
  coins: element<HTMLOutputElement>("coins"),
  value: element<HTMLParagraphElement>("value"),
  ineligible: element<HTMLParagraphElement>("ineligible"),
  breakdown: element<HTMLOListElement>("breakdown"),
  available: element<HTMLElement>("available"),
  expiry: element<HTMLElement>("expiry"),
  lotsJson: element<HTMLTextAreaElement>("lots-json"),
  redeemCoins: element<HTMLInputElement>("redeem-coins"),
  redeemAt: element<HTMLInputElement>("redeem-at"),
  redeemErrors: element<HTMLDivElement>("redeem-errors"),
  redeemSummary: element<HTMLParagraphElement>("redeem-summary"),
  lotsBody: element<HTMLTableElement>("lots-table").tBodies[0] as HTMLTableSectionElement,
};

function showIssues(target: HTMLElement, issues: readonly InputIssue[]): void {
  target.replaceChildren();
  target.hidden = issues.length === 0;
  if (issues.length === 0) return;
  const title = document.createElement("strong");
  title.textContent = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const list = document.createElement("ul");
  for (const issue of issues) {
    const item = document.createElement("li");
    const path = document.createElement("code");
    path.textContent = issue.path === "" ? "(input)" : issue.path;
    item.append(path, ` ${issue.message}`);
    list.append(item);
  }
  target.append(title, list);
}

/** The instant of a date/time input, read as UTC. */
function readInstant(
  input: HTMLInputElement,
): { ok: true; at: Date } | { ok: false; issues: InputIssue[] } {
  const raw = input.value;
  const at = raw === "" ? new Date(Number.NaN) : new Date(`${raw}Z`);
  if (Number.isNaN(at.getTime()))
    return { ok: false, issues: [{ path: "at", message: "enter a date and time" }] };
  return { ok: true, at };
}

function readProgram(): { ok: true; program: Program } | { ok: false; issues: InputIssue[] } {
  const json = parseJson(ui.programJson.value, "program");
  if (!json.ok) return json;
  try {
    return { ok: true, program: parseProgram(json.value) };
  } catch (error) {
    return { ok: false, issues: issuesOf(error) };
  }
}

function clearReward(): void {
  ui.coins.textContent = "–";
  ui.value.textContent = "";
  ui.ineligible.hidden = true;
  ui.breakdown.replaceChildren();
  ui.available.textContent = "–";
  ui.expiry.textContent = "–";
}

function renderReward(): void {
  const issues: InputIssue[] = [];
  const program = readProgram();
  if (!program.ok) issues.push(...program.issues);
  const json = parseJson(ui.eventJson.value, "event");
  let event: ReturnType<typeof parseEvent> | undefined;
  if (!json.ok) issues.push(...json.issues);
  else {
    try {
      event = parseEvent(json.value);
    } catch (error) {
      issues.push(...issuesOf(error, "event"));
    }
  }
  const at = readInstant(ui.at);
  if (!at.ok) issues.push(...at.issues);
  const amount = ui.amount.value.trim();

  if (issues.length === 0 && program.ok && at.ok && event !== undefined) {
    try {
      const preview = previewReward(event, amount === "" ? {} : { amount }, program.program, at.at);
      showIssues(ui.errors, []);
      ui.coins.textContent = preview.coins;
      ui.value.textContent = `worth ${preview.value} at ${program.program.coinValue} per coin`;
      ui.ineligible.hidden = preview.ineligible === undefined;
      ui.ineligible.textContent =
        preview.ineligible === undefined ? "" : `Ineligible: ${preview.ineligible}`;
      ui.breakdown.replaceChildren(
        ...explain(preview, program.program).map((line) => {
          const item = document.createElement("li");
          item.textContent = line;
          return item;
        }),
      );
      const earning = /[1-9]/.test(preview.coins);
      ui.available.textContent = earning
        ? showInstant(preview.availableAt, program.program.timeZone)
        : "–";
      ui.expiry.textContent = earning
        ? showInstant(preview.expiresAt, program.program.timeZone)
        : "–";
      return;
    } catch (error) {
      issues.push(...issuesOf(error));
    }
  }
  clearReward();
  showIssues(ui.errors, issues);
}

function renderRedemption(): void {
  const issues: InputIssue[] = [];
  const json = parseJson(ui.lotsJson.value, "lots");
  let lots: Lot[] = [];
  if (!json.ok) issues.push(...json.issues);
  else {
    const read = readLots(json.value);
    if (read.ok) lots = read.lots;
    else issues.push(...read.issues);
  }
  const coins = ui.redeemCoins.value.trim();
  if (!isDecimalString(coins) || !/[1-9]/.test(coins) || coins.startsWith("-")) {
    issues.push({ path: "coins", message: 'expected a positive number of coins such as "300"' });
  }
  const at = readInstant(ui.redeemAt);
  if (!at.ok) issues.push(...at.issues);

  showIssues(ui.redeemErrors, issues);
  ui.lotsBody.replaceChildren();
  if (issues.length > 0 || !at.ok) {
    ui.redeemSummary.textContent = "";
    return;
  }
  const now = at.at.getTime();
  const plan = planRedemption(lots, coins, now);
  const takes = new Map(plan.lots.map((movement) => [movement.lotId, movement.coins]));
  const ordered = [...lots].sort((a, b) => {
    const sa = lotState(a, now) === "spendable" ? 0 : 1;
    const sb = lotState(b, now) === "spendable" ? 0 : 1;
    return sa - sb || compareSpendOrder(a, b);
  });
  let position = 0;
  for (const lot of ordered) {
    const state = lotState(lot, now);
    const row = document.createElement("tr");
    row.className = state;
    const cells = [
      state === "spendable" ? String(++position) : "",
      `#${lot.id}`,
      lot.remaining,
      lot.expiresAt === null
        ? "never"
        : new Date(lot.expiresAt).toISOString().slice(0, 16).replace("T", " "),
      state,
      takes.get(lot.id) ?? "",
    ];
    for (const text of cells) {
      const cell = document.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    ui.lotsBody.append(row);
  }
  const short = /[1-9]/.test(plan.shortfall);
  ui.redeemSummary.textContent = short
    ? `Not enough coins: ${plan.spendable} spendable, ${coins} asked (short by ${plan.shortfall}). A redemption would fail and change nothing.`
    : `Redeems ${coins} of ${plan.spendable} spendable coins from ${plan.lots.length} lot${plan.lots.length === 1 ? "" : "s"}.`;
  ui.redeemSummary.className = short ? "warning" : "";
}

function loadSample(index: number): void {
  const sample = sampleEvents[index];
  if (sample === undefined) return;
  ui.eventJson.value = JSON.stringify(sample.event, null, 2);
  ui.amount.value = sample.amount;
  ui.at.value = sample.at;
}

function start(): void {
  sampleEvents.forEach((sample, index) => {
    const option = document.createElement("option");
    option.value = String(sample.event.id);
    option.dataset.index = String(index);
    option.textContent = sample.label;
    ui.eventSelect.append(option);
  });
  ui.programJson.value = JSON.stringify(sampleProgram, null, 2);
  ui.lotsJson.value = JSON.stringify(sampleLots, null, 2);
  loadSample(0);

  ui.eventSelect.addEventListener("change", () => {
    loadSample(ui.eventSelect.selectedIndex);
    renderReward();
  });
  for (const input of [ui.eventJson, ui.programJson, ui.amount, ui.at]) {
    input.addEventListener("input", renderReward);
  }
  for (const input of [ui.lotsJson, ui.redeemCoins, ui.redeemAt]) {
    input.addEventListener("input", renderRedemption);
  }

  renderReward();
  renderRedemption();
  document.body.dataset.ready = "true";
}

start();
