/**
 * HL7 annotated ECG (aECG, HL7 v3 "AnnotatedECG", FDA format) reader.
 *
 * - Waveforms: the first `series` coded RHYTHM (else the first series); derived series
 *   (representative beats) are not returned. In its sequenceSet, the TIME_ABSOLUTE or
 *   TIME_RELATIVE sequence's `increment` gives fs and its `head` the start time; each
 *   MDC_ECG_LEAD_* sequence is a lead (name from the code: MDC_ECG_LEAD_AVR -> "aVR"), its
 *   samples `origin + scale * digit` in the scale's unit, converted to mV.
 * - Annotations (the simple, common ones): rhythm statements (MDC_ECG_RHY_*) with a time
 *   boundary become rhythm annotations (code "+", aux "(N", "(AFIB", ... or "(" + the MDC
 *   suffix), and beats (MDC_ECG_BEAT_*) become beat annotations at their QRS onset (code N, V,
 *   A or Q, aux the MDC code, durationSeconds the QRS duration). Everything else is ignored.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { type Ecg, type EcgAnnotation, pickLeads } from "./record.js";
import { InputError } from "../errors.js";
import { voltageToMvFactor } from "./edf.js";

const MAX_XML_BYTES = 256 * 1024 * 1024;

type Node = Record<string, unknown>;

const ALWAYS_ARRAY = new Set(["component", "subjectOf", "derivation"]);

function parser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (name) => ALWAYS_ARRAY.has(name),
  });
}

function node(v: unknown): Node | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}

function list(v: unknown): Node[] {
  if (Array.isArray(v)) return v.map(node).filter((x): x is Node => x !== undefined);
  const n = node(v);
  return n ? [n] : [];
}

function attr(n: Node | undefined, name: string): string | undefined {
  const v = n?.[`@_${name}`];
  return typeof v === "string" ? v : undefined;
}

function codeOf(n: Node | undefined): string | undefined {
  return attr(node(n?.code), "code");
}

/** "20021122091000.000" (HL7 TS) -> milliseconds (as if UTC: only differences matter) and ISO text. */
function parseTs(ts: string): { ms: number; iso: string } | undefined {
  const m = /^(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\.\d+)?/.exec(ts);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2] ?? "01", m[3] ?? "01", m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"];
  const frac = m[7] ?? "";
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) + Number(frac || "0") * 1000;
  return Number.isFinite(ms) ? { ms, iso } : undefined;
}

function seconds(value: string | undefined, unit: string | undefined): number | undefined {
  const v = Number(value);
  if (value === undefined || !Number.isFinite(v)) return undefined;
  return unit === "ms" ? v / 1000 : unit === "us" ? v / 1e6 : v;
}

const LEAD_NAMES: Record<string, string> = { AVR: "aVR", AVL: "aVL", AVF: "aVF" };

function leadName(code: string): string {
  const suffix = code.replace(/^MDC_ECG_LEAD_/, "");
  return LEAD_NAMES[suffix] ?? suffix;
}

export interface AecgReadOptions {
  /** Lead names to keep (case-insensitive), in this order. */
  leads?: string[];
}

/** Reads an HL7 aECG XML file. */
export async function readAecg(path: string, opts: AecgReadOptions = {}): Promise<Ecg> {
  const file = basename(path);
  const size = (await stat(path)).size;
  if (size > MAX_XML_BYTES) throw new InputError(file, `XML file of ${size} bytes is too big`);
  const text = await readFile(path, "utf8");
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new InputError(file, `malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  }
  const doc = parser().parse(text) as Node;
  const root = node(doc.AnnotatedECG);
  if (!root) {
    const name = Object.keys(doc).find((k) => !k.startsWith("?")) ?? "(none)";
    throw new InputError(file, `not an HL7 aECG file (root element <${name}>, expected <AnnotatedECG>)`);
  }
  const series = list(root.component)
    .map((c) => node(c.series))
    .filter((s): s is Node => s !== undefined);
  if (!series.length) throw new InputError(file, "aECG file has no <series> of waveforms");
  const chosen = series.find((s) => codeOf(s) === "RHYTHM") ?? series[0]!;
  const ecg = seriesToEcg(file, path, chosen);
  ecg.source.seriesCount = series.length;
  ecg.source.seriesCode = codeOf(chosen);
  return opts.leads?.length ? pickLeads(file, ecg, opts.leads) : ecg;
}

interface Clock {
  fs: number;
  startMs?: number;
  startIso?: string;
}

function seriesToEcg(file: string, path: string, series: Node): Ecg {
  const sequences = list(series.component)
    .flatMap((c) => list(c.sequenceSet))
    .flatMap((set) => list(set.component))
    .map((c) => node(c.sequence))
    .filter((s): s is Node => s !== undefined);
  const timeSeq = sequences.find((s) => /^TIME_(ABSOLUTE|RELATIVE)$/.test(codeOf(s) ?? ""));
  if (!timeSeq) throw new InputError(file, "aECG series has no TIME_ABSOLUTE or TIME_RELATIVE sequence");
  const clock = readClock(file, timeSeq);
  const leads: string[] = [];
  const signals: Float32Array[] = [];
  const units: string[] = [];
  for (const seq of sequences) {
    const code = codeOf(seq);
    if (!code || !code.startsWith("MDC_ECG_LEAD_")) continue;
    const lead = leadName(code);
    const { samples, unit } = readLead(file, lead, node(seq.value));
    leads.push(lead);
    signals.push(samples);
    units.push(unit);
  }
  if (!leads.length) throw new InputError(file, "aECG series has no MDC_ECG_LEAD_* sequence");
  const n = signals[0]!.length;
  signals.forEach((s, i) => {
    if (s.length !== n)
      throw new InputError(file, `lead ${leads[i]} has ${s.length} samples, lead ${leads[0]} has ${n}`);
  });
  const ecg: Ecg = {
    name: basename(path, extname(path)),
    fs: clock.fs,
    leads,
    signals,
    units,
    // Annotations outside the waveform (e.g. of a cut file) would point nowhere: dropped.
    annotations:
      clock.startMs !== undefined
        ? readAnnotations(series, clock).filter((a) => a.sample >= 0 && a.sample < n)
        : [],
    source: { format: "hl7-aecg", path },
  };
  if (clock.startIso) ecg.startTime = clock.startIso;
  return ecg;
}

function readClock(file: string, seq: Node): Clock {
  const value = node(seq.value);
  const inc = node(value?.increment);
  const step = seconds(attr(inc, "value"), attr(inc, "unit") ?? "s");
  if (step === undefined || step <= 0) {
    throw new InputError(file, `time sequence has no positive <increment> (got "${attr(inc, "value")}")`);
  }
  const fs = Math.abs(1 / step - Math.round(1 / step)) < 1e-6 * (1 / step) ? Math.round(1 / step) : 1 / step;
  const head = attr(node(value?.head), "value");
  const ts = codeOf(seq) === "TIME_ABSOLUTE" && head ? parseTs(head) : undefined;
  return { fs, startMs: ts?.ms, startIso: ts?.iso };
}

function readLead(
  file: string,
  lead: string,
  value: Node | undefined,
): { samples: Float32Array; unit: string } {
  const origin = node(value?.origin);
  const scale = node(value?.scale);
  const o = Number(attr(origin, "value") ?? "0");
  const k = Number(attr(scale, "value") ?? "1");
  if (!Number.isFinite(o) || !Number.isFinite(k))
    throw new InputError(file, `lead ${lead}: bad origin or scale`);
  const unit = attr(scale, "unit") ?? attr(origin, "unit") ?? "uV";
  const factor = voltageToMvFactor(unit);
  const f = factor ?? 1;
  const digits = value?.digits;
  const text =
    typeof digits === "string"
      ? digits
      : typeof node(digits)?.["#text"] === "string"
        ? (node(digits)!["#text"] as string)
        : "";
  const parts = text.trim() === "" ? [] : text.trim().split(/\s+/);
  const samples = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const d = Number(parts[i]);
    if (!Number.isFinite(d))
      throw new InputError(file, `lead ${lead}, sample ${i}: "${parts[i]}" is not a number`);
    samples[i] = (o + k * d) * f;
  }
  return { samples, unit: factor !== undefined ? "mV" : unit };
}

const RHYTHMS: Record<string, string> = {
  SINUS_RHY: "(N",
  AFIB: "(AFIB",
  AFLUT: "(AFL",
  ATR_FIB: "(AFIB",
  ATR_FLUT: "(AFL",
};

function beatCode(mdc: string): string {
  if (/NORMAL/.test(mdc)) return "N";
  if (/PVC|VENT/.test(mdc)) return "V";
  if (/SUPRA|ATR|PAC/.test(mdc)) return "A";
  return "Q";
}

/** Low/high of the first TIME_ABSOLUTE boundary of an annotation, in ms. */
function boundary(ann: Node): { low?: number; high?: number } | undefined {
  const rois = list(node(ann.support)?.supportingROI);
  for (const roi of rois) {
    for (const c of list(roi.component)) {
      const b = node(c.boundary);
      if (!b || codeOf(b) !== "TIME_ABSOLUTE") continue;
      const v = node(b.value);
      const low = attr(node(v?.low), "value");
      const high = attr(node(v?.high), "value");
      return { low: low ? parseTs(low)?.ms : undefined, high: high ? parseTs(high)?.ms : undefined };
    }
  }
  return undefined;
}

function readAnnotations(series: Node, clock: Clock): EcgAnnotation[] {
  const out: EcgAnnotation[] = [];
  const toSample = (ms: number) => Math.round(((ms - clock.startMs!) / 1000) * clock.fs);
  const sets = list(series.subjectOf).flatMap((s) => list(s.annotationSet));
  for (const set of sets) {
    for (const c of list(set.component)) {
      const ann = node(c.annotation);
      if (!ann) continue;
      const kind = codeOf(ann);
      const valueCode = attr(node(ann.value), "code") ?? "";
      if (kind === "MDC_ECG_RHY") {
        const b = boundary(ann);
        if (b?.low === undefined) continue;
        const suffix = valueCode.replace(/^MDC_ECG_RHY_/, "");
        const a: EcgAnnotation = {
          sample: toSample(b.low),
          code: "+",
          subtype: 0,
          channel: 0,
          num: 0,
          source: "aecg",
        };
        a.aux = RHYTHMS[suffix] ?? `(${suffix}`;
        if (b.high !== undefined) a.durationSeconds = (b.high - b.low) / 1000;
        out.push(a);
      } else if (kind === "MDC_ECG_BEAT") {
        const qrs = list(ann.component)
          .map((x) => node(x.annotation))
          .find((x) => x && attr(node(x.value), "code") === "MDC_ECG_WAVC_QRSWAVE");
        const b = qrs ? boundary(qrs) : undefined;
        if (b?.low === undefined) continue;
        const a: EcgAnnotation = {
          sample: toSample(b.low),
          code: beatCode(valueCode),
          subtype: 0,
          channel: 0,
          num: 0,
          aux: valueCode,
          source: "aecg",
        };
        if (b.high !== undefined) a.durationSeconds = (b.high - b.low) / 1000;
        out.push(a);
      }
    }
  }
  return out.sort((x, y) => x.sample - y.sample);
}
