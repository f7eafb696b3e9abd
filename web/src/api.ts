/** The server's API, as the page uses it (types mirror src/server). */

export interface EcgMeta {
  id: string;
  name: string;
  format: string;
  fs: number;
  leads: string[];
  units: string[];
  samples: number;
  durationSeconds: number;
}

export interface SignalWindow {
  fs: number;
  start: number;
  step: number;
  points: number;
  decimated: boolean;
  leads: { name: string; unit: string; values?: (number | null)[]; min?: number[]; max?: number[] }[];
}

export interface AnswerInterval {
  ecg: string;
  ecgIndex: number;
  start: number;
  end: number;
}

export interface ChatResult {
  answer: string;
  intervals: AnswerInterval[];
  /** Set when a tool wrote the answer ("classical beat analysis"), not the language model. */
  tool?: string;
}

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

async function errorOf(r: Response): Promise<Error> {
  const body = (await r.json().catch(() => ({}))) as { error?: string };
  return new Error(body.error ?? `${r.status} ${r.statusText}`);
}

export async function health(): Promise<{ model: string | null }> {
  const r = await fetch("/health");
  if (!r.ok) throw await errorOf(r);
  return (await r.json()) as { model: string | null };
}

/** Uploads one record (its files together). */
export async function uploadRecord(files: File[], fs?: number): Promise<EcgMeta> {
  const form = new FormData();
  if (fs) form.append("fs", String(fs));
  for (const f of files) form.append("file", f, f.name);
  const r = await fetch("/api/ecgs", { method: "POST", body: form });
  if (!r.ok) throw await errorOf(r);
  return (await r.json()) as EcgMeta;
}

export async function deleteEcg(id: string): Promise<void> {
  await fetch(`/api/ecgs/${id}`, { method: "DELETE" });
}

export async function fetchSignal(
  id: string,
  start: number,
  duration: number,
  maxPoints: number,
  signal?: AbortSignal,
): Promise<SignalWindow> {
  const q = new URLSearchParams({
    start: String(Math.max(0, start)),
    duration: String(duration),
    maxPoints: String(Math.max(2, Math.min(20000, Math.round(maxPoints)))),
  });
  const r = await fetch(`/api/ecgs/${id}/signal?${q}`, { signal });
  if (!r.ok) throw await errorOf(r);
  return (await r.json()) as SignalWindow;
}

/** Asks a question with streaming: `onToken` gets the answer as it grows. */
export async function chatStream(
  ecgs: string[],
  messages: ChatMessage[],
  onToken: (text: string) => void,
): Promise<ChatResult> {
  const r = await fetch("/api/chat", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ecgs, messages, stream: true }),
  });
  if (!r.ok || !r.body) throw await errorOf(r);
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") as Record<string, unknown>;
      if (event === "token") onToken(data.text as string);
      else if (event === "done") return data as unknown as ChatResult;
      else if (event === "error") throw new Error(data.error as string);
    }
  }
  throw new Error("the answer stream ended early");
}
