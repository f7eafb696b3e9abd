/** The anyECG model's public API. */
export {
  AnyEcg,
  type AnyEcgMessage,
  type ChatOptions,
  type EcgInput,
  type FromLlamaOptions,
  type GenerateResult,
  type LoadModelOptions,
  type SaveOptions,
  type TrainExample,
  type Rendered,
} from "./anyecg.js";
export {
  shippingConfig,
  tinyConfig,
  parseConfig,
  validateConfig,
  type AnyEcgConfig,
  type EncoderConfig,
  type LlamaConfig,
  type LoraConfig,
  type LoraTarget,
} from "./config.js";
export { ecgTokenCount, ecgTokenCountForSamples, tokenTimeSpan } from "./ecg-tokens.js";
export { prepareEcg, type PreparedEcg } from "./preprocess.js";
export { EcgEncoder, timeEmbedding } from "./encoder.js";
export { Projector } from "./projector.js";
export { Llama, KVCache } from "./llama.js";
export { hfConfigFromLlama, llamaConfigFromHf } from "./checkpoint.js";
export { sampleToken, argmax, type SamplingOptions } from "./sampling.js";
export { Tokenizer, SPECIAL_TOKENS } from "./tokenizer.js";
export { encodeChat, promptForGeneration, type ChatMessage } from "./chat-template.js";
