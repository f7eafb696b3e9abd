/**
 * Report generation (stage 1): `Report: a, b, c` from PTB-XL SCP statements (most likely
 * first), LUDB header diagnoses, CinC 2021 SNOMED codes and CinC 2017 rhythm labels (single lead).
 */
import { DATASET, type LabeledExample, type Split } from "../example.js";
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
