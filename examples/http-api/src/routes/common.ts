import { CoinageError, type CoinEvent, type InputIssue, invalidInput } from "@coinage/core";
import { HttpError } from "../envelope.js";

/**
 * A body or query that names a program must name the token's own: anything
 * else is 403, whether or not that other program exists.
 */
export function requireSameProgram(companyId: string | undefined, programId: string): void {
  if (companyId !== undefined && companyId !== programId) {
    throw new HttpError("FORBIDDEN_PROGRAM", {
      message: `companyId ${JSON.stringify(companyId)} is not the program of this token.`,
      details: { companyId },
    });
  }
}

/**
 * Run `action`; when it fails with `INVALID_INPUT`, rewrite each issue's
 * path with `rename` so the caller sees the field it actually sent.
 */
export async function withIssuePaths<T>(
  action: () => Promise<T>,
  rename: (path: string) => string,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (CoinageError.is(error, "INVALID_INPUT")) {
      const issues: InputIssue[] = error.details.issues.map((issue) => ({
        path: rename(issue.path),
        message: issue.message,
      }));
      throw invalidInput(issues);
    }
    throw error;
  }
}

/** The first segment of a path (`reward` of `reward.tiers[1].from`). */
export function headOf(path: string): string {
  const match = /^[^.[]*/.exec(path);
  return match?.[0] ?? "";
}

/** The rule part of an event (everything but id, name, version and metadata), without absent fields. */
export function ruleOf(event: CoinEvent): Record<string, unknown> {
  const { id: _id, name: _name, version: _version, metadata: _metadata, ...rule } = event;
  return rule;
}
