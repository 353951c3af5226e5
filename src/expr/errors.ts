// The data errors functions raise, with PostgreSQL's SQLSTATEs and wording.
import { SqlError, SqlState } from '../repr/errors.js';

export function outOfRange(what: string): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, `${what} out of range`);
}

export function divisionByZero(): SqlError {
  return new SqlError(SqlState.divisionByZero, 'division by zero');
}

export function invalidParameter(message: string): SqlError {
  return new SqlError(SqlState.invalidParameterValue, message);
}

export function invalidText(message: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, message);
}

export function floatOverflow(): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, 'value out of range: overflow');
}

export function floatUnderflow(): SqlError {
  return new SqlError(SqlState.numericValueOutOfRange, 'value out of range: underflow');
}
