// What every domain uses: errors and their catalogue, paging, durations and instants, bytes, the clock.
export { decodeBase64, encodeBase64 } from "./bytes.js";
export { type Clock, manualClock, systemClock } from "./clock.js";
export { parseDuration, parseInstant } from "./durations.js";
export {
  ERROR_CATALOGUE,
  type ErrorCode,
  errorKind,
  FatalError,
  fleetlineError,
  httpStatusOf,
  isFleetlineError,
  isTransient,
  PoisonError,
  recordDisposition,
  TransientError,
} from "./errors.js";
export {
  allPages,
  byPosition,
  decodeCursor,
  encodeCursor,
  NEXT_CURSOR_HEADER,
  PAGE_LIMITS,
  type Page,
  type PageRequest,
  pageOf,
  type SortPosition,
  sortsAfter,
} from "./paging.js";
