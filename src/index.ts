/**
 * The anyecg library. Data flows one way: `ecg` (records, readers, preprocessing) -> `data`
 * (the dataset builder) -> `model`/`train` -> `eval`; `server` and `cli` are thin shells.
 */
// The ECG record, readers and writers
export * from "./ecg/record.js";
export * from "./errors.js";
export {
  readEcg,
  readEcgs,
  detectFormat,
  SUPPORTED_EXTENSIONS,
  type ReadOptions,
  type EcgFormat,
} from "./ecg/read.js";
export { writeEcg, type WriteOptions } from "./ecg/write.js";
export { readWfdbRecord, readWfdbChunks, writeWfdbRecord, readWfdbAnnotations } from "./ecg/wfdb/index.js";
export { EC57_BEAT_CODES, BEAT_CODES } from "./ecg/beats.js";
// Preprocessing
export * from "./ecg/leads.js";
export * from "./ecg/resample.js";
export * from "./ecg/filters.js";
export * from "./ecg/scale.js";
export * from "./ecg/windows.js";
export { plotEcgSvg, type PlotOptions, type Highlight } from "./ecg/svg.js";
// Classical analysis
export * from "./analysis/qrs.js";
export * from "./analysis/rr.js";
export * from "./analysis/match.js";
// Dataset and answer formats
export { buildDataset, type BuildOptions } from "./data/build.js";
export {
  formatLocalizationAnswer,
  parseLocalizationAnswer,
  mergeIntervals,
  type Interval,
} from "./data/intervals.js";
// Metrics
export * from "./eval/metrics/index.js";
// The model
export {
  AnyEcg,
  Tokenizer,
  shippingConfig,
  tinyConfig,
  ecgTokenCount,
  type AnyEcgMessage,
  type ChatOptions,
  type AnyEcgConfig,
} from "./model/index.js";
export { defaultModelDir } from "./paths.js";
