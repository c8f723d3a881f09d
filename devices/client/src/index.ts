export {
  AwsIotTransport,
  type AwsIotTransportOptions,
  type CertificateFiles,
  type CertificatePems,
} from "./aws-iot-transport.js";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export {
  DeviceClient,
  type DeviceClientEvents,
  type DeviceClientOptions,
  type DeviceClientStats,
  encodeTelemetry,
  type Report,
} from "./device-client.js";
export {
  DeviceJobs,
  type DeviceJobsOptions,
  type JobExecution,
  JobInterrupted,
  type JobRunner,
} from "./device-jobs.js";
export { type BufferedMessage, FileBuffer, MemoryBuffer, type MessageBuffer } from "./message-buffer.js";
export { MqttTransport, type MqttTransportOptions } from "./mqtt-transport.js";
export {
  type ProvisionByClaimOptions,
  type ProvisionedDevice,
  ProvisioningRejected,
  provisionByClaim,
} from "./provision-by-claim.js";
export { FileSeqStore, MemorySeqStore, type SeqStore } from "./seq-store.js";
export type { Transport } from "./transport.js";
