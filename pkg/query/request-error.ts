// The error of a bad resource request: answered with its status and message as they are.
/** A bad resource request (400 unless said otherwise). */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status = 400
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
