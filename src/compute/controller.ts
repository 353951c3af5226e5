// The incremental engine's front door. Implemented in compute/.
import type { ComputeController } from './api.js';
import { SqlError, SqlState } from '../repr/errors.js';

export function createComputeController(): ComputeController {
  throw new SqlError(SqlState.featureNotSupported, 'compute not implemented');
}
