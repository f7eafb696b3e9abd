// Public library API of anyecg. Each area exports its own entry points here.
export * from "./ecg/record.js";
export * from "./ecg/errors.js";
