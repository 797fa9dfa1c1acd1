export type { RedisScriptClient, ScriptLoader } from "./client.js";
export type { RedisStoreOptions } from "./store.js";
export { redisStore } from "./store.js";
export type { ScanningNode, UpgradeClient, UpgradeReport } from "./upgrade.js";
export { upgradeRedisStore } from "./upgrade.js";
