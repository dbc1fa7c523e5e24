import { ErrorBody, ErrorCode, httpStatusFor, makeError, MakeErrorExtra } from '@tilemud/contracts';

/** A failure with its contract code; the exception filter turns it into `{error}` with its HTTP status. */
export class ApiError extends Error {
  readonly body: ErrorBody;
  readonly status: number;
  constructor(code: ErrorCode, message: string, extra: MakeErrorExtra & { status?: number } = {}) {
    super(message);
    this.body = makeError(code, message, extra);
    this.status = extra.status ?? httpStatusFor(code);
  }
}
