export type { Io } from "./io.js";
export { ExitCode } from "./io.js";
export { run } from "./run.js";
