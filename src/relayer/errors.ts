/**
 * Typed JSON-RPC errors. Every error a client can see is one of these classes, so the code a
 * client receives is decided in exactly one place (ERC-7769 codes for user-operation failures,
 * JSON-RPC 2.0 codes for protocol failures). Messages never carry secrets or stack traces.
 */

export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  rejectedByEntryPointOrAccount: -32500,
  rejectedByPaymaster: -32501,
  outOfTimeRange: -32503,
  throttled: -32504,
  invalidSignature: -32507,
  executionReverted: -32521,
  unauthorized: -32001,
  forbidden: -32002,
  unavailable: -32003,
} as const;

export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

export class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCodeValue,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export class ParseError extends RpcError {
  constructor(message = "parse error: body is not valid JSON") {
    super(RpcErrorCode.parseError, message);
  }
}

export class InvalidRequestError extends RpcError {
  constructor(message: string) {
    super(RpcErrorCode.invalidRequest, message);
  }
}

export class MethodNotFoundError extends RpcError {
  constructor(method: string) {
    // The method name is attacker-controlled: cap it so it cannot bloat the response.
    super(RpcErrorCode.methodNotFound, `method not found: ${method.slice(0, 64)}`);
  }
}

export class InvalidParamsError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.invalidParams, message, data);
  }
}

export class InternalError extends RpcError {
  constructor(message = "internal error") {
    super(RpcErrorCode.internal, message);
  }
}

/** Validation rejected by the account or the EntryPoint (any AA code other than the ones below). */
export class ValidationRejectedError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.rejectedByEntryPointOrAccount, message, data);
  }
}

export class PaymasterRejectedError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.rejectedByPaymaster, message, data);
  }
}

/** AA22 / AA32: validAfter / validUntil do not cover now. */
export class OutOfTimeRangeError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.outOfTimeRange, message, data);
  }
}

/** AA24 / AA34: the signature does not match. */
export class InvalidSignatureError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.invalidSignature, message, data);
  }
}

export class ThrottledError extends RpcError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    extra: Record<string, unknown> = {},
  ) {
    super(RpcErrorCode.throttled, message, { ...extra, retryAfterMs });
  }
}

/** The op validates but its execution phase reverts; `data` carries the decoded revert. */
export class ExecutionRevertedError extends RpcError {
  constructor(message: string, data?: unknown) {
    super(RpcErrorCode.executionReverted, message, data);
  }
}

export class UnauthorizedError extends RpcError {
  constructor(message = "unauthorized: missing, unknown, expired or revoked API key") {
    super(RpcErrorCode.unauthorized, message);
  }
}

export class ForbiddenError extends RpcError {
  constructor(message: string) {
    super(RpcErrorCode.forbidden, message);
  }
}

/** The node is unreachable and the request cannot be answered without it; safe to retry. */
export class UnavailableError extends RpcError {
  constructor(message = "node unavailable, retry later", retryAfterMs = 1000) {
    super(RpcErrorCode.unavailable, message, { retryable: true, retryAfterMs });
  }
}
