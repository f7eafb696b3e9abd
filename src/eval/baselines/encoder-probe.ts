/**
 * The encoder probe: answers localization questions from the ECG encoder alone, through the
 * encoder's findings head trained in stage 0d (src/train/dense.ts), with no language model. It measures
 * what the encoder's time tokens know about where each finding is — the ceiling the language
 * model reads from — and makes the patch-length ablation cheap (an encoder trained with 2-s and
 * with 0.5-s patches, compared on the same localization examples).
 *
 * A finding the head does not know, and every other task, gets the constant baseline's answer.
 */
import { formatLocalizationAnswer } from "../../data/intervals.js";
import { AnyEcg } from "../../model/anyecg.js";
import type { AnnotatedRecord } from "../../data/sources/mitdb.js";
import { noGrad, scope } from "../../tensor/index.js";
import { DenseLabelModel, DenseWindowSampler, denseIntervals, denseItem } from "../../train/dense.js";
import { EcgLoader, cutExample } from "../../train/examples.js";
import { rocAuc } from "../metrics/auc.js";
import type { Ecg } from "../../ecg/record.js";
import type { PredictInput, Prediction, Predictor } from "../predictors.js";
import { findingName } from "./findings.js";

const LOCALIZATION = new Set(["location", "location_long"]);

export class EncoderProbePredictor implements Predictor {
  readonly needsEcgs = true;

  private constructor(
    private readonly model: AnyEcg,
    private readonly probe: DenseLabelModel,
    private readonly fallback: Predictor,
    readonly name: string,
  ) {}

  /** Loads a model folder whose encoder has the findings head (a labels stage's, or later). */
  static async load(dir: string, fallback: Predictor): Promise<EncoderProbePredictor> {
    const model = await AnyEcg.load(dir, { merge: false });
    return new EncoderProbePredictor(model, new DenseLabelModel(model.encoder), fallback, `probe:${dir}`);
  }

  /**
   * Token-level ROC AUC per finding over `windows` windows drawn from `records` (findings with
   * fewer than `minPositives` positive tokens get null): threshold-free, what the time tokens
   * know regardless of the head's calibration.
   */
  async tokenAuc(
    records: readonly AnnotatedRecord[],
    dataDir: string,
    opts: { windows: number; seed: number; minPositives?: number },
  ): Promise<Record<string, { positives: number; auc: number | null }>> {
    const findings = this.probe.findings;
    const K = findings.length;
    const scores: number[][] = findings.map(() => []);
    const labels: number[][] = findings.map(() => []);
    const loader = new EcgLoader(dataDir);
    const sampler = new DenseWindowSampler([{ records, share: 1 }], 10, opts.seed);
    for (const w of sampler.batch(0, opts.windows)) {
      const { ecg: prepared, targets: t } = await denseItem(loader, w, this.model);
      const z = noGrad(() => scope(() => this.probe.logits([prepared]).data.slice()));
      for (let i = 0; i < t.length; i++) {
        scores[i % K]!.push(z[i]!);
        labels[i % K]!.push(t[i]!);
      }
    }
    const out: Record<string, { positives: number; auc: number | null }> = {};
    findings.forEach((f, k) => {
      const positives = labels[k]!.reduce((s, y) => s + y, 0);
      const auc = positives >= (opts.minPositives ?? 20) ? rocAuc(scores[k]!, labels[k]!) : null;
      out[f.name] = { positives, auc };
    });
    return out;
  }

  /**
   * Record-level ROC AUC per finding over records labelled as a whole (CinC 2017's classes,
   * PTB-XL's superclasses: the findings whose code a record lists as `complete`), with the mean
   * logit over the whole record's time tokens (all its leads) as the score: what the encoder
   * tells the language model for the report task's statements (null: fewer than 5 positives).
   */
  async recordAuc(
    records: readonly AnnotatedRecord[],
    dataDir: string,
  ): Promise<Record<string, { n: number; positives: number; auc: number | null }>> {
    const findings = this.probe.findings;
    const K = findings.length;
    const rows = findings.map(() => ({ scores: [] as number[], labels: [] as boolean[] }));
    const loader = new EcgLoader(dataDir);
    for (const r of records) {
      const ecg = cutExample(await loader.record(r.info.path), r.info.leads, 0, r.info.length);
      const z = noGrad(() => scope(() => this.probe.logits([this.model.prepare(ecg)]).data.slice()));
      const tokens = z.length / K;
      findings.forEach((f, k) => {
        if (!r.complete?.includes(f.code)) return;
        let sum = 0;
        for (let i = k; i < z.length; i += K) sum += z[i]!;
        rows[k]!.scores.push(sum / tokens);
        rows[k]!.labels.push(r.episodes.some((e) => e.rhythm === f.code));
      });
    }
    const out: Record<string, { n: number; positives: number; auc: number | null }> = {};
    findings.forEach((f, k) => {
      const { scores, labels } = rows[k]!;
      const positives = labels.filter(Boolean).length;
      if (scores.length > 0)
        out[f.name] = { n: scores.length, positives, auc: positives >= 5 ? rocAuc(scores, labels) : null };
    });
    return out;
  }

  /**
   * The highest logit of a finding over an ECG's time tokens: how strongly the encoder says the
   * finding is somewhere in it (null for a finding the head does not know). The language model
   * answers `No ... Found` or gives times on this evidence.
   */
  maxLogit(ecg: Ecg, finding: string): number | null {
    const k = this.probe.findings.findIndex((f) => f.name === findingName(finding));
    if (k < 0) return null;
    const K = this.probe.findings.length;
    const z = noGrad(() => scope(() => this.probe.logits([this.model.prepare(ecg)]).data.slice()));
    let max = -Infinity;
    for (let i = k; i < z.length; i += K) max = Math.max(max, z[i]!);
    return max;
  }

  async predict(input: PredictInput): Promise<Prediction> {
    const ex = input.example;
    const name = findingName(ex.abnormalType ?? "");
    const ecg = input.ecgs[0];
    if (!LOCALIZATION.has(ex.task) || !ecg || input.ecgs.length !== 1) return this.fallback.predict(input);
    const found = denseIntervals(this.probe, this.model.prepare(ecg), this.model.config).get(name);
    if (!found) return this.fallback.predict(input);
    return { answer: formatLocalizationAnswer(name, found) };
  }
}
