// Every op, for re-export from the package's index.
import './methods.js';

export * from './elementwise.js';
export * from './shape.js';
export * from './reduce.js';
