// WFDB (PhysioNet) records: headers, signal formats, annotations, MATLAB v4 records, writing.
export * from "./header.js";
export * from "./signals.js";
export * from "./annotations.js";
export * from "./matlab.js";
export * from "./record.js";
export * from "./write.js";
