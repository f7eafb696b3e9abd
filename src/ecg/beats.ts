/**
 * Which WFDB annotation codes mark a beat. Two sets, for two purposes:
 * - `EC57_BEAT_CODES`: the beat labels that ANSI/AAMI EC57 (and PhysioNet's `bxb`) compare a
 *   detector against: N L R B A a J S V r F e j n E / f Q.
 * - `BEAT_CODES`: every code WFDB counts as a QRS annotation (its `isqrs`), which adds "?"
 *   (beat not classified during learning) and "!" (ventricular flutter wave). The paper's
 *   localization rule spans an abnormal beat from the previous to the next of these.
 */
export const EC57_BEAT_CODES: ReadonlySet<string> = new Set([
  "N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q",
]); // prettier-ignore

export const BEAT_CODES: ReadonlySet<string> = new Set([...EC57_BEAT_CODES, "?", "!"]);
