/**
 * The page: upload (drop or pick several files; WFDB files are grouped into records by name),
 * one viewer per ECG, and the chat panel whose streamed answers mark their intervals on the
 * viewers (each interval is a button that jumps there).
 */
import { type ChatMessage, type ChatResult, chatStream, deleteEcg, health, uploadRecord } from "./api.js";
import { formatTime } from "./paper.js";
import { EcgViewer } from "./viewer.js";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;
const viewers: EcgViewer[] = [];
let history: ChatMessage[] = [];

/** Groups files into records: a WFDB record's .hea/.dat/.atr/... share a name stem. */
export function groupRecords(files: File[]): File[][] {
  const stem = (n: string) => n.replace(/\.[^.]*$/, "");
  const wfdbStems = new Set(files.filter((f) => /\.hea$/i.test(f.name)).map((f) => stem(f.name)));
  const groups = new Map<string, File[]>();
  for (const f of files) {
    const key = wfdbStems.has(stem(f.name)) ? `wfdb:${stem(f.name)}` : `file:${f.name}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

async function uploadFiles(files: File[]): Promise<void> {
  const status = $("#upload-status");
  const fs = Number($<HTMLInputElement>("#csv-fs").value) || undefined;
  const problems: string[] = [];
  for (const group of groupRecords(files)) {
    status.textContent = `uploading ${group.map((f) => f.name).join(", ")}…`;
    try {
      addViewer(await uploadRecord(group, fs));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  status.textContent = problems.length ? problems.join("\n") : "";
  status.classList.toggle("error", problems.length > 0);
}

function addViewer(meta: Parameters<typeof viewerFor>[0]): void {
  const v = viewerFor(meta);
  viewers.push(v);
  $("#viewers").append(v.element);
  v.schedule();
}

function viewerFor(meta: ConstructorParameters<typeof EcgViewer>[0]): EcgViewer {
  const v: EcgViewer = new EcgViewer(meta, viewers.length, () => {
    viewers.splice(viewers.indexOf(v), 1);
    v.element.remove();
    void deleteEcg(meta.id);
  });
  return v;
}

function bindUpload(): void {
  const zone = $("#drop-zone");
  const input = $<HTMLInputElement>("#file-input");
  input.addEventListener("change", () => {
    void uploadFiles([...(input.files ?? [])]).then(() => (input.value = ""));
  });
  zone.addEventListener("keydown", (e) => {
    if (e.target === zone && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      input.click();
    }
  });
  for (const ev of ["dragenter", "dragover"]) {
    zone.addEventListener(ev, (e) => {
      e.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    void uploadFiles([...(e.dataTransfer?.files ?? [])]);
  });
}

function messageItem(role: "user" | "assistant", text: string): HTMLLIElement {
  const li = document.createElement("li");
  li.className = `msg ${role}`;
  const p = document.createElement("p");
  p.textContent = text;
  li.append(p);
  $("#messages").append(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

/** Marks the answer's intervals on the viewers and lists them as buttons that jump there. */
function showIntervals(li: HTMLLIElement, result: ChatResult, ecgIds: string[]): void {
  for (const v of viewers) {
    v.setHighlights(
      result.intervals.filter((i) => i.ecg === v.meta.id).map((i) => ({ start: i.start, end: i.end })),
    );
  }
  if (result.tool) {
    const note = document.createElement("p");
    note.className = "source";
    note.textContent = `Answered by the ${result.tool}.`;
    li.append(note);
  }
  if (!result.intervals.length) return;
  const list = document.createElement("ul");
  list.className = "intervals";
  list.setAttribute("aria-label", "Intervals in this answer");
  for (const iv of result.intervals) {
    const viewer = viewers.find((v) => v.meta.id === iv.ecg);
    const b = document.createElement("button");
    b.type = "button";
    b.className = "interval";
    const which = ecgIds.length > 1 ? `ECG ${iv.ecgIndex + 1} · ` : "";
    b.textContent = `${which}${formatTime(iv.start)} – ${formatTime(iv.end)}`;
    b.setAttribute("aria-label", `Show ${which}${iv.start} to ${iv.end} seconds on the waveform`);
    b.onclick = () => viewer?.jumpTo({ start: iv.start, end: iv.end });
    const item = document.createElement("li");
    item.append(b);
    list.append(item);
  }
  li.append(list);
}

async function ask(question: string): Promise<void> {
  const ecgIds = viewers.map((v) => v.meta.id);
  history.push({ role: "user", content: question });
  messageItem("user", question);
  const li = messageItem("assistant", "");
  li.setAttribute("aria-busy", "true");
  const p = li.querySelector("p")!;
  const send = $<HTMLButtonElement>("#send");
  send.disabled = true;
  try {
    const result = await chatStream(ecgIds, history, (t) => {
      p.textContent += t;
    });
    p.textContent = result.answer;
    history.push({ role: "assistant", content: result.answer });
    showIntervals(li, result, ecgIds);
  } catch (err) {
    history.pop();
    li.classList.add("error");
    p.textContent = (err as Error).message;
  } finally {
    li.removeAttribute("aria-busy");
    send.disabled = false;
  }
}

function bindChat(): void {
  const form = $<HTMLFormElement>("#chat-form");
  const q = $<HTMLTextAreaElement>("#question");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = q.value.trim();
    if (!text) return;
    q.value = "";
    void ask(text);
  });
  q.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  $("#reset").addEventListener("click", () => {
    history = [];
    $("#messages").replaceChildren();
    for (const v of viewers) v.setHighlights([]);
  });
}

async function showModel(): Promise<void> {
  const el = $("#model-status");
  try {
    const h = await health();
    el.textContent = h.model ? `model: ${h.model}` : "no model loaded: viewing only (chat is unavailable)";
  } catch (err) {
    el.textContent = `server not reachable: ${(err as Error).message}`;
  }
}

bindUpload();
bindChat();
void showModel();
