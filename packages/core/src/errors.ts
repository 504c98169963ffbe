/**
 * The one table of error codes: each failure a caller can cause has a name (the CloudTrail error
 * code, the JSON `__type`) and an HTTP status. api's one error handler turns any thrown DomainError
 * into a response from this table; nothing else builds an error response.
 */

export const ERROR_STATUS = {
  InvalidTimeRangeException: 400,
  InvalidLookupAttributesException: 400,
  InvalidMaxResultsException: 400,
  InvalidNextTokenException: 400,
  InvalidParameterException: 400,
  ValidationException: 400,
  InvalidTrailNameException: 400,
  InvalidS3PrefixException: 400,
  InvalidS3BucketNameException: 400,
  TrailAlreadyExistsException: 400,
  TrailNotFoundException: 400,
  MaximumNumberOfTrailsExceededException: 400,
  S3BucketDoesNotExistException: 400,
  InsufficientS3BucketPolicyException: 403,
  InvalidEventSelectorsException: 400,
  InvalidParameterCombinationException: 400,
  CloudTrailARNInvalidException: 400,
  InvalidEventCategoryException: 400,
  TagsLimitExceededException: 400,
  InvalidTagParameterException: 400,
  ResourceNotFoundException: 400,
  ResourceTypeNotSupportedException: 400,
  InvalidTokenException: 400,
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 403,
  AccessDeniedException: 403,
  SubscriptionRequiredException: 403,
  ThrottlingException: 400,
  /** What AWS answers for an operation a region does not offer; also for parameters of features this service lacks. */
  UnsupportedOperationException: 400,
  SerializationException: 400,
  ReportLimitExceededException: 409,
  InvalidRuleNameException: 400,
  InvalidEventFilterException: 400,
  InvalidWebhookUrlException: 400,
  RulesLimitExceededException: 400,
  RuleAlreadyExistsException: 409,
  RuleNotFoundException: 404,
  ReportNotFoundException: 404,
  NotFoundException: 404,
  ConflictException: 409,
  UnauthorizedException: 401,
  PayloadTooLargeException: 413,
  UnknownRecipientException: 422,
  InternalFailure: 500,
  ServiceUnavailableException: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The APIs answer in two shapes: CloudTrail's (AWS JSON 1.1, AWS's statuses) and this service's own JSON APIs. */
export type ErrorSurface = "cloudtrail" | "json";

/**
 * Where this service's own JSON APIs (console, ingest, operator) answer another status than
 * CloudTrail: AWS answers throttling with 400, while browsers and HTTP clients expect 429.
 */
const JSON_API_STATUS: Partial<Record<ErrorCode, number>> = { ThrottlingException: 429 };

/** The HTTP status of an error code on one of the two surfaces. */
export function errorStatus(code: ErrorCode, surface: ErrorSurface): number {
  return (surface === "json" ? JSON_API_STATUS[code] : undefined) ?? ERROR_STATUS[code];
}

/** The code of a bare HTTP status (a framework's own 4xx, or a response that was not a thrown error). */
export function errorCodeOfStatus(status: number): ErrorCode {
  if (status === 401) return "UnauthorizedException";
  if (status === 403) return "AccessDeniedException";
  if (status === 404) return "NotFoundException";
  if (status === 409) return "ConflictException";
  if (status === 413) return "PayloadTooLargeException";
  if (status === 429) return "ThrottlingException";
  if (status === 503) return "ServiceUnavailableException";
  if (status >= 500) return "InternalFailure";
  return "ValidationException";
}

export interface DomainErrorOptions {
  /** More fields of the JSON answer (e.g. ingest's per-event `errors`); the CloudTrail shape never carries them. */
  details?: Record<string, unknown>;
  /** When the caller may try again (the Retry-After header). */
  retryAfterSeconds?: number;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  /** The status on the CloudTrail API (see errorStatus for the JSON APIs). */
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, s);
}
