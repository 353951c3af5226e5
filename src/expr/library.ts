// Loads every function module; each registers its overloads on import.
import './numeric-ops.js';
import './compare-ops.js';
import './string.js';
import './pattern.js';
import './table-funcs.js';
import './datetime-ops.js';
import './jsonb.js';
import './collections.js';
import './datetime-fns.js';
