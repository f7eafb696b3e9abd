import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { learnMerges } from "../../src/model/bpe-train.js";
import {
  BYTE_TO_CHAR,
  GPT2_PATTERN,
  hfPatternToRegExp,
  LLAMA3_PATTERN,
  SPECIAL_TOKENS,
  toByteLevel,
  Tokenizer,
  type HfTokenizerJson,
} from "../../src/model/tokenizer.js";
import { dataPath, describeData } from "../data.js";

/** Report-like text with numbers, punctuation, German, other scripts, emoji and odd whitespace. */
const SAMPLES = [
  "Report: Sinus rhythm, Left ventricular hypertrophy",
  "Duration: 0.4s-3.7s, 4.6s-9.3s",
  "No Premature ventricular contraction Found",
  "sinusrhythmus überdrehter linkstyp linksschenkelblock, QRS 128 ms; PQ 0,21 s. Herzfrequenz 72/min!",
  "Größere Q-Zacke in III, aVF — Äußerung: „V.a. Hinterwandinfarkt“ (alt?)",
  "Is there ST elevation in lead V2?\n\nyes",
  "  leading spaces, trailing tabs\t\t\r\nand CRLF  ",
  "心电图 正常 ❤️ 🫀 ECG — ok",
  "He's done; they'RE here, we'll see, I'd say it's 1234567 ms",
  "",
];

const corpus = [
  "Report: Sinus rhythm, Left ventricular hypertrophy. Duration: 0.4s-3.7s, 4.6s-9.3s.",
  "No Premature ventricular contraction Found. Sinus rhythm with premature ventricular contraction.",
  "sinusrhythmus überdrehter linkstyp linksschenkelblock, überdrehter Lagetyp, unauffällig",
  "Is there ST elevation in lead V2? yes. Is the rhythm regular? no. not sure",
];

describe("byte-level alphabet and pre-tokenizer", () => {
  it("maps the 256 bytes to 256 distinct printable characters like GPT-2", () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[32]).toBe("Ġ");
    expect(BYTE_TO_CHAR[10]).toBe("Ċ");
    expect(BYTE_TO_CHAR[65]).toBe("A");
    expect(toByteLevel(" ü")).toBe("ĠÃ¼");
  });

  it("translates Llama 3's pattern and splits like the Rust implementation", () => {
    const re = hfPatternToRegExp(LLAMA3_PATTERN);
    const pieces = [..."HE'S 3.7s-4.6s, QRS 1234ms  \n\n  ok   x".matchAll(re)].map((m) => m[0]);
    expect(pieces).toEqual([
      "HE",
      "'S",
      " ",
      "3",
      ".",
      "7",
      "s",
      "-",
      "4",
      ".",
      "6",
      "s",
      ",",
      " QRS",
      " ",
      "123",
      "4",
      "ms",
      "  \n\n",
      " ",
      " ok",
      "  ",
      " x",
    ]);
    expect([..."unauffällig überdreht".matchAll(re)].map((m) => m[0])).toEqual(["unauffällig", " überdreht"]);
  });

  it("handles (?i:) classes, possessive quantifiers and identity escapes", () => {
    const re = hfPatternToRegExp(String.raw`'(?i:[sd]|ll)|\#+|[^\r\n\p{L}]?+\p{L}+|\x{41}`);
    expect([..."'S'd'LL## wow".matchAll(re)].map((m) => m[0])).toEqual(["'S", "'d", "'LL", "##", " wow"]);
    expect(hfPatternToRegExp(GPT2_PATTERN).flags).toBe("gu");
    expect(hfPatternToRegExp(String.raw`\x{41}`).test("A")).toBe(true);
  });
});

describe("training", () => {
  it("learns the expected first merges on a tiny corpus, most frequent first", () => {
    const tok = Tokenizer.train(["low lower lowest", "low low"], 300, { minFrequency: 2 });
    // Pairs: l-o 5, o-w 5 (tie: smaller ids first), then Ġ-low 3, then Ġlow-e 2; the rest occur once.
    expect(tok.toJSON().model.merges).toEqual(["l o", "lo w", "Ġ low", "Ġlow e"]);
    expect(tok.vocabSize).toBe(256 + 4 + SPECIAL_TOKENS.length);
    expect(tok.specialId("<|begin_of_text|>")).toBe(260);
    expect(tok.specialId("<|pad|>")).toBe(260 + SPECIAL_TOKENS.length - 1);
    expect(tok.encode("low lowest")).toEqual([tok.tokenId("low"), tok.tokenId("Ġlowe"), 115, 116]);
  });

  it("stops at the requested vocabulary size", () => {
    const tok = Tokenizer.train(corpus, 256 + 9 + 20);
    expect(tok.vocabSize).toBe(256 + 9 + 20);
    expect(tok.toJSON().model.merges).toHaveLength(20);
  });

  it("matches a naive recount-everything trainer on the same words", () => {
    const words = ["aaabdaaabac", "abab", "bcbc", "aaaa", "cabcab", "ddd"].map((w, i) => ({
      symbols: [...w].map((c) => c.charCodeAt(0)),
      count: i + 1,
    }));
    const fast = learnMerges(words, 256, 12, { minFrequency: 1 });
    expect(fast).toEqual(naiveMerges(words, 256, 12));
  });

  it("trains on very long pre-tokens (cut into pieces) without stalling and round-trips them", () => {
    const long = "=".repeat(100_000) + " " + "🫀".repeat(3000);
    const tok = Tokenizer.train([long, "a == b"], 256 + 9 + 30);
    expect(tok.decode(tok.encode(long))).toBe(long);
    expect(tok.encode("=".repeat(64))).toHaveLength(1); // merges of "=" runs were learned
  });

  it("rejects a vocabulary too small for the bytes and special tokens", () => {
    expect(() => Tokenizer.train(corpus, 260)).toThrow(RangeError);
  });
});

/** Reference: recount all pairs after every merge; ties to the smaller (left, right). */
function naiveMerges(
  words: { symbols: number[]; count: number }[],
  first: number,
  n: number,
): [number, number][] {
  let ws = words.map((w) => ({ s: [...w.symbols], c: w.count }));
  const merges: [number, number][] = [];
  for (let k = 0; k < n; k++) {
    const counts = new Map<string, number>();
    for (const w of ws)
      for (let i = 0; i + 1 < w.s.length; i++)
        counts.set(`${w.s[i]},${w.s[i + 1]}`, (counts.get(`${w.s[i]},${w.s[i + 1]}`) ?? 0) + w.c);
    let best: [number, number] | null = null;
    let bestC = 0;
    for (const [key, c] of counts) {
      const [a, b] = key.split(",").map(Number) as [number, number];
      if (c > bestC || (c === bestC && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestC = c;
      }
    }
    if (!best) break;
    merges.push(best);
    const z = first + k;
    ws = ws.map((w) => {
      const out: number[] = [];
      for (let i = 0; i < w.s.length;) {
        if (i + 1 < w.s.length && w.s[i] === best![0] && w.s[i + 1] === best![1]) {
          out.push(z);
          i += 2;
        } else out.push(w.s[i++]!);
      }
      return { s: out, c: w.c };
    });
  }
  return merges;
}

describe("encoding and decoding", () => {
  const tok = Tokenizer.train(corpus, 256 + 9 + 120);

  it("round-trips text exactly, including German, emoji and whitespace", () => {
    for (const s of SAMPLES) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it("compresses repeated report words into single tokens", () => {
    const ids = tok.encode("Sinus rhythm");
    expect(ids.length).toBeLessThan("Sinus rhythm".length / 2);
    expect(tok.encode(" ventricular")).toEqual([tok.tokenId("Ġventricular")]);
  });

  it("recognizes special tokens only when allowed", () => {
    const text = "<|start_header_id|>user<|end_header_id|>\n\nHi<|ecg|><|eot_id|>";
    const ids = tok.encode(text, { allowSpecial: true });
    expect(ids[0]).toBe(tok.specialId("<|start_header_id|>"));
    expect(ids).toContain(tok.specialId("<|ecg|>"));
    expect(ids[ids.length - 1]).toBe(tok.specialId("<|eot_id|>"));
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode(ids, { skipSpecial: true })).toBe("user\n\nHi");
    const plain = tok.encode(text);
    for (const s of SPECIAL_TOKENS) expect(plain).not.toContain(tok.specialId(s));
    expect(tok.decode(plain)).toBe(text);
  });

  it("streams only complete characters when a character spans tokens", () => {
    const text = "ö ü 🫀 心电图 ok";
    const ids = tok.encode(text);
    const bytes = ids.map((id) => tok.tokenBytes(id).length);
    expect(bytes.some((n, i) => n === 1 && tok.tokenBytes(ids[i]!)[0]! >= 0x80)).toBe(true); // split characters exist
    const dec = tok.streamDecoder();
    const pieces = ids.map((id) => dec.push(id));
    expect(pieces.join("") + dec.flush()).toBe(text);
    for (const p of pieces) expect(p).not.toContain("\uFFFD");
    // The four bytes of the emoji arrive one per token: nothing is emitted until the last.
    const emoji = tok.encode("🫀");
    const d2 = tok.streamDecoder();
    expect(emoji.map((id) => d2.push(id))).toEqual(["", "", "", "🫀"]);
    // A stream cut inside a character ends in a replacement character, never a crash.
    const d3 = tok.streamDecoder();
    d3.push(emoji[0]!);
    expect(d3.flush()).toBe("\uFFFD");
  });

  it("merges long pre-tokens with a heap to the same tokens as the scan", () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const letters = "abcdefghilmnoprstuvyzäöü ";
    const texts = [...SAMPLES, ...corpus];
    for (let k = 0; k < 20; k++) {
      let t = "";
      for (let i = 0; i < 50 + k * 40; i++) t += letters[Math.floor(rnd() * letters.length)];
      texts.push(t, t.replace(/ /g, ""), "=".repeat(20 + k * 31));
    }
    const json = tok.toJSON();
    const saved = Tokenizer.heapThreshold;
    try {
      Tokenizer.heapThreshold = Infinity;
      const scan = Tokenizer.fromJSON(json);
      Tokenizer.heapThreshold = 0;
      const heap = Tokenizer.fromJSON(json);
      for (const t of texts) expect(heap.encode(t)).toEqual(scan.encode(t));
    } finally {
      Tokenizer.heapThreshold = saved;
    }
  });

  it("rejects unknown ids on decode", () => {
    expect(() => tok.decode([tok.vocabSize + 5])).toThrow(RangeError);
  });
});

describe("tokenizer.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "anyecg-tok-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tok = Tokenizer.train(corpus, 256 + 9 + 80);

  it("saves and loads to identical encodings and identical JSON", () => {
    const path = join(dir, "tokenizer.json");
    tok.save(path);
    const back = Tokenizer.load(path);
    for (const s of SAMPLES) expect(back.encode(s)).toEqual(tok.encode(s));
    expect(back.toJSON()).toEqual(tok.toJSON());
    const json = JSON.parse(readFileSync(path, "utf8")) as HfTokenizerJson;
    expect(json.model.type).toBe("BPE");
    expect(json.added_tokens!.map((t) => [t.content, t.special])).toEqual(
      SPECIAL_TOKENS.map((s) => [s, true]),
    );
    expect(json.decoder).toMatchObject({ type: "ByteLevel" });
    expect(json.pre_tokenizer).toMatchObject({ type: "Sequence" });
  });

  it("loads merges written as [left, right] pairs", () => {
    const json = tok.toJSON();
    const pairs = {
      ...json,
      model: {
        ...json.model,
        merges: json.model.merges.map((m) => (m as string).split(" ") as [string, string]),
      },
    };
    const back = Tokenizer.fromJSON(pairs);
    for (const s of SAMPLES) expect(back.encode(s)).toEqual(tok.encode(s));
  });

  /** A minimal hand-written GPT-2-style file: 256 byte symbols, three merges, one added token. */
  function minimal(
    extra: Partial<HfTokenizerJson["model"]> = {},
    top: Partial<HfTokenizerJson> = {},
  ): HfTokenizerJson {
    const vocab: Record<string, number> = {};
    BYTE_TO_CHAR.forEach((c, i) => (vocab[c] = i));
    Object.assign(vocab, { Ġt: 256, he: 257, Ġthe: 258, Ġhe: 259 });
    return {
      version: "1.0",
      added_tokens: [{ id: 260, content: "<|endoftext|>", special: true }],
      normalizer: null,
      pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: "BPE", vocab, merges: ["Ġ t", "h e", "Ġt he"], ...extra },
      ...top,
    };
  }

  it("loads a hand-written GPT-2-style tokenizer.json and encodes with its merges", () => {
    const t = Tokenizer.fromJSON(JSON.stringify(minimal()));
    expect(t.encode(" the he")).toEqual([258, 32, 257]); // " he": Ġ + he (no merge "Ġ he")
    expect(t.encode("x<|endoftext|>", { allowSpecial: true })).toEqual([BYTE_TO_CHAR.indexOf("x"), 260]);
    expect(t.vocabSize).toBe(261);
    expect(t.decode([258, 260])).toBe(" the<|endoftext|>");
  });

  it("honours ignore_merges (Llama 3): a pre-token in the vocabulary is one token", () => {
    // " he" is in the vocab but no merge produces it: only ignore_merges yields it.
    expect(Tokenizer.fromJSON(minimal()).encode(" he")).toEqual([BYTE_TO_CHAR.indexOf("Ġ"), 257]);
    expect(Tokenizer.fromJSON(minimal({ ignore_merges: true })).encode(" he")).toEqual([259]);
  });

  it("loads a Llama-3-style pipeline: Split regex + ByteLevel without regex, NFC normalizer", () => {
    const t = Tokenizer.fromJSON(
      minimal(
        { ignore_merges: true },
        {
          normalizer: { type: "NFC" },
          pre_tokenizer: {
            type: "Sequence",
            pretokenizers: [
              { type: "Split", pattern: { Regex: LLAMA3_PATTERN }, behavior: "Isolated", invert: false },
              { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
            ],
          },
        },
      ),
    );
    expect(t.preTokenize("the 1234")).toEqual(["the", " ", "123", "4"]);
    expect(t.encode(" the")).toEqual([258]);
    expect(t.decode(t.encode("u\u0308"))).toBe("ü"); // NFC composes before encoding
  });

  it("adds anyECG's special tokens to a tokenizer that lacks them, keeping existing ids", () => {
    const base = Tokenizer.fromJSON(minimal());
    const t = base.withSpecialTokens(["<|endoftext|>", ...SPECIAL_TOKENS]);
    expect(t.specialId("<|endoftext|>")).toBe(260);
    expect(SPECIAL_TOKENS.map((s) => t.specialId(s))).toEqual(SPECIAL_TOKENS.map((_, i) => 261 + i));
    expect(t.vocabSize).toBe(261 + SPECIAL_TOKENS.length);
    expect(t.encode(" the he")).toEqual(base.encode(" the he"));
    expect(t.withSpecialTokens().vocabSize).toBe(t.vocabSize);
  });

  it("reports bad files as InputError naming the file and the problem", () => {
    const bad = (json: unknown, msg: RegExp): void => {
      let err: unknown;
      try {
        Tokenizer.fromJSON(typeof json === "string" ? json : JSON.stringify(json), "tok.json");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/^tok\.json: /);
      expect((err as Error).message).toMatch(msg);
    };
    bad("{", /not valid JSON/);
    bad([], /not a JSON object/);
    bad({}, /no model section/);
    bad(minimal({ type: "WordPiece" }), /model type "WordPiece" is not BPE/);
    bad(minimal({ merges: ["Ġ q"] }), /merges\[0\] "Ġ q" uses a token missing/);
    bad(minimal({ merges: ["a b c"] }), /merges\[0\] "a b c" is not "left right"/);
    bad(minimal({ byte_fallback: true }), /byte_fallback/);
    const noByte = minimal();
    delete noByte.model.vocab["Ġ"];
    bad(noByte, /lacks the byte-level symbol for byte 32/);
    bad(minimal({}, { decoder: { type: "Metaspace" } }), /decoder "Metaspace" is not supported/);
    bad(minimal({}, { pre_tokenizer: { type: "Whitespace" } }), /pre_tokenizer type "Whitespace"/);
    bad(minimal({}, { added_tokens: [{ id: 5, content: "<|x|>", special: true }] }), /id 5 is used by both/);
    bad(minimal({ vocab: { a: -1 } }), /invalid id -1/);
  });

  it("reports a missing file as bad input naming it", () => {
    expect(() => Tokenizer.load(join(dir, "none.json"))).toThrow(InputError);
  });

  it("writes nothing partial: save goes through a temporary file", () => {
    const path = join(dir, "keep.json");
    writeFileSync(path, "old");
    tok.save(path);
    expect(Tokenizer.load(path).encode("Sinus")).toEqual(tok.encode("Sinus"));
  });
});

describeData("tokenizer on real PTB-XL report text", () => {
  // The `report` column (11th); fields with commas are quoted. Multi-line fields do not occur.
  // Read lazily: describe bodies run even when the suite is skipped (no shared data).
  const readReports = (): string[] =>
    readFileSync(dataPath("ptbxl", "ptbxl_database.csv"), "utf8")
      .split("\n")
      .slice(1)
      .map(
        (line) =>
          [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) =>
            m[1]!.replace(/^"|"$/g, "").replace(/""/g, '"'),
          )[10] ?? "",
      )
      .filter((r) => r.length > 0);

  it("trains on the reports and round-trips every one of them, umlauts included", () => {
    const reports = readReports();
    expect(reports.length).toBeGreaterThan(400);
    expect(reports.some((r) => /[äöüßÄÖÜ]/.test(r))).toBe(true); // PTB-XL writes umlauts as capitals
    const tok = Tokenizer.train(reports, 1024);
    let tokens = 0;
    let bytes = 0;
    for (const r of reports) {
      const ids = tok.encode(r);
      expect(tok.decode(ids)).toBe(r);
      tokens += ids.length;
      bytes += new TextEncoder().encode(r).length;
    }
    // A vocabulary learned on this text must compress it well (byte-level would be 1.0).
    expect(tokens / bytes).toBeLessThan(0.25);
    expect(tok.encode(" sinusrhythmus")).toHaveLength(1);
  });
});
