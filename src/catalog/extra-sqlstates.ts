// SQLSTATEs the catalog and coordinator need beyond repr/errors.ts's table.
export const ExtraSqlState = {
  invalidSchemaName: '3F000',
  inFailedSqlTransaction: '25P02',
  noActiveSqlTransaction: '25P01',
  undefinedCursor: '34000',
  cantChangeRuntimeParam: '55P02',
} as const;
