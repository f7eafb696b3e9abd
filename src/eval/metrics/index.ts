/** The evaluation metrics of anyecg: each module's top comment defines its metric exactly. */
export * from "./aggregate.js";
export * from "./auc.js";
export * from "./bleu.js";
export * from "./exact-match.js";
export * from "./f1.js";
export * from "./iou.js";
export * from "./multi.js";
export * from "./rouge.js";
export * from "./statements.js";
export * from "./summary.js";
