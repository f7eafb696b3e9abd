/**
 * English names of the SNOMED CT codes that occur in the CinC 2021 records here, as the
 * PhysioNet/CinC Challenge 2021 names them (its dx_mapping_scored.csv and
 * dx_mapping_unscored.csv), with capitalisation for reports. Unknown codes fall back to
 * "SNOMED CT <code>" so a new record never breaks the build.
 */
export const SNOMED_NAMES: Readonly<Record<string, string>> = {
  "111975006": "Prolonged QT interval",
  "164873001": "Left ventricular hypertrophy",
  "164930006": "ST interval abnormal",
  "164934002": "T wave abnormal",
  "251170000": "Blocked premature atrial contraction",
  "251187003": "Atrial escape beat",
  "253352002": "Left atrial abnormality",
  "284470004": "Premature atrial contraction",
  "365413008": "Poor R wave progression",
  "426177001": "Sinus bradycardia",
  "426434006": "Anterior ischemia",
  "426783006": "Sinus rhythm",
  "427084000": "Sinus tachycardia",
  "427172004": "Premature ventricular contractions",
  "427393009": "Sinus arrhythmia",
  "428750005": "Nonspecific ST-T abnormality",
  "55827005": "Left ventricular high voltage",
  "55930002": "ST changes",
  "59118001": "Right bundle branch block",
  "59931005": "T wave inversion",
  "67741000119109": "Left atrial enlargement",
  "698252002": "Nonspecific intraventricular conduction disorder",
  "713422000": "Atrial tachycardia",
  "713426002": "Incomplete right bundle branch block",
  "89792004": "Right ventricular hypertrophy",
};

export function snomedName(code: string): string {
  return SNOMED_NAMES[code] ?? `SNOMED CT ${code}`;
}
