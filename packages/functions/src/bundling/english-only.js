// zod's locales, English only: what a function's bundle needs (error messages are English), without
// the forty-odd other languages (≈ 200 KiB). See ./bundling.ts.
export { default as en } from "zod/v4/locales/en.js";
