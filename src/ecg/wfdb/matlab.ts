/**
 * MATLAB v4 (.mat) files as PhysioNet stores WFDB records (`wfdb2mat`, CinC 2017/2021): one
 * matrix, one row per signal and one column per frame, stored column by column, so the data
 * after the header is an ordinary interleaved WFDB signal stream (format 16 for int16).
 *
 * The 20-byte header is five 32-bit integers: type (MOPT: M machine 0 little / 1 big endian,
 * O 0, P precision, T 0 full numeric), mrows, ncols, imagf, namlen; then namlen bytes of name.
 */
import { InputError } from "../../errors.js";

export interface MatV4Matrix {
  name: string;
  rows: number;
  cols: number;
  /** Byte offset of the first element. */
  dataOffset: number;
  /** Bytes per element. */
  elementBytes: number;
  /** MAT precision code P: 0 double, 1 single, 2 int32, 3 int16, 4 uint16, 5 uint8. */
  precision: number;
  littleEndian: boolean;
}

const PRECISION_BYTES = [8, 4, 4, 2, 2, 1];

/** WFDB format whose byte layout equals this MAT precision (little-endian), if any. */
export function wfdbFormatForMat(m: MatV4Matrix): number | undefined {
  if (!m.littleEndian) return m.precision === 3 ? 61 : undefined;
  return m.precision === 3 ? 16 : m.precision === 2 ? 32 : undefined;
}

/** Parses the first matrix header of a MAT v4 file and checks its size against the file length. */
export function parseMatV4Header(head: Uint8Array, fileSize: number, file: string): MatV4Matrix {
  if (head.length < 20) throw new InputError(file, "file too short for a MATLAB v4 header");
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let le = true;
  let type = dv.getInt32(0, true);
  if (type < 0 || type > 4052) {
    type = dv.getInt32(0, false);
    le = false;
  }
  const m = Math.floor(type / 1000);
  const o = Math.floor(type / 100) % 10;
  const p = Math.floor(type / 10) % 10;
  const t = type % 10;
  if (type < 0 || m > 1 || (m === 1) === le || o !== 0 || p > 5 || t !== 0)
    throw new InputError(file, `not a MATLAB v4 numeric matrix (type field ${type}; v5 files are not read)`);
  const rows = dv.getInt32(4, le);
  const cols = dv.getInt32(8, le);
  const imagf = dv.getInt32(12, le);
  const namlen = dv.getInt32(16, le);
  if (rows < 0 || cols < 0 || namlen < 1 || namlen > 1024)
    throw new InputError(
      file,
      `invalid MATLAB v4 header (rows ${rows}, cols ${cols}, name length ${namlen})`,
    );
  if (imagf !== 0) throw new InputError(file, "complex MATLAB matrices are not ECG records");
  if (head.length < 20 + namlen) throw new InputError(file, "file ends inside the MATLAB v4 matrix name");
  const nameBytes = head.subarray(20, 20 + namlen);
  const z = nameBytes.indexOf(0);
  const name = Buffer.from(nameBytes.subarray(0, z < 0 ? namlen : z)).toString("latin1");
  const elementBytes = PRECISION_BYTES[p]!;
  const dataOffset = 20 + namlen;
  const need = dataOffset + rows * cols * elementBytes;
  if (need > fileSize)
    throw new InputError(
      file,
      `MATLAB v4 matrix "${name}" is ${rows}x${cols} (${need} bytes) but the file has ${fileSize} bytes`,
    );
  return { name, rows, cols, dataOffset, elementBytes, precision: p, littleEndian: le };
}
