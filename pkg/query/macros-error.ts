// The error raised for malformed macro calls and variables the backend cannot expand; its own
// module so the macro and variable modules can share it without importing each other.

/** Names the macro (or variable) and the problem; reported as errorSource plugin, status 400. */
export class MacroError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MacroError';
  }
}
