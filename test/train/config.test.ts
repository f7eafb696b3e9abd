// Stage configs: the committed files parse, runs/ rebasing, and errors that name file and field.
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { loadStageConfig, parseStageConfig } from "../../src/train/config.js";
import { readCurriculum } from "../../src/train/curriculum.js";

describe("stage configs", () => {
  it("every committed config parses, and each curriculum lists existing stages", () => {
    for (const dir of ["configs/tiny", "configs/anyecg-small"]) {
      const cur = readCurriculum(dir);
      const files = readdirSync(dir).filter((f) => f.startsWith("stage"));
      expect([...cur.stages].sort()).toEqual(files.sort());
      const kinds = cur.stages.map((f) => loadStageConfig(`${dir}/${f}`).kind);
      // the shipped recipe leaves the contrastive stage out (it collapsed the encoder: see
      // configs/anyecg-small/README.md); the tiny one keeps it so that the kind stays tested
      const pre =
        dir === "configs/tiny"
          ? ["tokenizer", "text", "contrastive", "labels"]
          : ["tokenizer", "text", "beats", "labels"];
      expect(kinds.slice(0, pre.length + 3)).toEqual([...pre, "multimodal", "multimodal", "multimodal"]);
      expect(kinds.slice(pre.length).every((k) => k === "multimodal")).toBe(true);
      // Exactly one stage, the last, exports the shipped model.
      const exports = cur.stages.map((f) => loadStageConfig(`${dir}/${f}`).export !== undefined);
      expect(exports.lastIndexOf(true)).toBe(exports.length - 1);
      expect(exports.filter(Boolean)).toHaveLength(1);
    }
    const s1 = loadStageConfig("configs/anyecg-small/stage1.json");
    // After stage 0d the encoder stays frozen: the chat losses pulled every token towards the
    // same features (measured). Stage 1 trains the LM too: projector-only steering of our small
    // text-trained LM did not learn to read the ECG (measured), and it starts on standardized features.
    expect(s1.trainable).toEqual(["projector", "lm"]);
    expect(s1.standardizeProjector).toBeGreaterThan(0);
    expect(s1.timeWords).toBe(true); // answers copy their times from the ECG tokens (src/model/anyecg.ts)
    expect(loadStageConfig("configs/anyecg-small/stage2.json").trainable).toEqual(["projector", "lm"]);
  });

  it("rebases runs/ paths and applies command-line overrides", () => {
    const c = loadStageConfig("configs/tiny/stage3.json", { runs: "/tmp/r", data: "/d" });
    expect(c.out).toBe("/tmp/r/tiny-stage3");
    expect(c.init).toBe("/tmp/r/tiny-stage2/model");
    expect(c.dataset).toBe("/tmp/r/tiny-dataset");
    expect(c.export!.dir).toBe("/tmp/r/tiny-model");
    expect(c.data).toBe("/d");
    expect(loadStageConfig("configs/tiny/stage3.json", { out: "/o" }).out).toBe("/o");
  });

  it("names the file and the field of a bad config", () => {
    const ok = { name: "x", kind: "text", init: "m", trainable: ["lm"] };
    expect(parseStageConfig(ok, "a.json").steps).toBeGreaterThan(0);
    expect(() => parseStageConfig({ ...ok, kind: "magic" }, "a.json")).toThrow(/^a.json: kind must be/);
    expect(() => parseStageConfig({ ...ok, replay: 2 }, "a.json")).toThrow(/replay/);
    expect(() => parseStageConfig({ ...ok, trainable: ["lm", "head"] }, "a.json")).toThrow(/trainable/);
    expect(() => parseStageConfig({ ...ok, steps: 0 }, "a.json")).toThrow(/steps must be a positive integer/);
    expect(() => parseStageConfig({ ...ok, init: undefined }, "a.json")).toThrow(/init/);
    expect(() => parseStageConfig({ ...ok, cinc2017Share: 1 }, "a.json")).toThrow(
      /cinc2017Share must be in \[0, 1\)/,
    );
    expect(() => parseStageConfig({ ...ok, augment: "yes" }, "a.json")).toThrow(
      /augment must be true or false/,
    );
    expect(() => parseStageConfig({ ...ok, kind: "labels", noteDrills: 100 }, "a.json")).toThrow(
      /noteDrills is for text and multimodal stages/,
    );
    const mm = { ...ok, kind: "multimodal" };
    expect(parseStageConfig({ ...mm, repeat: { "ptb-xl": 4 } }, "a.json").repeat).toEqual({ "ptb-xl": 4 });
    expect(() => parseStageConfig({ ...ok, repeat: { "ptb-xl": 4 } }, "a.json")).toThrow(
      /repeat is for multimodal stages/,
    );
    expect(() => parseStageConfig({ ...mm, repeat: { "ptb-xl": 0.5 } }, "a.json")).toThrow(
      /repeat must map dataset names to integers/,
    );
    expect(() => parseStageConfig({ ...ok, noteDrills: 0.5 }, "a.json")).toThrow(
      /noteDrills must be a positive integer/,
    );
    expect(() => parseStageConfig({ ...ok, timeWords: true }, "a.json")).toThrow(
      /timeWords is for multimodal stages that start from init/,
    );
    expect(() => parseStageConfig({ ...ok, kind: "multimodal", timeWords: 1 }, "a.json")).toThrow(
      /timeWords must be true or false/,
    );
    expect(parseStageConfig({ ...ok, kind: "multimodal", timeWords: true }, "a.json").timeWords).toBe(true);
    expect(parseStageConfig({ ...ok, kind: "multimodal", findingWords: true }, "a.json").findingWords).toBe(true); // prettier-ignore
    expect(() => parseStageConfig({ ...ok, findingWords: true }, "a.json")).toThrow(
      /findingWords is for multimodal stages that start from init/,
    );
    expect(() => parseStageConfig({ ...ok, findingsSummary: true }, "a.json")).toThrow(
      /findingsSummary is for multimodal stages that start from init/,
    );
    expect(parseStageConfig({ ...ok, kind: "multimodal", findingsSummary: true }, "a.json").findingsSummary).toBe(true); // prettier-ignore
    expect(() => parseStageConfig({ ...ok, jitter: true }, "a.json")).toThrow(
      /jitter is for multimodal stages/,
    );
    expect(() => parseStageConfig({ ...ok, kind: "multimodal", jitter: "on" }, "a.json")).toThrow(
      /jitter must be true or false/,
    );
    expect(() => parseStageConfig({ ...ok, kind: "beats", recordClassifiers: "c.json" }, "a.json")).toThrow(
      /recordClassifiers \(a file\) is for stages that train a model/,
    );
    const rebased = parseStageConfig({ ...ok, kind: "multimodal", recordClassifiers: "runs/b/classical.json", recordSummary: true }, "a.json", { runs: "/r" }); // prettier-ignore
    expect([rebased.recordClassifiers, rebased.recordSummary]).toEqual(["/r/b/classical.json", true]);
    expect(() => loadStageConfig("configs/none.json")).toThrow(/configs\/none.json/);
  });
});
