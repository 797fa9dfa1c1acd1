/**
 * Referral pairs: the referrer's bonus and the referee's welcome bonus,
 * booked together as one idempotent request (both or neither) through
 * `Store.executeTogether`. Each is an ordinary allocation with its own
 * request record (so either can be reversed on its own): the referrer's under
 * `requestId`, the referee's under `refereeRequestId` (`<requestId>:referee`
 * by default); both records carry the fingerprint of the whole referral, so a
 * retry is recognised from either. Caps per referrer are the referrer
 * event's per-user caps.
 */
import { invalidInput } from "../errors.js";
import { fingerprint } from "../ledger/fingerprint.js";
import type { ValidAllocation } from "./commands.js";
import type { ReferralInput } from "./types.js";
import { optionalReason, requireId, requireRecord } from "./validate.js";

export interface ValidReferral {
  readonly requestId: string;
  readonly referrer: ValidAllocation;
  readonly referee: ValidAllocation;
  readonly fingerprint: string;
}

export function validateReferral(input: ReferralInput): ValidReferral {
  const record = requireRecord(input, "referral");
  const referrer = requireId(record.referrer, "referral.referrer");
  const referee = requireId(record.referee, "referral.referee");
  const event = requireId(record.event, "referral.event");
  const refereeEvent = requireId(record.refereeEvent, "referral.refereeEvent");
  const requestId = requireId(record.requestId, "referral.requestId");
  const refereeRequestId =
    record.refereeRequestId === undefined
      ? `${requestId}:referee`
      : requireId(record.refereeRequestId, "referral.refereeRequestId");
  const reason = optionalReason(record.reason, "referral.reason");
  if (referrer === referee) {
    throw invalidInput({ path: "referral.referee", message: "a user cannot refer themselves" });
  }
  if (refereeRequestId === requestId) {
    throw invalidInput({
      path: "referral.refereeRequestId",
      message: "must differ from requestId",
    });
  }
  const print = fingerprint({
    event,
    op: "referral",
    reason,
    referee,
    refereeEvent,
    refereeRequestId,
    referrer,
    requestId,
  });
  const allocation = (userId: string, eventId: string, id: string): ValidAllocation => ({
    userId,
    eventId,
    requestId: id,
    amount: undefined,
    reason,
    fingerprint: print,
  });
  return {
    requestId,
    referrer: allocation(referrer, event, requestId),
    referee: allocation(referee, refereeEvent, refereeRequestId),
    fingerprint: print,
  };
}
