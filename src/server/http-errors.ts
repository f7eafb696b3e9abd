/** HTTP statuses for errors: HttpError carries its own; bad input is 400, or 413 when too large. */
import type { FastifyError } from "fastify";
import { InputError } from "../errors.js";
import { RecordTooLongError } from "./store.js";

/** An error with the HTTP status it maps to. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Maps errors to statuses: bad input 400 (413 when too large), HttpError its own, else 500. */
export function errorStatus(err: unknown): {
  status: number;
  message: string;
  headers: Record<string, string>;
} {
  if (err instanceof HttpError) return { status: err.status, message: err.message, headers: err.headers };
  if (err instanceof RecordTooLongError) return { status: 413, message: err.message, headers: {} };
  if (err instanceof InputError) return { status: 400, message: err.message, headers: {} };
  const fe = err as Partial<FastifyError>;
  if (fe.code === "FST_REQ_FILE_TOO_LARGE" || fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return { status: 413, message: fe.message ?? "request too large", headers: {} };
  }
  if (fe.validation) return { status: 400, message: `invalid request: ${fe.message}`, headers: {} };
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, message: fe.message ?? "bad request", headers: {} };
  }
  return { status: 500, message: "internal server error", headers: {} };
}
