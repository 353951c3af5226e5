// Every error a user can see is a SqlError: a SQLSTATE, a message a person
// understands and, for errors in SQL text, the 1-based character position.
// The wire protocol turns it into an ErrorResponse; nothing else may escape
// to a client as a crash.

export const SqlState = {
  successfulCompletion: '00000',
  warning: '01000',
  featureNotSupported: '0A000',
  invalidCursorName: '34000',
  cardinalityViolation: '21000',
  dataException: '22000',
  characterNotInRepertoire: '22021',
  stringDataRightTruncation: '22001',
  numericValueOutOfRange: '22003',
  nullValueNotAllowed: '22004',
  invalidDatetimeFormat: '22007',
  datetimeFieldOverflow: '22008',
  invalidTimeZoneDisplacementValue: '22009',
  invalidParameterValue: '22023',
  divisionByZero: '22012',
  invalidArgumentForNtile: '22014',
  invalidArgumentForNthValue: '22016',
  intervalFieldOverflow: '22015',
  invalidCharacterValueForCast: '22018',
  invalidEscapeCharacter: '22019',
  invalidRegularExpression: '2201B',
  invalidRowCountInLimitClause: '2201W',
  invalidRowCountInResultOffsetClause: '2201X',
  arraySubscriptError: '2202E',
  invalidTextRepresentation: '22P02',
  invalidBinaryRepresentation: '22P03',
  badCopyFileFormat: '22P04',
  untranslatableCharacter: '22P05',
  invalidJsonText: '22P02',
  sqlJsonObjectNotFound: '2203A',
  integrityConstraintViolation: '23000',
  notNullViolation: '23502',
  uniqueViolation: '23505',
  invalidCursorState: '24000',
  invalidTransactionState: '25000',
  activeSqlTransaction: '25001',
  readOnlySqlTransaction: '25006',
  invalidSqlStatementName: '26000',
  invalidAuthorizationSpecification: '28000',
  invalidPassword: '28P01',
  syntaxErrorOrAccessRuleViolation: '42000',
  syntaxError: '42601',
  insufficientPrivilege: '42501',
  groupingError: '42803',
  windowingError: '42P20',
  invalidRecursion: '42P19',
  invalidForeignKey: '42830',
  invalidName: '42602',
  nameTooLong: '42622',
  datatypeMismatch: '42804',
  wrongObjectType: '42809',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  undefinedTable: '42P01',
  undefinedParameter: '42P02',
  undefinedObject: '42704',
  duplicateColumn: '42701',
  duplicateCursor: '42P03',
  duplicateDatabase: '42P04',
  duplicatePreparedStatement: '42P05',
  duplicateSchema: '42P06',
  duplicateTable: '42P07',
  duplicateAlias: '42712',
  duplicateObject: '42710',
  ambiguousColumn: '42702',
  ambiguousFunction: '42725',
  ambiguousParameter: '42P08',
  invalidColumnReference: '42P10',
  invalidColumnDefinition: '42611',
  invalidObjectDefinition: '42P17',
  indeterminateDatatype: '42P18',
  cannotCoerce: '42846',
  dependentObjectsStillExist: '2BP01',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  objectNotInPrerequisiteState: '55000',
  objectInUse: '55006',
  programLimitExceeded: '54000',
  configLimitExceeded: '53400',
  outOfMemory: '53200',
  connectionException: '08000',
  connectionFailure: '08006',
  protocolViolation: '08P01',
  systemError: '58000',
  ioError: '58030',
  internalError: 'XX000',
  dataCorrupted: 'XX001',
} as const;

export type SqlStateCode = (typeof SqlState)[keyof typeof SqlState];

export interface SqlErrorOptions {
  /** 1-based character position in the statement text (PostgreSQL's convention). */
  position?: number;
  detail?: string;
  hint?: string;
  severity?: 'ERROR' | 'FATAL';
}

export class SqlError extends Error {
  readonly code: string;
  position: number | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly severity: 'ERROR' | 'FATAL';

  constructor(code: string, message: string, options: SqlErrorOptions = {}) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.position = options.position;
    this.detail = options.detail;
    this.hint = options.hint;
    this.severity = options.severity ?? 'ERROR';
  }
}

/** Wraps anything thrown into a SqlError without losing its message. */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  if (err instanceof RangeError && /Maximum call stack/.test(err.message)) {
    return new SqlError(SqlState.programLimitExceeded, 'statement is too deeply nested');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError(SqlState.internalError, `internal error: ${message}`);
}
