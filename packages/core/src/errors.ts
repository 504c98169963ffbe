// Domain errors carry their CloudTrail error code (the JSON `__type`) and HTTP status,
// so api maps any thrown DomainError to a response without restating the table.

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
  MissingAuthenticationTokenException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 403,
  AccessDeniedException: 403,
  SubscriptionRequiredException: 403,
  ThrottlingException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  ReportLimitExceededException: 409,
  ReportNotFoundException: 404,
  NotFoundException: 404,
  ConflictException: 409,
  UnauthorizedException: 401,
  InternalFailure: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, s);
}
