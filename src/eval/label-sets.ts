/**
 * Label sets of the report AUC: which labels a report is scored on, per dataset.
 *
 * - `ptbxl-super`: PTB-XL's 5 diagnostic superclasses (NORM, MI, STTC, CD, HYP), each label
 *   standing for the diagnostic statements of its class (`diagnostic_class` of
 *   `scp_statements.csv`);
 * - `ptbxl-sub`: its 23 diagnostic subclasses (`diagnostic_subclass`), likewise;
 * - `ptbxl-form`: its 19 form statements (`form` = 1), one label each;
 * - `ptbxl-rhythm`: its 12 rhythm statements (`rhythm` = 1), one label each;
 * - `cinc2021`: the SNOMED CT diagnoses of the CinC 2021 records here (`src/data/snomed.ts`);
 * - `cinc2017-af`: CinC 2017's atrial fibrillation (one label, "Atrial fibrillation").
 *
 * A label's statements are the report texts that stand for it: its aliases when it has some
 * (the class statements of a superclass), else its name. The reference labels of an example are
 * its reference report's statements matched to them (`statements.ts`); scorer (b) scores each
 * statement's report answer by likelihood (`likelihood.ts`).
 *
 * The PTB-XL sets are read from PTB-XL's own `scp_statements.csv` (statements written as the
 * dataset builder writes them: the description, first letter capitalised).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError, readInputTextSync } from "../errors.js";
import { DATASET } from "../data/example.js";
import { SNOMED_NAMES } from "../data/snomed.js";
import { CINC2017_LABELS } from "../data/sources/cinc2017.js";
import { capitalize, parseScpStatements, type ScpStatement } from "../data/sources/ptbxl.js";
import type { EcgRoots, EvalExample } from "./examples.js";
import type { LabelSpec } from "./metrics/statements.js";

/** The label sets the evaluation knows. */
export const LABEL_SET_NAMES = [
  "ptbxl-super",
  "ptbxl-sub",
  "ptbxl-form",
  "ptbxl-rhythm",
  "cinc2021",
  "cinc2017-af",
] as const;
export type LabelSetName = (typeof LABEL_SET_NAMES)[number];

/** Labels a report is scored on, and the datasets (as data files name them) whose reports they fit. */
export interface LabelSet {
  name: string;
  datasets: readonly string[];
  labels: readonly LabelSpec[];
}

/** The two report AUC scorers: (a) statements matched to label names, (b) the model's likelihood. */
export type Scorer = "a" | "b" | "both";
export const SCORERS: readonly Scorer[] = ["a", "b", "both"];

const DATASETS_OF: Readonly<Record<LabelSetName, readonly string[]>> = {
  "ptbxl-super": [DATASET.ptbxl],
  "ptbxl-sub": [DATASET.ptbxl],
  "ptbxl-form": [DATASET.ptbxl],
  "ptbxl-rhythm": [DATASET.ptbxl],
  cinc2021: [DATASET.cinc2021],
  "cinc2017-af": [DATASET.cinc2017],
};

/** PTB-XL's superclasses in the order of its paper (others, if any, follow alphabetically). */
const SUPERCLASS_ORDER = ["NORM", "MI", "STTC", "CD", "HYP"];

/** A statement as reports write it: the description, first letter capitalised. */
function statementOf(r: ScpStatement): string {
  return capitalize(r.description);
}

/** Labels named by a grouping column, each standing for the statements of its group. */
function grouped(
  rows: readonly ScpStatement[],
  key: (r: ScpStatement) => string,
  order: readonly string[],
): LabelSpec[] {
  const groups = new Map<string, string[]>();
  for (const r of rows) {
    const k = key(r);
    if (k) groups.set(k, [...(groups.get(k) ?? []), statementOf(r)]);
  }
  const rank = (k: string): number => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...groups]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, aliases]) => ({ name, aliases }));
}

/** A PTB-XL label set from the statement table. */
export function ptbxlLabelSet(
  name: "ptbxl-super" | "ptbxl-sub" | "ptbxl-form" | "ptbxl-rhythm",
  rows: readonly ScpStatement[],
): LabelSet {
  const labels =
    name === "ptbxl-super"
      ? grouped(rows, (r) => r.diagnosticClass, SUPERCLASS_ORDER)
      : name === "ptbxl-sub"
        ? grouped(rows, (r) => r.diagnosticSubclass, [])
        : rows
            .filter((r) => (name === "ptbxl-form" ? r.form : r.rhythm))
            .map((r) => ({ name: statementOf(r) }));
  return { name, datasets: DATASETS_OF[name], labels };
}

/** The CinC 2021 diagnoses as labels, by their report names. */
export function cinc2021LabelSet(): LabelSet {
  return {
    name: "cinc2021",
    datasets: DATASETS_OF.cinc2021,
    labels: Object.values(SNOMED_NAMES).map((n) => ({ name: n })),
  };
}

/** CinC 2017's atrial fibrillation, the one label of the CinC 2017 AF F1 and AUC. */
export function cinc2017AfLabelSet(): LabelSet {
  return {
    name: "cinc2017-af",
    datasets: DATASETS_OF["cinc2017-af"],
    labels: [{ name: CINC2017_LABELS.A! }],
  };
}

/** The statements that stand for a label: its aliases, or its name when it has none. */
export function labelStatements(label: LabelSpec): readonly string[] {
  return label.aliases?.length ? label.aliases : [label.name];
}

/** The sets that score a dataset's reports. */
export function labelSetsFor(sets: readonly LabelSet[], dataset: string): LabelSet[] {
  return sets.filter((s) => s.datasets.includes(dataset));
}

/**
 * Label set names from `--labels` values (repeatable, comma-separated; "none" for no set).
 * An unknown name is an error listing the known ones.
 */
export function parseLabelSetNames(specs: readonly string[]): LabelSetName[] {
  const names = specs
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => n !== "none" && !(LABEL_SET_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new InputError(
      "--labels",
      `unknown label set ${unknown.map((n) => `"${n}"`).join(", ")} (known: ${LABEL_SET_NAMES.join(", ")}, none)`,
    );
  }
  return [...new Set(names.filter((n): n is LabelSetName => n !== "none"))];
}

/** The label sets used when none are named: every set that fits a dataset with report examples. */
export function defaultLabelSetNames(reportDatasets: Iterable<string>): LabelSetName[] {
  const ds = new Set(reportDatasets);
  return LABEL_SET_NAMES.filter((n) => DATASETS_OF[n].some((d) => ds.has(d)));
}

/** Whether a set is read from PTB-XL's statement table. */
export function needsScpTable(name: LabelSetName): boolean {
  return name.startsWith("ptbxl-");
}

/**
 * Where PTB-XL's `scp_statements.csv` is, when not given: beside the PTB-XL records (the
 * `--ecg-root` of dataset "ptb-xl", or the bare one; in it or in its `ptbxl/` folder), else in
 * `$ANYECG_DATA/ptbxl/`. Undefined when none exists.
 */
export function findScpTable(
  roots: EcgRoots,
  dataDir: string | null = process.env.ANYECG_DATA ?? null,
): string | undefined {
  const root = roots.byDataset[DATASET.ptbxl] ?? roots.fallback;
  const candidates = [
    ...(root ? [join(root, "ptbxl", "scp_statements.csv"), join(root, "scp_statements.csv")] : []),
    ...(dataDir ? [join(dataDir, "ptbxl", "scp_statements.csv")] : []),
  ];
  return candidates.find((f) => existsSync(f));
}

/** Builds the named sets; the PTB-XL ones need the statement table's path. */
export function buildLabelSets(names: readonly LabelSetName[], opts: { scpFile?: string } = {}): LabelSet[] {
  let rows: ScpStatement[] | undefined;
  const scp = (name: string): ScpStatement[] => {
    if (!opts.scpFile) {
      throw new InputError(
        "--labels",
        `label set ${name} is built from PTB-XL's scp_statements.csv, which was not found: give --scp-statements <file>`,
      );
    }
    return (rows ??= [...parseScpStatements(readInputTextSync(opts.scpFile), opts.scpFile).values()]);
  };
  return names.map((n) =>
    n === "cinc2021"
      ? cinc2021LabelSet()
      : n === "cinc2017-af"
        ? cinc2017AfLabelSet()
        : ptbxlLabelSet(n, scp(n)),
  );
}

/** The scorer named by `--scorer`; anything else is an error listing the known ones. */
export function parseScorer(value: string): Scorer {
  if ((SCORERS as readonly string[]).includes(value)) return value as Scorer;
  throw new InputError(
    "--scorer",
    `unknown scorer "${value}" (known: a = statements matched to label names, b = the model's likelihood, both)`,
  );
}

/** What `chooseLabelSets` decided. */
export interface LabelSetChoice {
  sets: LabelSet[];
  /** Why default sets were left out (no PTB-XL statement table found), for the user. */
  note?: string;
}

/**
 * The label sets of a run: the named ones (`--labels`), or by default every set that fits a
 * dataset with report examples. A PTB-XL set needs `scp_statements.csv` (`scpFile`, else found by
 * `findScpTable`): named, its absence is an error; by default, the PTB-XL sets are left out with
 * a note.
 */
export function chooseLabelSets(opts: {
  specs: readonly string[];
  examples: readonly EvalExample[];
  roots: EcgRoots;
  scpFile?: string;
}): LabelSetChoice {
  const named = parseLabelSetNames(opts.specs);
  const scpFile = opts.scpFile ?? findScpTable(opts.roots);
  if (opts.specs.length) return { sets: buildLabelSets(named, scpFile ? { scpFile } : {}) };
  let names = defaultLabelSetNames(opts.examples.filter((e) => e.task === "report").map((e) => e.dataset));
  let note: string | undefined;
  if (!scpFile && names.some(needsScpTable)) {
    note = `PTB-XL label sets left out: no scp_statements.csv beside the ptb-xl records (give --scp-statements <file>)`;
    names = names.filter((n) => !needsScpTable(n));
  }
  return { sets: buildLabelSets(names, scpFile ? { scpFile } : {}), ...(note ? { note } : {}) };
}
