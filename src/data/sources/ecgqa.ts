/**
 * ECG-QA (PTB-XL version): the 70 question templates (`templates.csv`) and the question files
 * (`ptbxl/template/<split>/*.json`, `ptbxl/paraphrased/<split>/*.json`), each question naming
 * PTB-XL `ecg_id`s.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError, readInputText } from "../../errors.js";
import { parseCsv, parsePythonStringList } from "../csv.js";

export interface EcgqaTemplate {
  id: number;
  question: string;
  questionType: string;
  attributeType: string;
  candidates: string[];
}

export interface EcgqaQuestion {
  templateId: number;
  questionType: string;
  attributeType: string;
  question: string;
  answer: string[];
  ecgIds: number[];
  /** "template" or "paraphrased": which file set it came from. */
  variant: string;
  sampleId: number;
}

export async function loadEcgqaTemplates(dataDir: string): Promise<EcgqaTemplate[]> {
  const file = join(dataDir, "ecgqa", "templates.csv");
  return parseCsv(await readInputText(file), file).map((r) => ({
    id: Number(r.template_id),
    question: r.question ?? "",
    questionType: r.question_type ?? "",
    attributeType: r.attribute_type ?? "",
    candidates: parsePythonStringList(r.answer_candidates ?? "[]", file),
  }));
}

function asQuestion(x: unknown, variant: string, file: string): EcgqaQuestion {
  const o = x as Record<string, unknown>;
  if (
    typeof o.question !== "string" ||
    !Array.isArray(o.answer) ||
    !Array.isArray(o.ecg_id) ||
    typeof o.template_id !== "number"
  )
    throw new InputError(file, "question entry lacks question, answer, ecg_id or template_id");
  return {
    templateId: o.template_id,
    questionType: String(o.question_type ?? ""),
    attributeType: String(o.attribute_type ?? ""),
    question: o.question,
    answer: o.answer.map(String),
    ecgIds: o.ecg_id.map(Number),
    variant,
    sampleId: Number(o.sample_id ?? 0),
  };
}

/** Every question file of both variants and all splits, in a stable order. */
export async function loadEcgqaQuestions(dataDir: string): Promise<EcgqaQuestion[]> {
  const out: EcgqaQuestion[] = [];
  for (const variant of ["template", "paraphrased"]) {
    for (const split of ["train", "valid", "test"]) {
      const dir = join(dataDir, "ecgqa", "ptbxl", variant, split);
      let files: string[];
      try {
        files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
      } catch {
        continue; // a split the shared copy does not have
      }
      for (const f of files) {
        const file = join(dir, f);
        let data: unknown;
        try {
          data = JSON.parse(await readInputText(file));
        } catch (e) {
          if (e instanceof InputError) throw e;
          throw new InputError(file, `not valid JSON (${(e as Error).message})`);
        }
        if (!Array.isArray(data)) throw new InputError(file, "expected a JSON array of questions");
        for (const x of data) out.push(asQuestion(x, variant, file));
      }
    }
  }
  return out;
}
