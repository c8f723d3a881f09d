import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export const LOCAL_REGION = "us-east-1";
export const LOCAL_ACCOUNT = "000000000000";

/**
 * The AWS SDK's own Kinesis client pointed at the local stand-in: the same client code the Lambda
 * adapters use. HTTP/1.1 because kinesalite does not speak HTTP/2.
 */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: "fleetline-local", secretAccessKey: "fleetline-local" },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
    maxAttempts: 3,
  });
}

export function streamArn(streamName: string, region = LOCAL_REGION, account = LOCAL_ACCOUNT): string {
  return `arn:aws:kinesis:${region}:${account}:stream/${streamName}`;
}
