/** How a device client reaches a broker: AWS IoT Core over mTLS, or any MQTT broker. */
export interface Transport {
  /** One connection attempt; rejects when it fails. */
  connect(): Promise<void>;
  /**
   * Resolves when the broker has the message (PUBACK, at QoS 1). Once `signal` aborts, the
   * transport stops waiting for that PUBACK (and forgets the message where it can): it rejects.
   */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1, signal?: AbortSignal): Promise<void>;
  subscribe(filters: string[]): Promise<void>;
  onMessage(handler: (topic: string, payload: Uint8Array) => void): void;
  /** Called when an established connection is lost. */
  onClose(handler: (error?: Error) => void): void;
  end(): Promise<void>;
}
