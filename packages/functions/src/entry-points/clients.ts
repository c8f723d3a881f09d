import { CloudWatchCounters } from "../adapters/cloudwatch-counters.js";
import { readConfig } from "./config.js";

export { documents } from "./documents.js";

/** The counters the stream and command functions share, built once per container. */
export const counters = new CloudWatchCounters({ stage: readConfig(["FLEETLINE_STAGE"]).FLEETLINE_STAGE });
