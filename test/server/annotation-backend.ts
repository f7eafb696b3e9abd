/**
 * A deterministic chat backend for tests and the serve benchmark: it answers localization
 * questions from the records' own reference annotations with the paper's beat rule (the same
 * code the dataset builder uses), so an answer is right by construction and checkable.
 * Other questions get a short description of each ECG. Tokens are streamed word by word.
 */
import { beatIntervals, formatLocalizationAnswer } from "../../src/data/intervals.js";
import type { Ecg } from "../../src/ecg/record.js";
import { durationSeconds, sampleCount } from "../../src/ecg/record.js";
import type { BackendAnswer, ChatBackend, ChatRequest } from "../../src/server/backend.js";

interface Finding {
  pattern: RegExp;
  codes: ReadonlySet<string>;
  name: string;
}

const FINDINGS: Finding[] = [
  {
    pattern: /premature ventricular|\bPVCs?\b/i,
    codes: new Set(["V"]),
    name: "Premature ventricular contraction",
  },
  {
    pattern: /atrial premature|premature atrial|\bAPBs?\b/i,
    codes: new Set(["A"]),
    name: "Atrial premature beat",
  },
  { pattern: /left bundle/i, codes: new Set(["L"]), name: "Left bundle branch block beat" },
  { pattern: /right bundle/i, codes: new Set(["R"]), name: "Right bundle branch block beat" },
];

const ORDINALS = ["first", "second", "third", "fourth"];

/** The ECGs a question is about: one it names, or all of them. */
function targets(question: string, count: number): number[] {
  const m = /\bECG\s*#?\s*(\d+)\b/i.exec(question);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= count) return [Number(m[1]) - 1];
  const o = new RegExp(`\\b(${ORDINALS.join("|")})\\s+ECG\\b`, "i").exec(question);
  if (o) return [ORDINALS.indexOf(o[1]!.toLowerCase())].filter((k) => k < count);
  return [...Array(count).keys()];
}

function localize(ecg: Ecg, f: Finding): string {
  const n = sampleCount(ecg);
  return formatLocalizationAnswer(
    f.name,
    beatIntervals(ecg.annotations, f.codes, { start: 0, end: n }, ecg.fs, n),
  );
}

function describe(ecg: Ecg): string {
  return `${ecg.name}, ${ecg.leads.length} leads, ${durationSeconds(ecg).toFixed(1)} s at ${ecg.fs} Hz.`;
}

/** The answer text for a request (no streaming). */
export function annotationAnswer(ecgs: Ecg[], question: string): string {
  if (ecgs.length === 0) return "Please upload an ECG first.";
  const finding = FINDINGS.find((f) => f.pattern.test(question));
  const which = targets(question, ecgs.length);
  const one = (k: number) => (finding ? localize(ecgs[k]!, finding) : describe(ecgs[k]!));
  if (ecgs.length === 1) return one(0);
  return which.map((k) => `ECG ${k + 1}: ${one(k)}`).join("\n");
}

export interface AnnotationBackendOptions {
  /** Pause between streamed words, ms (0: none). */
  tokenDelayMs?: number;
  /** Awaited before answering (tests hold generations with it to fill the queue). */
  gate?: () => Promise<void>;
}

export function annotationBackend(opts: AnnotationBackendOptions = {}): ChatBackend {
  return {
    name: "annotation-reference (test backend)",
    async chat(req: ChatRequest): Promise<BackendAnswer> {
      await opts.gate?.();
      const question = [...req.messages].reverse().find((m) => m.role === "user")?.content ?? "";
      const answer = annotationAnswer(req.ecgs, question);
      for (const piece of answer.match(/\S+\s*/g) ?? []) {
        if (req.signal?.aborted) throw req.signal.reason as Error;
        if (opts.tokenDelayMs) await new Promise((r) => setTimeout(r, opts.tokenDelayMs));
        req.onToken?.(piece);
      }
      return { text: answer };
    },
  };
}
