/**
 * The preview page: wires the inputs to `parseProgram`, `parseEvent`,
 * `previewReward` and `planRedemption` from `@coinage/core`, recomputing on
 * every edit. The event is edited as JSON or through the form; the JSON
 * text is the source of truth and the form is re-read from it (see
 * `form.ts`).
 */
import {
  type CoinEvent,
  type InputIssue,
  isDecimalString,
  type Lot,
  type Program,
  parseEvent,
  parseProgram,
  planRedemption,
  previewReward,
} from "@coinage/core";
import { curveSvg, earnCurve, splitCaps } from "./curve.js";
import { explain, issuesOf, parseJson, readLots, showInstant } from "./explain.js";
import { applyEdit, type FormEdit, isObject } from "./form.js";
import { markIssues, renderForm } from "./form-view.js";
import { sampleEvents, sampleLots, sampleProgram } from "./samples.js";
import { instantLabel, timelineRows, timelineSvg } from "./timeline.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`missing #${id}`);
  return found as T;
}

const ui = {
  eventSelect: element<HTMLSelectElement>("event-select"),
  eventJson: element<HTMLTextAreaElement>("event-json"),
  form: element<HTMLDivElement>("event-form"),
  formFieldset: element<HTMLFieldSetElement>("event-form-fieldset"),
  formNotice: element<HTMLParagraphElement>("form-notice"),
  programJson: element<HTMLTextAreaElement>("program-json"),
  amount: element<HTMLInputElement>("amount"),
  level: element<HTMLInputElement>("level"),
  at: element<HTMLInputElement>("at"),
  errors: element<HTMLDivElement>("errors"),
  coins: element<HTMLOutputElement>("coins"),
  value: element<HTMLParagraphElement>("value"),
  ineligible: element<HTMLParagraphElement>("ineligible"),
  breakdown: element<HTMLOListElement>("breakdown"),
  available: element<HTMLElement>("available"),
  expiry: element<HTMLElement>("expiry"),
  curve: element<HTMLDivElement>("curve"),
  curveMax: element<HTMLInputElement>("curve-max"),
  curveCaption: element<HTMLElement>("curve-caption"),
  curveBody: element<HTMLTableElement>("curve-table").tBodies[0] as HTMLTableSectionElement,
  timeline: element<HTMLDivElement>("timeline"),
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
  let event: CoinEvent | undefined;
  if (!json.ok) issues.push(...json.issues);
  else {
    try {
      event = parseEvent(json.value);
    } catch (error) {
      issues.push(...issuesOf(error, "event"));
    }
  }
  markIssues(
    ui.form,
    issues.filter((i) => i.path.startsWith("event.")).map((i) => i.path.slice("event.".length)),
  );
  const at = readInstant(ui.at);
  if (!at.ok) issues.push(...at.issues);
  const amount = ui.amount.value.trim();
  renderCurve(event, program.ok ? program.program : undefined, at.ok ? at.at : undefined, amount);

  if (issues.length === 0 && program.ok && at.ok && event !== undefined) {
    try {
      const level = ui.level.value.trim();
      const preview = previewReward(
        event,
        { ...(amount === "" ? {} : { amount }), ...(level === "" ? {} : { level }) },
        program.program,
        at.at,
      );
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

/** The earn curve of the event at the preview's instant, or why there is none. */
function renderCurve(
  event: CoinEvent | undefined,
  program: Program | undefined,
  at: Date | undefined,
  amount: string,
): void {
  const empty = (message: string) => {
    const note = document.createElement("p");
    note.className = "placeholder";
    note.textContent = message;
    ui.curve.replaceChildren(note);
    ui.curve.dataset.state = "empty";
    ui.curveCaption.textContent = "";
    ui.curveBody.replaceChildren();
  };
  if (event === undefined || program === undefined || at === undefined) {
    empty("The curve appears when the event, the program settings and the date are valid.");
    return;
  }
  const maxText = ui.curveMax.value.trim();
  const max = maxText === "" ? undefined : Number(maxText);
  const badMax = max !== undefined && !(Number.isFinite(max) && max > 0 && max < 1e14);
  try {
    const curve = earnCurve(event, program, at, {
      ...(max === undefined || badMax ? {} : { maxAmount: max }),
      include: isDecimalString(amount) ? [amount] : [],
    });
    ui.curve.innerHTML = curveSvg(curve, { current: amount });
    ui.curve.dataset.state = "ready";
    const notes = [
      `${curve.points.length} amounts from 0 to ${curve.points.at(-1)?.amount ?? "0"}, each computed by previewReward at ${instantLabel(at.getTime())} UTC with no earlier usage.`,
    ];
    if (badMax)
      notes.push(`"${maxText}" is not a positive amount: the range is chosen automatically.`);
    if (curve.ineligible !== undefined) {
      notes.push(`Nothing is earned at this instant: ${curve.ineligible.replaceAll("_", " ")}.`);
    }
    const above = splitCaps(curve).above;
    if (above.length > 0) {
      notes.push(`Above the chart: ${above.map((c) => c.label).join(", ")}.`);
    }
    ui.curveCaption.textContent = notes.join(" ");
    ui.curveBody.replaceChildren(
      ...curve.points.map((p) => {
        const row = document.createElement("tr");
        const note = [p.capped ? "capped" : "", p.ineligible?.replaceAll("_", " ") ?? ""]
          .filter((n) => n !== "")
          .join(", ");
        for (const text of [p.amount, p.coins, note]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.append(cell);
        }
        return row;
      }),
    );
  } catch (error) {
    empty(
      `No curve: ${issuesOf(error)
        .map((i) => `${i.path} ${i.message}`.trim())
        .join("; ")}`,
    );
  }
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
    const note = document.createElement("p");
    note.className = "placeholder";
    note.textContent = "The timeline appears when the lots, coins and date are valid.";
    ui.timeline.replaceChildren(note);
    ui.timeline.dataset.state = "empty";
    return;
  }
  const now = at.at.getTime();
  const plan = planRedemption(lots, coins, now);
  const rows = timelineRows(lots, now, plan);
  ui.timeline.innerHTML = timelineSvg(rows, now);
  ui.timeline.dataset.state = "ready";
  for (const { lot, state, order, takes } of rows) {
    const row = document.createElement("tr");
    row.className = takes === undefined ? state : `${state} planned`;
    const cells = [
      order === undefined ? "" : String(order),
      `#${lot.id}`,
      lot.remaining,
      lot.expiresAt === null ? "never" : instantLabel(lot.expiresAt),
      state,
      takes ?? "",
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

/** The event JSON the form edits: the last text of the JSON view that parsed as an object. */
let eventJson: Record<string, unknown> = {};

function showForm(): void {
  renderForm(ui.form, eventJson, onFormEdit);
}

/** Pauses the form (and says why) while the JSON view holds no event object. */
function pauseForm(reason: string | undefined): void {
  ui.formFieldset.disabled = reason !== undefined;
  ui.formNotice.hidden = reason === undefined;
  ui.formNotice.textContent = reason ?? "";
}

/** A form edit: rewrite the JSON view from the edited event, then preview again. */
function onFormEdit(edit: FormEdit, rerender: boolean): void {
  const at = readInstant(ui.at);
  eventJson = applyEdit(eventJson, edit, { now: at.ok ? at.at.getTime() : Date.now() });
  ui.eventJson.value = JSON.stringify(eventJson, null, 2);
  if (rerender) showForm();
  renderReward();
}

/** A JSON edit: when it parses to an object, the form shows it. */
function onJsonInput(): void {
  const json = parseJson(ui.eventJson.value, "event");
  if (json.ok && isObject(json.value)) {
    eventJson = json.value;
    pauseForm(undefined);
    showForm();
  } else {
    pauseForm(
      json.ok
        ? "The event JSON is not an object: the form is paused until it is."
        : "The event JSON does not parse: the form is paused until it does.",
    );
  }
  renderReward();
}

function loadSample(index: number): void {
  const sample = sampleEvents[index];
  if (sample === undefined) return;
  ui.eventJson.value = JSON.stringify(sample.event, null, 2);
  ui.amount.value = sample.amount;
  ui.at.value = sample.at;
  ui.curveMax.value = "";
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
    onJsonInput();
  });
  ui.eventJson.addEventListener("input", onJsonInput);
  for (const input of [ui.programJson, ui.amount, ui.level, ui.at, ui.curveMax]) {
    input.addEventListener("input", renderReward);
  }
  for (const input of [ui.lotsJson, ui.redeemCoins, ui.redeemAt]) {
    input.addEventListener("input", renderRedemption);
  }

  onJsonInput();
  renderRedemption();
  document.body.dataset.ready = "true";
}

start();
