/**
 * The one error family of Tintype. Every error a request can meet carries a stable code, the HTTP
 * status imgproxy would answer, a public message (the only text a client ever sees), whether it
 * is worth reporting to operators, and its cause. The server maps these to responses in one place.
 */
export interface TintypeErrorInit {
  code: string;
  status: number;
  publicMessage: string;
  /** Internal detail for logs. Defaults to the public message. */
  message?: string;
  /** True for errors an operator should hear about (bugs, broken backends), false for bad input. */
  report?: boolean;
  cause?: unknown;
}

export class TintypeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly publicMessage: string;
  readonly report: boolean;

  constructor(init: TintypeErrorInit) {
    super(init.message ?? init.publicMessage, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'TintypeError';
    this.code = init.code;
    this.status = init.status;
    this.publicMessage = init.publicMessage;
    this.report = init.report ?? init.status >= 500;
  }
}

export const isTintypeError = (e: unknown): e is TintypeError => e instanceof TintypeError;

// Constructors for the errors that several packages raise. Status codes follow imgproxy.

export const invalidUrl = (detail: string, cause?: unknown) =>
  new TintypeError({ code: 'INVALID_URL', status: 404, publicMessage: `Invalid URL: ${detail}`, cause });

export const invalidOption = (detail: string, cause?: unknown) =>
  new TintypeError({ code: 'INVALID_OPTION', status: 404, publicMessage: detail, cause });

export const invalidSignature = (detail = 'Invalid signature') =>
  new TintypeError({ code: 'INVALID_SIGNATURE', status: 403, publicMessage: detail });

export const forbidden = (detail: string) =>
  new TintypeError({ code: 'FORBIDDEN', status: 403, publicMessage: detail });

export const expiredUrl = () =>
  new TintypeError({ code: 'EXPIRED_URL', status: 404, publicMessage: 'Expired URL' });

export const unprocessable = (detail: string, cause?: unknown) =>
  new TintypeError({ code: 'UNPROCESSABLE_IMAGE', status: 422, publicMessage: detail, cause });

export const internal = (detail: string, cause?: unknown) =>
  new TintypeError({
    code: 'INTERNAL',
    status: 500,
    publicMessage: 'Internal error',
    message: detail,
    report: true,
    cause,
  });
