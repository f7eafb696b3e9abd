/**
 * The web page in a real browser (Debian's Chromium through playwright-core): upload a record
 * with the file picker and a 12-lead record by drag and drop, see both waveforms, ask
 * "Locate the premature ventricular contractions", see the answer stream in, its intervals
 * highlighted on the waveform, and a click on an interval scroll there. Screenshots go to
 * test-artifacts/. Skipped, with the reason printed, when /usr/bin/chromium is absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { beatIntervals } from "../../src/data/intervals.js";
import { readEcg } from "../../src/ecg/read.js";
import { sampleCount } from "../../src/ecg/record.js";
import { samplesDir } from "../data.js";
import { annotationBackend } from "../server/annotation-backend.js";
import { type TestServer, startServer } from "../server/helpers.js";

/* The few browser globals used by the callbacks that run in the page (this file is compiled
   with Node's types, not the DOM library). */
interface PageCanvas {
  width: number;
  height: number;
  clientWidth: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface PageElement {
  textContent: string | null;
  dispatchEvent(event: unknown): boolean;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageCanvas>;
  querySelector(selector: string): PageElement | null;
};
declare class DataTransfer {
  items: { add(file: unknown): void };
}
declare class DragEvent {
  constructor(type: string, init: object);
}

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const repoRoot = resolve(samplesDir, "..");
const artifacts = join(repoRoot, "test-artifacts");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `[anyecg tests] ${CHROMIUM} not found (apt-get install -y chromium): skipping the browser test`,
  );

/** Counts pixels of a canvas region matching a colour test, inside the page. */
async function countPixels(
  page: Page,
  ecgIndex: number,
  x0: number,
  x1: number,
  kind: "trace" | "highlight",
): Promise<number> {
  return page.evaluate(
    ({ ecgIndex, x0, x1, kind }) => {
      const canvas = document.querySelectorAll(".viewer canvas")[ecgIndex]!;
      const dpr = canvas.width / canvas.clientWidth;
      const ctx = canvas.getContext("2d")!;
      const from = Math.max(0, Math.round(x0 * dpr));
      const w = Math.max(1, Math.min(canvas.width, Math.round(x1 * dpr)) - from);
      const { data } = ctx.getImageData(from, 0, w, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (kind === "trace" ? r < 90 && g < 90 && b < 90 : r > 235 && g > 190 && g < 235 && b < 195) n++;
      }
      return n;
    },
    { ecgIndex, x0, x1, kind },
  );
}

(hasChromium ? describe : describe.skip)("web page in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), "anyecg-web-"));
    await build({
      configFile: join(repoRoot, "web", "vite.config.ts"),
      build: { outDir: webDir, emptyOutDir: true },
      logLevel: "silent",
    });
    server = await startServer({ backend: { backend: annotationBackend({ tokenDelayMs: 30 }) }, webDir });
    await mkdir(artifacts, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it("uploads, shows the waveform, and highlights the answer's intervals", async () => {
    await page.goto(server.url);
    await expect.poll(() => page.textContent("#model-status")).toMatch(/model: annotation-reference/);

    // A WFDB record picked as three files.
    await page.setInputFiles(
      "#file-input",
      ["hea", "dat", "atr"].map((e) => join(samplesDir, `mitdb-119-excerpt.${e}`)),
    );
    await page.waitForSelector(".viewer[data-loaded=true]");
    // A 12-lead record dropped on the drop zone.
    const files = ["hea", "dat"].map((e) => ({
      name: `ptbxl-00001_lr.${e}`,
      bytes: [...readFileSync(join(samplesDir, `ptbxl-00001_lr.${e}`))],
    }));
    await page.evaluate((files) => {
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
      document
        .querySelector("#drop-zone")!
        .dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    await expect.poll(() => page.locator(".viewer[data-loaded=true]").count()).toBe(2);
    expect(await page.textContent("#upload-status")).toBe("");
    await page.screenshot({ path: join(artifacts, "web-uploaded.png"), fullPage: true });

    const titles = await page.locator(".viewer h3").allTextContents();
    expect(titles).toEqual(["ECG 1: mitdb-119-excerpt", "ECG 2: ptbxl-00001_lr"]);
    // The waveform is drawn: dark trace pixels on both canvases; 12-lead layout has 4 rows.
    expect(await countPixels(page, 0, 0, 1500, "trace")).toBeGreaterThan(1000);
    expect(await countPixels(page, 1, 0, 1500, "trace")).toBeGreaterThan(1000);
    const heights = await page.locator(".viewer canvas").evaluateAll((cs) => cs.map((c) => c.clientHeight));
    expect(heights[1]! / heights[0]!).toBeCloseTo(2, 0); // 4 rows (3 + rhythm strip) vs 2 leads

    await page.fill("#question", "Locate the premature ventricular contractions in ECG 1");
    await page.click("#send");
    // The answer streams in (the reply grows before it is complete) ...
    await page.waitForFunction(
      () => (document.querySelector(".msg.assistant p")?.textContent ?? "").length > 0,
    );
    const partial = await page.textContent(".msg.assistant p");
    await page.waitForSelector(".msg.assistant .interval");
    const answer = (await page.textContent(".msg.assistant p"))!;
    expect(answer.startsWith(partial!)).toBe(true);
    expect(answer).toMatch(/^ECG 1: Duration: 1\.0s-2\.8s/);

    const ecg = await readEcg(join(samplesDir, "mitdb-119-excerpt.hea"));
    const n = sampleCount(ecg);
    const ref = beatIntervals(ecg.annotations, new Set(["V"]), { start: 0, end: n }, ecg.fs, n);
    const buttons = await page.locator(".interval").allTextContents();
    expect(buttons).toHaveLength(ref.length);
    expect(buttons[0]).toBe(`ECG 1 · ${ref[0]!.start} s – ${ref[0]!.end} s`);

    // Highlighted on ECG 1's paper over the first interval, not before it; nothing on ECG 2.
    const pxPerSecond = (25 * 96) / 25.4;
    const inside = await countPixels(
      page,
      0,
      ref[0]!.start * pxPerSecond + 3,
      ref[0]!.end * pxPerSecond - 3,
      "highlight",
    );
    const before = await countPixels(
      page,
      0,
      0.1 * pxPerSecond,
      ref[0]!.start * pxPerSecond - 3,
      "highlight",
    );
    expect(inside).toBeGreaterThan(2000);
    expect(before).toBe(0);
    expect(await countPixels(page, 1, 0, 1500, "highlight")).toBeLessThan(inside / 100);
    await page.screenshot({ path: join(artifacts, "web-answer.png"), fullPage: true });

    // Clicking the last interval scrolls ECG 1 so the interval is in view.
    const viewWidth = await page
      .locator(".viewer canvas")
      .first()
      .evaluate((c) => c.clientWidth);
    await page.locator(".interval").last().click();
    const last = ref[ref.length - 1]!;
    const start = Number(await page.locator(".viewer").first().getAttribute("data-view-start"));
    expect(start).toBeLessThanOrEqual(last.start);
    expect(start + viewWidth / pxPerSecond).toBeGreaterThanOrEqual(last.end - 0.01);

    // Keyboard scrolling on the focused waveform.
    await page.locator(".viewer canvas").nth(1).focus();
    await page.keyboard.press("End");
    const ptbStart = Number(await page.locator(".viewer").nth(1).getAttribute("data-view-start"));
    await page.keyboard.press("Home");
    expect(Number(await page.locator(".viewer").nth(1).getAttribute("data-view-start"))).toBe(0);
    expect(ptbStart).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, "web-jump.png"), fullPage: true });
  });
});
