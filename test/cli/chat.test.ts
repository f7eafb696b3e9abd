// `anyecg chat` end to end with the shipped model: piped lines are all answered in order (lines
// that arrive while an answer is generated wait their turn), /plot draws the last answer.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { samplesDir } from "../data.js";

const cli = ["--import", "tsx", join(import.meta.dirname, "../../src/cli/main.ts")];
const shipped = join(import.meta.dirname, "..", "..", "models", "anyecg-small");
const ecgFile = join(samplesDir, "mitdb-119-excerpt.hea");

(existsSync(join(shipped, "config.json")) ? describe : describe.skip)("anyecg chat", () => {
  it("answers every piped question in turn and plots the last answer", () => {
    const plot = join(mkdtempSync(join(tmpdir(), "anyecg-chat-")), "last.svg");
    const input = ["Where are the PVCs?", "Write the report. Be concise.", "/help", `/plot ${plot}`, "/quit"];
    const r = spawnSync(process.execPath, [...cli, "chat", ecgFile, "--model", shipped], {
      input: input.join("\n") + "\n",
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const answers = r.stdout.split("\n").filter((l) => l.startsWith("> ") && l.length > 2);
    expect(answers[0]).toMatch(/^> Duration: \d/);
    expect(answers[1]).toMatch(/^> Report: /);
    expect(r.stdout).toContain("commands: /add");
    expect(r.stdout).toContain(`wrote ${plot}`);
    expect(readFileSync(plot, "utf8")).toMatch(/^<svg/);
  });
});
