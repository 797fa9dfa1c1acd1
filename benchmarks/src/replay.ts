/**
 * Replaying the statements a store sent for one command, for another account
 * and request id, with no library logic: the raw-SQL floor of the Postgres
 * benchmark.
 *
 * The same command is recorded on several capture accounts whose states
 * differ (versions, lot ids, entry seqs, remaining coins, counters that move
 * independently of each other). Every parameter is taken apart into its
 * leaves (JSON parameters leaf by leaf, the others whole), and each leaf is
 * classified by position:
 *
 * - the same in every capture (once the capture's own user and request id
 *   are replaced by markers): a constant, the ids swapped at replay;
 * - a value that equals, in every capture, a value an earlier statement of
 *   the same command returned plus one fixed offset (a version + 1, the next
 *   lot id, a lot's remaining − 1) or a copy of one: taken at replay from
 *   what that statement returns for the target account;
 * - anything else (clock readings, hashes, balances): the first capture's
 *   value, sent as it was.
 *
 * Nothing about the statements' text or the parameters' shape is assumed:
 * when the store's statements change, the plan follows. When it cannot, it
 * says so: captures that send different statements or differently shaped
 * parameters, a plan that does not reproduce every capture's parameters
 * exactly (including one held out of the fitting), a statement that returns
 * at replay something other than what it returned when captured, all throw.
 */

/** One statement as a store sent it, with what it returned. */
export interface Call {
  readonly via: "pool" | "client";
  readonly text: string;
  readonly values: readonly unknown[] | undefined;
  readonly rows: readonly Record<string, unknown>[];
}

/** One recorded command: the statements, on `user` with request id `request`. */
export interface Capture {
  readonly user: string;
  readonly request: string;
  readonly calls: readonly Call[];
}

/** Anything that runs a statement: a pool or a checked-out client. */
export interface Runner {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface PoolLike extends Runner {
  connect(): Promise<Runner & { release(destroy?: boolean | Error): void }>;
}

type Key = string | number;
type Path = readonly Key[];
/** A step into a result: a key or an index, or the one element of a list whose leaf `where` is `is`. */
type Step = Key | { readonly where: Path; readonly is: string | number | boolean };
type ResultPath = readonly Step[];

const USER = "\u27e6user\u27e7";
const REQUEST = "\u27e6request\u27e7";
const holeMark = (n: number) => `\u27e6hole ${n}\u27e7`;
const MARKS = /"\u27e6hole (\d+)\u27e7"|\u27e6user\u27e7|\u27e6request\u27e7/g;

/**
 * A leaf of a parameter (`param`: its index, then the path inside it) that
 * is not a constant: taken from an earlier statement's result (`offset` for
 * integers, `copy` for anything else), or sent as the first capture had it.
 */
type Hole = { readonly param: Path } & (
  | {
      readonly kind: "offset";
      readonly call: number;
      readonly path: ResultPath;
      readonly by: bigint;
      readonly asNumber: boolean;
    }
  | { readonly kind: "copy"; readonly call: number; readonly path: ResultPath }
  | { readonly kind: "fixed"; readonly value: unknown }
);

type Segment = string | { readonly id: "user" | "request" } | { readonly hole: number };

interface ParamPlan {
  /** The parameter is JSON text (rendered from segments) rather than a scalar. */
  readonly json: boolean;
  /** JSON: the text with ids and holes; scalar string: the string with ids. */
  readonly segments: readonly Segment[];
  /** Scalar: the value when it is neither a string nor a hole. */
  readonly scalar?: unknown;
  /** Scalar: the hole it is. */
  readonly hole?: number;
}

interface StepPlan {
  readonly via: Call["via"];
  readonly text: string;
  readonly params: readonly ParamPlan[] | undefined;
  /** The same params with every fixed leaf as a hole (to check a capture against its own values). */
  readonly checkParams: readonly ParamPlan[] | undefined;
  /** Holes of `params` and `checkParams`, by number. */
  readonly holes: readonly Hole[];
  /** Its result feeds a later statement: kept during a replay. */
  readonly source: boolean;
  /** What it must return (JSON of the rows, ids as markers), when that never varied. */
  readonly expect: readonly Segment[] | undefined;
  /** Short name, for the report. */
  readonly label: string;
}

export interface PlanSummary {
  readonly statements: string[];
  /** Leaves taken from an earlier statement's result at replay. */
  readonly followed: number;
  /** Leaves sent as the first capture had them although they varied between captures. */
  readonly fixed: string[];
}

// ------------------------------------------------------------------- leaves

function swapIn(text: string, capture: Capture): string {
  return text.split(capture.request).join(REQUEST).split(capture.user).join(USER);
}

/** A copy of `node` with the capture's ids replaced by markers in every string. */
function normalize(node: unknown, capture: Capture): unknown {
  if (typeof node === "string") return swapIn(node, capture);
  if (Array.isArray(node)) return node.map((x) => normalize(x, capture));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, normalize(v, capture)]));
  }
  return node;
}

function leaves(
  node: unknown,
  path: Key[] = [],
  out: { path: Path; value: unknown }[] = [],
): { path: Path; value: unknown }[] {
  if (Array.isArray(node)) {
    node.forEach((x, i) => {
      leaves(x, [...path, i], out);
    });
  } else if (node !== null && typeof node === "object") {
    for (const [k, x] of Object.entries(node)) leaves(x, [...path, k], out);
  } else out.push({ path, value: node });
  return out;
}

function shape(node: unknown): string {
  if (Array.isArray(node)) return `[${node.map(shape).join(",")}]`;
  if (node !== null && typeof node === "object") {
    return `{${Object.entries(node)
      .map(([k, v]) => `${JSON.stringify(k)}:${shape(v)}`)
      .join(",")}}`;
  }
  return "·";
}

function at(node: unknown, path: ResultPath): unknown {
  let here: unknown = node;
  for (const step of path) {
    if (here === null || typeof here !== "object") return undefined;
    if (typeof step === "object") {
      if (!Array.isArray(here)) return undefined;
      here = here.find((element) => at(element, step.where) === step.is);
    } else here = (here as Record<Key, unknown>)[step];
  }
  return here;
}

function integer(value: unknown): bigint | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === "string" && /^-?\d{1,30}$/.test(value)) return BigInt(value);
  return undefined;
}

function pathText(path: ResultPath): string {
  return path
    .map((k) =>
      typeof k === "object"
        ? `[${pathText(k.where)}=${JSON.stringify(k.is)}]`
        : typeof k === "number"
          ? `[${k}]`
          : `.${k}`,
    )
    .join("");
}

interface Param {
  readonly json: boolean;
  readonly tree: unknown;
}

function parseParam(value: unknown): Param {
  if (typeof value === "string" && /^[[{]/.test(value)) {
    try {
      return { json: true, tree: JSON.parse(value) };
    } catch {
      // not JSON after all: a scalar
    }
  }
  return { json: false, tree: value };
}

// ----------------------------------------------------------------- building

function fail(what: string, message: string): never {
  throw new Error(`${what}: ${message}; the floor cannot replay it`);
}

/** A leaf of one statement's result, found the same way in every capture. */
interface Source {
  readonly path: ResultPath;
  /** Its value in each capture (ids as markers). */
  readonly values: readonly unknown[];
}

function isContainer(node: unknown): boolean {
  return node !== null && typeof node === "object";
}

/**
 * Every leaf of one statement's result in the first capture, with a path that
 * finds the same leaf in every capture. An element of a list of containers
 * (rows, lots, counters) is picked by a leaf that holds the same value in
 * every capture and is unique in its list there (a lot by its id, say),
 * never by its position: lists come back in whatever order the server reads
 * them (an updated row moves to the end of the heap). Leaves that cannot be
 * found so in every capture are left out.
 */
function sourcesOf(rows: readonly unknown[]): Source[] {
  const out: Source[] = [];
  const chosen = new Map<string, Step | null>();
  const walk = (nodes: readonly unknown[], path: Step[], key: string) => {
    const model = nodes[0];
    if (!isContainer(model)) {
      out.push({ path: [...path], values: nodes });
      return;
    }
    const entries: [Key, unknown][] = Array.isArray(model)
      ? model.map((x, i) => [i, x])
      : Object.entries(model as object);
    for (const [k, element] of entries) {
      const here = `${key}/${String(k)}`;
      if (Array.isArray(model) && isContainer(element)) {
        let step = chosen.get(here);
        if (step === undefined) {
          step = selector(nodes, element) ?? null;
          chosen.set(here, step);
        }
        if (step !== null) {
          const picked = nodes.map((n) => at(n, [step as Step]));
          walk(picked, [...path, step], here);
          continue;
        }
      }
      const next = nodes.map((n) => (isContainer(n) ? (n as Record<Key, unknown>)[k] : undefined));
      if (next.some((n) => n === undefined)) continue;
      walk(next, [...path, k], here);
    }
  };
  walk(rows, [], "");
  return out;
}

/** A leaf of `element` that picks it, and only one element, out of every capture's list. */
function selector(lists: readonly unknown[], element: unknown): Step | undefined {
  for (const { path, value } of leaves(element)) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
      continue;
    if (typeof value === "string" && value.includes("\u27e6")) continue;
    const unique = lists.every(
      (list) => Array.isArray(list) && list.filter((e) => at(e, path) === value).length === 1,
    );
    if (unique) return { where: path, is: value };
  }
  return undefined;
}

/**
 * Fit a plan on `fit` (at least two captures of the same command on accounts
 * in different states), then check that it reproduces every capture, and
 * `heldOut` (not used for fitting), exactly.
 */
export function buildPlan(
  what: string,
  fit: readonly Capture[],
  heldOut: Capture,
  label: (text: string) => string = defaultLabel,
): ReplayPlan {
  const first = fit[0];
  if (first === undefined || fit.length < 2) {
    throw new Error(`${what}: at least two captures are needed to fit a plan`);
  }
  const n = first.calls.length;
  for (const capture of [...fit, heldOut]) {
    if (capture.calls.length !== n) {
      fail(
        what,
        `the store sent ${capture.calls.length} statements for ${capture.user} but ${n} for ${first.user}`,
      );
    }
    capture.calls.forEach((call, i) => {
      const model = first.calls[i] as Call;
      if (call.via !== model.via || swapIn(call.text, capture) !== swapIn(model.text, first)) {
        fail(what, `statement ${i + 1} differs between captures:\n${call.text.slice(0, 200)}`);
      }
    });
  }

  const results = first.calls.map((_, k) =>
    sourcesOf(fit.map((capture) => normalize((capture.calls[k] as Call).rows, capture))),
  );
  const sources = new Set<number>();

  const steps = first.calls.map((call, i): Omit<StepPlan, "source" | "expect"> => {
    const perCapture = fit.map((capture) =>
      (capture.calls[i] as Call).values?.map((v) => {
        const p = parseParam(v);
        return { json: p.json, tree: normalize(p.tree, capture) };
      }),
    );
    const model = perCapture[0];
    for (const ps of perCapture) {
      if (ps?.length !== model?.length) {
        fail(
          what,
          `statement ${i + 1} has ${ps?.length ?? 0} parameters for one account and ${model?.length ?? 0} for another`,
        );
      }
    }
    const holes: Hole[] = [];
    const base = { via: call.via, text: call.text, holes, label: label(call.text) };
    if (model === undefined) return { ...base, params: undefined, checkParams: undefined };
    const params: ParamPlan[] = [];
    const checkParams: ParamPlan[] = [];
    model.forEach((param, j) => {
      const versions = perCapture.map((ps) => ps?.[j]);
      for (const v of versions) {
        if (v === undefined || v.json !== param.json || shape(v.tree) !== shape(param.tree)) {
          fail(what, `parameter $${j + 1} of statement ${i + 1} is shaped differently per account`);
        }
      }
      const byPath = new Map<string, number>();
      for (const leaf of leaves(param.tree)) {
        const values = versions.map((v) => at((v as Param).tree, leaf.path));
        if (values.every((v) => v === values[0])) continue;
        const found = fitLeaf(values, results, i);
        if (found !== undefined) sources.add(found.call);
        byPath.set(JSON.stringify(leaf.path), holes.length);
        holes.push(
          found === undefined
            ? { kind: "fixed", param: [j, ...leaf.path], value: leaf.value }
            : { ...found, param: [j, ...leaf.path] },
        );
      }
      params.push(compileParam(param, byPath, holes, false));
      checkParams.push(compileParam(param, byPath, holes, true));
    });
    return { ...base, params, checkParams };
  });

  // What each statement returned, when that never varied: a replay must get the same.
  const plan = steps.map((step, i): StepPlan => {
    const answers = fit.map((capture) =>
      JSON.stringify(normalize((capture.calls[i] as Call).rows, capture)),
    );
    const same = answers.every((a) => a === answers[0]);
    return {
      ...step,
      source: sources.has(i),
      expect: !sources.has(i) && same ? segmentsOf(answers[0] as string) : undefined,
    };
  });

  const replay = new ReplayPlan(what, plan);
  for (const capture of [...fit, heldOut]) replay.check(capture);
  return replay;
}

/**
 * The earlier result leaf every capture's value follows: a copy if there is
 * one, else an integer at a fixed offset; nearest statement first.
 */
function fitLeaf(
  values: readonly unknown[],
  results: readonly (readonly Source[])[],
  before: number,
):
  | { kind: "offset"; call: number; path: ResultPath; by: bigint; asNumber: boolean }
  | { kind: "copy"; call: number; path: ResultPath }
  | undefined {
  for (let k = before - 1; k >= 0; k--) {
    for (const { path, values: found } of results[k] ?? []) {
      if (found.every((s, x) => s === values[x])) return { kind: "copy", call: k, path };
    }
  }
  const ints = values.map(integer);
  if (ints.some((v) => v === undefined)) return undefined;
  for (let k = before - 1; k >= 0; k--) {
    for (const { path, values: found } of results[k] ?? []) {
      const bases = found.map(integer);
      if (bases.some((s) => s === undefined)) continue;
      const by = (ints[0] as bigint) - (bases[0] as bigint);
      if (ints.every((v, x) => (v as bigint) - (bases[x] as bigint) === by)) {
        return { kind: "offset", call: k, path, by, asNumber: typeof values[0] === "number" };
      }
    }
  }
  return undefined;
}

function segmentsOf(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(MARKS)) {
    const index = m.index ?? 0;
    if (index > last) out.push(text.slice(last, index));
    if (m[1] !== undefined) out.push({ hole: Number(m[1]) });
    else out.push({ id: m[0] === USER ? "user" : "request" });
    last = index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function compileParam(
  param: Param,
  byPath: ReadonlyMap<string, number>,
  holes: readonly Hole[],
  fixedAsHoles: boolean,
): ParamPlan {
  const holeAt = (path: Path): number | undefined => {
    const n = byPath.get(JSON.stringify(path));
    if (n === undefined) return undefined;
    return !fixedAsHoles && (holes[n] as Hole).kind === "fixed" ? undefined : n;
  };
  if (!param.json) {
    const n = holeAt([]);
    if (n !== undefined) return { json: false, segments: [], hole: n };
    if (typeof param.tree === "string") return { json: false, segments: segmentsOf(param.tree) };
    return { json: false, segments: [], scalar: param.tree };
  }
  const mark = (node: unknown, path: Key[]): unknown => {
    const n = holeAt(path);
    if (n !== undefined) return holeMark(n);
    if (Array.isArray(node)) return node.map((x, i) => mark(x, [...path, i]));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mark(v, [...path, k])]));
    }
    return node;
  };
  return { json: true, segments: segmentsOf(JSON.stringify(mark(param.tree, []))) };
}

function defaultLabel(text: string): string {
  const words = text.trim().split(/\s+/);
  const head = (words[0] ?? "").toUpperCase();
  return head === "BEGIN" || head === "COMMIT" || head === "ROLLBACK"
    ? head
    : words.slice(0, 2).join(" ").replace(/[,(]$/, "");
}

// ------------------------------------------------------------------ replay

interface Ids {
  readonly user: string;
  readonly request: string;
  /** JSON-escaped forms, for use inside JSON strings. */
  readonly userJson: string;
  readonly requestJson: string;
}

function idsOf(user: string, request: string): Ids {
  return {
    user,
    request,
    userJson: JSON.stringify(user).slice(1, -1),
    requestJson: JSON.stringify(request).slice(1, -1),
  };
}

type Results = readonly (readonly Record<string, unknown>[] | undefined)[];

/** A fitted plan: replays the command for any account and request id. */
export class ReplayPlan {
  constructor(
    readonly what: string,
    readonly steps: readonly StepPlan[],
  ) {}

  summary(): PlanSummary {
    const fixed: string[] = [];
    let followed = 0;
    this.steps.forEach((step, i) => {
      for (const hole of step.holes) {
        if (hole.kind === "fixed") {
          fixed.push(`${i + 1}:$${Number(hole.param[0]) + 1}${pathText(hole.param.slice(1))}`);
        } else followed++;
      }
    });
    return {
      statements: this.steps.map((s) => (s.via === "pool" ? `${s.label} (pool)` : s.label)),
      followed,
      fixed,
    };
  }

  #holeValue(
    hole: Hole,
    json: boolean,
    ids: Ids,
    results: Results,
    own: ((param: Path) => unknown) | undefined,
  ): unknown {
    let value: unknown;
    if (hole.kind === "fixed") {
      value = own === undefined ? hole.value : own(hole.param);
      if (typeof value === "string") {
        value = value.split(REQUEST).join(ids.request).split(USER).join(ids.user);
      }
    } else {
      const source = at(results[hole.call], hole.path);
      if (source === undefined) {
        throw new Error(
          `${this.what}: statement ${hole.call + 1} returned nothing at ${pathText(hole.path)} for ${ids.user}`,
        );
      }
      if (hole.kind === "copy") value = source;
      else {
        const base = integer(source);
        if (base === undefined) {
          throw new Error(
            `${this.what}: statement ${hole.call + 1} returned ${JSON.stringify(source)} at ${pathText(hole.path)}, not an integer`,
          );
        }
        value = hole.asNumber ? Number(base + hole.by) : (base + hole.by).toString();
      }
    }
    return json ? JSON.stringify(value) : value;
  }

  #render(
    param: ParamPlan,
    step: StepPlan,
    ids: Ids,
    results: Results,
    own?: (param: Path) => unknown,
  ): unknown {
    if (param.hole !== undefined) {
      return this.#holeValue(step.holes[param.hole] as Hole, false, ids, results, own);
    }
    if (!param.json && param.segments.length === 0) return param.scalar;
    let text = "";
    for (const s of param.segments) {
      if (typeof s === "string") text += s;
      else if ("id" in s) {
        if (param.json) text += s.id === "user" ? ids.userJson : ids.requestJson;
        else text += s.id === "user" ? ids.user : ids.request;
      } else text += this.#holeValue(step.holes[s.hole] as Hole, true, ids, results, own);
    }
    return text;
  }

  #expected(step: StepPlan, ids: Ids): string {
    let text = "";
    for (const s of step.expect ?? []) {
      if (typeof s === "string") text += s;
      else if ("id" in s) text += s.id === "user" ? ids.userJson : ids.requestJson;
    }
    return text;
  }

  /** Throws unless the plan reproduces every parameter and answer of `capture` exactly. */
  check(capture: Capture): void {
    const ids = idsOf(capture.user, capture.request);
    const results = capture.calls.map((c) => c.rows);
    this.steps.forEach((step, i) => {
      const call = capture.calls[i] as Call;
      const trees = call.values?.map((v) => normalize(parseParam(v).tree, capture));
      const own = (param: Path) => at(trees?.[Number(param[0])], param.slice(1));
      step.checkParams?.forEach((param, j) => {
        const rendered = this.#render(param, step, ids, results, own);
        const recorded = call.values?.[j];
        if (rendered !== recorded) {
          fail(
            this.what,
            `for ${capture.user}, parameter $${j + 1} of statement ${i + 1} (${step.label}) comes out as\n  ${String(rendered).slice(0, 400)}\nwhere the store sent\n  ${String(recorded).slice(0, 400)}`,
          );
        }
      });
      if (step.expect !== undefined && JSON.stringify(call.rows) !== this.#expected(step, ids)) {
        fail(
          this.what,
          `statement ${i + 1} (${step.label}) answered differently for ${capture.user}`,
        );
      }
    });
  }

  /**
   * Send the statements for `user` and `request`: the ones the store sent
   * through the pool on the pool, the others in order on one connection
   * checked out of it. Each answer that never varied between captures must
   * come back the same; on any error the transaction is rolled back.
   */
  async run(pool: PoolLike, user: string, request: string): Promise<void> {
    const ids = idsOf(user, request);
    const results: (Record<string, unknown>[] | undefined)[] = [];
    let client: (Runner & { release(destroy?: boolean | Error): void }) | undefined;
    try {
      for (const [i, step] of this.steps.entries()) {
        const values = step.params?.map((p) => this.#render(p, step, ids, results));
        let target: Runner = pool;
        if (step.via === "client") {
          client ??= await pool.connect();
          target = client;
        }
        const result = await target.query(step.text, values);
        if (step.source) results[i] = result.rows;
        if (
          step.expect !== undefined &&
          JSON.stringify(result.rows) !== this.#expected(step, ids)
        ) {
          throw new Error(
            `${this.what}: statement ${i + 1} (${step.label}) answered ${JSON.stringify(result.rows).slice(0, 200)} for ${user}, not what it answered when captured`,
          );
        }
      }
    } catch (error) {
      await client?.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client?.release();
    }
  }
}
