import { describe, expect, it } from "vitest";
import {
  encodeChat,
  promptForGeneration,
  stopTokenIds,
  type ChatMessage,
} from "../../src/model/chat-template.js";
import { Tokenizer } from "../../src/model/tokenizer.js";

const tok = Tokenizer.train(
  [
    "You are an ECG assistant. Compare the two ECGs. The second ECG shows atrial fibrillation.",
    "Where is the premature ventricular contraction in the first ECG? Duration: 0.4s-3.7s",
    "And this one: Is it normal? yes no",
  ],
  256 + 9 + 60,
);

const id = (s: string): number => tok.specialId(s);

/** Two turns; two ECGs attached to the first user turn, a third placed inline in the second. */
const conversation: ChatMessage[] = [
  { role: "system", content: "You are an ECG assistant." },
  { role: "user", content: "Compare the two ECGs. ", ecgTokens: [3, 2] },
  { role: "assistant", content: "The second ECG shows atrial fibrillation." },
  {
    role: "user",
    content: [
      { type: "text", text: "And this one: " },
      { type: "ecg", tokens: 4 },
      { type: "text", text: " Is it normal? <|ecg|>" },
    ],
  },
  { role: "assistant", content: "Duration: 0.4s-3.7s" },
];

const E = "<|ecg|>";
const expectedText =
  "<|begin_of_text|>" +
  "<|start_header_id|>system<|end_header_id|>\n\nYou are an ECG assistant.<|eot_id|>" +
  "<|start_header_id|>user<|end_header_id|>\n\n" +
  `ECG 1: <|ecg_start|>${E.repeat(3)}<|ecg_end|>\n` +
  `ECG 2: <|ecg_start|>${E.repeat(2)}<|ecg_end|>\n` +
  "Compare the two ECGs.<|eot_id|>" +
  "<|start_header_id|>assistant<|end_header_id|>\n\nThe second ECG shows atrial fibrillation.<|eot_id|>" +
  "<|start_header_id|>user<|end_header_id|>\n\n" +
  `And this one: ECG 3: <|ecg_start|>${E.repeat(4)}<|ecg_end|> Is it normal? <|ecg|><|eot_id|>` +
  "<|start_header_id|>assistant<|end_header_id|>\n\nDuration: 0.4s-3.7s<|eot_id|>";

describe("chat template", () => {
  const enc = encodeChat(tok, conversation);

  it("renders Llama 3 headers and numbered ECG blocks", () => {
    expect(tok.decode(enc.ids)).toBe(expectedText);
    expect(enc.ids[0]).toBe(id("<|begin_of_text|>"));
    expect(enc.ids.length).toBe(enc.lossMask.length);
  });

  it("gives each ECG a distinct, ordered span of placeholders between its start and end tokens", () => {
    expect(enc.ecgSpans.map((s) => [s.ecgIndex, s.length])).toEqual([
      [0, 3],
      [1, 2],
      [2, 4],
    ]);
    for (const s of enc.ecgSpans) {
      expect(enc.ids[s.start - 1]).toBe(id("<|ecg_start|>"));
      expect([...enc.ids.subarray(s.start, s.start + s.length)]).toEqual(
        new Array(s.length).fill(id("<|ecg|>")),
      );
      expect(enc.ids[s.start + s.length]).toBe(id("<|ecg_end|>"));
    }
    expect(enc.ecgSpans[0]!.start).toBeLessThan(enc.ecgSpans[1]!.start);
    expect(enc.ecgSpans[1]!.start).toBeLessThan(enc.ecgSpans[2]!.start);
    // "<|ecg|>" typed by the user is text, not a placeholder: only the spans hold placeholder ids.
    const placeholders = [...enc.ids].filter((x) => x === id("<|ecg|>")).length;
    expect(placeholders).toBe(3 + 2 + 4);
  });

  it("puts the loss only on assistant content and its closing <|eot_id|>", () => {
    const trained = [...enc.ids].filter((_, i) => enc.lossMask[i] === 1);
    expect(tok.decode(trained)).toBe(
      "The second ECG shows atrial fibrillation.<|eot_id|>Duration: 0.4s-3.7s<|eot_id|>",
    );
    expect(trained.filter((x) => x === id("<|eot_id|>"))).toHaveLength(2);
    // The first masked token of each answer comes right after "<|end_header_id|>\n\n".
    const firsts = [...enc.lossMask].flatMap((m, i) => (m === 1 && enc.lossMask[i - 1] === 0 ? [i] : []));
    expect(firsts).toHaveLength(2);
    for (const i of firsts)
      expect(tok.decode(enc.ids.subarray(0, i)).endsWith("assistant<|end_header_id|>\n\n")).toBe(true);
    for (const s of enc.ecgSpans)
      expect([...enc.lossMask.subarray(s.start - 1, s.start + s.length + 1)].every((m) => m === 0)).toBe(
        true,
      );
  });

  it("builds a generation prompt that is a prefix of the trained conversation and ends with the assistant header", () => {
    const p = promptForGeneration(tok, conversation.slice(0, 4));
    expect(tok.decode(p.ids).endsWith("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")).toBe(
      true,
    );
    expect([...enc.ids.subarray(0, p.ids.length)]).toEqual([...p.ids]);
    expect(p.lossMask.every((m) => m === 0)).toBe(true);
    expect(p.ecgSpans).toEqual(enc.ecgSpans);
    expect(stopTokenIds(tok)).toEqual([id("<|eot_id|>"), id("<|end_of_text|>")]);
  });

  it("can leave out <|begin_of_text|>", () => {
    const noBos = encodeChat(tok, conversation, { bos: false });
    expect([...noBos.ids]).toEqual([...enc.ids.subarray(1)]);
    expect(noBos.ecgSpans[0]!.start).toBe(enc.ecgSpans[0]!.start - 1);
  });

  it("writes each ECG's note after its block, on its line; notes must match the ECGs", () => {
    const notes = ["Beats: all normal", "Beats: Premature ventricular contraction 0.4s-3.7s"];
    const m: ChatMessage = {
      role: "user",
      content: "Compare the two ECGs.",
      ecgTokens: [3, 2],
      ecgNotes: notes,
    };
    const text = tok.decode(encodeChat(tok, [m]).ids);
    expect(text).toContain(`ECG 1: <|ecg_start|>${E.repeat(3)}<|ecg_end|> Beats: all normal\n`);
    expect(text).toContain(
      `ECG 2: <|ecg_start|>${E.repeat(2)}<|ecg_end|> ${notes[1]}\nCompare the two ECGs.`,
    );
    expect(() => encodeChat(tok, [{ ...m, ecgNotes: notes.slice(1) }])).toThrow(/1 ECG notes for 2 ECGs/);
  });

  it("rejects ECGs outside user turns, bad token counts and prompts that already end with an answer", () => {
    expect(() => encodeChat(tok, [{ role: "assistant", content: "x", ecgTokens: [2] }])).toThrow(
      /only user messages/,
    );
    expect(() => encodeChat(tok, [{ role: "user", content: "x", ecgTokens: [0] }])).toThrow(
      /positive integer token count/,
    );
    expect(() => encodeChat(tok, [{ role: "user", content: [{ type: "ecg", tokens: 1.5 }] }])).toThrow(
      /positive integer/,
    );
    expect(() => promptForGeneration(tok, conversation)).toThrow(/already ends with an assistant/);
  });
});
