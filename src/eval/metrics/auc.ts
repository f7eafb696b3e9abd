/**
 * ROC AUC, as scikit-learn's `roc_auc_score` computes it, and its macro average over labels.
 *
 * Per label: AUC = P(score of a positive > score of a negative) + ½ P(equal), i.e. the
 * Mann-Whitney U statistic with average ranks for tied scores, divided by (positives ×
 * negatives). This equals scikit-learn's trapezoidal area under the ROC curve, ties included.
 *
 * Macro AUC: the mean over labels of the per-label AUC. A label whose reference values are all 0
 * or all 1 has no AUC (scikit-learn raises); it is skipped and listed, and the macro mean is over
 * the remaining labels. anyECG-chat computes `roc_auc_score(labels, scores, average=None).mean()`,
 * which is the same number when no label is skipped.
 *
 * Which scores: (a) statements of the generated report matched to label names (`statements.ts`):
 * binary scores, so each label's AUC is (sensitivity + specificity) / 2; the paper instead used
 * the maximum cosine similarity between BioBERT sentence embeddings of the generated statements
 * and each label name (continuous). (b) the model's likelihood of each label's statement given
 * the ECG (continuous). A table must say which one a number uses.
 */

/** AUC of one label; null when the labels hold only one class. Scores must be finite. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number | null {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError("rocAuc: scores and labels differ in length");
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`rocAuc: score ${i} is not finite (${scores[i]})`);
  }
  order.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1; // 1-based average rank of the tie block
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One label's AUC and class counts. */
export interface LabelAuc {
  label: string;
  /** null when skipped (one class only). */
  auc: number | null;
  positives: number;
  negatives: number;
}

/** Macro AUC over labels, with per-label detail. */
export interface MacroAuc {
  /** Mean AUC over the labels that have both classes (null when none has). */
  macro: number | null;
  perLabel: LabelAuc[];
  /** Labels skipped because their reference values were all equal. */
  skipped: string[];
}

/**
 * Macro AUC. `scores[i][k]` and `labels[i][k]` are example i's score and 0/1 truth for label
 * `labelNames[k]`.
 */
export function macroAuc(
  scores: readonly ArrayLike<number>[],
  labels: readonly ArrayLike<number | boolean>[],
  labelNames: readonly string[],
): MacroAuc {
  if (scores.length !== labels.length) throw new RangeError("macroAuc: scores and labels differ in length");
  const perLabel: LabelAuc[] = [];
  const skipped: string[] = [];
  let sum = 0;
  let counted = 0;
  labelNames.forEach((label, k) => {
    const s = scores.map((row, i) => {
      if (row.length !== labelNames.length || labels[i]!.length !== labelNames.length) {
        throw new RangeError(`macroAuc: example ${i} does not have ${labelNames.length} labels`);
      }
      return row[k]!;
    });
    const y = labels.map((row) => (row[k] ? 1 : 0));
    const positives = y.reduce<number>((a, b) => a + b, 0);
    const auc = rocAuc(s, y);
    perLabel.push({ label, auc, positives, negatives: y.length - positives });
    if (auc === null) skipped.push(label);
    else {
      sum += auc;
      counted++;
    }
  });
  return { macro: counted ? sum / counted : null, perLabel, skipped };
}
