/**
 * JSONL output written atomically: lines go to `<file>.tmp`, renamed into place when complete,
 * so an interrupted build never leaves a truncated file that looks finished.
 */
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { once } from "node:events";

export async function writeJsonl(file: string, lines: Iterable<string>): Promise<number> {
  const tmp = `${file}.tmp`;
  const stream = createWriteStream(tmp, { encoding: "utf8" });
  let n = 0;
  for (const line of lines) {
    if (!stream.write(line + "\n")) await once(stream, "drain");
    n++;
  }
  stream.end();
  await once(stream, "finish");
  await rename(tmp, file);
  return n;
}
