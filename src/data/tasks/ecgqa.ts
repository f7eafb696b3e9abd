/**
 * ECG-QA (stage 2): the dataset's own questions whose ECGs are available here, plus questions
 * generated from its templates wherever the template's attribute can be derived from the PTB-XL
 * metadata (SCP statements and likelihoods, heart axis, infarction stadium, noise and
 * extra-beat columns). Numeric-feature templates (39-42, 50-56, 64-70) need measured intervals
 * and lead-level SCP templates (17-19) need per-lead labels that PTB-XL does not have, so those
 * are only used through the dataset's own questions.
 *
 * Splits follow our PTB-XL patient split (fold 9 validation) rather than ECG-QA's own lists, so
 * that a patient is on one side for every task (ECG-QA's lists disagree with PTB-XL's folds);
 * a question whose ECGs fall on both sides is dropped.
 */
import { DATASET, type LabeledExample, type Split } from "../example.js";
import { Rng } from "../rng.js";
import type { EcgqaQuestion, EcgqaTemplate } from "../sources/ecgqa.js";
import type { Ptbxl, PtbxlRecord } from "../sources/ptbxl.js";

/** ECG-QA's names for PTB-XL's diagnostic superclasses. */
const SUPERCLASS: Readonly<Record<string, string>> = {
  CD: "conduction disturbance",
  HYP: "hypertrophy",
  MI: "myocardial infarction",
  STTC: "st/t change",
};

const AXIS: Readonly<Record<string, string>> = {
  MID: "normal heart axis",
  LAD: "left axis deviation",
  ALAD: "left axis deviation",
  AXL: "left axis deviation",
  RAD: "right axis deviation",
  ARAD: "right axis deviation",
  AXR: "right axis deviation",
  SAG: "extreme axis deviation",
};

/** Everything a template can ask about one ECG, in ECG-QA's vocabulary. */
export interface QaFacts {
  /** SCP statement names present, with certainty (diagnostic statements below 100 % are uncertain). */
  scp: Map<string, { certain: boolean; diagnostic: boolean; form: boolean; rhythm: boolean }>;
  superclasses: Set<string>;
  normal: boolean;
  axis?: string;
  stages?: Set<string>;
  noises: Set<string>;
  extraSystoles: Set<string>;
}

export function qaFacts(rec: PtbxlRecord, ptbxl: Ptbxl): QaFacts {
  const scp: QaFacts["scp"] = new Map();
  const superclasses = new Set<string>();
  for (const { code, likelihood } of rec.scp) {
    const st = ptbxl.statements.get(code);
    if (!st) continue;
    const certain = !st.diagnostic || likelihood >= 100 || likelihood <= 0;
    scp.set(st.description.toLowerCase(), {
      certain,
      diagnostic: st.diagnostic,
      form: st.form,
      rhythm: st.rhythm,
    });
    if (st.diagnostic && SUPERCLASS[st.diagnosticClass]) superclasses.add(SUPERCLASS[st.diagnosticClass]!);
  }
  const facts: QaFacts = {
    scp,
    superclasses,
    normal: rec.scp.some((s) => s.code === "NORM"),
    noises: new Set(),
    extraSystoles: new Set(),
  };
  if (AXIS[rec.heartAxis]) facts.axis = AXIS[rec.heartAxis];
  const stadium = [rec.infarctionStadium1, rec.infarctionStadium2].join(" ");
  if (/Stadium/.test(stadium)) {
    facts.stages = new Set();
    for (const m of stadium.matchAll(/Stadium ([I-]+)/g)) {
      for (const roman of m[1]!.split("-")) {
        const name = { I: "early", II: "middle", III: "old" }[roman];
        if (name) facts.stages.add(`${name} stage of myocardial infarction`);
      }
    }
  }
  const noise: [string, string][] = [
    ["baseline drift", rec.baselineDrift],
    ["static noise", rec.staticNoise],
    ["burst noise", rec.burstNoise],
    ["electrodes problems", rec.electrodesProblems],
  ];
  for (const [name, v] of noise) if (v.replace(/[\s,]/g, "")) facts.noises.add(name);
  const eb = rec.extraBeats.toUpperCase();
  if (eb.includes("SVES")) facts.extraSystoles.add("supraventricular extrasystoles");
  else if (eb.includes("VES")) facts.extraSystoles.add("ventricular extrasystoles");
  else if (/ES/.test(eb)) facts.extraSystoles.add("extrasystoles");
  return facts;
}

const yn = (b: boolean) => (b ? "yes" : "no");
const list = (items: Iterable<string>, none = "none") => {
  const a = [...new Set(items)].sort();
  return a.length ? a.join(", ") : none;
};

/** The candidate attributes of a template (its answer candidates without "none"). */
function attrs(t: EcgqaTemplate): string[] {
  return t.candidates.filter((c) => c !== "none" && !c.startsWith("none "));
}

/** Replaces the template's example attribute (the longest vocabulary entry it contains). */
function substitute(question: string, vocabulary: readonly string[], attr: string): string | null {
  const found = [...vocabulary].sort((a, b) => b.length - a.length).find((v) => question.includes(v));
  return found ? question.replace(found, attr) : null;
}

/** "Which X does this ECG show, a or b[, including uncertain symptoms]?" with new options. */
function substituteChoice(question: string, a: string, b: string): string | null {
  const m = /^([^,]+), .+? or .+?((?:, (?:in|ex)cluding uncertain symptoms)?)\?$/.exec(question);
  return m ? `${m[1]}, ${a} or ${b}${m[2]}?` : null;
}

/** Picks an attribute that is present with probability 1/2 when possible (balanced answers). */
function pickAttr(rng: Rng, all: readonly string[], present: (a: string) => boolean): string {
  const yes = all.filter(present);
  const no = all.filter((a) => !present(a));
  if (yes.length && (rng.next() < 0.5 || !no.length)) return rng.pick(yes);
  return rng.pick(no.length ? no : all);
}

interface Generated {
  question: string;
  answer: string;
}

type SingleGen = (t: EcgqaTemplate, f: QaFacts, rng: Rng, vocab: Vocab) => Generated | null;

interface Vocab {
  scp: string[];
  byId: Map<number, EcgqaTemplate>;
}

const hasScp =
  (f: QaFacts, kind: "diagnostic" | "form" | "rhythm", withUncertain = true) =>
  (a: string) => {
    const s = f.scp.get(a);
    return !!s && s[kind] && (withUncertain || s.certain);
  };

function choice(t: EcgqaTemplate, rng: Rng, options: readonly string[], present: (a: string) => boolean) {
  if (options.length < 2) return null;
  const a = pickAttr(rng, options, present);
  const b = rng.pick(options.filter((o) => o !== a));
  const [x, y] = rng.next() < 0.5 ? [a, b] : [b, a];
  const q = substituteChoice(t.question, x, y);
  return q ? { question: q, answer: list([x, y].filter(present)) } : null;
}

/** Generators for single-ECG templates, by template id. */
const SINGLE: Record<number, SingleGen> = {
  1: (t, f, rng, v) => {
    const a = pickAttr(rng, v.scp, (x) => f.scp.has(x));
    const q = substitute(t.question, v.scp, a);
    const s = f.scp.get(a);
    return q ? { question: q, answer: !s ? "no" : s.certain ? "yes" : "not sure" } : null;
  },
  2: (t, f) => ({ question: t.question, answer: yn(f.normal) }),
  3: (t, f, rng) => choice(t, rng, attrs(t), (a) => f.superclasses.has(a)),
  4: (t, f, rng) => choice(t, rng, attrs(t), hasScp(f, "diagnostic")),
  5: (t, f, rng) => choice(t, rng, attrs(t), hasScp(f, "diagnostic", false)),
  6: (t, f, rng) => choice(t, rng, attrs(t), hasScp(f, "form")),
  7: (t, f, rng) => choice(t, rng, attrs(t), hasScp(f, "rhythm")),
  8: (t, f) => ({ question: t.question, answer: list(attrs(t).filter(hasScp(f, "diagnostic"))) }),
  9: (t, f) => ({ question: t.question, answer: list(attrs(t).filter(hasScp(f, "diagnostic", false))) }),
  10: (t, f) => ({ question: t.question, answer: list(attrs(t).filter(hasScp(f, "rhythm"))) }),
  11: (t, f) => ({ question: t.question, answer: list(attrs(t).filter(hasScp(f, "form"))) }),
  12: (t, f) => ({
    question: t.question,
    answer: yn([...f.scp.keys()].some((k) => k !== "normal ecg" && k !== "sinus rhythm")),
  }),
  13: (t, f) => ({
    question: t.question,
    answer: yn([...f.scp].some(([k, s]) => s.diagnostic && k !== "normal ecg")),
  }),
  14: (t, f) => ({
    question: t.question,
    answer: yn([...f.scp].some(([k, s]) => s.diagnostic && s.certain && k !== "normal ecg")),
  }),
  15: (t, f) => ({ question: t.question, answer: yn([...f.scp.values()].some((s) => s.form)) }),
  16: (t, f) => ({ question: t.question, answer: yn([...f.scp.values()].some((s) => s.rhythm)) }),
  20: (t, f, rng, v) => (f.axis ? verify(t, rng, attrs(v.byId.get(22)!), (a) => a === f.axis) : null),
  21: (t, f, rng) => (f.axis ? choice(t, rng, attrs(t), (a) => a === f.axis) : null),
  22: (t, f) => (f.axis ? { question: t.question, answer: f.axis } : null),
  23: (t, f, rng, v) => (f.stages ? verify(t, rng, attrs(v.byId.get(24)!), (a) => f.stages!.has(a)) : null),
  24: (t, f, rng) => (f.stages ? choice(t, rng, attrs(t), (a) => f.stages!.has(a)) : null),
  25: (t, f) => (f.stages ? { question: t.question, answer: list(f.stages) } : null),
  27: (t, f, rng, v) => verify(t, rng, attrs(v.byId.get(32)!), (a) => f.noises.has(a)),
  29: (t, f) => ({ question: t.question, answer: yn(f.noises.size > 0) }),
  30: (t, f, rng) => choice(t, rng, attrs(t), (a) => f.noises.has(a)),
  32: (t, f) => ({ question: t.question, answer: list(f.noises) }),
  35: (t, f) => ({ question: t.question, answer: yn(f.extraSystoles.size > 0) }),
  36: (t, f, rng, v) => verify(t, rng, attrs(v.byId.get(38)!), (a) => f.extraSystoles.has(a)),
  37: (t, f, rng) => choice(t, rng, attrs(t), (a) => f.extraSystoles.has(a)),
  38: (t, f) => ({ question: t.question, answer: list(f.extraSystoles) }),
};

function verify(t: EcgqaTemplate, rng: Rng, vocab: readonly string[], present: (a: string) => boolean) {
  const a = pickAttr(rng, vocab, present);
  const q = substitute(t.question, vocab, a);
  return q ? { question: q, answer: yn(present(a)) } : null;
}

/** Comparison templates (first/previous vs second/recent ECG) over SCP statements. */
function comparison(t: EcgqaTemplate, f1: QaFacts, f2: QaFacts, rng: Rng, v: Vocab): Generated | null {
  const in1 = (a: string) => f1.scp.has(a);
  const in2 = (a: string) => f2.scp.has(a);
  const q = t.question;
  const verb = /resolved/.test(q)
    ? (a: string) => in1(a) && !in2(a)
    : /newly detected/.test(q)
      ? (a: string) => !in1(a) && in2(a)
      : /still remain/.test(q)
        ? (a: string) => in1(a) && in2(a)
        : /still not found/.test(q)
          ? (a: string) => !in1(a) && !in2(a)
          : null;
  if (!verb) return null;
  if (t.questionType.endsWith("-verify")) {
    const relevant = v.scp.filter((a) => in1(a) || in2(a));
    const pool = relevant.length && rng.next() < 0.75 ? relevant : v.scp;
    const a = rng.pick(pool);
    const qq = substitute(q, v.scp, a);
    return qq ? { question: qq, answer: yn(verb(a)) } : null;
  }
  return { question: q, answer: list(attrs(t).filter(verb)) };
}

/** Templates about rhythm and extrasystoles: answerable from a single lead. */
const RHYTHM_TEMPLATES: ReadonlySet<number> = new Set([7, 10, 16, 35, 36, 37, 38]);

const COMPARISON_SCP = [43, 44, 45, 46, 47, 48, 49, 57, 58, 59, 60, 61, 62, 63];

export interface EcgqaConfig {
  /** Generated single-ECG questions per PTB-XL record. */
  perRecord: number;
  /** Generated questions per consecutive (same patient) pair and per unrelated pair. */
  perPair: number;
  /** Unrelated pairs per record (each record is the first ECG of this many pairs). */
  unrelatedPairs: number;
}

export const DEFAULT_ECGQA_CONFIG: EcgqaConfig = { perRecord: 10, perPair: 4, unrelatedPairs: 1 };

export function scpVocabulary(templates: readonly EcgqaTemplate[]): string[] {
  const ids = [4, 6, 7];
  const v = new Set<string>();
  for (const t of templates) if (ids.includes(t.id)) for (const a of attrs(t)) v.add(a);
  return [...v].sort();
}

/** The patients' ECG pairs in time order (consecutive tracings of one patient). */
export function consecutivePairs(records: readonly PtbxlRecord[]): [PtbxlRecord, PtbxlRecord][] {
  const byPatient = new Map<string, PtbxlRecord[]>();
  for (const r of records) byPatient.set(r.patient, [...(byPatient.get(r.patient) ?? []), r]);
  const pairs: [PtbxlRecord, PtbxlRecord][] = [];
  for (const recs of [...byPatient.values()]) {
    const sorted = [...recs].sort((a, b) => a.date.localeCompare(b.date) || a.ecgId - b.ecgId);
    for (let i = 0; i + 1 < sorted.length; i++) pairs.push([sorted[i]!, sorted[i + 1]!]);
  }
  return pairs.sort((a, b) => a[0].ecgId - b[0].ecgId);
}

function qaExample(
  q: Generated,
  recs: readonly PtbxlRecord[],
  template: { id: number; questionType: string },
  id: string,
): LabeledExample {
  return {
    label: template.questionType,
    reducible: recs.length === 1 && RHYTHM_TEMPLATES.has(template.id),
    example: {
      question: q.question,
      answer: q.answer,
      ecg_path: recs.length === 1 ? recs[0]!.path : recs.map((r) => r.path),
      dataset: DATASET.ecgqa,
      task: "ecgqa",
      question_type: template.questionType,
      template_id: template.id,
      leads: recs[0]!.leads,
      split: recs[0]!.split,
      stage: 2,
      id,
    },
  };
}

/** ECG-QA's own questions whose ECGs are all here and on one side of our split. */
export function ecgqaDatasetExamples(questions: readonly EcgqaQuestion[], ptbxl: Ptbxl): LabeledExample[] {
  const byId = new Map(ptbxl.records.map((r) => [r.ecgId, r]));
  const out: LabeledExample[] = [];
  for (const q of questions) {
    const recs = q.ecgIds.map((i) => byId.get(i));
    if (!recs.length || recs.some((r) => !r)) continue;
    const rs = recs as PtbxlRecord[];
    if (new Set(rs.map((r) => r.split)).size !== 1) continue;
    const g = { question: q.question, answer: q.answer.join(", ") };
    out.push(
      qaExample(
        g,
        rs,
        { id: q.templateId, questionType: q.questionType },
        `ecgqa-${q.variant}-${q.sampleId}`,
      ),
    );
  }
  return out;
}

/** Questions generated from the templates over every PTB-XL record and pair. */
export function ecgqaGeneratedExamples(
  templates: readonly EcgqaTemplate[],
  ptbxl: Ptbxl,
  seed: number,
  cfg: EcgqaConfig = DEFAULT_ECGQA_CONFIG,
): LabeledExample[] {
  const vocab: Vocab = { scp: scpVocabulary(templates), byId: new Map(templates.map((t) => [t.id, t])) };
  const single = templates.filter((t) => SINGLE[t.id]);
  const comp = templates.filter((t) => COMPARISON_SCP.includes(t.id));
  const facts = new Map(ptbxl.records.map((r) => [r.ecgId, qaFacts(r, ptbxl)]));
  const out: LabeledExample[] = [];
  for (const rec of ptbxl.records) {
    const rng = Rng.for(seed, "ecgqa", rec.ecgId);
    let made = 0;
    for (const t of rng.shuffle(single)) {
      if (made >= cfg.perRecord) break;
      const g = SINGLE[t.id]!(t, facts.get(rec.ecgId)!, rng, vocab);
      if (!g) continue;
      out.push(qaExample(g, [rec], t, `ecgqa-gen-${rec.ecgId}-t${t.id}`));
      made++;
    }
  }
  const emit = (a: PtbxlRecord, b: PtbxlRecord, types: string, tag: string) => {
    const rng = Rng.for(seed, "ecgqa-pair", tag, a.ecgId, b.ecgId);
    const pool = comp.filter((t) => t.questionType.startsWith(types));
    for (const t of rng.sample(pool, cfg.perPair)) {
      const g = comparison(t, facts.get(a.ecgId)!, facts.get(b.ecgId)!, rng, vocab);
      if (g) out.push(qaExample(g, [a, b], t, `ecgqa-gen-${a.ecgId}-${b.ecgId}-t${t.id}`));
    }
  };
  for (const [a, b] of consecutivePairs(ptbxl.records)) emit(a, b, "comparison_consecutive", "consecutive");
  for (const split of ["train", "valid"] as Split[]) {
    const side = ptbxl.records.filter((r) => r.split === split);
    for (const a of side) {
      const rng = Rng.for(seed, "ecgqa-unrelated", a.ecgId);
      const others = side.filter((r) => r.patient !== a.patient);
      for (const b of rng.sample(others, cfg.unrelatedPairs))
        emit(a, b, "comparison_irrelevant", "irrelevant");
    }
  }
  return out;
}
