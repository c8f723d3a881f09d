export { CloudWatchCounters, type CloudWatchCountersOptions } from "./adapters/cloudwatch-counters.js";
export { DynamoDbAlertStore } from "./adapters/dynamodb-alert-store.js";
export { DynamoDbCommandLedger } from "./adapters/dynamodb-command-ledger.js";
export { DynamoDbQuarantine } from "./adapters/dynamodb-quarantine.js";
export {
  DYNAMODB_TABLES,
  type KeySchema,
  type TableSchema,
  timeSortKey,
} from "./adapters/dynamodb-tables.js";
export { IotDataAlertPublisher } from "./adapters/iot-alert-publisher.js";
export { IotDataShadowGateway } from "./adapters/iot-data-shadow-gateway.js";
export { IotJobsReader, type IotJobsReaderOptions } from "./adapters/iot-jobs-reader.js";
export { IotThingRegistry, type IotThingRegistryOptions } from "./adapters/iot-thing-registry.js";
export { SnsAlertPublisher } from "./adapters/sns-alert-publisher.js";
export { SqsDeadLetterQueue } from "./adapters/sqs-dead-letter-queue.js";
export { TimestreamTelemetryQuery } from "./adapters/timestream-telemetry-query.js";
export {
  TIMESTREAM_MEASURE,
  type TimestreamStoreOptions,
  TimestreamTelemetryStore,
  timestreamRecord,
} from "./adapters/timestream-telemetry-store.js";
export { checkedApiToken, stageApiTokens } from "./api/api-tokens.js";
export { ALARM_SETTINGS, awsAlarmPorts } from "./api/aws-alarm-ports.js";
export { API_SETTINGS, type ApiSettings, type AwsApiClients, awsApiContext } from "./api/aws-api-context.js";
export {
  type AwsRedriveClients,
  awsRedrive,
  REDRIVE_SETTINGS,
  type RedriveSettings,
} from "./api/aws-redrive.js";
export {
  createAlertsHandler,
  createConfirmHandler,
  createStoreHandler,
  createSweepHandler,
  createValidateHandler,
  effectFailureLogger,
  inputsOf,
  partialResponse,
  poisonRecord,
  streamHandler,
  validate,
} from "./handlers/index.js";
export {
  KINESIS_LIMITS,
  KinesisStreamProducer,
  KinesisStreamReader,
  kinesisEntryProblem,
  type ProducerOptions,
  putRecordsRequests,
  requestErrorScope,
  retryableEntryError,
} from "./kinesis.js";
