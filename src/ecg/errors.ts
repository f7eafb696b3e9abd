/**
 * The one error type for bad input: it always names the file and the problem, so a user can
 * act on it ("101.dat: file ends after 649999 of 650000 samples"), and the CLI and server can
 * tell it apart from a bug.
 */
export class EcgInputError extends Error {
  readonly file: string;
  readonly problem: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "EcgInputError";
    this.file = file;
    this.problem = problem;
  }
}
