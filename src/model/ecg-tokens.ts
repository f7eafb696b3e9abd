/**
 * How many language-model tokens an ECG becomes, and which encoder patches feed each token.
 * Pure arithmetic (no tensors), so the chat template can size an ECG block before encoding.
 *
 * The scheme (see encoder.ts for the why):
 * - the recording, resampled to the encoder's rate, has S samples; it is cut into consecutive
 *   windows of W samples (the last zero-padded) and each window into patches of P samples;
 * - every patch that holds at least one real sample gives one time token (the leads of that
 *   patch are fused into it): N = ceil(S / P) tokens in time order; padding patches give none;
 * - one more token first: the mean of the windows' CLS tokens;
 * - when 1 + N exceeds the token budget B, consecutive time tokens are averaged in groups of
 *   g = ceil(N / (B - 1)), giving ceil(N / g) tokens (the last group may be shorter).
 * Examples with 0.5-s patches and B = 512: 10 s -> 21 tokens, 47 s -> 95, 30 min -> 1 + 450.
 */
import type { AnyEcgConfig, EncoderConfig } from "./config.js";

/** Samples at the encoder's rate for a duration (the resampler's round(n * fsOut / fsIn)). */
export function encoderSamples(durationSeconds: number, enc: EncoderConfig): number {
  if (!Number.isFinite(durationSeconds) || durationSeconds < 0)
    throw new RangeError(`ecgTokenCount: bad duration ${durationSeconds}`);
  return Math.round(durationSeconds * enc.sampleRate);
}

/** Time tokens before pooling: patches holding real samples. */
export function patchTokenCount(samples: number, enc: EncoderConfig): number {
  return Math.ceil(samples / enc.patchSamples);
}

/** Patch tokens averaged into one LM token (1 when the recording fits the budget). */
export function poolGroup(patchTokens: number, tokenBudget: number): number {
  return Math.max(1, Math.ceil(patchTokens / (tokenBudget - 1)));
}

/** LM tokens for `samples` samples at the encoder's rate (CLS included). */
export function ecgTokenCountForSamples(samples: number, c: AnyEcgConfig): number {
  if (samples < 1) throw new RangeError("ecgTokenCount: an ECG needs at least one sample");
  const n = patchTokenCount(samples, c.encoder);
  return 1 + Math.ceil(n / poolGroup(n, c.tokenBudget));
}

/** LM tokens an ECG of this duration becomes (CLS included). */
export function ecgTokenCount(durationSeconds: number, c: AnyEcgConfig): number {
  return ecgTokenCountForSamples(encoderSamples(durationSeconds, c.encoder), c);
}

/** Start time (s) and length (s) of LM time token `i` (for time embeddings and explanations). */
export function tokenTimeSpan(i: number, samples: number, c: AnyEcgConfig): { start: number; end: number } {
  const e = c.encoder;
  const n = patchTokenCount(samples, e);
  const g = poolGroup(n, c.tokenBudget);
  const start = (i * g * e.patchSamples) / e.sampleRate;
  const end = Math.min((i + 1) * g * e.patchSamples, samples) / e.sampleRate;
  return { start, end };
}
