/** A refusal by the game's rules: the intent is answered `rejected` with this code. */
export interface DomainRejection {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type Decision<E> = { ok: true; events: E[] } | { ok: false; rejection: DomainRejection };

export const accept = <E>(events: E[]): Decision<E> => ({ ok: true, events });
export const reject = <E>(code: string, message: string, details?: Record<string, unknown>): Decision<E> => ({
  ok: false,
  rejection: details ? { code, message, details } : { code, message },
});

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
