/**
 * Multi-ECG comparison (stage 3): two to four ECGs per question. PTB-XL's patients with several
 * ECGs give tracings over time (in recording order); other PTB-XL ECGs and CinC 2017 recordings
 * are grouped at random within one split side. Answers are derived from the labels, so they are
 * always true: what is new, what resolved, which ECGs show a finding, whether the rhythm is the same.
 */
import { DATASET, type LabeledExample, type Split } from "../example.js";
import { question } from "../paraphrases.js";
import { Rng } from "../rng.js";
import { CINC2017_LABELS, type Cinc2017Record } from "../sources/cinc2017.js";
import { capitalize, type Ptbxl, type PtbxlRecord } from "../sources/ptbxl.js";

/** One ECG of a comparison: its path, its statements, and its rhythm statements. */
export interface MultiItem {
  path: string;
  id: string;
  statements: string[];
  rhythms: string[];
  leads: string[];
}

/** "ECG 1, ECG 3", or "None". */
export function whichAnswer(items: readonly MultiItem[], statement: string): string {
  const idx = items.flatMap((it, i) => (it.statements.includes(statement) ? [`ECG ${i + 1}`] : []));
  return idx.length ? idx.join(", ") : "None";
}

/** Statements of the last ECG absent from the first (`new`), or the reverse (`resolved`). */
export function changeAnswer(first: MultiItem, last: MultiItem, kind: "new" | "resolved"): string {
  const [a, b] = kind === "new" ? [last, first] : [first, last];
  const diff = a.statements.filter((s) => !b.statements.includes(s));
  return diff.length ? diff.join(", ") : "None";
}

/** "Yes. All ECGs show Sinus rhythm." or "No. ECG 1: Sinus rhythm; ECG 2: Atrial fibrillation." */
export function sameRhythmAnswer(items: readonly MultiItem[]): string {
  const names = items.map((it) => it.rhythms.join(" and "));
  if (names.every((n) => n === names[0])) return `Yes. All ECGs show ${names[0]}.`;
  return `No. ${names.map((n, i) => `ECG ${i + 1}: ${n}`).join("; ")}.`;
}

function example(
  items: readonly MultiItem[],
  dataset: string,
  split: Split,
  q: string,
  answer: string,
  label: string,
  id: string,
): LabeledExample {
  return {
    label,
    example: {
      question: q,
      answer,
      ecg_path: items.map((it) => it.path),
      dataset,
      task: "multi",
      leads: items[0]!.leads,
      split,
      stage: 3,
      id,
    },
  };
}

/** The comparison questions for one group of ECGs (all on the side `split`). */
export function groupExamples(
  items: readonly MultiItem[],
  dataset: string,
  split: Split,
  rng: Rng,
  tag: string,
): LabeledExample[] {
  const out: LabeledExample[] = [];
  const id = `${dataset}-multi-${tag}-${items.map((i) => i.id).join("_")}`;
  const all = [...new Set(items.flatMap((i) => i.statements))].sort();
  if (all.length) {
    const name = rng.pick(all);
    const q = question("multi_which", split, rng, { name, n: items.length });
    out.push(example(items, dataset, split, q, whichAnswer(items, name), "which", `${id}-which`));
  }
  if (items.length === 2 && items.every((i) => i.statements.length)) {
    const kind = rng.next() < 0.5 ? "new" : "resolved";
    const q = question(kind === "new" ? "multi_new" : "multi_resolved", split, rng);
    out.push(
      example(items, dataset, split, q, changeAnswer(items[0]!, items[1]!, kind), kind, `${id}-${kind}`),
    );
  }
  if (items.every((i) => i.rhythms.length)) {
    const q = question("multi_same_rhythm", split, rng);
    out.push(example(items, dataset, split, q, sameRhythmAnswer(items), "same_rhythm", `${id}-rhythm`));
  }
  return out;
}

function ptbxlItem(r: PtbxlRecord, ptbxl: Ptbxl): MultiItem {
  const st = r.scp.map((s) => ptbxl.statements.get(s.code)).filter((s) => s !== undefined);
  return {
    path: r.path,
    id: String(r.ecgId),
    statements: st.map((s) => capitalize(s.description)),
    rhythms: st.filter((s) => s.rhythm).map((s) => capitalize(s.description)),
    leads: r.leads,
  };
}

function cinc2017Item(r: Cinc2017Record): MultiItem {
  const name = CINC2017_LABELS[r.label]!;
  return {
    path: r.path,
    id: r.name,
    statements: [name],
    rhythms: r.label === "~" ? [] : [name],
    leads: r.leads,
  };
}

/** Random groups of 2-4 items covering each item once, within one side. */
function randomGroups<T>(items: readonly T[], rng: Rng): T[][] {
  const shuffled = rng.shuffle(items);
  const groups: T[][] = [];
  for (let i = 0; i + 1 < shuffled.length;) {
    const n = Math.min(rng.int(2, 4), shuffled.length - i);
    if (n < 2) break;
    groups.push(shuffled.slice(i, i + n));
    i += n;
  }
  return groups;
}

export function multiExamples(
  src: { ptbxl?: Ptbxl; cinc2017?: Cinc2017Record[] },
  seed: number,
): LabeledExample[] {
  const out: LabeledExample[] = [];
  const ptbxl = src.ptbxl;
  if (ptbxl) {
    // The same patient's ECGs over time.
    const byPatient = new Map<string, PtbxlRecord[]>();
    for (const r of ptbxl.records) byPatient.set(r.patient, [...(byPatient.get(r.patient) ?? []), r]);
    for (const [patient, recs] of [...byPatient].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (recs.length < 2) continue;
      const sorted = [...recs].sort((a, b) => a.date.localeCompare(b.date) || a.ecgId - b.ecgId).slice(0, 4);
      const rng = Rng.for(seed, "multi", "ptbxl-patient", patient);
      const items = sorted.map((r) => ptbxlItem(r, ptbxl));
      out.push(...groupExamples(items, DATASET.ptbxl, sorted[0]!.split, rng, "serial"));
    }
    for (const split of ["train", "valid"] as Split[]) {
      const rng = Rng.for(seed, "multi", "ptbxl-groups", split);
      const side = ptbxl.records.filter((r) => r.split === split);
      for (const g of randomGroups(side, rng)) {
        if (new Set(g.map((r) => r.patient)).size !== g.length) continue;
        const items = g.map((r) => ptbxlItem(r, ptbxl));
        out.push(...groupExamples(items, DATASET.ptbxl, split, rng, "group"));
      }
    }
  }
  for (const split of ["train", "valid"] as Split[]) {
    const rng = Rng.for(seed, "multi", "cinc2017", split);
    const side = (src.cinc2017 ?? []).filter((r) => r.split === split);
    // Every AF and other-rhythm recording, with as many normal ones: balanced groups.
    const rare = side.filter((r) => r.label !== "N");
    const normal = rng.sample(
      side.filter((r) => r.label === "N"),
      rare.length,
    );
    for (const g of randomGroups([...rare, ...normal], rng)) {
      out.push(...groupExamples(g.map(cinc2017Item), DATASET.cinc2017, split, rng, "group"));
    }
  }
  return out.sort((a, b) => (a.example.id < b.example.id ? -1 : a.example.id > b.example.id ? 1 : 0));
}
