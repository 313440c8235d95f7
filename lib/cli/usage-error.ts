/** A command-line mistake: reported with the usage text and exit status 2. */
export class UsageError extends Error {
  /** @param message - What is wrong with the command line. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
