/**
 * The form editor's DOM: renders `formModel(event)` and reports each change
 * as a `FormEdit` (see `form.ts`). Text fields report on every keystroke and
 * are not re-rendered meanwhile (focus and caret stay put); buttons and
 * selects ask for a re-render, since they change which fields exist.
 */
import {
  CALENDAR_UNITS,
  CAP_PERIODS,
  type DateRuleKind,
  type DateRuleModel,
  DURATION_UNITS,
  type FormEdit,
  formModel,
  issueConcerns,
  type Path,
  pathText,
  pickerToInstant,
} from "./form.js";

/** Called with each edit; `rerender` when the set of fields may have changed. */
export type OnEdit = (edit: FormEdit, rerender: boolean) => void;

type Child = Node | string;

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

let ids = 0;

/** A labelled text input bound to `path`; empty removes the field when `optional`. */
function textField(
  label: string,
  path: Path,
  value: string,
  onEdit: OnEdit,
  options: { optional?: boolean; prune?: boolean; placeholder?: string; type?: string } = {},
): HTMLElement {
  const id = `form-field-${++ids}`;
  const input = h("input", {
    id,
    type: options.type ?? "text",
    "data-path": pathText(path),
    autocomplete: "off",
  });
  if (options.type === undefined) input.setAttribute("inputmode", "decimal");
  if (options.placeholder !== undefined) input.placeholder = options.placeholder;
  input.value = value;
  input.addEventListener("input", () => {
    const raw = input.value.trim();
    const edit: FormEdit = {
      kind: "set",
      path,
      value: raw === "" && options.optional === true ? undefined : raw,
      ...(options.prune === true ? { prune: true } : {}),
    };
    onEdit(edit, false);
  });
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

/** An unlabelled input for a table cell (the column header labels it through `aria-label`). */
function cellInput(
  label: string,
  path: Path,
  value: string,
  onEdit: OnEdit,
  kind: "decimal" | "text" | "instant",
): HTMLInputElement {
  const input = h("input", {
    "aria-label": label,
    "data-path": pathText(path),
    autocomplete: "off",
  });
  if (kind === "instant") {
    input.type = "datetime-local";
    input.step = "60";
  } else if (kind === "decimal") input.setAttribute("inputmode", "decimal");
  input.value = value;
  input.addEventListener("input", () => {
    const raw = input.value.trim();
    onEdit({ kind: "set", path, value: kind === "instant" ? pickerToInstant(raw) : raw }, false);
  });
  return input;
}

/** A whole-number input; empty removes the field. */
function integerInput(label: string, path: Path, value: string, onEdit: OnEdit): HTMLElement {
  const id = `form-field-${++ids}`;
  const input = h("input", {
    id,
    type: "number",
    min: "0",
    step: "1",
    "data-path": pathText(path),
  });
  input.value = value;
  input.addEventListener("input", () => {
    const raw = input.value.trim();
    const n = Number(raw);
    const next = raw === "" ? undefined : Number.isSafeInteger(n) ? n : raw;
    onEdit({ kind: "set", path, value: next }, false);
  });
  return h("div", { class: "field" }, h("label", { for: id }, label), input);
}

function select(
  options: readonly (readonly [value: string, label: string])[],
  value: string,
  attributes: Record<string, string>,
  onChange: (value: string) => void,
): HTMLSelectElement {
  const node = h("select", attributes);
  const shown = options.some(([v]) => v === value)
    ? options
    : [[value, `${value === "" ? "—" : value} (not understood)`] as const, ...options];
  for (const [v, label] of shown) node.append(h("option", { value: v }, label));
  node.value = value;
  node.addEventListener("change", () => onChange(node.value));
  return node;
}

function button(label: string, onClick: () => void, attributes: Record<string, string> = {}) {
  const node = h("button", { type: "button", ...attributes }, label);
  node.addEventListener("click", onClick);
  return node;
}

function group(title: string, ...children: Child[]): HTMLFieldSetElement {
  return h("fieldset", { class: "group" }, h("legend", {}, title), ...children);
}

/** Renders the form for `event` into `root`, replacing what was there. */
export function renderForm(root: HTMLElement, event: unknown, onEdit: OnEdit): void {
  const model = formModel(event);
  const edit = (change: FormEdit) => onEdit(change, true);
  const r = model.reward;

  // Reward
  const reward = group(
    "Reward",
    h(
      "div",
      { class: "field" },
      h("label", { for: "form-reward-kind" }, "Kind"),
      select(
        [
          ["fixed", "Fixed coins"],
          ["percentage", "Percentage of the amount"],
          ["tiered", "Tiers by amount"],
        ],
        r.kind === "other" ? "" : r.kind,
        { id: "form-reward-kind", "data-path": "reward.kind" },
        (to) => {
          if (to !== "") edit({ kind: "rewardKind", to: to as "fixed" | "percentage" | "tiered" });
        },
      ),
    ),
  );
  if (r.kind === "fixed") {
    reward.append(textField("Coins per allocation", ["reward", "coins"], r.coins, onEdit));
  } else if (r.kind === "percentage") {
    reward.append(textField("Percent of the amount", ["reward", "percent"], r.percent, onEdit));
  } else if (r.kind === "tiered") {
    const body = h("tbody");
    r.tiers.forEach((tier, i) => {
      const base: Path = ["reward", "tiers", i];
      body.append(
        h(
          "tr",
          { "data-tier": String(i) },
          h(
            "td",
            {},
            cellInput(`Tier ${i + 1} from`, [...base, "from"], tier.from, onEdit, "decimal"),
          ),
          h(
            "td",
            {},
            select(
              [
                ["percent", "percent"],
                ["coins", "fixed coins"],
              ],
              tier.pays,
              { "aria-label": `Tier ${i + 1} pays` },
              (to) => edit({ kind: "tierPays", index: i, to: to as "percent" | "coins" }),
            ),
          ),
          h(
            "td",
            {},
            cellInput(
              `Tier ${i + 1} ${tier.pays}`,
              [...base, tier.pays],
              tier.value,
              onEdit,
              "decimal",
            ),
          ),
          h(
            "td",
            {},
            button("Remove", () => edit({ kind: "removeTier", index: i }), {
              class: "remove",
              "aria-label": `Remove tier ${i + 1}`,
              ...(r.tiers.length <= 1 ? { disabled: "" } : {}),
            }),
          ),
        ),
      );
    });
    reward.append(
      h(
        "div",
        { class: "field" },
        h("label", { for: "form-tier-mode" }, "Mode"),
        select(
          [
            ["flat", "flat: the whole amount at its tier"],
            ["progressive", "progressive: each slice at its tier"],
          ],
          r.mode === "" ? "flat" : r.mode,
          { id: "form-tier-mode", "data-path": "reward.mode" },
          (mode) => edit({ kind: "set", path: ["reward", "mode"], value: mode }),
        ),
      ),
      h(
        "table",
        { class: "form-table", id: "tiers-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "From (amount)"),
            h("th", {}, "Pays"),
            h("th", {}, "Rate / coins"),
            h("th"),
          ),
        ),
        body,
      ),
      button("Add tier", () => edit({ kind: "addTier" }), { id: "add-tier" }),
    );
  }

  // Promotions
  const promotions = group("Promotions");
  if (model.promotions.length > 0) {
    const body = h("tbody");
    model.promotions.forEach((p, i) => {
      const base: Path = ["promotions", i];
      body.append(
        h(
          "tr",
          {},
          h("td", {}, cellInput(`Promotion ${i + 1} id`, [...base, "id"], p.id, onEdit, "text")),
          h(
            "td",
            {},
            cellInput(
              `Promotion ${i + 1} multiplier`,
              [...base, "multiplier"],
              p.multiplier,
              onEdit,
              "decimal",
            ),
          ),
          h(
            "td",
            {},
            cellInput(
              `Promotion ${i + 1} from (UTC)`,
              [...base, "from"],
              p.from,
              onEdit,
              "instant",
            ),
          ),
          h(
            "td",
            {},
            cellInput(
              `Promotion ${i + 1} until (UTC)`,
              [...base, "until"],
              p.until,
              onEdit,
              "instant",
            ),
          ),
          h(
            "td",
            {},
            button("Remove", () => edit({ kind: "removePromotion", index: i }), {
              class: "remove",
              "aria-label": `Remove promotion ${i + 1}`,
            }),
          ),
        ),
      );
    });
    promotions.append(
      h(
        "table",
        { class: "form-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Id"),
            h("th", {}, "×"),
            h("th", {}, "From (UTC)"),
            h("th", {}, "Until (UTC)"),
            h("th"),
          ),
        ),
        body,
      ),
    );
  } else {
    promotions.append(h("p", { class: "muted" }, "No promotions: coins at ×1."));
  }
  promotions.append(
    h(
      "div",
      { class: "inline" },
      button("Add promotion", () => edit({ kind: "addPromotion" }), { id: "add-promotion" }),
      h("label", { for: "form-stack" }, "Several at once"),
      select(
        [
          ["", "not set (max)"],
          ["max", "max: the largest multiplier"],
          ["multiply", "multiply them"],
        ],
        model.stack,
        { id: "form-stack", "data-path": "stack" },
        (stack) => edit({ kind: "set", path: ["stack"], value: stack === "" ? undefined : stack }),
      ),
    ),
  );

  // Caps and minimum
  const caps = group(
    "Caps and minimum",
    h(
      "div",
      { class: "row" },
      textField(
        "Per allocation (coins)",
        ["caps", "perAllocation"],
        model.caps.perAllocation,
        onEdit,
        {
          optional: true,
          prune: true,
          placeholder: "no cap",
        },
      ),
      textField("Event budget (coins)", ["caps", "budget"], model.caps.budget, onEdit, {
        optional: true,
        prune: true,
        placeholder: "no budget",
      }),
    ),
  );
  model.caps.perUser.forEach((cap, i) => {
    const base: Path = ["caps", "perUser", i];
    caps.append(
      h(
        "div",
        { class: "inline per-user" },
        h("span", {}, "Per user:"),
        cellInput(`Per-user cap ${i + 1} coins`, [...base, "coins"], cap.coins, onEdit, "decimal"),
        h("span", {}, "coins per"),
        select(
          CAP_PERIODS.map((p) => [p, p] as const),
          cap.period,
          {
            "aria-label": `Per-user cap ${i + 1} period`,
            "data-path": pathText([...base, "period"]),
          },
          (period) => edit({ kind: "set", path: [...base, "period"], value: period }),
        ),
        button("Remove", () => edit({ kind: "removePerUserCap", index: i }), {
          class: "remove",
          "aria-label": `Remove per-user cap ${i + 1}`,
        }),
      ),
    );
  });
  caps.append(
    h(
      "div",
      { class: "row" },
      textField("Minimum amount", ["minAmount"], model.minAmount, onEdit, {
        optional: true,
        placeholder: "none",
      }),
      h(
        "div",
        { class: "field end" },
        button("Add per-user cap", () => edit({ kind: "addPerUserCap" }), {
          id: "add-per-user-cap",
          ...(model.caps.perUser.length >= CAP_PERIODS.length ? { disabled: "" } : {}),
        }),
      ),
    ),
  );

  root.replaceChildren(
    reward,
    promotions,
    caps,
    dateRuleGroup("Expiry", "expiry", model.expiry, onEdit),
    dateRuleGroup("Activation", "activation", model.activation, onEdit),
  );
}

function dateRuleGroup(
  title: string,
  field: "expiry" | "activation",
  rule: DateRuleModel,
  onEdit: OnEdit,
): HTMLFieldSetElement {
  const keyword = field === "expiry" ? "never" : "immediately";
  const kinds: (readonly [string, string])[] = [
    ["default", field === "expiry" ? "not set (never expires)" : "not set (immediately)"],
    [keyword, field === "expiry" ? "never" : "immediately"],
    ["duration", "after a duration"],
    ["endOf", "at the end of a calendar period"],
    ["at", "at a fixed instant"],
  ];
  const id = `form-${field}-kind`;
  const fieldset = group(
    title,
    h(
      "div",
      { class: "field" },
      h("label", { for: id }, field === "expiry" ? "Coins expire" : "Coins become spendable"),
      select(kinds, rule.kind === "other" ? "" : rule.kind, { id, "data-path": field }, (to) => {
        if (to !== "") onEdit({ kind: "dateRule", field, to: to as DateRuleKind }, true);
      }),
    ),
  );
  if (rule.kind === "duration") {
    fieldset.append(
      h(
        "div",
        { class: "row four" },
        ...DURATION_UNITS.map((unit) => integerInput(unit, [field, unit], rule[unit], onEdit)),
      ),
    );
  } else if (rule.kind === "endOf") {
    const unitId = `form-${field}-unit`;
    fieldset.append(
      h(
        "div",
        { class: "row" },
        h(
          "div",
          { class: "field" },
          h("label", { for: unitId }, "End of the"),
          select(
            CALENDAR_UNITS.map((u) => [u, u] as const),
            rule.endOf,
            { id: unitId, "data-path": pathText([field, "endOf"]) },
            (unit) => onEdit({ kind: "set", path: [field, "endOf"], value: unit }, true),
          ),
        ),
        integerInput("plus (periods)", [field, "plus"], rule.plus, onEdit),
      ),
    );
  } else if (rule.kind === "at") {
    const atId = `form-${field}-at`;
    const input = h("input", {
      id: atId,
      type: "datetime-local",
      step: "60",
      "data-path": pathText([field, "at"]),
    });
    input.value = rule.at;
    input.addEventListener("input", () =>
      onEdit({ kind: "set", path: [field, "at"], value: pickerToInstant(input.value) }, false),
    );
    fieldset.append(h("div", { class: "field" }, h("label", { for: atId }, "At (UTC)"), input));
  }
  return fieldset;
}

/** Marks the form's inputs that an issue concerns (`aria-invalid`), and clears the others. */
export function markIssues(root: HTMLElement, issuePaths: readonly string[]): void {
  for (const node of Array.from(root.querySelectorAll<HTMLElement>("[data-path]"))) {
    const path = node.dataset.path ?? "";
    const bad = issuePaths.some((issue) => issueConcerns(issue, path));
    if (bad) node.setAttribute("aria-invalid", "true");
    else node.removeAttribute("aria-invalid");
  }
}
