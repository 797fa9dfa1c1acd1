// packages/core/src/errors.ts
var errorCodes = {
  INVALID_INPUT: "The input is not valid.",
  EVENT_NOT_FOUND: "No coin event with this id exists in the program.",
  EVENT_EXISTS: "A coin event with this id already exists in the program.",
  EVENT_INACTIVE: "The coin event is not active at this time.",
  INSUFFICIENT_COINS: "The account does not hold enough available coins.",
  IDEMPOTENCY_CONFLICT: "This requestId was already used with a different payload.",
  VERSION_CONFLICT: "The coin event was changed by someone else; reload it and try again.",
  REQUEST_NOT_FOUND: "No booked request with this requestId exists in the program.",
  NOT_REVERSIBLE: "This request cannot be reversed.",
  REVERSAL_EXCEEDS_ORIGINAL: "The reversal asks for more coins than are left to reverse.",
  STORE_UNAVAILABLE: "The store could not be reached or did not answer in time.",
  INTERNAL: "Something failed inside coinage or its store that is not an outage; retrying will not help."
};
var CoinageError = class _CoinageError extends Error {
  name = "CoinageError";
  code;
  details;
  constructor(code, details, options) {
    super(
      options?.message ?? errorCodes[code],
      options?.cause === void 0 ? void 0 : { cause: options.cause }
    );
    this.code = code;
    this.details = details;
  }
  /** Narrow an unknown value to a `CoinageError`, optionally of one code. */
  static is(value, code) {
    return value instanceof _CoinageError && (code === void 0 || value.code === code);
  }
  toJSON() {
    return { code: this.code, message: this.message, details: this.details };
  }
};
function invalidInput(issues) {
  const list = Array.isArray(issues) ? issues : [issues];
  const first = list[0];
  const message = first === void 0 ? errorCodes.INVALID_INPUT : `Invalid input at ${first.path || "(root)"}: ${first.message}${list.length > 1 ? ` (and ${list.length - 1} more)` : ""}`;
  return new CoinageError("INVALID_INPUT", { issues: list }, { message });
}

// packages/core/src/input.ts
var MAX_DEPTH = 32;
var MAX_COPIED_ITEMS = 1e5;
var MAX_COPIED_VALUES = 1e5;
var NOT_PLAIN = Object.freeze(/* @__PURE__ */ Object.create(null));
var frozenData = /* @__PURE__ */ new WeakSet();
function markFrozenData(value) {
  frozenData.add(value);
  return value;
}
function isFrozenData(value) {
  return frozenData.has(value);
}
function readInput(value, path, options = {}) {
  if (typeof value !== "object" || value === null || frozenData.has(value)) return value;
  const budget = { left: MAX_COPIED_VALUES };
  return copy(value, path, options.children ?? path, 0, budget, path);
}
function readInputField(value, key, path, fieldPath) {
  if (typeof value !== "object" || value === null) return void 0;
  let isArray;
  try {
    isArray = Array.isArray(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isArray) return void 0;
  try {
    return value[key];
  } catch (error) {
    throw unreadable(fieldPath, error);
  }
}
function readList(value, path) {
  if (!guard(path, () => Array.isArray(value))) return void 0;
  const list = value;
  const length = arrayLength(list, path);
  if (length > MAX_COPIED_ITEMS) return sparse(length);
  const items = [];
  for (let i = 0; i < length; i++) items.push(guard(`${path}[${i}]`, () => list[i]));
  return items;
}
function readField(value, key, path) {
  return guard(path, () => value[key]);
}
function dateTime(value) {
  if (typeof value !== "object" || value === null) return void 0;
  try {
    return Date.prototype.getTime.call(value);
  } catch {
    return void 0;
  }
}
function guard(path, read) {
  try {
    return read();
  } catch (error) {
    throw unreadable(path, error);
  }
}
function unreadable(path, error) {
  return invalidInput({ path, message: `could not be read (${describeError(error)})` });
}
function copy(value, path, children, depth, budget, root) {
  if (typeof value !== "object" || value === null) return value;
  budget.left -= 1;
  if (budget.left < 0) {
    throw invalidInput({ path: root, message: "is too large to read" });
  }
  let isArray;
  let prototype;
  try {
    isArray = Array.isArray(value);
    prototype = isArray ? void 0 : Object.getPrototypeOf(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isArray) {
    const list = value;
    const length = arrayLength(list, path);
    if (length > MAX_COPIED_ITEMS) return sparse(length);
    if (depth >= MAX_DEPTH) return [];
    const out2 = [];
    for (let i = 0; i < length; i++) {
      let item;
      try {
        item = list[i];
      } catch (error) {
        throw unreadable(`${children}[${i}]`, error);
      }
      if (typeof item === "object" && item !== null) {
        const at = `${children}[${i}]`;
        item = copy(item, at, at, depth + 1, budget, root);
      }
      out2.push(item);
    }
    return out2;
  }
  const plain = prototype === Object.prototype || prototype === null;
  if (!plain) {
    const time = dateTime(value);
    if (time !== void 0) return new Date(time);
  }
  const out = plain ? {} : Object.create(NOT_PLAIN);
  if (depth >= MAX_DEPTH) return out;
  let keys;
  try {
    keys = Object.keys(value);
  } catch (error) {
    throw unreadable(path, error);
  }
  for (const key of keys) {
    let item;
    try {
      item = value[key];
    } catch (error) {
      throw unreadable(childPath(children, key), error);
    }
    if (typeof item === "object" && item !== null) {
      const at = childPath(children, key);
      item = copy(item, at, at, depth + 1, budget, root);
    }
    if (key === "__proto__") {
      Object.defineProperty(out, key, {
        value: item,
        writable: true,
        enumerable: true,
        configurable: true
      });
    } else out[key] = item;
  }
  return out;
}
function arrayLength(list, path) {
  const length = guard(path, () => list.length);
  if (!Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1) {
    throw invalidInput({ path, message: "is an array with an invalid length" });
  }
  return length;
}
function sparse(length) {
  const out = [];
  out.length = length;
  return out;
}
function childPath(path, key) {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}\u2026` : key)}]`;
}
function describeError(error) {
  try {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return text.length > 200 ? `${text.slice(0, 200)}\u2026` : text;
  } catch {
    return "it threw";
  }
}

// node_modules/.pnpm/decimal.js@10.6.0/node_modules/decimal.js/decimal.mjs
var EXP_LIMIT = 9e15;
var MAX_DIGITS = 1e9;
var NUMERALS = "0123456789abcdef";
var LN10 = "2.3025850929940456840179914546843642076011014886287729760333279009675726096773524802359972050895982983419677840422862486334095254650828067566662873690987816894829072083255546808437998948262331985283935053089653777326288461633662222876982198867465436674744042432743651550489343149393914796194044002221051017141748003688084012647080685567743216228355220114804663715659121373450747856947683463616792101806445070648000277502684916746550586856935673420670581136429224554405758925724208241314695689016758940256776311356919292033376587141660230105703089634572075440370847469940168269282808481184289314848524948644871927809676271275775397027668605952496716674183485704422507197965004714951050492214776567636938662976979522110718264549734772662425709429322582798502585509785265383207606726317164309505995087807523710333101197857547331541421808427543863591778117054309827482385045648019095610299291824318237525357709750539565187697510374970888692180205189339507238539205144634197265287286965110862571492198849978748873771345686209167058";
var PI = "3.1415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679821480865132823066470938446095505822317253594081284811174502841027019385211055596446229489549303819644288109756659334461284756482337867831652712019091456485669234603486104543266482133936072602491412737245870066063155881748815209209628292540917153643678925903600113305305488204665213841469519415116094330572703657595919530921861173819326117931051185480744623799627495673518857527248912279381830119491298336733624406566430860213949463952247371907021798609437027705392171762931767523846748184676694051320005681271452635608277857713427577896091736371787214684409012249534301465495853710507922796892589235420199561121290219608640344181598136297747713099605187072113499999983729780499510597317328160963185950244594553469083026425223082533446850352619311881710100031378387528865875332083814206171776691473035982534904287554687311595628638823537875937519577818577805321712268066130019278766111959092164201989380952572010654858632789";
var DEFAULTS = {
  // These values must be integers within the stated ranges (inclusive).
  // Most of these values can be changed at run-time using the `Decimal.config` method.
  // The maximum number of significant digits of the result of a calculation or base conversion.
  // E.g. `Decimal.config({ precision: 20 });`
  precision: 20,
  // 1 to MAX_DIGITS
  // The rounding mode used when rounding to `precision`.
  //
  // ROUND_UP         0 Away from zero.
  // ROUND_DOWN       1 Towards zero.
  // ROUND_CEIL       2 Towards +Infinity.
  // ROUND_FLOOR      3 Towards -Infinity.
  // ROUND_HALF_UP    4 Towards nearest neighbour. If equidistant, up.
  // ROUND_HALF_DOWN  5 Towards nearest neighbour. If equidistant, down.
  // ROUND_HALF_EVEN  6 Towards nearest neighbour. If equidistant, towards even neighbour.
  // ROUND_HALF_CEIL  7 Towards nearest neighbour. If equidistant, towards +Infinity.
  // ROUND_HALF_FLOOR 8 Towards nearest neighbour. If equidistant, towards -Infinity.
  //
  // E.g.
  // `Decimal.rounding = 4;`
  // `Decimal.rounding = Decimal.ROUND_HALF_UP;`
  rounding: 4,
  // 0 to 8
  // The modulo mode used when calculating the modulus: a mod n.
  // The quotient (q = a / n) is calculated according to the corresponding rounding mode.
  // The remainder (r) is calculated as: r = a - n * q.
  //
  // UP         0 The remainder is positive if the dividend is negative, else is negative.
  // DOWN       1 The remainder has the same sign as the dividend (JavaScript %).
  // FLOOR      3 The remainder has the same sign as the divisor (Python %).
  // HALF_EVEN  6 The IEEE 754 remainder function.
  // EUCLID     9 Euclidian division. q = sign(n) * floor(a / abs(n)). Always positive.
  //
  // Truncated division (1), floored division (3), the IEEE 754 remainder (6), and Euclidian
  // division (9) are commonly used for the modulus operation. The other rounding modes can also
  // be used, but they may not give useful results.
  modulo: 1,
  // 0 to 9
  // The exponent value at and beneath which `toString` returns exponential notation.
  // JavaScript numbers: -7
  toExpNeg: -7,
  // 0 to -EXP_LIMIT
  // The exponent value at and above which `toString` returns exponential notation.
  // JavaScript numbers: 21
  toExpPos: 21,
  // 0 to EXP_LIMIT
  // The minimum exponent value, beneath which underflow to zero occurs.
  // JavaScript numbers: -324  (5e-324)
  minE: -EXP_LIMIT,
  // -1 to -EXP_LIMIT
  // The maximum exponent value, above which overflow to Infinity occurs.
  // JavaScript numbers: 308  (1.7976931348623157e+308)
  maxE: EXP_LIMIT,
  // 1 to EXP_LIMIT
  // Whether to use cryptographically-secure random number generation, if available.
  crypto: false
  // true/false
};
var inexact;
var quadrant;
var external = true;
var decimalError = "[DecimalError] ";
var invalidArgument = decimalError + "Invalid argument: ";
var precisionLimitExceeded = decimalError + "Precision limit exceeded";
var cryptoUnavailable = decimalError + "crypto unavailable";
var tag = "[object Decimal]";
var mathfloor = Math.floor;
var mathpow = Math.pow;
var isBinary = /^0b([01]+(\.[01]*)?|\.[01]+)(p[+-]?\d+)?$/i;
var isHex = /^0x([0-9a-f]+(\.[0-9a-f]*)?|\.[0-9a-f]+)(p[+-]?\d+)?$/i;
var isOctal = /^0o([0-7]+(\.[0-7]*)?|\.[0-7]+)(p[+-]?\d+)?$/i;
var isDecimal = /^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
var BASE = 1e7;
var LOG_BASE = 7;
var MAX_SAFE_INTEGER = 9007199254740991;
var LN10_PRECISION = LN10.length - 1;
var PI_PRECISION = PI.length - 1;
var P = { toStringTag: tag };
P.absoluteValue = P.abs = function() {
  var x = new this.constructor(this);
  if (x.s < 0) x.s = 1;
  return finalise(x);
};
P.ceil = function() {
  return finalise(new this.constructor(this), this.e + 1, 2);
};
P.clampedTo = P.clamp = function(min2, max3) {
  var k, x = this, Ctor = x.constructor;
  min2 = new Ctor(min2);
  max3 = new Ctor(max3);
  if (!min2.s || !max3.s) return new Ctor(NaN);
  if (min2.gt(max3)) throw Error(invalidArgument + max3);
  k = x.cmp(min2);
  return k < 0 ? min2 : x.cmp(max3) > 0 ? max3 : new Ctor(x);
};
P.comparedTo = P.cmp = function(y) {
  var i, j, xdL, ydL, x = this, xd = x.d, yd = (y = new x.constructor(y)).d, xs = x.s, ys = y.s;
  if (!xd || !yd) {
    return !xs || !ys ? NaN : xs !== ys ? xs : xd === yd ? 0 : !xd ^ xs < 0 ? 1 : -1;
  }
  if (!xd[0] || !yd[0]) return xd[0] ? xs : yd[0] ? -ys : 0;
  if (xs !== ys) return xs;
  if (x.e !== y.e) return x.e > y.e ^ xs < 0 ? 1 : -1;
  xdL = xd.length;
  ydL = yd.length;
  for (i = 0, j = xdL < ydL ? xdL : ydL; i < j; ++i) {
    if (xd[i] !== yd[i]) return xd[i] > yd[i] ^ xs < 0 ? 1 : -1;
  }
  return xdL === ydL ? 0 : xdL > ydL ^ xs < 0 ? 1 : -1;
};
P.cosine = P.cos = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (!x.d) return new Ctor(NaN);
  if (!x.d[0]) return new Ctor(1);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + Math.max(x.e, x.sd()) + LOG_BASE;
  Ctor.rounding = 1;
  x = cosine(Ctor, toLessThanHalfPi(Ctor, x));
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return finalise(quadrant == 2 || quadrant == 3 ? x.neg() : x, pr, rm, true);
};
P.cubeRoot = P.cbrt = function() {
  var e, m, n, r, rep, s, sd, t, t3, t3plusx, x = this, Ctor = x.constructor;
  if (!x.isFinite() || x.isZero()) return new Ctor(x);
  external = false;
  s = x.s * mathpow(x.s * x, 1 / 3);
  if (!s || Math.abs(s) == 1 / 0) {
    n = digitsToString(x.d);
    e = x.e;
    if (s = (e - n.length + 1) % 3) n += s == 1 || s == -2 ? "0" : "00";
    s = mathpow(n, 1 / 3);
    e = mathfloor((e + 1) / 3) - (e % 3 == (e < 0 ? -1 : 2));
    if (s == 1 / 0) {
      n = "5e" + e;
    } else {
      n = s.toExponential();
      n = n.slice(0, n.indexOf("e") + 1) + e;
    }
    r = new Ctor(n);
    r.s = x.s;
  } else {
    r = new Ctor(s.toString());
  }
  sd = (e = Ctor.precision) + 3;
  for (; ; ) {
    t = r;
    t3 = t.times(t).times(t);
    t3plusx = t3.plus(x);
    r = divide(t3plusx.plus(x).times(t), t3plusx.plus(t3), sd + 2, 1);
    if (digitsToString(t.d).slice(0, sd) === (n = digitsToString(r.d)).slice(0, sd)) {
      n = n.slice(sd - 3, sd + 1);
      if (n == "9999" || !rep && n == "4999") {
        if (!rep) {
          finalise(t, e + 1, 0);
          if (t.times(t).times(t).eq(x)) {
            r = t;
            break;
          }
        }
        sd += 4;
        rep = 1;
      } else {
        if (!+n || !+n.slice(1) && n.charAt(0) == "5") {
          finalise(r, e + 1, 1);
          m = !r.times(r).times(r).eq(x);
        }
        break;
      }
    }
  }
  external = true;
  return finalise(r, e, Ctor.rounding, m);
};
P.decimalPlaces = P.dp = function() {
  var w, d = this.d, n = NaN;
  if (d) {
    w = d.length - 1;
    n = (w - mathfloor(this.e / LOG_BASE)) * LOG_BASE;
    w = d[w];
    if (w) for (; w % 10 == 0; w /= 10) n--;
    if (n < 0) n = 0;
  }
  return n;
};
P.dividedBy = P.div = function(y) {
  return divide(this, new this.constructor(y));
};
P.dividedToIntegerBy = P.divToInt = function(y) {
  var x = this, Ctor = x.constructor;
  return finalise(divide(x, new Ctor(y), 0, 1, 1), Ctor.precision, Ctor.rounding);
};
P.equals = P.eq = function(y) {
  return this.cmp(y) === 0;
};
P.floor = function() {
  return finalise(new this.constructor(this), this.e + 1, 3);
};
P.greaterThan = P.gt = function(y) {
  return this.cmp(y) > 0;
};
P.greaterThanOrEqualTo = P.gte = function(y) {
  var k = this.cmp(y);
  return k == 1 || k === 0;
};
P.hyperbolicCosine = P.cosh = function() {
  var k, n, pr, rm, len, x = this, Ctor = x.constructor, one = new Ctor(1);
  if (!x.isFinite()) return new Ctor(x.s ? 1 / 0 : NaN);
  if (x.isZero()) return one;
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + Math.max(x.e, x.sd()) + 4;
  Ctor.rounding = 1;
  len = x.d.length;
  if (len < 32) {
    k = Math.ceil(len / 3);
    n = (1 / tinyPow(4, k)).toString();
  } else {
    k = 16;
    n = "2.3283064365386962890625e-10";
  }
  x = taylorSeries(Ctor, 1, x.times(n), new Ctor(1), true);
  var cosh2_x, i = k, d8 = new Ctor(8);
  for (; i--; ) {
    cosh2_x = x.times(x);
    x = one.minus(cosh2_x.times(d8.minus(cosh2_x.times(d8))));
  }
  return finalise(x, Ctor.precision = pr, Ctor.rounding = rm, true);
};
P.hyperbolicSine = P.sinh = function() {
  var k, pr, rm, len, x = this, Ctor = x.constructor;
  if (!x.isFinite() || x.isZero()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + Math.max(x.e, x.sd()) + 4;
  Ctor.rounding = 1;
  len = x.d.length;
  if (len < 3) {
    x = taylorSeries(Ctor, 2, x, x, true);
  } else {
    k = 1.4 * Math.sqrt(len);
    k = k > 16 ? 16 : k | 0;
    x = x.times(1 / tinyPow(5, k));
    x = taylorSeries(Ctor, 2, x, x, true);
    var sinh2_x, d5 = new Ctor(5), d16 = new Ctor(16), d20 = new Ctor(20);
    for (; k--; ) {
      sinh2_x = x.times(x);
      x = x.times(d5.plus(sinh2_x.times(d16.times(sinh2_x).plus(d20))));
    }
  }
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return finalise(x, pr, rm, true);
};
P.hyperbolicTangent = P.tanh = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (!x.isFinite()) return new Ctor(x.s);
  if (x.isZero()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + 7;
  Ctor.rounding = 1;
  return divide(x.sinh(), x.cosh(), Ctor.precision = pr, Ctor.rounding = rm);
};
P.inverseCosine = P.acos = function() {
  var x = this, Ctor = x.constructor, k = x.abs().cmp(1), pr = Ctor.precision, rm = Ctor.rounding;
  if (k !== -1) {
    return k === 0 ? x.isNeg() ? getPi(Ctor, pr, rm) : new Ctor(0) : new Ctor(NaN);
  }
  if (x.isZero()) return getPi(Ctor, pr + 4, rm).times(0.5);
  Ctor.precision = pr + 6;
  Ctor.rounding = 1;
  x = new Ctor(1).minus(x).div(x.plus(1)).sqrt().atan();
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return x.times(2);
};
P.inverseHyperbolicCosine = P.acosh = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (x.lte(1)) return new Ctor(x.eq(1) ? 0 : NaN);
  if (!x.isFinite()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + Math.max(Math.abs(x.e), x.sd()) + 4;
  Ctor.rounding = 1;
  external = false;
  x = x.times(x).minus(1).sqrt().plus(x);
  external = true;
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return x.ln();
};
P.inverseHyperbolicSine = P.asinh = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (!x.isFinite() || x.isZero()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + 2 * Math.max(Math.abs(x.e), x.sd()) + 6;
  Ctor.rounding = 1;
  external = false;
  x = x.times(x).plus(1).sqrt().plus(x);
  external = true;
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return x.ln();
};
P.inverseHyperbolicTangent = P.atanh = function() {
  var pr, rm, wpr, xsd, x = this, Ctor = x.constructor;
  if (!x.isFinite()) return new Ctor(NaN);
  if (x.e >= 0) return new Ctor(x.abs().eq(1) ? x.s / 0 : x.isZero() ? x : NaN);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  xsd = x.sd();
  if (Math.max(xsd, pr) < 2 * -x.e - 1) return finalise(new Ctor(x), pr, rm, true);
  Ctor.precision = wpr = xsd - x.e;
  x = divide(x.plus(1), new Ctor(1).minus(x), wpr + pr, 1);
  Ctor.precision = pr + 4;
  Ctor.rounding = 1;
  x = x.ln();
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return x.times(0.5);
};
P.inverseSine = P.asin = function() {
  var halfPi, k, pr, rm, x = this, Ctor = x.constructor;
  if (x.isZero()) return new Ctor(x);
  k = x.abs().cmp(1);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  if (k !== -1) {
    if (k === 0) {
      halfPi = getPi(Ctor, pr + 4, rm).times(0.5);
      halfPi.s = x.s;
      return halfPi;
    }
    return new Ctor(NaN);
  }
  Ctor.precision = pr + 6;
  Ctor.rounding = 1;
  x = x.div(new Ctor(1).minus(x.times(x)).sqrt().plus(1)).atan();
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return x.times(2);
};
P.inverseTangent = P.atan = function() {
  var i, j, k, n, px, t, r, wpr, x2, x = this, Ctor = x.constructor, pr = Ctor.precision, rm = Ctor.rounding;
  if (!x.isFinite()) {
    if (!x.s) return new Ctor(NaN);
    if (pr + 4 <= PI_PRECISION) {
      r = getPi(Ctor, pr + 4, rm).times(0.5);
      r.s = x.s;
      return r;
    }
  } else if (x.isZero()) {
    return new Ctor(x);
  } else if (x.abs().eq(1) && pr + 4 <= PI_PRECISION) {
    r = getPi(Ctor, pr + 4, rm).times(0.25);
    r.s = x.s;
    return r;
  }
  Ctor.precision = wpr = pr + 10;
  Ctor.rounding = 1;
  k = Math.min(28, wpr / LOG_BASE + 2 | 0);
  for (i = k; i; --i) x = x.div(x.times(x).plus(1).sqrt().plus(1));
  external = false;
  j = Math.ceil(wpr / LOG_BASE);
  n = 1;
  x2 = x.times(x);
  r = new Ctor(x);
  px = x;
  for (; i !== -1; ) {
    px = px.times(x2);
    t = r.minus(px.div(n += 2));
    px = px.times(x2);
    r = t.plus(px.div(n += 2));
    if (r.d[j] !== void 0) for (i = j; r.d[i] === t.d[i] && i--; ) ;
  }
  if (k) r = r.times(2 << k - 1);
  external = true;
  return finalise(r, Ctor.precision = pr, Ctor.rounding = rm, true);
};
P.isFinite = function() {
  return !!this.d;
};
P.isInteger = P.isInt = function() {
  return !!this.d && mathfloor(this.e / LOG_BASE) > this.d.length - 2;
};
P.isNaN = function() {
  return !this.s;
};
P.isNegative = P.isNeg = function() {
  return this.s < 0;
};
P.isPositive = P.isPos = function() {
  return this.s > 0;
};
P.isZero = function() {
  return !!this.d && this.d[0] === 0;
};
P.lessThan = P.lt = function(y) {
  return this.cmp(y) < 0;
};
P.lessThanOrEqualTo = P.lte = function(y) {
  return this.cmp(y) < 1;
};
P.logarithm = P.log = function(base) {
  var isBase10, d, denominator, k, inf, num, sd, r, arg = this, Ctor = arg.constructor, pr = Ctor.precision, rm = Ctor.rounding, guard2 = 5;
  if (base == null) {
    base = new Ctor(10);
    isBase10 = true;
  } else {
    base = new Ctor(base);
    d = base.d;
    if (base.s < 0 || !d || !d[0] || base.eq(1)) return new Ctor(NaN);
    isBase10 = base.eq(10);
  }
  d = arg.d;
  if (arg.s < 0 || !d || !d[0] || arg.eq(1)) {
    return new Ctor(d && !d[0] ? -1 / 0 : arg.s != 1 ? NaN : d ? 0 : 1 / 0);
  }
  if (isBase10) {
    if (d.length > 1) {
      inf = true;
    } else {
      for (k = d[0]; k % 10 === 0; ) k /= 10;
      inf = k !== 1;
    }
  }
  external = false;
  sd = pr + guard2;
  num = naturalLogarithm(arg, sd);
  denominator = isBase10 ? getLn10(Ctor, sd + 10) : naturalLogarithm(base, sd);
  r = divide(num, denominator, sd, 1);
  if (checkRoundingDigits(r.d, k = pr, rm)) {
    do {
      sd += 10;
      num = naturalLogarithm(arg, sd);
      denominator = isBase10 ? getLn10(Ctor, sd + 10) : naturalLogarithm(base, sd);
      r = divide(num, denominator, sd, 1);
      if (!inf) {
        if (+digitsToString(r.d).slice(k + 1, k + 15) + 1 == 1e14) {
          r = finalise(r, pr + 1, 0);
        }
        break;
      }
    } while (checkRoundingDigits(r.d, k += 10, rm));
  }
  external = true;
  return finalise(r, pr, rm);
};
P.minus = P.sub = function(y) {
  var d, e, i, j, k, len, pr, rm, xd, xe, xLTy, yd, x = this, Ctor = x.constructor;
  y = new Ctor(y);
  if (!x.d || !y.d) {
    if (!x.s || !y.s) y = new Ctor(NaN);
    else if (x.d) y.s = -y.s;
    else y = new Ctor(y.d || x.s !== y.s ? x : NaN);
    return y;
  }
  if (x.s != y.s) {
    y.s = -y.s;
    return x.plus(y);
  }
  xd = x.d;
  yd = y.d;
  pr = Ctor.precision;
  rm = Ctor.rounding;
  if (!xd[0] || !yd[0]) {
    if (yd[0]) y.s = -y.s;
    else if (xd[0]) y = new Ctor(x);
    else return new Ctor(rm === 3 ? -0 : 0);
    return external ? finalise(y, pr, rm) : y;
  }
  e = mathfloor(y.e / LOG_BASE);
  xe = mathfloor(x.e / LOG_BASE);
  xd = xd.slice();
  k = xe - e;
  if (k) {
    xLTy = k < 0;
    if (xLTy) {
      d = xd;
      k = -k;
      len = yd.length;
    } else {
      d = yd;
      e = xe;
      len = xd.length;
    }
    i = Math.max(Math.ceil(pr / LOG_BASE), len) + 2;
    if (k > i) {
      k = i;
      d.length = 1;
    }
    d.reverse();
    for (i = k; i--; ) d.push(0);
    d.reverse();
  } else {
    i = xd.length;
    len = yd.length;
    xLTy = i < len;
    if (xLTy) len = i;
    for (i = 0; i < len; i++) {
      if (xd[i] != yd[i]) {
        xLTy = xd[i] < yd[i];
        break;
      }
    }
    k = 0;
  }
  if (xLTy) {
    d = xd;
    xd = yd;
    yd = d;
    y.s = -y.s;
  }
  len = xd.length;
  for (i = yd.length - len; i > 0; --i) xd[len++] = 0;
  for (i = yd.length; i > k; ) {
    if (xd[--i] < yd[i]) {
      for (j = i; j && xd[--j] === 0; ) xd[j] = BASE - 1;
      --xd[j];
      xd[i] += BASE;
    }
    xd[i] -= yd[i];
  }
  for (; xd[--len] === 0; ) xd.pop();
  for (; xd[0] === 0; xd.shift()) --e;
  if (!xd[0]) return new Ctor(rm === 3 ? -0 : 0);
  y.d = xd;
  y.e = getBase10Exponent(xd, e);
  return external ? finalise(y, pr, rm) : y;
};
P.modulo = P.mod = function(y) {
  var q, x = this, Ctor = x.constructor;
  y = new Ctor(y);
  if (!x.d || !y.s || y.d && !y.d[0]) return new Ctor(NaN);
  if (!y.d || x.d && !x.d[0]) {
    return finalise(new Ctor(x), Ctor.precision, Ctor.rounding);
  }
  external = false;
  if (Ctor.modulo == 9) {
    q = divide(x, y.abs(), 0, 3, 1);
    q.s *= y.s;
  } else {
    q = divide(x, y, 0, Ctor.modulo, 1);
  }
  q = q.times(y);
  external = true;
  return x.minus(q);
};
P.naturalExponential = P.exp = function() {
  return naturalExponential(this);
};
P.naturalLogarithm = P.ln = function() {
  return naturalLogarithm(this);
};
P.negated = P.neg = function() {
  var x = new this.constructor(this);
  x.s = -x.s;
  return finalise(x);
};
P.plus = P.add = function(y) {
  var carry, d, e, i, k, len, pr, rm, xd, yd, x = this, Ctor = x.constructor;
  y = new Ctor(y);
  if (!x.d || !y.d) {
    if (!x.s || !y.s) y = new Ctor(NaN);
    else if (!x.d) y = new Ctor(y.d || x.s === y.s ? x : NaN);
    return y;
  }
  if (x.s != y.s) {
    y.s = -y.s;
    return x.minus(y);
  }
  xd = x.d;
  yd = y.d;
  pr = Ctor.precision;
  rm = Ctor.rounding;
  if (!xd[0] || !yd[0]) {
    if (!yd[0]) y = new Ctor(x);
    return external ? finalise(y, pr, rm) : y;
  }
  k = mathfloor(x.e / LOG_BASE);
  e = mathfloor(y.e / LOG_BASE);
  xd = xd.slice();
  i = k - e;
  if (i) {
    if (i < 0) {
      d = xd;
      i = -i;
      len = yd.length;
    } else {
      d = yd;
      e = k;
      len = xd.length;
    }
    k = Math.ceil(pr / LOG_BASE);
    len = k > len ? k + 1 : len + 1;
    if (i > len) {
      i = len;
      d.length = 1;
    }
    d.reverse();
    for (; i--; ) d.push(0);
    d.reverse();
  }
  len = xd.length;
  i = yd.length;
  if (len - i < 0) {
    i = len;
    d = yd;
    yd = xd;
    xd = d;
  }
  for (carry = 0; i; ) {
    carry = (xd[--i] = xd[i] + yd[i] + carry) / BASE | 0;
    xd[i] %= BASE;
  }
  if (carry) {
    xd.unshift(carry);
    ++e;
  }
  for (len = xd.length; xd[--len] == 0; ) xd.pop();
  y.d = xd;
  y.e = getBase10Exponent(xd, e);
  return external ? finalise(y, pr, rm) : y;
};
P.precision = P.sd = function(z) {
  var k, x = this;
  if (z !== void 0 && z !== !!z && z !== 1 && z !== 0) throw Error(invalidArgument + z);
  if (x.d) {
    k = getPrecision(x.d);
    if (z && x.e + 1 > k) k = x.e + 1;
  } else {
    k = NaN;
  }
  return k;
};
P.round = function() {
  var x = this, Ctor = x.constructor;
  return finalise(new Ctor(x), x.e + 1, Ctor.rounding);
};
P.sine = P.sin = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (!x.isFinite()) return new Ctor(NaN);
  if (x.isZero()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + Math.max(x.e, x.sd()) + LOG_BASE;
  Ctor.rounding = 1;
  x = sine(Ctor, toLessThanHalfPi(Ctor, x));
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return finalise(quadrant > 2 ? x.neg() : x, pr, rm, true);
};
P.squareRoot = P.sqrt = function() {
  var m, n, sd, r, rep, t, x = this, d = x.d, e = x.e, s = x.s, Ctor = x.constructor;
  if (s !== 1 || !d || !d[0]) {
    return new Ctor(!s || s < 0 && (!d || d[0]) ? NaN : d ? x : 1 / 0);
  }
  external = false;
  s = Math.sqrt(+x);
  if (s == 0 || s == 1 / 0) {
    n = digitsToString(d);
    if ((n.length + e) % 2 == 0) n += "0";
    s = Math.sqrt(n);
    e = mathfloor((e + 1) / 2) - (e < 0 || e % 2);
    if (s == 1 / 0) {
      n = "5e" + e;
    } else {
      n = s.toExponential();
      n = n.slice(0, n.indexOf("e") + 1) + e;
    }
    r = new Ctor(n);
  } else {
    r = new Ctor(s.toString());
  }
  sd = (e = Ctor.precision) + 3;
  for (; ; ) {
    t = r;
    r = t.plus(divide(x, t, sd + 2, 1)).times(0.5);
    if (digitsToString(t.d).slice(0, sd) === (n = digitsToString(r.d)).slice(0, sd)) {
      n = n.slice(sd - 3, sd + 1);
      if (n == "9999" || !rep && n == "4999") {
        if (!rep) {
          finalise(t, e + 1, 0);
          if (t.times(t).eq(x)) {
            r = t;
            break;
          }
        }
        sd += 4;
        rep = 1;
      } else {
        if (!+n || !+n.slice(1) && n.charAt(0) == "5") {
          finalise(r, e + 1, 1);
          m = !r.times(r).eq(x);
        }
        break;
      }
    }
  }
  external = true;
  return finalise(r, e, Ctor.rounding, m);
};
P.tangent = P.tan = function() {
  var pr, rm, x = this, Ctor = x.constructor;
  if (!x.isFinite()) return new Ctor(NaN);
  if (x.isZero()) return new Ctor(x);
  pr = Ctor.precision;
  rm = Ctor.rounding;
  Ctor.precision = pr + 10;
  Ctor.rounding = 1;
  x = x.sin();
  x.s = 1;
  x = divide(x, new Ctor(1).minus(x.times(x)).sqrt(), pr + 10, 0);
  Ctor.precision = pr;
  Ctor.rounding = rm;
  return finalise(quadrant == 2 || quadrant == 4 ? x.neg() : x, pr, rm, true);
};
P.times = P.mul = function(y) {
  var carry, e, i, k, r, rL, t, xdL, ydL, x = this, Ctor = x.constructor, xd = x.d, yd = (y = new Ctor(y)).d;
  y.s *= x.s;
  if (!xd || !xd[0] || !yd || !yd[0]) {
    return new Ctor(!y.s || xd && !xd[0] && !yd || yd && !yd[0] && !xd ? NaN : !xd || !yd ? y.s / 0 : y.s * 0);
  }
  e = mathfloor(x.e / LOG_BASE) + mathfloor(y.e / LOG_BASE);
  xdL = xd.length;
  ydL = yd.length;
  if (xdL < ydL) {
    r = xd;
    xd = yd;
    yd = r;
    rL = xdL;
    xdL = ydL;
    ydL = rL;
  }
  r = [];
  rL = xdL + ydL;
  for (i = rL; i--; ) r.push(0);
  for (i = ydL; --i >= 0; ) {
    carry = 0;
    for (k = xdL + i; k > i; ) {
      t = r[k] + yd[i] * xd[k - i - 1] + carry;
      r[k--] = t % BASE | 0;
      carry = t / BASE | 0;
    }
    r[k] = (r[k] + carry) % BASE | 0;
  }
  for (; !r[--rL]; ) r.pop();
  if (carry) ++e;
  else r.shift();
  y.d = r;
  y.e = getBase10Exponent(r, e);
  return external ? finalise(y, Ctor.precision, Ctor.rounding) : y;
};
P.toBinary = function(sd, rm) {
  return toStringBinary(this, 2, sd, rm);
};
P.toDecimalPlaces = P.toDP = function(dp, rm) {
  var x = this, Ctor = x.constructor;
  x = new Ctor(x);
  if (dp === void 0) return x;
  checkInt32(dp, 0, MAX_DIGITS);
  if (rm === void 0) rm = Ctor.rounding;
  else checkInt32(rm, 0, 8);
  return finalise(x, dp + x.e + 1, rm);
};
P.toExponential = function(dp, rm) {
  var str, x = this, Ctor = x.constructor;
  if (dp === void 0) {
    str = finiteToString(x, true);
  } else {
    checkInt32(dp, 0, MAX_DIGITS);
    if (rm === void 0) rm = Ctor.rounding;
    else checkInt32(rm, 0, 8);
    x = finalise(new Ctor(x), dp + 1, rm);
    str = finiteToString(x, true, dp + 1);
  }
  return x.isNeg() && !x.isZero() ? "-" + str : str;
};
P.toFixed = function(dp, rm) {
  var str, y, x = this, Ctor = x.constructor;
  if (dp === void 0) {
    str = finiteToString(x);
  } else {
    checkInt32(dp, 0, MAX_DIGITS);
    if (rm === void 0) rm = Ctor.rounding;
    else checkInt32(rm, 0, 8);
    y = finalise(new Ctor(x), dp + x.e + 1, rm);
    str = finiteToString(y, false, dp + y.e + 1);
  }
  return x.isNeg() && !x.isZero() ? "-" + str : str;
};
P.toFraction = function(maxD) {
  var d, d0, d1, d2, e, k, n, n0, n1, pr, q, r, x = this, xd = x.d, Ctor = x.constructor;
  if (!xd) return new Ctor(x);
  n1 = d0 = new Ctor(1);
  d1 = n0 = new Ctor(0);
  d = new Ctor(d1);
  e = d.e = getPrecision(xd) - x.e - 1;
  k = e % LOG_BASE;
  d.d[0] = mathpow(10, k < 0 ? LOG_BASE + k : k);
  if (maxD == null) {
    maxD = e > 0 ? d : n1;
  } else {
    n = new Ctor(maxD);
    if (!n.isInt() || n.lt(n1)) throw Error(invalidArgument + n);
    maxD = n.gt(d) ? e > 0 ? d : n1 : n;
  }
  external = false;
  n = new Ctor(digitsToString(xd));
  pr = Ctor.precision;
  Ctor.precision = e = xd.length * LOG_BASE * 2;
  for (; ; ) {
    q = divide(n, d, 0, 1, 1);
    d2 = d0.plus(q.times(d1));
    if (d2.cmp(maxD) == 1) break;
    d0 = d1;
    d1 = d2;
    d2 = n1;
    n1 = n0.plus(q.times(d2));
    n0 = d2;
    d2 = d;
    d = n.minus(q.times(d2));
    n = d2;
  }
  d2 = divide(maxD.minus(d0), d1, 0, 1, 1);
  n0 = n0.plus(d2.times(n1));
  d0 = d0.plus(d2.times(d1));
  n0.s = n1.s = x.s;
  r = divide(n1, d1, e, 1).minus(x).abs().cmp(divide(n0, d0, e, 1).minus(x).abs()) < 1 ? [n1, d1] : [n0, d0];
  Ctor.precision = pr;
  external = true;
  return r;
};
P.toHexadecimal = P.toHex = function(sd, rm) {
  return toStringBinary(this, 16, sd, rm);
};
P.toNearest = function(y, rm) {
  var x = this, Ctor = x.constructor;
  x = new Ctor(x);
  if (y == null) {
    if (!x.d) return x;
    y = new Ctor(1);
    rm = Ctor.rounding;
  } else {
    y = new Ctor(y);
    if (rm === void 0) {
      rm = Ctor.rounding;
    } else {
      checkInt32(rm, 0, 8);
    }
    if (!x.d) return y.s ? x : y;
    if (!y.d) {
      if (y.s) y.s = x.s;
      return y;
    }
  }
  if (y.d[0]) {
    external = false;
    x = divide(x, y, 0, rm, 1).times(y);
    external = true;
    finalise(x);
  } else {
    y.s = x.s;
    x = y;
  }
  return x;
};
P.toNumber = function() {
  return +this;
};
P.toOctal = function(sd, rm) {
  return toStringBinary(this, 8, sd, rm);
};
P.toPower = P.pow = function(y) {
  var e, k, pr, r, rm, s, x = this, Ctor = x.constructor, yn = +(y = new Ctor(y));
  if (!x.d || !y.d || !x.d[0] || !y.d[0]) return new Ctor(mathpow(+x, yn));
  x = new Ctor(x);
  if (x.eq(1)) return x;
  pr = Ctor.precision;
  rm = Ctor.rounding;
  if (y.eq(1)) return finalise(x, pr, rm);
  e = mathfloor(y.e / LOG_BASE);
  if (e >= y.d.length - 1 && (k = yn < 0 ? -yn : yn) <= MAX_SAFE_INTEGER) {
    r = intPow(Ctor, x, k, pr);
    return y.s < 0 ? new Ctor(1).div(r) : finalise(r, pr, rm);
  }
  s = x.s;
  if (s < 0) {
    if (e < y.d.length - 1) return new Ctor(NaN);
    if ((y.d[e] & 1) == 0) s = 1;
    if (x.e == 0 && x.d[0] == 1 && x.d.length == 1) {
      x.s = s;
      return x;
    }
  }
  k = mathpow(+x, yn);
  e = k == 0 || !isFinite(k) ? mathfloor(yn * (Math.log("0." + digitsToString(x.d)) / Math.LN10 + x.e + 1)) : new Ctor(k + "").e;
  if (e > Ctor.maxE + 1 || e < Ctor.minE - 1) return new Ctor(e > 0 ? s / 0 : 0);
  external = false;
  Ctor.rounding = x.s = 1;
  k = Math.min(12, (e + "").length);
  r = naturalExponential(y.times(naturalLogarithm(x, pr + k)), pr);
  if (r.d) {
    r = finalise(r, pr + 5, 1);
    if (checkRoundingDigits(r.d, pr, rm)) {
      e = pr + 10;
      r = finalise(naturalExponential(y.times(naturalLogarithm(x, e + k)), e), e + 5, 1);
      if (+digitsToString(r.d).slice(pr + 1, pr + 15) + 1 == 1e14) {
        r = finalise(r, pr + 1, 0);
      }
    }
  }
  r.s = s;
  external = true;
  Ctor.rounding = rm;
  return finalise(r, pr, rm);
};
P.toPrecision = function(sd, rm) {
  var str, x = this, Ctor = x.constructor;
  if (sd === void 0) {
    str = finiteToString(x, x.e <= Ctor.toExpNeg || x.e >= Ctor.toExpPos);
  } else {
    checkInt32(sd, 1, MAX_DIGITS);
    if (rm === void 0) rm = Ctor.rounding;
    else checkInt32(rm, 0, 8);
    x = finalise(new Ctor(x), sd, rm);
    str = finiteToString(x, sd <= x.e || x.e <= Ctor.toExpNeg, sd);
  }
  return x.isNeg() && !x.isZero() ? "-" + str : str;
};
P.toSignificantDigits = P.toSD = function(sd, rm) {
  var x = this, Ctor = x.constructor;
  if (sd === void 0) {
    sd = Ctor.precision;
    rm = Ctor.rounding;
  } else {
    checkInt32(sd, 1, MAX_DIGITS);
    if (rm === void 0) rm = Ctor.rounding;
    else checkInt32(rm, 0, 8);
  }
  return finalise(new Ctor(x), sd, rm);
};
P.toString = function() {
  var x = this, Ctor = x.constructor, str = finiteToString(x, x.e <= Ctor.toExpNeg || x.e >= Ctor.toExpPos);
  return x.isNeg() && !x.isZero() ? "-" + str : str;
};
P.truncated = P.trunc = function() {
  return finalise(new this.constructor(this), this.e + 1, 1);
};
P.valueOf = P.toJSON = function() {
  var x = this, Ctor = x.constructor, str = finiteToString(x, x.e <= Ctor.toExpNeg || x.e >= Ctor.toExpPos);
  return x.isNeg() ? "-" + str : str;
};
function digitsToString(d) {
  var i, k, ws, indexOfLastWord = d.length - 1, str = "", w = d[0];
  if (indexOfLastWord > 0) {
    str += w;
    for (i = 1; i < indexOfLastWord; i++) {
      ws = d[i] + "";
      k = LOG_BASE - ws.length;
      if (k) str += getZeroString(k);
      str += ws;
    }
    w = d[i];
    ws = w + "";
    k = LOG_BASE - ws.length;
    if (k) str += getZeroString(k);
  } else if (w === 0) {
    return "0";
  }
  for (; w % 10 === 0; ) w /= 10;
  return str + w;
}
function checkInt32(i, min2, max3) {
  if (i !== ~~i || i < min2 || i > max3) {
    throw Error(invalidArgument + i);
  }
}
function checkRoundingDigits(d, i, rm, repeating) {
  var di, k, r, rd;
  for (k = d[0]; k >= 10; k /= 10) --i;
  if (--i < 0) {
    i += LOG_BASE;
    di = 0;
  } else {
    di = Math.ceil((i + 1) / LOG_BASE);
    i %= LOG_BASE;
  }
  k = mathpow(10, LOG_BASE - i);
  rd = d[di] % k | 0;
  if (repeating == null) {
    if (i < 3) {
      if (i == 0) rd = rd / 100 | 0;
      else if (i == 1) rd = rd / 10 | 0;
      r = rm < 4 && rd == 99999 || rm > 3 && rd == 49999 || rd == 5e4 || rd == 0;
    } else {
      r = (rm < 4 && rd + 1 == k || rm > 3 && rd + 1 == k / 2) && (d[di + 1] / k / 100 | 0) == mathpow(10, i - 2) - 1 || (rd == k / 2 || rd == 0) && (d[di + 1] / k / 100 | 0) == 0;
    }
  } else {
    if (i < 4) {
      if (i == 0) rd = rd / 1e3 | 0;
      else if (i == 1) rd = rd / 100 | 0;
      else if (i == 2) rd = rd / 10 | 0;
      r = (repeating || rm < 4) && rd == 9999 || !repeating && rm > 3 && rd == 4999;
    } else {
      r = ((repeating || rm < 4) && rd + 1 == k || !repeating && rm > 3 && rd + 1 == k / 2) && (d[di + 1] / k / 1e3 | 0) == mathpow(10, i - 3) - 1;
    }
  }
  return r;
}
function convertBase(str, baseIn, baseOut) {
  var j, arr = [0], arrL, i = 0, strL = str.length;
  for (; i < strL; ) {
    for (arrL = arr.length; arrL--; ) arr[arrL] *= baseIn;
    arr[0] += NUMERALS.indexOf(str.charAt(i++));
    for (j = 0; j < arr.length; j++) {
      if (arr[j] > baseOut - 1) {
        if (arr[j + 1] === void 0) arr[j + 1] = 0;
        arr[j + 1] += arr[j] / baseOut | 0;
        arr[j] %= baseOut;
      }
    }
  }
  return arr.reverse();
}
function cosine(Ctor, x) {
  var k, len, y;
  if (x.isZero()) return x;
  len = x.d.length;
  if (len < 32) {
    k = Math.ceil(len / 3);
    y = (1 / tinyPow(4, k)).toString();
  } else {
    k = 16;
    y = "2.3283064365386962890625e-10";
  }
  Ctor.precision += k;
  x = taylorSeries(Ctor, 1, x.times(y), new Ctor(1));
  for (var i = k; i--; ) {
    var cos2x = x.times(x);
    x = cos2x.times(cos2x).minus(cos2x).times(8).plus(1);
  }
  Ctor.precision -= k;
  return x;
}
var divide = /* @__PURE__ */ (function() {
  function multiplyInteger(x, k, base) {
    var temp, carry = 0, i = x.length;
    for (x = x.slice(); i--; ) {
      temp = x[i] * k + carry;
      x[i] = temp % base | 0;
      carry = temp / base | 0;
    }
    if (carry) x.unshift(carry);
    return x;
  }
  function compare(a, b, aL, bL) {
    var i, r;
    if (aL != bL) {
      r = aL > bL ? 1 : -1;
    } else {
      for (i = r = 0; i < aL; i++) {
        if (a[i] != b[i]) {
          r = a[i] > b[i] ? 1 : -1;
          break;
        }
      }
    }
    return r;
  }
  function subtract(a, b, aL, base) {
    var i = 0;
    for (; aL--; ) {
      a[aL] -= i;
      i = a[aL] < b[aL] ? 1 : 0;
      a[aL] = i * base + a[aL] - b[aL];
    }
    for (; !a[0] && a.length > 1; ) a.shift();
  }
  return function(x, y, pr, rm, dp, base) {
    var cmp, e, i, k, logBase, more, prod, prodL, q, qd, rem, remL, rem0, sd, t, xi, xL, yd0, yL, yz, Ctor = x.constructor, sign2 = x.s == y.s ? 1 : -1, xd = x.d, yd = y.d;
    if (!xd || !xd[0] || !yd || !yd[0]) {
      return new Ctor(
        // Return NaN if either NaN, or both Infinity or 0.
        !x.s || !y.s || (xd ? yd && xd[0] == yd[0] : !yd) ? NaN : (
          // Return ±0 if x is 0 or y is ±Infinity, or return ±Infinity as y is 0.
          xd && xd[0] == 0 || !yd ? sign2 * 0 : sign2 / 0
        )
      );
    }
    if (base) {
      logBase = 1;
      e = x.e - y.e;
    } else {
      base = BASE;
      logBase = LOG_BASE;
      e = mathfloor(x.e / logBase) - mathfloor(y.e / logBase);
    }
    yL = yd.length;
    xL = xd.length;
    q = new Ctor(sign2);
    qd = q.d = [];
    for (i = 0; yd[i] == (xd[i] || 0); i++) ;
    if (yd[i] > (xd[i] || 0)) e--;
    if (pr == null) {
      sd = pr = Ctor.precision;
      rm = Ctor.rounding;
    } else if (dp) {
      sd = pr + (x.e - y.e) + 1;
    } else {
      sd = pr;
    }
    if (sd < 0) {
      qd.push(1);
      more = true;
    } else {
      sd = sd / logBase + 2 | 0;
      i = 0;
      if (yL == 1) {
        k = 0;
        yd = yd[0];
        sd++;
        for (; (i < xL || k) && sd--; i++) {
          t = k * base + (xd[i] || 0);
          qd[i] = t / yd | 0;
          k = t % yd | 0;
        }
        more = k || i < xL;
      } else {
        k = base / (yd[0] + 1) | 0;
        if (k > 1) {
          yd = multiplyInteger(yd, k, base);
          xd = multiplyInteger(xd, k, base);
          yL = yd.length;
          xL = xd.length;
        }
        xi = yL;
        rem = xd.slice(0, yL);
        remL = rem.length;
        for (; remL < yL; ) rem[remL++] = 0;
        yz = yd.slice();
        yz.unshift(0);
        yd0 = yd[0];
        if (yd[1] >= base / 2) ++yd0;
        do {
          k = 0;
          cmp = compare(yd, rem, yL, remL);
          if (cmp < 0) {
            rem0 = rem[0];
            if (yL != remL) rem0 = rem0 * base + (rem[1] || 0);
            k = rem0 / yd0 | 0;
            if (k > 1) {
              if (k >= base) k = base - 1;
              prod = multiplyInteger(yd, k, base);
              prodL = prod.length;
              remL = rem.length;
              cmp = compare(prod, rem, prodL, remL);
              if (cmp == 1) {
                k--;
                subtract(prod, yL < prodL ? yz : yd, prodL, base);
              }
            } else {
              if (k == 0) cmp = k = 1;
              prod = yd.slice();
            }
            prodL = prod.length;
            if (prodL < remL) prod.unshift(0);
            subtract(rem, prod, remL, base);
            if (cmp == -1) {
              remL = rem.length;
              cmp = compare(yd, rem, yL, remL);
              if (cmp < 1) {
                k++;
                subtract(rem, yL < remL ? yz : yd, remL, base);
              }
            }
            remL = rem.length;
          } else if (cmp === 0) {
            k++;
            rem = [0];
          }
          qd[i++] = k;
          if (cmp && rem[0]) {
            rem[remL++] = xd[xi] || 0;
          } else {
            rem = [xd[xi]];
            remL = 1;
          }
        } while ((xi++ < xL || rem[0] !== void 0) && sd--);
        more = rem[0] !== void 0;
      }
      if (!qd[0]) qd.shift();
    }
    if (logBase == 1) {
      q.e = e;
      inexact = more;
    } else {
      for (i = 1, k = qd[0]; k >= 10; k /= 10) i++;
      q.e = i + e * logBase - 1;
      finalise(q, dp ? pr + q.e + 1 : pr, rm, more);
    }
    return q;
  };
})();
function finalise(x, sd, rm, isTruncated) {
  var digits, i, j, k, rd, roundUp, w, xd, xdi, Ctor = x.constructor;
  out: if (sd != null) {
    xd = x.d;
    if (!xd) return x;
    for (digits = 1, k = xd[0]; k >= 10; k /= 10) digits++;
    i = sd - digits;
    if (i < 0) {
      i += LOG_BASE;
      j = sd;
      w = xd[xdi = 0];
      rd = w / mathpow(10, digits - j - 1) % 10 | 0;
    } else {
      xdi = Math.ceil((i + 1) / LOG_BASE);
      k = xd.length;
      if (xdi >= k) {
        if (isTruncated) {
          for (; k++ <= xdi; ) xd.push(0);
          w = rd = 0;
          digits = 1;
          i %= LOG_BASE;
          j = i - LOG_BASE + 1;
        } else {
          break out;
        }
      } else {
        w = k = xd[xdi];
        for (digits = 1; k >= 10; k /= 10) digits++;
        i %= LOG_BASE;
        j = i - LOG_BASE + digits;
        rd = j < 0 ? 0 : w / mathpow(10, digits - j - 1) % 10 | 0;
      }
    }
    isTruncated = isTruncated || sd < 0 || xd[xdi + 1] !== void 0 || (j < 0 ? w : w % mathpow(10, digits - j - 1));
    roundUp = rm < 4 ? (rd || isTruncated) && (rm == 0 || rm == (x.s < 0 ? 3 : 2)) : rd > 5 || rd == 5 && (rm == 4 || isTruncated || rm == 6 && // Check whether the digit to the left of the rounding digit is odd.
    (i > 0 ? j > 0 ? w / mathpow(10, digits - j) : 0 : xd[xdi - 1]) % 10 & 1 || rm == (x.s < 0 ? 8 : 7));
    if (sd < 1 || !xd[0]) {
      xd.length = 0;
      if (roundUp) {
        sd -= x.e + 1;
        xd[0] = mathpow(10, (LOG_BASE - sd % LOG_BASE) % LOG_BASE);
        x.e = -sd || 0;
      } else {
        xd[0] = x.e = 0;
      }
      return x;
    }
    if (i == 0) {
      xd.length = xdi;
      k = 1;
      xdi--;
    } else {
      xd.length = xdi + 1;
      k = mathpow(10, LOG_BASE - i);
      xd[xdi] = j > 0 ? (w / mathpow(10, digits - j) % mathpow(10, j) | 0) * k : 0;
    }
    if (roundUp) {
      for (; ; ) {
        if (xdi == 0) {
          for (i = 1, j = xd[0]; j >= 10; j /= 10) i++;
          j = xd[0] += k;
          for (k = 1; j >= 10; j /= 10) k++;
          if (i != k) {
            x.e++;
            if (xd[0] == BASE) xd[0] = 1;
          }
          break;
        } else {
          xd[xdi] += k;
          if (xd[xdi] != BASE) break;
          xd[xdi--] = 0;
          k = 1;
        }
      }
    }
    for (i = xd.length; xd[--i] === 0; ) xd.pop();
  }
  if (external) {
    if (x.e > Ctor.maxE) {
      x.d = null;
      x.e = NaN;
    } else if (x.e < Ctor.minE) {
      x.e = 0;
      x.d = [0];
    }
  }
  return x;
}
function finiteToString(x, isExp, sd) {
  if (!x.isFinite()) return nonFiniteToString(x);
  var k, e = x.e, str = digitsToString(x.d), len = str.length;
  if (isExp) {
    if (sd && (k = sd - len) > 0) {
      str = str.charAt(0) + "." + str.slice(1) + getZeroString(k);
    } else if (len > 1) {
      str = str.charAt(0) + "." + str.slice(1);
    }
    str = str + (x.e < 0 ? "e" : "e+") + x.e;
  } else if (e < 0) {
    str = "0." + getZeroString(-e - 1) + str;
    if (sd && (k = sd - len) > 0) str += getZeroString(k);
  } else if (e >= len) {
    str += getZeroString(e + 1 - len);
    if (sd && (k = sd - e - 1) > 0) str = str + "." + getZeroString(k);
  } else {
    if ((k = e + 1) < len) str = str.slice(0, k) + "." + str.slice(k);
    if (sd && (k = sd - len) > 0) {
      if (e + 1 === len) str += ".";
      str += getZeroString(k);
    }
  }
  return str;
}
function getBase10Exponent(digits, e) {
  var w = digits[0];
  for (e *= LOG_BASE; w >= 10; w /= 10) e++;
  return e;
}
function getLn10(Ctor, sd, pr) {
  if (sd > LN10_PRECISION) {
    external = true;
    if (pr) Ctor.precision = pr;
    throw Error(precisionLimitExceeded);
  }
  return finalise(new Ctor(LN10), sd, 1, true);
}
function getPi(Ctor, sd, rm) {
  if (sd > PI_PRECISION) throw Error(precisionLimitExceeded);
  return finalise(new Ctor(PI), sd, rm, true);
}
function getPrecision(digits) {
  var w = digits.length - 1, len = w * LOG_BASE + 1;
  w = digits[w];
  if (w) {
    for (; w % 10 == 0; w /= 10) len--;
    for (w = digits[0]; w >= 10; w /= 10) len++;
  }
  return len;
}
function getZeroString(k) {
  var zs = "";
  for (; k--; ) zs += "0";
  return zs;
}
function intPow(Ctor, x, n, pr) {
  var isTruncated, r = new Ctor(1), k = Math.ceil(pr / LOG_BASE + 4);
  external = false;
  for (; ; ) {
    if (n % 2) {
      r = r.times(x);
      if (truncate(r.d, k)) isTruncated = true;
    }
    n = mathfloor(n / 2);
    if (n === 0) {
      n = r.d.length - 1;
      if (isTruncated && r.d[n] === 0) ++r.d[n];
      break;
    }
    x = x.times(x);
    truncate(x.d, k);
  }
  external = true;
  return r;
}
function isOdd(n) {
  return n.d[n.d.length - 1] & 1;
}
function maxOrMin(Ctor, args, n) {
  var k, y, x = new Ctor(args[0]), i = 0;
  for (; ++i < args.length; ) {
    y = new Ctor(args[i]);
    if (!y.s) {
      x = y;
      break;
    }
    k = x.cmp(y);
    if (k === n || k === 0 && x.s === n) {
      x = y;
    }
  }
  return x;
}
function naturalExponential(x, sd) {
  var denominator, guard2, j, pow2, sum2, t, wpr, rep = 0, i = 0, k = 0, Ctor = x.constructor, rm = Ctor.rounding, pr = Ctor.precision;
  if (!x.d || !x.d[0] || x.e > 17) {
    return new Ctor(x.d ? !x.d[0] ? 1 : x.s < 0 ? 0 : 1 / 0 : x.s ? x.s < 0 ? 0 : x : 0 / 0);
  }
  if (sd == null) {
    external = false;
    wpr = pr;
  } else {
    wpr = sd;
  }
  t = new Ctor(0.03125);
  while (x.e > -2) {
    x = x.times(t);
    k += 5;
  }
  guard2 = Math.log(mathpow(2, k)) / Math.LN10 * 2 + 5 | 0;
  wpr += guard2;
  denominator = pow2 = sum2 = new Ctor(1);
  Ctor.precision = wpr;
  for (; ; ) {
    pow2 = finalise(pow2.times(x), wpr, 1);
    denominator = denominator.times(++i);
    t = sum2.plus(divide(pow2, denominator, wpr, 1));
    if (digitsToString(t.d).slice(0, wpr) === digitsToString(sum2.d).slice(0, wpr)) {
      j = k;
      while (j--) sum2 = finalise(sum2.times(sum2), wpr, 1);
      if (sd == null) {
        if (rep < 3 && checkRoundingDigits(sum2.d, wpr - guard2, rm, rep)) {
          Ctor.precision = wpr += 10;
          denominator = pow2 = t = new Ctor(1);
          i = 0;
          rep++;
        } else {
          return finalise(sum2, Ctor.precision = pr, rm, external = true);
        }
      } else {
        Ctor.precision = pr;
        return sum2;
      }
    }
    sum2 = t;
  }
}
function naturalLogarithm(y, sd) {
  var c, c0, denominator, e, numerator, rep, sum2, t, wpr, x1, x2, n = 1, guard2 = 10, x = y, xd = x.d, Ctor = x.constructor, rm = Ctor.rounding, pr = Ctor.precision;
  if (x.s < 0 || !xd || !xd[0] || !x.e && xd[0] == 1 && xd.length == 1) {
    return new Ctor(xd && !xd[0] ? -1 / 0 : x.s != 1 ? NaN : xd ? 0 : x);
  }
  if (sd == null) {
    external = false;
    wpr = pr;
  } else {
    wpr = sd;
  }
  Ctor.precision = wpr += guard2;
  c = digitsToString(xd);
  c0 = c.charAt(0);
  if (Math.abs(e = x.e) < 15e14) {
    while (c0 < 7 && c0 != 1 || c0 == 1 && c.charAt(1) > 3) {
      x = x.times(y);
      c = digitsToString(x.d);
      c0 = c.charAt(0);
      n++;
    }
    e = x.e;
    if (c0 > 1) {
      x = new Ctor("0." + c);
      e++;
    } else {
      x = new Ctor(c0 + "." + c.slice(1));
    }
  } else {
    t = getLn10(Ctor, wpr + 2, pr).times(e + "");
    x = naturalLogarithm(new Ctor(c0 + "." + c.slice(1)), wpr - guard2).plus(t);
    Ctor.precision = pr;
    return sd == null ? finalise(x, pr, rm, external = true) : x;
  }
  x1 = x;
  sum2 = numerator = x = divide(x.minus(1), x.plus(1), wpr, 1);
  x2 = finalise(x.times(x), wpr, 1);
  denominator = 3;
  for (; ; ) {
    numerator = finalise(numerator.times(x2), wpr, 1);
    t = sum2.plus(divide(numerator, new Ctor(denominator), wpr, 1));
    if (digitsToString(t.d).slice(0, wpr) === digitsToString(sum2.d).slice(0, wpr)) {
      sum2 = sum2.times(2);
      if (e !== 0) sum2 = sum2.plus(getLn10(Ctor, wpr + 2, pr).times(e + ""));
      sum2 = divide(sum2, new Ctor(n), wpr, 1);
      if (sd == null) {
        if (checkRoundingDigits(sum2.d, wpr - guard2, rm, rep)) {
          Ctor.precision = wpr += guard2;
          t = numerator = x = divide(x1.minus(1), x1.plus(1), wpr, 1);
          x2 = finalise(x.times(x), wpr, 1);
          denominator = rep = 1;
        } else {
          return finalise(sum2, Ctor.precision = pr, rm, external = true);
        }
      } else {
        Ctor.precision = pr;
        return sum2;
      }
    }
    sum2 = t;
    denominator += 2;
  }
}
function nonFiniteToString(x) {
  return String(x.s * x.s / 0);
}
function parseDecimal(x, str) {
  var e, i, len;
  if ((e = str.indexOf(".")) > -1) str = str.replace(".", "");
  if ((i = str.search(/e/i)) > 0) {
    if (e < 0) e = i;
    e += +str.slice(i + 1);
    str = str.substring(0, i);
  } else if (e < 0) {
    e = str.length;
  }
  for (i = 0; str.charCodeAt(i) === 48; i++) ;
  for (len = str.length; str.charCodeAt(len - 1) === 48; --len) ;
  str = str.slice(i, len);
  if (str) {
    len -= i;
    x.e = e = e - i - 1;
    x.d = [];
    i = (e + 1) % LOG_BASE;
    if (e < 0) i += LOG_BASE;
    if (i < len) {
      if (i) x.d.push(+str.slice(0, i));
      for (len -= LOG_BASE; i < len; ) x.d.push(+str.slice(i, i += LOG_BASE));
      str = str.slice(i);
      i = LOG_BASE - str.length;
    } else {
      i -= len;
    }
    for (; i--; ) str += "0";
    x.d.push(+str);
    if (external) {
      if (x.e > x.constructor.maxE) {
        x.d = null;
        x.e = NaN;
      } else if (x.e < x.constructor.minE) {
        x.e = 0;
        x.d = [0];
      }
    }
  } else {
    x.e = 0;
    x.d = [0];
  }
  return x;
}
function parseOther(x, str) {
  var base, Ctor, divisor, i, isFloat, len, p, xd, xe;
  if (str.indexOf("_") > -1) {
    str = str.replace(/(\d)_(?=\d)/g, "$1");
    if (isDecimal.test(str)) return parseDecimal(x, str);
  } else if (str === "Infinity" || str === "NaN") {
    if (!+str) x.s = NaN;
    x.e = NaN;
    x.d = null;
    return x;
  }
  if (isHex.test(str)) {
    base = 16;
    str = str.toLowerCase();
  } else if (isBinary.test(str)) {
    base = 2;
  } else if (isOctal.test(str)) {
    base = 8;
  } else {
    throw Error(invalidArgument + str);
  }
  i = str.search(/p/i);
  if (i > 0) {
    p = +str.slice(i + 1);
    str = str.substring(2, i);
  } else {
    str = str.slice(2);
  }
  i = str.indexOf(".");
  isFloat = i >= 0;
  Ctor = x.constructor;
  if (isFloat) {
    str = str.replace(".", "");
    len = str.length;
    i = len - i;
    divisor = intPow(Ctor, new Ctor(base), i, i * 2);
  }
  xd = convertBase(str, base, BASE);
  xe = xd.length - 1;
  for (i = xe; xd[i] === 0; --i) xd.pop();
  if (i < 0) return new Ctor(x.s * 0);
  x.e = getBase10Exponent(xd, xe);
  x.d = xd;
  external = false;
  if (isFloat) x = divide(x, divisor, len * 4);
  if (p) x = x.times(Math.abs(p) < 54 ? mathpow(2, p) : Decimal.pow(2, p));
  external = true;
  return x;
}
function sine(Ctor, x) {
  var k, len = x.d.length;
  if (len < 3) {
    return x.isZero() ? x : taylorSeries(Ctor, 2, x, x);
  }
  k = 1.4 * Math.sqrt(len);
  k = k > 16 ? 16 : k | 0;
  x = x.times(1 / tinyPow(5, k));
  x = taylorSeries(Ctor, 2, x, x);
  var sin2_x, d5 = new Ctor(5), d16 = new Ctor(16), d20 = new Ctor(20);
  for (; k--; ) {
    sin2_x = x.times(x);
    x = x.times(d5.plus(sin2_x.times(d16.times(sin2_x).minus(d20))));
  }
  return x;
}
function taylorSeries(Ctor, n, x, y, isHyperbolic) {
  var j, t, u, x2, i = 1, pr = Ctor.precision, k = Math.ceil(pr / LOG_BASE);
  external = false;
  x2 = x.times(x);
  u = new Ctor(y);
  for (; ; ) {
    t = divide(u.times(x2), new Ctor(n++ * n++), pr, 1);
    u = isHyperbolic ? y.plus(t) : y.minus(t);
    y = divide(t.times(x2), new Ctor(n++ * n++), pr, 1);
    t = u.plus(y);
    if (t.d[k] !== void 0) {
      for (j = k; t.d[j] === u.d[j] && j--; ) ;
      if (j == -1) break;
    }
    j = u;
    u = y;
    y = t;
    t = j;
    i++;
  }
  external = true;
  t.d.length = k + 1;
  return t;
}
function tinyPow(b, e) {
  var n = b;
  while (--e) n *= b;
  return n;
}
function toLessThanHalfPi(Ctor, x) {
  var t, isNeg = x.s < 0, pi = getPi(Ctor, Ctor.precision, 1), halfPi = pi.times(0.5);
  x = x.abs();
  if (x.lte(halfPi)) {
    quadrant = isNeg ? 4 : 1;
    return x;
  }
  t = x.divToInt(pi);
  if (t.isZero()) {
    quadrant = isNeg ? 3 : 2;
  } else {
    x = x.minus(t.times(pi));
    if (x.lte(halfPi)) {
      quadrant = isOdd(t) ? isNeg ? 2 : 3 : isNeg ? 4 : 1;
      return x;
    }
    quadrant = isOdd(t) ? isNeg ? 1 : 4 : isNeg ? 3 : 2;
  }
  return x.minus(pi).abs();
}
function toStringBinary(x, baseOut, sd, rm) {
  var base, e, i, k, len, roundUp, str, xd, y, Ctor = x.constructor, isExp = sd !== void 0;
  if (isExp) {
    checkInt32(sd, 1, MAX_DIGITS);
    if (rm === void 0) rm = Ctor.rounding;
    else checkInt32(rm, 0, 8);
  } else {
    sd = Ctor.precision;
    rm = Ctor.rounding;
  }
  if (!x.isFinite()) {
    str = nonFiniteToString(x);
  } else {
    str = finiteToString(x);
    i = str.indexOf(".");
    if (isExp) {
      base = 2;
      if (baseOut == 16) {
        sd = sd * 4 - 3;
      } else if (baseOut == 8) {
        sd = sd * 3 - 2;
      }
    } else {
      base = baseOut;
    }
    if (i >= 0) {
      str = str.replace(".", "");
      y = new Ctor(1);
      y.e = str.length - i;
      y.d = convertBase(finiteToString(y), 10, base);
      y.e = y.d.length;
    }
    xd = convertBase(str, 10, base);
    e = len = xd.length;
    for (; xd[--len] == 0; ) xd.pop();
    if (!xd[0]) {
      str = isExp ? "0p+0" : "0";
    } else {
      if (i < 0) {
        e--;
      } else {
        x = new Ctor(x);
        x.d = xd;
        x.e = e;
        x = divide(x, y, sd, rm, 0, base);
        xd = x.d;
        e = x.e;
        roundUp = inexact;
      }
      i = xd[sd];
      k = base / 2;
      roundUp = roundUp || xd[sd + 1] !== void 0;
      roundUp = rm < 4 ? (i !== void 0 || roundUp) && (rm === 0 || rm === (x.s < 0 ? 3 : 2)) : i > k || i === k && (rm === 4 || roundUp || rm === 6 && xd[sd - 1] & 1 || rm === (x.s < 0 ? 8 : 7));
      xd.length = sd;
      if (roundUp) {
        for (; ++xd[--sd] > base - 1; ) {
          xd[sd] = 0;
          if (!sd) {
            ++e;
            xd.unshift(1);
          }
        }
      }
      for (len = xd.length; !xd[len - 1]; --len) ;
      for (i = 0, str = ""; i < len; i++) str += NUMERALS.charAt(xd[i]);
      if (isExp) {
        if (len > 1) {
          if (baseOut == 16 || baseOut == 8) {
            i = baseOut == 16 ? 4 : 3;
            for (--len; len % i; len++) str += "0";
            xd = convertBase(str, base, baseOut);
            for (len = xd.length; !xd[len - 1]; --len) ;
            for (i = 1, str = "1."; i < len; i++) str += NUMERALS.charAt(xd[i]);
          } else {
            str = str.charAt(0) + "." + str.slice(1);
          }
        }
        str = str + (e < 0 ? "p" : "p+") + e;
      } else if (e < 0) {
        for (; ++e; ) str = "0" + str;
        str = "0." + str;
      } else {
        if (++e > len) for (e -= len; e--; ) str += "0";
        else if (e < len) str = str.slice(0, e) + "." + str.slice(e);
      }
    }
    str = (baseOut == 16 ? "0x" : baseOut == 2 ? "0b" : baseOut == 8 ? "0o" : "") + str;
  }
  return x.s < 0 ? "-" + str : str;
}
function truncate(arr, len) {
  if (arr.length > len) {
    arr.length = len;
    return true;
  }
}
function abs(x) {
  return new this(x).abs();
}
function acos(x) {
  return new this(x).acos();
}
function acosh(x) {
  return new this(x).acosh();
}
function add(x, y) {
  return new this(x).plus(y);
}
function asin(x) {
  return new this(x).asin();
}
function asinh(x) {
  return new this(x).asinh();
}
function atan(x) {
  return new this(x).atan();
}
function atanh(x) {
  return new this(x).atanh();
}
function atan2(y, x) {
  y = new this(y);
  x = new this(x);
  var r, pr = this.precision, rm = this.rounding, wpr = pr + 4;
  if (!y.s || !x.s) {
    r = new this(NaN);
  } else if (!y.d && !x.d) {
    r = getPi(this, wpr, 1).times(x.s > 0 ? 0.25 : 0.75);
    r.s = y.s;
  } else if (!x.d || y.isZero()) {
    r = x.s < 0 ? getPi(this, pr, rm) : new this(0);
    r.s = y.s;
  } else if (!y.d || x.isZero()) {
    r = getPi(this, wpr, 1).times(0.5);
    r.s = y.s;
  } else if (x.s < 0) {
    this.precision = wpr;
    this.rounding = 1;
    r = this.atan(divide(y, x, wpr, 1));
    x = getPi(this, wpr, 1);
    this.precision = pr;
    this.rounding = rm;
    r = y.s < 0 ? r.minus(x) : r.plus(x);
  } else {
    r = this.atan(divide(y, x, wpr, 1));
  }
  return r;
}
function cbrt(x) {
  return new this(x).cbrt();
}
function ceil(x) {
  return finalise(x = new this(x), x.e + 1, 2);
}
function clamp(x, min2, max3) {
  return new this(x).clamp(min2, max3);
}
function config(obj) {
  if (!obj || typeof obj !== "object") throw Error(decimalError + "Object expected");
  var i, p, v, useDefaults = obj.defaults === true, ps = [
    "precision",
    1,
    MAX_DIGITS,
    "rounding",
    0,
    8,
    "toExpNeg",
    -EXP_LIMIT,
    0,
    "toExpPos",
    0,
    EXP_LIMIT,
    "maxE",
    0,
    EXP_LIMIT,
    "minE",
    -EXP_LIMIT,
    0,
    "modulo",
    0,
    9
  ];
  for (i = 0; i < ps.length; i += 3) {
    if (p = ps[i], useDefaults) this[p] = DEFAULTS[p];
    if ((v = obj[p]) !== void 0) {
      if (mathfloor(v) === v && v >= ps[i + 1] && v <= ps[i + 2]) this[p] = v;
      else throw Error(invalidArgument + p + ": " + v);
    }
  }
  if (p = "crypto", useDefaults) this[p] = DEFAULTS[p];
  if ((v = obj[p]) !== void 0) {
    if (v === true || v === false || v === 0 || v === 1) {
      if (v) {
        if (typeof crypto != "undefined" && crypto && (crypto.getRandomValues || crypto.randomBytes)) {
          this[p] = true;
        } else {
          throw Error(cryptoUnavailable);
        }
      } else {
        this[p] = false;
      }
    } else {
      throw Error(invalidArgument + p + ": " + v);
    }
  }
  return this;
}
function cos(x) {
  return new this(x).cos();
}
function cosh(x) {
  return new this(x).cosh();
}
function clone(obj) {
  var i, p, ps;
  function Decimal2(v) {
    var e, i2, t, x = this;
    if (!(x instanceof Decimal2)) return new Decimal2(v);
    x.constructor = Decimal2;
    if (isDecimalInstance(v)) {
      x.s = v.s;
      if (external) {
        if (!v.d || v.e > Decimal2.maxE) {
          x.e = NaN;
          x.d = null;
        } else if (v.e < Decimal2.minE) {
          x.e = 0;
          x.d = [0];
        } else {
          x.e = v.e;
          x.d = v.d.slice();
        }
      } else {
        x.e = v.e;
        x.d = v.d ? v.d.slice() : v.d;
      }
      return;
    }
    t = typeof v;
    if (t === "number") {
      if (v === 0) {
        x.s = 1 / v < 0 ? -1 : 1;
        x.e = 0;
        x.d = [0];
        return;
      }
      if (v < 0) {
        v = -v;
        x.s = -1;
      } else {
        x.s = 1;
      }
      if (v === ~~v && v < 1e7) {
        for (e = 0, i2 = v; i2 >= 10; i2 /= 10) e++;
        if (external) {
          if (e > Decimal2.maxE) {
            x.e = NaN;
            x.d = null;
          } else if (e < Decimal2.minE) {
            x.e = 0;
            x.d = [0];
          } else {
            x.e = e;
            x.d = [v];
          }
        } else {
          x.e = e;
          x.d = [v];
        }
        return;
      }
      if (v * 0 !== 0) {
        if (!v) x.s = NaN;
        x.e = NaN;
        x.d = null;
        return;
      }
      return parseDecimal(x, v.toString());
    }
    if (t === "string") {
      if ((i2 = v.charCodeAt(0)) === 45) {
        v = v.slice(1);
        x.s = -1;
      } else {
        if (i2 === 43) v = v.slice(1);
        x.s = 1;
      }
      return isDecimal.test(v) ? parseDecimal(x, v) : parseOther(x, v);
    }
    if (t === "bigint") {
      if (v < 0) {
        v = -v;
        x.s = -1;
      } else {
        x.s = 1;
      }
      return parseDecimal(x, v.toString());
    }
    throw Error(invalidArgument + v);
  }
  Decimal2.prototype = P;
  Decimal2.ROUND_UP = 0;
  Decimal2.ROUND_DOWN = 1;
  Decimal2.ROUND_CEIL = 2;
  Decimal2.ROUND_FLOOR = 3;
  Decimal2.ROUND_HALF_UP = 4;
  Decimal2.ROUND_HALF_DOWN = 5;
  Decimal2.ROUND_HALF_EVEN = 6;
  Decimal2.ROUND_HALF_CEIL = 7;
  Decimal2.ROUND_HALF_FLOOR = 8;
  Decimal2.EUCLID = 9;
  Decimal2.config = Decimal2.set = config;
  Decimal2.clone = clone;
  Decimal2.isDecimal = isDecimalInstance;
  Decimal2.abs = abs;
  Decimal2.acos = acos;
  Decimal2.acosh = acosh;
  Decimal2.add = add;
  Decimal2.asin = asin;
  Decimal2.asinh = asinh;
  Decimal2.atan = atan;
  Decimal2.atanh = atanh;
  Decimal2.atan2 = atan2;
  Decimal2.cbrt = cbrt;
  Decimal2.ceil = ceil;
  Decimal2.clamp = clamp;
  Decimal2.cos = cos;
  Decimal2.cosh = cosh;
  Decimal2.div = div;
  Decimal2.exp = exp;
  Decimal2.floor = floor;
  Decimal2.hypot = hypot;
  Decimal2.ln = ln;
  Decimal2.log = log;
  Decimal2.log10 = log10;
  Decimal2.log2 = log2;
  Decimal2.max = max;
  Decimal2.min = min;
  Decimal2.mod = mod;
  Decimal2.mul = mul;
  Decimal2.pow = pow;
  Decimal2.random = random;
  Decimal2.round = round;
  Decimal2.sign = sign;
  Decimal2.sin = sin;
  Decimal2.sinh = sinh;
  Decimal2.sqrt = sqrt;
  Decimal2.sub = sub;
  Decimal2.sum = sum;
  Decimal2.tan = tan;
  Decimal2.tanh = tanh;
  Decimal2.trunc = trunc;
  if (obj === void 0) obj = {};
  if (obj) {
    if (obj.defaults !== true) {
      ps = ["precision", "rounding", "toExpNeg", "toExpPos", "maxE", "minE", "modulo", "crypto"];
      for (i = 0; i < ps.length; ) if (!obj.hasOwnProperty(p = ps[i++])) obj[p] = this[p];
    }
  }
  Decimal2.config(obj);
  return Decimal2;
}
function div(x, y) {
  return new this(x).div(y);
}
function exp(x) {
  return new this(x).exp();
}
function floor(x) {
  return finalise(x = new this(x), x.e + 1, 3);
}
function hypot() {
  var i, n, t = new this(0);
  external = false;
  for (i = 0; i < arguments.length; ) {
    n = new this(arguments[i++]);
    if (!n.d) {
      if (n.s) {
        external = true;
        return new this(1 / 0);
      }
      t = n;
    } else if (t.d) {
      t = t.plus(n.times(n));
    }
  }
  external = true;
  return t.sqrt();
}
function isDecimalInstance(obj) {
  return obj instanceof Decimal || obj && obj.toStringTag === tag || false;
}
function ln(x) {
  return new this(x).ln();
}
function log(x, y) {
  return new this(x).log(y);
}
function log2(x) {
  return new this(x).log(2);
}
function log10(x) {
  return new this(x).log(10);
}
function max() {
  return maxOrMin(this, arguments, -1);
}
function min() {
  return maxOrMin(this, arguments, 1);
}
function mod(x, y) {
  return new this(x).mod(y);
}
function mul(x, y) {
  return new this(x).mul(y);
}
function pow(x, y) {
  return new this(x).pow(y);
}
function random(sd) {
  var d, e, k, n, i = 0, r = new this(1), rd = [];
  if (sd === void 0) sd = this.precision;
  else checkInt32(sd, 1, MAX_DIGITS);
  k = Math.ceil(sd / LOG_BASE);
  if (!this.crypto) {
    for (; i < k; ) rd[i++] = Math.random() * 1e7 | 0;
  } else if (crypto.getRandomValues) {
    d = crypto.getRandomValues(new Uint32Array(k));
    for (; i < k; ) {
      n = d[i];
      if (n >= 429e7) {
        d[i] = crypto.getRandomValues(new Uint32Array(1))[0];
      } else {
        rd[i++] = n % 1e7;
      }
    }
  } else if (crypto.randomBytes) {
    d = crypto.randomBytes(k *= 4);
    for (; i < k; ) {
      n = d[i] + (d[i + 1] << 8) + (d[i + 2] << 16) + ((d[i + 3] & 127) << 24);
      if (n >= 214e7) {
        crypto.randomBytes(4).copy(d, i);
      } else {
        rd.push(n % 1e7);
        i += 4;
      }
    }
    i = k / 4;
  } else {
    throw Error(cryptoUnavailable);
  }
  k = rd[--i];
  sd %= LOG_BASE;
  if (k && sd) {
    n = mathpow(10, LOG_BASE - sd);
    rd[i] = (k / n | 0) * n;
  }
  for (; rd[i] === 0; i--) rd.pop();
  if (i < 0) {
    e = 0;
    rd = [0];
  } else {
    e = -1;
    for (; rd[0] === 0; e -= LOG_BASE) rd.shift();
    for (k = 1, n = rd[0]; n >= 10; n /= 10) k++;
    if (k < LOG_BASE) e -= LOG_BASE - k;
  }
  r.e = e;
  r.d = rd;
  return r;
}
function round(x) {
  return finalise(x = new this(x), x.e + 1, this.rounding);
}
function sign(x) {
  x = new this(x);
  return x.d ? x.d[0] ? x.s : 0 * x.s : x.s || NaN;
}
function sin(x) {
  return new this(x).sin();
}
function sinh(x) {
  return new this(x).sinh();
}
function sqrt(x) {
  return new this(x).sqrt();
}
function sub(x, y) {
  return new this(x).sub(y);
}
function sum() {
  var i = 0, args = arguments, x = new this(args[i]);
  external = false;
  for (; x.s && ++i < args.length; ) x = x.plus(args[i]);
  external = true;
  return finalise(x, this.precision, this.rounding);
}
function tan(x) {
  return new this(x).tan();
}
function tanh(x) {
  return new this(x).tanh();
}
function trunc(x) {
  return finalise(x = new this(x), x.e + 1, 1);
}
P[/* @__PURE__ */ Symbol.for("nodejs.util.inspect.custom")] = P.toString;
P[Symbol.toStringTag] = "Decimal";
var Decimal = P.constructor = clone(DEFAULTS);
LN10 = new Decimal(LN10);
PI = new Decimal(PI);
var decimal_default = Decimal;

// packages/core/src/money/decimal.ts
var PRECISION = 80;
var Dec = decimal_default.clone({
  precision: PRECISION,
  rounding: decimal_default.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
  minE: -9e15,
  maxE: 9e15
});
var DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
var MAX_DECIMAL_LENGTH = 64;
var ZERO = new Dec(0);
var ONE = new Dec(1);
function parseDecimal2(value, path) {
  if (typeof value === "string") {
    if (value.length === 0 || value.length > MAX_DECIMAL_LENGTH || !DECIMAL_PATTERN.test(value)) {
      throw invalidInput({
        path,
        message: `expected a decimal string such as "12.50", got ${JSON.stringify(value.slice(0, 80))}`
      });
    }
    return new Dec(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw invalidInput({ path, message: `expected a finite number, got ${String(value)}` });
    }
    if (!isExactNumber(value)) {
      throw invalidInput({
        path,
        message: `${String(value)} is not exactly representable as a binary number; pass it as the string "${String(value)}"`
      });
    }
    return new Dec(String(value));
  }
  throw invalidInput({ path, message: `expected a decimal string, got ${describe(value)}` });
}
function isExactNumber(n) {
  if (!Number.isFinite(n)) return false;
  if (Number.isInteger(n)) return Number.isSafeInteger(n);
  let scaled = n;
  let k = 0;
  while (!Number.isInteger(scaled) && k < 1100) {
    scaled *= 2;
    k += 1;
  }
  if (!Number.isSafeInteger(scaled)) return false;
  const exact = new Dec(scaled).div(new Dec(2).pow(k));
  return exact.eq(new Dec(String(n)));
}
function toDecimalString(d, scale) {
  return scale === void 0 ? d.toFixed() : d.toFixed(scale);
}
function isDecimalString(value) {
  return typeof value === "string" && value.length <= MAX_DECIMAL_LENGTH && DECIMAL_PATTERN.test(value);
}
function max2(a, b) {
  return a.gte(b) ? a : b;
}
function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
function addDecimalStrings(a, b) {
  return new Dec(a).plus(b).toFixed();
}
function compareDecimalStrings(a, b) {
  return new Dec(a).cmp(b);
}
function subtractDecimalStrings(a, b) {
  return new Dec(a).minus(b).toFixed();
}
function isZeroDecimalString(value) {
  return new Dec(value).isZero();
}

// packages/core/src/ledger/lot.ts
var NON_ZERO_DIGIT = /[1-9]/;
function isOpenLot(lot) {
  return NON_ZERO_DIGIT.test(lot.remaining);
}
function expiredOf(lot) {
  return new Dec(lot.expired ?? 0);
}
function shortfallOf(lot) {
  return new Dec(lot.shortfall ?? 0);
}

// packages/core/src/ledger/fifo.ts
function isExpired(lot, at) {
  return lot.expiresAt !== null && lot.expiresAt <= at;
}
function isPending(lot, at) {
  return lot.availableAt > at;
}
function isSpendable(lot, at) {
  return !isExpired(lot, at) && !isPending(lot, at) && isOpenLot(lot);
}
function compareSpendOrder(a, b) {
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  if (a.earnedAt !== b.earnedAt) return a.earnedAt - b.earnedAt;
  return a.id - b.id;
}
function spendOrder(lots, at) {
  return lots.filter((lot) => isSpendable(lot, at)).sort(compareSpendOrder);
}
function spendReach(fifo, start, at, spend2) {
  const cover = new Dec(spend2);
  let held = ZERO;
  let end = start;
  while (end < fifo.length) {
    const lot = fifo[end];
    end += 1;
    if (isPending(lot, at)) continue;
    held = held.plus(lot.remaining);
    if (held.gt(cover)) {
      const expiresAt = lot.expiresAt;
      if (expiresAt !== null)
        while (end < fifo.length && fifo[end].expiresAt === expiresAt) end += 1;
      return end;
    }
  }
  return end;
}
function planConsumption(lots, coins, at, remainingOf = parseRemaining) {
  const movements = [];
  const amounts = [];
  let left = coins;
  let spendable = ZERO;
  for (const lot of spendOrder(lots, at)) {
    const remaining = remainingOf(lot);
    spendable = spendable.plus(remaining);
    if (left.lte(0)) continue;
    const take = Dec.min(remaining, left);
    movements.push({ lotId: lot.id, coins: take.toFixed() });
    amounts.push(take);
    left = left.minus(take);
  }
  return { movements, amounts, shortfall: left, spendable };
}
function parseRemaining(lot) {
  return new Dec(lot.remaining);
}
function planRedemption(lots, coins, at) {
  const plan = planConsumption(lots, new Dec(coins), at);
  return {
    lots: plan.movements,
    shortfall: plan.shortfall.toFixed(),
    spendable: plan.spendable.toFixed()
  };
}

// packages/core/src/ledger/balance.ts
function balanceFrom(counted, lots, debt, at, remainingOf = (lot) => new Dec(lot.remaining)) {
  let open = counted.open;
  let pending = counted.pending;
  let nextAt = null;
  let nextCoins = ZERO;
  for (const lot of lots) {
    if (!isOpenLot(lot)) continue;
    const expired = isExpired(lot, at);
    const wasPending = isPending(lot, counted.asOf);
    const pendingNow = !expired && isPending(lot, at);
    const expiry = lot.expiresAt;
    const next = !expired && expiry !== null && (nextAt === null || expiry <= nextAt);
    if (!expired && wasPending === pendingNow && !next) continue;
    const remaining = remainingOf(lot);
    if (expired) open = open.minus(remaining);
    if (wasPending !== pendingNow)
      pending = pendingNow ? pending.plus(remaining) : pending.minus(remaining);
    if (next) {
      if (expiry === nextAt) nextCoins = nextCoins.plus(remaining);
      else {
        nextAt = expiry;
        nextCoins = remaining;
      }
    }
  }
  return {
    available: open.minus(pending),
    pending,
    debt,
    nextExpiry: nextAt === null ? null : { at: nextAt, coins: nextCoins }
  };
}
function balanceAt(snapshot, at) {
  const { totals } = snapshot;
  return balanceFrom(
    { open: new Dec(totals.open), pending: new Dec(totals.pending), asOf: totals.asOf },
    snapshot.lots,
    new Dec(snapshot.debt),
    at
  );
}

// packages/core/src/ledger/fingerprint.ts
function canonicalJson(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value;
  const keys = Object.keys(record).filter((key) => record[key] !== void 0).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${canonicalJson(record[key])}`;
  }
  return `${out}}`;
}
function fingerprint(payload) {
  const keys = Object.keys(payload);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys.sort();
      break;
    }
  }
  let out = "";
  for (const key of keys) {
    const value = payload[key];
    if (value === void 0) continue;
    if (typeof value === "object" && value !== null) return canonicalJson(payload);
    out += `${out === "" ? "{" : ","}${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return out === "" ? "{}" : `${out}}`;
}

// packages/core/src/money/rounding.ts
var down = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_DOWN);
var up = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_UP);
var halfUp = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_HALF_UP);
var halfEven = (value, scale) => value.toDecimalPlaces(scale, Dec.ROUND_HALF_EVEN);
var roundings = { down, up, halfUp, halfEven };
function isRoundingMode(value) {
  return typeof value === "string" && Object.hasOwn(roundings, value);
}

// packages/core/src/money/ratio.ts
function currencyToCoins(amount, program, rounding) {
  const value = parseDecimal2(amount, "amount");
  const coins = value.div(coinValueOf(program));
  const scale = coinScaleOf(program);
  const round2 = roundingOf(rounding ?? program.rounding);
  return canonicalDecimal(round2(coins, scale), scale);
}
function coinsToCurrency(coins, program) {
  return canonicalDecimal(parseDecimal2(coins, "coins").mul(coinValueOf(program)));
}
var lastCoinValue;
function coinValueOf(program) {
  const text = program.coinValue;
  if (lastCoinValue !== void 0 && lastCoinValue.text === text) return lastCoinValue.value;
  const value = parseDecimal2(text, "program.coinValue");
  if (!value.gt(ZERO)) {
    throw invalidInput({ path: "program.coinValue", message: "must be greater than 0" });
  }
  if (typeof text === "string") lastCoinValue = { text, value, inverse: exactInverse(value) };
  return value;
}
function coinValueInverse(coinValue) {
  return lastCoinValue !== void 0 && lastCoinValue.value === coinValue ? lastCoinValue.inverse : void 0;
}
function exactInverse(value) {
  const inverse = ONE.div(value);
  return inverse.sd() + value.sd() <= PRECISION && inverse.mul(value).eq(ONE) ? inverse : void 0;
}
function productIsExact(digits) {
  return digits <= PRECISION;
}
function coinScaleOf(program) {
  const scale = program.coinScale;
  if (!Number.isInteger(scale) || scale < 0 || scale > 8) {
    throw invalidInput({ path: "program.coinScale", message: "must be an integer from 0 to 8" });
  }
  return scale;
}
function roundingOf(rounding) {
  if (typeof rounding === "function") return rounding;
  if (!isRoundingMode(rounding)) {
    throw invalidInput({
      path: "rounding",
      message: `expected one of ${Object.keys(roundings).join(", ")}`
    });
  }
  return roundings[rounding];
}
function canonicalDecimal(value, scale) {
  const canonical2 = value.isZero() ? ZERO : value;
  if (scale === void 0) return canonical2.toFixed();
  const places = canonical2.decimalPlaces();
  if (!(places <= scale)) return toDecimalString(canonical2, scale);
  const text = canonical2.toFixed();
  if (places === scale) return text;
  return `${text}${places === 0 ? "." : ""}${"0".repeat(scale - places)}`;
}

// packages/core/src/rules/check.ts
var Issues = class {
  list = [];
  add(path, message) {
    this.list.push({ path, message });
    return void 0;
  }
  get count() {
    return this.list.length;
  }
};
function isPlainObject(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
function own(obj, key) {
  return Object.hasOwn(obj, key) ? obj[key] : void 0;
}
function has(obj, key) {
  return Object.hasOwn(obj, key) && obj[key] !== void 0;
}
function join(path, key) {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}\u2026` : key)}]`;
}
function checkKeys(obj, allowed, path, issues) {
  const keys = Object.keys(obj);
  let reported = 0;
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    if (reported === 10) {
      issues.add(path, "more unknown keys");
      return;
    }
    issues.add(join(path, key), `unknown key; expected one of ${allowed.join(", ")}`);
    reported += 1;
  }
}
function objectAt(value, path, issues) {
  if (isPlainObject(value)) return value;
  if (value === void 0) return issues.add(path, "is required");
  return issues.add(path, `expected an object, got ${describe2(value)}`);
}
var MAX_INTEGER_DIGITS = 15;
var MAX_DECIMAL_PLACES = 18;
function decimalAt(value, path, issues, bounds = {}) {
  if (value === void 0) return issues.add(path, "is required");
  let d;
  try {
    d = parseDecimal2(value, path);
  } catch (error) {
    if (!CoinageError.is(error, "INVALID_INPUT")) throw error;
    for (const issue of error.details.issues) issues.add(issue.path, issue.message);
    return void 0;
  }
  if (d.decimalPlaces() > MAX_DECIMAL_PLACES) {
    return issues.add(path, `at most ${MAX_DECIMAL_PLACES} decimal places`);
  }
  if (d.abs().gte(`1e${MAX_INTEGER_DIGITS}`)) {
    return issues.add(path, `must be less than 10^${MAX_INTEGER_DIGITS}`);
  }
  if (bounds.min !== void 0) {
    if (bounds.above ? !d.gt(bounds.min) : !d.gte(bounds.min)) {
      return issues.add(
        path,
        bounds.above ? `must be greater than ${bounds.min}` : `must be at least ${bounds.min}`
      );
    }
  }
  if (bounds.max !== void 0 && d.gt(bounds.max)) {
    return issues.add(path, `must be at most ${bounds.max}`);
  }
  return d;
}
function decimalStringAt(value, path, issues, bounds = {}) {
  const d = decimalAt(value, path, issues, bounds);
  return d === void 0 ? void 0 : canonicalDecimal(d);
}
function integerAt(value, path, issues, min2, max3) {
  if (value === void 0) return issues.add(path, "is required");
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return issues.add(path, `expected an integer, got ${describe2(value)}`);
  }
  if (value < min2 || value > max3) return issues.add(path, `must be between ${min2} and ${max3}`);
  return value === 0 ? 0 : value;
}
var LONE_SURROGATE = /[\uD800-\uDFFF]/u;
function textAt(value, path, issues, max3) {
  if (value === void 0) return issues.add(path, "is required");
  if (typeof value !== "string")
    return issues.add(path, `expected a string, got ${describe2(value)}`);
  if (value.length === 0) return issues.add(path, "must not be empty");
  if (value.length > max3) return issues.add(path, `must be at most ${max3} characters`);
  const problem = textProblem(value);
  if (problem !== null) return issues.add(path, problem);
  return value;
}
function textProblem(value) {
  if (value.includes("\0")) return "must not contain the NUL character";
  if (LONE_SURROGATE.test(value)) return "must not contain unpaired surrogates (not valid Unicode)";
  return null;
}
function oneOf(value, allowed, path, issues) {
  if (typeof value === "string" && allowed.includes(value))
    return value;
  if (value === void 0)
    return issues.add(
      path,
      `is required; one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`
    );
  return issues.add(
    path,
    `expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describeValue(value)}`
  );
}
function describe2(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value;
}
function describeValue(value) {
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}\u2026` : value);
  return describe2(value);
}

// packages/core/src/time/zone.ts
var knownZones;
var MAX_KNOWN_ZONES = 1e3;
var MAX_HOURS_PER_ZONE = 4096;
function isTimeZone(value) {
  return typeof value === "string" && knownZone(value) !== void 0;
}
function assertTimeZone(timeZone, path = "timeZone") {
  if (!isTimeZone(timeZone)) {
    throw invalidInput({
      path,
      message: `expected an IANA time zone such as "Europe/London", got ${JSON.stringify(String(timeZone).slice(0, 80))}`
    });
  }
}
var HOUR = 36e5;
var MAX_TIME = 864e13;
function zoneOffset(timeZone, ms) {
  if (!(Math.abs(ms) <= MAX_TIME)) return Number.NaN;
  const zone = knownZone(timeZone);
  if (zone === void 0) {
    assertTimeZone(timeZone);
    return Number.NaN;
  }
  const hour = Math.floor(ms / HOUR);
  if ((hour + 1) * HOUR <= MAX_TIME && hour * HOUR >= -MAX_TIME) {
    const atStart = hourlyOffset(zone, hour);
    if (atStart === hourlyOffset(zone, hour + 1)) return atStart;
  }
  return formatOffset(zone.format, ms);
}
function hourlyOffset(zone, hour) {
  const known = zone.hourly.get(hour);
  if (known !== void 0) return known;
  const offset = formatOffset(zone.format, hour * HOUR);
  if (zone.hourly.size >= MAX_HOURS_PER_ZONE) zone.hourly.clear();
  zone.hourly.set(hour, offset);
  return offset;
}
var OFFSET = /GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;
function formatOffset(format, ms) {
  return readOffset(format.format(ms)) ?? Number.NaN;
}
function readOffset(text) {
  const m = OFFSET.exec(text);
  if (m === null) return void 0;
  if (m[1] === void 0) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
  return (m[1] === "-" ? -seconds : seconds) * 1e3;
}
function knownZone(name) {
  const known = knownZones?.get(name);
  if (known !== void 0) return known;
  if (name.length === 0 || name.length > 100) return void 0;
  let format;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
  } catch {
    return void 0;
  }
  if (readOffset(format.format(0)) === void 0) return void 0;
  const zone = { format, hourly: /* @__PURE__ */ new Map() };
  knownZones ??= /* @__PURE__ */ new Map();
  if (knownZones.size < MAX_KNOWN_ZONES) knownZones.set(name, zone);
  return zone;
}

// packages/core/src/program.ts
var PROGRAM_KEYS = ["id", "coinValue", "coinScale", "rounding", "timeZone", "clawback"];
var ROUNDING_MODES = Object.keys(roundings);
var CLAWBACK_POLICIES = ["debt", "cap"];
function parseProgram(input) {
  const issues = new Issues();
  const obj = objectAt(readInput(input, "program"), "program", issues);
  if (obj === void 0) throw invalidInput(issues.list);
  checkKeys(obj, PROGRAM_KEYS, "program", issues);
  const id = textAt(own(obj, "id"), "program.id", issues, 200);
  const coinValue = decimalStringAt(own(obj, "coinValue"), "program.coinValue", issues, {
    min: "0",
    above: true
  });
  const coinScale = has(obj, "coinScale") ? integerAt(own(obj, "coinScale"), "program.coinScale", issues, 0, 8) : 0;
  const rounding = has(obj, "rounding") ? oneOf(own(obj, "rounding"), ROUNDING_MODES, "program.rounding", issues) : "down";
  const clawback = has(obj, "clawback") ? oneOf(own(obj, "clawback"), CLAWBACK_POLICIES, "program.clawback", issues) : "debt";
  let timeZone = "UTC";
  if (has(obj, "timeZone")) {
    const value = own(obj, "timeZone");
    if (isTimeZone(value)) timeZone = value;
    else {
      timeZone = void 0;
      issues.add(
        "program.timeZone",
        `expected an IANA time zone such as "Europe/London", got ${typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : describe2(value)}`
      );
    }
  }
  if (issues.count > 0 || id === void 0 || coinValue === void 0 || coinScale === void 0 || rounding === void 0 || clawback === void 0 || timeZone === void 0) {
    throw invalidInput(issues.list);
  }
  return { id, coinValue, coinScale, rounding, timeZone, clawback };
}

// packages/core/src/time/instant.ts
var INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;
var MIN_YEAR = 1970;
var MAX_YEAR = 9999;
function parseInstant(value) {
  if (typeof value !== "string") {
    return {
      ok: false,
      message: `expected an ISO-8601 instant such as "2026-11-27T00:00:00Z", got ${typeName(value)}`
    };
  }
  const m = value.length <= 40 ? INSTANT.exec(value) : null;
  if (m === null) {
    return {
      ok: false,
      message: `expected an ISO-8601 instant with a zone such as "2026-11-27T00:00:00Z" or "2026-11-27T05:30:00+05:30", got ${JSON.stringify(value.slice(0, 60))}`
    };
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === void 0 ? 0 : Number(m[6]);
  const millis = m[7] === void 0 ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const offsetHours = m[10] === void 0 ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === void 0 ? 0 : Number(m[11]);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    return { ok: false, message: `year must be between ${MIN_YEAR} and ${MAX_YEAR}` };
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: `${m[1]}-${m[2]}-${m[3]} is not a calendar date` };
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return { ok: false, message: "time of day out of range" };
  }
  if (offsetHours > 23 || offsetMinutes > 59) {
    return { ok: false, message: "zone offset out of range" };
  }
  const sign2 = m[9] === "-" ? -1 : 1;
  const offset = sign2 * (offsetHours * 60 + offsetMinutes) * 6e4;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
  if (ms < Date.UTC(MIN_YEAR, 0, 1) || ms >= Date.UTC(MAX_YEAR + 1, 0, 1)) {
    return { ok: false, message: `instant must be between ${MIN_YEAR} and ${MAX_YEAR}` };
  }
  return { ok: true, ms };
}
function formatInstant(ms) {
  if (!(ms >= FIRST_WRITTEN && ms < END_WRITTEN) || !Number.isInteger(ms)) {
    return new Date(ms).toISOString();
  }
  const minute = Math.floor(ms / MINUTE);
  const millis = ms - minute * MINUTE;
  const seconds = Math.floor(millis / 1e3);
  return `${minuteText(minute)}${two(seconds)}.${three(millis - seconds * 1e3)}Z`;
}
var MINUTE = 6e4;
var FIRST_WRITTEN = Date.UTC(1e3, 0, 1);
var END_WRITTEN = Date.UTC(1e4, 0, 1);
var latest = { minute: Number.NaN, text: "" };
var previous = latest;
function minuteText(minute) {
  if (minute === latest.minute) return latest.text;
  let found = previous;
  if (minute !== found.minute) {
    const date = new Date(minute * MINUTE);
    found = {
      minute,
      text: `${date.getUTCFullYear()}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:`
    };
  }
  previous = latest;
  latest = found;
  return found.text;
}
function two(n) {
  return n < 10 ? `0${n}` : `${n}`;
}
function three(n) {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}
var DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function daysInMonth(year, month) {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}
function typeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

// packages/core/src/rules/eligibility.ts
function eventActivity(event, now) {
  if (event.status === "paused") return "paused";
  if (event.status === "archived") return "archived";
  const at = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(at)) throw invalidInput({ path: "now", message: "expected a valid Date" });
  const window = event.window;
  if (window?.from !== void 0 && at < instant(window.from, "window.from"))
    return "before_window";
  if (window?.until !== void 0 && at >= instant(window.until, "window.until"))
    return "after_window";
  return null;
}
function prepareActivity(window) {
  const from = window?.from === void 0 ? void 0 : instant(window.from, "window.from");
  const until = window?.until === void 0 ? void 0 : instant(window.until, "window.until");
  return (event, at) => {
    if (event.status === "paused") return "paused";
    if (event.status === "archived") return "archived";
    if (from !== void 0 && at < from) return "before_window";
    if (until !== void 0 && at >= until) return "after_window";
    return null;
  };
}
function instant(value, path) {
  const parsed = parseInstant(value);
  if (!parsed.ok) throw invalidInput({ path, message: parsed.message });
  return parsed.ms;
}

// packages/core/src/rules/durations.ts
var OFFSET_CHANGE_HOURS = 2;
function neverOutlasts(expiry, activation) {
  const e = normal(expiry);
  const a = normal(activation);
  if (e.months <= a.months && e.days <= a.days && e.hours <= a.hours) return true;
  const latest2 = mostDays(e.months) + e.days;
  const earliest = fewestDays(a.months) + a.days;
  if (latest2 <= earliest && e.hours <= a.hours) return true;
  const longest = latest2 * 24 + (latest2 > 0 ? OFFSET_CHANGE_HOURS : 0) + e.hours;
  const shortest = earliest * 24 - (earliest > 0 ? OFFSET_CHANGE_HOURS : 0) + a.hours;
  return longest <= shortest;
}
function normal(d) {
  return { months: (d.years ?? 0) * 12 + (d.months ?? 0), days: d.days ?? 0, hours: d.hours ?? 0 };
}
function mostDays(months) {
  return 366 * Math.floor(months / 12) + 31 * (months % 12);
}
function fewestDays(months) {
  const rest = months % 12;
  return 365 * Math.floor(months / 12) + (rest === 0 ? 0 : 30 * rest - 5);
}

// packages/core/src/rules/parse.ts
var eventLimits = {
  idLength: 200,
  nameLength: 200,
  tiers: 100,
  promotions: 100,
  /** Upper bound of a percentage (a 1000% reward is already ten times the amount). */
  percent: "1000",
  multiplier: "1000",
  metadataDepth: 10,
  /** Approximate size of the metadata as JSON text. */
  metadataChars: 16384,
  metadataKeyLength: 200,
  days: 36600,
  months: 1200,
  years: 100,
  hours: 878400,
  plus: 1e3,
  version: Number.MAX_SAFE_INTEGER
};
var EVENT_KEYS = [
  "id",
  "name",
  "status",
  "window",
  "reward",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation",
  "metadata",
  "version"
];
var OPTIONAL_KEYS = [
  "window",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation",
  "metadata"
];
var STATUSES = ["active", "paused", "archived"];
var STACKS = ["max", "multiply"];
var PERIODS = ["day", "week", "month", "year", "lifetime"];
var UNITS = ["day", "week", "month", "quarter", "year"];
var DURATION_KEYS = ["years", "months", "days", "hours"];
function parseEvent(input) {
  const issues = new Issues();
  const event = readEvent(readInput(input, ""), issues);
  if (event === void 0 || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep(event));
}
function parseEventPatch(event, input) {
  const issues = new Issues();
  const current = readInput(event, "event");
  const patch = readInput(input, "");
  if (!isPlainObject(patch)) {
    throw invalidInput({
      path: "",
      message: `expected an object of fields to change, got ${describe2(patch)}`
    });
  }
  const merged = {};
  if (isPlainObject(current)) {
    for (const key of EVENT_KEYS) {
      if (Object.hasOwn(current, key)) merged[key] = current[key];
    }
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === "id") {
      issues.add("id", "cannot be changed; create a new event instead");
    } else if (key === "version") {
      issues.add("version", "is set by coinage; pass expectedVersion to guard an update");
    } else if (!EVENT_KEYS.includes(key)) {
      issues.add(
        join("", key),
        `unknown key; expected one of ${EVENT_KEYS.filter((k) => k !== "id" && k !== "version").join(", ")}`
      );
    } else if (value === void 0) {
    } else if (value === null) {
      if (OPTIONAL_KEYS.includes(key)) delete merged[key];
      else issues.add(key, "cannot be removed");
    } else {
      merged[key] = value;
    }
  }
  const next = readEvent(merged, issues);
  if (next === void 0 || issues.count > 0) throw invalidInput(issues.list);
  return markFrozenData(freezeDeep({ ...next, version: next.version + 1 }));
}
function freezeDeep(value) {
  if (typeof value === "object" && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) freezeDeep(item);
  }
  return value;
}
function readEvent(input, issues) {
  const obj = objectAt(input, "", issues);
  if (obj === void 0) return void 0;
  checkKeys(obj, EVENT_KEYS, "", issues);
  const id = textAt(own(obj, "id"), "id", issues, eventLimits.idLength);
  const name = has(obj, "name") ? textAt(own(obj, "name"), "name", issues, eventLimits.nameLength) : id;
  const status = has(obj, "status") ? oneOf(own(obj, "status"), STATUSES, "status", issues) : "active";
  const window = has(obj, "window") ? readWindow(own(obj, "window"), issues) : void 0;
  const reward = readReward(own(obj, "reward"), issues);
  const promotions = has(obj, "promotions") ? readPromotions(own(obj, "promotions"), issues) : void 0;
  const stack = has(obj, "stack") ? oneOf(own(obj, "stack"), STACKS, "stack", issues) : void 0;
  const caps = has(obj, "caps") ? readCaps(own(obj, "caps"), issues) : void 0;
  const minAmount = has(obj, "minAmount") ? decimalStringAt(own(obj, "minAmount"), "minAmount", issues, { min: "0" }) : void 0;
  const expiry = has(obj, "expiry") ? readExpiry(own(obj, "expiry"), issues) : void 0;
  const activation = has(obj, "activation") ? readActivation(own(obj, "activation"), issues) : void 0;
  if (expiry !== void 0 && activation !== void 0) {
    checkExpiryAfterActivation(expiry, activation, issues);
  }
  const metadata = has(obj, "metadata") ? readMetadata(own(obj, "metadata"), issues) : void 0;
  const version = has(obj, "version") ? integerAt(own(obj, "version"), "version", issues, 1, eventLimits.version) : 1;
  if (id === void 0 || name === void 0 || status === void 0 || reward === void 0 || version === void 0) {
    return void 0;
  }
  return {
    id,
    name,
    status,
    ...window === void 0 ? {} : { window },
    reward,
    ...promotions === void 0 ? {} : { promotions },
    ...stack === void 0 ? {} : { stack },
    ...caps === void 0 ? {} : { caps },
    ...minAmount === void 0 ? {} : { minAmount },
    ...expiry === void 0 ? {} : { expiry },
    ...activation === void 0 ? {} : { activation },
    ...metadata === void 0 ? {} : { metadata },
    version
  };
}
function instantAt(value, path, issues) {
  if (value === void 0) return issues.add(path, "is required");
  const parsed = parseInstant(value);
  return parsed.ok ? parsed.ms : issues.add(path, parsed.message);
}
function readWindow(value, issues) {
  const obj = objectAt(value, "window", issues);
  if (obj === void 0) return void 0;
  checkKeys(obj, ["from", "until"], "window", issues);
  if (!has(obj, "from") && !has(obj, "until"))
    return issues.add("window", "needs from, until or both");
  const from = has(obj, "from") ? instantAt(own(obj, "from"), "window.from", issues) : void 0;
  const until = has(obj, "until") ? instantAt(own(obj, "until"), "window.until", issues) : void 0;
  if (from !== void 0 && until !== void 0 && !(from < until)) {
    return issues.add("window.until", "must be after window.from");
  }
  return {
    ...from === void 0 ? {} : { from: formatInstant(from) },
    ...until === void 0 ? {} : { until: formatInstant(until) }
  };
}
function readReward(value, issues) {
  const obj = objectAt(value, "reward", issues);
  if (obj === void 0) return void 0;
  const kind = oneOf(
    own(obj, "kind"),
    ["fixed", "percentage", "tiered"],
    "reward.kind",
    issues
  );
  switch (kind) {
    case "fixed": {
      checkKeys(obj, ["kind", "coins"], "reward", issues);
      const coins = decimalStringAt(own(obj, "coins"), "reward.coins", issues, {
        min: "0",
        above: true
      });
      return coins === void 0 ? void 0 : { kind, coins };
    }
    case "percentage": {
      checkKeys(obj, ["kind", "percent"], "reward", issues);
      const percent = decimalStringAt(own(obj, "percent"), "reward.percent", issues, {
        min: "0",
        above: true,
        max: eventLimits.percent
      });
      return percent === void 0 ? void 0 : { kind, percent };
    }
    case "tiered":
      checkKeys(obj, ["kind", "mode", "tiers"], "reward", issues);
      return readTiered(obj, issues);
    default:
      return void 0;
  }
}
function readTiered(obj, issues) {
  const mode = has(obj, "mode") ? oneOf(own(obj, "mode"), ["flat", "progressive"], "reward.mode", issues) : "flat";
  const list = own(obj, "tiers");
  if (!Array.isArray(list))
    return issues.add("reward.tiers", `expected an array of tiers, got ${describe2(list)}`);
  if (list.length === 0) return issues.add("reward.tiers", "needs at least one tier");
  if (list.length > eventLimits.tiers)
    return issues.add("reward.tiers", `at most ${eventLimits.tiers} tiers`);
  const tiers = [];
  let previous2;
  let valid = true;
  for (let i = 0; i < list.length; i++) {
    const path = `reward.tiers[${i}]`;
    const tier = objectAt(list[i], path, issues);
    if (tier === void 0) {
      valid = false;
      previous2 = void 0;
      continue;
    }
    checkKeys(tier, ["from", "percent", "coins"], path, issues);
    const from = decimalAt(own(tier, "from"), `${path}.from`, issues, { min: "0" });
    if (from !== void 0) {
      if (i === 0 && !from.isZero()) issues.add(`${path}.from`, "the first tier must start at 0");
      if (previous2 !== void 0 && !from.gt(previous2)) {
        issues.add(
          `${path}.from`,
          `must be greater than the previous tier's from (${previous2.toFixed()})`
        );
      }
    }
    previous2 = from;
    const hasPercent = has(tier, "percent");
    const hasCoins = has(tier, "coins");
    let parsed;
    if (hasPercent === hasCoins) {
      issues.add(path, "needs exactly one of percent or coins");
    } else if (hasPercent) {
      const percent = decimalStringAt(own(tier, "percent"), `${path}.percent`, issues, {
        min: "0",
        max: eventLimits.percent
      });
      if (from !== void 0 && percent !== void 0) parsed = { from: canonical(from), percent };
    } else {
      if (mode === "progressive") {
        issues.add(
          `${path}.coins`,
          "progressive tiers pay a percent of each slice; use percent, or mode flat"
        );
      }
      const coins = decimalStringAt(own(tier, "coins"), `${path}.coins`, issues, { min: "0" });
      if (from !== void 0 && coins !== void 0) parsed = { from: canonical(from), coins };
    }
    if (parsed === void 0) valid = false;
    else tiers.push(parsed);
  }
  if (!valid || mode === void 0) return void 0;
  return { kind: "tiered", mode, tiers };
}
function canonical(d) {
  return d.isZero() ? "0" : d.toFixed();
}
function readPromotions(value, issues) {
  if (!Array.isArray(value))
    return issues.add("promotions", `expected an array, got ${describe2(value)}`);
  if (value.length > eventLimits.promotions) {
    return issues.add("promotions", `at most ${eventLimits.promotions} promotions`);
  }
  const promotions = [];
  const seen = /* @__PURE__ */ new Set();
  let valid = true;
  for (let i = 0; i < value.length; i++) {
    const path = `promotions[${i}]`;
    const obj = objectAt(value[i], path, issues);
    if (obj === void 0) {
      valid = false;
      continue;
    }
    checkKeys(obj, ["id", "multiplier", "from", "until"], path, issues);
    const id = textAt(own(obj, "id"), `${path}.id`, issues, eventLimits.idLength);
    if (id !== void 0) {
      if (seen.has(id)) issues.add(`${path}.id`, `duplicate promotion id ${JSON.stringify(id)}`);
      seen.add(id);
    }
    const multiplier = decimalStringAt(own(obj, "multiplier"), `${path}.multiplier`, issues, {
      min: "0",
      above: true,
      max: eventLimits.multiplier
    });
    const from = instantAt(own(obj, "from"), `${path}.from`, issues);
    const until = instantAt(own(obj, "until"), `${path}.until`, issues);
    if (from !== void 0 && until !== void 0 && !(from < until)) {
      issues.add(`${path}.until`, "must be after from");
      valid = false;
    }
    if (id === void 0 || multiplier === void 0 || from === void 0 || until === void 0) {
      valid = false;
      continue;
    }
    promotions.push({ id, multiplier, from: formatInstant(from), until: formatInstant(until) });
  }
  return valid ? promotions : void 0;
}
function readCaps(value, issues) {
  const obj = objectAt(value, "caps", issues);
  if (obj === void 0) return void 0;
  checkKeys(obj, ["perAllocation", "perUser", "budget"], "caps", issues);
  const positive = { min: "0", above: true };
  const perAllocation = has(obj, "perAllocation") ? decimalStringAt(own(obj, "perAllocation"), "caps.perAllocation", issues, positive) : void 0;
  const budget = has(obj, "budget") ? decimalStringAt(own(obj, "budget"), "caps.budget", issues, positive) : void 0;
  let perUser;
  if (has(obj, "perUser")) {
    const list = own(obj, "perUser");
    if (!Array.isArray(list)) {
      issues.add("caps.perUser", `expected an array of { coins, period }, got ${describe2(list)}`);
    } else if (list.length > PERIODS.length) {
      issues.add("caps.perUser", `at most ${PERIODS.length} caps, one per period`);
    } else {
      perUser = [];
      const seen = /* @__PURE__ */ new Set();
      for (let i = 0; i < list.length; i++) {
        const path = `caps.perUser[${i}]`;
        const cap = objectAt(list[i], path, issues);
        if (cap === void 0) continue;
        checkKeys(cap, ["coins", "period"], path, issues);
        const coins = decimalStringAt(own(cap, "coins"), `${path}.coins`, issues, positive);
        const period = oneOf(own(cap, "period"), PERIODS, `${path}.period`, issues);
        if (period !== void 0) {
          if (seen.has(period))
            issues.add(`${path}.period`, `duplicate period ${JSON.stringify(period)}`);
          seen.add(period);
        }
        if (coins !== void 0 && period !== void 0) perUser.push({ coins, period });
      }
    }
  }
  return {
    ...perAllocation === void 0 ? {} : { perAllocation },
    ...perUser === void 0 ? {} : { perUser },
    ...budget === void 0 ? {} : { budget }
  };
}
function checkExpiryAfterActivation(expiry, activation, issues) {
  if (!isDuration(expiry) || !isDuration(activation)) return;
  if (!neverOutlasts(expiry, activation)) return;
  issues.add(
    "expiry",
    "is never longer than the activation delay: coins would expire before they become spendable"
  );
  issues.add(
    "activation",
    "is never shorter than the expiry: coins would expire before they become spendable"
  );
}
function isDuration(rule) {
  return typeof rule === "object" && !("at" in rule) && !("endOf" in rule);
}
function readExpiry(value, issues) {
  if (value === "never") return "never";
  return readDateRule(value, "expiry", '"never"', issues);
}
function readActivation(value, issues) {
  if (value === "immediately") return "immediately";
  return readDateRule(value, "activation", '"immediately"', issues);
}
function readDateRule(value, path, keyword, issues) {
  if (!isPlainObject(value)) {
    return issues.add(
      path,
      `expected ${keyword}, a duration such as { "days": 90 }, { "endOf": "month", "plus": 3 } or { "at": "2026-12-31T00:00:00Z" }; got ${typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : describe2(value)}`
    );
  }
  if (has(value, "at")) {
    checkKeys(value, ["at"], path, issues);
    const at = instantAt(own(value, "at"), `${path}.at`, issues);
    return at === void 0 ? void 0 : { at: formatInstant(at) };
  }
  if (has(value, "endOf")) {
    checkKeys(value, ["endOf", "plus"], path, issues);
    const endOf = oneOf(own(value, "endOf"), UNITS, `${path}.endOf`, issues);
    const plus = has(value, "plus") ? integerAt(own(value, "plus"), `${path}.plus`, issues, 0, eventLimits.plus) : 0;
    if (endOf === void 0 || plus === void 0) return void 0;
    return has(value, "plus") ? { endOf, plus } : { endOf };
  }
  checkKeys(value, DURATION_KEYS, path, issues);
  const result = {};
  let valid = true;
  let positive = false;
  for (const unit of DURATION_KEYS) {
    if (!has(value, unit)) continue;
    const n = integerAt(own(value, unit), `${path}.${unit}`, issues, 0, eventLimits[unit]);
    if (n === void 0) valid = false;
    else {
      result[unit] = n;
      if (n > 0) positive = true;
    }
  }
  if (!valid) return void 0;
  if (!positive) {
    return issues.add(
      path,
      `a duration needs at least one of ${DURATION_KEYS.join(", ")} greater than 0`
    );
  }
  return result;
}
function readMetadata(value, issues) {
  if (!isPlainObject(value))
    return issues.add("metadata", `expected an object, got ${describe2(value)}`);
  const budget = { chars: 0, exceeded: false, issues };
  const before = issues.count;
  const copy2 = copyJson(value, "metadata", 1, budget);
  if (issues.count > before || !isPlainObject(copy2)) return void 0;
  return copy2;
}
var TOO_LARGE = /* @__PURE__ */ Symbol("too large");
function charge(budget, n) {
  budget.chars += n;
  if (budget.chars > eventLimits.metadataChars && !budget.exceeded) {
    budget.exceeded = true;
    budget.issues.add(
      "metadata",
      `must be at most about ${eventLimits.metadataChars} characters as JSON`
    );
  }
  return !budget.exceeded;
}
function copyJson(value, path, depth, budget) {
  const issues = budget.issues;
  if (value === null || typeof value === "boolean") {
    return charge(budget, 5) ? value : TOO_LARGE;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return issues.add(path, "numbers must be finite");
    return charge(budget, 24) ? value === 0 ? 0 : value : TOO_LARGE;
  }
  if (typeof value === "string") {
    if (!charge(budget, value.length + 2)) return TOO_LARGE;
    const problem = textProblem(value);
    return problem === null ? value : issues.add(path, problem);
  }
  if (depth > eventLimits.metadataDepth && (Array.isArray(value) || isPlainObject(value))) {
    return issues.add(path, `nested deeper than ${eventLimits.metadataDepth} levels`);
  }
  if (Array.isArray(value)) {
    if (!charge(budget, 2 + value.length)) return TOO_LARGE;
    const out = [];
    for (let i = 0; i < value.length; i++) {
      const item = copyJson(value[i], join(path, i), depth + 1, budget);
      if (item === TOO_LARGE) return TOO_LARGE;
      out.push(item);
    }
    return out;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (!charge(budget, 2 + keys.length * 4)) return TOO_LARGE;
    const entries = [];
    for (const key of keys) {
      const keyPath = join(path, key);
      if (!charge(budget, key.length)) return TOO_LARGE;
      if (key === "__proto__") {
        issues.add(keyPath, "the key __proto__ is not allowed");
        continue;
      }
      if (key.length > eventLimits.metadataKeyLength) {
        issues.add(keyPath, `keys must be at most ${eventLimits.metadataKeyLength} characters`);
        continue;
      }
      const problem = textProblem(key);
      if (problem !== null) {
        issues.add(keyPath, `key ${problem}`);
        continue;
      }
      const item = copyJson(value[key], keyPath, depth + 1, budget);
      if (item === TOO_LARGE) return TOO_LARGE;
      entries.push([key, item]);
    }
    return Object.fromEntries(entries);
  }
  return issues.add(
    path,
    `expected a JSON value, got ${value === void 0 ? "undefined" : describe2(value)}`
  );
}

// packages/core/src/rules/caps.ts
function capLimits(caps, usage) {
  if (caps === void 0) return [];
  const limits = [];
  if (caps.perAllocation !== void 0) {
    const limit = parseDecimal2(caps.perAllocation, "caps.perAllocation");
    limits.push({ cap: "perAllocation", limit, remaining: limit });
  }
  for (const [i, cap] of (caps.perUser ?? []).entries()) {
    const limit = parseDecimal2(cap.coins, `caps.perUser[${i}].coins`);
    const path = `usage.perUser.${cap.period}`;
    limits.push(
      perUserLimit(cap.period, limit, usedAt(perUserUsed(usage, cap.period, path), path))
    );
  }
  if (caps.budget !== void 0) {
    const limit = parseDecimal2(caps.budget, "caps.budget");
    limits.push(budgetLimit(limit, usedAt(usage?.budget, "usage.budget")));
  }
  return limits;
}
function prepareCaps(caps) {
  if (caps === void 0) return () => [];
  const allocation = caps.perAllocation === void 0 ? void 0 : parseDecimal2(caps.perAllocation, "caps.perAllocation");
  const allocationText = allocation === void 0 ? void 0 : canonicalDecimal(allocation);
  const perAllocation = allocation === void 0 ? void 0 : {
    cap: "perAllocation",
    limit: allocation,
    remaining: allocation,
    limitText: allocationText,
    remainingText: allocationText
  };
  const list = caps.perUser ?? [];
  if (!Array.isArray(list)) throw new TypeError("caps.perUser is not an array");
  const perUser = [];
  for (let i = 0; i < list.length; i++) {
    const cap = list[i];
    const limit = parseDecimal2(cap.coins, `caps.perUser[${i}].coins`);
    const { period } = cap;
    perUser.push({ period, limit, text: canonicalDecimal(limit), path: `usage.perUser.${period}` });
  }
  const budget = caps.budget === void 0 ? void 0 : parseDecimal2(caps.budget, "caps.budget");
  const budgetText = budget === void 0 ? void 0 : canonicalDecimal(budget);
  return (usage) => {
    const limits = perAllocation === void 0 ? [] : [perAllocation];
    for (const { period, limit, text, path } of perUser) {
      const used = usedAt(perUserUsed(usage, period, path), path);
      limits.push(perUserLimit(period, limit, used, text));
    }
    if (budget !== void 0) {
      const used = usedAt(usage?.budget, "usage.budget");
      limits.push(budgetLimit(budget, used, budgetText));
    }
    return limits;
  };
}
function perUserLimit(period, limit, used, limitText) {
  return { cap: "perUser", period, limit, used, remaining: leftOf(limit, used), limitText };
}
function budgetLimit(limit, used, limitText) {
  return { cap: "budget", limit, used, remaining: leftOf(limit, used), limitText };
}
function leftOf(limit, used) {
  const left = limit.minus(used);
  return left.isNegative() && !left.isZero() ? ZERO : left;
}
function applyCaps(value, limits, text) {
  let current = value;
  let currentText = text;
  const clips = [];
  for (const limit of limits) {
    if (!current.gt(limit.remaining)) continue;
    const clipped = clip(limit, currentText ?? canonicalDecimal(current));
    clips.push(clipped);
    current = limit.remaining;
    currentText = clipped.after;
  }
  return { value: current, clips };
}
function clip(limit, before) {
  const { cap, period } = limit;
  const text = limit.limitText ?? canonicalDecimal(limit.limit);
  const after = limit.remainingText ?? canonicalDecimal(limit.remaining);
  if (limit.used === void 0) {
    return period === void 0 ? { cap, limit: text, before, after } : { cap, period, limit: text, before, after };
  }
  const used = canonicalDecimal(limit.used);
  return period === void 0 ? { cap, limit: text, used, before, after } : { cap, period, limit: text, used, before, after };
}
function tightest(limits) {
  let best;
  for (const limit of limits) {
    if (best === void 0 || limit.remaining.lt(best.remaining)) best = limit;
  }
  return best;
}
function perUserUsed(usage, period, path) {
  return readInputField(usage?.perUser, period, "usage.perUser", path);
}
function usedAt(value, path) {
  if (value === void 0) return ZERO;
  const used = parseDecimal2(value, path);
  if (used.isNegative() && !used.isZero())
    throw invalidInput({ path, message: "must be at least 0" });
  return used;
}

// packages/core/src/time/calendar.ts
var MAX_STEPS = 1e6;
function readCalendarRule(rule) {
  if ("endOf" in rule) {
    const { plus } = rule;
    const endOf = rule.endOf;
    if (!isUnit(endOf)) {
      throw invalidInput({
        path: "endOf",
        message: `unknown calendar unit ${typeof endOf === "string" ? JSON.stringify(endOf.slice(0, 40)) : typeof endOf}`
      });
    }
    return { kind: "endOf", unit: endOf, steps: 1 + count(plus, "plus") };
  }
  return {
    kind: "duration",
    years: count(rule.years, "years"),
    months: count(rule.months, "months"),
    days: count(rule.days, "days"),
    hours: count(rule.hours, "hours")
  };
}
function addCalendar(ms, years, months, days) {
  let out = ms;
  if (years) out = addMonths(out, years * 12);
  if (months) out = addMonths(out, months);
  if (days) out = addDays(out, days);
  return out;
}
function startOfNext(unit, steps, ms) {
  const date = new Date(ms);
  date.setUTCHours(0, 0, 0, 0);
  switch (unit) {
    case "day":
      return addDays(date.getTime(), steps);
    case "week":
      date.setUTCDate(date.getUTCDate() - daysSinceMonday(date));
      return addDays(date.getTime(), steps * 7);
    case "month":
      date.setUTCDate(1);
      return addMonths(date.getTime(), steps);
    case "quarter": {
      const month = date.getUTCMonth();
      date.setUTCMonth(month - month % 3, 1);
      return addMonths(date.getTime(), steps * 3);
    }
    case "year":
      date.setUTCMonth(0, 1);
      return addMonths(date.getTime(), steps * 12);
  }
}
function isoWeek(ms) {
  const thursday = new Date(ms);
  thursday.setUTCHours(0, 0, 0, 0);
  thursday.setUTCDate(thursday.getUTCDate() - daysSinceMonday(thursday) + 3);
  const year = thursday.getUTCFullYear();
  const firstOfYear = new Date(thursday.getTime());
  firstOfYear.setUTCMonth(0, 1);
  const week = 1 + Math.floor((thursday.getTime() - firstOfYear.getTime()) / (7 * 864e5));
  return { year, week };
}
function addMonths(ms, amount) {
  const date = new Date(ms);
  const dayOfMonth = date.getUTCDate();
  const endOfTarget = new Date(ms);
  endOfTarget.setUTCMonth(date.getUTCMonth() + amount + 1, 0);
  if (dayOfMonth >= endOfTarget.getUTCDate()) return endOfTarget.getTime();
  endOfTarget.setUTCDate(dayOfMonth);
  return endOfTarget.getTime();
}
function addDays(ms, amount) {
  const date = new Date(ms);
  date.setUTCDate(date.getUTCDate() + amount);
  return date.getTime();
}
function daysSinceMonday(date) {
  return (date.getUTCDay() + 6) % 7;
}
function count(n, path) {
  if (n === void 0) return 0;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= MAX_STEPS) return n;
  throw invalidInput({
    path,
    message: `expected a whole number from 0 to ${MAX_STEPS}, got ${typeof n === "number" ? n : typeof n}`
  });
}
function isUnit(unit) {
  return unit === "day" || unit === "week" || unit === "month" || unit === "quarter" || unit === "year";
}

// packages/core/src/time/wall.ts
var DAY = 864e5;
function wallTime(ms, timeZone) {
  return ms + zoneOffset(timeZone, ms);
}
function wallToInstant(wall, timeZone) {
  const before = zoneOffset(timeZone, wall - DAY);
  const early = wall - before;
  const atEarly = zoneOffset(timeZone, early);
  if (atEarly === before) return early;
  const late = wall - atEarly;
  if (zoneOffset(timeZone, late) === atEarly) return late;
  return early;
}

// packages/core/src/time/dates.ts
function resolveExpiry(rule, earnedAt, timeZone) {
  const start = checkedTime(earnedAt, "earnedAt");
  assertTimeZone(timeZone);
  if (rule === void 0 || rule === "never") return null;
  return new Date(Math.max(readRule(rule)(start, timeZone), start + 1));
}
function resolveActivation(rule, earnedAt, timeZone) {
  const start = checkedTime(earnedAt, "earnedAt");
  assertTimeZone(timeZone);
  if (rule === void 0 || rule === "immediately") return new Date(start);
  return new Date(Math.max(readRule(rule)(start, timeZone), start));
}
function expiryResolver(rule) {
  if (rule === void 0 || rule === "never") {
    return (_start, timeZone) => {
      assertTimeZone(timeZone);
      return null;
    };
  }
  const resolve = readRuleAhead(rule);
  return (start, timeZone) => {
    assertTimeZone(timeZone);
    return Math.max(resolve(start, timeZone), start + 1);
  };
}
function activationResolver(rule) {
  if (rule === void 0 || rule === "immediately") {
    return (start, timeZone) => {
      assertTimeZone(timeZone);
      return start;
    };
  }
  const resolve = readRuleAhead(rule);
  return (start, timeZone) => {
    assertTimeZone(timeZone);
    return Math.max(resolve(start, timeZone), start);
  };
}
function readRuleAhead(rule) {
  try {
    return readRule(rule);
  } catch {
    return (start, timeZone) => readRule(rule)(start, timeZone);
  }
}
function readRule(rule) {
  if (typeof rule !== "object" || rule === null) {
    throw invalidInput({ path: "", message: "expected a date rule object" });
  }
  if ("at" in rule) {
    const parsed = parseInstant(rule.at);
    if (!parsed.ok) throw invalidInput({ path: "at", message: parsed.message });
    const { ms } = parsed;
    return () => ms;
  }
  const calendar = readCalendarRule(rule);
  if (calendar.kind === "endOf") return endOfResolver(calendar.unit, calendar.steps);
  const { years, months, days, hours } = calendar;
  const elapsed = hours * 36e5;
  if (years === 0 && months === 0 && days === 0) return (start) => start + elapsed;
  return (start, timeZone) => (timeZone === "UTC" ? addCalendar(start, years, months, days) : wallToInstant(addCalendar(wallTime(start, timeZone), years, months, days), timeZone)) + elapsed;
}
function endOfResolver(unit, steps) {
  let last;
  return (start, timeZone) => {
    const wall = timeZone === "UTC" ? start : wallTime(start, timeZone);
    if (last !== void 0 && last.zone === timeZone && wall >= last.from && wall < last.until) {
      return last.at;
    }
    const end = startOfNext(unit, steps, wall);
    const at = timeZone === "UTC" ? end : wallToInstant(end, timeZone);
    last = {
      zone: timeZone,
      from: startOfNext(unit, 0, wall),
      until: startOfNext(unit, 1, wall),
      at
    };
    return at;
  };
}
function checkedTime(date, path) {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidInput({ path, message: "expected a valid Date" });
  return ms;
}

// packages/core/src/rules/tiers.ts
var HUNDREDTH = new Dec("0.01");
function parseTiers(tiers) {
  return tiers.map((tier, i) => {
    const from = parseDecimal2(tier.from, `reward.tiers[${i}].from`);
    if (!("percent" in tier)) {
      return { from, coins: parseDecimal2(tier.coins, `reward.tiers[${i}].coins`) };
    }
    const percent = parseDecimal2(tier.percent, `reward.tiers[${i}].percent`);
    return { from, percent, rate: percent.mul(HUNDREDTH) };
  });
}
function withTexts(tiers) {
  return tiers.map((tier, i) => {
    const next = tiers[i + 1];
    const texts = {
      from: canonicalDecimal(tier.from),
      upTo: next === void 0 ? void 0 : canonicalDecimal(next.from),
      rate: tier.percent === void 0 ? void 0 : canonicalDecimal(tier.percent)
    };
    return { ...tier, texts };
  });
}
function tierIndex(tiers, amount) {
  for (let i = tiers.length - 1; i > 0; i--) {
    const tier = tiers[i];
    if (tier !== void 0 && tier.from.lte(amount)) return i;
  }
  return 0;
}
function flatParsed(parsed, amount) {
  const index = tierIndex(parsed, amount);
  const tier = parsed[index];
  if (tier === void 0) return { currency: ZERO, coins: ZERO, shares: [] };
  const next = parsed[index + 1];
  const currency = tier.rate === void 0 ? ZERO : amount.mul(tier.rate);
  const coins = tier.coins ?? ZERO;
  return { currency, coins, shares: [tierShare(tier, next, currency, coins)] };
}
function progressiveParsed(parsed, amount) {
  const shares = [];
  let currency = ZERO;
  let coins = ZERO;
  for (let i = 0; i < parsed.length; i++) {
    const tier = parsed[i];
    if (tier === void 0 || !amount.gt(tier.from)) break;
    const next = parsed[i + 1];
    const top = next === void 0 || amount.lt(next.from) ? amount : next.from;
    const slice = top.minus(tier.from);
    const part = tier.rate === void 0 ? ZERO : slice.mul(tier.rate);
    const fixed = tier.coins ?? ZERO;
    currency = currency.plus(part);
    coins = coins.plus(fixed);
    shares.push(tierShare(tier, next, part, fixed));
  }
  return { currency, coins, shares };
}
function tierShare(tier, next, currency, coins) {
  const { from, percent, texts } = tier;
  if (next === void 0) {
    return percent === void 0 ? { from, currency, coins, texts } : { from, percent, currency, coins, texts };
  }
  const upTo = next.from;
  return percent === void 0 ? { from, upTo, currency, coins, texts } : { from, upTo, percent, currency, coins, texts };
}
function tieredBase(rule, amount) {
  return parsedTieredBase(rule.mode, parseTiers(rule.tiers), amount);
}
function parsedTieredBase(mode, parsed, amount) {
  return mode === "progressive" ? progressiveParsed(parsed, amount) : flatParsed(parsed, amount);
}

// packages/core/src/rules/base.ts
var HUNDREDTH2 = new Dec("0.01");
function ruleBase(rule, amount) {
  switch (rule.kind) {
    case "fixed":
      return { currency: ZERO, coins: parseDecimal2(rule.coins, "reward.coins") };
    case "percentage":
      return {
        currency: amount.mul(parseDecimal2(rule.percent, "reward.percent")).mul(HUNDREDTH2),
        coins: ZERO
      };
    case "tiered":
      return tieredBase(rule, amount);
    default:
      throw invalidInput({ path: "reward.kind", message: "unknown reward kind" });
  }
}
function prepareBase(rule) {
  switch (rule.kind) {
    case "fixed": {
      const coins = parseDecimal2(rule.coins, "reward.coins");
      return () => ({ currency: ZERO, coins });
    }
    case "percentage": {
      const rate = parseDecimal2(rule.percent, "reward.percent").mul(HUNDREDTH2);
      return (amount) => ({ currency: amount.mul(rate), coins: ZERO });
    }
    case "tiered": {
      const { mode } = rule;
      const tiers = withTexts(parseTiers(rule.tiers));
      return (amount) => parsedTieredBase(mode, tiers, amount);
    }
    default:
      return void 0;
  }
}

// packages/core/src/rules/promotions.ts
function activePromotions(promotions, now) {
  if (promotions === void 0) return [];
  const at = now.getTime();
  return promotions.filter(
    (p, i) => instant(p.from, `promotions[${i}].from`) <= at && at < instant(p.until, `promotions[${i}].until`)
  );
}
function combineMultipliers(multipliers, stack = "max") {
  if (multipliers.length === 0) return ONE;
  if (stack === "multiply") return multipliers.reduce((acc, m) => acc.mul(m), new Dec(1));
  return multipliers.reduce((acc, m) => max2(acc, m));
}
function promotionMultiplier(promotions, stack, now) {
  const active = activePromotions(promotions, now);
  const multipliers = active.map(
    (p) => parseDecimal2(p.multiplier, `promotions[${promotions?.indexOf(p) ?? 0}].multiplier`)
  );
  return {
    active: active.map((p) => ({ id: p.id, multiplier: p.multiplier })),
    multiplier: combineMultipliers(multipliers, stack)
  };
}
function preparePromotions(promotions, stack) {
  if (promotions === void 0) return () => ({ active: [], multiplier: ONE });
  if (!Array.isArray(promotions)) throw new TypeError("promotions is not an array");
  const prepared2 = [];
  for (let i = 0; i < promotions.length; i++) {
    if (!(i in promotions)) throw new TypeError("promotions has a hole");
    const p = promotions[i];
    prepared2.push({
      id: p.id,
      text: p.multiplier,
      multiplier: parseDecimal2(p.multiplier, `promotions[${i}].multiplier`),
      from: instant(p.from, `promotions[${i}].from`),
      until: instant(p.until, `promotions[${i}].until`)
    });
  }
  return (at) => {
    const active = [];
    const multipliers = [];
    for (const p of prepared2) {
      if (p.from <= at && at < p.until) {
        active.push({ id: p.id, multiplier: p.text });
        multipliers.push(p.multiplier);
      }
    }
    return { active, multiplier: combineMultipliers(multipliers, stack) };
  };
}

// packages/core/src/rules/prepare.ts
function directParts(event) {
  return {
    availableAt: (at, zone) => resolveActivation(event.activation, new Date(at), zone).getTime(),
    expiresAt: (at, zone) => resolveExpiry(event.expiry, new Date(at), zone)?.getTime() ?? null,
    limits: (usage) => capLimits(event.caps, usage),
    activity: (e, at) => eventActivity(e, new Date(at)),
    below: (e, amount) => e.minAmount !== void 0 && amount !== void 0 && amount.lt(parseDecimal2(e.minAmount, "minAmount")),
    base: (amount) => ruleBase(event.reward, amount),
    promotions: (at) => promotionMultiplier(event.promotions, event.stack, new Date(at))
  };
}
var SOURCES = [
  "window",
  "reward",
  "promotions",
  "stack",
  "caps",
  "minAmount",
  "expiry",
  "activation"
];
var prepared = /* @__PURE__ */ new WeakMap();
function eventParts(event) {
  if (typeof event !== "object" || event === null) return directParts(event);
  const known = prepared.get(event);
  if (known !== void 0 && (known.sources === void 0 || sameSources(event, known.sources))) {
    return known.parts;
  }
  const sources = isFrozenData(event) ? void 0 : SOURCES.map((key) => event[key]);
  const parts = prepareParts(event);
  prepared.set(event, { sources, parts });
  return parts;
}
function sameSources(event, sources) {
  for (let i = 0; i < SOURCES.length; i++) {
    if (event[SOURCES[i]] !== sources[i]) return false;
  }
  return true;
}
function prepareParts(event) {
  const direct = directParts(event);
  const activation = attempt(() => activationResolver(event.activation));
  const expiry = attempt(() => expiryResolver(event.expiry));
  const limits = attempt(() => prepareCaps(event.caps));
  const activity = attempt(() => prepareActivity(event.window));
  const minAmount = attempt(
    () => event.minAmount === void 0 ? null : parseDecimal2(event.minAmount, "minAmount")
  );
  const base = attempt(() => prepareBase(event.reward) ?? FAILED);
  const promotions = attempt(() => preparePromotions(event.promotions, event.stack));
  return {
    availableAt: activation === FAILED ? direct.availableAt : activation,
    expiresAt: expiry === FAILED ? direct.expiresAt : expiry,
    limits: limits === FAILED ? direct.limits : limits,
    activity: activity === FAILED ? direct.activity : activity,
    below: minAmount === FAILED ? direct.below : (e, amount) => e.minAmount !== void 0 && amount !== void 0 && minAmount !== null && amount.lt(minAmount),
    base: base === FAILED ? direct.base : base,
    promotions: promotions === FAILED ? direct.promotions : promotions
  };
}
var FAILED = /* @__PURE__ */ Symbol("not prepared");
function attempt(read) {
  try {
    return read();
  } catch {
    return FAILED;
  }
}

// packages/core/src/rules/reward.ts
function previewReward(event, transaction, program, now, usage) {
  return preview(eventParts, event, transaction, program, now, usage);
}
function preview(eventParts2, event, transactionInput, programInput, nowInput, usageInput) {
  const at = dateTime(nowInput);
  if (at === void 0 || !Number.isFinite(at)) {
    throw invalidInput({ path: "now", message: "expected a valid Date" });
  }
  const amount = readInputField(transactionInput, "amount", "transaction", "amount");
  const program = readProgram(programInput);
  const usage = readUsage(usageInput);
  try {
    return evaluate(eventParts2(event), event, amount, program, at, usage);
  } catch (error) {
    if (error instanceof CoinageError) throw error;
    throw unreadable("event", error);
  }
}
function readProgram(value) {
  return {
    coinValue: readInputField(value, "coinValue", "program", "program.coinValue"),
    coinScale: readInputField(value, "coinScale", "program", "program.coinScale"),
    rounding: readInputField(value, "rounding", "program", "program.rounding"),
    timeZone: readInputField(value, "timeZone", "program", "program.timeZone")
  };
}
function readUsage(value) {
  if (typeof value !== "object" || value === null) return value;
  const perUser = readInputField(value, "perUser", "usage", "usage.perUser");
  const budget = readInputField(value, "budget", "usage", "usage.budget");
  return { perUser, budget };
}
function evaluate(parts, event, amountInput, program, at, usage) {
  const coinValue = coinValueOf(program);
  const scale = coinScaleOf(program);
  const round2 = roundingOf(program.rounding);
  const amount = readAmount(event, amountInput);
  const availableMs = parts.availableAt(at, program.timeZone);
  const expiresMs = parts.expiresAt(at, program.timeZone);
  const availableAt = formatInstant(availableMs);
  const expiresAt = expiresMs === null ? null : formatInstant(expiresMs);
  const limits = parts.limits(usage);
  const reason = parts.activity(event, at) ?? (expiresMs !== null && expiresMs <= availableMs ? "expires_before_activation" : parts.below(event, amount) ? "below_min_amount" : null);
  if (reason !== null) {
    return nothing(reason, event.reward, program, scale, availableAt, expiresAt);
  }
  const base = parts.base(amount ?? ZERO);
  const { active, multiplier } = parts.promotions(at);
  const inverse = coinValueInverse(coinValue);
  const digits = inverse === void 0 ? Number.NaN : base.currency.sd() + inverse.sd();
  const byInverse = inverse !== void 0 && productIsExact(digits) ? base.currency.mul(inverse) : void 0;
  const converted = plusCoins(byInverse ?? base.currency.div(coinValue), base.coins);
  const baseCoins = canonicalDecimal(converted);
  const multiplied = multiplier === ONE ? converted : plusCoins(
    byInverse !== void 0 && productIsExact(digits + multiplier.sd()) ? byInverse.mul(multiplier) : base.currency.mul(multiplier).div(coinValue),
    base.coins,
    multiplier
  );
  const multipliedText = multiplied === converted ? baseCoins : canonicalDecimal(multiplied);
  const capped = applyCaps(multiplied, limits, multipliedText);
  let rounded = round2(capped.value, scale);
  let limitedBy;
  const ceiling = round2 === down && !capped.value.isNegative() ? void 0 : tightest(limits);
  if (ceiling !== void 0 && rounded.gt(ceiling.remaining)) {
    rounded = down(ceiling.remaining, scale);
    limitedBy = ceiling.cap;
  }
  const coins = canonicalDecimal(rounded, scale);
  const mode = program.rounding;
  const exact = capped.clips.at(-1)?.after ?? multipliedText;
  const rounding = limitedBy === void 0 ? { mode, scale, exact, rounded: coins } : { mode, scale, exact, rounded: coins, limitedBy };
  const rule = event.reward.kind;
  const multiplierText = canonicalDecimal(multiplier);
  const breakdown = base.shares === void 0 ? {
    rule,
    base: baseCoins,
    promotions: active,
    multiplier: multiplierText,
    multiplied: multipliedText,
    caps: capped.clips,
    rounding
  } : {
    rule,
    base: baseCoins,
    tiers: base.shares.map((share) => shareView(share, base, baseCoins, coinValue)),
    promotions: active,
    multiplier: multiplierText,
    multiplied: multipliedText,
    caps: capped.clips,
    rounding
  };
  return {
    coins,
    value: coinsValue(coins, rounded, scale, coinValue, program),
    breakdown,
    availableAt,
    expiresAt
  };
}
function plusCoins(converted, coins, multiplier) {
  if (coins.isZero() && !converted.isZero()) return converted;
  return converted.plus(multiplier === void 0 ? coins : coins.mul(multiplier));
}
function coinsValue(coins, rounded, scale, coinValue, program) {
  if (coins.length > MAX_DECIMAL_LENGTH || !rounded.isFinite() || rounded.decimalPlaces() > scale) {
    return coinsToCurrency(coins, program);
  }
  return canonicalDecimal((rounded.isZero() ? ZERO : rounded).mul(coinValue));
}
function shareView(share, base, baseCoins, coinValue) {
  const same = share.currency === base.currency && share.coins === base.coins;
  const coins = same ? baseCoins : canonicalDecimal(plusCoins(share.currency.div(coinValue), share.coins));
  const texts = share.texts;
  const from = texts?.from ?? canonicalDecimal(share.from);
  const rate = share.percent === void 0 ? void 0 : texts?.rate ?? canonicalDecimal(share.percent);
  if (share.upTo === void 0) return rate === void 0 ? { from, coins } : { from, rate, coins };
  const upTo = texts?.upTo ?? canonicalDecimal(share.upTo);
  return rate === void 0 ? { from, upTo, coins } : { from, upTo, rate, coins };
}
function readAmount(event, raw) {
  const needed = event.reward.kind !== "fixed" || event.minAmount !== void 0;
  if (raw === void 0) {
    if (!needed) return void 0;
    throw invalidInput({
      path: "amount",
      message: `is required: the event ${JSON.stringify(event.id)} pays ${event.reward.kind === "fixed" ? "only above a minimum amount" : `a ${event.reward.kind} reward of the amount`}`
    });
  }
  const amount = parseDecimal2(raw, "amount");
  if (amount.isNegative() && !amount.isZero())
    throw invalidInput({ path: "amount", message: "must be at least 0" });
  if (amount.decimalPlaces() > MAX_DECIMAL_PLACES) {
    throw invalidInput({ path: "amount", message: `at most ${MAX_DECIMAL_PLACES} decimal places` });
  }
  if (!amount.isZero() && amount.e >= MAX_INTEGER_DIGITS) {
    throw invalidInput({ path: "amount", message: `must be less than 10^${MAX_INTEGER_DIGITS}` });
  }
  return amount;
}
function nothing(reason, rule, program, scale, availableAt, expiresAt) {
  const coins = canonicalDecimal(ZERO, scale);
  return {
    coins,
    value: coinsToCurrency(coins, program),
    ineligible: reason,
    breakdown: {
      rule: rule.kind,
      base: "0",
      promotions: [],
      multiplier: "1",
      multiplied: "0",
      caps: [],
      rounding: { mode: program.rounding, scale, exact: "0", rounded: coins }
    },
    availableAt,
    expiresAt
  };
}

// packages/core/src/ledger/allocate.ts
function earn(draft, input) {
  if (input.coins.lte(0)) return { lot: null, debtPaid: new Dec(0) };
  const debtPaid = Dec.min(input.coins, draft.debt);
  const remaining = input.coins.minus(debtPaid);
  const lot = {
    id: draft.newLotId(),
    coins: input.coins.toFixed(),
    remaining: remaining.toFixed(),
    earnedAt: draft.at,
    availableAt: Math.max(input.availableAt, draft.at),
    expiresAt: input.expiresAt,
    eventId: input.eventId,
    requestId: input.requestId,
    expired: "0",
    shortfall: "0"
  };
  draft.addLot(lot, remaining);
  draft.debt = draft.debt.minus(debtPaid);
  draft.entry(input.type ?? "earn", input.coins, {
    requestId: input.requestId,
    lots: [{ lotId: lot.id, coins: input.coins.toFixed() }],
    eventId: input.eventId,
    reason: input.reason ?? (debtPaid.gt(0) ? `paid ${debtPaid.toFixed()} of debt` : null)
  });
  return { lot, debtPaid };
}

// packages/core/src/dictionary.ts
function dictionary(entries = []) {
  const out = /* @__PURE__ */ Object.create(null);
  for (const [key, value] of entries) out[key] = value;
  return out;
}
function lookup(map, key) {
  return Object.hasOwn(map, key) ? map[key] : void 0;
}

// packages/core/src/ledger/totals.ts
var EMPTY_TOTALS = Object.freeze({
  open: "0",
  pending: "0",
  asOf: 0,
  nextChangeAt: null
});
function pendingAt(totals, lots, at) {
  let pending = new Dec(totals.pending);
  if (at === totals.asOf) return pending;
  for (const lot of lots) {
    const before = isPending(lot, totals.asOf);
    if (before === isPending(lot, at) || !isOpenLot(lot)) continue;
    pending = before ? pending.minus(lot.remaining) : pending.plus(lot.remaining);
  }
  return pending;
}
function nextChangeBound(before, after, at) {
  let bound = null;
  const consider = (instant2) => {
    if (bound === null || instant2 < bound) bound = instant2;
  };
  for (const lot of before) {
    if (!isOpenLot(lot)) continue;
    if (lot.expiresAt !== null && lot.expiresAt > at) consider(lot.expiresAt);
    if (lot.availableAt > at) consider(lot.availableAt);
  }
  for (const lot of after) {
    if (!isOpenLot(lot)) continue;
    if (lot.expiresAt !== null) consider(lot.expiresAt);
    if (lot.availableAt > at) consider(lot.availableAt);
  }
  return bound;
}

// packages/core/src/ledger/draft.ts
var AccountDraft = class {
  at;
  snapshot;
  #lots = /* @__PURE__ */ new Map();
  /** `remaining` of the lots read so far, by lot state: each is parsed once. */
  #remaining = /* @__PURE__ */ new Map();
  #changedLots = /* @__PURE__ */ new Set();
  #entries = [];
  #usage = dictionary();
  #requests = [];
  #debt;
  /** Remaining coins of all open lots, at `at` (expired ones not swept yet included). */
  #open;
  /** Of `#open`, the coins of lots pending at `at`. */
  #pending;
  #nextLotId;
  #nextEntrySeq;
  #budget;
  constructor(snapshot, at) {
    this.snapshot = snapshot;
    this.at = at;
    for (const lot of snapshot.lots) this.#lots.set(lot.id, lot);
    this.#debt = new Dec(snapshot.debt);
    this.#open = new Dec(snapshot.totals.open);
    this.#pending = pendingAt(snapshot.totals, snapshot.lots, at);
    this.#nextLotId = snapshot.nextLotId;
    this.#nextEntrySeq = snapshot.nextEntrySeq;
  }
  get debt() {
    return this.#debt;
  }
  set debt(value) {
    this.#debt = value;
  }
  lots() {
    return [...this.#lots.values()];
  }
  lot(id) {
    return this.#lots.get(id);
  }
  newLotId() {
    const id = this.#nextLotId;
    this.#nextLotId += 1;
    return id;
  }
  /** A lot's remaining coins as a decimal. */
  remainingOf = (lot) => {
    let remaining = this.#remaining.get(lot);
    if (remaining === void 0) {
      remaining = new Dec(lot.remaining);
      this.#remaining.set(lot, remaining);
    }
    return remaining;
  };
  /** Book a new lot (its id from `newLotId()`) holding `remaining`, its `remaining` as a decimal. */
  addLot(lot, remaining) {
    if (this.#lots.has(lot.id)) throw new Error(`lot ${lot.id} exists already`);
    this.#remaining.set(lot, remaining);
    this.#put(lot, remaining);
  }
  /** Store `lot` and count `added` (signed) more remaining coins in the totals. */
  #put(lot, added) {
    this.#lots.set(lot.id, lot);
    this.#changedLots.add(lot.id);
    if (added.isZero()) return;
    this.#open = this.#open.plus(added);
    if (isPending(lot, this.at)) this.#pending = this.#pending.plus(added);
  }
  /** Add `delta` (signed) to a lot's remaining coins. */
  moveLot(id, delta) {
    return this.changeLot(id, { remaining: delta });
  }
  /** Add signed deltas to a lot's remaining, expired and shortfall coins. */
  changeLot(id, delta) {
    const lot = this.#lots.get(id);
    if (lot === void 0) throw new Error(`lot ${id} is not in the snapshot`);
    const remaining = delta.remaining === void 0 ? void 0 : this.remainingOf(lot).plus(delta.remaining);
    const next = {
      ...lot,
      remaining: remaining === void 0 ? lot.remaining : remaining.toFixed(),
      expired: delta.expired === void 0 ? lot.expired ?? "0" : expiredOf(lot).plus(delta.expired).toFixed(),
      shortfall: delta.shortfall === void 0 ? lot.shortfall ?? "0" : shortfallOf(lot).plus(delta.shortfall).toFixed()
    };
    if (remaining !== void 0) this.#remaining.set(next, remaining);
    this.#put(next, delta.remaining ?? ZERO);
    return next;
  }
  /** Remaining coins of every lot minus debt: what the history sums to. */
  booked() {
    return this.#open.minus(this.#debt);
  }
  /** The balance at the draft's instant, as the change leaves it. */
  balance() {
    return balanceFrom(
      { open: this.#open, pending: this.#pending, asOf: this.at },
      this.#lots.values(),
      this.#debt,
      this.at,
      this.remainingOf
    );
  }
  entry(type, coins, fields) {
    const entry = {
      seq: this.#nextEntrySeq,
      type,
      coins: coins.toFixed(),
      balanceAfter: this.booked().toFixed(),
      debtAfter: this.#debt.toFixed(),
      requestId: fields.requestId,
      lots: fields.lots,
      eventId: fields.eventId ?? null,
      at: this.at,
      reason: fields.reason ?? null
    };
    this.#nextEntrySeq += 1;
    this.#entries.push(entry);
    return entry;
  }
  setUsage(key, value) {
    this.#usage[key] = value.toFixed();
  }
  putRequest(record) {
    this.#requests.push(record);
  }
  addToBudget(eventId, add2, limit) {
    this.#budget = { eventId, add: add2.toFixed(), limit: limit.toFixed() };
  }
  /** Give `coins` back to an event's budget counter (the store keeps it at 0 or above). */
  giveBackBudget(eventId, coins) {
    this.#budget = { eventId, add: coins.neg().toFixed(), limit: "0" };
  }
  entries() {
    return this.#entries;
  }
  toChange() {
    const lots = [...this.#changedLots].sort((a, b) => a - b).map((id) => this.#lots.get(id));
    return {
      lots,
      totals: {
        open: this.#open.toFixed(),
        pending: this.#pending.toFixed(),
        asOf: this.at,
        nextChangeAt: nextChangeBound(this.snapshot.lots, this.#lots.values(), this.at)
      },
      debt: this.#debt.toFixed(),
      nextLotId: this.#nextLotId,
      nextEntrySeq: this.#nextEntrySeq,
      entries: this.#entries,
      usage: this.#usage,
      requests: this.#requests,
      ...this.#budget === void 0 ? {} : { budget: this.#budget }
    };
  }
};

// packages/core/src/ledger/expire.ts
function sweepExpired(draft, at = draft.at) {
  let coins = new Dec(0);
  let lots = 0;
  const due = draft.lots().filter((lot) => isExpired(lot, at) && isOpenLot(lot)).sort((a, b) => a.expiresAt - b.expiresAt || a.id - b.id);
  for (const lot of due) {
    const amount = draft.remainingOf(lot);
    draft.changeLot(lot.id, { remaining: amount.neg(), expired: amount });
    draft.entry("expire", amount.neg(), {
      requestId: null,
      lots: [{ lotId: lot.id, coins: amount.toFixed() }],
      eventId: lot.eventId,
      reason: `expired at ${new Date(lot.expiresAt).toISOString()}`
    });
    coins = coins.plus(amount);
    lots += 1;
  }
  return { coins, lots };
}

// packages/core/src/ledger/redeem.ts
function spend(draft, coins, fields) {
  const plan = planConsumption(draft.lots(), coins, draft.at, draft.remainingOf);
  if (plan.shortfall.gt(0)) {
    throw new CoinageError("INSUFFICIENT_COINS", {
      userId: draft.snapshot.userId,
      available: plan.spendable.toFixed(),
      requested: coins.toFixed()
    });
  }
  plan.movements.forEach((movement, i) => {
    draft.moveLot(movement.lotId, plan.amounts[i].neg());
  });
  draft.entry(fields.type ?? "redeem", coins.neg(), {
    requestId: fields.requestId,
    lots: plan.movements,
    reason: fields.reason ?? null
  });
  return plan.movements;
}

// packages/core/src/ledger/reverse.ts
function reversibleCoins(original, lot) {
  if (original.lotId === null || lot === void 0) return ZERO;
  return Dec.max(new Dec(original.coins).minus(expiredOf(lot)).minus(original.reversed), ZERO);
}
function reverseAllocation(draft, original, coins, policy, fields) {
  const movements = [];
  let left = coins;
  const own2 = original.lotId === null ? void 0 : draft.lot(original.lotId);
  if (own2 !== void 0 && !isExpired(own2, draft.at)) {
    const take = Dec.min(draft.remainingOf(own2), left);
    if (take.gt(0)) {
      draft.moveLot(own2.id, take.neg());
      movements.push({ lotId: own2.id, coins: take.toFixed() });
      left = left.minus(take);
    }
  }
  if (left.gt(0)) {
    const plan = planConsumption(draft.lots(), left, draft.at, draft.remainingOf);
    plan.movements.forEach((movement, i) => {
      draft.moveLot(movement.lotId, plan.amounts[i].neg());
      movements.push(movement);
    });
    left = plan.shortfall;
  }
  const taken = coins.minus(left);
  const debt = policy === "debt" ? left : ZERO;
  const forgiven = policy === "debt" ? ZERO : left;
  if (left.gt(0) && own2 !== void 0) draft.changeLot(own2.id, { shortfall: left });
  draft.debt = draft.debt.plus(debt);
  const booked = taken.plus(debt);
  if (booked.gt(0)) {
    draft.entry("reverse", booked.neg(), {
      requestId: fields.requestId,
      lots: movements,
      eventId: own2?.eventId ?? null,
      reason: fields.reason ?? (left.gt(0) ? `${left.toFixed()} ${policy === "debt" ? "booked as debt" : "forgiven"}` : null)
    });
  }
  return { taken, debt, forgiven, lots: movements };
}
function reverseRedemption(draft, original, coins, policy, fields) {
  const undone = alreadyUndone(original);
  const restoredMoves = [];
  const cancelledMoves = [];
  const expiredMoves = [];
  let repaid = ZERO;
  let debtPaid = ZERO;
  let left = coins;
  for (let i = original.parts.length - 1; i >= 0 && left.gt(0); i--) {
    const part = original.parts[i];
    const open = new Dec(part.coins).minus(undone[i]);
    const give = Dec.min(open, left);
    if (give.lte(0)) continue;
    left = left.minus(give);
    restoredMoves.push({ lotId: part.lotId, coins: give.toFixed() });
    const lot = draft.lot(part.lotId);
    if (lot === void 0) throw new Error(`lot ${part.lotId} is not in the snapshot`);
    const repay = policy === "debt" ? Dec.min(give, shortfallOf(lot), draft.debt) : Dec.min(give, shortfallOf(lot));
    if (repay.gt(0)) {
      repaid = repaid.plus(repay);
      if (policy === "debt") {
        draft.changeLot(lot.id, { shortfall: repay.neg() });
        draft.debt = draft.debt.minus(repay);
      } else {
        draft.changeLot(lot.id, { shortfall: repay.neg(), remaining: repay });
        cancelledMoves.push({ lotId: lot.id, coins: repay.toFixed() });
      }
    }
    const rest = give.minus(repay);
    if (rest.lte(0)) continue;
    if (isExpired(lot, draft.at)) {
      draft.moveLot(lot.id, rest);
      expiredMoves.push({ lotId: lot.id, coins: rest.toFixed() });
    } else {
      const paid = Dec.min(rest, draft.debt);
      draft.debt = draft.debt.minus(paid);
      debtPaid = debtPaid.plus(paid);
      draft.moveLot(lot.id, rest.minus(paid));
    }
  }
  const restored = coins.minus(left);
  const paidTotal = policy === "debt" ? repaid.plus(debtPaid) : debtPaid;
  draft.entry("restore", restored, {
    requestId: fields.requestId,
    lots: restoredMoves,
    reason: fields.reason ?? (paidTotal.gt(0) ? `paid ${paidTotal.toFixed()} of debt` : null)
  });
  if (cancelledMoves.length > 0) cancelForgiven(draft, cancelledMoves, fields.requestId);
  let expired = ZERO;
  for (const move of expiredMoves) {
    const amount = new Dec(move.coins);
    draft.changeLot(move.lotId, { remaining: amount.neg(), expired: amount });
    expired = expired.plus(amount);
  }
  if (expired.gt(0)) {
    draft.entry("expire", expired.neg(), {
      requestId: fields.requestId,
      lots: expiredMoves,
      reason: "restored into a lot that had already expired"
    });
  }
  return { restored, repaid, debtPaid, expired, lots: restoredMoves };
}
function cancelForgiven(draft, moves, requestId) {
  let total = ZERO;
  const named = [];
  const events = /* @__PURE__ */ new Set();
  for (const move of moves) {
    const lot = draft.moveLot(move.lotId, new Dec(move.coins).neg());
    total = total.plus(move.coins);
    events.add(lot.eventId);
    named.push(
      lot.requestId === null ? `${move.coins} forgiven of lot ${lot.id}` : `${move.coins} forgiven of allocation ${lot.requestId}`
    );
  }
  draft.entry("reverse", total.neg(), {
    requestId,
    lots: moves,
    eventId: events.size === 1 ? [...events][0] ?? null : null,
    reason: `cancels ${named.join(", ")}`
  });
}
function alreadyUndone(original) {
  const undone = original.parts.map(() => new Dec(0));
  let left = new Dec(original.reversed);
  for (let i = original.parts.length - 1; i >= 0 && left.gt(0); i--) {
    const take = Dec.min(new Dec(original.parts[i].coins), left);
    undone[i] = take;
    left = left.minus(take);
  }
  return undone;
}

// packages/core/src/time/periods.ts
function periodKey(period, at, timeZone) {
  const ms = at instanceof Date ? at.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidInput({ path: "at", message: "expected a valid Date" });
  if (period === "lifetime") return "lifetime";
  assertTimeZone(timeZone);
  const wall = timeZone === "UTC" ? ms : wallTime(ms, timeZone);
  const local = new Date(wall);
  switch (period) {
    case "day":
      return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
    case "week": {
      const { year, week } = isoWeek(wall);
      return `${pad(year, 4)}-W${pad(week, 2)}`;
    }
    case "month":
      return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}`;
    case "year":
      return pad(local.getUTCFullYear(), 4);
    default:
      throw invalidInput({
        path: "period",
        message: `unknown cap period ${JSON.stringify(period)}`
      });
  }
}
function usageKey(eventId, period, at, timeZone) {
  return JSON.stringify([eventId, period, periodKey(period, at, timeZone)]);
}
function pad(n, width) {
  return String(n).padStart(width, "0");
}

// packages/core/src/engine/format.ts
function formatBalance(program, userId, figures, at) {
  const available = coinText(figures.available, program);
  return {
    userId,
    available,
    pending: coinText(figures.pending, program),
    debt: coinText(figures.debt, program),
    value: currencyOf(figures.available, available, program),
    nextExpiry: figures.nextExpiry === null ? null : {
      at: formatInstant(figures.nextExpiry.at),
      coins: coinText(figures.nextExpiry.coins, program)
    },
    asOf: formatInstant(at)
  };
}
function coinText(coins, program) {
  return canonicalDecimal(coins, program.coinScale);
}
function currencyOf(coins, text, program) {
  if (coins.decimalPlaces() > program.coinScale) return coinsToCurrency(text, program);
  return canonicalDecimal(coins.mul(coinValueOf(program)));
}
function formatEntry(entry) {
  return {
    seq: entry.seq,
    type: entry.type,
    coins: entry.coins,
    balanceAfter: entry.balanceAfter,
    debtAfter: entry.debtAfter,
    requestId: entry.requestId,
    lots: entry.lots,
    event: entry.eventId,
    at: formatInstant(entry.at),
    reason: entry.reason
  };
}
function iso(at) {
  return at === null ? null : formatInstant(at);
}

// packages/core/src/engine/validate.ts
var MAX_ID_LENGTH = 200;
var MAX_REASON_LENGTH = 500;
var MAX_PAGE_SIZE = 500;
var MAX_BULK_ITEMS = 1e4;
var LONE_SURROGATE2 = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
function requireRecord(value, path, children = path) {
  const record = readInput(value, path, { children });
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw invalidInput({ path, message: "expected an object" });
  }
  return record;
}
function optionalSettings(value, path) {
  return value === void 0 || value === null ? {} : requireRecord(value, path, "");
}
function requireId(value, path) {
  if (typeof value !== "string" || value.length === 0) {
    throw invalidInput({ path, message: "expected a non-empty string" });
  }
  if (value.length > MAX_ID_LENGTH) {
    throw invalidInput({ path, message: `must be at most ${MAX_ID_LENGTH} characters` });
  }
  if (LONE_SURROGATE2.test(value)) {
    throw invalidInput({ path, message: "must be well-formed unicode (no lone surrogates)" });
  }
  if (value.includes("\0"))
    throw invalidInput({ path, message: "must not contain NUL characters" });
  return value;
}
function optionalReason(value, path) {
  if (value === void 0 || value === null) return null;
  if (typeof value !== "string" || value.length > MAX_REASON_LENGTH || LONE_SURROGATE2.test(value) || value.includes("\0")) {
    throw invalidInput({
      path,
      message: `expected a string of at most ${MAX_REASON_LENGTH} characters`
    });
  }
  return value;
}
function requireCoins(value, path, scale, options) {
  const coins = parseDecimal2(value, path);
  if (coins.isZero() || coins.isNegative() && !options?.allowNegative) {
    throw invalidInput({
      path,
      message: options?.allowNegative ? "must not be zero" : "must be greater than zero"
    });
  }
  if (coins.decimalPlaces() > scale) {
    throw invalidInput({
      path,
      message: `coins have at most ${scale} decimal places in this program`
    });
  }
  return coins;
}
function optionalAmount(value, path) {
  if (value === void 0 || value === null) return void 0;
  const amount = parseDecimal2(value, path);
  if (amount.isNegative()) throw invalidInput({ path, message: "must not be negative" });
  return amount;
}
function pageLimit(value, path, fallback) {
  if (value === void 0) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
    throw invalidInput({ path, message: `expected an integer from 1 to ${MAX_PAGE_SIZE}` });
  }
  return value;
}
function optionalInstant(value, path) {
  if (value === void 0) return void 0;
  const time = dateTime(value);
  if (time === void 0 || Number.isNaN(time)) {
    throw invalidInput({ path, message: "expected a valid Date" });
  }
  return new Date(time);
}
function asCoinageError(operation, error) {
  if (isCoinageError(error)) return error;
  return new CoinageError(
    "INTERNAL",
    { operation },
    { message: `Coinage failed during ${operation}: ${messageOf(error)}`, cause: error }
  );
}
function isCoinageError(error) {
  try {
    return error instanceof CoinageError;
  } catch {
    return false;
  }
}
function messageOf(error) {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable error";
  }
}

// packages/core/src/engine/commands.ts
function readsAt(at, spend2) {
  return spend2 === void 0 ? { at, usageKeys: NONE, requestIds: NONE, lotIds: NONE } : { at, spend: spend2.toFixed(), usageKeys: NONE, requestIds: NONE, lotIds: NONE };
}
var NONE = Object.freeze([]);
function validateAllocation(input, path = "allocation") {
  const record = requireRecord(input, path);
  const userId = requireId(record.userId, `${path}.userId`);
  const eventId = requireId(record.event, `${path}.event`);
  const requestId = requireId(record.requestId, `${path}.requestId`);
  const amount = optionalAmount(record.amount, `${path}.amount`);
  const reason = optionalReason(record.reason, `${path}.reason`);
  return {
    userId,
    eventId,
    requestId,
    amount,
    reason,
    fingerprint: fingerprint({
      amount: amount?.toFixed() ?? null,
      event: eventId,
      op: "allocate",
      reason,
      userId
    })
  };
}
var CAP_PERIODS = ["day", "week", "month", "year", "lifetime"];
function usageKeysAt(eventId, at, program) {
  return CAP_PERIODS.map((period) => ({
    period,
    key: usageKey(eventId, period, at, program.timeZone)
  }));
}
function usageKeysFor(event, at, program) {
  return usageKeysAt(event.id, at, program);
}
var MEMO_EVENTS = 1e3;
function usageKeyMemo(program) {
  const last = /* @__PURE__ */ new Map();
  return (eventId, at) => {
    const second = Math.floor(at.getTime() / 1e3);
    const known = last.get(eventId);
    if (known !== void 0 && known.second === second) return known.keys;
    const keys = usageKeysAt(eventId, at, program);
    if (last.size >= MEMO_EVENTS && known === void 0) last.clear();
    last.set(eventId, { second, keys });
    return keys;
  };
}
function usageFrom(snapshot, event, keys) {
  const perUser = {};
  for (const { period, key } of keys) perUser[period] = lookup(snapshot.usage, key) ?? "0";
  return {
    perUser,
    ...event.caps?.budget === void 0 ? {} : { budget: snapshot.budgetUsed ?? "0" }
  };
}
function allocationCommand(program, event, input, now, keys = usageKeysFor(event, now, program)) {
  const at = now.getTime();
  return {
    programId: program.id,
    userId: input.userId,
    request: { requestId: input.requestId, fingerprint: input.fingerprint },
    reads: {
      at,
      usageKeys: keys.map((k) => k.key),
      requestIds: [],
      lotIds: [],
      ...event.caps?.budget === void 0 ? {} : { budgetEventId: event.id }
    },
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const transaction = input.amount === void 0 ? {} : { amount: input.amount.toFixed() };
      const preview2 = previewReward(
        event,
        transaction,
        program,
        now,
        usageFrom(snapshot, event, keys)
      );
      const coins = new Dec(preview2.coins);
      const availableAt = Date.parse(preview2.availableAt);
      const expiresAt = preview2.expiresAt === null ? null : Date.parse(preview2.expiresAt);
      const earned = earn(draft, {
        coins,
        availableAt,
        expiresAt,
        eventId: event.id,
        requestId: input.requestId,
        reason: input.reason
      });
      if (coins.gt(0)) {
        const added = /* @__PURE__ */ new Map();
        for (const { key } of keys) {
          const used = lookup(snapshot.usage, key) ?? "0";
          let total = added.get(used);
          if (total === void 0) {
            total = new Dec(used).plus(coins);
            added.set(used, total);
          }
          draft.setUsage(key, total);
        }
        if (event.caps?.budget !== void 0)
          draft.addToBudget(event.id, coins, new Dec(event.caps.budget));
      }
      const result = {
        requestId: input.requestId,
        userId: input.userId,
        event: event.id,
        coins: coinText(coins, program),
        debtPaid: coinText(earned.debtPaid, program),
        lotId: earned.lot?.id ?? null,
        earnedAt: iso(at),
        availableAt: earned.lot === null ? null : iso(earned.lot.availableAt),
        expiresAt: earned.lot === null ? null : iso(earned.lot.expiresAt),
        ...preview2.ineligible === void 0 ? {} : { ineligible: preview2.ineligible },
        ...coins.gt(0) && event.caps?.budget !== void 0 ? { countsTowardBudget: true } : {},
        breakdown: preview2.breakdown,
        balance: formatBalance(program, input.userId, draft.balance(), at)
      };
      draft.putRequest({
        requestId: input.requestId,
        kind: "allocate",
        userId: input.userId,
        fingerprint: input.fingerprint,
        at,
        result,
        coins: coins.toFixed(),
        reversed: "0",
        lotId: earned.lot?.id ?? null,
        parts: []
      });
      return { change: draft.toChange(), result };
    }
  };
}
function redemptionCommand(program, input, now) {
  const record = requireRecord(input, "redemption");
  const userId = requireId(record.userId, "redemption.userId");
  const requestId = requireId(record.requestId, "redemption.requestId");
  const coins = requireCoins(record.coins, "redemption.coins", program.coinScale);
  const reason = optionalReason(record.reason, "redemption.reason");
  const at = now.getTime();
  const print = fingerprint({ coins: coins.toFixed(), op: "redeem", reason, userId });
  return {
    programId: program.id,
    userId,
    request: { requestId, fingerprint: print },
    reads: readsAt(at, coins),
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const lots = spend(draft, coins, { requestId, reason });
      const coinsText = coinText(coins, program);
      const result = {
        requestId,
        userId,
        coins: coinsText,
        value: currencyOf(coins, coinsText, program),
        lots,
        balance: formatBalance(program, userId, draft.balance(), at)
      };
      draft.putRequest({
        requestId,
        kind: "redeem",
        userId,
        fingerprint: print,
        at,
        result,
        coins: coins.toFixed(),
        reversed: "0",
        lotId: null,
        parts: lots
      });
      return { change: draft.toChange(), result };
    }
  };
}
function validateReversal(program, input) {
  const record = requireRecord(input, "reversal");
  const requestId = requireId(record.requestId, "reversal.requestId");
  const of = requireId(record.of, "reversal.of");
  if (of === requestId)
    throw invalidInput({ path: "reversal.of", message: "a request cannot reverse itself" });
  const coins = record.coins === void 0 ? void 0 : requireCoins(record.coins, "reversal.coins", program.coinScale);
  const reason = optionalReason(record.reason, "reversal.reason");
  return {
    requestId,
    of,
    coins,
    reason,
    fingerprint: fingerprint({ coins: coins?.toFixed() ?? null, of, op: "reverse", reason })
  };
}
function reversalCommand(program, input, original, now) {
  if (original.kind !== "allocate" && original.kind !== "redeem") {
    throw new CoinageError("NOT_REVERSIBLE", {
      requestId: original.requestId,
      kind: original.kind
    });
  }
  const at = now.getTime();
  const lotIds = original.kind === "allocate" ? original.lotId === null ? [] : [original.lotId] : original.parts.map((p) => p.lotId);
  const origin = original.kind === "allocate" ? allocationOrigin(original) : null;
  const eventId = origin?.eventId ?? null;
  const usageKeys = eventId === null ? [] : usageKeysAt(eventId, new Date(original.at), program).map((k) => k.key);
  const budgetEventId = origin?.budgetEventId ?? null;
  const spendable = original.kind === "allocate" ? input.coins ?? Dec.max(new Dec(original.coins).minus(original.reversed), 0) : void 0;
  return {
    programId: program.id,
    userId: original.userId,
    request: { requestId: input.requestId, fingerprint: input.fingerprint },
    reads: {
      at,
      ...spendable === void 0 ? {} : { spend: spendable.toFixed() },
      usageKeys,
      requestIds: [original.requestId],
      lotIds,
      ...budgetEventId === null ? {} : { budgetEventId }
    },
    decide(snapshot) {
      const fresh = lookup(snapshot.requests, original.requestId);
      if (fresh === void 0) throw new Error(`store did not load request ${original.requestId}`);
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      const left = reversibleLeft(draft, fresh);
      const coins = input.coins ?? left;
      if (coins.gt(left) || coins.lte(0)) {
        throw new CoinageError("REVERSAL_EXCEEDS_ORIGINAL", {
          requestId: fresh.requestId,
          remaining: coinText(left, program),
          requested: coinText(coins, program)
        });
      }
      const zero = coinText(new Dec(0), program);
      let outcome;
      if (fresh.kind === "allocate") {
        const r = reverseAllocation(draft, fresh, coins, program.clawback, input);
        for (const key of usageKeys) {
          const used = lookup(snapshot.usage, key);
          if (used !== void 0) draft.setUsage(key, Dec.max(new Dec(used).minus(coins), 0));
        }
        if (budgetEventId !== null) draft.giveBackBudget(budgetEventId, coins);
        outcome = {
          requestId: input.requestId,
          of: fresh.requestId,
          userId: fresh.userId,
          kind: "allocation",
          coins: coinText(coins, program),
          taken: coinText(r.taken, program),
          debt: coinText(r.debt, program),
          forgiven: coinText(r.forgiven, program),
          restored: zero,
          expired: zero,
          lots: r.lots
        };
      } else {
        const r = reverseRedemption(draft, fresh, coins, program.clawback, input);
        outcome = {
          requestId: input.requestId,
          of: fresh.requestId,
          userId: fresh.userId,
          kind: "redemption",
          coins: coinText(coins, program),
          taken: zero,
          debt: zero,
          forgiven: zero,
          restored: coinText(r.restored, program),
          expired: coinText(r.expired, program),
          lots: r.lots
        };
      }
      draft.putRequest({ ...fresh, reversed: new Dec(fresh.reversed).plus(coins).toFixed() });
      const result = {
        ...outcome,
        balance: formatBalance(program, fresh.userId, draft.balance(), at)
      };
      draft.putRequest({
        requestId: input.requestId,
        kind: "reverse",
        userId: fresh.userId,
        fingerprint: input.fingerprint,
        at,
        result,
        coins: coins.toFixed(),
        reversed: "0",
        lotId: null,
        parts: result.lots
      });
      return { change: draft.toChange(), result };
    }
  };
}
function allocationOrigin(original) {
  const result = original.result ?? {};
  const eventId = typeof result.event === "string" ? result.event : null;
  return {
    eventId,
    budgetEventId: eventId !== null && result.countsTowardBudget === true ? eventId : null
  };
}
function reversibleLeft(draft, record) {
  if (record.kind !== "allocate") return new Dec(record.coins).minus(record.reversed);
  if (record.lotId === null) return new Dec(0);
  const lot = draft.lot(record.lotId);
  if (lot === void 0) throw new Error(`store did not load lot ${record.lotId}`);
  return reversibleCoins(record, lot);
}
function sweepCommand(program, userId, now, cutoff) {
  const at = now.getTime();
  return {
    programId: program.id,
    userId,
    reads: readsAt(at),
    decide(snapshot) {
      const draft = new AccountDraft(snapshot, at);
      const swept = sweepExpired(draft, cutoff);
      return {
        change: draft.toChange(),
        result: { lots: swept.lots, coins: swept.coins.toFixed() }
      };
    }
  };
}

// packages/core/src/engine/adjust.ts
function adjustmentCommand(program, input, now) {
  const record = requireRecord(input, "adjustment");
  const userId = requireId(record.userId, "adjustment.userId");
  const requestId = requireId(record.requestId, "adjustment.requestId");
  const coins = requireCoins(record.coins, "adjustment.coins", program.coinScale, {
    allowNegative: true
  });
  const reason = optionalReason(record.reason, "adjustment.reason");
  if (reason === null || reason.trim() === "")
    throw invalidInput({ path: "adjustment.reason", message: "an adjustment needs a reason" });
  let expiresAt = null;
  if (record.expiresAt !== void 0 && record.expiresAt !== null) {
    const parsed = parseInstant(record.expiresAt);
    if (!parsed.ok) throw invalidInput({ path: "adjustment.expiresAt", message: parsed.message });
    expiresAt = parsed.ms;
  }
  const at = now.getTime();
  const print = fingerprint({ coins: coins.toFixed(), expiresAt, op: "adjust", reason, userId });
  return {
    programId: program.id,
    userId,
    request: { requestId, fingerprint: print },
    reads: readsAt(at, coins.gt(0) ? void 0 : coins.neg()),
    decide(snapshot) {
      if (expiresAt !== null && expiresAt <= at) {
        throw invalidInput({ path: "adjustment.expiresAt", message: "must be in the future" });
      }
      const draft = new AccountDraft(snapshot, at);
      sweepExpired(draft);
      let lots;
      if (coins.gt(0)) {
        const earned = earn(draft, {
          coins,
          availableAt: at,
          expiresAt,
          eventId: null,
          requestId,
          reason,
          type: "adjust"
        });
        lots = earned.lot === null ? [] : [{ lotId: earned.lot.id, coins: coins.toFixed() }];
      } else {
        lots = spend(draft, coins.neg(), { requestId, reason, type: "adjust" });
      }
      const result = {
        requestId,
        coins: coinText(coins, program),
        lots,
        balance: formatBalance(program, userId, draft.balance(), at)
      };
      draft.putRequest({
        requestId,
        kind: "adjust",
        userId,
        fingerprint: print,
        at,
        result,
        coins: coins.abs().toFixed(),
        reversed: "0",
        lotId: null,
        parts: lots
      });
      return { change: draft.toChange(), result };
    }
  };
}

// packages/core/src/engine/create.ts
var systemClock = { now: () => /* @__PURE__ */ new Date() };
var EVENT_UPDATE_ATTEMPTS = 5;
var SWEEP_BATCH = 100;
var KNOWN_EVENTS_LIMIT = 1e3;
function createCoinage(options) {
  if (options === null || typeof options !== "object") {
    throw invalidInput({ path: "options", message: "expected an object" });
  }
  const store = readField(options, "store", "options.store");
  if (store === null || typeof store !== "object" || typeof readField(store, "execute", "options.store") !== "function") {
    throw invalidInput({ path: "options.store", message: "expected a Store" });
  }
  const program = parseProgram(readField(options, "program", "options.program"));
  const clock = readField(options, "clock", "options.clock") ?? systemClock;
  const programId = program.id;
  const now = () => {
    let value;
    try {
      value = clock.now();
    } catch (error) {
      throw unreadable("clock.now()", error);
    }
    const time = dateTime(value);
    if (time === void 0 || Number.isNaN(time)) {
      throw invalidInput({ path: "clock.now()", message: "the clock returned an invalid Date" });
    }
    return new Date(time);
  };
  async function call(operation, run2) {
    try {
      return await run2();
    } catch (error) {
      throw asCoinageError(operation, error);
    }
  }
  const knownEvents = /* @__PURE__ */ new Map();
  const usageKeys = usageKeyMemo(program);
  function remember(event) {
    const known = knownEvents.get(event.id);
    if (known !== void 0 && known.version === event.version) return known;
    freezeDeep(event);
    knownEvents.delete(event.id);
    knownEvents.set(event.id, event);
    if (knownEvents.size > KNOWN_EVENTS_LIMIT) {
      const oldest = knownEvents.keys().next().value;
      if (oldest !== void 0) knownEvents.delete(oldest);
    }
    return event;
  }
  async function loadEvent(eventId) {
    const event = await call("getEvent", () => store.getEvent(programId, eventId));
    if (event === null) throw new CoinageError("EVENT_NOT_FOUND", { eventId });
    return remember(event);
  }
  function replay(record, print) {
    if (record.fingerprint !== print) {
      throw new CoinageError("IDEMPOTENCY_CONFLICT", { requestId: record.requestId });
    }
    return record.result;
  }
  async function run(command) {
    const outcome = await store.execute(command);
    if (outcome.status === "replayed")
      return replay(outcome.record, command.request?.fingerprint ?? "");
    return outcome.result;
  }
  async function replayOr(requestId, print, error) {
    if (!(error instanceof CoinageError) || error.code === "INVALID_INPUT") throw error;
    const earlier = await call("findRequest", () => store.findRequest(programId, requestId));
    if (earlier === null) throw error;
    return replay(earlier, print);
  }
  async function prepareAllocation(input, at) {
    const event = await loadEvent(input.eventId);
    const inactive = eventActivity(event, at);
    if (inactive !== null) {
      throw new CoinageError("EVENT_INACTIVE", { eventId: event.id, reason: inactive });
    }
    return allocationCommand(program, event, input, at, usageKeys(event.id, at));
  }
  const events = failingAsCoinageErrors("events.", {
    async create(input) {
      const record = requireRecord(input, "event", "");
      const event = parseEvent({ ...record, version: 1 });
      const inserted = await call("insertEvent", () => store.insertEvent(programId, event));
      if (!inserted) {
        const stored = await call("getEvent", () => store.getEvent(programId, event.id));
        if (stored === null || canonicalJson(stored) !== canonicalJson(event)) {
          throw new CoinageError("EVENT_EXISTS", { eventId: event.id });
        }
        return freezeDeep(stored);
      }
      return event;
    },
    async get(eventId) {
      const id = requireId(eventId, "eventId");
      const event = await call("getEvent", () => store.getEvent(programId, id));
      if (event === null) throw new CoinageError("EVENT_NOT_FOUND", { eventId: id });
      return freezeDeep(event);
    },
    async update(eventId, patchInput, updateOptions) {
      const id = requireId(eventId, "eventId");
      const patch = requireRecord(patchInput, "patch", "");
      const expected = optionalSettings(updateOptions, "options").expectedVersion;
      if (expected !== void 0 && (typeof expected !== "number" || !Number.isInteger(expected) || expected < 1)) {
        throw invalidInput({ path: "expectedVersion", message: "expected a positive integer" });
      }
      const empty = Object.values(patch).every((value) => value === void 0);
      for (let attempt2 = 0; attempt2 < EVENT_UPDATE_ATTEMPTS; attempt2++) {
        const current = await loadEvent(id);
        if (expected !== void 0 && current.version !== expected) {
          throw new CoinageError("VERSION_CONFLICT", {
            eventId: id,
            expectedVersion: expected,
            actualVersion: current.version
          });
        }
        if (empty) return current;
        const next = parseEventPatch(current, patch);
        if (await call("replaceEvent", () => store.replaceEvent(programId, next, current.version)))
          return next;
        if (expected !== void 0) {
          const latest3 = await loadEvent(id);
          throw new CoinageError("VERSION_CONFLICT", {
            eventId: id,
            expectedVersion: expected,
            actualVersion: latest3.version
          });
        }
      }
      const latest2 = await loadEvent(id);
      throw new CoinageError("VERSION_CONFLICT", {
        eventId: id,
        expectedVersion: latest2.version - 1,
        actualVersion: latest2.version
      });
    },
    async list(listOptions) {
      const settings = optionalSettings(listOptions, "options");
      const limit = pageLimit(settings.limit, "limit", 50);
      const cursor = settings.cursor === void 0 ? void 0 : requireId(settings.cursor, "cursor");
      const rows = await call(
        "listEvents",
        () => store.listEvents(
          programId,
          cursor === void 0 ? { limit: limit + 1 } : { limit: limit + 1, after: cursor }
        )
      );
      const items = rows.slice(0, limit).map(freezeDeep);
      return {
        items,
        nextCursor: rows.length > limit ? items[items.length - 1].id ?? null : null
      };
    }
  });
  const coinage = failingAsCoinageErrors("", {
    program,
    events,
    async preview(input) {
      const valid = validateAllocation(
        { ...requireRecord(input, "preview"), requestId: "preview" },
        "preview"
      );
      const at = now();
      const event = await loadEvent(valid.eventId);
      const keyed = usageKeys(event.id, at);
      const keys = keyed.map((k) => k.key);
      const snapshot = await call(
        "loadAccount",
        () => store.loadAccount(programId, valid.userId, {
          at: at.getTime(),
          usageKeys: keys,
          requestIds: [],
          lotIds: [],
          ...event.caps?.budget === void 0 ? {} : { budgetEventId: event.id }
        })
      );
      const preview2 = previewReward(
        event,
        valid.amount === void 0 ? {} : { amount: valid.amount.toFixed() },
        program,
        at,
        usageFrom(snapshot, event, keyed)
      );
      const earning = new Dec(preview2.coins).gt(0);
      return {
        userId: valid.userId,
        event: event.id,
        coins: preview2.coins,
        earnedAt: at.toISOString(),
        availableAt: earning ? preview2.availableAt : null,
        expiresAt: earning ? preview2.expiresAt : null,
        ...preview2.ineligible === void 0 ? {} : { ineligible: preview2.ineligible },
        breakdown: preview2.breakdown
      };
    },
    async allocate(input) {
      const valid = validateAllocation(input);
      const at = now();
      let command;
      try {
        command = await prepareAllocation(valid, at);
      } catch (error) {
        return replayOr(valid.requestId, valid.fingerprint, error);
      }
      return run(command);
    },
    async allocateMany(itemsInput) {
      const inputs = readList(itemsInput, "items");
      if (inputs === void 0) throw invalidInput({ path: "items", message: "expected an array" });
      if (inputs.length > MAX_BULK_ITEMS) {
        throw invalidInput({ path: "items", message: `at most ${MAX_BULK_ITEMS} items per call` });
      }
      const at = now();
      const results = new Array(inputs.length);
      const commands = [];
      const positions = [];
      const prints = [];
      const eventCache = /* @__PURE__ */ new Map();
      for (let i = 0; i < inputs.length; i++) {
        let valid;
        try {
          valid = validateAllocation(inputs[i], `items[${i}]`);
          const eventId = valid.eventId;
          if (!eventCache.has(eventId)) eventCache.set(eventId, loadEvent(eventId));
          const event = await eventCache.get(eventId);
          const inactive = eventActivity(event, at);
          if (inactive !== null) {
            throw new CoinageError("EVENT_INACTIVE", { eventId: event.id, reason: inactive });
          }
          commands.push(allocationCommand(program, event, valid, at, usageKeys(event.id, at)));
          positions.push(i);
          prints.push(valid.fingerprint);
        } catch (error) {
          if (valid === void 0) {
            results[i] = failure(error);
            continue;
          }
          try {
            results[i] = {
              ok: true,
              replayed: true,
              result: await replayOr(valid.requestId, valid.fingerprint, error)
            };
          } catch (final) {
            results[i] = failure(final);
          }
        }
      }
      if (commands.length > 0) {
        const outcomes = store.executeMany === void 0 ? await sequential(commands) : await call(
          "allocateMany",
          () => store.executeMany(commands)
        );
        outcomes.forEach((outcome, k) => {
          const position = positions[k];
          if (outcome.status === "committed")
            results[position] = { ok: true, replayed: false, result: outcome.result };
          else if (outcome.status === "replayed") {
            try {
              results[position] = {
                ok: true,
                replayed: true,
                result: replay(outcome.record, prints[k])
              };
            } catch (error) {
              results[position] = failure(error);
            }
          } else results[position] = failure(asCoinageError("allocateMany", outcome.error));
        });
      }
      return results;
    },
    redeem(input) {
      return run(redemptionCommand(program, input, now()));
    },
    async reverse(input) {
      const valid = validateReversal(program, input);
      const at = now();
      let command;
      try {
        const original = await call("findRequest", () => store.findRequest(programId, valid.of));
        if (original === null) throw new CoinageError("REQUEST_NOT_FOUND", { requestId: valid.of });
        command = reversalCommand(program, valid, original, at);
      } catch (error) {
        return replayOr(valid.requestId, valid.fingerprint, error);
      }
      return run(command);
    },
    adjust(input) {
      return run(adjustmentCommand(program, input, now()));
    },
    async balance(userId, balanceOptions) {
      const id = requireId(userId, "userId");
      const at = optionalInstant(optionalSettings(balanceOptions, "options").at, "at") ?? now();
      const instant2 = at.getTime();
      const snapshot = await call(
        "loadAccount",
        () => store.loadAccount(programId, id, readsAt(instant2))
      );
      return formatBalance(program, id, balanceAt(snapshot, instant2), instant2);
    },
    async history(userId, historyOptions) {
      const id = requireId(userId, "userId");
      const settings = optionalSettings(historyOptions, "options");
      const limit = pageLimit(settings.limit, "limit", 50);
      const cursor = settings.cursor;
      let beforeSeq;
      if (cursor !== void 0) {
        if (typeof cursor !== "string" || !/^[1-9]\d{0,14}$/.test(cursor)) {
          throw invalidInput({
            path: "cursor",
            message: "expected a cursor returned by an earlier page"
          });
        }
        beforeSeq = Number(cursor);
      }
      const rows = await call(
        "history",
        () => store.history(
          programId,
          id,
          beforeSeq === void 0 ? { limit: limit + 1 } : { limit: limit + 1, beforeSeq }
        )
      );
      const items = rows.slice(0, limit).map(formatEntry);
      const last = items[items.length - 1];
      const page = {
        items,
        nextCursor: rows.length > limit && last !== void 0 ? String(last.seq) : null
      };
      return page;
    },
    async expire(expireOptions) {
      const at = now();
      const settings = optionalSettings(expireOptions, "options");
      const before = optionalInstant(settings.before, "before");
      const batchSize = pageLimit(settings.batchSize, "batchSize", SWEEP_BATCH);
      const cutoff = Math.min(before?.getTime() ?? at.getTime(), at.getTime());
      let accounts = 0;
      let lots = 0;
      let coins = new Dec(0);
      let after;
      for (; ; ) {
        const users = await call(
          "findExpiring",
          () => store.findExpiring(
            programId,
            cutoff,
            after === void 0 ? { limit: batchSize } : { limit: batchSize, after }
          )
        );
        for (const userId of users) {
          const result = await run(sweepCommand(program, userId, at, cutoff));
          if (result.lots > 0) {
            accounts += 1;
            lots += result.lots;
            coins = coins.plus(result.coins);
          }
        }
        if (users.length < batchSize) break;
        after = users[users.length - 1];
      }
      return { accounts, lots, coins: coinText(coins, program) };
    }
  });
  async function sequential(commands) {
    const outcomes = [];
    for (const command of commands) {
      try {
        outcomes.push(await store.execute(command));
      } catch (error) {
        outcomes.push({ status: "failed", error });
      }
    }
    return outcomes;
  }
  return {
    ...coinage,
    /**
     * This engine over the store joined to the caller's open transaction `tx`
     * (see `Store.withTransaction`). Stores that cannot join one (memory,
     * Redis) refuse with `INVALID_INPUT`.
     */
    withTransaction(tx) {
      if (typeof store.withTransaction !== "function") {
        throw invalidInput({
          path: "store",
          message: `the ${store.name} store cannot join a caller's transaction; withTransaction needs a SQL store such as @coinage/postgres`
        });
      }
      return createCoinage({ store: store.withTransaction(tx), program, clock });
    }
  };
}
function failingAsCoinageErrors(scope, methods) {
  const out = {};
  for (const [name, value] of Object.entries(methods)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const method = value;
    out[name] = async (...args) => {
      try {
        return await method(...args);
      } catch (error) {
        throw asCoinageError(`${scope}${name}`, error);
      }
    };
  }
  return out;
}
function failure(error) {
  const coinageError = asCoinageError("allocateMany", error);
  return {
    ok: false,
    error: {
      code: coinageError.code,
      message: coinageError.message,
      details: coinageError.details
    }
  };
}

// packages/core/src/ledger/select.ts
function selectLots(lots, reads, asOf) {
  const at = reads.at;
  const asked = new Set(reads.lotIds);
  const picked = /* @__PURE__ */ new Map();
  const live = [];
  let activation;
  for (const lot of lots) {
    if (asked.has(lot.id)) picked.set(lot.id, lot);
    if (!isOpenLot(lot)) continue;
    if (isExpired(lot, at) || isPending(lot, asOf) !== isPending(lot, at)) picked.set(lot.id, lot);
    if (!isExpired(lot, at)) live.push(lot);
    if (isPending(lot, at) && (activation === void 0 || lot.availableAt < activation.availableAt || lot.availableAt === activation.availableAt && lot.id < activation.id))
      activation = lot;
  }
  if (activation !== void 0) picked.set(activation.id, activation);
  live.sort(compareSpendOrder);
  const nextExpiry = live[0]?.expiresAt ?? null;
  if (nextExpiry !== null) {
    for (const lot of live) {
      if (lot.expiresAt !== nextExpiry) break;
      picked.set(lot.id, lot);
    }
  }
  if (reads.spend !== void 0) {
    const end = spendReach(live, 0, at, reads.spend);
    for (let i = 0; i < end; i++) picked.set(live[i].id, live[i]);
  }
  return [...picked.values()].sort((a, b) => a.id - b.id);
}

// packages/core/src/ledger/apply.ts
function applyChange(snapshot, change) {
  const lots = new Map(snapshot.lots.map((lot) => [lot.id, lot]));
  for (const lot of change.lots) lots.set(lot.id, lot);
  const requests = dictionary(Object.entries(snapshot.requests));
  for (const record of change.requests) requests[record.requestId] = record;
  const budgetUsed = change.budget === void 0 || snapshot.budgetUsed === void 0 ? snapshot.budgetUsed : budgetAfter(snapshot.budgetUsed, change.budget.add);
  return {
    ...snapshot,
    version: snapshot.version + 1,
    totals: change.totals,
    lots: [...lots.values()].sort((a, b) => a.id - b.id),
    debt: change.debt,
    nextLotId: change.nextLotId,
    nextEntrySeq: change.nextEntrySeq,
    usage: dictionary([...Object.entries(snapshot.usage), ...Object.entries(change.usage)]),
    requests,
    ...budgetUsed === void 0 ? {} : { budgetUsed }
  };
}
function budgetAfter(used, add2) {
  const total = addDecimalStrings(used, add2);
  return compareDecimalStrings(total, "0") < 0 ? "0" : total;
}
function emptySnapshot(userId) {
  return {
    userId,
    version: 0,
    totals: EMPTY_TOTALS,
    lots: [],
    debt: "0",
    nextLotId: 1,
    nextEntrySeq: 1,
    usage: dictionary(),
    requests: dictionary()
  };
}
function snapshotFor(state, reads, budgetUsed) {
  const usage = dictionary();
  for (const key of reads.usageKeys) {
    const value = lookup(state.usage, key);
    if (value !== void 0) usage[key] = value;
  }
  const requests = dictionary();
  for (const id of reads.requestIds) {
    const record = lookup(state.requests, id);
    if (record !== void 0) requests[id] = record;
  }
  const { budgetUsed: _unused, ...rest } = state;
  return {
    ...rest,
    lots: selectLots(state.lots, reads, state.totals.asOf),
    usage,
    requests,
    ...budgetUsed === void 0 ? {} : { budgetUsed }
  };
}
export {
  CoinageError,
  EMPTY_TOTALS,
  addDecimalStrings,
  applyChange,
  budgetAfter,
  canonicalJson,
  coinsToCurrency,
  compareDecimalStrings,
  compareSpendOrder,
  createCoinage,
  currencyToCoins,
  down,
  emptySnapshot,
  errorCodes,
  eventActivity,
  eventLimits,
  fingerprint,
  halfEven,
  halfUp,
  invalidInput,
  isDecimalString,
  isExactNumber,
  isExpired,
  isOpenLot,
  isPending,
  isRoundingMode,
  isTimeZone,
  isZeroDecimalString,
  parseEvent,
  parseEventPatch,
  parseProgram,
  periodKey,
  planRedemption,
  previewReward,
  resolveActivation,
  resolveExpiry,
  roundings,
  selectLots,
  snapshotFor,
  spendOrder,
  spendReach,
  subtractDecimalStrings,
  up,
  usageKey
};
/*! Bundled license information:

decimal.js/decimal.mjs:
  (*!
   *  decimal.js v10.6.0
   *  An arbitrary-precision Decimal type for JavaScript.
   *  https://github.com/MikeMcl/decimal.js
   *  Copyright (c) 2025 Michael Mclaughlin <M8ch88l@gmail.com>
   *  MIT Licence
   *)
*/
