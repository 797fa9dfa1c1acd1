/**
 * A script client for crash tests: forwards to a real client, and while
 * `dropPublish` is set, fails the feed's publication calls as if the process
 * died between a command's commit and its publication.
 */
import type { Cluster, Redis } from "ioredis";
import type { RedisScriptClient } from "../src/index.js";
import { publish } from "../src/scripts/feed.js";

type Arg = string | number;

export class Crashy implements RedisScriptClient {
  dropPublish = false;
  dropped = 0;
  readonly nodes?: (role: "master") => readonly Redis[];
  constructor(readonly client: Redis | Cluster) {
    // A Cluster's nodes, so that the store knows it talks to one.
    if ("nodes" in client) this.nodes = (role) => client.nodes(role);
  }

  evalsha(sha1: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    if (this.dropPublish && sha1 === publish.sha) {
      this.dropped += 1;
      return Promise.reject(new Error("simulated crash before publication"));
    }
    return this.client.evalsha(sha1, numkeys, ...rest);
  }

  eval(script: string, numkeys: number, ...rest: Arg[]): Promise<unknown> {
    return this.client.eval(script, numkeys, ...rest);
  }

  script(subcommand: "LOAD", source: string): Promise<unknown> {
    return this.client.script(subcommand, source);
  }
}
