/**
 * Report generation (stage 1): `Report: a, b, c` from PTB-XL SCP statements (most likely
 * first), LUDB header diagnoses, CinC 2021 SNOMED codes and CinC 2017 rhythm labels (single lead).
 */
import { DATASET, type LabeledExample, type Split } from "../example.js";
import type { AnswerOrder } from "../intervals.js";
import { question } from "../paraphrases.js";
import { Rng } from "../rng.js";
import { CINC2017_LABELS, type Cinc2017Record } from "../sources/cinc2017.js";
import type { Cinc2021Record } from "../sources/cinc2021.js";
import type { LudbRecord } from "../sources/ludb.js";
import { ptbxlReport, type Ptbxl } from "../sources/ptbxl.js";

/** `Report: a, b, c` (duplicates dropped, order kept). */
export function formatReport(statements: readonly string[]): string {
  return `Report: ${[...new Set(statements)].join(", ")}`;
}

/** How every report answer opens. */
const REPORT_OPENING = "Report:";

/**
 * Where each top-level comma separates two statements of a report's body (not inside brackets).
 * Commas only, unlike the evaluation's `splitList`, which also splits at ";": LUDB's statements
 * hold semicolons, and one report may name "Ventricular extrasystole; localisation: RVOT" and
 * "Ventricular extrasystole; type: single PVC".
 */
function separators(text: string, from: number): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(" || ch === "[") depth++;
    else if ((ch === ")" || ch === "]") && depth > 0) depth--;
    else if (ch === "," && depth === 0) out.push(i);
  }
  return out;
}

/**
 * Checks a `Report: ...` answer while it is generated: a report names each statement once (the
 * dataset's reports never repeat one). A small model that has lost its place repeats a statement
 * until its token limit (31 of the 81 PTB-XL validation reports of the twelfth pass:
 * `..., Left ventricular hypertrophy, Left ventricular hypertrophy, ...`); ending the report
 * before the first repeat keeps what it had said. A statement counts as written once the next
 * separator follows it, or at the end (`update(text, true)`); `safe` is the end of the last
 * statement known not to repeat, so streamed text is never taken back. Other answers are never
 * cut (`safe` is their length).
 */
export class StatementRepeat {
  private state: AnswerOrder = { safe: 0, cut: null };

  update(text: string, done = false): AnswerOrder {
    if (this.state.cut !== null) return this.state;
    if (!text.startsWith(REPORT_OPENING)) return (this.state = { safe: text.length, cut: null });
    const ends = [...separators(text, REPORT_OPENING.length), ...(done ? [text.length] : [])];
    const seen = new Set<string>();
    let start = REPORT_OPENING.length;
    let safe = start;
    for (const end of ends) {
      const statement = text.slice(start, end).trim();
      if (seen.has(statement)) return (this.state = { safe, cut: safe });
      seen.add(statement);
      safe = end;
      start = end + 1;
    }
    return (this.state = { safe, cut: null });
  }
}

interface ReportInput {
  path: string;
  name: string;
  split: Split;
  leads: string[];
  statements: string[];
}

function reportExample(dataset: string, r: ReportInput, seed: number, label: string): LabeledExample {
  const rng = Rng.for(seed, "report", dataset, r.name);
  return {
    label,
    example: {
      question: question("report", r.split, rng),
      answer: formatReport(r.statements),
      ecg_path: r.path,
      dataset,
      task: "report",
      leads: r.leads,
      split: r.split,
      stage: 1,
      id: `${dataset}-report-${r.name}`,
    },
  };
}

export function reportExamples(
  src: { ptbxl?: Ptbxl; ludb?: LudbRecord[]; cinc2021?: Cinc2021Record[]; cinc2017?: Cinc2017Record[] },
  seed: number,
): LabeledExample[] {
  const out: LabeledExample[] = [];
  for (const r of src.ptbxl?.records ?? []) {
    const statements = ptbxlReport(r, src.ptbxl!.statements);
    if (!statements.length) continue;
    const input = { path: r.path, name: String(r.ecgId), split: r.split, leads: r.leads, statements };
    out.push(reportExample(DATASET.ptbxl, input, seed, statements[0]!));
  }
  // LUDB and CinC 2021 carry their diagnoses in the WFDB header: the same example for both.
  const headerDiagnosed = [
    [DATASET.ludb, src.ludb ?? []],
    [DATASET.cinc2021, src.cinc2021 ?? []],
  ] as const;
  for (const [dataset, records] of headerDiagnosed) {
    for (const r of records) {
      if (!r.diagnoses.length) continue;
      const { path, name, leads } = r.info;
      const input = { path, name, split: r.split, leads, statements: r.diagnoses };
      out.push(reportExample(dataset, input, seed, r.diagnoses[0]!));
    }
  }
  for (const r of src.cinc2017 ?? []) {
    const name = CINC2017_LABELS[r.label]!;
    const input = { path: r.path, name: r.name, split: r.split, leads: r.leads, statements: [name] };
    out.push(reportExample(DATASET.cinc2017, input, seed, name));
  }
  return out;
}
